"""Specialization over time: global F per time step for each metric, ensemble mean ± sd over seeds.

Paper 000 §3.3 and Fig. 4: specialization is measured at every step of the unrolled network; it starts high
while no signal has crossed between the modules and falls (or rises) once they communicate. Dashed vertical
markers show the step communication starts and the step each digit switches on (Béna & Goodman 2023a, Fig. 4B, 4D).
"""
from __future__ import annotations

import math

import warnings

import holoviews as hv
import numpy as np

from ...core.progress import plural
from .config import METRIC_LABELS
from .style import FM, METRIC_COLORS, MODULE_DASH, F, T, config_of, figure, ink, metrics_of, style_element


def markers(config: dict, y: float = 1.0):
    """Vertical markers at the communication start and at each digit's fixed start time, with labels."""
    xs, texts = [], []
    comms = config.get("comms_start")
    if comms:  # at step 0 communication is on from the start: nothing to mark
        xs.append(comms - 0.5)
        texts.append("comms on →")
    st = config.get("start_times")
    if isinstance(st, (list, tuple)) and len(st) == 2:
        for k, tk in enumerate(st):
            if tk:
                xs.append(tk - 0.5)
                texts.append(f"digit {k} on →")
    lines = hv.VLines(np.asarray(xs, dtype=float), kdims=[T])
    lines = style_element(lines, bokeh=dict(color=ink(soft=True), line_dash="dashed", line_width=1.5),
                          mpl=dict(color="#555555", linestyle="dashed", linewidth=1.2))
    # stack labels that fall on the same step
    offsets = [sum(1 for x in xs[:i] if x == xs[i]) for i in range(len(xs))]
    # shifted in the data, not with ``xoffset`` (a Dodge transform, rebuilt on every streamed update)
    labels = hv.Labels((np.asarray(xs, dtype=float) + 0.04, [y - 0.07 * o for o in offsets], texts),
                       kdims=[T, "y"], vdims="text")
    labels = style_element(labels, bokeh=dict(text_align="left", text_baseline="top", text_font_size="9pt",
                                              text_color=ink(soft=True)),
                           mpl=dict(horizontalalignment="left", verticalalignment="top", size=8, color="#444444"))
    return lines * labels


def _summary(da):
    """Mean and sd (ddof = 0) over seeds, as numpy arrays over time; seeds without a value (NaN) are left out,
    as xarray's own mean does (plain numpy: xarray's reductions cost ~1 ms each, and a page draws many)."""
    values = np.asarray(da.transpose("seed", ...).values, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # a time step no seed has: NaN, silently
        return np.nanmean(values, axis=0), np.nanstd(values, axis=0)


def band(t, mean, sd, color, label, dash="solid", ydim=F, xdim=T):
    """Mean line and a ± sd band, the band clipped to the measure's range (F ∈ [0, 1], Fᵐ ∈ [−1, 1]); x is the
    time step unless ``xdim`` says otherwise (sparsity, modularity)."""
    lo, hi = ydim.range
    below, above = np.minimum(sd, mean - lo), np.minimum(sd, hi - mean)
    spread = hv.Spread((t, mean, below, above), kdims=[xdim], vdims=[ydim, "sd_below", "sd_above"], label=label)
    spread = style_element(spread, bokeh=dict(fill_color=color, fill_alpha=0.18, line_alpha=0),
                           # color: else the cycle wins
                           mpl=dict(color=color, facecolor=color, alpha=0.18, linewidth=0))
    curve = hv.Curve((t, mean), kdims=[xdim], vdims=[ydim], label=label)
    curve = style_element(curve, bokeh=dict(color=color, line_width=2.5, line_dash=dash, tools=["hover"]),
                          mpl=dict(color=color, linewidth=2, linestyle=dash))
    return [spread, curve]


def _dots(points, ydim=F):
    """One marker per time step and line, all lines in one element (fewer glyphs to update when streaming)."""
    t, y, colors = (np.concatenate([p[i] for p in points]) if points else np.array([]) for i in range(3))
    dots = hv.Points((t, y, colors), kdims=[T, ydim], vdims=["color"])
    return style_element(dots, bokeh=dict(color="color", size=6), mpl=dict(color="color", s=20))


def describe(ds) -> str:
    """One line naming the setting: p, Q, n, the input pathway, accuracy (range over seeds) and seeds."""
    cfg = config_of(ds)
    n = int(ds.attrs.get("n", cfg.get("n", 0)) or 0)
    p = float(ds.attrs.get("p", cfg.get("p", float("nan"))))
    Q = float(ds.attrs.get("Q", float("nan")))
    one_link = n and np.isclose(p, 1.0 / n**2)
    p_text = f"1/n² = {p:.3g}" if one_link else f"{p:.3g}"
    acc = ds["accuracy"].values if "accuracy" in ds else np.array([np.nan])
    seeds = ds.sizes.get("seed", 0)
    pathway = {"separate": "separate inputs", "fused": "fused input", "common": "common input"}.get(
        cfg.get("input"), f"{cfg.get('input')} input") if cfg.get("input") else ""
    pathway = f", {pathway}" if pathway else ""
    return f"p = {p_text} (Q = {Q:.2f}), n = {n}{pathway} · {skill(acc, cfg)} · {plural(seeds, 'seed')}"


def skill(acc, cfg: dict) -> str:
    """The networks' test accuracy as a range over seeds, and how many missed the run's criterion: every figure
    says how well its networks learned (under-trained networks look specialized)."""
    if not np.isfinite(acc).any():
        return "accuracy n/a"
    lo, hi = np.nanmin(acc), np.nanmax(acc)
    crit = float(cfg.get("until_accuracy") or 0)
    missed = int((acc < crit).sum()) if crit else 0
    # a network below the criterion is never rounded up to it (0.849 read "0.85" next to "1 below 0.85")
    low = f"{math.floor(lo * 1000) / 1000:.3f}" if missed and round(lo, 2) >= crit else f"{lo:.2f}"   # 0.8496: 0.849
    words = f"accuracy {low}" if low == f"{hi:.2f}" else f"accuracy {low}–{hi:.2f}"
    return words + (f" ({missed} below {crit:g})" if missed else "")


#: Test accuracy (twice chance) below which a weight mask is flagged as having found little.
WEAK_MASK = 0.2


def mask_accuracy_note(ds) -> str:
    """One Markdown sentence: how well the weight masks classify their own digit at the last step (Béna &
    Goodman 2023b, §3.2, checks that masks perform), so the weight-mask curve can be read with it. Empty without
    the data."""
    if "mask_accuracy" not in ds:
        return ""
    last = ds["mask_accuracy"].isel(time=-1).values                                  # (seed, digit)
    a0, a1 = last.mean(0)
    low = int((last < WEAK_MASK).sum())
    if min(a0, a1) < WEAK_MASK:
        weak = f" — a mask below {WEAK_MASK} has found little, so read the weight-mask curve with care"
    elif low:
        weak = f"; {low} of {last.size} masks (seed × digit) are below {WEAK_MASK} and say little"
    else:
        weak = ""
    return (f"**Weight masks** classify their own digit at the last step with test accuracy **{a0:.2f}** "
            f"(digit 0) and **{a1:.2f}** (digit 1), mean over seeds; chance is 0.10{weak}.")


def specialization_over_time(ds, metrics=None):
    """Global F(t) ∈ [0, 1] per metric: ensemble mean (line) ± one sd over seeds (band), with markers."""
    t = ds.time.values.astype(float)
    layers, points = [], []
    for m in metrics_of(ds, metrics):
        mean, sd = _summary(ds["F"].sel(metric=m))
        layers += band(t, mean, sd, METRIC_COLORS[m], METRIC_LABELS[m])
        points.append((t, mean, np.full(len(t), METRIC_COLORS[m], dtype=object)))
    # the markers' words above F = 1, in a strip of their own (at 1.04 they lay on the lines that reach 1)
    overlay = hv.Overlay(layers + [_dots(points)]) * markers(config_of(ds), y=1.145)
    return figure(overlay, f"Specialization over time\n{describe(ds)}", ylim=(0, 1.16), xlabel=T.label,
                  ylabel=F.label,
                  xlim=(t.min() - 0.3, t.max() + 0.3), xticks=list(t.astype(int)),
                  # the key below the axes, not in them: inside, it hid points (the weight mask at t = 0)
                  bokeh=dict(BOKEH_EXTRA, height=420, fontsize={"title": "10pt"}, legend_position="bottom",
                             legend_cols=2), mpl=dict(legend_position="bottom"))


def module_specialization_over_time(ds, metrics=None):
    """Fᵐ(t) = M(m, digit 0) − M(m, digit 1) per module (solid: module 0, dashed: module 1).

    +1: the module carries only digit 0; −1: only digit 1. With separate inputs a specialised pair shows
    module 0 near +1 and module 1 near −1; a generalist module sits near 0 (SCIENCE-NOTES §6).
    """
    t = ds.time.values.astype(float)
    layers, points = [], []
    for m in metrics_of(ds, metrics):
        for module in (0, 1):
            mean, sd = _summary(ds["F_module"].sel(metric=m, module=module))
            # one legend entry per metric (both modules' lines share it; the title says which dash is which):
            # eight entries covered the module-1 curves near −1
            layers += band(t, mean, sd, METRIC_COLORS[m], METRIC_LABELS[m], dash=MODULE_DASH[module], ydim=FM)
            points.append((t, mean, np.full(len(t), METRIC_COLORS[m], dtype=object)))
    zero = style_element(hv.HLine(0), bokeh=dict(color="#999999", line_width=1), mpl=dict(color="#999999"))
    overlay = hv.Overlay(layers + [_dots(points, FM), zero]) * markers(config_of(ds), y=1.145)
    return figure(overlay, "Per-module specialization Fᵐ (solid: module 0, dashed: module 1; +1: digit 0 only, "
                  "−1: digit 1 only)", ylim=(-1.08, 1.16), xlabel=T.label, ylabel=FM.label,
                  xlim=(t.min() - 0.3, t.max() + 0.3), xticks=list(t.astype(int)), legend_position="right",
                  bokeh=dict(BOKEH_EXTRA, height=380))


BOKEH_EXTRA = dict(legend_opts={"background_fill_alpha": 0.7, "label_text_font_size": "9pt"})


def _training(result, which):
    from ...views import accuracy_curves, loss_curves, training_frame

    frame = training_frame(result.data)
    return loss_curves(frame) if which == "loss" else accuracy_curves(frame)


def _connectivity(result):
    from .views_connectivity import result_connectivity

    return result_connectivity(result)


#: Every view of one Result, by name (the page, the exports and the contract test use them).
VIEWS = {
    "specialization": lambda result: specialization_over_time(result.data),
    "module specialization": lambda result: module_specialization_over_time(result.data),
    "training loss": lambda result: _training(result, "loss"),
    "test accuracy": lambda result: _training(result, "accuracy"),
    "connectivity": _connectivity,
}
