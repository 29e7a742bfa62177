"""The digit-pair task (Béna & Goodman 2023a, §2.2.1 eqs. 1–2; 2023b, §2.1).

Module m sees an image of digit D_m. The global target is the parity-gated choice

    σ  = (D_0 + D_1) mod 2
    T' = D_0·σ + D_1·(1 − σ)            (Béna & Goodman 2023a, eq. 1)
    T''= D_0·(1 − σ) + D_1·σ            (Béna & Goodman 2023a, eq. 2, the balancing second target)

so each module only needs to tell the other one parity bit.

Covariance c (Béna & Goodman 2023a, §3.2) is defined here exactly as: D_0 is uniform on 0..9; with probability c,
D_1 is a copy of D_0, otherwise D_1 is drawn uniformly and independently. The Pearson correlation of
(D_0, D_1) is then exactly c, and P(D_1 = D_0) = c + (1 − c)/10. With the exclusion rule of Béna & Goodman 2023b
((D_1 − D_0) mod 10 ∉ {0, 1}) a plain copy is not allowed, so the "copy" becomes D_1 = (D_0 + 2) mod 10:
D_1 is still fully determined by D_0, which is what high covariance means for specialization.
"""
from __future__ import annotations

import numpy as np

from ..core.config import ConfigError


def targets(d0: np.ndarray, d1: np.ndarray, two_targets: bool = True) -> np.ndarray:
    """Targets (N, 1) = T' or (N, 2) = (T', T'') for digit arrays d0, d1 (Béna & Goodman 2023a, eqs. 1–2)."""
    sigma = (d0 + d1) % 2
    t1 = d0 * sigma + d1 * (1 - sigma)
    if not two_targets:
        return t1[:, None]
    t2 = d0 * (1 - sigma) + d1 * sigma
    return np.stack([t1, t2], axis=1)


def excluded(d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
    """Paper 001 §2.1: pairs with (D_1 − D_0) mod 10 ∈ {0, 1} are excluded."""
    return np.isin((d1 - d0) % 10, (0, 1))


def sample_digits(rng: np.random.Generator, size: int, covariance: float = 0.0,
                  exclusion: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``size`` digit pairs (D_0, D_1) with covariance c (see the module docstring)."""
    d0 = rng.integers(0, 10, size)
    d1 = rng.integers(0, 10, size)
    copy = rng.random(size) < covariance
    d1 = np.where(copy, (d0 + (2 if exclusion else 0)) % 10, d1)
    if exclusion:
        bad = excluded(d0, d1)
        while bad.any():  # rejection sampling of the independent part only (copies are never excluded)
            d1[bad] = rng.integers(0, 10, int(bad.sum()))
            bad = excluded(d0, d1)
    return d0, d1


class ImageSampler:
    """Draws a random image of a given class from a labelled image set, vectorised."""

    def __init__(self, y: np.ndarray, name: str = "the stimulus set"):
        self.order = np.argsort(y, kind="stable")
        counts = np.bincount(y, minlength=10)
        if (counts == 0).any():
            missing = np.flatnonzero(counts == 0).tolist()
            raise ConfigError(f"{name} has no image of class(es) {missing}: every class 0–9 is needed to draw pairs.")
        self.counts = counts
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])

    def __call__(self, rng: np.random.Generator, classes: np.ndarray) -> np.ndarray:
        u = rng.random(classes.shape)
        return self.order[self.offsets[classes] + (u * self.counts[classes]).astype(np.int64)]
