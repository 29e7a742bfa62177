"""The growth study's views (Hamidi et al. 2024): robustness curves first, then the per-module accuracy under
perturbation, N solved while growing, the grown chain and the trained time constants.

Pure functions from a Result (or a tidy frame of live progress) to HoloViews objects; no store, no training.
"""
from __future__ import annotations

import json
import math
import warnings

import holoviews as hv
import numpy as np
import pandas as pd

from ...core.progress import plural
from ...views.style import figure, ink, mpl_colorbar_beside, placeholder, style_element, whole_x
from ...views.titles import text_width, title_room
from .config import ARCH_LABELS
from .result import grown, learned, trained_depth

ARCH_COLOURS = {"modular": "#1b9e77", "rnn": "#d95f02"}
GROUP_DASH = {"W_R": "solid", "W_FF": "dotted", "tau": "dashed"}
GROUP_LABELS = {"W_R": "recurrent W_R", "W_FF": "feed-forward W_FF", "tau": "time constants τ"}
EPS = hv.Dimension("eps", label="perturbation ε = ‖ΔW‖ / ‖W‖")
EPOCH = hv.Dimension("epoch", label="epoch")
N_SOLVED = hv.Dimension("n_solved", label="largest N solved")
LABEL_PX = 11   #: font size of the chain drawing's N above each module


def _config(ds) -> dict:
    """The settings of a Result's Dataset (``config``) or of a swept one (``base_config``)."""
    try:
        return json.loads(ds.attrs.get("config", ds.attrs.get("base_config", "{}")))
    except (TypeError, ValueError):
        return {}


def robustness_curves(ds, groups=None):
    """Tasks still solved against ε (log axis), one line per architecture and perturbed group, ± sd over seeds
    of the draw-averaged counts (Hamidi et al. 2024, Fig. 3). ε = 0 is drawn at the left edge."""
    groups = groups or _config(ds).get("perturb", "W_R,W_FF,tau").split(",")
    eps = ds.eps.values
    x = np.where(eps > 0, eps, eps[eps > 0].min() / 3 if (eps > 0).any() else 1e-3)
    layers, left_out = [], False
    for arch in ("modular", "rnn"):
        for g in groups:
            ts = ds["tasks_solved"].sel(arch=arch, group=g).values
            if np.isnan(ts).all():
                continue
            ok = learned(ds, arch, g)   # a network that solved no task is not a finding (nor a one-module W_FF)
            left_out = left_out or not ok.all()
            if not ok.any():
                continue
            ts = ts[ok]
            mean, sd = np.nanmean(ts, 0), np.nanstd(ts, 0)
            c, dash = ARCH_COLOURS[arch], GROUP_DASH[g]
            label = f"{ARCH_LABELS[arch]}, {GROUP_LABELS[g]}"
            tasks = hv.Dimension("tasks", label="tasks still solved (accuracy > 0.9)")
            band = hv.Area((x, mean - sd, mean + sd), kdims=[EPS], vdims=[tasks, "hi"])
            layers.append(style_element(band, bokeh=dict(color=c, alpha=0.15, line_alpha=0),
                                        mpl=dict(color=c, facecolor=c, alpha=0.15, linewidth=0)))
            line = hv.Curve((x, mean), kdims=[EPS], vdims=[tasks], label=label)
            layers.append(style_element(line, bokeh=dict(color=c, line_dash=dash, line_width=2.5),
                                        mpl=dict(color=c, linestyle=dash, linewidth=2)))
    if not layers:
        return placeholder("No network solved a task: there is nothing to perturb." if left_out
                           else "No perturbation was measured.", "Robustness")
    n = ds.sizes["seed"]
    over = plural(n, "seed") + ("; networks that solved no task left out" if left_out else "")
    return figure(hv.Overlay(layers), f"Tasks kept under perturbation (mean ± sd over {over}; left edge: ε = 0)",
                  # below the plot, an architecture a column: never on a band, and the plot keeps its width
                  bokeh=dict(logx=True, height=470, legend_position="bottom", legend_cols=2),
                  mpl=dict(logx=True, aspect="auto", legend_position="right"))


def module_heatmap(ds, group: str = "W_R", arch: str = "modular"):
    """Accuracy of each head (= each module of the chain) against ε, mean over seeds (Hamidi et al. 2024,
    Fig. 5): deeper modules lose their tasks first."""
    if np.isnan(ds["head_accuracy"].sel(arch=arch, group=group).values).all():
        return placeholder(f"{GROUP_LABELS.get(group, group)} was not perturbed.", "Accuracy per module")
    acc = grown(ds, "head_accuracy", arch).sel(group=group)   # heads a seed never trained: not its numbers
    depth = int(trained_depth(ds, arch).max())
    heads = [int(h) for h in ds["N"].values][:depth]
    mean = np.nanmean(acc.values[..., :depth], 0)             # (eps, head): over the seeds that grew each head
    rows = [(f"{e:.3g}", h, float(mean[i, k])) for i, e in enumerate(ds.eps.values) for k, h in enumerate(heads)]
    frame = pd.DataFrame(rows, columns=["eps", "head", "accuracy"])
    heat = hv.HeatMap(frame, kdims=[hv.Dimension("eps", label=EPS.label),
                                    hv.Dimension("head", label="head N (its module)")],
                      vdims=[hv.Dimension("accuracy", label="accuracy", range=(0.4, 1))])
    # a tick on every head (integers: the heads are N = 2, 3, …), thinned to N = 2 and every fifth when many
    ticks = heads if len(heads) <= 12 else [h for h in heads if h == 2 or h % 5 == 0]
    heat = style_element(heat, bokeh=dict(cmap="viridis", colorbar=True, tools=["hover"], xrotation=45, yticks=ticks),
                         mpl=dict(cmap="viridis", colorbar=True, xrotation=45, show_values=False, aspect="auto",
                                  show_grid=False, yticks=ticks, hooks=[mpl_colorbar_beside]))
    n = acc.sizes.get("seed", 1)
    over = plural(n, "seed") if int(trained_depth(ds, arch).min()) == depth else "the seeds that grew each head"
    return figure(heat, f"{ARCH_LABELS[arch]}: accuracy per head when perturbing {GROUP_LABELS[group]} "
                        f"(mean over {over})",
                  bokeh=dict(height=380))


def n_solved_frame(ds) -> pd.DataFrame:
    """Tidy rows (arch, seed, epoch, n_solved) of a Result's curves."""
    da = ds["n_solved_curve"]
    return da.to_dataframe(name="n_solved").reset_index()[["arch", "seed", "epoch", "n_solved"]]


def progress_frame(event: dict) -> pd.DataFrame:
    """Tidy rows of one epoch's progress event (live curves while the networks grow)."""
    if event.get("stage") != "train" or "n_solved" not in event:
        return pd.DataFrame(columns=["arch", "seed", "epoch", "n_solved"])
    return pd.DataFrame({"arch": event["architecture"], "seed": [int(s) for s in event["seeds"]],
                         "epoch": int(event["epoch"]), "n_solved": [int(v) for v in event["n_solved"]]})


def n_solved_curves(frame: pd.DataFrame, epochs: int | None = None, steps_per_epoch: int | None = None,
                    seeds=None):
    """Largest N solved against epoch for both architectures: thin lines per seed, thick the mean
    (Hamidi et al. 2024, Fig. 2a). With ``steps_per_epoch`` the x axis counts training steps (the fairer axis:
    each network adds at most one N per epoch). With ``seeds`` every seed's line and both means are drawn,
    empty until their data arrive: the live plot keeps one set of layers while it fills (a layer that appears
    later left BokehJS a legend entry without a view)."""
    xdim = EPOCH if not steps_per_epoch else hv.Dimension("step", label="training steps")
    scale = steps_per_epoch or 1
    layers = []
    for arch in ("modular", "rnn"):
        d = frame[frame["arch"] == arch]
        c = ARCH_COLOURS[arch]
        by_seed = dict(tuple(d.groupby("seed")))
        for seed in (seeds if seeds is not None else by_seed):
            ds = by_seed.get(seed, d.iloc[:0]).sort_values("epoch")
            line = hv.Curve((ds["epoch"] * scale, ds["n_solved"]), kdims=[xdim], vdims=[N_SOLVED])
            layers.append(style_element(line, bokeh=dict(color=c, alpha=0.35, line_width=1),
                                        mpl=dict(color=c, alpha=0.35, linewidth=1)))
        if not d.empty or seeds is not None:
            m = d.groupby("epoch")["n_solved"].mean()
            xs, ys = m.index.to_numpy(dtype=float) * scale, m.to_numpy(dtype=float)
            if not len(xs):   # BokehJS draws no line in the legend entry of an empty line: one undrawn point
                xs, ys = np.array([np.nan]), np.array([np.nan])
            line = hv.Curve((xs, ys), kdims=[xdim], vdims=[N_SOLVED], label=ARCH_LABELS[arch])
            layers.append(style_element(line, bokeh=dict(color=c, line_width=3), mpl=dict(color=c, linewidth=2.5)))
    if not layers:
        layers = [hv.Curve(([], []), kdims=[xdim], vdims=[N_SOLVED])]
    xlim = (0, (epochs or 1) * scale) if epochs else None
    return figure(hv.Overlay(layers), "Largest N solved as the networks grow (thin: seeds, thick: mean)",
                  bokeh=dict(height=340, legend_position="top_left", hooks=[whole_x]), mpl=dict(hooks=[whole_x]),
                  **({"xlim": xlim} if xlim else {}), ylim=(0, None))


def chain_drawing(ds, seed_index: int = 0):
    """The grown chain of one seed: modules as boxes (height ∝ module size; shaded when frozen), the
    feed-forward W_FF arrows between them and each module's head N above it (every k-th where a figure of the
    least width has no room for all)."""
    cfg = _config(ds)
    depth = int(trained_depth(ds).values[seed_index])
    size = cfg.get("module_size", 1)
    frozen = cfg.get("freeze", 0.0) == 0.0
    h = 0.3 + 0.7 * min(size, 30) / 30
    rects, arrows, labels = [], [], []
    slots = max(depth, 4) + 1   # the x range below
    every = math.ceil((text_width(str(depth + 1), LABEL_PX) + 6) / (title_room() / slots))
    for d in range(depth):
        newest = d == depth - 1
        colour = "#1b9e77" if newest or not frozen else "#8fcfb8"
        rects.append((d, -h / 2, d + 0.7, h / 2, colour))
        if d % every == 0 or newest:
            labels.append((d + 0.35, h / 2 + 0.15, str(d + 2)))
        if d:
            arrows.append((d - 0.3, 0, d, 0))
    boxes = hv.Rectangles(pd.DataFrame(rects, columns=["x0", "y0", "x1", "y1", "colour"]), vdims=["colour"])
    boxes = style_element(boxes, bokeh=dict(color="colour", line_color="#0b5345"), mpl=dict(color="colour"))
    seg = hv.Segments(pd.DataFrame(arrows or [(0, 0, 0, 0)], columns=["x0", "y0", "x1", "y1"]))
    seg = style_element(seg, bokeh=dict(color=ink(), line_width=2), mpl=dict(color="#333333"))
    text = style_element(hv.Labels(pd.DataFrame(labels, columns=["x", "y", "text"]), vdims=["text"]),
                         bokeh=dict(text_font_size=f"{LABEL_PX}px", text_color=ink()))
    seed = int(ds.seed.values[seed_index])
    state = "older modules frozen" if frozen else f"older modules' learning rate × {cfg.get('freeze')}"
    modules = f"{plural(depth, 'module')} of {plural(size, 'neuron')}"
    return figure(boxes * seg * text, f"Seed {seed}'s chain: {modules} ({state}; arrows: W_FF; numbers: N)",
                  xaxis=None, yaxis=None, xlim=(-0.5, max(depth, 4) + 0.5), ylim=(-1, 1),
                  bokeh=dict(height=200, toolbar=None, show_grid=False), mpl=dict(show_grid=False))   # a drawing


def tau_per_module(ds):
    """The chain's time constants per module, mean ± sd over seeds, beside the RNN's mean (a flat line)
    (Hamidi et al. 2024, Fig. 4): the trained τ̂ = max(τ, 1), and — when measured — each neuron's effective
    timescale from its activity (AIC-chosen exponential fit of the autocorrelation), the slower of the two.
    The mean runs over the modules every seed trained (the figure's headline measures the same); each seed's own
    modules are dots, so a module only the deeper seeds grew shows as theirs, not as a mean of all seeds."""
    depths = trained_depth(ds).values
    deepest, common = int(depths.max()), int(depths.min())
    if deepest < 1:
        return placeholder("No seed's chain trained a module (nothing solved).", "Time constants per module")
    modules = [int(h) for h in ds["N"].values[:deepest]]
    mdim = hv.Dimension("N", label="module (its head's N)")
    tdim = hv.Dimension("tau", label="time constant (steps)")
    kinds = [("tau_module", "tau_rnn", "trained τ̂", "solid", "o")]
    if "tau_eff_module" in ds and not np.isnan(ds["tau_eff_module"].values).all():
        kinds.append(("tau_eff_module", "tau_eff_rnn", "effective", "dashed", "^"))
    layers, words = [], []
    c = ARCH_COLOURS["modular"]
    for chain_var, rnn_var, label, dash, marker in kinds:
        tau = grown(ds, chain_var).values[:, :deepest]   # a module past a seed's trained depth never trained
        with warnings.catch_warnings():   # a module whose fit failed on every seed stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, sd = np.nanmean(tau[:, :common], 0), np.nanstd(tau[:, :common], 0)
        layers.append(style_element(hv.Spread((modules[:common], mean, sd), kdims=[mdim], vdims=[tdim, "sd"]),
                                    bokeh=dict(color=c, alpha=0.15, line_alpha=0),
                                    mpl=dict(color=c, facecolor=c, alpha=0.15, linewidth=0)))
        layers.append(style_element(hv.Curve((modules[:common], mean), kdims=[mdim], vdims=[tdim],
                                             label=f"{ARCH_LABELS['modular']}, {label}"),
                                    bokeh=dict(color=c, line_dash=dash, line_width=2.5),
                                    mpl=dict(color=c, linestyle=dash, linewidth=2)))
        if tau.shape[0] > 1:
            seed_n, seed_tau = np.broadcast_to(np.array(modules, float), tau.shape)[np.isfinite(tau)], \
                tau[np.isfinite(tau)]
            layers.append(style_element(hv.Scatter((seed_n, seed_tau), kdims=[mdim], vdims=[tdim],
                                                   label=f"{label}, each seed"),
                                        bokeh=dict(color=c, marker="triangle" if marker == "^" else "circle",
                                                   size=6, alpha=0.55),
                                        mpl=dict(color=c, marker=marker, s=22, alpha=0.55)))
        rnn = float(np.nanmean(ds[rnn_var].values))
        layers.append(style_element(hv.Curve(([modules[0], modules[-1]], [rnn, rnn]), kdims=[mdim], vdims=[tdim],
                                             label=f"{ARCH_LABELS['rnn']}, {label} (mean)"),
                                    bokeh=dict(color=ARCH_COLOURS["rnn"], line_dash=dash, line_width=2),
                                    mpl=dict(color=ARCH_COLOURS["rnn"], linestyle=dash)))
        words.append(f"{label}: RNN {rnn:.2f}")
    if common < deepest:
        words.append(f"chain mean over N ≤ {modules[common - 1]}, the modules every seed grew" if common else
                     "no module grown by every seed: dots are each seed's")
    return figure(hv.Overlay(layers), "Time constants per module of the chain (" + "; ".join(words) + ")",
                  bokeh=dict(height=320, legend_position="bottom_right", hooks=[whole_x]),
                  mpl=dict(hooks=[whole_x]), ylim=(0, None), xlim=(modules[0] - 0.2, modules[-1] + 0.2))


def generalisation_curves(ds):
    """Accuracy on N_solved + K after a short retraining of the last solved task's readout, against K, mean ±
    sd over seeds per architecture (Hamidi et al. 2024, Fig. 2c); chance is 0.5."""
    if "generalisation" not in ds or np.isnan(ds["generalisation"].values).all():
        return placeholder("Generalisation was not measured (set 'generalise to N + 1 … N + K' above 0).",
                           "Generalisation to harder tasks")
    kdim = hv.Dimension("K", label="K (task N_solved + K)")
    adim = hv.Dimension("accuracy", label="balanced accuracy after retraining", range=(0.4, 1.02))
    layers = []
    for arch in ("modular", "rnn"):
        acc = ds["generalisation"].sel(arch=arch).values
        K = ds.K.values.astype(float)
        with warnings.catch_warnings():   # a K no seed could try (it solved nothing) stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, sd = np.nanmean(acc, 0), np.nanstd(acc, 0)
        c = ARCH_COLOURS[arch]
        layers.append(style_element(hv.Spread((K, mean, sd), kdims=[kdim], vdims=[adim, "sd"]),
                                    bokeh=dict(color=c, alpha=0.15, line_alpha=0),
                                    mpl=dict(color=c, facecolor=c, alpha=0.15, linewidth=0)))
        layers.append(style_element(hv.Curve((K, mean), kdims=[kdim], vdims=[adim], label=ARCH_LABELS[arch]),
                                    bokeh=dict(color=c, line_width=2.5), mpl=dict(color=c, linewidth=2)))
        layers.append(style_element(hv.Scatter((K, mean), kdims=[kdim], vdims=[adim]),
                                    bokeh=dict(color=c, size=7), mpl=dict(color=c, s=30)))
    cfg, n = _config(ds), ds.sizes["seed"]
    layers.append(style_element(hv.HLine(0.5), bokeh=dict(color="#999999", line_dash="dotted"),
                                mpl=dict(color="#999999", linestyle="dotted")))   # chance, in every backend
    return figure(hv.Overlay(layers), f"Generalisation: N_solved + K after {cfg.get('generalise_steps', '?')} steps of "
                                      f"retraining (mean ± sd over {plural(n, 'seed')}; dotted: chance)",
                  bokeh=dict(height=320, legend_position="bottom_left", hooks=[whole_x]), mpl=dict(hooks=[whole_x]))


#: Every view of one Result, by name, the headline view first (the page, exports and contract test use them).
VIEWS = {
    "robustness": lambda result: robustness_curves(result.data),
    "accuracy per module": lambda result: module_heatmap(result.data),
    "N solved": lambda result: n_solved_curves(n_solved_frame(result.data), result.data.sizes["epoch"]),
    "chain": lambda result: chain_drawing(result.data),
    "time constants": lambda result: tau_per_module(result.data),
    "generalisation": lambda result: generalisation_curves(result.data),
}
