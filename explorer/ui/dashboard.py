"""The live specialization dashboard: a thin ``pn.viewable.Viewer`` over the experiment's parameters.

Moving a control changes the :class:`SpecializationExperiment`; each change asks the store for that
setting in a background job (loading it when seen before, training it live otherwise) and cancels the stale
job. Plots receive data through HoloViews streams. The settings live in the URL (``pn.state.location``),
``?classroom=...`` hides controls, and bad values meet one sentence in an alert.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from functools import partial

import numpy as np
import panel as pn
import param

from ..config import METRICS
from ..experiments import ADVANCED, GROUPS, SpecializationExperiment, cells
from ..views.style import METRIC_LABELS
from . import freeze, texts
from .compat import look, titled
from .controls import Controls
from .exporting import Exports
from .figures import DisplayOptions, Figures
from .live import TRAINING_SLOTS, LiveJob, wait_for_slot, warm_up
from .overview import Overview, OverviewOptions, gather

#: The app's opening setting: the papers' structure (n = 25, separate pathways, a 5-neuron bottleneck), trained
#: until every network reaches 90 % test accuracy (so settings are compared at equal skill, SCIENCE-NOTES §6),
#: with 3 seeds so that a new setting trains and is measured in about 15 s on two cores.
APP_DEFAULTS = {"n": 25, "p": 0.1, "seeds": 3, "epochs": 40, "until_accuracy": 0.9, "pairs_per_epoch": 4096}
#: Words that keep their case at the start of a message (dataset names).
_AS_IS = ("mnist", "emnist-letters", "digits")
#: Seconds between redraws of the live training curves (progress arrives several times a second).
UPDATE_INTERVAL = 1.5
SETTINGS = [name for group in GROUPS.values() for name in group]

freeze.apply()  # streamed plot updates without a whole-document walk each (see explorer/ui/freeze.py)


def app_defaults() -> dict:
    """:data:`APP_DEFAULTS`, updated from ``$EXPLORER_APP_DEFAULTS`` (a JSON object; tests use it)."""
    extra = os.environ.get("EXPLORER_APP_DEFAULTS")
    return {**APP_DEFAULTS, **(json.loads(extra) if extra else {})}


class Dashboard(pn.viewable.Viewer):
    """Watch functional specialization respond to structure, live (papers 000 and 001)."""

    experiment = param.ClassSelector(class_=SpecializationExperiment)
    display = param.ClassSelector(class_=DisplayOptions)
    overview_options = param.ClassSelector(class_=OverviewOptions)
    title = param.String("Modular specialization explorer")

    def __init__(self, experiment=None, store=None, defaults=None, url: bool = True, **params):
        super().__init__(experiment=experiment or SpecializationExperiment(store=store),
                         display=DisplayOptions(), overview_options=OverviewOptions(), **params)
        warm_up()
        self.job = LiveJob()
        self.result = None
        self._trained_rows = False
        self._pending: list = []  # progress events not drawn yet
        self._last_draw = 0.0
        errors = self.experiment.apply(**(app_defaults() if defaults is None else defaults))
        hidden, url_errors = self._from_url() if url else ((), {})
        errors.update(url_errors)
        self.alert = pn.pane.Alert("", alert_type="danger", visible=False, sizing_mode="stretch_width",
                                   css_classes=["run-alert"])
        # a StaticText, not a Markdown pane: updating a pane re-sends its stylesheets, which makes Bokeh re-walk
        # the whole document (≈ 0.3 s here) on every progress report
        self.status = pn.widgets.StaticText(value="", sizing_mode="stretch_width", margin=(5, 10),
                                            css_classes=["run-status"])
        self.progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width",
                                               bar_color="primary", height=18)
        self.cancel_button = pn.widgets.Button(**titled("Cancel"), **look("warning"), visible=False, width=100)
        self.run_button = pn.widgets.Button(**titled("Run"), **look("primary"), visible=False, width=100)
        self.cancel_button.on_click(lambda e: self._cancel())
        self.run_button.on_click(lambda e: self.request())
        self.controls = Controls(self.experiment, self._show_errors)
        self.figures = Figures(self.display, defer=self.job.later)
        self.overview = Overview(self.overview_options, self.display, self._compute_missing, self._refresh_overview)
        self.exports = Exports(self._state, lambda msg: self._show_errors({"export": msg}))
        self.experiment.param.watch(lambda e: self.request(), SETTINGS)
        self.job.param.watch(self._job_failed, ["error"])
        self._layout = self._build(hidden)
        self._show_errors(errors)
        pn.state.onload(self._loaded)

    # ------------------------------------------------------------------ URL and classroom
    def _from_url(self):
        loc = pn.state.location
        doc = pn.state.curdoc
        if loc is None or doc is None or doc.session_context is None:
            return (), {}
        query = dict(loc.query_params)
        classroom = query.pop("classroom", None)
        errors = self.experiment.apply(**{k: v for k, v in query.items() if k in SETTINGS})
        for obj in (self.display, self.overview_options):
            for k in [k for k in query if k in obj.param and k != "name"]:
                try:
                    setattr(obj, k, query[k])
                except Exception:  # noqa: BLE001 — a bad view option in a link is ignored with a note
                    errors[k] = f"the link's {k}={query[k]!r} is not a valid view option; it was ignored."
        self._synced = [(self.experiment, SETTINGS), (self.display, ["metrics", "per_module", "seed_index"]),
                        (self.overview_options, ["against", "heat_x", "heat_y", "heat_metric"])]
        for obj, names in self._synced:
            loc.sync(obj, names, on_error=lambda bad: None)
        return self._hidden(classroom), errors

    def _loaded(self):
        """Once the page is up: write the whole state into its URL, then show the setting."""
        loc = pn.state.location
        if loc is not None and getattr(self, "_synced", None):
            query = {}
            for obj, names in self._synced:
                for name in names:
                    value = getattr(obj, name)
                    if value is not None:
                        value = obj.param[name].serialize(value)
                        query[name] = value if isinstance(value, str) else json.dumps(value)
            loc.update_query(**query)
        self.request()

    @staticmethod
    def _hidden(classroom) -> tuple:
        """``?classroom=1`` hides the advanced controls; ``?classroom=lr,epochs`` hides the ones named."""
        if classroom in (None, "", False, 0, "0", "false"):
            return ()
        if classroom in (True, 1, "1", "true", "yes", "advanced"):
            return tuple(ADVANCED)
        names = classroom if isinstance(classroom, list) else str(classroom).split(",")
        names = [n.strip() for n in names]
        return tuple(ADVANCED if "advanced" in names else ()) + tuple(n for n in names if n in SETTINGS)

    # ------------------------------------------------------------------ messages
    def _show_errors(self, errors: dict, heading: str = "Not applied"):
        """One alert for what was refused (or why the run failed); hidden when all is well."""
        problem = self.experiment.problem()
        sentences = list(dict.fromkeys(list(errors.values()) + ([problem] if problem else [])))
        if not sentences and self.job.error:   # a failed run stays said until the next run starts
            sentences, heading = [self.job.error], "The run did not finish"
        if sentences:
            text = " ".join(s[:1].upper() + s[1:] if s[:1].islower() and s.split()[0] not in _AS_IS else s
                            for s in sentences)
            self.alert.param.update(object=f"**{heading}:** {text}", visible=True)
        else:
            self.alert.visible = False

    def _state(self) -> dict:
        return {"result": self.result, "metrics": list(self.display.metrics) or None,
                "seed_index": self.display.seed_index, "overview": self.overview.data,
                "options": self.overview_options}

    # ------------------------------------------------------------------ running
    def request(self):
        """Show the current setting: from the store when seen before, else train it (cancelling any stale job)."""
        problem = self.experiment.problem()
        if problem:
            self.job.cancel()
            self._show_errors({})
            return
        config = self.experiment.config()
        self._trained_rows, self._pending = False, []
        self.exports.set_key(config.key()[:10])
        t0 = time.perf_counter()
        remembered = cells.recall(self.experiment.store, config)
        if remembered is not None:  # used recently in this server: no thread, no disk
            self.job.cancel()
            self._running_ui(False)
            self._show_result(dataclasses.replace(remembered, cached=True), time.perf_counter() - t0)
            self._refresh_overview()
            return
        self.job.submit(partial(self._work, config), on_event=self._on_event, on_done=self._on_done,
                        label="looking in the store")
        self._running_ui(True, "Looking for this setting in the store …", 0)

    def _work(self, config, report, cancel):
        """Worker thread: load ``config`` from the store or train it; returns (result, seconds)."""
        from ..train import Cancelled

        t0 = time.perf_counter()
        store = self.experiment.store
        if not store.has(config):
            report({"stage": "queued"})
            if not wait_for_slot(cancel):
                raise Cancelled("cancelled while waiting")
            try:
                result = cells.get_or_run(store, config, on_progress=report, cancel=cancel)
            finally:
                TRAINING_SLOTS.release()
        else:
            result = cells.get_or_run(store, config)
        return result, time.perf_counter() - t0

    def _on_event(self, event):
        stage = event.get("stage")
        if stage == "queued":
            self._running_ui(True, "Waiting for another session's training to finish …", 0)
        elif stage == "train":
            if not self._trained_rows:
                self.figures.start_training()
                self._trained_rows = True
                self._last_draw = 0.0
            self._pending.append(event)
            # draw at most every UPDATE_INTERVAL s: each redraw costs the training thread CPU time
            if time.perf_counter() - self._last_draw >= UPDATE_INTERVAL:
                self._draw_progress()
        elif stage == "metrics":
            self._draw_progress()
            what = event.get("metric") or "specialization"
            self._running_ui(True, f"Measuring specialization ({what}) …", 75 + 25 * (event.get("fraction") or 0))

    def _draw_progress(self):
        if not self._pending:
            return
        events, self._pending = self._pending, []
        self._last_draw = time.perf_counter()
        self.figures.progress(events)
        event = events[-1]
        loss = np.nanmean(event["loss"]) if event.get("loss") else float("nan")
        acc = next((e["accuracy"] for e in reversed(events) if e.get("accuracy")), None)
        acc = f" · test accuracy {np.mean(acc):.2f}" if acc else ""
        epoch = min(int(event.get("fraction", 0) * event["epochs"]) + 1, event["epochs"])
        self._running_ui(True, f"Training {len(event['seeds'])} networks as one ensemble · epoch {epoch} of "
                               f"{event['epochs']} · loss {loss:.3f}{acc}", 75 * event.get("fraction", 0))

    def _show_result(self, result, seconds):
        self.result = result
        self.figures.show(result)
        where = "loaded from the store" if result.cached else "trained and measured, now stored"
        cfg = result.config
        acc = result.data["accuracy"].values
        self.status.value = (f"<b>p = {cfg.p:.3g}, n = {cfg.n}, {len(cfg.seeds)} seeds</b> — {where} in "
                              f"{seconds:.2f} s · test accuracy {acc.mean():.2f} ± {acc.std():.2f}")
        self.progress.visible = False
        self.cancel_button.visible = False

    def _on_done(self, value):
        result, seconds = value
        self._running_ui(False)
        self._show_result(result, seconds)
        self._refresh_overview()

    def _running_ui(self, running: bool, text: str | None = None, percent: float = 0):
        self.progress.param.update(visible=running, value=int(min(max(percent, 0), 100)))
        self.cancel_button.visible = running
        self.run_button.visible = False
        if text is not None:
            self.status.value = text

    def _job_failed(self, event):
        if event.new:
            self._running_ui(False, "The last run did not finish; see the message above.")
            self._show_errors({})

    def _cancel(self):
        self.job.cancel()
        self._running_ui(False, "Cancelled. Nothing was stored for this setting; press <b>Run</b> to train it.")
        self.run_button.visible = True

    def _refresh_overview(self):
        """Re-read the neighbouring cells from the store off the event loop; the newest request wins."""
        if self.experiment.problem():
            return
        config, store = self.experiment.config(), self.experiment.store
        self._overview_seq = seq = getattr(self, "_overview_seq", 0) + 1

        def show(data):
            if seq == self._overview_seq:
                self.overview.show(data)

        self.job.background(lambda: gather(store, config, self.overview_options), show)

    def _compute_missing(self, missing):
        if not missing:
            return
        store = self.experiment.store
        config = self.experiment.config()

        def work(report, cancel):
            from ..train import Cancelled

            t0 = time.perf_counter()
            report({"stage": "queued"})
            if not wait_for_slot(cancel):
                raise Cancelled("cancelled while waiting")
            try:
                cells.compute(store, missing, on_progress=report, cancel=cancel)
            finally:
                TRAINING_SLOTS.release()
            return cells.get_or_run(store, config), time.perf_counter() - t0

        self._trained_rows = False
        self.job.submit(work, on_event=self._on_event, on_done=self._on_done, label="computing missing cells")
        self._running_ui(True, f"Computing {len(missing)} missing cells as one sweep …", 0)

    # ------------------------------------------------------------------ layout
    def _card(self, title, body, text, name, **kw):
        info = pn.pane.Markdown(text, width=270, styles={"font-size": "0.92em", "color": "#333"})
        return pn.Card(pn.Row(body, info, sizing_mode="stretch_width"), title=title, sizing_mode="stretch_width",
                       margin=(8, 4), css_classes=[f"card-{name}"], **kw)

    def _build(self, hidden):
        d = self.display
        view_controls = pn.Row(
            pn.widgets.CheckButtonGroup.from_param(d.param.metrics, **look("primary", "outline"),
                                                   options={METRIC_LABELS[m]: m for m in METRICS}),
            pn.widgets.Toggle.from_param(d.param.per_module, **look("primary", "outline"), width=160),
            sizing_mode="stretch_width")
        seed = pn.widgets.IntSlider.from_param(d.param.seed_index, width=260)
        self.sidebar = pn.Column(
            pn.pane.Markdown(texts.INTRO, sizing_mode="stretch_width"),
            *([pn.pane.Markdown(f"*{texts.CLASSROOM}*")] if hidden else []),
            self.controls.panel(hidden),
            pn.Card(self.exports.panel(), title="Export", collapsed=True, sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
        status = pn.Row(self.status, self.progress, self.cancel_button, self.run_button, sizing_mode="stretch_width")
        self.main = pn.Column(
            self.alert, status,
            self._card("Specialization over time",
                       pn.Column(view_controls, self.figures.specialization, self.figures.mask_note,
                                 self.figures.modules, sizing_mode="stretch_width"),
                       texts.SPECIALIZATION + "\n" + texts.MODULES, "specialization"),
            self._card("Training", pn.Row(self.figures.loss, self.figures.accuracy, sizing_mode="stretch_width"),
                       texts.TRAINING, "training"),
            self._card("Connectivity", pn.Column(seed, self.figures.connectivity, sizing_mode="stretch_width"),
                       texts.CONNECTIVITY, "connectivity"),
            self._card("Structure → function",
                       pn.Row(pn.Column(self.overview.line, self.overview.grid, sizing_mode="stretch_width"),
                              pn.Column(self.overview.widgets, width=240), sizing_mode="stretch_width"),
                       texts.OVERVIEW, "overview"),
            sizing_mode="stretch_width")
        return pn.Row(pn.Column(self.sidebar, width=340), self.main, sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    def template(self):
        """The dashboard in a Panel template: controls in the sidebar, views in the main area."""
        return pn.template.FastListTemplate(title=self.title, sidebar=[self.sidebar], main=[self.main],
                                            sidebar_width=360, accent="#1f77b4", main_layout=None)

    def servable(self, title: str | None = None, **kwargs):
        """Serve inside the template (``panel serve``); in a notebook, show the plain layout instead."""
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            return self.template().servable(title=title or self.title, **kwargs)
        return self._layout.servable(title=title or self.title, **kwargs)
