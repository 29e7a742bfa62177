"""The BIMT study's views (Liu et al. 2023): the 2D neuron map first, then the anatomy against shuffles, the
per-task accuracy, the task-variance matrix ordered by cluster, training curves and the Pareto front.

Pure functions from a Result (or plain arrays, for live maps) to HoloViews objects; no store, no training.
"""
from __future__ import annotations

import json

import holoviews as hv
import numpy as np
import pandas as pd

from ...core.progress import plural
from ...metrics.anatomy import normalise
from ...views.style import (SEED_COLOURS, error_bars, figure, frame_sized, mpl_colorbar_beside, placeholder, style,
                             style_element)
from .result import LEARNED

#: colours of functional clusters (Glasbey-like, readable on white); unimportant neurons are grey
CLUSTER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                   "#bcbd22", "#7f7f7f", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173"]
POSITIVE, NEGATIVE, NEUTRAL = "#c0392b", "#2166ac", "#bdbdbd"
REGIME_COLOURS = {"bimt": "#1b9e77", "l1": "#d95f02", "none": "#7570b3"}
REGIME_LABELS = {"bimt": "BIMT", "l1": "L1", "none": "no cost"}


def neuron_map(coords, w, *, labels=None, identity=None, active: float = 1e-2, title: str = "Neuron map",
               max_segments: int = 800, legend: bool = True):
    """Neurons on the sheet (points) and their connections (segments; red excitatory, blue inhibitory, width and
    opacity ∝ |w|). Colour = functional cluster where ``labels`` are known (grey: not important; named in a
    legend right of the sheet unless ``legend`` is False: the page's live map, whose frames must keep one
    set of plot options, shows :func:`cluster_key` beside it instead), else the neuron's identity, so a swap
    shows as colours moving (live maps during training)."""
    coords = np.asarray(coords, float)
    w = np.asarray(w, float)
    N = coords.shape[0]
    x, y = coords[:, 0], coords[:, -1] if coords.shape[1] > 1 else np.zeros(N)
    i, j = np.nonzero(np.abs(w) > active)
    keep = np.argsort(-np.abs(w[i, j]))[:max_segments]
    i, j = i[keep], j[keep]
    mag = np.abs(w[i, j])
    scale = mag / mag.max() if mag.size else mag
    seg = pd.DataFrame({"x0": x[j], "y0": y[j], "x1": x[i], "y1": y[i], "weight": w[i, j],
                        "width": 0.5 + 3.0 * scale, "alpha": 0.15 + 0.7 * scale,
                        "colour": np.where(w[i, j] > 0, POSITIVE, NEGATIVE)})
    segments = hv.Segments(seg, kdims=["x0", "y0", "x1", "y1"], vdims=["weight", "width", "alpha", "colour"])
    segments = style_element(segments, bokeh=dict(color="colour", line_width="width", alpha="alpha"),
                             mpl=dict(color="colour", linewidth="width", alpha="alpha"))
    if labels is not None:
        labels = np.asarray(labels)
        colour = np.array([CLUSTER_COLOURS[int(l) % len(CLUSTER_COLOURS)] if l >= 0 else NEUTRAL for l in labels])
        name = np.array([f"cluster {int(l) + 1}" if l >= 0 else "not important" for l in labels])
    else:
        ident = np.arange(N) if identity is None else np.asarray(identity)
        colour = identity_colours(ident, N, flat=bool(np.ptp(y) == 0))
        name = np.array([f"neuron {int(k)}" for k in ident])
    pts = pd.DataFrame({"x": x, "y": y, "colour": colour, "neuron": name, "slot": np.arange(N)})
    colour_by = dict(color="colour")
    if labels is not None and legend:   # clusters in order, "not important" last: the legend's order
        pts = pts.iloc[np.argsort(np.where(labels >= 0, labels, np.iinfo(int).max), kind="stable")]
        colour_by = dict(color="neuron", cmap=dict(zip(name, colour)), show_legend=True, legend_position="right")
    who = hv.Dimension("neuron", label="functional cluster" if labels is not None else "neuron")
    points = hv.Points(pts, kdims=["x", "y"], vdims=["colour", who, "slot"])
    points = style_element(points, bokeh=dict(**colour_by, size=11, line_color="white", tools=["hover"]),
                           mpl=dict(**colour_by, s=60, edgecolor="white"))
    xs = np.unique(np.round(x, 9))
    pad = 0.6 * (float(np.diff(xs).min()) if xs.size > 1 else 1.0)   # half a slot and a little
    span_x, span_y = x.max() - x.min() + 2 * pad, y.max() - y.min() + 2 * pad
    side = 440
    return style(segments * points, title=title, xlim=(x.min() - pad, x.max() + pad),
                 ylim=(y.min() - pad, y.max() + pad), ylabel="sheet y (side = 1)",
                 # the lines' colours said where an exported map travels without the page's text beside it
                 xlabel="sheet x (side = 1); lines: red w > 0, blue w < 0",
                 framewise=True,
                 bokeh=dict(**frame_sized(side, max(60, int(side * span_y / span_x))), toolbar="above",
                            default_tools=["pan", "wheel_zoom", "reset", "save"], active_tools=[]),   # page scrolls
                 mpl=dict(aspect="equal", fig_inches=(6, 6)))


def cluster_key(labels) -> list[tuple[str, str, int]]:
    """(name, colour, number of neurons) of each functional cluster in ``labels`` (−1: not important, last),
    as :func:`neuron_map` colours them."""
    labels = np.asarray(labels)
    found = sorted(int(l) for l in np.unique(labels) if l >= 0)
    key = [(f"cluster {l + 1}", CLUSTER_COLOURS[l % len(CLUSTER_COLOURS)], int((labels == l).sum())) for l in found]
    unimportant = int((labels < 0).sum())
    return key + ([("not important", NEUTRAL, unimportant)] if unimportant else [])


def identity_colours(ident, N: int, flat: bool = False) -> np.ndarray:
    """A colour per neuron from the slot it started in (``ident``; slot k sits in column k // side, row
    k % side): the hue follows its column and the lightness its row, stepping between neighbouring rows, so a
    swap with any neighbour shows as two colours trading places. On a line (``flat``) the hue alone."""
    ident = np.asarray(ident, int)
    side = int(round(np.sqrt(N)))
    if flat or side * side != N or side < 2:
        return np.array([_viridis(k / max(N - 1, 1)) for k in ident])
    column, row = ident // side, ident % side
    light = 0.2 * row / (side - 1) + 0.2 * (row % 2)   # 0 (the hue itself) … 0.4: paler would wash the hue out
    return np.array([_lighter(_viridis(c / (side - 1)), t) for c, t in zip(column, light)])


def _lighter(colour: str, t: float) -> str:
    """``colour`` (#rrggbb) mixed with white, ``t`` of the way."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#%02x%02x%02x" % tuple(int(round(v + t * (255 - v))) for v in rgb)


def _viridis(h: float) -> str:
    stops = [(0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)),
             (1.0, (253, 231, 37))]
    for (a, ca), (b, cb) in zip(stops, stops[1:]):
        if h <= b:
            t = (h - a) / (b - a)
            return "#%02x%02x%02x" % tuple(int(round(u + t * (v - u))) for u, v in zip(ca, cb))
    return "#fde725"


def _unlearned(ds, seed_index: int) -> str:
    """`` — NOT LEARNED`` for a network below the mean task accuracy at which its clusters are a finding (an
    exported figure carries the warning the status line gives), else ``""``."""
    if "accuracy" not in ds:   # a view drawn from a part of a result (its clusters alone)
        return ""
    return "" if float(ds["accuracy"].values[seed_index]) >= LEARNED else " — NOT LEARNED"


def _config(ds) -> dict:
    try:
        return json.loads(ds.attrs.get("config", "{}"))
    except (TypeError, ValueError):
        return {}


def result_map(result, seed_index: int = 0, snapshot: int | None = None, legend: bool = True):
    """The neuron map of one seed at the end of training (clusters known; their ``legend`` beside it) or after
    a swap round (``snapshot`` index: identities coloured, as they were then)."""
    ds = result.data
    cfg = _config(ds)
    seed = int(ds.seed.values[seed_index])
    coords = np.stack([ds.x.values, ds.y.values], 1)
    regime = REGIME_LABELS.get(cfg.get("regime"), cfg.get("regime", ""))
    if snapshot is not None:
        step = int(ds.snapshot.values[snapshot])
        w = result.weights["snapshot_w"][seed_index, snapshot].numpy()
        return neuron_map(coords, w, identity=ds["snapshot_identity"].values[seed_index, snapshot],
                          active=cfg.get("active", 1e-2), title=f"{regime} seed {seed}: the sheet at step {step}")
    acc = float(ds["accuracy"].values[seed_index])
    pct = float(ds["isolated_percentile"].values[seed_index])
    clusters = int(ds["clusters"].values[seed_index])
    title = (f"{regime} seed {seed}{_unlearned(ds, seed_index)}: {clusters} clusters, accuracy {acc:.2f}, "
             f"isolated-neuron percentile {pct:.0f}")
    return neuron_map(coords, result.weights["w"][seed_index].numpy(), labels=ds["labels"].values[seed_index],
                      active=cfg.get("active", 1e-2), title=title, legend=legend)


def shuffle_histogram(ds, measure: str = "isolated_fraction", seed_index: int = 0):
    """The measure on shuffled sheets (histogram) and the real sheet's value (a line), with its percentile."""
    shuffled_name, pct_name = {"isolated_fraction": ("isolated_shuffled", "isolated_percentile"),
                               "spread": ("spread_shuffled", "spread_percentile")}[measure]
    shuffled = ds[shuffled_name].values[seed_index]
    real = float(ds[measure].values[seed_index])
    pct = float(ds[pct_name].values[seed_index])
    label, short = (("isolated-neuron fraction", "isolated neurons") if measure == "isolated_fraction"
                    else ("spatial spread of clusters (grid indices²)", "cluster spread"))
    counts, edges = np.histogram(shuffled, bins=30)
    baseline = _config(ds).get("baseline", "important")
    hist = hv.Histogram((edges, counts), kdims=[hv.Dimension(measure, label=label)],
                        vdims=[hv.Dimension("count", label="shuffled sheets")],
                        label=f"{len(shuffled)} shuffles ({baseline})")
    hist = style_element(hist, bokeh=dict(fill_color="#bdbdbd", line_color="white"),
                         mpl=dict(facecolor="#bdbdbd", edgecolor="white"))
    # the real sheet as a curve from 0 to the tallest bar (a VLine has no legend entry), red in every backend
    line = hv.Curve([(real, 0), (real, max(int(counts.max()), 1))], kdims=[hist.kdims[0]], vdims=[hist.vdims[0]],
                    label="this network")
    line = style_element(line, bokeh=dict(color="#c0392b", line_width=3), mpl=dict(color="#c0392b", linewidth=3))
    cfg = _config(ds)
    who = (f"{REGIME_LABELS.get(cfg.get('regime'), cfg.get('regime', ''))} seed {int(ds.seed.values[seed_index])}"
           f"{_unlearned(ds, seed_index)}")
    return figure(hist * line, f"{short}: percentile {pct:.1f}\n{who}", xlabel=label,   # side by side: smaller title
                  legend_position="bottom", bokeh=dict(height=320, fontsize={"title": "10pt"}))


def task_accuracy_bars(ds):
    """Per-task accuracy, mean over seeds with ± sd whiskers (Yang et al. 2019's measure)."""
    acc = ds["task_accuracy"]
    mean, sd = acc.mean("seed").values, acc.std("seed", ddof=0).values
    frame = pd.DataFrame({"task": [str(t) for t in ds.task.values], "accuracy": mean,
                          "below": mean - np.maximum(mean - sd, 0), "above": np.minimum(mean + sd, 1) - mean})
    task = hv.Dimension("task", label="task (Yang et al. 2019)")
    accuracy = hv.Dimension("accuracy", label="task accuracy", range=(0, 1))
    bars = hv.Bars(frame, kdims=[task], vdims=[accuracy])
    bars = style_element(bars, bokeh=dict(color="#1b9e77", xrotation=60), mpl=dict(color="#1b9e77", xrotation=60))
    errors = error_bars(hv.ErrorBars(frame, kdims=[task], vdims=[accuracy, "below", "above"]))  # ± sd, in 0 … 1
    n = ds.sizes["seed"]
    return figure(bars * errors, f"Accuracy per task (mean ± sd over {plural(n, 'seed')}; "
                                 f"overall {float(ds['accuracy'].mean()):.2f})", ylim=(0, 1.04), bokeh=dict(height=320))


def task_variance_heatmap(ds, seed_index: int = 0):
    """Task variance of the important neurons, each divided by its largest over the tasks (Yang et al. 2019,
    Fig. 2: the features the clusters are made of), the neurons of one functional cluster side by side, white
    lines between clusters."""
    labels = ds["labels"].values[seed_index]
    keep = np.nonzero(labels >= 0)[0]
    if keep.size == 0:
        return placeholder("No neuron passed the importance threshold.", "Task variance by cluster")
    order = keep[np.lexsort((keep, labels[keep]))]
    tv = normalise(ds["task_variance"].values[seed_index])[:, order]
    cluster = labels[order].astype(int) + 1
    rows = [(c, str(t), float(tv[k, c]), int(cluster[c]), int(s)) for c, s in enumerate(order)
            for k, t in enumerate(ds.task.values)]
    frame = pd.DataFrame(rows, columns=["column", "task", "variance", "cluster", "slot"])
    heat = hv.HeatMap(frame, kdims=[hv.Dimension("column", label="important neurons, by functional cluster"),
                                    hv.Dimension("task", label="task")],
                      vdims=[hv.Dimension("variance", label="task variance / the neuron's largest", range=(0, 1)),
                             "cluster", hv.Dimension("slot", label="slot on the sheet")])
    starts = np.flatnonzero(np.diff(cluster)) + 1            # first column of every cluster after the first
    edges = np.concatenate([[0], starts, [len(order)]])
    ticks = [(float(a + b - 1) / 2, str(int(cluster[a]))) for a, b in zip(edges[:-1], edges[1:])]
    heat = style_element(heat, bokeh=dict(cmap="viridis", colorbar=True, clim=(0, 1), tools=["hover"], xticks=ticks),
                         mpl=dict(cmap="viridis", colorbar=True, clim=(0, 1), xticks=ticks, show_values=False,
                                  hooks=[mpl_colorbar_beside]))
    lines = [style_element(hv.VLine(x - 0.5), bokeh=dict(color="white", line_width=2),
                           mpl=dict(color="white", linewidth=2)) for x in starts]
    seed = int(ds.seed.values[seed_index])
    return figure(hv.Overlay([heat, *lines]) if lines else heat,
                  f"Task variance of seed {seed}'s {keep.size} important neurons in {len(ticks)} clusters"
                  f"{_unlearned(ds, seed_index)}",
                  xlabel="functional cluster (its important neurons side by side)", xlim=(-0.5, len(order) - 0.5),
                  bokeh=dict(height=380))


def loss_curves(ds):
    """Training loss (prediction + λ·cost, dashed: prediction only) per seed."""
    curves = []
    for i, seed in enumerate(ds.seed.values):
        c = SEED_COLOURS[int(seed) % len(SEED_COLOURS)]
        step = ds.step.values
        for name, dash in (("loss", "solid"), ("pred_loss", "dashed")):
            y = ds[name].values[i]
            stride = max(1, len(step) // 400)
            curve = hv.Curve((step[::stride], y[::stride]), kdims=[hv.Dimension("step", label="training step")],
                             vdims=[hv.Dimension("loss", label="training loss (nats)")],
                             label=f"seed {int(seed)}" if name == "loss" else "")
            curves.append(style_element(curve, bokeh=dict(color=c, line_dash=dash), mpl=dict(color=c, linestyle=dash)))
    # the page's card keeps no legend (its seeds' colours follow the map's seed slider); an export names them
    return figure(hv.Overlay(curves), "Training loss per seed (solid: with λ·cost, dashed: prediction only)",
                  logy=True, bokeh=dict(height=300, show_legend=False),
                  mpl=dict(show_legend=True, legend_position="right"))


def pareto(frame: pd.DataFrame, x: str = "active_neurons"):
    """Error against sparsity over a λ grid, one line per regime (Liu et al. 2023, Fig. 1g, h), each point the
    mean over seeds with ± sd error bars. ``frame`` has one row per run: regime, lam, error (1 − accuracy),
    error_sd, active_neurons, wiring_length. The x axis starts at 0, so a front of one point reads as a point."""
    if frame.empty:
        return placeholder("No stored runs of this setting over λ yet.", "Error against sparsity")
    xlabel = {"active_neurons": "important neurons", "wiring_length": "wiring length (sheet sides)"}[x]
    xdim = hv.Dimension(x, label=xlabel)
    err = hv.Dimension("error", label="error (1 − task accuracy)", range=(0, 1))
    layers = []
    for regime, d in frame.sort_values(x).groupby("regime", sort=False):
        c = REGIME_COLOURS.get(regime, "#333333")
        label = REGIME_LABELS.get(regime, regime)
        # a front of one λ is a point: its legend entry is the dot, not a line (the line then draws nothing)
        line = hv.Curve(d, kdims=[xdim], vdims=[err], label=label if len(d) > 1 else "")
        bars = hv.ErrorBars(d, kdims=[xdim], vdims=[err, "error_sd"])
        dots = hv.Scatter(d, kdims=[xdim], vdims=[err, "lam"], label=label)
        layers += [style_element(line, bokeh=dict(color=c), mpl=dict(color=c)),
                   error_bars(bars, c),
                   style_element(dots, bokeh=dict(color=c, size=8, tools=["hover"]), mpl=dict(color=c, s=30))]
    return figure(hv.Overlay(layers), f"Error against {xlabel} over λ (mean ± sd over seeds; lower left is better)",
                  xlim=(0, 1.1 * float(frame[x].max()) or 1.0),   # the legend beside the axes: it hid points
                  bokeh=dict(height=320, legend_position="right"), mpl=dict(legend_position="right"))


def pareto_frame(results) -> pd.DataFrame:
    """One row per Result: regime, λ, error and its sd over seeds, important neurons, wiring length."""
    rows = []
    for r in results:
        cfg = _config(r.data)
        acc = r.data["accuracy"].values
        rows.append({"regime": cfg.get("regime"), "lam": cfg.get("lam"), "error": 1 - float(acc.mean()),
                     "error_sd": float(acc.std()), "active_neurons": float(r.data["active_neurons"].mean()),
                     "wiring_length": float(r.data["wiring_length"].mean())})
    return pd.DataFrame(rows)


#: Every view of one Result, by name, the headline view first (the page, exports and contract test use them).
VIEWS = {
    "neuron map": result_map,
    "isolated neurons vs shuffles": lambda result: shuffle_histogram(result.data, "isolated_fraction"),
    "cluster spread vs shuffles": lambda result: shuffle_histogram(result.data, "spread"),
    "accuracy per task": lambda result: task_accuracy_bars(result.data),
    "task variance": lambda result: task_variance_heatmap(result.data),
    "training loss": lambda result: loss_curves(result.data),
    "error against sparsity": lambda result: pareto(pareto_frame([result])),   # the page draws every λ stored
}


def placeholder_map(grid: int = 8):
    """The neuron map's place before the first snapshot arrives: the empty sheet (same element types as the map,
    so a live DynamicMap can switch to the real one)."""
    i, j = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    coords = np.stack([i.ravel(), j.ravel()], 1) / grid
    return neuron_map(coords, np.zeros((grid * grid, grid * grid)), labels=np.full(grid * grid, -1),
                      title="Neuron map: the sheet comes alive when training starts", legend=False)
