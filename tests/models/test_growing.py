"""Growing chains and multi-head RNNs (Hamidi et al. 2024, eqs. 1–4): counts, growth, freezing, duplication."""
import torch
import torch.nn.functional as F

from explorer.models.growing import (GrowingChain, MaskedNesterov, MultiHeadRNN, chain_param_count,
                                     matched_rnn_size, rnn_param_count)
from explorer.tasks.parity import ParityStream


def test_parameter_counts_and_matching():
    assert chain_param_count(5, 24) == 1631 and rnn_param_count(22, 24) == 1586
    assert chain_param_count(10, 24) == 5466 and rnn_param_count(53, 24) == 5399
    assert matched_rnn_size(5, 24) == 22 and matched_rnn_size(10, 24) == 53
    # counted from the tensors: W_R diagonal and the first module's W_FF excluded
    m = GrowingChain(4, 6, [0])
    n = sum(v[0].numel() for v in m.params.values()) - 5 * 4 - 16
    assert n == chain_param_count(4, 6)


def _train(model, steps, seed=0, lr=0.3):
    opt = MaskedNesterov(model.parameters(), lr)
    stream = ParityStream(seed, model.n_max, 32)
    for _ in range(steps):
        model.loss(stream.next(model.newest_n())).sum().backward()
        opt.step(model.lr_scales())
    return opt


def test_chain_forward_matches_a_per_module_loop():
    torch.manual_seed(0)
    m = GrowingChain(3, 5, [1, 2])
    m.n_active[:] = 3
    b = ParityStream(0, 5, 4).next(torch.tensor([4, 4]))
    h0 = m.h0(4)
    logits = m.forward(b.x, b.start, h0)
    p = {k: v.detach() for k, v in m.params.items()}
    e, T = 1, b.x.shape[1]
    h = [h0[e, d] for d in range(3)]               # (M, B)
    for t in range(int(b.start[e]), T):
        new = []
        for d in range(3):
            c = ((p["W_R"][e, d] * (1 - torch.eye(3))) @ h[d] + p["W_I"][e, d, :, None] * b.x[e, t]
                 + p["b"][e, d, :, None])
            if d > 0:
                c = c + p["W_FF"][e, d] @ h[d - 1]
            inv = 1 / p["tau"][e, d].clamp(min=1)[:, None]
            new.append((1 - inv) * h[d] + inv * F.leaky_relu(c, 0.01))
        h = new
    ref = torch.stack([h[d].T @ p["W_O"][e, d] + p["b_O"][e, d] for d in range(3)], 1)
    assert torch.allclose(logits[e].detach(), ref, atol=1e-5)


def test_growth_adds_module_and_head_and_freezes_older_modules_bit_identically():
    m = GrowingChain(4, 6, [0, 1])
    _train(m, 3)
    m.grow(torch.tensor([True, False]), gamma=0.0, sigma=None)
    assert m.n_active.tolist() == [2, 1]
    assert m.active_heads().sum(1).tolist() == [2, 1]
    before = {k: v.detach().clone() for k, v in m.params.items()}
    opt = MaskedNesterov(m.parameters(), 0.3)
    stream = ParityStream(1, 6, 32)
    for _ in range(3):
        m.loss(stream.next(m.newest_n())).sum().backward()
        opt.step(m.lr_scales())
    for k, v in m.params.items():
        assert torch.equal(v[0, 0], before[k][0, 0]), k                 # frozen module 0 of network 0
        if k != "W_FF":                                                   # module 0 has no W_FF
            assert not torch.equal(v[1, 0], before[k][1, 0]), k          # network 1 still trains its module 0
        assert torch.equal(v[:, 3:], before[k][:, 3:]), k                # never-grown modules untouched
    assert not torch.equal(m.params["W_R"][0, 1], before["W_R"][0, 1])  # the new module trains


def test_gamma_scales_older_modules_learning_rate():
    m = GrowingChain(3, 5, [0])
    m.grow(torch.tensor([True]), gamma=0.5)
    m.grow(torch.tensor([True]), gamma=0.5)
    assert m.scale[0, :4].tolist() == [0.25, 0.5, 1.0, 1.0]


def test_duplication_copies_the_trained_previous_module():
    m = GrowingChain(4, 6, [0, 1])
    _train(m, 3)
    m.grow(torch.tensor([True, True]), sigma=0.0)        # module 1 from trained module 0
    _train(m, 3, seed=1)
    m.grow(torch.tensor([True, True]), sigma=0.0)        # module 2 from trained module 1
    for k in ("W_R", "W_FF", "W_I", "b", "tau"):
        assert torch.equal(m.params[k][:, 2], m.params[k][:, 1]), k
    assert not torch.equal(m.params["W_O"][:, 2], m.params["W_O"][:, 1])   # readouts never copied
    before = m.params["W_R"][:, 2].detach().clone()
    g = torch.Generator().manual_seed(0)
    m.grow(torch.tensor([True, False]), sigma=0.1, generator=g)
    ratio = m.params["W_R"][0, 3] / m.params["W_R"][0, 2]
    off = ~torch.eye(4, dtype=torch.bool)
    assert 0.01 < (ratio[off] - 1).std() < 0.3                            # W·(1 + σξ)
    assert torch.equal(m.params["W_R"][1, 3], torch.zeros(4, 4) + m.params["W_R"][1, 3])  # untouched network
    assert torch.equal(before, m.params["W_R"][:, 2])


def test_rnn_growth_adds_a_head_and_keeps_training_everything():
    m = MultiHeadRNN(8, 5, [0])
    m.grow(torch.tensor([True]))
    assert m.active_heads()[0].tolist() == [True, True, False, False]
    before = m.params["W_R"].detach().clone()
    _train(m, 2)
    assert not torch.equal(before, m.params["W_R"])
    assert torch.equal(torch.diagonal(m.params["W_R"][0]), torch.zeros(8))


def test_same_seed_same_numbers_and_network_independent_of_ensemble():
    a, b = GrowingChain(4, 6, [5, 6]), GrowingChain(4, 6, [6])
    assert torch.equal(a.params["W_R"][1], b.params["W_R"][0])
    x, y = MultiHeadRNN(6, 5, [3]), MultiHeadRNN(6, 5, [3])
    torch.manual_seed(0); _train(x, 3)
    torch.manual_seed(0); _train(y, 3)
    for k in x.params:
        assert torch.equal(x.params[k], y.params[k])


def _grads(model, fn, batch, h0):
    from explorer.models.growing import head_loss
    for v in model.params.values():
        v.grad = None
    loss = head_loss(fn(batch.x, batch.start, h0), batch.targets, model.active_heads())
    loss.sum().backward()
    return loss.detach(), [v.grad * (s > 0) if s is not None else v.grad
                           for v, s in zip(model.parameters(), model.lr_scales())]


def test_frozen_chain_trains_only_the_newest_module_with_the_full_pass_numbers():
    """γ = 0: the loss runs the frozen modules without autograd and re-runs only each network's newest module
    with it — the same loss and the same gradients on every trainable entry as the full pass, for networks at
    different depths and sequence starts (gradients to float rounding: a reduction over the batch runs on
    a different shape)."""
    torch.manual_seed(0)
    m = GrowingChain(4, 8, [0, 1, 2])
    _train(m, 3)
    m.grow(torch.tensor([True, True, False]), gamma=0.0, sigma=0.1, generator=torch.Generator().manual_seed(0))
    m.grow(torch.tensor([True, False, False]), gamma=0.0, sigma=None)
    assert m.n_active.tolist() == [3, 2, 1] and m.only_newest_trains()
    b = ParityStream([3, 4, 5], 8, 16).next(m.newest_n())
    assert len(set(b.start.tolist())) > 1                                 # sequences of different lengths
    h0 = m.h0(16, generator=torch.Generator().manual_seed(1))
    full_loss, full = _grads(m, m.forward, b, h0)
    fast_loss, fast = _grads(m, m._forward_newest, b, h0)
    assert torch.equal(full_loss, fast_loss)
    for name, g, f in zip(m.names, full, fast):
        assert torch.allclose(g, f, rtol=1e-6, atol=1e-9), name
        assert bool((g != 0).any()) == bool((f != 0).any()), name


def test_partly_frozen_chains_take_the_full_pass():
    m = GrowingChain(3, 5, [0])
    assert m.only_newest_trains()               # one module: nothing below it
    m.grow(torch.tensor([True]), gamma=0.5)
    assert not m.only_newest_trains()           # module 0 still learns at half the rate
    m.grow(torch.tensor([True]), gamma=0.0)
    assert m.only_newest_trains()               # modules 0 and 1 now at 0
    m.scale[0, 0] = 0.5
    assert not m.only_newest_trains()


def test_chain_forward_without_autograd_is_the_same_computation():
    """Evaluation and perturbation run the chain in place (no autograd): bit for bit the training pass."""
    torch.manual_seed(0)
    m = GrowingChain(4, 7, [0, 1, 2])
    m.n_active = torch.tensor([4, 2, 3])
    b = ParityStream([3, 4, 5], 7, 8).next(m.newest_n())
    assert len(set(b.start.tolist())) > 1
    h0 = m.h0(8, generator=torch.Generator().manual_seed(1))
    seen = {True: [], False: []}
    for grad in (True, False):
        with torch.set_grad_enabled(grad):
            out = m.forward(b.x, b.start, h0, keep=lambda t, h: seen[grad].append(h.detach().clone()))
        seen[grad].append(out.detach())
    assert len(seen[True]) == len(seen[False]) > 10
    for a, c in zip(seen[True], seen[False]):
        assert torch.equal(a, c)
