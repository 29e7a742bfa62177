"""Spatially embedded RNN ensembles for brain-inspired modular training (BIMT; Liu et al. 2023).

One :class:`SpatialRNN` holds E independent vanilla RNNs on the leading dimension of every tensor
(Liu et al. 2023, eq. 1)::

    h_{t+1} = φ(W h_t + W_in u_t + b),   o_{t+1} = W_out h_{t+1} + b_o

with φ = ReLU by default. The N hidden neurons sit in slots on a sheet: a g × g grid in [0, 1]², slot ij at
(i/g, j/g) (Liu et al. 2023 §2), or a line of N slots at i/N (Liu et al. 2023, appendix A); distances are L1.
The connection cost (Liu et al. 2023, eq. 2) is, per network,

    ℓ_cc = ‖W‖₁ + ‖W_in‖₁ + ‖W_out‖₁ + |b|₁ + |b_o|₁ + A ‖D ⊙ W‖₁

(the distance term on the hidden–hidden weights only) and the loss is ℓ_pred + λ ℓ_cc (eq. 3), with λ and A
per network, so BIMT (λ > 0, A > 0, swaps), L1 (λ > 0, A = 0) and no regularisation (λ = 0) share one ensemble.

A swap exchanges two neurons' slots (Liu, Gan & Tegmark 2023): it permutes W's rows and columns, W_in's rows,
b and W_out's columns — the network computes exactly the same function — and the optimizer's moments the
same way, so the training state is unchanged too. Only the distance term depends on the slots, so the cost
change of swapping slots a and b has a closed form (:func:`swap_deltas`), evaluated for all candidates,
partners and networks at once; :func:`best_swap_bruteforce` is the slow per-candidate reference.

Trials of different lengths (Yang et al. 2019's tasks last 6–32 steps) run *packed* (:func:`packing`): only the
steps still real in some network, time-major, so the input drive, the read-out and the loss are one matrix
product each over the real steps, and the recurrence (:class:`_Recurrence`) back-propagates through time by
hand. This is the same computation as the padded, autograd-unrolled loop up to float rounding (tested).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["sheet_coordinates", "distance_matrix", "SpatialRNN", "Packing", "packing", "swap_deltas",
           "best_swap_bruteforce"]


def sheet_coordinates(grid: int, sheet: str = "2d") -> torch.Tensor:
    """(N, 2) slot coordinates: the g × g grid (i/g, j/g), row-major, or N = g² slots on a line (i/N, 0)."""
    if sheet == "2d":
        i, j = torch.meshgrid(torch.arange(grid), torch.arange(grid), indexing="ij")
        return torch.stack([i.flatten(), j.flatten()], 1).double() / grid
    if sheet == "1d":
        n = grid * grid
        return torch.stack([torch.arange(n).double() / n, torch.zeros(n, dtype=torch.float64)], 1)
    raise ValueError(f"unknown sheet {sheet!r}; choose '2d' (a grid) or '1d' (a line).")


def distance_matrix(coords: torch.Tensor) -> torch.Tensor:
    """(N, N) L1 distances between slots (Liu et al. 2023 §2: D_ij,mn = (|i − m| + |j − n|)/n_h)."""
    return (coords[:, None, :] - coords[None, :, :]).abs().sum(-1)


def swap_deltas(absw: torch.Tensor, dist: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
    """Change of Σ_ij |W_ij| D_ij (E,) when slot a swaps with slot b, for every a in ``slots`` (E, c) and every
    b: (E, c, N). Zero for b = a.

    With S = |W| + |W|ᵀ and G = S D, the change is G_ab + G_ba − G_aa − G_bb − D_ab (S_aa + S_bb − 2 S_ab):
    every other neuron k's pair cost S_ak D_ak becomes S_ak D_bk and vice versa, and the pair (a, b) keeps its
    length.
    """
    S = absw + absw.transpose(1, 2)                                     # (E, N, N)
    E, N, _ = S.shape
    Sa = S.gather(1, slots[..., None].expand(E, slots.shape[1], N))    # (E, c, N) rows S_a·
    Da = dist[slots]                                                    # (E, c, N) rows D_a· (= columns)
    G_ab = Sa @ dist                                                    # (E, c, N)
    G_ba = (S @ Da.transpose(1, 2)).transpose(1, 2)                     # (E, c, N): Σ_k S_bk D_ka
    G_diag = (S * dist).sum(-1)                                         # (E, N): G_bb
    G_aa = G_diag.gather(1, slots)[..., None]                           # (E, c, 1)
    S_diag = S.diagonal(dim1=1, dim2=2)                                 # (E, N)
    S_aa = S_diag.gather(1, slots)[..., None]
    return G_ab + G_ba - G_aa - G_diag[:, None, :] - Da * (S_aa + S_diag[:, None, :] - 2 * Sa)


@dataclass(frozen=True)
class Packing:
    """The (trial, step) pairs an ensemble runs, time-major: ``counts[t]`` trials still going at step t (the
    first ones, as trials come longest first) and ``offsets[t]`` where step t starts; ``index`` (P,) the
    position b·T + t of each packed step in a trial-major (B, T) layout; ``prev`` (P − counts[0],) the packed
    position of the same trial one step earlier, for every position after step 0."""

    counts: tuple
    offsets: tuple
    index: torch.Tensor
    prev: torch.Tensor


def packing(lengths: torch.Tensor | None, B: int, T: int) -> Packing:
    """The :class:`Packing` of B trials of T steps whose lengths (B,) or (E, B) decrease along B (a step runs
    when it is real in some network); every step of every trial without ``lengths``. (numpy: a few hundred
    trials, so per-call overhead is what counts.)"""
    if lengths is None:
        counts = np.full(T, B, np.int64)
    else:
        longest = np.minimum(lengths.reshape(-1, B).numpy().max(0), T)                 # (B,)
        if (longest[1:] > longest[:-1]).any():
            raise ValueError("trial lengths must decrease along the batch (longest trials first).")
        counts = np.bincount(longest, minlength=T + 1)[::-1].cumsum()[::-1][1:]        # trials with length > t
        counts = counts[counts > 0]
    offsets = counts.cumsum() - counts
    P = int(counts.sum())
    t = np.repeat(np.arange(len(counts)), counts)
    b = np.arange(P) - offsets[t]
    prev = np.arange(int(counts[0]) if P else 0, P) - np.repeat(counts[:-1], counts[1:])
    return Packing(tuple(counts.tolist()), tuple(offsets.tolist()), torch.from_numpy(b * T + t),
                   torch.from_numpy(prev))


class _Recurrence(torch.autograd.Function):
    """h_t = φ(drive_t + W h_{t−1}) (h_{−1} = 0; Liu et al. 2023, eq. 1) over the packed steps of a
    :class:`Packing`, with back-propagation through time written out: backwards, one product per step carries
    δ_t W (δ_t = ∂L/∂ pre-activation) to the step before, and ∂W = Σ_t δ_tᵀ h_{t−1} is one product over all
    steps. (Autograd recorded ~6 operations per step and ran two products per step backwards.) Products write
    fresh tensors and element-wise operations write into slices of the packed buffers: a product into a slice
    falls back to one product per network on CPU, and concatenating the steps' pieces cost more than this."""

    @staticmethod
    def forward(ctx, drive, w, pk: Packing, activation: str):
        H = drive.clone()
        wt = w.transpose(1, 2)
        phi = (lambda x, out: torch.clamp_min(x, 0, out=out)) if activation == "relu" else torch.tanh
        prev = None
        for n, off in zip(pk.counts, pk.offsets):
            blk = H[:, off:off + n]
            phi(blk if prev is None else torch.baddbmm(blk, H[:, prev:prev + n], wt), out=blk)
            prev = off
        ctx.save_for_backward(w, H)
        ctx.pk, ctx.activation = pk, activation
        return H

    @staticmethod
    def backward(ctx, dH):
        w, H = ctx.saved_tensors
        pk = ctx.pk
        slope = H.sign() if ctx.activation == "relu" else 1 - H * H     # φ' from the output (H ≥ 0 for ReLU)
        delta = dH * slope                                              # δ_t = φ'_t ⊙ (∂L/∂h_t + δ_{t+1} W)
        carry = None                                                    # δ_{t+1} W, (E, n_{t+1}, N)
        for n, off in zip(reversed(pk.counts), reversed(pk.offsets)):
            blk = delta[:, off:off + n]
            if carry is not None:
                blk[:, :carry.shape[1]].addcmul_(carry, slope[:, off:off + carry.shape[1]])
            carry = torch.bmm(blk, w) if off else None
        dw = None
        if ctx.needs_input_grad[1]:
            n0 = pk.counts[0] if pk.counts else 0
            dw = torch.bmm(delta[:, n0:].transpose(1, 2), H.index_select(1, pk.prev))
        return delta, dw, None, None


class SpatialRNN(nn.Module):
    """E RNNs on a sheet of ``grid`` × ``grid`` slots (or ``grid``² slots on a line for ``sheet="1d"``).

    ``seeds`` give each network its own initial weights; ``lam`` and ``A`` (scalars or one per network) are
    the base λ and A of eq. 2–3 (``self.lam`` is the current λ, set by a schedule); ``swaps`` (bools) say
    which networks swap neurons. ``identity[e, s]`` is the original index of the neuron now in slot s.
    """

    def __init__(self, seeds, *, grid: int = 8, n_in: int = 53, n_out: int = 17, sheet: str = "2d",
                 lam=0.0, A=0.0, swaps=False, activation: str = "relu", recurrent_gain: float = 0.5):
        super().__init__()
        self.seeds = [int(s) for s in seeds]
        E = len(self.seeds)
        coords = sheet_coordinates(grid, sheet)
        N = coords.shape[0]
        self.E, self.N, self.grid, self.sheet, self.n_in, self.n_out = E, N, grid, sheet, n_in, n_out
        if activation not in ("relu", "tanh"):
            raise ValueError(f"unknown activation {activation!r}; choose 'relu' or 'tanh'.")
        self.activation = activation
        per_net = lambda v, dt: torch.as_tensor(v, dtype=dt).expand(E).clone()   # noqa: E731
        self.register_buffer("coords", coords.float())
        self.register_buffer("dist", distance_matrix(coords).float())
        self.register_buffer("lam_base", per_net(lam, torch.float32))
        self.register_buffer("lam", self.lam_base.clone())
        self.register_buffer("A", per_net(A, torch.float32))
        self.register_buffer("swaps", per_net(swaps, torch.bool))
        self.register_buffer("identity", torch.arange(N).expand(E, N).clone())
        gens = [torch.Generator().manual_seed(s * 1_000_003 + 29) for s in self.seeds]
        normal = lambda shape, std: torch.stack([torch.randn(shape, generator=g) * std for g in gens])  # noqa
        self.w = nn.Parameter(normal((N, N), recurrent_gain / N ** 0.5))
        self.w_in = nn.Parameter(normal((N, n_in), 1.0 / n_in ** 0.5))
        self.b = nn.Parameter(torch.zeros(E, N))
        self.w_out = nn.Parameter(normal((n_out, N), 1.0 / N ** 0.5))
        self.b_out = nn.Parameter(torch.zeros(E, n_out))

    # ---------------------------------------------------------------- dynamics
    def forward(self, x: torch.Tensor, hidden: bool = False, lengths: torch.Tensor | None = None):
        """Logits (E, B, T, n_out) for inputs (B, T, n_in) shared by all networks or (E, B, T, n_in);
        with ``hidden`` also the hidden states (E, B, T, N).

        ``lengths`` (B,) or (E, B), sorted in decreasing order along B, lets each step run only the trials
        still going in some network (later states of that row are zero, later logits b_o); padded steps never
        affect real ones.
        """
        B, T = x.shape[-3], x.shape[-2]
        pk = packing(lengths, B, T)
        logits, H = self.packed(x, pk)
        out = self.b_out[:, None, :].expand(self.E, B * T, self.n_out).index_copy(1, pk.index, logits)
        out = out.view(self.E, B, T, self.n_out)
        if not hidden:
            return out
        return out, H.new_zeros(self.E, B * T, self.N).index_copy(1, pk.index, H).view(self.E, B, T, self.N)

    def packed(self, x: torch.Tensor, pk: "Packing"):
        """Logits (E, P, n_out) and hidden states (E, P, N) at the P real steps of ``pk`` (time-major: step 0
        of every running trial, then step 1, …), for inputs (B, T, n_in) or (E, B, T, n_in).

        The input drive W_in u_t + b of every step is one matrix product; the recurrence runs in
        :class:`_Recurrence`, which back-propagates through time by hand.
        """
        xp = x.flatten(-3, -2).index_select(-2, pk.index)              # (E, P, n_in) or (P, n_in)
        if xp.dim() == 2:
            xp = xp.expand(self.E, *xp.shape)
        drive = torch.baddbmm(self.b[:, None, :], xp, self.w_in.transpose(1, 2))
        H = _Recurrence.apply(drive, self.w, pk, self.activation)
        logits = torch.baddbmm(self.b_out[:, None, :], H, self.w_out.transpose(1, 2))
        return logits, H

    # ---------------------------------------------------------------- connection cost (eq. 2)
    def distance_cost(self) -> torch.Tensor:
        """Σ_ij |W_ij| D_ij per network (E,)."""
        return (self.w.abs() * self.dist).sum((1, 2))

    def connection_cost(self) -> torch.Tensor:
        """ℓ_cc per network (E,), Liu et al. 2023 eq. 2."""
        l1 = (self.w.abs().sum((1, 2)) + self.w_in.abs().sum((1, 2)) + self.w_out.abs().sum((1, 2))
              + self.b.abs().sum(1) + self.b_out.abs().sum(1))
        return l1 + self.A * self.distance_cost()

    def regularisation(self) -> torch.Tensor:
        """λ ℓ_cc per network (E,), the second term of Liu et al. 2023 eq. 3."""
        return self.lam * self.connection_cost()

    # ---------------------------------------------------------------- swaps
    def scores(self) -> torch.Tensor:
        """(E, N) Σ|incoming| + Σ|outgoing| weight of each slot's neuron (the BIMT ranking)."""
        aw = self.w.abs()
        return aw.sum(2) + aw.sum(1) + self.w_in.abs().sum(2) + self.w_out.abs().sum(1)

    @torch.no_grad()
    def permute(self, perm: torch.Tensor, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Move the neuron of old slot ``perm[e, s]`` into slot s, in every network at once, for the weights
        and (if given) the optimizer's per-parameter state (AdamW's exp_avg, exp_avg_sq, max_exp_avg_sq)."""
        E, N = perm.shape
        e = torch.arange(E)[:, None]
        moves = {
            self.w: lambda t: t[e, perm].gather(2, perm[:, None, :].expand(E, N, N)),
            self.w_in: lambda t: t[e, perm],
            self.b: lambda t: t[e, perm],
            self.w_out: lambda t: t.gather(2, perm[:, None, :].expand(E, t.shape[1], N)),
        }
        for p, move in moves.items():
            p.copy_(move(p))
            if optimizer is not None:
                for name, s in optimizer.state.get(p, {}).items():
                    if torch.is_tensor(s) and s.shape == p.shape:
                        s.copy_(move(s))
        self.identity.copy_(self.identity.gather(1, perm))

    @torch.no_grad()
    def swap(self, optimizer: torch.optim.Optimizer | None = None, top_k: int = 10) -> torch.Tensor:
        """One BIMT swap round in every swapping network: rank neurons by Σ|in| + Σ|out|, and for each of the
        top ``top_k`` slots in turn take the partner slot whose swap lowers the cost most (if any does).
        Returns the number of swaps made per network (E,)."""
        E, N = self.E, self.N
        k = min(int(top_k), N)
        cand = self.scores().topk(k, dim=1).indices                       # (E, k)
        made = torch.zeros(E, dtype=torch.long)
        rows = torch.arange(E)
        for c in range(k):
            a = cand[:, c:c + 1]
            delta = (self.A[:, None] * swap_deltas(self.w.abs(), self.dist, a)[:, 0])    # (E, N)
            best = delta.argmin(1)
            gain = delta[rows, best]
            do = self.swaps & (gain < -1e-7 * self.distance_cost().clamp_min(1e-12))
            if not do.any():
                continue
            perm = torch.arange(N).expand(E, N).clone()
            src, dst = a[:, 0][do], best[do]
            perm[rows[do], src] = dst
            perm[rows[do], dst] = src
            self.permute(perm, optimizer)
            made += do.long()
        return made

    def snapshot(self, networks=None) -> dict:
        """Numpy copies for live maps: slot coordinates, neuron identities and weights of some networks."""
        idx = list(range(self.E)) if networks is None else list(networks)
        return {"networks": np.array(idx), "coords": self.coords.numpy().copy(),
                "identity": self.identity[idx].numpy().copy(), "w": self.w.detach()[idx].numpy().copy()}


def best_swap_bruteforce(model: SpatialRNN, network: int, slot: int) -> tuple[int, float]:
    """Reference: for one network and slot, recompute the position-dependent cost A Σ|W_ij| D_ij (the rest of eq. 2
    is permutation-invariant) after swapping with every other slot (one at a time) and return (best partner, cost
    change). Slow; for tests and benchmarks."""
    w = model.w.detach()[network].double()
    dist = model.dist.double()
    A = float(model.A[network])
    base = float((w.abs() * dist).sum()) * A
    best, best_delta = slot, 0.0
    for b in range(model.N):
        if b == slot:
            continue
        p = torch.arange(model.N)
        p[slot], p[b] = b, slot
        cost = float((w[p][:, p].abs() * dist).sum()) * A
        if cost - base < best_delta:
            best, best_delta = b, cost - base
    return best, best_delta
