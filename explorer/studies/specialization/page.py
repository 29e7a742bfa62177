"""The specialization study's page: watch functional specialization respond to structure, live (Béna & Goodman
2023a, 2023b).

The page is the shell (:class:`explorer.ui.StudyShell`: sidebar from the experiment, URL, alert, status,
training slot, store) plus this study's figures: specialization over time, training curves, connectivity, and
the structure → function overview with a sweep over the neighbouring cells still missing from the store.
"""
from __future__ import annotations

import itertools
from functools import partial

import panel as pn
import param

from ...core.progress import plural
from ...store import memory
from ...ui.cards import beside, card
from ...ui.live import add_warmer
from ...ui.exports import caption_for
from ...ui.shell import StudyShell
from . import page_texts as texts
from .config import METRICS, METRIC_LABELS
from .experiment import PAGE_DEFAULTS, SpecializationExperiment, p_label
from .page_controls import p_control
from .page_exports import exports
from .page_figures import DisplayOptions, Figures
from .page_overview import Overview, OverviewOptions, gather
from .result import below_criterion
from .views_overview import LEAST as OVERVIEW_LEAST

#: Width (px) of the overview card's column of widgets (axes, metric, compute), beside or under its figures.
OVERVIEW_WIDGETS = 240

def warm_engine() -> None:
    """Import the engine, load the embedded digits and build a first optimizer (which imports torch._dynamo,
    ~2.4 s here), so that the first setting someone asks for starts training at once."""
    import torch

    from . import run  # noqa: F401  (torch, the model, the metrics)
    from ...tasks.datasets import load_sources

    load_sources("digits", None)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)], fused=True)


add_warmer(warm_engine)


class Page(StudyShell):
    """Watch functional specialization respond to structure, live (Béna & Goodman 2023a and 2023b)."""

    title = param.String("Modular specialization explorer")
    experiment_class = SpecializationExperiment
    defaults = PAGE_DEFAULTS
    intro = texts.INTRO
    as_is = ("mnist", "emnist-letters", "digits")

    def __init__(self, experiment=None, store=None, defaults=None, url: bool = True, **params):
        self.display = DisplayOptions()
        self.overview_options = OverviewOptions()
        self._lazy: list = []
        super().__init__(experiment=experiment, store=store, defaults=defaults, url=url, **params)

    # ------------------------------------------------------------------ the shell's hooks
    def overrides(self):
        return {"p": p_control}

    def view_options(self):
        return [(self.display, ["metrics", "per_module", "seed_index"]),
                (self.overview_options, ["against", "heat_x", "heat_y", "heat_metric"])]

    described = ("p", "n")

    def describe(self, config) -> str:
        return f"p = {p_label(config.p, config.n)}, n = {config.n}"   # "1/n²" as the slider and the title say

    def skill_words(self, result) -> str:
        missed = below_criterion(result)
        if not missed:
            return ""
        crit = result.config.until_accuracy
        seeds = ", ".join(str(s) for s in missed)
        return (f"{len(missed)} of {result.data.sizes['seed']} below the {crit:g} accuracy criterion "
                f"({'seeds' if len(missed) > 1 else 'seed'} {seeds}): not compared at equal skill")

    def settings_changed(self, names):
        if "start_mode" in names:
            for name in ("start_0", "start_1"):
                self.sidebar_controls.disable(name, self.experiment.start_mode != "fixed")

    many_runs_views = ("overview", "heatmap")   # the Export card's F against p / Q and heatmap: the page's sweep

    def sidebar_extras(self):
        self.exports = exports(self._state, lambda msg: self.show_errors({"export": msg}),
                               partial(caption_for, self))
        return [self.exports.card]

    def build_main(self):
        self.figures = Figures(self.display, defer=partial(self.job.later, delay_ms=self.secondary_delay_ms))
        self.overview = Overview(self.overview_options, self.display, self._compute_missing, self._refresh_overview)
        self.big_job(self.overview.compute)
        d = self.display
        # wraps: on a laptop-wide page the toggle goes below the metric buttons instead of over the last one
        view_controls = pn.FlexBox(
            pn.widgets.CheckButtonGroup.from_param(d.param.metrics, color="primary", variant="outline",
                                                   options={METRIC_LABELS[m]: m for m in METRICS}),
            pn.widgets.Toggle.from_param(d.param.per_module, color="primary", variant="outline", width=160),
            flex_wrap="wrap", sizing_mode="stretch_width")
        seed = pn.widgets.IntSlider.from_param(d.param.seed_index, width=260)
        # the cards below the first are filled once the first result is on screen or the first run trains (a new
        # page shows the stored setting sooner; their plots are drawn a moment later)
        return [
            card("Specialization over time",
                 pn.Column(view_controls, self.figures.specialization, self.figures.mask_note, self.figures.modules,
                           sizing_mode="stretch_width"),
                 texts.SPECIALIZATION + "\n" + texts.MODULES, "specialization"),
            card("Training", lambda: pn.Row(self.figures.loss, self.figures.accuracy, sizing_mode="stretch_width"),
                 texts.TRAINING, "training", lazy=self._lazy, least=600),
            card("Connectivity", lambda: pn.Column(seed, self.figures.connectivity, sizing_mode="stretch_width"),
                 texts.CONNECTIVITY, "connectivity", lazy=self._lazy),
            card("Structure → function",
                 lambda: beside(pn.Column(self.overview.line, self.overview.grid, sizing_mode="stretch_width"),
                                pn.Column(self.overview.widgets, width=OVERVIEW_WIDGETS), OVERVIEW_LEAST),
                 texts.OVERVIEW, "overview", lazy=self._lazy, least=OVERVIEW_LEAST + OVERVIEW_WIDGETS),
        ]

    def show_result(self, result):
        self.figures.show(result)

    def start_training(self):
        self.figures.start_training()
        self._fill_lazy()   # a page that opens on a setting it must train streams that training live

    def stream(self, events):
        self.figures.progress(events)

    def mark_stale(self, stale: bool):
        self.figures.mark_stale(stale)

    def after_result(self):
        self._fill_lazy()
        self.after_headline(self._refresh_overview)   # its line plot is below the headline: drawn after it

    # ------------------------------------------------------------------ the page's own
    def _fill_lazy(self):
        """Build the cards below the first once the page is up: after its first result, or as soon as its first
        run starts training (else a page opened on a new setting would leave the Training card empty until the
        run ends, instead of streaming its curves)."""
        if self._lazy:
            cards, self._lazy = self._lazy, []
            self.once_shown(lambda: self._fill(cards))

    def _fill(self, cards):
        """Build the waiting cards one at a time, each once no other page of the server is opening."""
        if cards:
            cards[0]()
            self.once_shown(lambda: self._fill(cards[1:]))

    def _state(self) -> dict:
        return {"result": self.result, "metrics": list(self.display.metrics) or None,
                "seed_index": self.display.seed_index, "overview": self.overview.data,
                "options": self.overview_options}

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
        """Train the missing neighbours into the store, cells of equal shape as one ensemble, cell k of K said."""
        if not missing or self.experiment.problem():
            return
        store, config = self.experiment.store, self.experiment.config()
        groups = [list(g) for _, g in itertools.groupby(sorted(missing, key=lambda c: str(c.shape_key())),
                                                        key=lambda c: str(c.shape_key()))]
        total = len(missing)

        def work(report, cancel):
            done = 0
            for i, group in enumerate(groups, 1):
                first, last = done + 1, done + len(group)
                part = (f"cell {first} of {total}" if first == last else f"cells {first}–{last} of {total}") + (
                    f" (group {i} of {len(groups)})" if len(groups) > 1 else "")
                report({"stage": "message", "text": f"Computing missing {part} …",
                        "percent": 100 * done / total})
                memory.get_or_run_many(store, group, on_progress=lambda e, part=part: report({**e, "part": part}),
                                       cancel=cancel)
                done = last
            return memory.get_or_run(store, config, cancel=cancel)

        self.train(work, f"Computing {plural(total, 'missing cell')} as one sweep …",
                   label="computing missing cells")
