"""The BIMT study's page: watch neurons gather on the sheet while an RNN learns 20 tasks (Liu et al. 2023).

The shell (:class:`explorer.ui.StudyShell`) gives the sidebar, URL state, alert, status, progress, cancel and
the store; this page adds the live 2D neuron map (neurons move as they swap, connections thin as the cost
prunes them), a scrubber over the stored snapshots, the anatomy against shuffled sheets, the per-task accuracy,
the task-variance matrix and the error-against-sparsity front over λ.
"""
from __future__ import annotations

import html

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (register the renderer before any view is styled)
import panel as pn
import param

from ...store import memory
from ...ui.cards import card
from ...ui.redraw import CANCELLED, Redrawn, with_mark
from ...ui.shell import StudyShell
from . import views
from .config import REGIMES, USED_BY
from .experiment import PAGE_DEFAULTS, BIMTExperiment
from .result import not_learned_words

#: λ values of the sparsity/accuracy front (Liu et al. 2023, Fig. 1g, h)
LAMBDAS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)

INTRO = ("**Growing brains** (Liu et al. 2023). An RNN's neurons sit on a sheet; connections cost their length "
         "(λ, A) and neurons swap places to shorten them. Does the network's *functional* clustering become "
         "*anatomical*?")
TEXTS = {
    "map": "Each dot is a neuron at its place on the sheet; lines are connections (red excitatory, blue "
           "inhibitory, thicker = stronger). While training, colours follow each neuron (under BIMT, a swap shows "
           "as colours moving); at the end they show its **functional cluster** (task-variance clusters, grey: "
           "not important). Drag the slider to replay the swap rounds (L1 and no cost swap nothing: it replays "
           "snapshots taken at the same steps).",
    "anatomy": "Are clusters anatomical? The fraction of important neurons with no neighbour of their own cluster "
               "(lower = clustered) and the clusters' spread, for this sheet (red line) and for sheets with the "
               "cluster labels shuffled. A percentile below 5 means the clustering is spatial.",
    "tasks": "Accuracy on each task trained, of the 20 of Yang et al. 2019 (fixation held and the right choice).",
    "variance": "Each important neuron's task variance (how much its activity varies across a task's trials), "
                "divided by its largest over the tasks: the features it was clustered by (Yang et al. 2019). The "
                "neurons of one cluster stand side by side, white lines between clusters: one cluster's neurons "
                "serve the same tasks.",
    "training": "Loss per seed while training: solid, the loss the optimiser minimises (prediction + λ·cost, "
                "Liu et al. 2023, eq. 3); dashed, the prediction's cross-entropy alone. The solid line jumps where "
                "the λ/10 warm-up ends and λ takes its full value (and drops where a cool-down begins).",
    "front": "Error against sparsity for runs of this setting over λ that are in the store: BIMT (distance cost "
             "and swaps) against L1 (the same λ, no distances) and no cost. Lower left is better.",
}

#: The map's key while its colours are the neurons' own (training, a replayed swap round).
IDENTITY_KEY = ("<span style='opacity:0.8'>Colour: each neuron's own, from the slot it started in (hue: its "
                "column, lightness: its row), so a swap shows as two colours trading places; clusters are coloured "
                "once training ends.</span>")


def _key_html(key) -> str:
    """The functional clusters' colours under the map: a swatch, the name and the number of neurons of each."""
    items = "".join(f"<span style='white-space:nowrap;margin-right:14px'><span style='display:inline-block;"
                    f"width:11px;height:11px;border-radius:50%;background:{colour};margin-right:4px;"
                    f"vertical-align:-1px'></span>{html.escape(name)} ({count})</span> "
                    for name, colour, count in key)
    return f"<div style='line-height:1.7'>{items}</div>"


SCRUB_LABEL = "swap round (−1: end of training)"
SNAPSHOT_LABEL = "snapshot, at the swap interval (−1: end of training)"


class MapOptions(param.Parameterized):
    """What the neuron map shows (kept in the URL with the settings)."""

    seed_index = param.Integer(0, bounds=(0, 63), label="network (seed)", doc="Which network of the ensemble.")
    snapshot = param.Integer(-1, bounds=(-1, 1000), label=SCRUB_LABEL,
                             doc="Replay the sheet after a swap round; −1 shows the trained network's clusters.")


class Page(StudyShell):
    """BIMT growing brains: the 2D neuron map, live."""

    title = param.String("BIMT growing brains")
    experiment_class = BIMTExperiment
    defaults = PAGE_DEFAULTS
    intro = INTRO

    def __init__(self, experiment=None, store=None, defaults=None, url: bool = True, **params):
        self.options = MapOptions()
        self.live = hv.streams.Pipe(data=None)
        super().__init__(experiment=experiment, store=store, defaults=defaults, url=url, **params)
        self.options.param.watch(lambda e: self._redraw_map(), ["snapshot"])
        self.options.param.watch(lambda e: self._show_seed(), ["seed_index"])

    # ------------------------------------------------------------------ the shell's hooks
    def view_options(self):
        return [(self.options, ["seed_index", "snapshot"])]

    described = ("regime", "grid", "lam")

    def describe(self, config) -> str:
        return f"{config.regime}, {config.grid} × {config.grid} sheet, λ = {config.lam:g}"

    def settings_changed(self, names):
        """Grey out what the chosen regime ignores (config.py: L1 has no distances or swaps, none no cost)."""
        if "regime" in names:
            for name, used_by in USED_BY.items():
                self.sidebar_controls.disable(name, self.experiment.regime not in used_by)
            if hasattr(self, "scrub"):   # L1 and none swap nothing: their snapshots are taken at the same steps
                self.scrub.name = SCRUB_LABEL if self.experiment.regime == "bimt" else SNAPSHOT_LABEL

    def skill_words(self, result) -> str:
        return not_learned_words(result)

    def build_main(self):
        # the key under the map: as wide as the map, so many clusters wrap onto lines instead of widening the card
        self.key = pn.pane.HTML("", width=480, margin=(0, 10, 5, 10), styles={"font-size": "0.9em"},
                                css_classes=["map-key"])
        self.map = pn.pane.HoloViews(hv.DynamicMap(self._draw_live, streams=[self.live]), linked_axes=False)
        self.scrub = pn.widgets.IntSlider.from_param(self.options.param.snapshot, width=320)
        seed = pn.widgets.IntSlider.from_param(self.options.param.seed_index, width=220)
        self.isolated, self.spread = Redrawn(sizing_mode=None), Redrawn(sizing_mode=None)
        self.histograms = pn.Row(self.isolated, self.spread, sizing_mode="stretch_width")
        self.tasks, self.variance, self.loss = Redrawn(), Redrawn(), Redrawn()
        self.front = Redrawn()   # drawn once the store has been read (after the headline: _refresh_front)
        self._front_frame = None  # the runs it shows
        self.once_shown(self._empty_front)
        self.front_axis = pn.widgets.RadioButtonGroup(options={"important neurons": "active_neurons",
                                                               "wiring length": "wiring_length"},
                                                      value="wiring_length", color="primary", variant="outline")
        self.front_axis.param.watch(lambda e: self._refresh_front(), "value")
        self.compute = pn.widgets.Button(label="Train the missing λ × regime runs", color="primary",
                                         variant="outline")
        self.compute.on_click(lambda e: self._compute_front())
        return [
            card("Neuron map", pn.Column(pn.Row(seed, self.scrub), self.map, self.key), TEXTS["map"], "map",
                 grow=False),
            card("Anatomy against shuffled sheets", self.histograms, TEXTS["anatomy"], "anatomy", least=600),
            card("Accuracy per task", self.tasks, TEXTS["tasks"], "tasks"),
            card("Task variance by cluster", self.variance, TEXTS["variance"], "variance"),
            card("Training", self.loss, TEXTS["training"], "training"),
            card("Error against sparsity", pn.Column(self.front_axis, self.front, self.big_job(self.compute)),
                       TEXTS["front"], "front"),
        ]

    def show_result(self, result):
        n = result.data.sizes["seed"]
        self.options.param.seed_index.bounds = (0, max(n - 1, 0))
        self.options.param.snapshot.bounds = (-1, result.data.sizes["snapshot"] - 1)
        if self.options.seed_index >= n:
            self.options.seed_index = 0
        if self.options.snapshot >= result.data.sizes["snapshot"]:
            self.options.snapshot = -1
        ds = result.data
        self._redraw_map()   # the headline view first, the others follow
        self.after_headline(lambda: self._show_rest(ds))

    def _show_rest(self, ds):
        self.tasks.show(views.task_accuracy_bars(ds))
        self.loss.show(views.loss_curves(ds))
        self._show_seed(map_too=False)

    def _show_seed(self, map_too: bool = True):
        """The views of one network: its map, its anatomy against shuffles, its task variance."""
        if self.result is None:
            return
        if map_too:
            self._redraw_map()
        drawn = self.views_as_shown(self.result)
        self.isolated.show(drawn["isolated neurons vs shuffles"]())
        self.spread.show(drawn["cluster spread vs shuffles"]())
        self.variance.show(drawn["task variance"]())

    def views_as_shown(self, result) -> dict:
        """The views as the page shows them, by their ``VIEWS`` names: one network as the sliders pick it
        (network, swap round), the front as its card draws it; what the cards show and the Export card saves."""
        ds, i = result.data, min(self.options.seed_index, result.data.sizes["seed"] - 1)
        snap = None if self.options.snapshot < 0 else self.options.snapshot
        return {"neuron map": lambda: views.result_map(result, i, snap),
                "isolated neurons vs shuffles": lambda: views.shuffle_histogram(ds, "isolated_fraction", i),
                "cluster spread vs shuffles": lambda: views.shuffle_histogram(ds, "spread", i),
                "task variance": lambda: views.task_variance_heatmap(ds, i),
                # the front as its card shows it (every λ and regime in the store, the chosen x axis), built
                # anew: the card's figure was styled before an export loaded matplotlib (no title, no colours)
                "error against sparsity": lambda: views.pareto(
                    self._front_frame if self._front_frame is not None else views.pareto_frame([result]),
                    self.front_axis.value)}

    many_runs_views = ("error against sparsity",)   # the front: every λ and regime in the store

    def export_tag(self, view: str) -> str:
        if self.result is None or view not in self.views_as_shown(self.result) or view in self.many_runs_views:
            return ""   # the views of every seed (accuracy per task, the loss) and the front name no network
        seed = int(self.result.data.seed.values[min(self.options.seed_index, self.result.data.sizes["seed"] - 1)])
        snap = self.options.snapshot
        return f"seed-{seed}" + (f"-round-{snap}" if view == "neuron map" and snap >= 0 else "")

    def start_training(self):
        self.options.snapshot = -1

    def setting_panes(self):   # not the map (live while training) nor the front (every λ in the store)
        return (self.isolated, self.spread, self.tasks, self.variance, self.loss)

    def mark_stale(self, stale: bool):
        """After a cancel the map goes back to the result the other figures show, marked as they are (it kept
        the cancelled run's half-trained sheet, unmarked)."""
        if stale and self.result is not None:
            self.live.event(data=("result", self.result, self.options.snapshot))

    def stream(self, events):
        snap = next((e["snapshot"] for e in reversed(events) if e.get("snapshot")), None)
        if snap is not None:
            self._live_seeds = events[-1].get("seeds") or []
            self.live.event(data=("live", snap, events[-1].get("step", 0)))

    def after_result(self):
        self.after_headline(self._refresh_front)   # reads the store: after the headline has left the server

    # ------------------------------------------------------------------ the map
    def _draw_live(self, data):
        if data is None:
            self.key.object = ""
            return views.placeholder_map(self.experiment.grid)
        kind, payload, step = data
        if kind == "result":
            i = min(self.options.seed_index, payload.data.sizes["seed"] - 1)
            labels = payload.data["labels"].values[i]
            self.key.object = _key_html(views.cluster_key(labels)) if step < 0 else IDENTITY_KEY
            shown = views.result_map(payload, i, None if step < 0 else step, legend=False)
            return with_mark(shown, CANCELLED) if self.stale else shown
        self.key.object = IDENTITY_KEY
        i = min(self.options.seed_index, len(payload["networks"]) - 1)
        seeds = getattr(self, "_live_seeds", [])
        who = f"seed {seeds[i]}" if i < len(seeds) else f"network {i + 1}"   # as the finished map names it
        return views.neuron_map(payload["coords"], payload["w"][i], identity=payload["identity"][i],
                                title=f"Training: the sheet of {who} at step {step}")

    def _redraw_map(self):
        if self.result is not None and not self.job.running:
            self.live.event(data=("result", self.result, self.options.snapshot))

    # ------------------------------------------------------------------ the front over λ
    def _front_configs(self):
        """Every regime at every λ of the front, the rest as on the sidebar. What the sidebar's regime ignores is
        0 in its config (λ and A: config.py) or greyed out, so each regime takes the settings it uses
        (config.USED_BY) from the sidebar, not from the config: the same runs whichever regime is chosen."""
        config = self.experiment.config()

        def of(regime, **values):
            used = {n: getattr(self.experiment, n) for n, regimes in USED_BY.items() if regime in regimes}
            return config.replace(regime=regime, **{**used, **values})

        return [of(r, lam=lam) for r in REGIMES if r != "none" for lam in LAMBDAS] + [of("none")]

    def _refresh_front(self):
        if self.experiment.problem():
            return
        store, configs = self.experiment.store, self._front_configs()
        axis = self.front_axis.value

        def gather():
            loaded = [(c, memory.load(store, c)) for c in configs]
            todo = [c for c, r in loaded if r is None]
            return views.pareto_frame([r for _, r in loaded if r is not None]), todo

        def show(value):
            frame, todo = value
            missing = len(todo)
            self._front_frame = frame
            self.front.show(views.pareto(frame, axis))
            self.compute.label = (f"Train the {missing} missing λ × regime runs {_as_ensembles(todo)}" if missing
                                  else "Every λ × regime run is stored")
            self.compute.disabled = missing == 0

        self.job.background(gather, show)

    def _empty_front(self):
        """The front's empty axes while no result is on the page yet (a page opened on a setting to train)."""
        if self.result is None and not self.front.shown:
            self.front.show(views.pareto(views.pareto_frame([])))

    def _compute_front(self):
        store = self.experiment.store
        configs = [c for c in self._front_configs() if not store.has(c)]
        if not configs:
            return
        config = self.experiment.config()

        def work(report, cancel):
            memory.get_or_run_many(store, configs, on_progress=report, cancel=cancel)
            return memory.get_or_run(store, config, cancel=cancel)

        self.train(work, f"Training {len(configs)} runs over λ and regime {_as_ensembles(configs)} …",
                   label="computing the front")


def _as_ensembles(configs) -> str:
    """The words "as one ensemble", or in how many: a regime leaves out of its setting what it does not read
    (config.py), so with the sidebar's swaps or schedule away from their defaults L1 and "none" train beside
    BIMT, not with it."""
    k = len({c.shape_key() for c in configs})
    return "as one ensemble" if k == 1 else f"in {k} ensembles"
