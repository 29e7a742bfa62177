"""Béna & Goodman 2023a, Fig. 4B: specialization collapses when dense modules start to communicate, and not
before."""
from __future__ import annotations

import holoviews as hv
import numpy as np

from ....core.figure import Figure
from ..config import METRIC_LABELS
from ..style import F, T, figure
from ..views import band
from .common import EQUAL_SKILL, PAPER, SPREAD, TINY, p_text, p_value, skill, vline

STARTS = (0, 2, 4)
COLOURS = {0: "#1f77b4", 2: "#ff7f0e", 4: "#2ca02c"}


def draw(ds, metric: str = "bottleneck"):
    """F(t) per communication start (colour), one panel per p; dashed: the first step that talks."""
    panels = []
    for p in ds.p.values:
        layers = []
        for c in ds.comms_start.values:
            da = ds["F"].sel(metric=metric, p=p, comms_start=c)
            colour = COLOURS.get(int(c), "#555555")
            layers += band(da.time.values.astype(float), da.mean("seed").values, da.std("seed", ddof=0).values,
                            colour, f"talks from step {int(c)}" if c else "talks from the start")
            if c:
                layers.append(vline(float(c) - 0.5, colour))
        last = p == ds.p.values[-1]   # one legend, right of the last panel: inside, it covered the curves
        panels.append(figure(hv.Overlay(layers), f"p = {p_text(ds, p)}: {METRIC_LABELS[metric]} (dashed: the first "
                             "step that talks)", ylim=(0, 1.05),
                             xlabel=T.label, ylabel=SPREAD.format(F.label), legend_position="right",
                             show_legend=bool(last), mpl=dict(aspect=1.5)))
    return hv.Layout(panels).cols(len(panels))


def headline(ds, metric: str = "bottleneck") -> dict:
    """At the densest p: the drop of F across each communication step against the largest change before it."""
    dense = ds.p.values[int(np.argmax([p_value(ds, p) for p in ds.p.values]))]
    rows, ok = [], True
    for c in [int(c) for c in ds.comms_start.values if c > 0]:
        f = ds["F"].sel(metric=metric, p=dense, comms_start=c).mean("seed").values
        drop = float(f[c - 1] - f[c])
        before = float(np.max(np.abs(np.diff(f[:c])))) if c > 1 else 0.0
        rows.append({"comms_start": c, "drop_at_comms": round(drop, 3), "largest_change_before": round(before, 3),
                     "F": [round(float(x), 3) for x in f]})
        ok = ok and drop > 0.1 and drop > before
    words = "; ".join(f"talking from step {r['comms_start']}: F falls by {r['drop_at_comms']:.2f} at that step "
                      f"(largest change before it {r['largest_change_before']:.2f})" for r in rows)
    return {"metric": metric, "rows": rows, "reproduced": ok, **skill(ds),
            "sentence": f"Dense modules ({metric}): {words}."}


FIGURE = Figure(
    "000-fig4b", "Specialization when the modules start to talk", "Béna & Goodman 2023a, Fig. 4B",
    "With dense links, specialization drops at once when the modules start to communicate, and only then.",
    base={"laptop": {"n": 25, "steps": 6, "seeds": (0, 1, 2), **EQUAL_SKILL},
          "tiny": dict(TINY, steps=6), "paper": PAPER},
    grid={"laptop": {"p": ["1/n2", 1.0], "comms_start": list(STARTS)}},
    draw=draw, headline=headline,
    note="Separate input pathways and the bottleneck metric; the paper shows fused pathways.")
