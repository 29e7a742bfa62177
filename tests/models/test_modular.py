import pytest
import torch

from explorer.metrics.structure import n_links
from explorer.models.modular import ModularEnsemble

F = 12


def make(members=None, **kw):
    members = members or [{"seed": 0, "p": 0.2}, {"seed": 1, "p": 1 / 36}]
    kw.setdefault("n", 6)
    return ModularEnsemble(members, features=F, **kw)


@pytest.mark.parametrize("input", ["separate", "fused", "common"])
@pytest.mark.parametrize("readout", ["separate", "common"])
@pytest.mark.parametrize("bottleneck", [0, 3])
def test_shapes_per_pathway(input, readout, bottleneck):
    m = make(input=input, readout=readout, bottleneck=bottleneck)
    x = torch.rand(2, 5, 2, F)
    H = m.hidden_states(x, 4)
    assert H.shape == (2, 5, 4, 12)
    assert m(x, 4).shape == (2, 5, 2, 10)
    f_in = F if input == "separate" else 2 * F
    assert m.W_in.shape[-1] == f_in
    assert m.W_r.shape[-1] == ((bottleneck or 6) * (1 if readout == "separate" else 2))


def test_link_counts_are_exact_per_network_and_direction():
    members = [{"seed": s, "p": p} for s, p in enumerate([1 / 64, 0.1, 0.5, 1.0])]
    m = make(members, n=8)
    counts = m.inter.active().sum((-1, -2))
    for e, mem in enumerate(members):
        assert counts[e].tolist() == [n_links(mem["p"], 8)] * 2
    assert n_links(1 / 64, 8) == 1


def test_separate_inputs_and_no_communication_isolate_the_modules():
    m = make(input="separate")
    m.comms_start.fill_(99)                                  # links never carry signal
    x = torch.rand(2, 4, 2, F)
    x2 = x.clone()
    x2[:, :, 1] = torch.rand(2, 4, F)                        # change digit 1 only
    H, H2 = m.hidden_states(x, 5), m.hidden_states(x2, 5)
    assert torch.allclose(H[..., :6], H2[..., :6])           # module 0 never sees digit 1
    assert not torch.allclose(H[..., 6:], H2[..., 6:])
    m.comms_start.fill_(0)
    H, H2 = m.hidden_states(x, 5), m.hidden_states(x2, 5)
    assert torch.allclose(H[:, :, 0, :6], H2[:, :, 0, :6])   # t = 0: nothing has crossed yet
    assert not torch.allclose(H[:, :, 2, :6], H2[:, :, 2, :6])


def test_max_decision_takes_the_module_with_the_largest_output():
    r = torch.zeros(1, 2, 2, 1, 3)
    r[0, 0, 0, 0] = torch.tensor([0.1, 5.0, 0.0])             # sample 0: module 0 wins
    r[0, 0, 1, 0] = torch.tensor([1.0, 0.0, 0.0])
    r[0, 1, 0, 0] = torch.tensor([0.1, 0.2, 0.0])             # sample 1: module 1 wins
    r[0, 1, 1, 0] = torch.tensor([0.0, 0.0, 3.0])
    out = ModularEnsemble.decide(r)
    assert torch.equal(out[0, 0, 0], r[0, 0, 0, 0])
    assert torch.equal(out[0, 1, 0], r[0, 1, 1, 0])


def test_networks_in_an_ensemble_are_independent():
    """A network trained inside an ensemble takes exactly the steps it would take alone."""
    from explorer.studies.specialization.train import ensemble_loss

    both = make([{"seed": 3, "p": 0.2}, {"seed": 4, "p": 0.5}])
    alone = make([{"seed": 3, "p": 0.2}])
    torch.manual_seed(0)
    x, y = torch.rand(2, 8, 2, F), torch.randint(0, 10, (2, 8, 2))
    for model, xs, ys in ((both, x, y), (alone, x[:1], y[:1])):
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(3):
            opt.zero_grad()
            ensemble_loss(model(xs, 3), ys).backward()
            opt.step()
    assert torch.allclose(both.W_hh[0], alone.W_hh[0], atol=1e-6)
    assert torch.allclose(both.W_in[0], alone.W_in[0], atol=1e-6)


def test_same_seed_same_initial_weights():
    a, b = make(), make()
    for (na, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert torch.equal(pa, pb), na


def test_tanh_half_matches_torch_tanh_in_value_and_gradient():
    from explorer.models.recurrence import tanh_half

    x = torch.linspace(-12, 12, 20001, dtype=torch.float32, requires_grad=True)
    y = tanh_half(2 * x)
    assert (y - torch.tanh(x)).abs().max() < 5e-7
    (g,) = torch.autograd.grad(y.sum(), x)
    (g_ref,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    assert (g - g_ref).abs().max() < 1e-6


@pytest.mark.parametrize("comms", [(0, 0), (2, 2), (0, 2), (3, 1), (3, 2)])
def test_recurrence_is_paper_equation_3(comms):
    """hidden_states equals a plain per-module loop of 001 eq. 3 (links gated by each network's own
    communication start, also when the two networks of the ensemble start at different steps)."""
    m = make(input="separate")
    m.comms_start.copy_(torch.tensor(comms))
    x = torch.rand(2, 3, 2, F)
    n = m.n
    with torch.no_grad():
        H = m.hidden_states(x, 4)
        W_inter = m.inter.weight()
        for e in range(2):
            h = [torch.zeros(3, n), torch.zeros(3, n)]
            for t in range(4):
                g = 1.0 if t >= comms[e] else 0.0
                new = []
                for mod in (0, 1):
                    other = 1 - mod
                    # direction 0 carries module 0 → 1, direction 1 carries 1 → 0 (rows receive)
                    link = W_inter[e, 0] if mod == 1 else W_inter[e, 1]
                    pre = (x[e, :, mod] @ m.W_in[e, mod].T + m.b_h[e, mod] + h[mod] @ m.W_hh[e, mod].T
                           + g * h[other] @ link.T)
                    new.append(torch.tanh(pre))
                h = new
                assert torch.allclose(H[e, :, t], torch.cat(h, -1), atol=1e-5)


def test_states_at_each_networks_own_step_equal_the_full_stack():
    """hidden_states(at=…) (the weight-mask metric's path) picks h at each network's step, with its gradient."""
    m = make(input="separate")
    x = torch.rand(2, 3, 2, F)
    at = torch.tensor([1, 3])
    full = m.hidden_states(x, 4)
    picked = m.hidden_states(x, 4, at=at)
    ref = full[torch.arange(2), :, at]
    assert torch.equal(picked, ref)
    with torch.no_grad():   # precomputed input currents in place of x give the same states
        assert torch.equal(m.hidden_states(None, 4, currents=m.input_currents(x), at=at), picked.detach())
    (g,) = torch.autograd.grad(picked.sum(), m.W_hh)
    (g_ref,) = torch.autograd.grad(ref.sum(), m.W_hh)
    assert torch.allclose(g, g_ref, atol=1e-6)


@pytest.mark.parametrize("timed", [False, True])
def test_last_state_is_the_last_of_all_states(timed):
    """The training path (h_T only) and the metrics' path (every state) run the same recurrence."""
    m = make(input="separate")
    m.comms_start.copy_(torch.tensor([0, 2]))
    x = torch.rand(2, 4, 3, 2, F) if timed else torch.rand(2, 3, 2, F)
    with torch.no_grad():
        assert torch.equal(m.hidden_states(x, 4, last_only=True), m.hidden_states(x, 4)[:, :, -1])
