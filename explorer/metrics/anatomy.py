"""Functional and anatomical modularity of a neuron sheet (Liu et al. 2023 §3; Yang et al. 2019).

* Task variance (Yang et al. 2019): for each task, the variance of a neuron's activity across that task's
  trials, averaged over time; normalised per neuron by its largest value over tasks.
* Important neurons: summed (unnormalised) task variance above a threshold (Liu et al. 2023: 1e-3).
* Functional clusters: Ward agglomerative clustering of the important neurons' normalised task variance,
  k by the best silhouette (Yang et al. 2019) or fixed.
* Active connections |w| > 1e-2, wiring length = Σ of their lengths (Liu et al. 2023 §3.2).
* Anatomical modularity (Liu et al. 2023 §3.3, fig. 2): the fraction of isolated neurons (no neighbour — of
  eight on a grid, two on a line — in the same cluster) and the spatial spread of clusters (variance of the
  grid indices within a cluster, averaged over clusters), both smaller-is-better, against shuffles.

Two shuffle baselines: ``"important"`` (default, conservative) permutes the cluster labels among the important
neurons' own slots; ``"grid"`` scatters the important neurons over random slots of the whole sheet, which
also breaks up the occupied region and so flatters a network whose important neurons are compact. Shuffles
are evaluated together as one (S, N) array of label sheets.
"""
from __future__ import annotations

import numpy as np

__all__ = ["task_variance", "normalise", "important_neurons", "functional_clusters", "active_connections",
           "wiring_length", "label_sheet", "isolated_fraction", "cluster_spread", "shuffled_sheets",
           "percentile", "anatomy", "BASELINES"]

BASELINES = ("important", "grid")


def task_variance(hidden: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Variance across trials, averaged over time, of each neuron on one task: hidden (..., B, T, N) with
    valid (..., B, T) real steps → (..., N). Steps with fewer than two real trials are left out."""
    h = np.asarray(hidden, np.float64)
    m = np.asarray(valid, np.float64)[..., None]
    n = m.sum(-3)                                                       # (..., T, 1)
    mean = (h * m).sum(-3) / np.maximum(n, 1)
    var = (((h - mean[..., None, :, :]) ** 2) * m).sum(-3) / np.maximum(n, 1)
    use = (n >= 2).astype(np.float64)
    return (var * use).sum(-2) / np.maximum(use.sum(-2), 1)


def normalise(tv: np.ndarray) -> np.ndarray:
    """Task variance (..., K tasks, N) divided, per neuron, by its maximum over tasks (0 for silent ones)."""
    top = tv.max(-2, keepdims=True)
    return np.divide(tv, top, out=np.zeros_like(tv, dtype=np.float64), where=top > 0)


def important_neurons(tv: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """(..., N) whether a neuron's summed task variance exceeds ``threshold`` (Liu et al. 2023, footnote 4)."""
    return tv.sum(-2) > threshold


def functional_clusters(features: np.ndarray, k: int = 0, k_max: int = 20):
    """Ward clusters of the rows of ``features`` (n neurons × K tasks). ``k`` = 0 picks k in 2…k_max by the
    best silhouette score. Returns (labels (n,), k, silhouette)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    X = np.asarray(features, np.float64)
    n = X.shape[0]
    if n < 3:
        return np.zeros(n, np.int64), min(n, 1), float("nan")
    if k:
        k = int(min(k, n - 1))
        labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(X)
        return labels, k, float(silhouette_score(X, labels)) if k > 1 else float("nan")
    best = (None, 0, -np.inf)
    for kk in range(2, min(k_max, n - 1) + 1):
        labels = AgglomerativeClustering(n_clusters=kk, linkage="ward").fit_predict(X)
        if len(np.unique(labels)) < 2:
            continue
        s = silhouette_score(X, labels)
        if s > best[2]:
            best = (labels, kk, float(s))
    if best[0] is None:
        return np.zeros(n, np.int64), 1, float("nan")
    return best


def active_connections(w: np.ndarray, threshold: float = 1e-2) -> np.ndarray:
    """Connections whose weight magnitude exceeds ``threshold`` (Liu et al. 2023 §3.2)."""
    return np.abs(w) > threshold


def wiring_length(w: np.ndarray, dist: np.ndarray, threshold: float = 1e-2) -> np.ndarray:
    """Σ of the lengths of the active hidden–hidden connections (..., N, N) → (...)."""
    return (active_connections(w, threshold) * dist).sum((-1, -2))


def label_sheet(labels: np.ndarray, important: np.ndarray) -> np.ndarray:
    """(N,) cluster label per slot, −1 where the neuron is not important."""
    sheet = np.full(important.shape, -1, np.int64)
    sheet[important] = labels
    return sheet


def _shape(n: int, sheet: str):
    if sheet == "1d":
        return (n,)
    g = int(round(n ** 0.5))
    if g * g != n:
        raise ValueError(f"{n} slots do not form a square grid.")
    return (g, g)


def isolated_fraction(sheets: np.ndarray, sheet: str = "2d") -> np.ndarray:
    """Fraction of labelled (≥ 0) slots none of whose neighbours (8 on a grid, 2 on a line) has the same
    label: sheets (..., N) → (...). NaN where nothing is labelled."""
    sheets = np.asarray(sheets)
    shape = _shape(sheets.shape[-1], sheet)
    lab = sheets.reshape(sheets.shape[:-1] + shape)
    nd = len(shape)
    pad = np.pad(lab, [(0, 0)] * (lab.ndim - nd) + [(1, 1)] * nd, constant_values=-1)
    shifts = [(di,) for di in (-1, 1)] if nd == 1 else [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)
                                                       if (di, dj) != (0, 0)]
    same = np.zeros(lab.shape, bool)
    for s in shifts:
        sl = tuple(slice(1 + d, 1 + d + n) for d, n in zip(s, shape))
        same |= pad[(Ellipsis,) + sl] == lab
    labelled = lab >= 0
    axes = tuple(range(-nd, 0))
    n_lab = labelled.sum(axes)
    iso = (labelled & ~same).sum(axes)
    return np.where(n_lab > 0, iso / np.maximum(n_lab, 1), np.nan)


def cluster_spread(sheets: np.ndarray, sheet: str = "2d") -> np.ndarray:
    """Spatial spread of the functional clusters (Liu et al. 2023, fig. 5: variance of the indices within a
    cluster): Σ over grid axes of the variance of the members' indices, averaged over clusters; (..., N) →
    (...)."""
    sheets = np.asarray(sheets)
    n = sheets.shape[-1]
    shape = _shape(n, sheet)
    idx = np.stack(np.unravel_index(np.arange(n), shape), 1).astype(np.float64)      # (N, d)
    K = int(sheets.max()) + 1 if sheets.size else 0
    if K <= 0:
        return np.full(sheets.shape[:-1], np.nan)
    onehot = (sheets[..., None] == np.arange(K)).astype(np.float64)                   # (..., N, K)
    count = onehot.sum(-2)                                                             # (..., K)
    s1 = np.einsum("...nk,nd->...kd", onehot, idx)
    s2 = np.einsum("...nk,nd->...kd", onehot, idx ** 2)
    c = np.maximum(count, 1)[..., None]
    var = (s2 / c - (s1 / c) ** 2).sum(-1)                                             # (..., K)
    present = count > 0
    return (var * present).sum(-1) / np.maximum(present.sum(-1), 1)


def shuffled_sheets(sheet_labels: np.ndarray, shuffles: int, rng: np.random.Generator,
                    baseline: str = "important") -> np.ndarray:
    """(S, N) shuffled label sheets. ``"important"``: the labels permuted among the important slots;
    ``"grid"``: the important neurons' labels placed on random slots of the whole sheet."""
    if baseline not in BASELINES:
        raise ValueError(f"unknown shuffle baseline {baseline!r}; choose 'important' (labels shuffled among "
                         "the important neurons' own positions) or 'grid' (over the whole sheet).")
    sheet_labels = np.asarray(sheet_labels)
    N = sheet_labels.shape[0]
    pos = np.flatnonzero(sheet_labels >= 0)
    labels = sheet_labels[pos]
    out = np.full((shuffles, N), -1, np.int64)
    if baseline == "important":
        perm = rng.permuted(np.broadcast_to(labels, (shuffles, len(labels))).copy(), axis=1)
        out[:, pos] = perm
    else:
        slots = np.argsort(rng.random((shuffles, N)), axis=1)[:, :len(labels)]
        np.put_along_axis(out, slots, np.broadcast_to(labels, slots.shape), axis=1)
    return out


def percentile(real: float, shuffled: np.ndarray) -> float:
    """Percent of shuffles below the real value, ties counted half (0 = smaller than every shuffle)."""
    shuffled = np.asarray(shuffled)
    shuffled = shuffled[np.isfinite(shuffled)]
    if not np.isfinite(real) or shuffled.size == 0:
        return float("nan")
    return float(100.0 * ((shuffled < real).sum() + 0.5 * (shuffled == real).sum()) / shuffled.size)


def anatomy(tv: np.ndarray, w: np.ndarray, dist: np.ndarray, *, sheet: str = "2d", importance: float = 1e-3,
            active: float = 1e-2, clusters: int = 0, shuffles: int = 2000, baseline: str = "important",
            seed: int = 0) -> dict:
    """All measures for one network: task variance (K, N), hidden weights (N, N), slot distances (N, N)."""
    important = important_neurons(tv, importance)
    feats = normalise(tv)[:, important].T
    labels, k, sil = functional_clusters(feats, clusters)
    sheet_lab = label_sheet(labels, important)
    rng = np.random.default_rng(seed)
    shuf = shuffled_sheets(sheet_lab, shuffles, rng, baseline)
    iso, spread = float(isolated_fraction(sheet_lab, sheet)), float(cluster_spread(sheet_lab, sheet))
    iso_s, spread_s = isolated_fraction(shuf, sheet), cluster_spread(shuf, sheet)
    return {"important": important, "labels": sheet_lab, "clusters": int(k), "silhouette": sil,
            "active_neurons": int(important.sum()), "wiring_length": float(wiring_length(w, dist, active)),
            "active_connections": int(active_connections(w, active).sum()),
            "isolated_fraction": iso, "isolated_percentile": percentile(iso, iso_s),
            "spread": spread, "spread_percentile": percentile(spread, spread_s),
            "isolated_shuffled": iso_s, "spread_shuffled": spread_s}
