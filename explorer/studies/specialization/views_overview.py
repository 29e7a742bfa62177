"""Structure → function: specialization against sparsity p and modularity Q, and over two parameters.

Paper 001 Fig. 2 plots each metric's F against p (log axis) and against Q = (1−p)/(2(1+p)), mean ± sd over
seeds; Béna & Goodman 2023a, Fig. 3 shows heatmaps over module size n, sparsity and covariance. These views draw the
cells that exist (found in the store); a tidy frame built by :func:`cells_frame` feeds them.
"""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np
import pandas as pd

from ...core.progress import plural
from ...views.style import mpl_colorbar_beside
from .config import METRIC_LABELS
from .style import METRIC_COLORS, F, config_of, figure, placeholder, style_element

#: The least width (px) of the overview's figures in their card: beside the card's column of widgets, or above it
#: on a narrower page (the page's layout, explorer.ui.cards.beside); their titles are wrapped to fit it.
LEAST = 460

PARAMS = ("p", "n", "covariance", "noise", "bottleneck", "comms_start", "steps")
AXIS_LABELS = {
    "p": "sparsity p (fraction of possible links, log scale)", "Q": "structural modularity Q",
    "n": "module size n", "covariance": "covariance c", "noise": "noise ratio", "bottleneck": "bottleneck neurons",
    "comms_start": "communication start (step)", "steps": "time steps T",
}


def cells_frame(found, time=-1) -> pd.DataFrame:
    """One row per (cell, seed, metric): the cell's parameters, Q, Q_measured, accuracy and F at ``time``.

    ``found`` is a list of Results or of ``(labels, Result)`` pairs (as from ``experiments.cells.stored``).
    """
    rows = []
    for item in found:
        result = item[1] if isinstance(item, tuple) else item
        ds = result.data
        cfg = config_of(ds)
        F_t = ds["F"].isel(time=time)
        for i, seed in enumerate(ds.seed.values):
            base = {k: cfg.get(k) for k in PARAMS}
            acc, criterion = float(ds["accuracy"].values[i]), float(cfg.get("until_accuracy") or 0)
            base.update(p=float(ds.attrs.get("p", cfg.get("p"))), Q=float(ds.attrs.get("Q", np.nan)),
                        Q_measured=float(ds["Q_measured"].values[i]), accuracy=acc, seed=int(seed),
                        below=bool(criterion > 0 and acc < criterion))   # trained to a criterion it missed
            for m in ds.metric.values:
                rows.append({**base, "metric": str(m), "F": float(F_t.sel(metric=m).values[i])})
    cols = [*PARAMS, "Q", "Q_measured", "accuracy", "below", "seed", "metric", "F"]
    return pd.DataFrame(rows, columns=cols)


def not_computed(configs) -> pd.DataFrame:
    """Rows of cells not in the store yet, F unknown (NaN) for every metric: with them the heatmap draws a
    missing row or column blank, as its title says, instead of leaving it out (with only noise = 0 stored, the
    noise axis had one row)."""
    rows = [{**{k: getattr(c, k) for k in PARAMS}, "p": float(c.p), "Q": float(c.Q), "Q_measured": np.nan,
             "accuracy": np.nan, "below": False, "seed": -1, "metric": m, "F": np.nan}
            for c in configs for m in METRIC_LABELS]
    return pd.DataFrame(rows, columns=[*PARAMS, "Q", "Q_measured", "accuracy", "below", "seed", "metric", "F"])


def _marker(x):
    line = hv.VLine(x)
    return style_element(line, bokeh=dict(color="#d62728", line_dash="dotdash", line_width=1.5, line_alpha=0.7),
                         mpl=dict(color="#d62728", linestyle="dashdot", alpha=0.7))


def f_vs_structure(frame: pd.DataFrame, x: str = "p", metrics=None, current: float | None = None):
    """Each metric's F (mean ± sd over seeds) against ``x`` = ``"p"`` (log axis) or ``"Q"``.

    ``current`` marks the setting on screen with a red dash-dot line.
    """
    title = f"Structure → function: F at the last step against {'p' if x == 'p' else 'Q'}"
    if frame is None or frame.empty:
        return placeholder("No stored runs around this setting yet: compute the missing cells.", title, LEAST)
    xdim = hv.Dimension(x, label=AXIS_LABELS[x])
    layers = []
    for m in (metrics or list(METRIC_LABELS)):
        sub = frame[frame.metric == m]
        if sub.empty:
            continue
        g = sub.groupby(x)["F"]
        xs, mean, sd = g.mean().index.to_numpy(float), g.mean().to_numpy(), g.std(ddof=0).fillna(0).to_numpy()
        color, label = METRIC_COLORS[m], METRIC_LABELS[m]
        spread = style_element(hv.Spread((xs, mean, sd), kdims=[xdim], vdims=[F, "sd"], label=label),
                               bokeh=dict(fill_color=color, fill_alpha=0.18, line_alpha=0),
                               # color: else the cycle wins
                               mpl=dict(color=color, facecolor=color, alpha=0.18, linewidth=0))
        curve = style_element(hv.Curve((xs, mean), kdims=[xdim], vdims=[F], label=label),
                              bokeh=dict(color=color, line_width=2.5), mpl=dict(color=color, linewidth=2))
        dots = style_element(hv.Scatter(sub[[x, "F"]].to_numpy(), kdims=[xdim], vdims=[F], label=label),
                             bokeh=dict(color=color, size=5, alpha=0.5, tools=["hover"]),
                             mpl=dict(color=color, s=12, alpha=0.5))
        layers += [spread, curve, dots]
    overlay = hv.Overlay(layers)
    if current is not None and math.isfinite(current):
        overlay = _marker(current) * overlay   # beneath the data: drawn over it, it hid the one cell stored
    cells = frame.drop_duplicates(subset=[x]).shape[0]
    n = sorted(set(frame.n.dropna().astype(int)))
    where = f"n = {n[0]}" if len(n) == 1 else "n = " + ", ".join(map(str, n))
    # the whole axis range, so that a few computed cells show where they sit: p ∈ [1/n², 1], Q ∈ [0, 1/2]
    if x == "p":  # decades, labelled as plain numbers, plus the one-link end 1/n²
        lo = 1.0 / max(n) ** 2
        ticks = [(10.0**k, f"{10.0**k:g}") for k in range(int(np.floor(np.log10(lo))) + 1, 1)]
        extra = dict(xlim=(0.7 * lo, 1.4), xticks=([(lo, "1/n²")] if len(n) == 1 else []) + ticks)
    else:
        extra = dict(xlim=(-0.02, 0.52))
    # the labels named: with the marker line first in the overlay, matplotlib took its axes' "x" and "y"
    return figure(overlay, f"{title}\n({where}, {plural(cells, 'cell')})", ylim=(0, 1.05),
                  logx=(x == "p"), least=LEAST, xlabel=xdim.label, ylabel=F.label, **extra,
                  # on the page the legend goes under the plot: beside it, it left the frame ~170 px of a 460-px figure
                  bokeh=dict(legend_position="bottom", legend_cols=2, height=400), mpl=dict(legend_position="right"))


def _axis_labels(values, name, n_values):
    if name == "p":
        ns = set(n_values)
        return [("1/n²" if len(ns) == 1 and math.isclose(v, 1 / next(iter(ns))**2) else f"{v:.3g}") for v in values]
    return [f"{v:g}" for v in values]


#: What a heatmap cell that cannot exist looks like, and what its legend entry and hover say.
IMPOSSIBLE = "cannot exist (p < 1/n²: fewer than one link)"
#: above this F a viridis cell is light enough for dark numbers
LIGHT_CELLS = 0.6
IMPOSSIBLE_STYLE = dict(bokeh=dict(fill_color="#c8c8c8", line_color="white", tools=["hover"]),
                        mpl=dict(facecolor="#c8c8c8", edgecolor="white"))


def impossible_cells(xs, ys, x, y, xkey) -> list[tuple[int, int]]:
    """(column, row) of the cells of a p × n grid that cannot exist: p below one link, 1/n² (Béna & Goodman
    2023b, §2.1)."""
    if {x, y} != {"p", "n"}:
        return []
    out = []
    for i, xv in enumerate(xs):
        for j, yv in enumerate(ys):
            p, n = (xv, yv) if x == "p" else (yv, xv)
            if xkey == "p_key" and p == 0.0:   # the one-link column exists for every n
                continue
            if p < 1.0 / float(n) ** 2 * (1 - 1e-9):
                out.append((i, j))
    return out


def heatmap(frame: pd.DataFrame, x: str = "p", y: str = "n", metric: str = "bottleneck"):
    """Mean F at the last step over a grid of two parameters (Béna & Goodman 2023a, Fig. 3). Cells not computed yet stay
    blank; cells that cannot exist (p < 1/n²) are grey with a ✕ and say so in the legend and on hover."""
    short = {name: label.split(" (")[0] for name, label in AXIS_LABELS.items()}   # "communication start", not a name
    title = f"{METRIC_LABELS.get(metric, metric)}: mean F over {short.get(y, y)} × {short.get(x, x)}"
    if frame is None or frame.empty or x == y:
        why = "choose two different parameters" if x == y else "no stored cells for this grid yet"
        return placeholder(f"Heatmap: {why}.", title, LEAST)
    sub = frame[frame.metric == metric].copy()
    if x == "p" and "n" in sub and sub.n.nunique() > 1:  # 1/n² differs per n: label the one-link column
        sub["p_key"] = np.where(np.isclose(sub.p, 1 / sub.n.astype(float)**2), 0.0, sub.p)
        xkey = "p_key"
    else:
        xkey = x
    if "below" not in sub:
        sub["below"] = False
    cells = sub.groupby([xkey, y]).agg(F=("F", "mean"), below=("below", "any")).reset_index()
    xs, ys = sorted(cells[xkey].unique()), sorted(cells[y].unique())
    xl = ["1/n²" if (xkey == "p_key" and v == 0) else lab
          for v, lab in zip(xs, _axis_labels(xs, x, sub.n.astype(int)))]
    yl = _axis_labels(ys, y, sub.n.astype(int))
    # integer cell positions with tick labels: identical layout in Bokeh and Matplotlib, blanks stay NaN
    Z = np.full((len(ys), len(xs)), np.nan)
    xi, yi = {v: i for i, v in enumerate(xs)}, {v: i for i, v in enumerate(ys)}
    short_of = np.zeros(Z.shape, bool)   # a cell with a network below its accuracy criterion: starred
    for _, row in cells.iterrows():
        Z[yi[row[y]], xi[row[xkey]]] = row["F"]
        short_of[yi[row[y]], xi[row[xkey]]] = bool(row["below"])
    xdim = hv.Dimension(x, label=AXIS_LABELS.get(x, x).replace(", log scale", ""))
    ydim = hv.Dimension(y, label=AXIS_LABELS.get(y, y).replace(", log scale", ""))
    fdim = hv.Dimension("F", label=f"mean last-step F, {metric.replace('_', ' ')}", range=(0, 1))   # which metric
    edges_x, edges_y = np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5
    hm = style_element(hv.QuadMesh((edges_x, edges_y, Z), kdims=[xdim, ydim], vdims=[fdim]),
                       bokeh=dict(cmap="viridis", clim=(0, 1), colorbar=True, tools=["hover"], line_color="white",
                                  nodata=None),
                       mpl=dict(cmap="viridis", clim=(0, 1), colorbar=True, edgecolors="white",
                                hooks=[mpl_colorbar_beside]))
    layers = hm
    # each cell's number: white on viridis' dark end, near-black on its light end (white on yellow was unreadable)
    for light, ink_colour in ((False, "white"), (True, "#1a1a1a")):
        jj, ii = np.nonzero(np.isfinite(Z) & ((np.nan_to_num(Z) > LIGHT_CELLS) == light))
        text = [f"{Z[j, i]:.2f}" + ("*" if short_of[j, i] else "") for j, i in zip(jj, ii)]
        layers = layers * style_element(
            hv.Labels((ii.astype(float), jj.astype(float), text), kdims=[xdim, ydim], vdims="text"),
            bokeh=dict(text_color=ink_colour, text_font_size="9pt"), mpl=dict(color=ink_colour, size=9))
    gone = impossible_cells(xs, ys, x, y, xkey)
    if gone:
        rects = [(i - 0.5, j - 0.5, i + 0.5, j + 0.5, IMPOSSIBLE) for i, j in gone]
        layers = layers * style_element(hv.Rectangles(rects, kdims=[xdim, ydim, "x1", "y1"],
                                                      vdims=[hv.Dimension("cell", label="this cell")],
                                                      label=IMPOSSIBLE), **IMPOSSIBLE_STYLE)
        crosses = hv.Labels(([float(i) for i, _ in gone], [float(j) for _, j in gone], ["✕"] * len(gone)),
                            kdims=[xdim, ydim], vdims="text")
        layers = layers * style_element(crosses, bokeh=dict(text_color="#666666", text_font_size="12pt"),
                                        mpl=dict(color="#666666", size=11))
    ticks = dict(xticks=list(zip(range(len(xs)), xl)), yticks=list(zip(range(len(ys)), yl)))
    note = ("\nblank: not computed yet" + (" · grey ✕: cannot exist" if gone else "")   # a line of its own
            + (" · *: a network below its accuracy criterion" if short_of[np.isfinite(Z)].any() else ""))
    return figure(layers, title + note, xlim=(-0.5, len(xs) - 0.5), ylim=(-0.5, len(ys) - 0.5), **ticks, least=LEAST,
                  # the title says what the grey crosses are: a legend inside the plot covered computed cells
                  bokeh=dict(height=320, show_legend=False), mpl=dict(fig_inches=(8, 4), aspect=1.6, show_legend=False))
