"""The growth study's page: watch a chain of modules grow through the N-parity curriculum beside an RNN of the
same size, then perturb both (Hamidi et al. 2024).

The shell (:class:`explorer.ui.StudyShell`) gives the sidebar, URL state, alert, status, progress, cancel and
the store; this page adds the robustness curves (the headline), the per-module accuracy under perturbation,
live N-solved curves for both architectures while they grow, a drawing of the grown chain and the trained time
constants.
"""
from __future__ import annotations

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (register the renderer before any view is styled)
import pandas as pd
import panel as pn
import param

from ...core.progress import plural
from ...core.config import ConfigError
from ...ui.cards import card
from ...ui.redraw import Redrawn
from ...ui.shell import StudyShell
from ...ui.widgets import escape
from . import views
from .config import ARCH_LABELS
from .experiment import PAGE_DEFAULTS, GrowthExperiment

INTRO = ("**Modular growth** (Hamidi et al. 2024). A chain of small modules grows one module per step of the "
         "N-parity curriculum; an RNN with the same number of parameters gets one more readout instead. Which "
         "learns more in the same number of steps — and which keeps its tasks when its weights are perturbed?")
TEXTS = {
    "robustness": "Each trained network's recurrent weights W_R, feed-forward weights W_FF (chain only) or time "
                  "constants τ are moved by a random ε‖W‖ (Hamidi et al. 2024, eq. 5); the curve counts the tasks "
                  "it still solves (accuracy > 0.9 on one balanced batch, the paper's count), averaged over draws, "
                  "± sd over seeds. Further right = more robust. At ε = 0 it can differ from N solved − 1, which "
                  "counts the tasks the curriculum passed at > 98 %.",
    "modules": "Accuracy of each head of the chain (head N is read from module N − 1) against ε: deeper modules "
               "go first (Hamidi et al. 2024, Fig. 5).",
    "growth": "The largest N each network has solved (> 98 % on balanced sequences), epoch by epoch, live while "
              "training. Each network can add at most one N per epoch. The training loss the status line shows "
              "is summed over the network's heads, so it rises as heads are added.",
    "chain": "The grown chain: one box per module, arrows for the feed-forward weights W_FF into the next one; the "
             "number above a box is the N its head answers. With the older modules frozen the newest, still "
             "learning, is drawn darker.",
    "tau": "Trained time constants τ̂ = max(τ, 1) per module of the chain and the RNN's mean (Hamidi et al. 2024, "
           "Fig. 4a); with 'effective timescales' on, also each neuron's effective timescale read from its activity "
           "(Fig. 4b).",
    "general": "Each network's last solved task N gets a fresh readout, retrained briefly on N + K-parity; accuracy "
               "on balanced sequences against K (Hamidi et al. 2024, Fig. 2c; chance 0.5). It is measured when "
               "'generalise to N + 1 … N + K' is above 0 (the 'generalise' preset sets it).",
}


class GrowthOptions(param.Parameterized):
    """What the figures show (kept in the URL with the settings)."""

    group = param.Selector(objects=["W_R", "W_FF", "tau"], default="W_R", label="perturbed (per-module view)",
                           doc="Which perturbation the per-module accuracy shows.")
    seed_index = param.Integer(0, bounds=(0, 63), label="network (seed)", doc="Which network's chain is drawn.")


class Page(StudyShell):
    """Modular growth: robustness curves, live growth."""

    title = param.String("Modular growth")
    accuracy_words = "the growing chain's test accuracy"   #: the result's accuracy is the chain's (result.py)
    experiment_class = GrowthExperiment
    defaults = PAGE_DEFAULTS
    intro = INTRO

    def __init__(self, experiment=None, store=None, defaults=None, url: bool = True, **params):
        self.options = GrowthOptions()
        self.live = hv.streams.Buffer(pd.DataFrame({"arch": pd.Series(dtype=str), "seed": pd.Series(dtype=int),
                                                    "epoch": pd.Series(dtype=int),
                                                    "n_solved": pd.Series(dtype=int)}), length=100_000, index=False)
        super().__init__(experiment=experiment, store=store, defaults=defaults, url=url, **params)
        self.options.param.watch(lambda e: self._show_options(), ["group", "seed_index"])
        self.experiment.param.watch(lambda e: self._matched(), ["module_size", "n_max", "rnn_size"])
        self._matched()

    # ------------------------------------------------------------------ the shell's hooks
    def view_options(self):
        return [(self.options, ["group", "seed_index"])]

    described = ("module_size", "n_max", "epochs")

    def describe(self, config) -> str:
        return f"modules of {config.module_size}, N up to {config.n_max}, {plural(config.epochs, 'epoch')}"

    def skill_words(self, result) -> str:
        """How far each architecture grew: the status line's accuracy is the chain's over its active heads only,
        which is about 1 whenever the newest head is learned; the largest N solved is the study's measure."""
        solved, n_max = result.data["n_solved"], result.config.n_max
        words = "largest N solved, mean over seeds: " + ", ".join(
            f"{label} {float(solved.sel(arch=a).mean()):.1f}" for a, label in ARCH_LABELS.items())
        capped = [label for a, label in ARCH_LABELS.items() if int(solved.sel(arch=a).max()) >= n_max]
        if capped:   # the curriculum's last task: a network there may have solved more, and the gap is a floor
            words += (f" (N = {n_max} is the curriculum's last task: the {' and the '.join(capped)} reached it, "
                      "so the gap may be larger; raise the largest N)")
        return words

    def sidebar_extras(self):
        self.matched = pn.pane.HTML("", sizing_mode="stretch_width", styles={"opacity": "0.85", "font-size": "0.92em"})
        return [self.matched, *super().sidebar_extras()]

    def build_main(self):
        self.robustness, self.modules, self.chain, self.tau = Redrawn(), Redrawn(), Redrawn(), Redrawn()
        self.general = Redrawn()
        self.growth = pn.pane.HoloViews(sizing_mode="stretch_width")
        self._growth_shape = None   # the live curves are built when a run starts or a result is shown
        group = pn.widgets.RadioButtonGroup.from_param(self.options.param.group, color="primary", variant="outline")
        seed = pn.widgets.IntSlider.from_param(self.options.param.seed_index, width=220)
        return [
            card("Robustness to perturbation", self.robustness, TEXTS["robustness"], "robustness"),
            card("Accuracy per module under perturbation", pn.Column(group, self.modules), TEXTS["modules"],
                       "modules"),
            card("Growing", self.growth, TEXTS["growth"], "growth"),
            card("The grown chain", pn.Column(seed, self.chain), TEXTS["chain"], "chain"),
            card("Time constants", self.tau, TEXTS["tau"], "tau"),
            card("Generalisation to N + K", self.general, TEXTS["general"], "general"),
        ]

    def show_result(self, result):
        n = result.data.sizes["seed"]
        self.options.param.seed_index.bounds = (0, max(n - 1, 0))
        if self.options.seed_index >= n:
            self.options.seed_index = 0
        ds = result.data
        self.robustness.show(views.robustness_curves(ds))   # the headline view first, the others follow
        self.after_headline(lambda: self._show_rest(ds))

    def _show_rest(self, ds):
        self.tau.show(views.tau_per_module(ds))
        self.general.show(views.generalisation_curves(ds))
        self._live_curves(ds.sizes["epoch"], [int(sd) for sd in ds.seed.values])
        self.live.clear()
        self.live.send(views.n_solved_frame(ds))
        self._show_options()

    def start_training(self):
        self._live_curves(self.experiment.epochs, self._seeds())
        self.live.clear()

    def setting_panes(self):
        return (self.robustness, self.modules, self.chain, self.tau, self.general)   # "Growing" is live

    def stream(self, events):
        rows = [views.progress_frame(e) for e in events if "n_solved" in e]
        rows = [r for r in rows if not r.empty]
        if rows:
            self.live.send(pd.concat(rows, ignore_index=True))

    # ------------------------------------------------------------------ the page's own
    def _seeds(self) -> list[int] | None:
        """The sidebar setting's seeds (``None`` while the setting is refused: the alert says why)."""
        try:
            return [int(sd) for sd in self.experiment.config().seeds]
        except ConfigError:
            return None

    def _live_curves(self, epochs: int, seeds):
        """The live N-solved curves of ``seeds`` over ``epochs`` (a new plot only when either changed: the plot
        keeps one line per seed while it fills)."""
        if (epochs, seeds) != self._growth_shape:
            self._growth_shape = (epochs, seeds)
            self.growth.object = hv.DynamicMap(lambda data: views.n_solved_curves(data, epochs, seeds=seeds),
                                               streams=[self.live])

    def _show_options(self):
        if self.result is None:
            return
        drawn = self.views_as_shown(self.result)
        self.modules.show(drawn["accuracy per module"]())
        self.chain.show(drawn["chain"]())

    def views_as_shown(self, result) -> dict:
        """The views that follow the page's controls (perturbed group, network), by their ``VIEWS`` names: what
        the cards show and the Export card saves."""
        ds, i = result.data, min(self.options.seed_index, result.data.sizes["seed"] - 1)
        return {"accuracy per module": lambda: views.module_heatmap(ds, self.options.group),
                "chain": lambda: views.chain_drawing(ds, i)}

    def export_tag(self, view: str) -> str:
        if self.result is None:
            return ""
        if view == "accuracy per module":
            return self.options.group
        seed = int(self.result.data.seed.values[min(self.options.seed_index, self.result.data.sizes["seed"] - 1)])
        return f"seed-{seed}" if view == "chain" else ""

    def _matched(self):
        exp = self.experiment
        try:
            size = exp.rnn_size or exp.matched_rnn_size
        except Exception:  # noqa: BLE001 — an impossible setting is said by the alert, not here
            return
        how = "set by hand" if exp.rnn_size else "matched to the chain's parameter count"
        self.matched.object = (f"The non-modular RNN has <b>{int(size)}</b> neurons ({escape(how)} at N = "
                               f"{int(exp.n_max)}).")
