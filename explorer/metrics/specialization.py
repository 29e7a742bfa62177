"""Specialization metrics M(m, k, t) and the measures F^m and F (Béna & Goodman 2023a, 2023b).

For module m, digit k and time step t, each metric gives M(m, k, t) ∈ [0, 1] (Béna & Goodman 2023a, §2.4):

* bottleneck retraining (Béna & Goodman 2023b, §3.1): freeze the network, retrain only module m's readout from its
  bottleneck b^(m) (or from h^(m) when there is no bottleneck) to classify digit k; chance-corrected accuracy.
* module ablation (Béna & Goodman 2023a, §2.4): a readout common to both modules is fitted on the frozen states to
  classify digit k; M is the fraction of its above-chance accuracy lost when module m's state is zeroed.
* hidden-state correlation (Béna & Goodman 2023b, §3.3 eq. 7): mean Pearson correlation between module m's states for
  pairs x, x' that share digit k's image (the other digit redrawn), normalised against the unfixed baseline
  ρ₀ of random pairs: M = (ρ_k − ρ₀) / (1 − ρ₀).
* weight mask (Béna & Goodman 2023b, §3.2): see :mod:`explorer.metrics.weight_mask`.

Then F^m = M(m, 0) − M(m, 1) and F = |F^0 − F^1| / 2 (Béna & Goodman 2023a, §2.4), per time step. All probes of all
networks, modules, digits and steps are fitted together (:mod:`explorer.metrics.probes`).
"""
from __future__ import annotations

import torch

from .probes import accuracy, chance_corrected, fit_softmax

PROBE_TRAIN, PROBE_TEST = 4096, 2048
# Bottleneck probes (standardised, d = b features): 60 full-batch Adam steps at rate 0.3 land as close to the
# 1000-step fit as 150 steps at 0.1 did (mean |ΔF| 0.004–0.007 vs 0.007–0.009 on trained default networks),
# at 40 % of the cost.
BN_ITERS, BN_LR = 60, 0.3
# The ablation readout reads raw states (d = 2n; ablating a module sets its states to 0, so they cannot be
# standardised), correlated and unevenly scaled: 150 Adam steps at 0.1 left last-step F 0.065 from a 3000-step
# fit on average (up to 0.17); 300 FISTA steps of size 4 in whitened coordinates land within 0.008 (up to
# 0.027) at 1.5× the time (15 trained n = 25 networks, seeds 0–4, p = 1/n², 0.1, 1; docs/science.md §12).
AB_ITERS, AB_STEP, AB_SOLVER = 300, 4.0, "fista"


@torch.no_grad()
def states(model, stream, steps: int, purpose: str, size: int, split: str):
    """Hidden states (E, N, T, 2n) and digits (E, N, 2) over a fixed probe set."""
    H, D = [], []
    for batch in stream.fixed_set(purpose, size, split):
        H.append(model.hidden_states(batch.x, steps))
        D.append(batch.digits)
    return torch.cat(H, 1), torch.cat(D, 1)


def bottleneck_metric(model, train, test) -> torch.Tensor:
    """M_bn (E, T, module, digit): retrain module m's readout from its bottleneck on digit k."""
    (Htr, Dtr), (Hte, Dte) = train, test
    with torch.no_grad():
        Ztr, Zte = model.bottleneck_states(Htr), model.bottleneck_states(Hte)       # (E, N, T, 2, d)
    E, N, T, _, d = Ztr.shape

    def problems(Z, D):   # one problem per (network, step, module); digits 0 and 1 are its two heads
        Z = Z.permute(0, 2, 3, 1, 4)                                                      # (E,T,m,N,d)
        y = D.permute(0, 2, 1)[:, None, None].expand(E, T, 2, 2, D.shape[1])            # (E,T,m,k,N)
        return Z.reshape(-1, Z.shape[-2], d), y.reshape(-1, 2, y.shape[-1])

    Zg, yg = problems(Ztr, Dtr)
    predict = fit_softmax(Zg, yg, iters=BN_ITERS, lr=BN_LR)
    Zq, yq = problems(Zte, Dte)
    return chance_corrected(accuracy(predict(Zq), yq)).reshape(E, T, 2, 2)


def ablation_metric(model, train, test, iters: int = AB_ITERS, lr: float = AB_STEP,
                    solver: str = AB_SOLVER) -> torch.Tensor:
    """M_ab (E, T, module, digit): share of a common readout's accuracy on digit k lost without module m."""
    (Htr, Dtr), (Hte, Dte) = train, test
    E, N, T, n2 = Htr.shape
    n = n2 // 2

    def problems(H, D):   # one problem per (network, step); digits 0 and 1 are its two heads
        Z = H.permute(0, 2, 1, 3)                                                          # (E,T,N,2n)
        y = D.permute(0, 2, 1)[:, None].expand(E, T, 2, D.shape[1])                       # (E,T,k,N)
        return Z.reshape(-1, H.shape[1], n2), y.reshape(-1, 2, D.shape[1])

    Zg, yg = problems(Htr, Dtr)
    predict = fit_softmax(Zg, yg, iters=iters, lr=lr, standardize=False, solver=solver)
    Zq, yq = problems(Hte, Dte)
    full = accuracy(predict(Zq), yq)                                                   # (E·T, k)
    lost = []
    for m in (0, 1):   # ablate module m: its neurons silent (h = 0)
        Za = Zq.clone()
        Za[..., m * n:(m + 1) * n] = 0
        lost.append(full - accuracy(predict(Za), yq))
    lost = torch.stack(lost, -1).reshape(E, T, 2, 2)                                   # (E,T,k,m)
    above = (full.reshape(E, T, 2) - 0.1).clamp(min=1e-6)[..., None]
    return (lost / above).clamp(0, 1).transpose(2, 3)                                  # (E,T,m,k)


def _pearson(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pearson correlation along the last dim (neurons)."""
    a = a - a.mean(-1, keepdim=True)
    b = b - b.mean(-1, keepdim=True)
    den = (a.norm(dim=-1) * b.norm(dim=-1)).clamp(min=1e-8)
    return (a * b).sum(-1) / den


@torch.no_grad()
def correlation_metric(model, stream, steps: int, size: int = PROBE_TEST) -> torch.Tensor:
    """M_cr (E, T, module, digit): normalised state correlation when digit k is held fixed (001 eq. 7)."""
    n = model.n
    rho = {0: [], 1: []}
    base = []
    for k in (0, 1):
        for batch, swapped in stream.fixed_set("swap", size, "test", swap=k):
            h = model.hidden_states(batch.x, steps)                                    # (E,B,T,2n)
            h2 = model.hidden_states(swapped.x, steps)
            hm, h2m = h.reshape(*h.shape[:3], 2, n), h2.reshape(*h2.shape[:3], 2, n)
            rho[k].append(_pearson(hm, h2m).mean(1))                                  # (E,T,2)
            if k == 0:   # baseline: random pairs (nothing shared), the same states shifted by one sample
                base.append(_pearson(hm, hm.roll(1, dims=1)).mean(1))
    base = torch.stack(base).mean(0)                                                   # (E,T,m)
    M = torch.stack([torch.stack(rho[k]).mean(0) for k in (0, 1)], -1)                 # (E,T,m,k)
    b = base[..., None]
    # M ∈ [0, 1] as Béna & Goodman 2023a, §2.4 defines it: sampling noise around the baseline is clipped at 0
    return ((M - b) / (1 - b).clamp(min=1e-6)).clamp(0, 1)


def module_F(M):
    """F^m = M(m, 0) − M(m, 1) (Béna & Goodman 2023a, §2.4); M (..., module, digit) → (..., module).

    Works on torch tensors and numpy arrays alike: the one definition the runner and the tests use."""
    return M[..., 0] - M[..., 1]


def global_F(M):
    """F = |F^0 − F^1| / 2 with F^m = M(m,0) − M(m,1); M (..., module, digit) → (...)."""
    Fm = module_F(M)
    return abs(Fm[..., 0] - Fm[..., 1]) / 2
