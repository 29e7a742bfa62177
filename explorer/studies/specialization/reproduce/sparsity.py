"""Specialization against inter-module sparsity p (and modularity Q): Béna & Goodman 2023b, Fig. 2 (every metric)
and Fig. 3 (the raw metrics per module and digit), and 2023a, Fig. 2 (its three metrics against Q). One sweep
serves the three: the second and third load from the store."""
from __future__ import annotations

import holoviews as hv
import numpy as np

from ....core.figure import Figure
from ..config import METRICS, METRIC_LABELS
from ..style import METRIC_COLORS, F, figure
from ..views import band
from .common import EQUAL_SKILL, PAPER, SPREAD, TINY, last_F, p_value, skill

#: 1/n² (one link) to dense, at n = 25
P_GRID = ["1/n2", 0.005, 0.02, 0.1, 0.5, 1.0]
BASE = {"laptop": {"n": 25, "seeds": (0, 1, 2), **EQUAL_SKILL}, "tiny": TINY, "paper": PAPER}
GRID = {"laptop": {"p": P_GRID}, "tiny": {"p": ["1/n2", 1.0]}, "paper": {"p": ["1/n2", 1e-4, 1e-3, 0.01, 0.1, 1.0]}}
P_DIM = hv.Dimension("p_value", label="inter-module sparsity p")
Q_DIM = hv.Dimension("Q", label="structural modularity Q = (1−p)/(2(1+p))")


#: width / height of a panel of these figures
ASPECT = 1.3


def _against(ds, metrics, xname):
    x = np.array([p_value(ds, p) for p in ds.p.values]) if xname == "p_value" else \
        np.ravel(ds["Q"].values).astype(float)
    order = np.argsort(x)
    layers = []
    for m in metrics:
        mean, sd = last_F(ds, m)
        layers += band(x[order], mean.values[order], sd.values[order], METRIC_COLORS[m], METRIC_LABELS[m],
                       xdim=P_DIM if xname == "p_value" else Q_DIM)
    return layers


def draw_fig2(ds, metrics=METRICS, title="Last-step F"):
    # the two panels the same size, one legend right of the second (it sat inside the first, which drew the
    # first panel taller than the second)
    by_p = figure(hv.Overlay(_against(ds, metrics, "p_value")), f"{title} against sparsity p", logx=True,
                  ylim=(0, 1.05), xlabel=P_DIM.label, ylabel=SPREAD.format(F.label), show_legend=False,
                  mpl=dict(aspect=ASPECT))
    by_q = figure(hv.Overlay(_against(ds, metrics, "Q")), f"{title} against modularity Q", ylim=(0, 1.05),
                  xlim=(-0.02, 0.52), xlabel=Q_DIM.label, ylabel=SPREAD.format(F.label), legend_position="right",
                  mpl=dict(aspect=ASPECT))
    return hv.Layout([by_p, by_q]).cols(2)


def headline_fig2(ds, metrics=METRICS) -> dict:
    """One link minus dense, last-step F per metric (mean over seeds), with the spread over seeds."""
    values = {float(p_value(ds, p)): p for p in ds.p.values}
    sparse, dense = values[min(values)], values[max(values)]
    rows = {}
    for m in metrics:
        mean, sd = last_F(ds, m)
        rows[m] = {"one_link": round(float(mean.sel(p=sparse)), 3), "one_link_sd": round(float(sd.sel(p=sparse)), 3),
                   "dense": round(float(mean.sel(p=dense)), 3), "dense_sd": round(float(sd.sel(p=dense)), 3),
                   "difference": round(float(mean.sel(p=sparse) - mean.sel(p=dense)), 3)}
    holds = [m for m, r in rows.items() if r["difference"] > 0.1]
    ok = len(holds) == len(rows)
    words = ", ".join(f"{METRIC_LABELS[m]} {r['one_link']:.2f} vs {r['dense']:.2f}" for m, r in rows.items())
    words += f" (one link above dense by more than 0.1: {', '.join(holds) or 'none'})"
    return {"metrics": rows, "holds_for": holds, "reproduced": ok, **skill(ds),
            "sentence": f"Last-step F with one link vs dense links: {words}."}


def draw_fig3(ds, metric_list=METRICS):
    """M(m, k) at the last step against p: module m's measure on digit k (colour: digit; solid module 0)."""
    x = np.array([p_value(ds, p) for p in ds.p.values])
    order = np.argsort(x)
    panels = []
    M = hv.Dimension("M", label="raw metric M(m, k)", range=(0, 1))
    for metric in metric_list:
        layers = []
        for module in (0, 1):
            for digit, colour in ((0, "#1f77b4"), (1, "#d62728")):
                da = ds["M"].sel(metric=metric, module=module, digit=digit).isel(time=-1)
                layers += band(x[order], da.mean("seed").values[order], da.std("seed", ddof=0).values[order],
                               colour, f"module {module}, digit {digit}", dash="solid" if module == 0 else "dashed",
                               ydim=M, xdim=P_DIM)
        panels.append(figure(hv.Overlay(layers), METRIC_LABELS[metric], logx=True, ylim=(0, 1.05),
                             xlabel=P_DIM.label, ylabel=SPREAD.format(M.label), legend_position="right",
                             show_legend=metric == metric_list[1 if len(metric_list) > 1 else 0],
                             mpl=dict(aspect=ASPECT)))
    layout = hv.Layout(panels).cols(2)
    if "matplotlib" in hv.Store.renderers:   # room between the rows: a title under an x label overlapped it
        layout = layout.opts(vspace=0.35, backend="matplotlib")
    return layout


def headline_fig3(ds) -> dict:
    """With one link each module's measure on its own digit exceeds its measure on the other's."""
    values = {float(p_value(ds, p)): p for p in ds.p.values}
    sparse, dense = values[min(values)], values[max(values)]
    rows = {}
    for metric in METRICS:
        last = ds["M"].sel(metric=metric).isel(time=-1).mean("seed")
        own = lambda p: float((last.sel(p=p, module=0, digit=0) + last.sel(p=p, module=1, digit=1)) / 2)
        other = lambda p: float((last.sel(p=p, module=0, digit=1) + last.sel(p=p, module=1, digit=0)) / 2)
        rows[metric] = {"one_link_own": round(own(sparse), 3), "one_link_other": round(other(sparse), 3),
                        "dense_own": round(own(dense), 3), "dense_other": round(other(dense), 3)}
    ok = all(r["one_link_own"] - r["one_link_other"] > r["dense_own"] - r["dense_other"] for r in rows.values())
    words = ", ".join(f"{METRIC_LABELS[m]} {r['one_link_own']:.2f}/{r['one_link_other']:.2f} (dense "
                      f"{r['dense_own']:.2f}/{r['dense_other']:.2f})" for m, r in rows.items())
    return {"metrics": rows, "reproduced": ok, **skill(ds),
            "sentence": f"Own digit / other digit at the last step with one link: {words}."}


PAPER_000 = ("bottleneck", "ablation", "correlation")   # Béna & Goodman 2023a's three metrics (its §2.4)

FIG2_001 = Figure("001-fig2", "Specialization against sparsity, every metric", "Béna & Goodman 2023b, Fig. 2",
                  "Functional specialization rises only at extreme sparsity (one link or a few), for every metric.",
                  base=BASE, grid=GRID, draw=draw_fig2, headline=headline_fig2,
                  note="n = 25 with a 5-neuron bottleneck and separate pathways; the paper's Fig. 2 used n = 100.")
FIG3_001 = Figure("001-fig3", "The raw metrics per module and digit", "Béna & Goodman 2023b, Fig. 3",
                  "With sparse links each module's measure on its own digit stays high and on the other's falls.",
                  base=BASE, grid=GRID, draw=draw_fig3, headline=headline_fig3,
                  note="The same sweep as 001-fig2 (loaded from the store).")
FIG2_000 = Figure("000-fig2", "Specialization against modularity Q", "Béna & Goodman 2023a, Fig. 2",
                  "All three metrics show the same trend: specialization rises sharply only at extreme Q (sparse p).",
                  base=BASE, grid=GRID, draw=lambda ds: draw_fig2(ds, PAPER_000, "Last-step F (three metrics)"),
                  headline=lambda ds: headline_fig2(ds, PAPER_000),
                  note="The same sweep as 001-fig2 (loaded from the store).")
