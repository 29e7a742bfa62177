"""N-parity with one readout head per N on one sequence (Hamidi et al. 2024, "Task"; Khajehabdollahi et al. 2024).

A sequence S of L random bits is shown one bit a step; the target of head N is the parity (XOR) of the last N
bits, read out at the last step only. Heads N = 2 … n_max share one sequence, so every head is trained on the
same inputs (Hamidi et al. 2024: "multiple N-parity tasks can be computed for a single sequence").

Training batches follow the paper's generator: one length L per batch, uniform in {N+2, …, 4N} with N the
network's newest head, and bits Bernoulli(q) with q ~ U(0, 1) drawn once per batch — deliberately unbalanced
(the reference code's ``batched_generate_binary_sequence``). Evaluation uses balanced bits (q = 0.5): with an
unbalanced q many parities are predictable from q alone, so balanced accuracy is the stricter test.

Ensembles: E networks that may sit at different stages of the curriculum train side by side. Each network e
gets its own q_e and bits, and its length L_e = N_e + 2 + ⌊u·(3N_e − 1)⌋ from one fraction u ~ U(0, 1) that
the whole batch shares (:class:`ParityStream` draws it from a generator of its own, so it never depends on
which networks share the ensemble): networks at the same stage get the same L, as in the paper's one L per
batch, and the ensemble simulates max L_e steps — with a u per network that maximum ran ~30 % longer than
one network's sequence at E = 3. All sequences are right-aligned in one (E, T, B) tensor with T = max L_e,
and network e's sequence starts at step ``start[e] = T − L_e`` (the model holds its state at h₀ before
that, so this is exactly a sequence of length L_e). The zero bits before the start never reach a network and
do not change the parities, since L_e ≥ N_e + 2 exceeds every active head's N.

Deterministic given the generators, one per network and one for the lengths (see :class:`ParityStream`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["heads", "parity_targets", "draw_batch", "generators", "ParityBatch", "ParityStream"]


def heads(n_max: int) -> list[int]:
    """The N of each readout head: 2 … n_max (head k solves N = k + 2)."""
    if n_max < 2:
        raise ValueError(f"n_max must be at least 2 (the first task is 2-parity), got {n_max}")
    return list(range(2, n_max + 1))


def parity_targets(bits: torch.Tensor, ns: list[int]) -> torch.Tensor:
    """Parity of the last N bits along the last axis, for each N in ``ns``: (..., T) → (..., len(ns)) long."""
    T = bits.shape[-1]
    if max(ns) > T:
        raise ValueError(f"sequence of {T} bits is shorter than N = {max(ns)}")
    tail = bits.flip(-1).long().cumsum(-1)                # tail[..., k] = sum of the last k+1 bits
    idx = torch.as_tensor([n - 1 for n in ns], device=bits.device)
    return tail.index_select(-1, idx) % 2


@dataclass
class ParityBatch:
    """x: bits (E, T, B) float; start: (E,) long, the step each network's sequence begins;
    targets: (E, K, B) long for heads N = 2 … n_max; length: (E,) long, L_e = T − start."""

    x: torch.Tensor
    start: torch.Tensor
    targets: torch.Tensor
    length: torch.Tensor

    def repeat(self, copies: int) -> "ParityBatch":
        """The same batch for ``copies`` × E networks (copy-major: index c·E + e), for perturbation copies."""
        return ParityBatch(self.x.repeat(copies, 1, 1), self.start.repeat(copies),
                           self.targets.repeat(copies, 1, 1), self.length.repeat(copies))


def generators(seeds) -> list:
    """One ``torch.Generator`` per network, seeded with its own seed: a network's data never depends on which
    other networks share its ensemble (so each seed's stored result is the same whatever it trained with)."""
    return [torch.Generator().manual_seed(int(s)) for s in seeds]


def draw_batch(newest: torch.Tensor, n_max: int, batch_size: int, generator, balanced: bool = False,
               u: float | None = None) -> ParityBatch:
    """One batch per network: L_e ~ U{N_e+2, …, 4N_e} with N_e = ``newest[e]`` (its newest head's N);
    bits ~ Bernoulli(q_e), q_e ~ U(0, 1) per batch (training, unbalanced) or q = 0.5 (``balanced``).

    ``generator``: one per network (see :func:`generators`) — network e draws q_e and its own L_e × B bits from
    its own generator — or a single generator shared by all (tests). ``u``: the batch's length fraction, shared
    by every network (L_e = N_e + 2 + ⌊u·(3N_e − 1)⌋); None: each network draws its own from its generator."""
    newest = torch.as_tensor(newest, dtype=torch.long).clamp(2, n_max)
    E = newest.shape[0]
    gens = list(generator) if isinstance(generator, (list, tuple)) else [generator] * E
    drawn = []
    for n, g in zip(newest.tolist(), gens):     # a few random draws per network; the training is batched
        lo, hi = n + 2, 4 * n
        fraction = float(torch.rand((), generator=g)) if u is None else u
        length = lo + min(int(fraction * (hi - lo + 1)), hi - lo)
        q = 0.5 if balanced else float(torch.rand((), generator=g))
        drawn.append((length, (torch.rand(batch_size, length, generator=g) < q).float()))
    length = torch.tensor([L for L, _ in drawn])
    T = max(int(length.max()), n_max)   # padding before every start is never simulated
    bits = torch.zeros(E, batch_size, T)
    for e, (L, b) in enumerate(drawn):
        bits[e, :, T - L:] = b
    start = T - length
    targets = parity_targets(bits, heads(n_max)).permute(0, 2, 1).contiguous()   # (E, K, B)
    return ParityBatch(bits.permute(0, 2, 1).contiguous(), start, targets, length)


class ParityStream:
    """Deterministic batches: ``next(newest)`` draws the next training (or balanced) batch; ``seed`` is one
    integer (one generator for all networks) or one seed per network (:func:`generators`); ``lengths`` seeds
    the generator of the batches' shared length fraction u (the stream's purpose, never a network's seed, so a
    network's batches do not depend on its company). Two streams with the same seeds and the same ``newest``
    sequence give equal batches."""

    def __init__(self, seed, n_max: int, batch_size: int, lengths: int = 0):
        self.n_max, self.batch_size = n_max, batch_size
        self.generator = (generators(seed) if isinstance(seed, (list, tuple))
                          else torch.Generator().manual_seed(int(seed)))
        self.lengths = torch.Generator().manual_seed(int(lengths))

    def next(self, newest, balanced: bool = False) -> ParityBatch:
        u = float(torch.rand((), generator=self.lengths))
        return draw_batch(newest, self.n_max, self.batch_size, self.generator, balanced=balanced, u=u)
