"""The specialization page's plots, fed by HoloViews streams so that new data updates them in place.

A ``Pipe`` carries the current Result to the specialization, per-module and connectivity plots; a ``Buffer``
carries training curves, one row per seed and progress report, while the ensemble trains (and the stored
curves once a result arrives). The plots are created once (per choice of metrics) and only receive data.
"""
from __future__ import annotations

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (register the renderer before any view is styled)
from holoviews.core.util import disable_constant
import pandas as pd
import panel as pn
import param

from ...ui.redraw import CANCELLED, framewise, waiting_line, with_mark
from ...views import accuracy_curves, loss_curves, progress_rows, training_frame
from ...views.training import empty_frame
from .config import METRICS
from .views import mask_accuracy_note, module_specialization_over_time, specialization_over_time
from .views_connectivity import result_connectivity


class DisplayOptions(param.Parameterized):
    """What the figures show (kept in the URL with the experiment's settings)."""

    metrics = param.ListSelector(default=list(METRICS), objects=list(METRICS), label="metrics",
                                 doc="Specialization metrics drawn (Béna & Goodman 2023a, §2.4; 2023b, §3).")
    per_module = param.Boolean(False, label="per-module Fᵐ",
                               doc="Also show each module's own measure Fᵐ = M(m, 0) − M(m, 1).")
    seed_index = param.Integer(0, bounds=(0, 63), label="network (seed)",
                               doc="Which network of the ensemble the connectivity view shows.")


#: Put above every plot title while the plots show a result that is not the sidebar's setting (after a cancel).
STALE = CANCELLED


class PlotState(param.Parameterized):
    """Whether the plots are stale (page state, not kept in the URL)."""

    stale = param.Boolean(False)


def _titled(obj, stale: bool):
    """``obj`` with :data:`STALE` above its title when ``stale`` (a shallow clone; the original is kept)."""
    return with_mark(obj, STALE if stale else "")


class Figures:
    """Streams and panes of the live plots."""

    def __init__(self, options: DisplayOptions, defer=None):
        self.options = options
        self._defer = defer or (lambda callback: callback())  #: run a callback a little later on the loop
        self.result = hv.streams.Pipe(data=None)
        self.details = hv.streams.Pipe(data=None)  #: the same Result, a little later, for the secondary plots
        self.curves = hv.streams.Buffer(empty_frame(), length=200_000, index=False)
        self.state = PlotState()
        stale = hv.streams.Params(self.state, ["stale"])
        self.specialization = pn.Column(waiting_line("The specialization curves appear when the first run is "
                                                 "measured."), sizing_mode="stretch_width")
        self.modules = pn.Column(sizing_mode="stretch_width", visible=options.per_module)
        self.mask_note = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10),
                                          styles={"font-size": "0.92em", "opacity": "0.85"},
                                          css_classes=["mask-accuracy"], visible="weight_mask" in options.metrics)
        self.connectivity = pn.Column(waiting_line("The weight matrix appears with the first result."),
                                      sizing_mode="stretch_width")
        self.loss = pn.pane.HoloViews(hv.DynamicMap(lambda data, stale: _titled(loss_curves(data), stale),
                                                    streams=[self.curves, stale]),
                                      sizing_mode="stretch_width", linked_axes=False)
        self.accuracy = pn.pane.HoloViews(hv.DynamicMap(lambda data, stale: _titled(accuracy_curves(data), stale),
                                                        streams=[self.curves, stale]),
                                          sizing_mode="stretch_width", linked_axes=False)
        self._built = False
        self._drawn: dict = {}
        options.param.watch(self._metrics_changed, ["metrics"])
        options.param.watch(self._modules_shown, ["per_module"])

    # ------------------------------------------------------------------ builders (once per metric choice)
    def _spec_dmap(self, which):
        metrics = list(self.options.metrics) or list(METRICS)
        view = specialization_over_time if which == "global" else module_specialization_over_time

        def draw(data, stale):  # a revisited Result is drawn from memory (building the overlay costs ~0.1 s)
            key = (id(data.data), which, tuple(metrics))
            if key not in self._drawn:
                self._drawn[key] = (data, framewise(view(data.data, metrics)))  # holds data: the id stays unique
                while len(self._drawn) > 16:
                    self._drawn.pop(next(iter(self._drawn)))
            return _titled(self._drawn[key][1], stale)

        return hv.DynamicMap(draw, streams=[self.result, hv.streams.Params(self.state, ["stale"])])

    def _conn_dmap(self):
        seed = hv.streams.Params(self.options, ["seed_index"])
        # framewise: a new module size's matrix sets its own extent (the browser kept the first one's frame)
        return hv.DynamicMap(lambda data, seed_index, stale: _titled(framewise(result_connectivity(data, seed_index)),
                                                                     stale),
                             streams=[self.details, seed, hv.streams.Params(self.state, ["stale"])])

    def _build(self):
        self.specialization.objects = [pn.pane.HoloViews(self._spec_dmap("global"), sizing_mode="stretch_width",
                                                         linked_axes=False)]
        self.connectivity.objects = [pn.pane.HoloViews(self._conn_dmap(), linked_axes=False)]  # fixed size
        self._built = True
        self._modules_shown()

    def _modules_shown(self, *events):
        """The per-module plot exists only while it is shown (a hidden plot would still be redrawn)."""
        self.modules.visible = self.options.per_module
        if self.options.per_module and self._built:
            self.modules.objects = [pn.pane.HoloViews(self._spec_dmap("modules"), sizing_mode="stretch_width",
                                                      linked_axes=False)]
        else:
            self.modules.objects = []

    def _metrics_changed(self, event):
        self.mask_note.visible = "weight_mask" in self.options.metrics   # a note on a curve not drawn: hidden
        if self._built:
            self.specialization[0].object = self._spec_dmap("global")
            self._modules_shown()

    # ------------------------------------------------------------------ data in (event loop only)
    def mark_stale(self, stale: bool):
        """Mark every plot's title as stale (after a cancel), or clear the mark without a redraw of its own
        (a new result is about to be sent, and its redraw reads the cleared flag)."""
        if stale:
            self.state.stale = True
            if self.result.data is not None:   # the cancelled run's live curves go: the shown result's come back
                self._replace_curves(training_frame(self.result.data.data))
        else:
            with param.discard_events(self.state):
                self.state.stale = False

    def show(self, result):
        """Send a finished Result to every plot."""
        seeds = result.data.sizes.get("seed", 1)
        if self.options.seed_index >= seeds:
            self.options.seed_index = 0
        self.options.param.seed_index.bounds = (0, max(seeds - 1, 0))
        first = not self._built
        self.result.event(data=result)
        if first:
            self.details.event(data=result)
            self.mask_note.object = mask_accuracy_note(result.data)
            self._build()
            self._replace_curves(training_frame(result.data))
            return
        # the specialization plot goes out first; connectivity and training curves follow a little later
        self._defer(lambda: self.details.event(data=result) if self.result.data is result else None)
        self._defer(lambda: setattr(self.mask_note, "object", mask_accuracy_note(result.data))
                    if self.result.data is result else None)
        self._defer(lambda: self._replace_curves(training_frame(result.data)) if self.result.data is result else None)

    def _replace_curves(self, frame):
        """Swap the buffer's contents in one redraw (``Buffer.clear`` then ``send`` would draw twice)."""
        with disable_constant(self.curves):
            self.curves.data = self.curves.data.iloc[:0]
        self.curves.send(frame)

    def start_training(self):
        """A new run starts: empty the training curves."""
        self.curves.clear()

    def progress(self, events):
        """Stream runner progress events (``stage == "train"``) into the training curves, in one redraw."""
        rows = [progress_rows(e) for e in events if e.get("stage") == "train" and e.get("seeds")]
        if rows:
            self.curves.send(pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0])
