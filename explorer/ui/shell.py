"""The app shell every study page stands on: a thin ``pn.viewable.Viewer`` over the study's experiment.

It owns what every page shares — the sidebar built from the experiment's parameters (:mod:`.sidebar`), URL
state and ``?classroom=`` links (:mod:`.url`), one alert for refused values (plain text, never markup), a status
line, a progress bar, Cancel / Run, the server's training slot and the session's background job
(:mod:`.live`) — and the run orchestration: a setting goes to the one in-process cache and the store
(:mod:`explorer.store.memory`), which load it when seen before and train it otherwise. A study's ``Page``
subclasses :class:`StudyShell` and adds its figures through the page hooks (:class:`.hooks.PageHooks`).
Nothing here names a study.
"""
from __future__ import annotations

import dataclasses
import time
from functools import partial

import panel as pn
import param

from .. import studies
from ..core.experiment import Experiment
from ..core.progress import plural, progress_words, provenance_words, time_words
from ..store import memory
from . import budget, local, presets, quiet, session, share, texts, url
from .url import link_settings
from .hooks import PageHooks
from .later import Later
from .stale import Stale
from .live import LiveJob, training_slot, warm_up
from .redraw import PREVIOUS
from .messages import Alert, result_status, sentences_text
from .sidebar import Sidebar
from .template import page_template
from .widgets import escape


class StudyShell(PageHooks, Later, Stale, pn.viewable.Viewer):
    """Base class of every study page. Subclasses set ``experiment_class`` (and ``defaults``) and implement
    :meth:`build_main`; the other page hooks have working defaults."""

    experiment = param.ClassSelector(class_=Experiment)
    title = param.String("")

    experiment_class = None   #: the study's Experiment (param class)
    defaults: dict = {}       #: the page's opening setting; ``$EXPLORER_APP_DEFAULTS`` (JSON) updates it
    intro: str = ""           #: Markdown at the top of the sidebar (the page's own, trusted text)
    as_is: tuple = ()         #: words that keep their case at the start of a sentence (dataset names)
    accuracy_words = "test accuracy"   #: what the status line calls the result's ``accuracy`` (mean ± sd)
    update_interval = 1.5     #: seconds between redraws of live training curves

    def __init__(self, experiment=None, store=None, defaults=None, url: bool = True, errors=None, **params):
        if self.served():
            quiet.opening(self)   # work that can wait (other pages' cards, garbage collection) waits for this page
        super().__init__(experiment=experiment or self.experiment_class(store=store), **params)
        warm_up()
        self.job = LiveJob()
        self.result, self.stale, self._notes, self._side = None, False, [], None
        self._job_for = None   # (job, every value) of the setting the current main job computes: asked once
        self._pending: list = []
        self._last_draw = 0.0
        self._trained_rows, self._training = False, ("", None)
        self._on_page: list | None = []   #: callbacks waiting for the page to be up (None once it is)
        self.settings = self.experiment.setting_names()
        #: settings a link may set: those that are part of a run's identity. Settings declared with
        #: ``identity=False`` (where data lives, the device) never come from a link: a server path from a link
        #: is not to be trusted. Validated text settings do; ``apply`` refuses a bad one with a sentence.
        self.url_settings = link_settings(self.experiment)
        errors = {**(errors or {}), **self.experiment.apply(**(self.app_defaults() if defaults is None else defaults))}
        self.opening_setting = {k: getattr(self.experiment, k) for k in self.settings}   #: before a link's values
        self._opening_work, self._confirmed = budget.opening(self, self.experiment), None   # large: waits for Run
        self.alert = Alert()
        # a StaticText, not a pane: updating a pane re-sends its stylesheets, which makes Bokeh re-walk the
        # whole document (≈ 0.3 s here) on every progress report
        self.status = pn.widgets.StaticText(value="", sizing_mode="stretch_width", margin=(5, 10),
                                            css_classes=["run-status"])
        self.progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width",
                                               bar_color="primary", height=18)
        self.cancel_button = pn.widgets.Button(label="Cancel", color="warning", visible=False, width=100)
        self.run_button = pn.widgets.Button(label="Run", color="primary", visible=False, width=100)
        self.cancel_button.on_click(lambda e: self.cancel())
        self.run_button.on_click(lambda e: self.request(pressed=True))
        self.sidebar_controls = Sidebar(self.experiment, self.show_errors, self.overrides(), self.settings_changed)
        self._synced: list = []
        self._undone: list = []   #: settings a link set that could not run together, put back (url.runnable)
        self.lesson = None   #: the Lesson a ``?lesson=`` link opened (its title heads the sidebar)
        hidden = self._from_url(errors) if url else ()
        advanced = set(self.experiment.advanced())
        #: a class's page (``?classroom=1``, a lesson): every advanced control hidden, and with them the buttons
        #: that start a large job on the shared server (:meth:`big_job`)
        self.classroom = bool(advanced) and advanced <= set(hidden)
        self._opening_errors = dict(errors)   # what the link or the defaults refused: said until a setting changes
        if self.served():
            local.keep_server_values(self)   # first: a visitor's server path is put back before it is read
        self.experiment.param.watch(self._setting_changed, self.settings)
        self.job.param.watch(self._job_failed, ["error"])
        self.sidebar = pn.Column(
            *([pn.pane.Markdown(self.intro, sizing_mode="stretch_width")] if self.intro else []),
            *self._lesson_heading(hidden), *([] if hidden else presets.menu(self)), self.sidebar_controls.panel(hidden),
            *self.sidebar_extras(), share.card(self, hidden), sizing_mode="stretch_width")
        status = pn.Row(self.status, self.progress, self.cancel_button, self.run_button, sizing_mode="stretch_width")
        self.main = pn.Column(self.alert.pane, status, *self.build_main(), sizing_mode="stretch_width")
        self._layout = pn.Row(pn.Column(self.sidebar, width=340), self.main, sizing_mode="stretch_width")
        self.settings_changed(self.settings)
        self.show_errors(errors)
        if self.served() and not self.experiment.problem() and \
                memory.remembered(self.experiment.store, self.experiment.config()):
            self.request()   # seen recently on this server: the figures leave with the page itself (no round trip)
        pn.state.onload(self._loaded)

    served = staticmethod(session.served)   #: whether this page lives in a served session (``panel serve``)

    @classmethod
    def study_name(cls) -> str:
        """The study this page belongs to: the folder under ``explorer/studies/`` its class lives in."""
        parts = cls.__module__.split(".")
        return parts[parts.index("studies") + 1] if "studies" in parts[:-1] else parts[-1]

    @classmethod
    def app_defaults(cls) -> dict:
        """The page's opening setting: :attr:`defaults`, updated by this study's entry of
        ``$EXPLORER_APP_DEFAULTS`` (:func:`explorer.studies.opening_setting`)."""
        return studies.opening_setting(cls.study_name(), cls.defaults)

    # ------------------------------------------------------------------ URL and classroom
    def lessons(self) -> dict:
        """``{name: Lesson}`` of this page's study (``explorer/studies/<name>/lessons.py``)."""
        return studies.get(self.study_name()).lessons if self.study_name() in studies.names() else {}

    def _lesson_heading(self, hidden) -> list:
        if self.lesson is not None:
            return [pn.pane.HTML(f"<div class='lesson'><b>{escape(self.lesson.title)}</b><br>"
                                 f"<i>{escape(self.lesson.question)}</i></div>", sizing_mode="stretch_width")]
        return [pn.pane.HTML(f"<i>{escape(texts.CLASSROOM)}</i>")] if hidden else []

    def _from_url(self, errors: dict) -> tuple:
        query = url.session_query()
        if query is None:
            return ()
        hidden: tuple = ()
        name = query.get("lesson")
        if name:
            lessons = self.lessons()
            if name in lessons:   # the lesson's setting first: the link's own values override it
                self.lesson = lessons[name]
                errors.update(self.experiment.apply(**self.lesson.settings))
                hidden = self.lesson.hidden(self.experiment.advanced())
                self._opening_work = budget.opening(self, self.experiment, lesson=True)   # against the lesson
            else:
                errors["lesson"] = url.no_lesson(name)
        linked = {k: v for k, v in query.items() if k in self.url_settings}
        before = {k: getattr(self.experiment, k) for k in linked}
        errors.update(self.experiment.apply(**linked))
        self._undone = url.runnable(self.experiment, before, errors)
        for obj, _ in self.view_options():
            url.apply_view_options(obj, query, errors)
        errors.update(url.session_repeats())
        errors.update(url.unread(query, [*url.OWN, *self.url_settings, *(n for obj, _ in self.view_options()
                                                                          for n in obj.param)], self.settings))
        # a value put back is not synced until the page has written the corrected address (_loaded): the
        # browser sends its address when it connects, which would set the link's value again
        self._synced = [(self.experiment, [n for n in self.url_settings if n not in self._undone]),
                        *self.view_options()]
        url.write_json(pn.state.location)
        for obj, names in self._synced:
            pn.state.location.sync(obj, names, on_error=lambda bad: None)
        more = url.hidden(query.get("classroom"), self.settings, self.experiment.advanced(), errors)
        return tuple(dict.fromkeys(hidden + more))

    def big_job(self, button):
        """``button`` (it trains many runs at once: a sweep, a front) hidden on a class's page, where one pupil's
        click would hold the server's training for the whole room; returns it."""
        button.visible = not self.classroom
        return button

    def _loaded(self):
        """Once the page is up: write the whole state into its URL, then show the setting."""
        if pn.state.location is not None and self._synced:
            query = url.serialize(self.experiment, self._undone)
            for obj, names in self._synced:
                query.update(url.serialize(obj, names))
            raw = url.session_query() or {}   # a study the hub did not have: the address names the one shown
            study = {"study": self.study_name()} if "study" in raw else {}
            pn.state.location.search = url.cleaned(raw, query | study, self.lesson is not None, self.settings,
                                                   self.experiment.advanced())   # what the page refused: gone
            if self._undone:   # the address now holds the values in force: follow them from here on
                pn.state.location.sync(self.experiment, self._undone, on_error=lambda bad: None)
                self._synced.append((self.experiment, self._undone))
        quiet.opened(self)
        waiting, self._on_page = self._on_page or [], None
        if self.result is None:
            self.request()
        for callback in waiting:
            self.once_shown(callback)

    # ------------------------------------------------------------------ messages
    def show_errors(self, errors: dict, heading: str = "Not applied"):
        """One alert for what was refused (or why the run failed); hidden when all is well."""
        problem = self.experiment.problem()
        errors = {k: v if len(v) <= 300 else v[:300] + "…" for k, v in errors.items()}   # a value is never huge
        if len(errors) > 3:   # a link full of bad values: one sentence naming them, not a wall of sentences
            labels = [self.experiment.param[k].label if k in self.settings else k for k in errors]
            errors = {"many": f"{len(errors)} values were not applied and their defaults stay: "
                              f"{', '.join(labels)}. The first: {next(iter(errors.values()))}"}
        sentences = list(dict.fromkeys(list(errors.values()) + ([problem] if problem else [])))
        if problem and not errors and heading == "Not applied":   # every value applied; together they cannot run
            heading = "Cannot run this setting"
        if not sentences and self.job.error:   # a failed run stays said until the next run starts
            sentences, heading = [self.job.error], "The run did not finish"
        sentences = [self.page_words(x) for x in sentences]
        self.alert.say(heading, sentences_text(sentences, self.as_is) if sentences else "")

    def page_words(self, sentence: str) -> str:
        """A message written for the command line, in the page's words: ``--dataset digits`` → "the dataset
        'digits'" (a setting's label instead of its flag)."""
        return self.experiment.reword_flags(sentence, lambda name, value: f"the {self.experiment.param[name].label} "
                                            f"'{value}'" if name in self.settings else None)

    def say(self, html: str):
        """Set the status line (``html`` is the shell's own markup; interpolated values must be escaped)."""
        self.status.value = html

    def setting_words(self, config) -> str:
        k = len(getattr(config, "seeds", ()) or ())
        words = ", ".join(w for w in (self.describe(config), plural(k, "seed") if k else "") if w)
        return escape(words)

    # ------------------------------------------------------------------ running
    def _setting_changed(self, *events):
        self._opening_errors = {}
        side = self._side_running()
        if side:
            self._notes.append(f"{side} stopped when a setting changed (what it finished is stored)")
        self.request()

    def request(self, pressed: bool = False):
        """Show the current setting: from memory or the store when seen before, else train it (cancelling any
        stale job); a setting far larger than the opening one trains once Run is ``pressed`` (:mod:`.budget`)."""
        self._notes += self.experiment.take_moved()   # values a following bound moved: said with the result
        problem = self.experiment.problem()
        if problem:
            self.job.cancel()
            self._shown_stale()   # the plots show the last setting, not this one (which cannot run)
            self.show_errors(self._opening_errors)
            return
        config, values = self.experiment.config(), self.experiment.values()
        job = self._job_for
        if not pressed and job is not None and self.job.running and self.job.current(job[0]) and job[1] == values:
            return   # one change that moves others (n moves p and the bottleneck) asks once; its notes wait for it
        self._job_for = None
        self._trained_rows, self._pending = False, []
        self._training = (self.setting_words(config), None)   # what trains, and since when (the first step)
        t0 = time.perf_counter()
        remembered = memory.recall(self.experiment.store, config)
        if remembered is None and not self.served():
            # a notebook (no server: a static output is drawn once, now): a stored result is loaded at once
            remembered = memory.load(self.experiment.store, config)
        if remembered is not None:  # used recently in this server (or stored, in a notebook): no thread
            self.job.cancel()
            self._running(False)
            self._show(remembered, time.perf_counter() - t0, cached=True)
            return
        self._confirmed = config.key() if pressed and not self.classroom else self._confirmed
        opening = None if self._confirmed == config.key() else self._opening_work
        self._running(True, "Looking for this setting in the store …", 0)   # before: the job may end at once
        self.job.submit(partial(self._work, config, opening), on_event=self._on_event, on_done=self._done,
                        label="looking in the store")
        self._job_for = (self.job.generation, values)

    def _work(self, config, opening, report, cancel):
        """Worker thread: load ``config`` from the store or train it; returns (result, seconds), or ``(None,
        times)`` when what it would train is ``times`` the ``opening`` work, over :data:`.budget.LIMIT`."""
        t0 = time.perf_counter()
        store = self.experiment.store
        stored = memory.load(store, config)   # None for an entry that is damaged or went meanwhile: trained below
        if stored is not None:
            return dataclasses.replace(stored, cached=True), time.perf_counter() - t0
        large = budget.to_train(store, config, opening)
        if large is not None:
            config.prepare()   # data it cannot have (MNIST offline) is said first, not "press Run"
            return None, large
        with training_slot(cancel, on_wait=lambda own: report({"stage": "queued", "own": own}), owner=self.job):
            result = memory.get_or_run(store, config, on_progress=report, cancel=cancel)
        return result, time.perf_counter() - t0

    def train(self, work, status: str, label: str = "training"):
        """Run ``work(report, cancel) -> result`` (the sidebar's setting's Result, after other runs: a page's sweep
        over missing neighbours) as the session's job, holding a training slot; progress and the result come back
        as for a setting, and the status line says how long the whole took (``label`` names it)."""
        def run(report, cancel):
            with training_slot(cancel, on_wait=lambda own: report({"stage": "queued", "own": own}), owner=self.job):
                t0 = time.perf_counter()
                result = work(report, cancel)
                return result, time.perf_counter() - t0, label   # said by _done, which runs for the current job

        self._side, self._job_for = label, None
        self._trained_rows, self._training = False, ("", None)   # ``status`` names the side job
        self._running(True, status, 0)
        self.job.submit(run, on_event=self._on_event, on_done=self._done, label=label)

    def _on_event(self, event):
        stage = event.get("stage")
        if stage == "train":
            if not self._trained_rows:
                if self._side_running() is None:   # a side job trains other settings: the figures keep this one
                    for pane in self.setting_panes():
                        if pane.shown:
                            pane.mark(PREVIOUS)   # it keeps the last result while this one trains
                        else:
                            pane.wait()           # it says why it is empty
                    self.start_training()
                self._trained_rows, self._last_draw = True, 0.0
                self._training = (self._training[0], time.perf_counter())
            self._pending.append(event)
            if time.perf_counter() - self._last_draw >= self.update_interval:  # each redraw costs CPU
                self._draw_progress()
            return
        if stage == "metrics":
            self._draw_progress()
        percent, words = progress_words(event)
        if words is not None:
            self._running(True, self._training_html(words, event), percent or 0)

    def _draw_progress(self):
        if not self._pending:
            return
        events, self._pending = self._pending, []
        self._last_draw = time.perf_counter()
        if self._side_running() is None:   # a sweep over missing cells is not the sidebar's setting training
            self.stream(events)
        accuracy = next((e["accuracy"] for e in reversed(events) if e.get("accuracy")), None)
        percent, words = progress_words(events[-1], accuracy=accuracy)
        self._running(True, self._training_html(words, events[-1]), percent)

    def _training_html(self, words: str, event: dict) -> str:
        """The status line while a setting trains: which setting (sliders may have moved on), what it does, how
        long it has trained and, where known, how long it has left."""
        setting, since = self._training
        since_words = time_words(time.perf_counter() - since, event) if since is not None else ""
        return (f"<b>{setting}</b> — " if setting else "") + escape(words + since_words)

    def _show(self, result, seconds, cached=None):
        if self.stale:
            self.mark_stale(False)
        self.result, self.stale = result, False
        self.show_result(result)
        cached = result.cached if cached is None else cached
        notes, self._notes = self._notes, []
        self.say(result_status(self.setting_words(result.config), provenance_words(result, cached), seconds,
                               self.accuracy_words, result.data, self.skill_words(result), notes))
        self._running(False)
        self.after_result()

    def _done(self, value):
        result, seconds, *side = value
        if result is None:   # a large setting, not stored: it waits for Run (never, on a class's page)
            return self._waits(seconds)
        if side:   # a side job: its time is its own, not the time of the result it ends on
            self._notes.append(f"{side[0]} took {seconds:.1f} s")
            seconds = seconds if not result.cached else 0.0
        self._show(result, seconds)

    def _running(self, running: bool, html: str | None = None, percent: float = 0):
        self.progress.param.update(visible=running, value=int(min(max(percent, 0), 100)))
        self.cancel_button.visible = running
        self.run_button.visible = False
        if html is not None:
            self.say(html)

    # ------------------------------------------------------------------ serving
    def __panel__(self):
        return self._layout

    def template(self, header=None, title=None):
        """The page in the app's Panel template (:func:`.template.page_template`: nothing fetched from the
        internet)."""
        return page_template(title or self.title, self.sidebar, self.main, header)

    def servable(self, title: str | None = None, **kwargs):
        """Serve inside the template (``panel serve``); in a notebook, show the plain layout instead."""
        if self.served():
            return self.template().servable(title=title or self.title, **kwargs)
        return self._layout.servable(title=title or self.title, **kwargs)

