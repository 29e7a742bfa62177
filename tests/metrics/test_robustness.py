"""Eq. 5 perturbations (Hamidi et al. 2024): exact norms, upward τ, curves and ε_keep."""
import numpy as np
import torch

from explorer.metrics.robustness import STATE_BUDGET, auto_chunk, eps_grid, eps_keep, perturb, perturbation_curves
from explorer.models.growing import GrowingChain, MultiHeadRNN
from explorer.tasks.parity import ParityStream


def test_weight_perturbation_has_norm_exactly_eps_times_weight_norm():
    g = torch.Generator().manual_seed(0)
    W = torch.randn(3, 5, 6, 6)                      # E networks × 5 modules
    eps = torch.tensor([0.0, 0.01, 0.5, 10.0])
    out = perturb(W, eps, g, dims=2).view(4, 3, 5, 6, 6)
    diff = torch.linalg.matrix_norm(out - W)        # per module
    want = eps[:, None, None] * torch.linalg.matrix_norm(W)[None]
    assert torch.allclose(diff, want, rtol=1e-5, atol=1e-6)
    # and so the whole group moves by ε‖W‖ too
    total = (out - W).flatten(2).norm(dim=2)
    assert torch.allclose(total, eps[:, None] * W.flatten(1).norm(dim=1), rtol=1e-5)


def test_tau_perturbation_is_upward_with_the_right_norm_and_diagonal_stays_zero():
    g = torch.Generator().manual_seed(1)
    tau = 1 + torch.rand(2, 4, 7)
    out = perturb(tau, torch.tensor([0.3, 2.0]), g, dims=1, upward=True).view(2, 2, 4, 7)
    assert (out >= tau).all() and (out > tau).any()
    assert torch.allclose((out - tau).norm(dim=-1), torch.tensor([0.3, 2.0])[:, None, None] * tau.norm(dim=-1))
    W = torch.randn(2, 5, 5) * (1 - torch.eye(5))
    out = perturb(W, torch.tensor([1.0]), g, keep_zero=torch.eye(5, dtype=torch.bool))
    assert torch.equal(torch.diagonal(out, dim1=-2, dim2=-1), torch.zeros(2, 5))


def test_curves_at_zero_match_plain_accuracy_and_huge_eps_breaks_the_network():
    m = MultiHeadRNN(6, 4, [0, 1])
    m.n_active[:] = 3
    b = ParityStream(0, 4, 64).next(m.newest_n(), balanced=True)
    h0 = m.h0(64)
    r = perturbation_curves(m, "W_R", eps_grid(0.1, 1e3, 3), 2, b, h0, chunk=3)
    assert r["accuracy"].shape == (4, 2, 3) and r["tasks_solved"].shape == (4, 2)
    assert np.allclose(r["accuracy"][0], m.accuracy(b, h0).numpy())
    assert not np.allclose(r["accuracy"][-1], r["accuracy"][0])
    c = GrowingChain(3, 4, [0])
    c.n_active[:] = 2
    r = perturbation_curves(c, "W_FF", [0.0, 1.0], 3, ParityStream(0, 4, 8).next(c.newest_n(), balanced=True),
                            c.h0(8), chunk=2)
    assert r["accuracy"].shape == (2, 1, 3)


def test_chunking_never_changes_a_number():
    """Every perturbed copy's ξ is its own draw: one copy at a time, seven, or the automatic chunk give the same
    numbers bit for bit, for every group and both architectures, at sizes where one large draw of P·n normals
    would not be the same stream as P draws of n."""
    for m, groups in ((GrowingChain(6, 8, [0, 1]), ("W_R", "W_FF", "tau")),
                      (MultiHeadRNN(20, 8, [0, 1]), ("W_R", "tau"))):
        m.n_active[:] = 4
        b = ParityStream(0, 8, 32).next(m.newest_n(), balanced=True)
        h0 = m.h0(32)
        for g in groups:
            runs = [perturbation_curves(m, g, [0.0, 0.3, 3.0], 3, b, h0, seed=[4, 5], chunk=c) for c in (1, 7, None)]
            for r in runs[1:]:
                assert np.array_equal(runs[0]["accuracy"], r["accuracy"]), g
                assert np.array_equal(runs[0]["tasks_solved"], r["tasks_solved"]), g


def test_automatic_chunk_keeps_the_state_within_the_budget():
    m = GrowingChain(10, 24, [0, 1, 2])
    m.n_active[:] = 20
    assert auto_chunk(m, 256) == 1                       # 600 KB a copy: one at a time
    r = MultiHeadRNN(53, 24, [0, 1, 2])
    assert auto_chunk(r, 256) == 3 and 3 * 4 * 3 * 53 * 256 <= STATE_BUDGET


def test_eps_keep_interpolates_where_tasks_fall_to_half():
    eps = np.array([0.0, 0.1, 1.0, 10.0])
    ts = np.array([[10, 0], [10, 0], [0, 0], [0, 0]], float)
    k = eps_keep(eps, ts)
    assert np.isnan(k[1]) and 0.1 < k[0] < 1.0
    assert eps_keep(eps, np.array([[4.0], [4], [4], [4]]))[0] == 10.0
