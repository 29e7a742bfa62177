"""Robustness to weight and timescale perturbations (Hamidi et al. 2024, eq. 5 and Figs. 3, 5).

    W̃ = W + ε ξ/‖ξ‖_F ‖W‖_F,   ξ ~ N(0, I)            (eq. 5, after Wu et al. 2020)
    τ̃ = τ + ε |ξ|/‖ξ‖ ‖τ‖                              (upward only, so that τ ≥ 1 stays meaningful)

Each matrix is perturbed with its own ξ and its own norm: every module's W_R and W_FF separately in the
modular chain, the one W_R of the RNN; τ per module (chain) or as one vector (RNN). Because every piece gets
ε × its own norm, the whole group also moves by exactly ε × the group's Frobenius norm. W_R's diagonal is
structurally zero and stays so (ξ is zero there). Accuracy is measured per head (= per module in the chain)
on one balanced evaluation batch that is reused for every ε and draw (fresh batches make the curves wobble);
a task counts as still solved at accuracy > 0.9 (the paper's threshold). Perturbed copies of all E networks
run as one larger ensemble (copies × E on the leading axis), as many at a time as keep the state in cache
(:func:`auto_chunk`); every copy's ξ is its own draw, so the chunking never changes a number.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["perturb", "perturbation_curves", "auto_chunk", "eps_grid", "eps_keep", "SOLVED", "GROUPS"]

SOLVED = 0.9
GROUPS = {"W_R": ("W_R", 2, False), "W_FF": ("W_FF", 2, False), "tau": ("tau", 1, True)}   # param, matrix dims, upward


def eps_grid(eps_min: float = 0.01, eps_max: float = 10.0, points: int = 10) -> np.ndarray:
    """ε ∈ {0} ∪ geomspace(eps_min, eps_max, points)."""
    return np.concatenate([[0.0], np.geomspace(eps_min, eps_max, points)])


def perturb(W: torch.Tensor, eps: torch.Tensor, generator: torch.Generator, dims: int = 2,
            upward: bool = False, keep_zero: torch.Tensor | None = None) -> torch.Tensor:
    """Perturbed copies (P·E, …) of W (E, …) for the P values in ``eps`` (copy-major, index p·E + e), each
    trailing ``dims``-dimensional block moved by exactly ε‖block‖_F in a random direction (eq. 5); ``upward``
    takes |ξ| (the τ rule); entries where ``keep_zero`` is True are never perturbed."""
    P = eps.shape[0]
    # one draw per copy (and per network when given one generator each): the numbers never depend on how the
    # copies are chunked (a draw of P·n normals is not the same stream as P draws of n) nor on the company
    if isinstance(generator, (list, tuple)):
        xi = torch.stack([torch.stack([torch.randn(W.shape[1:], generator=g, dtype=W.dtype) for g in generator])
                          for _ in range(P)])
    else:
        xi = torch.stack([torch.randn(W.shape, generator=generator, dtype=W.dtype) for _ in range(P)])
    if keep_zero is not None:
        xi = xi * ~keep_zero
    if upward:
        xi = xi.abs()
    red = tuple(range(-dims, 0))
    scale = eps.view(P, *[1] * W.dim()).to(W.dtype) * torch.linalg.vector_norm(W, dim=red, keepdim=True)
    direction = xi / torch.linalg.vector_norm(xi, dim=red, keepdim=True).clamp_min(1e-30)
    return (W + scale * direction).reshape(P * W.shape[0], *W.shape[1:])


#: Bytes of network state one pass may hold: the recurrence runs ~7 kernels a step over its state, and while
#: that stays in a core's L2 cache (1 MiB on the machine measured) a pass is about twice as fast per copy as
#: with 16 copies at once (benchmarks/bench_growth.py prints both).
STATE_BUDGET = 512 * 1024


def auto_chunk(model, batch_size: int, budget: int = STATE_BUDGET) -> int:
    """Perturbed copies per pass so that their states, (copies·E, units, B) float32, fit ``budget`` bytes."""
    return max(1, budget // (4 * model.E * model.units() * batch_size))


@torch.no_grad()
def perturbation_curves(model, group: str, eps, draws: int, batch, h0: torch.Tensor, seed=0,
                        chunk: int | None = None) -> dict:
    """Accuracy per head and tasks solved against ε for ``group`` ∈ {"W_R", "W_FF", "tau"}.

    ``model``: a :class:`~explorer.models.growing.GrowingChain` or ``MultiHeadRNN`` (forward accepts
    ``params`` for E' = copies·E networks); ``batch``: a balanced :class:`~explorer.tasks.parity.ParityBatch`
    for the E networks; ``h0``: their initial states (reused for all copies). ε = 0 is evaluated once.
    ``chunk`` copies run per pass (None: :func:`auto_chunk`); it changes the speed, never the numbers.
    Returns numpy arrays: ``eps`` (n,), ``accuracy`` (n, E, K) mean over draws, ``tasks_solved`` (n, E) mean
    over draws of the number of active heads with accuracy > 0.9, ``tasks_solved_sd`` (n, E).
    """
    name, dims, upward = GROUPS[group]
    if name not in model.params:
        raise ValueError(f"{type(model).__name__} has no {group} to perturb")
    eps = np.asarray(eps, dtype=float)
    E, K = model.E, model.K
    base = {k: v.detach() for k, v in model.params.items()}
    active = model.active_heads()
    keep_zero = (torch.eye(base[name].shape[-1], dtype=torch.bool) if name == "W_R" else None)
    gen = ([torch.Generator().manual_seed(int(x)) for x in seed] if isinstance(seed, (list, tuple))
           else torch.Generator().manual_seed(int(seed)))   # one seed per network, or one for all
    # (ε, draw) pairs, ε = 0 once
    pairs = [(i, 0) for i in range(len(eps)) if eps[i] == 0] + \
            [(i, d) for i in range(len(eps)) if eps[i] != 0 for d in range(draws)]
    acc_sum = torch.zeros(len(eps), E, K)
    solved = [[] for _ in eps]
    chunk = chunk or auto_chunk(model, batch.x.shape[2])
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo:lo + chunk]
        P = len(part)
        e_vals = torch.tensor([eps[i] for i, _ in part], dtype=base[name].dtype)
        params = {k: (perturb(v, e_vals, gen, dims, upward, keep_zero) if k == name else
                      v.repeat(P, *[1] * (v.dim() - 1))) for k, v in base.items()}
        b = batch.repeat(P)
        logits = model.forward(b.x, b.start, h0.repeat(P, *[1] * (h0.dim() - 1)), params=params)
        acc = (logits.argmax(-1).transpose(1, 2) == b.targets[:, :logits.shape[2]]).float().mean(-1)
        acc = torch.nn.functional.pad(acc, (0, K - acc.shape[1])).view(P, E, K)
        n_ok = ((acc > SOLVED) & active).sum(-1).float()
        for j, (i, _) in enumerate(part):
            acc_sum[i] += acc[j]
            solved[i].append(n_ok[j])
    counts = torch.tensor([max(len(s), 1) for s in solved], dtype=torch.float32)
    ts = torch.stack([torch.stack(s) .mean(0) for s in solved])
    sd = torch.stack([torch.stack(s).std(0, unbiased=False) for s in solved])
    return {"eps": eps, "accuracy": (acc_sum / counts[:, None, None]).numpy(), "tasks_solved": ts.numpy(),
            "tasks_solved_sd": sd.numpy()}


def eps_keep(eps: np.ndarray, tasks_solved: np.ndarray, fraction: float = 0.5) -> np.ndarray:
    """Per network, the ε at which the tasks still solved first fall below ``fraction`` × their ε = 0 value,
    interpolated log-linearly between grid points (the last ε if they never do; NaN when nothing was solved
    at ε = 0). ``tasks_solved``: (n_eps, E) with eps[0] = 0."""
    eps = np.asarray(eps, float)
    ts = np.asarray(tasks_solved, float)
    out = np.full(ts.shape[1], np.nan)
    for e in range(ts.shape[1]):
        ref = ts[0, e]
        if ref <= 0:
            continue
        level = fraction * ref
        below = np.nonzero(ts[1:, e] < level)[0]
        if below.size == 0:
            out[e] = eps[-1]
            continue
        j = below[0] + 1
        if j == 1:
            out[e] = eps[1]
            continue
        y0, y1 = ts[j - 1, e], ts[j, e]
        w = (y0 - level) / (y0 - y1) if y0 != y1 else 0.0
        out[e] = float(np.exp(np.log(eps[j - 1]) + w * (np.log(eps[j]) - np.log(eps[j - 1]))))
    return out
