"""Download buttons: the current figures as PNG / SVG and the current result as netCDF / CSV."""
from __future__ import annotations

import io

import panel as pn

from ...store.entry import NETCDF_LOCK
from ...ui.cards import while_open
from ...views import accuracy_curves, export, loss_curves, training_frame
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


class Exports:
    """``state()`` returns what is on screen: {"result", "metrics", "seed_index", "overview", "options"}."""

    def __init__(self, state, on_error):
        self.state, self.on_error = state, on_error
        self.figure = pn.widgets.Select(label="figure", options=FIGURES, value="specialization",
                                        sizing_mode="stretch_width")
        self.png = pn.widgets.FileDownload(callback=lambda: self._figure("png"), filename="specialization.png",
                                           label="Figure as PNG", color="light", sizing_mode="stretch_width")
        self.svg = pn.widgets.FileDownload(callback=lambda: self._figure("svg"), filename="specialization.svg",
                                           label="Figure as SVG", color="light", sizing_mode="stretch_width")
        self.netcdf = pn.widgets.FileDownload(callback=self._netcdf, filename="result.nc",
                                              label="Result as netCDF", color="light",
                                              sizing_mode="stretch_width")
        self.csv = pn.widgets.FileDownload(callback=self._csv, filename="result.csv", label="Result as CSV",
                                           color="light", sizing_mode="stretch_width")
        self.card = pn.Card(self.panel(), title="Export", collapsed=True, sizing_mode="stretch_width")
        self._refresh = while_open(self.card, self._names)
        self.figure.param.watch(lambda e: self._names(), "value")
        if not export.matplotlib_available():
            for w in (self.png, self.svg):
                w.disabled = True
                w.label += " (needs matplotlib)"

    def set_key(self, key: str):
        """Name the files after the run's key so downloads of different settings do not collide (while the
        card is open; a closed card is named when it opens)."""
        self._key = key
        self._refresh()

    def _names(self):
        key = getattr(self, "_key", "result")
        self.png.filename = f"{self.figure.value}-{key}.png"
        self.svg.filename = f"{self.figure.value}-{key}.svg"
        self.netcdf.filename = f"specialization-{key}.nc"
        self.csv.filename = f"specialization-{key}.csv"

    def _builder(self):
        s = self.state()
        r, which = s["result"], self.figure.value
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

    def _figure(self, fmt):
        build = self._builder()
        if build is None:
            self.on_error("there is no result to export yet; wait for the run to finish.")
            return None
        try:
            return io.BytesIO(export.figure_bytes(build, fmt))
        except Exception as e:  # noqa: BLE001 — an export problem is a message, not a crash
            self.on_error(f"the figure could not be exported: {e}")
            return None

    def _netcdf(self):
        r = self.state()["result"]
        if r is None:
            self.on_error("there is no result to export yet; wait for the run to finish.")
            return None
        return io.BytesIO(export.netcdf_bytes(r.data, lock=NETCDF_LOCK))

    def _csv(self):
        r = self.state()["result"]
        if r is None:
            self.on_error("there is no result to export yet; wait for the run to finish.")
            return None
        return io.StringIO(export.csv_text(r.data))

    def panel(self):
        return pn.Column(self.figure, pn.Row(self.png, self.svg), pn.Row(self.netcdf, self.csv),
                         sizing_mode="stretch_width")
