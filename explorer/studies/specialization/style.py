"""The specialization study's look: the papers' metric names and colours, its labelled dimensions."""
from __future__ import annotations

import holoviews as hv

from ...views.style import (ACC, BOKEH_FIG, EPOCH, MPL_FIG, SEED_COLOURS, T, backends, config_of,  # noqa: F401
                            figure, ink, placeholder, style, style_element)
from .config import METRICS
METRIC_COLORS = {"bottleneck": "#1f77b4", "ablation": "#ff7f0e", "correlation": "#2ca02c",
                 "weight_mask": "#9467bd"}
MODULE_DASH = {0: "solid", 1: "dashed"}
F = hv.Dimension("F", label="global specialization F", range=(0, 1))
F_SD = hv.Dimension("F_sd", label="sd over seeds")
FM = hv.Dimension("Fm", label="module specialization Fᵐ", range=(-1, 1))


def metrics_of(ds, metrics=None) -> list[str]:
    """The requested metrics that the dataset holds, in the papers' order."""
    have = [str(m) for m in ds.metric.values] if "metric" in ds.coords else list(METRICS)
    wanted = list(METRICS) if metrics is None else [m for m in METRICS if m in metrics]
    return [m for m in wanted if m in have]
