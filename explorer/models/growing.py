"""Growing modular chains and multi-head RNNs with trainable timescales, E networks at once (Hamidi et al. 2024).

Both architectures use the rate neuron of Hamidi et al. 2024, eqs. 1–2, for every unit:

    h ← (1 − 1/τ̂) h + φ(C_t) / τ̂,     τ̂ = max(τ, 1) (forward pass only),   φ = leaky ReLU (slope 0.01)

* :class:`MultiHeadRNN` — the non-modular network (eq. 3): C_t = W_R h + W_I x_t + b, with W_R's diagonal
  zeroed (j ≠ i), one linear readout head per N = 2 … n_max; growth adds a head, every weight keeps training.
  (The reference code, LevinaLab/rnn_timescale_public, applies φ after the leak in its baseline; here eq. 1
  is followed for both architectures so the comparison is between topologies only.)
* :class:`GrowingChain` — the modular network (eq. 4): module m gets C_t^m = W_R^m h^m + W_FF^m h^{m−1}
  + W_I^m x_t + b^m and has its own head for N = m + 2. The chain is preallocated to n_max − 1 modules with a
  per-network depth, so networks that grow at different epochs stay one tensor; modules beyond a network's
  depth never influence the active ones (the chain feeds forward only) and get no gradient (their heads are
  masked out of the loss). Growth (:meth:`GrowingChain.grow`) activates the next module and head, scales the
  learning rate of all older modules by γ (γ = 0: frozen, bit-identical — the paper's protocol; the authors'
  code does this as a learning-rate decay of older modules but never decays their input weights W_I, here
  every parameter of an older module is scaled) and optionally duplicates W_R, W_FF, W_I, b and τ of the
  *trained* previous module into the new one with multiplicative noise W·(1 + σξ), ξ ~ N(0, 1). The reference
  code copies the new, still random module into the next one (an off-by-one); readouts are never copied.

Initialisation follows ``torch.nn.Linear`` (U(±1/√fan_in)), τ = 1 + U(0, 1), h₀ = 0.1·U(0, 1) per sequence.
Every network is initialised from its own seed, so its weights do not depend on the rest of the ensemble.

Optimisation: :class:`MaskedNesterov` — SGD with Nesterov momentum on the preallocated tensors, the gradient
norm clipped per network, and a per-element learning-rate scale (0 for frozen modules: their gradient is
masked out of the clip norm and the momentum, and their values are left exactly untouched).
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F

from .nesterov import MaskedNesterov

__all__ = ["GrowingChain", "MultiHeadRNN", "MaskedNesterov", "chain_param_count", "rnn_param_count",
           "matched_rnn_size", "SLOPE"]

SLOPE = 0.01


def chain_param_count(module_size: int, n_max: int) -> int:
    """Trainable parameters of a chain grown to n_max (n_max − 1 modules): per module W_I (M), W_R without
    its diagonal (M(M−1)), b (M), τ (M) and a head (2M + 2); W_FF (M²) for every module but the first."""
    M, K = module_size, n_max - 1
    return K * (M + M * (M - 1) + M + M + 2 * M + 2) + (K - 1) * M * M


def rnn_param_count(hidden: int, n_max: int) -> int:
    """Trainable parameters of a multi-head RNN of ``hidden`` units with heads N = 2 … n_max."""
    H, K = hidden, n_max - 1
    return H + H * (H - 1) + H + H + K * (2 * H + 2)


def matched_rnn_size(module_size: int, n_max: int) -> int:
    """The RNN size whose parameter count is nearest the chain's at n_max (ties → the smaller)
    (Hamidi et al. 2024 match architectures by trainable parameters at the largest N)."""
    target = chain_param_count(module_size, n_max)
    H = 1
    while rnn_param_count(H, n_max) < target:
        H += 1
    return H - 1 if H > 1 and target - rnn_param_count(H - 1, n_max) <= rnn_param_count(H, n_max) - target else H


def _uniform(gens, shape, bound, offset=0.0):
    return torch.stack([offset + (2 * torch.rand(shape, generator=g) - 1) * bound for g in gens])


def _rand(shape, E: int, generator, copies: int = 1) -> torch.Tensor:
    """U(0, 1) of (copies·E, *shape): from one generator, or network e's block from its own (list)."""
    if isinstance(generator, (list, tuple)):
        return torch.stack([torch.rand(shape, generator=g) for g in generator]).repeat(copies, *[1] * len(shape))
    return torch.rand(copies * E, *shape, generator=generator)


def _leak_step(h, pre, tau_hat_inv):
    """One step of eq. 1: (1 − 1/τ̂) h + φ(pre)/τ̂, written h + (φ(pre) − h)/τ̂."""
    return torch.addcmul(h, F.leaky_relu(pre, SLOPE) - h, tau_hat_inv)


def head_loss(logits: torch.Tensor, targets: torch.Tensor, active: torch.Tensor) -> torch.Tensor:
    """Sum over active heads of the batch-mean cross-entropy: logits (E, B, K, 2), targets (E, K, B),
    active (E, K) → (E,)."""
    E, B, K, _ = logits.shape
    ce = F.cross_entropy(logits.reshape(E * B * K, 2), targets[:, :K].transpose(1, 2).reshape(-1),
                         reduction="none").view(E, B, K).mean(1)
    return (ce * active[:, :K]).sum(1)


def head_accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Fraction correct per head (E, K) from logits (E, B, K, 2) and targets (E, K, B)."""
    K = logits.shape[2]
    return (logits.argmax(-1).transpose(1, 2) == targets[:, :K]).float().mean(-1)


class _Ensemble:
    """Shared bits: parameters as a dict of (E, …) tensors, heads, loss, accuracy."""

    names: tuple = ()

    def parameters(self) -> list[torch.Tensor]:
        return [self.params[k] for k in self.names]

    def state(self) -> dict:
        """Detached copies of all tensors (parameters, depth/heads, lr scales)."""
        out = {k: v.detach().clone() for k, v in self.params.items()}
        out["n_active"] = self.n_active.clone()
        return out

    @property
    def E(self) -> int:
        return self.n_active.shape[0]

    def active_heads(self) -> torch.Tensor:
        """(E, K) bool: the heads each network trains now (N = 2 … its newest)."""
        return torch.arange(self.K)[None, :] < self.n_active[:, None]

    def newest_n(self) -> torch.Tensor:
        """(E,) the N of each network's newest head."""
        return self.n_active + 1

    def loss(self, batch, h0=None, active: torch.Tensor | None = None) -> torch.Tensor:
        """Summed cross-entropy (E,) of the heads in ``active`` (E, K) (default: :meth:`active_heads`)."""
        active = self.active_heads() if active is None else active
        return head_loss(self.forward(batch.x, batch.start, h0), batch.targets, active)

    def repeated(self, copies: int) -> "_Ensemble":
        """``copies`` × E networks (copy-major, index c·E + e) with these networks' trained parameters and
        state, as leaves of their own (for a retraining experiment that must leave these networks untouched)."""
        new = copy.copy(self)
        new.params = {k: v.detach().repeat(copies, *[1] * (v.dim() - 1)).requires_grad_(True)
                      for k, v in self.params.items()}
        new.n_active = self.n_active.repeat(copies)
        if hasattr(self, "scale"):
            new.scale = self.scale.repeat(copies, 1)
        return new

    @torch.no_grad()
    def reset_head(self, head: torch.Tensor, generators) -> None:
        """Draw network e's readout ``head[e]`` afresh (U(±1/√fan_in), as at construction), from its own
        generator."""
        W_O, b_O = self.params["W_O"], self.params["b_O"]
        r = 1 / math.sqrt(W_O.shape[-2])
        for e, (k, g) in enumerate(zip(head.tolist(), generators)):
            W_O[e, k] = (2 * torch.rand(W_O.shape[-2:], generator=g) - 1) * r
            b_O[e, k] = (2 * torch.rand(2, generator=g) - 1) * r

    @torch.no_grad()
    def accuracy(self, batch, h0=None) -> torch.Tensor:
        """(E, K) accuracy per head (heads beyond the computed depth: 0)."""
        acc = head_accuracy(self.forward(batch.x, batch.start, h0), batch.targets)
        return F.pad(acc, (0, self.K - acc.shape[1]))


class MultiHeadRNN(_Ensemble):
    """E non-modular RNNs of ``hidden`` units with heads for N = 2 … n_max (Hamidi et al. 2024, eq. 3)."""

    names = ("W_I", "W_R", "b", "tau", "W_O", "b_O")

    def __init__(self, hidden: int, n_max: int, seeds: list[int]):
        self.H, self.n_max, self.K = hidden, n_max, n_max - 1
        gens = [torch.Generator().manual_seed(int(s) * 7919 + 1) for s in seeds]
        H, K, r = hidden, self.K, 1 / math.sqrt(hidden)
        W_R = _uniform(gens, (H, H), r) * (1 - torch.eye(H))
        self.params = {"W_I": _uniform(gens, (H,), 1.0), "W_R": W_R, "b": _uniform(gens, (H,), r),
                       "tau": _uniform(gens, (H,), 0.5, 1.5), "W_O": _uniform(gens, (K, H, 2), r),
                       "b_O": _uniform(gens, (K, 2), r)}
        for v in self.params.values():
            v.requires_grad_(True)
        self.n_active = torch.ones(len(seeds), dtype=torch.long)   # heads in use: N = 2 … n_active + 1
        self.offdiag = 1 - torch.eye(H)

    def lr_scales(self) -> list:
        return [None] * len(self.names)

    def units(self) -> int:
        """Neurons the forward pass simulates per network."""
        return self.H

    def h0(self, batch_size: int, generator=None, copies: int = 1) -> torch.Tensor:
        """h₀ = 0.1·U(0, 1), (E·copies, H, B); ``generator`` may be one per network."""
        return 0.1 * _rand((self.H, batch_size), self.E, generator, copies)

    def forward(self, x, start, h0=None, params=None, keep=None):
        """Logits (E', B, K, 2) at the last step for bits x (E', T, B) (E' = E × copies when ``params`` are
        perturbed copies); ``keep(t, h)`` sees every state h (E', H, B) (for timescales).

        States are laid out units × batch, (E', H, B): W_R @ h is then one well-shaped bmm per step."""
        p = self.params if params is None else params
        E, T, B = x.shape
        h = (0.1 * torch.rand(E, self.H, B)) if h0 is None else h0
        W = p["W_R"] * self.offdiag
        inv = 1 / p["tau"].clamp(min=1.0)[:, :, None]
        W_I, b = p["W_I"][:, :, None], p["b"][:, :, None]
        first = int(start.min()) if start is not None else 0
        last = int(start.max()) if start is not None else 0
        hold = last > first
        for t in range(first, T):
            pre = torch.baddbmm(torch.addcmul(b, W_I, x[:, t, None, :]), W, h)
            new = _leak_step(h, pre, inv)
            h = torch.where((t >= start)[:, None, None], new, h) if hold and t < last else new
            if keep is not None:
                keep(t, h)
        return torch.einsum("ehb,ekhc->ebkc", h, p["W_O"]) + p["b_O"][:, None]

    def grow(self, mask: torch.Tensor) -> None:
        """Add the next head (N + 1) to the networks in ``mask`` (E,) bool."""
        self.n_active = torch.where(mask, (self.n_active + 1).clamp(max=self.K), self.n_active)

    def trained_tau(self) -> torch.Tensor:
        """(E, H) τ̂ = max(τ, 1) as used in the forward pass."""
        return self.params["tau"].detach().clamp(min=1.0)

    def param_count(self) -> int:
        return rnn_param_count(self.H, self.n_max)


class GrowingChain(_Ensemble):
    """E growing chains of modules of ``module_size`` units, preallocated to n_max − 1 modules
    (Hamidi et al. 2024, eq. 4 and "Modular networks"); module m (0-based) has the head for N = m + 2."""

    names = ("W_I", "W_R", "W_FF", "b", "tau", "W_O", "b_O")

    def __init__(self, module_size: int, n_max: int, seeds: list[int]):
        self.M, self.n_max, self.K = module_size, n_max, n_max - 1
        gens = [torch.Generator().manual_seed(int(s) * 7919 + 2) for s in seeds]
        M, D, r = module_size, self.K, 1 / math.sqrt(module_size)
        self.offdiag = 1 - torch.eye(M)
        W_FF = _uniform(gens, (D, M, M), r)
        W_FF[:, 0] = 0.0                                  # the first module has no feed-forward input
        self.params = {"W_I": _uniform(gens, (D, M), 1.0), "W_R": _uniform(gens, (D, M, M), r) * self.offdiag,
                       "W_FF": W_FF, "b": _uniform(gens, (D, M), r), "tau": _uniform(gens, (D, M), 0.5, 1.5),
                       "W_O": _uniform(gens, (D, M, 2), r), "b_O": _uniform(gens, (D, 2), r)}
        for v in self.params.values():
            v.requires_grad_(True)
        self.n_active = torch.ones(len(seeds), dtype=torch.long)   # depth = number of active modules
        self.scale = torch.ones(len(seeds), D)                      # learning-rate scale per module

    @property
    def depth(self) -> torch.Tensor:
        return self.n_active

    def units(self) -> int:
        """Neurons the forward pass simulates per network (every module up to the deepest network's depth)."""
        return self.M * int(self.n_active.max())

    def lr_scales(self) -> list:
        s = self.scale
        shapes = {"W_I": s[:, :, None], "W_R": s[:, :, None, None], "W_FF": s[:, :, None, None],
                  "b": s[:, :, None], "tau": s[:, :, None], "W_O": s[:, :, None, None], "b_O": s[:, :, None]}
        return [shapes[k] for k in self.names]

    def h0(self, batch_size: int, generator=None, copies: int = 1) -> torch.Tensor:
        """h₀ = 0.1·U(0, 1), (E·copies, n_max − 1, M, B); ``generator`` may be one per network."""
        return 0.1 * _rand((self.K, self.M, batch_size), self.E, generator, copies)

    def only_newest_trains(self) -> bool:
        """True when every module below each network's newest has learning-rate scale 0 (γ = 0, the paper's
        freezing): then only the newest module and its head need gradients (see :meth:`loss`)."""
        older = torch.arange(self.K)[None, :] < (self.n_active - 1)[:, None]
        return not bool(self.scale[older].any())

    def loss(self, batch, h0=None, active: torch.Tensor | None = None) -> torch.Tensor:
        """Summed cross-entropy of the ``active`` heads (E,) (default: all grown). With the older modules frozen
        (:meth:`only_newest_trains`) the chain runs without autograd and only each network's newest module is
        re-run with it: the frozen modules' states are the newest one's fixed input (the chain feeds forward
        only), and the older heads' losses carry no gradient to any trainable entry — the same loss and the
        same gradients as the full pass (tested), 4–6× faster at depth 20 (benchmarks/bench_growth.py)."""
        if not (torch.is_grad_enabled() and self.only_newest_trains()):
            return super().loss(batch, h0, active)
        active = self.active_heads() if active is None else active
        return head_loss(self._forward_newest(batch.x, batch.start, h0), batch.targets, active)

    def _forward_newest(self, x, start, h0=None):
        """:meth:`forward`'s logits, with autograd through each network's newest module and head only."""
        p = self.params
        E, T, B = x.shape
        D = int(self.n_active.max())
        h0 = (0.1 * torch.rand(E, D, self.M, B)) if h0 is None else h0[:, :D]
        rows, new = torch.arange(E), self.n_active - 1
        below = (new - 1).clamp(min=0)
        fed = (new >= 1).view(E, 1, 1)            # the first module has no feed-forward input
        inputs, final = [], [h0]                   # the module below the newest after each step; the last h

        def keep(t, h):
            inputs.append(h[rows, below] * fed)
            final[0] = h

        with torch.no_grad():
            self.forward(x, start, h0, keep=keep)
        first = int(start.min()) if start is not None else 0
        last = int(start.max()) if start is not None else 0
        hold = last > first
        h = h0[rows, new]
        feed = [h0[rows, below] * fed] + inputs[:-1]
        W = torch.cat([p["W_R"][rows, new] * self.offdiag, p["W_FF"][rows, new]], 2)     # (E, M, 2M)
        inv = 1 / p["tau"][rows, new].clamp(min=1.0)[..., None]
        W_I, b = p["W_I"][rows, new][..., None], p["b"][rows, new][..., None]
        for i, t in enumerate(range(first, T)):
            u = torch.addcmul(b, W_I, x[:, t, None, :])
            step = _leak_step(h, torch.baddbmm(u, W, torch.cat([h, feed[i]], 1)), inv)
            h = torch.where((t >= start)[:, None, None], step, h) if hold and t < last else step
        pick = (torch.arange(D)[None, :] == new[:, None])[:, :, None, None]
        h = torch.where(pick, h[:, None], final[0])        # the readout exactly as in forward()
        return torch.einsum("edmb,edmc->ebdc", h, p["W_O"][:, :D]) + p["b_O"][:, None, :D]

    def forward(self, x, start, h0=None, params=None, keep=None, depth: int | None = None):
        """Logits (E', B, D, 2) of the first D = max depth heads at the last step, for bits x (E', T, B).

        States are (E', D, M, B) (units × batch); module d reads h^{d−1} of the previous step (eq. 4), so
        each step is one bmm of [W_R^d  W_FF^d] (M, 2M) with [h^d; h^{d−1}] (2M, B) for all E'·D modules."""
        p = self.params if params is None else params
        E, T, B = x.shape
        M = self.M
        D = int(self.n_active.max()) if depth is None else depth
        h = (0.1 * torch.rand(E, D, M, B)) if h0 is None else h0[:, :D]
        W = torch.cat([p["W_R"][:, :D] * self.offdiag, p["W_FF"][:, :D]], 3).reshape(E * D, M, 2 * M)
        inv = 1 / p["tau"][:, :D].clamp(min=1.0)[..., None]
        W_I, b = p["W_I"][:, :D, :, None], p["b"][:, :D, :, None]
        first = int(start.min()) if start is not None else 0
        last = int(start.max()) if start is not None else 0
        hold = last > first
        if not torch.is_grad_enabled():
            h = self._run_in_place(x, start, h, W, inv, W_I, b, first, last, keep)
        for t in range(first, T) if torch.is_grad_enabled() else ():
            hh = torch.cat([h, F.pad(h[:, :-1], (0, 0, 0, 0, 1, 0))], 2).view(E * D, 2 * M, B)
            u = torch.addcmul(b, W_I, x[:, t, None, None, :]).view(E * D, M, B)
            new = _leak_step(h, torch.baddbmm(u, W, hh).view(E, D, M, B), inv)
            h = torch.where((t >= start)[:, None, None, None], new, h) if hold and t < last else new
            if keep is not None:
                keep(t, h)
        return torch.einsum("edmb,edmc->ebdc", h, p["W_O"][:, :D]) + p["b_O"][:, None, :D]

    def _run_in_place(self, x, start, h0, W, inv, W_I, b, first, last, keep):
        """:meth:`forward`'s loop without autograd, bit for bit: the state lives in one buffer [h^d; h^{d−1}]
        updated in place (no concatenation or fresh tensors per step); returns the last state."""
        E, D, M, B = h0.shape
        hh = torch.zeros(E, D, 2 * M, B, dtype=h0.dtype)
        h, below = hh[:, :, :M], hh[:, 1:, M:]
        h.copy_(h0)
        below.copy_(h0[:, :-1])
        for t in range(first, x.shape[1]):
            u = torch.addcmul(b, W_I, x[:, t, None, None, :]).view(E * D, M, B)
            step = F.leaky_relu_(torch.baddbmm(u, W, hh.view(E * D, 2 * M, B))).view(E, D, M, B).sub_(h)
            if t < last:
                h.copy_(torch.where((t >= start)[:, None, None, None], torch.addcmul(h, step, inv), h))
            else:
                h.addcmul_(step, inv)
            below.copy_(h[:, :-1])
            if keep is not None:
                keep(t, h)
        return h

    @torch.no_grad()
    def grow(self, mask: torch.Tensor, gamma: float = 0.0, sigma: float | None = 0.0,
             generator: torch.Generator | None = None) -> None:
        """Add the next module and head to the networks in ``mask`` (E,) bool (those already at n_max stay).
        Older modules' learning rates are multiplied by ``gamma``; with ``sigma`` not None the new module's
        W_R, W_FF, W_I, b and τ become the trained previous module's times (1 + σξ) (Hamidi et al. 2024,
        "Weight Duplication"); W_FF is copied only when the previous module has one (depth ≥ 2)."""
        mask = mask & (self.n_active < self.K)
        if not bool(mask.any()):
            return
        old = self.n_active.clone()
        new = torch.where(mask, old + 1, old)
        D = self.K
        older = (torch.arange(D)[None, :] < old[:, None]) & mask[:, None]
        self.scale = torch.where(older, self.scale * gamma, self.scale)
        if sigma is not None:
            e = torch.nonzero(mask).flatten()
            src, dst = old[e] - 1, old[e]
            for k in ("W_R", "W_FF", "W_I", "b", "tau"):
                P = self.params[k]
                prev = P[e, src]
                if not sigma:
                    noise = torch.zeros_like(prev)
                elif isinstance(generator, (list, tuple)):   # each network's noise from its own generator
                    noise = torch.stack([torch.randn(prev.shape[1:], generator=generator[int(i)]) for i in e])
                else:
                    noise = torch.randn(prev.shape, generator=generator)
                val = prev * (1 + sigma * noise)
                if k == "W_FF":   # the second module's predecessor has no W_FF: keep its random init
                    val = torch.where((src >= 1).view(-1, *[1] * (val.dim() - 1)), val, P[e, dst])
                P[e, dst] = val
        self.n_active = new

    def trained_tau(self) -> torch.Tensor:
        """(E, D, M) τ̂ = max(τ, 1) per module as used in the forward pass."""
        return self.params["tau"].detach().clamp(min=1.0)

    def param_count(self) -> int:
        return chain_param_count(self.M, self.n_max)
