import copy

import pytest
import torch

from explorer.models.spatial import (SpatialRNN, best_swap_bruteforce, distance_matrix, sheet_coordinates,
                                     swap_deltas)


def small(E=3, grid=4, **kw):
    kw = {"n_in": 5, "n_out": 3, "lam": 1e-2, "A": 1.0, "swaps": True, **kw}
    m = SpatialRNN(list(range(E)), grid=grid, **kw)
    with torch.no_grad():                                               # sparse, so swaps matter
        m.w.mul_((torch.rand(m.w.shape, generator=torch.Generator().manual_seed(1)) > 0.6).float())
    return m


def test_connection_cost_on_hand_built_weights():
    m = SpatialRNN([0, 1], grid=2, n_in=2, n_out=1, lam=[0.5, 0.5], A=[1.0, 0.0])
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        # slots (0,0)=0, (0,1)=1, (1,0)=2, (1,1)=3 at spacing 1/2: D(0,3) = 1, D(0,1) = 0.5
        m.w[:, 0, 3] = -2.0
        m.w[:, 1, 0] = 1.0
        m.w[:, 2, 2] = 4.0                                              # an autapse: length 0
        m.w_in[:, 0, 1] = 0.5
        m.w_out[:, 0, 2] = -1.5
        m.b[:, 1] = 0.25
        m.b_out[:, 0] = 1.0
    l1 = 2 + 1 + 4 + 0.5 + 1.5 + 0.25 + 1.0
    dist = 2 * 1.0 + 1 * 0.5
    assert torch.allclose(m.distance_cost(), torch.tensor([dist, dist]))
    assert torch.allclose(m.connection_cost(), torch.tensor([l1 + dist, l1]))       # A = 1 vs A = 0 (L1)
    assert torch.allclose(m.regularisation(), 0.5 * torch.tensor([l1 + dist, l1]))


def test_sheets_and_distances():
    c = sheet_coordinates(3)
    D = distance_matrix(c)
    assert D[0, 8] == pytest.approx(4 / 3) and D[4, 5] == pytest.approx(1 / 3)
    line = distance_matrix(sheet_coordinates(3, "1d"))
    assert line.shape == (9, 9) and line[0, 8] == pytest.approx(8 / 9)
    with pytest.raises(ValueError, match="unknown sheet"):
        sheet_coordinates(3, "3d")


def test_vectorised_deltas_equal_brute_force_for_every_network_and_slot():
    m = small(E=3, A=[1.0, 0.5, 2.0])
    slots = torch.arange(m.N).expand(3, -1)
    d = m.A[:, None, None] * swap_deltas(m.w.detach().abs(), m.dist, slots)            # (E, N, N)
    w, dist = m.w.detach().double(), m.dist.double()
    for e in range(3):
        for a in (0, 5, 15):
            b_best, delta_best = best_swap_bruteforce(m, e, a)
            assert int(d[e, a].argmin()) == b_best
            assert float(d[e, a].min()) == pytest.approx(delta_best, abs=1e-5)
            for b in (1, 9):                                            # and every delta, not just the best
                p = torch.arange(m.N)
                p[a], p[b] = b, a
                want = float(m.A[e]) * float((w[e][p][:, p].abs() * dist).sum() - (w[e].abs() * dist).sum())
                assert float(d[e, a, b]) == pytest.approx(want, abs=1e-5)


def test_swap_keeps_function_and_optimizer_step_and_lowers_the_cost():
    torch.manual_seed(0)
    m = small(E=3, swaps=[True, True, False])
    opt = torch.optim.AdamW(m.parameters(), lr=1e-2, weight_decay=0.0)
    x = torch.randn(4, 6, 5)
    y = torch.randint(0, 3, (4, 6))

    def loss(model):
        out = model(x)
        ce = torch.nn.functional.cross_entropy(out.flatten(0, 2), y.expand(model.E, -1, -1).flatten(),
                                               reduction="none").view(model.E, -1).mean(1)
        return (ce + model.regularisation()).sum()

    for _ in range(3):                                                  # build some optimizer state
        opt.zero_grad()
        loss(m).backward()
        opt.step()
    before_out = m(x).detach()
    before_cost = m.connection_cost().detach()
    twin = copy.deepcopy(m)
    twin_opt = torch.optim.AdamW(twin.parameters(), lr=1e-2, weight_decay=0.0)
    twin_opt.load_state_dict(copy.deepcopy(opt.state_dict()))         # (load_state_dict shares tensors)

    # the kept swap is the brute-force best partner of the top-ranked slot
    top = m.scores().detach().argmax(1)
    best = [best_swap_bruteforce(m, e, int(top[e])) for e in range(3)]
    made = m.swap(opt, top_k=1)
    assert made.tolist() == [int(best[0][1] < 0), int(best[1][1] < 0), 0]
    for e in range(2):
        if best[e][1] < 0:
            slot, partner = int(top[e]), best[e][0]
            assert m.identity[e, slot] == partner and m.identity[e, partner] == slot
            assert float(before_cost[e] - m.connection_cost().detach()[e]) == pytest.approx(-best[e][1], rel=1e-4)
    assert torch.equal(m.identity[2], torch.arange(m.N))                # the non-swapping network kept still

    # more swaps: the cost only goes down, the function stays
    made = m.swap(opt, top_k=8)
    after_cost = m.connection_cost().detach()
    assert (after_cost[:2] < before_cost[:2]).all() and after_cost[2] == before_cost[2]
    assert made[:2].sum() > 0
    assert torch.allclose(m(x).detach(), before_out, atol=1e-5)

    # the next optimizer step is the same step, in the new slot order (for the permutation-invariant
    # prediction loss: the distance term itself changed, which is the point of the swap)
    for model, o in ((m, opt), (twin, twin_opt)):
        model.lam.zero_()
        o.zero_grad()
        loss(model).backward()
        o.step()
    perm = m.identity                                                   # slot s holds twin's neuron perm[s]
    e = torch.arange(3)[:, None]
    assert torch.allclose(m.w, twin.w[e, perm].gather(2, perm[:, None, :].expand(-1, m.N, -1)), atol=1e-6)
    assert torch.allclose(m.w_in, twin.w_in[e, perm], atol=1e-6)
    assert torch.allclose(m.b, twin.b[e, perm], atol=1e-6)
    assert torch.allclose(m.w_out, twin.w_out.gather(2, perm[:, None, :].expand(-1, 3, -1)), atol=1e-6)
    assert torch.allclose(m(x), twin(x), atol=1e-5)


def test_ensemble_members_are_independent_of_their_company():
    x = torch.randn(2, 5, 5)
    alone = SpatialRNN([7], grid=3, n_in=5, n_out=3)
    together = SpatialRNN([3, 7], grid=3, n_in=5, n_out=3)
    assert torch.equal(alone.w[0], together.w[1])
    assert torch.allclose(alone(x)[0], together(x)[1], atol=1e-6)


def test_packed_steps_give_the_same_real_outputs_as_the_full_padded_pass():
    torch.manual_seed(3)
    m = SpatialRNN([0, 1], grid=3, n_in=5, n_out=3)
    lengths = torch.tensor([[7, 7, 5, 2], [7, 6, 3, 3]])
    x = torch.randn(2, 4, 7, 5) * (torch.arange(7) < lengths[..., None])[..., None]
    valid = torch.arange(7) < lengths[..., None]
    full, H_full = m(x, hidden=True)
    packed, H = m(x, hidden=True, lengths=lengths)
    assert torch.allclose(full[valid], packed[valid], atol=1e-6)
    assert torch.allclose(H_full[valid], H[valid], atol=1e-6)


def test_swap_with_top_k_above_the_neuron_count_tries_every_neuron():
    torch.manual_seed(0)
    a, b = (SpatialRNN([3, 4], grid=3, n_in=5, n_out=2, lam=1e-3, A=1.0, swaps=True) for _ in range(2))
    made_all = a.swap(None, top_k=9)
    made_more = b.swap(None, top_k=50)                 # clamped to the 9 neurons
    assert torch.equal(made_all, made_more) and torch.equal(a.identity, b.identity)
    assert (made_all > 0).all()


def _unrolled(m, x, lengths):
    """Reference: the plain autograd recurrence over every padded step (the pre-packing forward)."""
    phi = torch.relu if m.activation == "relu" else torch.tanh
    E, B, T, _ = x.shape
    h, hs = torch.zeros(E, B, m.N, dtype=x.dtype), []
    for t in range(T):
        h = phi(x[:, :, t] @ m.w_in.transpose(1, 2) + m.b[:, None] + h @ m.w.transpose(1, 2))
        hs.append(h)
    H = torch.stack(hs, 2)
    return torch.einsum("ebtn,eon->ebto", H, m.w_out) + m.b_out[:, None, None], H


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_packed_backpropagation_through_time_equals_autograd(activation):
    # the hand-written BPTT of the packed recurrence against autograd through the unrolled padded loop, in
    # float64: every parameter's gradient of a loss on the real steps only
    torch.manual_seed(5)
    m = SpatialRNN([0, 1, 2], grid=3, n_in=4, n_out=3, activation=activation, recurrent_gain=1.5).double()
    with torch.no_grad():
        m.b.normal_(0, 0.3)
    lengths = torch.tensor([[6, 6, 4, 1], [5, 5, 5, 2], [6, 3, 3, 0]])
    valid = torch.arange(6) < lengths[..., None]                        # (E, B, T)
    x = torch.randn(3, 4, 6, 4, dtype=torch.float64) * valid[..., None]
    target = torch.randn(3, 4, 6, 3, dtype=torch.float64)
    grads, ref_H = [], None
    for run in ("unrolled", "packed"):
        m.zero_grad()
        logits, H = _unrolled(m, x, lengths) if run == "unrolled" else m(x, hidden=True, lengths=lengths)
        (((logits - target) ** 2).sum(-1) * valid).sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
        if run == "packed":
            assert torch.allclose(H[valid], ref_H[valid], atol=1e-12)
            # trial 3 runs two steps (network 1's length) in every network, padding included; then zeros
            assert (H[:, 3, 2:] == 0).all() and (H[2, 3, :2] != 0).any()
        ref_H = H.detach()
    for g_ref, g in zip(*grads):
        assert torch.allclose(g, g_ref, atol=1e-10), (g - g_ref).abs().max()


def test_packing_lists_the_real_steps_time_major():
    from explorer.models.spatial import packing

    pk = packing(torch.tensor([[3, 1, 1], [2, 2, 0]]), 3, 4)            # longest per trial: 3, 2, 1
    assert pk.counts == (3, 2, 1) and pk.offsets == (0, 3, 5)
    assert pk.index.tolist() == [0, 4, 8, 1, 5, 2]                      # b·T + t
    assert pk.prev.tolist() == [0, 1, 3]                                # (0,1)←(0,0), (1,1)←(1,0), (0,2)←(0,1)
    assert packing(None, 2, 3).counts == (2, 2, 2)
    with pytest.raises(ValueError, match="decrease"):
        packing(torch.tensor([1, 3]), 2, 4)


def test_ensemble_step_in_float32_matches_the_unrolled_loop():
    # the training precision: the packed loss and gradients agree with the unrolled padded loop to rounding
    torch.manual_seed(2)
    m = SpatialRNN([0, 1], grid=3, n_in=5, n_out=3)
    lengths = torch.tensor([[7, 5, 5, 2], [6, 6, 3, 3]])
    valid = torch.arange(7) < lengths[..., None]
    x = torch.randn(2, 4, 7, 5) * valid[..., None]
    grads = []
    for run in ("unrolled", "packed"):
        m.zero_grad()
        logits = _unrolled(m, x, lengths)[0] if run == "unrolled" else m(x, lengths=lengths)
        (logits.logsumexp(-1) * valid).sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    for g_ref, g in zip(*grads):
        assert torch.allclose(g, g_ref, rtol=1e-4, atol=1e-5)
