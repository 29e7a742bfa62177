"""Structural modularity Q (Béna & Goodman 2023a, eqs. 3–5; 2023b, eqs. 4–5)."""
from __future__ import annotations

import numpy as np


def q_analytic(p):
    """Q = (1 − p) / (2 (1 + p)) for two dense modules with a fraction p of inter-module links."""
    p = np.asarray(p, dtype=float)
    return (1 - p) / (2 * (1 + p))


def q_measured(A: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Directed Newman modularity of adjacency A (..., N, N), A[i, j] = 1 for an edge i → j.

    Q = (1/M) Σ_ij (A_ij − k_i^out k_j^in / M) δ(g_i, g_j)   (Béna & Goodman 2023a, eq. 5), batched over leading dims.
    """
    A = np.asarray(A, dtype=float)
    M = A.sum((-1, -2))
    k_out = A.sum(-1)
    k_in = A.sum(-2)
    same = (groups[:, None] == groups[None, :]).astype(float)
    expected = k_out[..., :, None] * k_in[..., None, :] / M[..., None, None]
    return ((A - expected) * same).sum((-1, -2)) / M


def module_groups(n: int) -> np.ndarray:
    return np.repeat([0, 1], n)


def n_links(p: float, n: int) -> int:
    """Number of inter-module links in each direction: round(p·n²), at least one (Béna & Goodman 2023a, §2.3)."""
    return max(1, min(n * n, int(round(p * n * n))))
