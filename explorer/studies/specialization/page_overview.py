"""The structure → function card: F against p or Q, a heatmap over two parameters, and a button that
computes the cells still missing from the store (Béna & Goodman 2023b, Fig. 2, and 2023a, Fig. 3)."""
from __future__ import annotations

import os
import threading

import pandas as pd
import panel as pn
import param

from ...core.progress import plural
from . import cells
from .config import METRICS, METRIC_LABELS
from .views_overview import cells_frame, f_vs_structure, heatmap, not_computed


class OverviewOptions(param.Parameterized):
    """Axes of the overview (kept in the URL)."""

    against = param.Selector(objects=["p", "Q"], default="p", label="F against",
                             doc="Sparsity p on a log axis, or the modularity Q = (1−p)/(2(1+p)).")
    heat_x = param.Selector(objects=list(cells.AXES), default="p", label="heatmap x")
    heat_y = param.Selector(objects=list(cells.AXES), default="n", label="heatmap y")
    heat_metric = param.Selector(objects=list(METRICS), default="bottleneck", label="heatmap metric")


_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def _store_version(store) -> int:
    """Changes whenever an entry enters or leaves the store (a rename in its runs/ folder)."""
    try:
        return os.stat(store.runs).st_mtime_ns
    except OSError:
        return 0


def gather(store, config, options: OverviewOptions) -> dict:
    """The stored neighbours of ``config`` (runs in a worker thread: it reads the store).

    Cached until the store changes: moving p between stored settings does not re-read anything.
    """
    axes = (options.heat_x, options.heat_y)
    key = (str(store.root), _store_version(store), config.replace(p=1.0).key(), axes, config.p)
    with _CACHE_LOCK:
        hit = _CACHE.get(key[:4])
    if hit is not None and config.p in hit["line_ps"]:
        return {**hit, "config": config}
    line = cells.neighbours(config, {"p": cells.axis_values(config, "p", store)})
    grid_axes = {options.heat_x: cells.axis_values(config, options.heat_x, store)}
    if options.heat_y != options.heat_x:
        grid_axes[options.heat_y] = cells.axis_values(config, options.heat_y, store)
    grid = cells.neighbours(config, grid_axes)
    found_line, missing_line = cells.stored(store, line)
    found_grid, missing_grid = cells.stored(store, grid)
    missing = list({c.key(): c for _, c in missing_line + missing_grid}.values())
    grid_frame = cells_frame(found_grid)
    if missing_grid:   # drawn blank, so that a row or column nothing of which is stored still shows
        grid_frame = pd.concat([grid_frame, not_computed([c for _, c in missing_grid])], ignore_index=True)
    data = {"line": cells_frame(found_line), "grid": grid_frame, "missing": missing,
            "line_ps": {c.p for _, c in line}}
    with _CACHE_LOCK:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key[:4]] = data
    return {**data, "config": config}


class Overview:
    """Panes of the overview card; ``show(gathered)`` redraws them (event loop only).

    The cells of the line plot are drawn once per stored neighbourhood. The red marker of the setting on
    screen is a Bokeh ``Span`` added by a plot hook, so moving p between stored settings changes one number
    in the browser instead of re-rendering the overlay (which walked the whole document: ~90 ms of server
    time per slider move). The plot is rebuilt when what it draws changes (axis, metrics, cells appearing).
    """

    def __init__(self, options: OverviewOptions, display, on_compute, on_axes):
        self.options, self.display = options, display
        self.data = None
        self._drawn = None   #: (id of the line frame, axis, metrics) the line plot shows
        self._frame = None
        self.marker_at = None   #: where the marker of the setting on screen is (p or Q)
        self._spans: list = []   #: its Bokeh Span in every rendering of the line plot
        self._grid_frame = None
        self.line = pn.pane.HoloViews(None, sizing_mode="stretch_width", linked_axes=False)
        self.grid = pn.pane.HoloViews(None, sizing_mode="stretch_width", linked_axes=False)
        self.compute = pn.widgets.Button(label="Compute missing cells", color="primary", disabled=True,
                                         sizing_mode="stretch_width")
        self.note = pn.widgets.StaticText(value="", sizing_mode="stretch_width", styles={"font-size": "0.9em"})
        self.compute.on_click(lambda e: on_compute(self.data["missing"] if self.data else []))
        options.param.watch(lambda e: self._redraw(force=True), ["against"])
        display.param.watch(lambda e: self._redraw(force=True), ["metrics"])
        options.param.watch(lambda e: on_axes(), ["heat_x", "heat_y"])
        options.param.watch(lambda e: self._redraw(force=True), ["heat_metric"])
        self.widgets = pn.Column(
            pn.widgets.RadioButtonGroup.from_param(options.param.against, color="default", variant="outline"),
            pn.widgets.Select.from_param(options.param.heat_x),
            pn.widgets.Select.from_param(options.param.heat_y),
            pn.widgets.Select.from_param(options.param.heat_metric,
                                         options={METRIC_LABELS[m]: m for m in METRICS}),
            self.compute, self.note, sizing_mode="stretch_width")

    def show(self, data: dict):
        """Draw the gathered neighbourhood; ``self.data`` is set once everything shows it."""
        k = len(data["missing"])
        seeds = sum(len(c.seeds) for c in data["missing"])
        self.compute.label = (f"Compute {plural(k, 'missing cell')}" if k else "All cells computed")
        self.compute.disabled = k == 0
        self.note.value = (f"{plural(k, 'cell')} ({seeds} networks) of this grid are not in the "
                            "store yet." if k else "Every cell of this grid is in the store.")
        self._redraw(data=data)
        self.data = data

    def _current(self, data):
        cfg = data["config"]
        return cfg.p if self.options.against == "p" else cfg.Q

    def _redraw(self, force=False, data=None):
        data = data or self.data
        if data is None:
            return
        frame, o = data["line"], self.options
        drawn = (id(frame), o.against, tuple(self.display.metrics))
        self.marker_at = self._current(data)
        if force or drawn != self._drawn:
            self._drawn, self._frame = drawn, frame   # the frame is held so that its id stays unique
            self._spans = []
            line = f_vs_structure(frame, o.against, list(self.display.metrics) or None)
            self.line.object = line if frame.empty else line.opts(hooks=[self._add_marker], backend="bokeh")
        else:
            for span in self._spans:
                span.location = self.marker_at
        if force or data["grid"] is not self._grid_frame:
            self._grid_frame = data["grid"]
            self.grid.object = heatmap(data["grid"], o.heat_x, o.heat_y, o.heat_metric)

    def _add_marker(self, plot, element):
        """Plot hook: the marker as a Bokeh Span that later moves by one property change."""
        if getattr(plot, "_explorer_marker", None) is None:
            from bokeh.models import Span

            plot._explorer_marker = span = Span(location=self.marker_at, dimension="height", line_color="#d62728",
                                                line_dash="dotdash", line_width=1.5)
            plot.state.add_layout(span)
            self._spans.append(span)
