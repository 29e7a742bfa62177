"""Béna & Goodman 2023a, Fig. 4C: with structured noise in the inputs, specialization keeps changing after the
modules start to talk — falling further in dense modules, rising in sparse ones."""
from __future__ import annotations

import holoviews as hv

from ....core.figure import Figure
from ..config import METRIC_LABELS
from ..style import F, T, figure
from ..views import band
from .common import EQUAL_SKILL, PAPER, SPREAD, TINY, p_text, p_value, skill

NOISE = (0.3, 0.7)
COLOURS = {0: "#1f77b4", 1: "#d62728"}


def draw(ds, metric: str = "bottleneck"):
    panels = []
    for noise in ds.noise.values:
        layers = []
        for i, p in enumerate(ds.p.values):
            da = ds["F"].sel(metric=metric, p=p, noise=noise)
            layers += band(da.time.values.astype(float), da.mean("seed").values, da.std("seed", ddof=0).values,
                            COLOURS[i % 2], f"p = {p_text(ds, p)}")
        last = noise == ds.noise.values[-1]   # one legend, right of the last panel (inside, it covered curves)
        panels.append(figure(hv.Overlay(layers), f"noise ratio {float(noise):g}: {METRIC_LABELS[metric]}",
                             ylim=(0, 1.05), xlabel=T.label, ylabel=SPREAD.format(F.label), legend_position="right",
                             show_legend=bool(last), mpl=dict(aspect=1.5)))
    return hv.Layout(panels).cols(len(panels))


def headline(ds, metric: str = "bottleneck") -> dict:
    """Change of F from step 1 to the last step, per p and noise level (after the first exchange)."""
    rows = []
    for noise in ds.noise.values:
        for p in ds.p.values:
            f = ds["F"].sel(metric=metric, p=p, noise=noise).mean("seed").values
            rows.append({"noise": float(noise), "p": round(p_value(ds, p), 5), "F": [round(float(x), 3) for x in f],
                         "change_after_step_1": round(float(f[-1] - f[1]), 3)})
    densest = max(r["p"] for r in rows)
    dense = [r for r in rows if r["p"] == densest]
    sparse = [r for r in rows if r["p"] != densest]
    high = max(dense, key=lambda r: r["noise"])
    # the claim has two halves: dense modules keep losing specialization, and sparse ones can gain it
    falls = high["change_after_step_1"] < -0.05
    rises = any(r["change_after_step_1"] > 0 for r in sparse)
    halves = {"dense modules keep falling": falls, "sparse modules rise": rises}
    return {"metric": metric, "rows": rows, "reproduced": falls and rises,
            "holds_for": [h for h, ok in halves.items() if ok], **skill(ds),
            "sentence": "F from step 1 to the last step: " + "; ".join(
                f"p = {r['p']:g}, noise {r['noise']:g}: {r['change_after_step_1']:+.2f}" for r in rows)
            + "; " + ", ".join(f"{h}: {'yes' if ok else 'no'}" for h, ok in halves.items()) + "."}


FIGURE = Figure(
    "000-fig4c", "Specialization over time with noisy inputs", "Béna & Goodman 2023a, Fig. 4C",
    "With dynamic noise, specialization keeps falling after the first exchange in dense modules, and can rise "
    "in sparse ones.",
    base={"laptop": {"n": 25, "steps": 6, "seeds": (0, 1, 2), **EQUAL_SKILL}, "tiny": dict(TINY, steps=5),
          "paper": PAPER},
    grid={"laptop": {"noise": list(NOISE), "p": ["1/n2", 1.0]}},
    draw=draw, headline=headline,
    note="Communication from the first step; separate input pathways; the bottleneck metric.")
