"""Training curves per seed: loss while training and global-task test accuracy after each epoch.

Both views take a tidy frame (one row per seed and report: ``epoch, seed, loss, accuracy``), which is what
the dashboard streams while the ensemble trains (``hv.streams.Buffer``) and what :func:`training_frame`
makes from a finished Result, so live and stored curves look the same. Accuracy is shown next to every
specialization figure because under-trained networks look specialized (SCIENCE-NOTES §6).
"""
from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd

from .style import ACC, EPOCH, LOSS, SEED_COLOURS, figure, ink, style_element, whole_x

COLUMNS = ["epoch", "seed", "loss", "accuracy"]
CHANCE = 0.1  #: ten classes for the global target T′


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({"epoch": pd.Series(dtype=float), "seed": pd.Series(dtype=int),
                         "loss": pd.Series(dtype=float), "accuracy": pd.Series(dtype=float)})


def training_frame(ds) -> pd.DataFrame:
    """The stored per-epoch curves of a Result dataset as a tidy frame."""
    if "loss_curve" not in ds:
        return empty_frame()
    loss = ds["loss_curve"].to_dataframe(name="loss").reset_index()
    acc = ds["accuracy_curve"].to_dataframe(name="accuracy").reset_index()
    df = loss.merge(acc, on=["seed", "epoch"])[COLUMNS]
    return df.astype({"epoch": float, "seed": int, "loss": float, "accuracy": float})


def progress_rows(event: dict) -> pd.DataFrame:
    """Rows for one runner progress event (``stage == "train"``): x is the fraction of epochs trained."""
    seeds = list(event.get("seeds") or [])
    epochs = event.get("epochs") or 1
    x = float(event.get("fraction", 0.0)) * epochs
    loss = event.get("loss") or [np.nan] * len(seeds)
    acc = event.get("accuracy") or [np.nan] * len(seeds)
    return pd.DataFrame({"epoch": [x] * len(seeds), "seed": [int(s) for s in seeds],
                         "loss": [float(v) for v in loss], "accuracy": [float(v) for v in acc]})


def _seed_colour(seed: int) -> str:
    return SEED_COLOURS[int(seed) % len(SEED_COLOURS)]


def _lines(df, ydim):
    """One line per seed in its own colour, plus the ensemble mean as a thick line in the theme's ink
    (black; light grey on the dark theme), drawn while every seed has a value.

    One Curve per seed (not a Path coloured by a seed column: HoloViews splits such a path into two-point
    segments, hundreds of tiny glyph buffers per live update).
    """
    df = df.dropna(subset=[ydim.name]).sort_values("epoch")
    lines = []
    for seed, d in df.groupby("seed"):
        c = _seed_colour(seed)
        curve = hv.Curve((d["epoch"].to_numpy(float), d[ydim.name].to_numpy(float)), kdims=[EPOCH], vdims=[ydim],
                         label=f"seed {seed}")
        lines.append(style_element(curve, bokeh=dict(color=c, line_width=1.5, alpha=0.7, tools=["hover"],
                                                     show_legend=False),
                                   mpl=dict(color=c, linewidth=1, alpha=0.7)))
    # the mean of every seed, while every seed has a value: after a seed stopped at its accuracy criterion (its
    # curve ends there) a mean of the others would jump and stand for fewer networks than it says
    seeds = df["seed"].nunique()
    by_epoch = df.groupby("epoch")[ydim.name]
    mean = by_epoch.mean()[by_epoch.count() == seeds]
    curve = hv.Curve((mean.index.to_numpy(), mean.to_numpy()), kdims=[EPOCH], vdims=[ydim],
                     label="mean over seeds")
    curve = style_element(curve, bokeh=dict(color=ink(), line_width=2.5), mpl=dict(color="black", linewidth=2))
    return hv.Overlay([*lines, curve])


def loss_curves(df: pd.DataFrame, title: str = "Training loss per seed"):
    """Training loss (cross-entropy summed over target heads) against epochs trained."""
    df = empty_frame() if df is None else df
    return figure(_lines(df, LOSS), title, legend_position="top_right", framewise=True,
                  bokeh=dict(height=280, hooks=[whole_x]), mpl=dict(hooks=[whole_x]))


def accuracy_curves(df: pd.DataFrame, title: str = "Test accuracy per seed"):
    """Global-task test accuracy after each epoch; the dotted line is chance (0.1)."""
    df = empty_frame() if df is None else df
    chance = style_element(hv.HLine(CHANCE), bokeh=dict(color="#999999", line_dash="dotted"),
                           mpl=dict(color="#999999", linestyle="dotted"))
    return figure(_lines(df, ACC) * chance, title, ylim=(0, 1.02), legend_position="bottom_right",
                  framewise=True,
                  bokeh=dict(height=280, hooks=[whole_x]), mpl=dict(hooks=[whole_x]))
