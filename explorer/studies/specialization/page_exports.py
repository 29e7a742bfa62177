"""The specialization page's Export card (:class:`explorer.ui.exports.Exports`): its figures of the result on
screen, and the F-against-p overview and heatmap, which are drawn from the page's overview state."""
from __future__ import annotations

from ...ui.exports import Exports
from ...views import accuracy_curves, loss_curves, training_frame
from .views import module_specialization_over_time, specialization_over_time
from .views_connectivity import result_connectivity
from .views_overview import f_vs_structure, heatmap

FIGURES = {
    "specialization over time": "specialization",
    "per-module specialization": "modules",
    "training loss": "loss",
    "test accuracy": "accuracy",
    "connectivity": "connectivity",
    "F against p / Q": "overview",
    "heatmap": "heatmap",
}


def exports(state, on_error, caption=lambda which: None) -> Exports:
    """``state()`` returns what is on screen: {"result", "metrics", "seed_index", "overview", "options"};
    ``caption(which)``, the line under that figure (:func:`explorer.ui.exports.caption_for`)."""

    def build(which):
        s = state()
        r = s["result"]
        if which in ("overview", "heatmap"):
            o, data = s["options"], s["overview"]
            if data is None:
                return None
            if which == "overview":
                cfg = data["config"]
                return lambda: f_vs_structure(data["line"], o.against, s["metrics"],
                                              current=cfg.p if o.against == "p" else cfg.Q)
            return lambda: heatmap(data["grid"], o.heat_x, o.heat_y, o.heat_metric)
        if r is None:
            return None
        return {
            "specialization": lambda: specialization_over_time(r.data, s["metrics"]),
            "modules": lambda: module_specialization_over_time(r.data, s["metrics"]),
            "loss": lambda: loss_curves(training_frame(r.data)),
            "accuracy": lambda: accuracy_curves(training_frame(r.data)),
            "connectivity": lambda: result_connectivity(r, s["seed_index"]),
        }[which]

    return Exports("specialization", FIGURES, build, lambda: state()["result"], on_error, caption=caption)
