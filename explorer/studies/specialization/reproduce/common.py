"""What every reproduced specialization figure shares: networks compared at equal skill, and the sentences that
state seeds, accuracy and the networks that missed the criterion next to every number (Béna & Goodman 2023b
check that models perform before measuring them)."""
from __future__ import annotations

import holoviews as hv
import numpy as np

from ..config import SpecializationConfig
from ..experiment import p_label
from ..style import style_element

#: Networks compared at equal skill: each trained until it reaches CRITERION test accuracy (then kept as it was),
#: within BUDGET epochs, at the learning rate that lets one-link networks get there (Adam 0.005: at n = 25 and 50
#: one-link networks reach 0.89–0.94, at the explorer's earlier 0.02 they plateau at 0.71–0.84; not at n ≤ 15,
#: where they stay below 0.85 (best 0.83) — docs/gallery.md, "Equal skill"). The same as ``--preset equal-skill``.
EQUAL_SKILL = dict(SpecializationConfig.PRESETS["equal-skill"])
CRITERION, BUDGET = EQUAL_SKILL["until_accuracy"], EQUAL_SKILL["epochs"]
#: Tiny: real training in seconds (the tests), not a result.
TINY = {"n": 6, "bottleneck": 3, "epochs": 2, "pairs_per_epoch": 512, "batch_size": 64, "seeds": (0, 1),
        "until_accuracy": 0.0}
PAPER = {"n": 100, "seeds": tuple(range(10)), "dataset": "mnist"}
#: the y label of a figure whose lines are means over seeds and bands ± 1 sd (the population sd, docs/science.md)
SPREAD = "{} ± sd"


def accuracy_range(ds) -> tuple[float, float]:
    acc = ds["accuracy"].values
    return float(np.nanmin(acc)), float(np.nanmax(acc))


def below_criterion(ds, criterion: float = CRITERION) -> list[str]:
    """The networks (cell and seed) whose test accuracy is under ``criterion``, as short labels."""
    acc = ds["accuracy"]
    out = []
    for idx in zip(*np.nonzero(acc.values < criterion)):
        where = {d: acc[d].values[i] for d, i in zip(acc.dims, idx)}
        out.append(", ".join(f"{d}={_short(v)}" for d, v in where.items()) + f" ({acc.values[idx]:.2f})")
    return out


def _short(v) -> str:
    return f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v)


def skill(ds) -> dict:
    """Seeds, accuracy range and the networks below the criterion: stated next to every headline."""
    lo, hi = accuracy_range(ds)
    missed = below_criterion(ds)
    return {"seeds": [int(s) for s in ds.seed.values], "accuracy": [round(lo, 3), round(hi, 3)],
            "accuracy_of": "test accuracy", "networks": int(ds["accuracy"].size), "below_criterion": missed,
            "criterion": CRITERION}


def last_F(ds, metric: str):
    """Global F at the last step for ``metric``: (mean over seeds, sd over seeds) as DataArrays."""
    da = ds["F"].sel(metric=metric).isel(time=-1)
    return da.mean("seed"), da.std("seed", ddof=0)


def p_value(ds, p) -> float:
    """The sparsity a p label of a sweep stands for ("1/n2" is resolved per n; the first n)."""
    return float(np.ravel(ds["p_value"].sel(p=p).values)[0])


def p_text(ds, p) -> str:
    """The p label of a sweep as the page writes it ("1/n²" for one link; the first n)."""
    return p_label(p_value(ds, p), int(np.ravel(ds["n"].values)[0]))


def vline(x: float, colour: str):
    return style_element(hv.VLine(x), bokeh=dict(color=colour, line_dash="dashed", line_width=1.5),
                         mpl=dict(color=colour, linestyle="dashed", linewidth=1.2))


def sweep_frame(ds, time: int = -1):
    """The swept Dataset as the overview's frame (one row per cell, seed and metric; p is each cell's actual
    sparsity), so the page's heatmap draws the figure's cells."""
    import pandas as pd

    F_t = ds["F"].isel(time=time).transpose(..., "seed", "metric")
    axes = [d for d in F_t.dims if d not in ("seed", "metric")]
    rows = []
    for idx in np.ndindex(*[F_t.sizes[d] for d in axes]):
        cell = {d: F_t[d].values[i] for d, i in zip(axes, idx)}
        at = lambda name: np.ravel(ds[name].sel({k: v for k, v in cell.items() if k in ds[name].dims}).values)[0]
        base = {**{k: v.item() if hasattr(v, "item") else v for k, v in cell.items()},
                "n": int(at("n")), "p": float(at("p_value"))}
        F_cell, acc = F_t.sel(cell).values, ds["accuracy"].sel(cell).values   # (seed, metric), (seed,)
        for i, seed in enumerate(F_t.seed.values):
            rows += [{**base, "seed": int(seed), "metric": str(m), "F": float(F_cell[i, j]), "accuracy": float(acc[i])}
                     for j, m in enumerate(F_t.metric.values)]
    return pd.DataFrame(rows)
