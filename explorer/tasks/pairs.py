"""Batched streams of digit pairs for an ensemble: one independent stream per network, stacked on E.

Each network draws its own pairs, images, noise and start times from a generator seeded by
(seed, epoch, purpose) — so a seed's data never depends on which other networks share its ensemble —
and the draws are stacked into (E, ...) tensors that the batched model consumes.
"""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ..core.config import ConfigError
from .digits import ImageSampler, sample_digits, targets
from .timing import TimedInputs, digit_on

_PURPOSE = {"train": 0, "test": 1, "probe-train": 2, "probe-test": 3, "swap": 4}


@dataclass
class Batch:
    """x: (E, B, 2, F) static, or timed (E, T, B, 2, F) as :class:`~explorer.tasks.timing.TimedInputs` (its
    parts: the model projects them without building the tensor; ``x.materialise()`` builds it);
    y: (E, B, n_targets); digits: (E, B, 2)."""

    x: "torch.Tensor | TimedInputs"
    y: torch.Tensor
    digits: torch.Tensor


def _table(images: np.ndarray, device) -> torch.Tensor:
    """The images as a tensor on ``device``; on the CPU the source's (read-only, never written) array itself."""
    if torch.device(device).type == "cpu" and images.dtype == np.float32:
        with warnings.catch_warnings():   # torch warns that the array is not writable: nothing writes to it
            warnings.simplefilter("ignore", UserWarning)
            return torch.from_numpy(images)
    return torch.tensor(np.asarray(images), dtype=torch.float32, device=device)


class PairStream:
    """Digit-pair batches for the members (per-network dicts: seed, covariance, noise, start_times)."""

    def __init__(self, sources, members: list[dict], *, steps: int, two_targets: bool, exclusion: bool,
                 noise_samples: int, device="cpu"):
        self.sources = sources
        self.device = torch.device(device)
        self.members = members
        self.steps, self.two_targets, self.exclusion, self.S = steps, two_targets, exclusion, noise_samples
        self.ratio = torch.tensor([float(m["noise"]) for m in members], dtype=torch.float32, device=self.device)
        self.timed = any(m["noise"] > 0 or m["start_times"] != (0, 0) for m in members)
        self._x = {}
        self._samplers = {}

    def select(self, keep: list[int]) -> "PairStream":
        """The streams of the members ``keep`` alone (the same images; timed inputs stay timed if the ensemble's
        were, so a network's inputs take the same path)."""
        sub = copy.copy(self)
        sub.members = [self.members[i] for i in keep]
        sub.ratio = self.ratio[torch.tensor(keep, device=self.device)]
        return sub

    def _images(self, split):
        if split not in self._x:
            s0, s1 = self.sources
            tr = split == "train"
            table = lambda s: _table(s.train_x if tr else s.test_x, self.device)  # noqa: E731
            # one table of both sources' images (module 1's after module 0's): a batch is one gather; a source
            # both modules share is stored once (MNIST: 188 MB, not 376)
            if s0 is s1:
                self._x[split] = (table(s0), torch.tensor([0, 0], device=self.device))
            else:
                x0, x1 = table(s0), table(s1)
                self._x[split] = (torch.cat([x0, x1]), torch.tensor([0, len(x0)], device=self.device))
            self._samplers[split] = [ImageSampler(s.train_y if tr else s.test_y, f"the {s.name} {split} split")
                                     for s in (s0, s1)]
        return self._x[split], self._samplers[split]

    def draw(self, purpose: str, epoch: int, size: int, split: str, swap: int | None = None):
        """Draw ``size`` pairs per network: image indices (E, size, 2), digits (E, size, 2), starts (E, size, 2).

        With ``swap = k``, also return a second set of indices in which the image of digit k is kept and
        the other digit's image (and class) is redrawn — the pairs of the correlation metric (Béna & Goodman 2023b,
        eq. 7).
        """
        _, samplers = self._images(split)
        idx, dig, start, idx2 = [], [], [], []
        for m in self.members:   # per-network random streams (cheap, vectorised inside)
            rng = np.random.default_rng([int(m["seed"]), epoch, _PURPOSE[purpose]])
            d0, d1 = sample_digits(rng, size, float(m["covariance"]), self.exclusion)
            i0, i1 = samplers[0](rng, d0), samplers[1](rng, d1)
            idx.append(np.stack([i0, i1], 1))
            dig.append(np.stack([d0, d1], 1))
            st = m["start_times"]
            if st == "random":   # Béna & Goodman 2023a, §5.3.2: randint(1, T − 1), per sample and digit
                start.append(rng.integers(1, self.steps - 1, (size, 2)))
            else:
                start.append(np.broadcast_to(np.asarray(st), (size, 2)))
            if swap is not None:
                o = 1 - swap
                other = rng.integers(0, 10, size)
                j = samplers[o](rng, other)
                pair = [i0, i1]
                pair[o] = j
                idx2.append(np.stack(pair, 1))
        to = lambda a: torch.from_numpy(np.stack(a).astype(np.int64))  # noqa: E731
        return to(idx), to(dig), to(start), (to(idx2) if swap is not None else None)

    def noise_draws(self, purpose: str, epoch: int, n_batches: int, batch: int):
        """Per-network structured-noise offsets (nb, E, T, S) and pixel masks (nb, E, T, S, 2, F)."""
        S, T = self.S, self.steps
        F = self.sources[0].train_x.shape[1]
        if batch < S + 1:   # a config refuses this for its own setting; here for a mate of a timed ensemble
            raise ConfigError(f"structured noise mixes {S} other samples of a batch, so a batch needs more than "
                              f"{S} pairs; this one has {batch} (raise the batch size or pairs per epoch, or lower "
                              "noise samples).")
        offs, keeps = [], []
        for m in self.members:
            rng = np.random.default_rng([int(m["seed"]), epoch, _PURPOSE[purpose], 99])
            o = np.argsort(rng.random((n_batches, T, batch - 1)), -1)[..., :S] + 1
            offs.append(o)
            keeps.append(rng.random((n_batches, T, S, 2, F), dtype=np.float32) < 1.0 / S)
        return torch.from_numpy(np.stack(offs, 1)), torch.from_numpy(np.stack(keeps, 1))

    def targets(self, dig: torch.Tensor) -> torch.Tensor:
        """Targets (E, N, n_targets) of digit pairs (E, N, 2) (Béna & Goodman 2023a, eqs. 1–2)."""
        d = dig.reshape(-1, 2).numpy()
        return torch.from_numpy(targets(d[:, 0], d[:, 1], self.two_targets)).reshape(*dig.shape[:2], -1)

    def assemble(self, split, idx, dig, start, noise=None, y=None) -> Batch:
        """Gather images and build the (possibly timed) inputs for one batch."""
        (table, first), _ = self._images(split)
        # index_select is ~5× faster than advanced indexing here; rows are gathered module-major, so x is an
        # (E, B, 2, F) view whose memory is (E, 2, B, F): the per-module input projection needs no copy
        E, B = idx.shape[:2]
        dev = self.device
        rows = (idx.to(dev) + first).transpose(1, 2).reshape(-1)
        x = table.index_select(0, rows).reshape(E, 2, B, -1).transpose(1, 2)   # (E, B, 2, F)
        y = (self.targets(dig) if y is None else y).to(dev)
        if self.timed:   # kept as its parts: W·x̃ is computed from them (explorer.tasks.timing.TimedInputs)
            offsets, keep = noise
            x = TimedInputs(x, offsets.to(dev), keep.to(dev), self.ratio, digit_on(start.to(dev), self.steps))
        return Batch(x=x, y=y, digits=dig.to(dev))

    def batches(self, purpose: str, epoch: int, size: int, batch: int, split: str = "train"):
        """Iterate over ``size // batch`` batches of freshly drawn pairs."""
        idx, dig, start, _ = self.draw(purpose, epoch, size, split)
        y = self.targets(dig)
        batch = min(batch, size)   # fewer pairs than a batch: one batch of them (the noise's offsets wrap at it)
        nb = max(1, size // batch)
        noise = self.noise_draws(purpose, epoch, nb, batch) if self.timed else None
        for b in range(nb):
            sl = slice(b * batch, (b + 1) * batch)
            nz = (noise[0][b], noise[1][b]) if noise is not None else None
            yield self.assemble(split, idx[:, sl], dig[:, sl], start[:, sl], nz, y[:, sl])

    def fixed_set(self, purpose: str, size: int, split: str, batch: int = 256, swap: int | None = None):
        """A fixed evaluation set (same for every call), in batches; with swap, yields (batch, swapped batch)."""
        idx, dig, start, idx2 = self.draw(purpose, 0, size, split, swap=swap)
        batch = min(batch, size)
        nb = max(1, size // batch)
        noise = self.noise_draws(purpose, 0, nb, batch) if self.timed else None
        for b in range(nb):
            sl = slice(b * batch, (b + 1) * batch)
            nz = (noise[0][b], noise[1][b]) if noise is not None else None
            first = self.assemble(split, idx[:, sl], dig[:, sl], start[:, sl], nz)
            if swap is None:
                yield first
            else:
                yield first, self.assemble(split, idx2[:, sl], dig[:, sl], start[:, sl], nz)
