"""The BIMT study's settings, each declared once (Liu, Khona, Fiete & Tegmark 2023, "Growing brains").

An RNN whose hidden neurons sit on a 2D sheet (or a line) learns the 20 cognitive tasks of Yang et al. 2019
with a distance-weighted connection cost (Liu et al. 2023, eqs. 2–3) and neuron swaps: brain-inspired modular
training (BIMT). Regimes: ``bimt`` (λ > 0, A > 0, swaps), ``l1`` (the same λ, A = 0, no swaps), ``none``
(λ = 0). Regime, λ and A may differ between networks of one ensemble: BIMT, L1 and none of several seeds train
as one batched ensemble. Full references in docs/papers.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...core.config import MAX_SEEDS, ConfigError, StudyConfig
from ...core.fields import setting

REGIMES = ("bimt", "l1", "none")
#: the settings a regime ignores, by the regimes that use them: L1 has no distances or swaps, none no cost at all
#: (the page greys out the others' controls; λ and A, set per network, are also left out of a config's identity).
#: Not swap_every: every regime reads it, as the steps between the snapshots its map replays.
USED_BY = {"lam": ("bimt", "l1"), "warmup": ("bimt", "l1"), "cooldown": ("bimt", "l1"), "A": ("bimt",),
           "top_k": ("bimt",)}
SHEETS = ("2d", "1d")
#: top_k's bound, the neurons of the largest sheet (20 × 20): "every neuron tries", on whatever sheet, since more
#: than a sheet has is clamped to it (a preset's 100 tried 100 of 400 with `--preset paper-10x10 --grid 20`)
ALL = 400
BASELINES = ("important", "grid")
S, TR, M = "Sheet and cost", "Training", "Measuring"


@dataclass(frozen=True)
class BIMTConfig(StudyConfig):
    """One run of the BIMT study: every seed of one regime."""

    STUDY = "bimt"
    #: 2: runs of several regimes in one ensemble gave L1 the distance cost and "none" a cost (fixed in core.py)
    #: 3: packed steps with hand-written back-propagation through time and fused AdamW: the same training up to
    #: float rounding, which the chaotic training turns into different numbers per seed (docs/bimt.md)
    SCHEMA = 3
    COLUMNS = ("regime", "grid", "lam", "steps")
    SWEEP_EXAMPLE = "--lam 3e-4,1e-3,3e-3 --regime bimt,l1"

    regime: str = setting("bimt", label="regime", kind="choice", choices=REGIMES, group=S, per_network=True,
                          doc="bimt: connection cost with distances and neuron swaps (Liu et al. 2023, §2); l1: "
                              "the same λ without distances or swaps; none: no cost (λ = 0).")
    grid: int = setting(8, label="sheet side", kind="int", group=S, bounds=(2, 20), soft=(4, 12),
                        doc="The hidden neurons sit on a grid × grid sheet (Liu et al. 2023 use 20 × 20).")
    sheet: str = setting("2d", label="sheet", kind="choice", choices=SHEETS, group=S, advanced=True,
                         doc="2d: a square grid; 1d: the same neurons on a line (Liu et al. 2023, appendix A).")
    lam: float = setting(1e-3, label="cost strength λ", kind="float", group=S, bounds=(0.0, 1.0),
                         soft=(1e-5, 1e-2), log=True, per_network=True,
                         doc="λ of loss = prediction + λ·cost (Liu et al. 2023, eq. 3; they use 1e-5 at 20 × 20).")
    A: float = setting(1.0, label="locality A", kind="float", group=S, bounds=(0.0, 100.0), soft=(0.0, 5.0),
                       step=0.1, per_network=True,
                       doc="Weight of the distance term: each connection costs abs(w)·(A·d + 1) (Liu et al. 2023, "
                           "eq. 2); the l1 regime sets it to 0.")
    swap_every: int = setting(200, label="swaps, snapshots every (steps)", kind="int", group=S,
                              bounds=(1, 100_000), soft=(50, 1000), step=10, log=True,
                              doc="Steps between rounds of neuron swaps (BIMT; the reference uses 200), and between "
                                  "the snapshots the map replays (every regime). For BIMT fewer than the training "
                                  "steps, or no swap would happen.")
    top_k: int = setting(ALL, label="neurons tried per swap", kind="int", group=S, bounds=(1, ALL), soft=(1, ALL),
                         doc="Each round, the k most connected neurons each try every partner and keep the swap "
                             "that lowers the cost most. Clamped to the number of neurons, so the default tries "
                             "all of them (with 10 of 100 the anatomy did not form; see docs/bimt.md).",
                         cli_help="each round the k most connected neurons try every partner and keep the swap that "
                                  "lowers the cost most; clamped to the sheet's neurons, so the default tries all")
    warmup: float = setting(0.25, label="λ/10 warm-up (fraction)", kind="float", group=S, bounds=(0.0, 1.0),
                            step=0.05, advanced=True,
                            doc="Fraction of the steps trained at λ/10 first (the BIMT reference schedule).")
    cooldown: float = setting(0.0, label="λ/10 cool-down (fraction)", kind="float", group=S, bounds=(0.0, 1.0),
                              step=0.05, advanced=True,
                              doc="Fraction of the steps trained at λ/10 last (the BIMT reference schedule). Off by "
                                  "default, as in the runs of docs/bimt.md.")
    steps: int = setting(4000, label="training steps", kind="int", group=TR, bounds=(1, 200_000),
                         soft=(200, 10_000), step=100, log=True, doc="Optimisation steps (AdamW, weight decay 0).")
    lr: float = setting(1e-3, label="learning rate", kind="float", group=TR, bounds=(1e-6, 1.0), soft=(1e-4, 1e-2),
                        log=True, advanced=True, doc="AdamW learning rate (the BIMT reference: 1e-3).")
    trials_per_task: int = setting(8, label="trials per task per step", kind="int", group=TR, bounds=(1, 256),
                                   soft=(1, 32), advanced=True,
                                   doc="Every batch holds this many trials of each task (mixed-task batches).")
    tasks: str = setting("all", label="tasks", kind="text", group=TR, advanced=True,
                         doc="'all' (the 20 tasks of Yang et al. 2019) or a comma list of two or more of their names "
                             "(functional clusters compare tasks).")
    decision_weight: float = setting(5.0, label="decision-period weight", kind="float", group=TR,
                                     bounds=(0.0, 100.0), advanced=True,
                                     doc="Loss weight of decision-period steps against fixation steps "
                                         "(Yang et al. 2019).")
    recurrent_gain: float = setting(0.5, label="initial recurrent gain", kind="float", group=TR,
                                    bounds=(0.0, 10.0), advanced=True,
                                    doc="Initial W ~ N(0, gain²/N).")
    bank_trials: int = setting(256, label="training trials per task", kind="int", group=TR, bounds=(1, 10_000),
                               advanced=True, doc="Cached training trials of each task (drawn by neurogym).")
    eval_trials: int = setting(64, label="test trials per task", kind="int", group=M, bounds=(1, 10_000),
                               advanced=True, measured=True,
                               doc="Held-out trials of each task for the per-task accuracy.")
    bank_seed: int = setting(0, label="trial bank seed", kind="int", group=TR, bounds=(0, 2**31 - 1),
                             advanced=True, doc="Seed of the trial banks (each network draws its batches "
                                                "with its own seed).")
    importance: float = setting(1e-3, label="importance threshold (task variance)", kind="float", group=M,
                                measured=True, bounds=(0.0, 100.0), soft=(1e-5, 0.1), log=True,
                                doc="A neuron is important when its summed task variance exceeds this "
                                    "(Liu et al. 2023: 1e-3).")
    active: float = setting(1e-2, label="active-connection threshold (abs(w))", kind="float", group=M, measured=True,
                            bounds=(0.0, 100.0), soft=(1e-4, 0.1), log=True,
                            doc="A connection counts (wiring length, drawing) when its absolute weight exceeds this "
                                "(Liu et al. 2023: 1e-2).")
    clusters: int = setting(0, label="functional clusters (0 = silhouette)", kind="int", group=M, measured=True,
                            bounds=(0, 50), soft=(0, 12),
                            doc="Number of task-variance clusters; 0 picks k by the silhouette score "
                                "(Yang et al. 2019).")
    shuffles: int = setting(2000, label="shuffles", kind="int", group=M, measured=True, bounds=(100, 100_000),
                            soft=(500, 10_000), step=100, log=True, advanced=True,
                            doc="Shuffled sheets for the baseline of the anatomical measures (Liu et al. 2023: "
                                "10,000).")
    baseline: str = setting("important", label="shuffle baseline", kind="choice", choices=BASELINES, group=M,
                            measured=True,
                            doc="important: cluster labels shuffled among the important neurons' own positions "
                                "(conservative); grid: over the whole sheet (flatters BIMT).")
    seeds: tuple = setting((0, 1, 2), label="seeds", kind="seeds", group=TR, bounds=(1, MAX_SEEDS), soft=(1, 8),
                           sweepable=False, doc="Networks of this setting, trained together in one batched pass "
                                                "(a sweep over regimes trains every regime's in the same pass).")

    def work(self) -> float:
        """Seeds × steps × trials a step × the sheet's recurrent and input weights."""
        tasks = 20 if self.tasks == "all" else len([t for t in str(self.tasks).split(",") if t.strip()])
        neurons = self.grid * self.grid
        return float(len(self.seeds) * self.steps * self.trials_per_task * tasks * neurons * (neurons + 53))

    def validate(self):
        if self.regime == "bimt" and self.swap_every >= self.steps:
            raise ConfigError(f"the bimt regime swaps neurons every {self.swap_every} steps before the last, and "
                              f"training has {self.steps} steps, so it would never swap: swap more often than "
                              "the training steps, or train for more steps.")
        # what a regime ignores is not part of its identity: "none" trains at λ = 0 and L1 at A = 0 whatever the
        # sliders say, neither tries swaps (top_k) and "none" has no λ schedule, so runs that differ only there are
        # one run (one store entry, trained once in a sweep).
        for name, regimes in USED_BY.items():
            if self.regime not in regimes:
                if name in ("lam", "A"):
                    self._settle(name, 0.0)
                else:
                    self._unread(name)
        if self.warmup + self.cooldown > 1:   # after: "none" reads no schedule (its controls are greyed out)
            raise ConfigError("the warm-up and cool-down fractions add up to more than 1 "
                              f"({self.warmup:g} + {self.cooldown:g}).")
        if self.top_k > self.neurons:
            self._settle("top_k", self.neurons)          # "all neurons" on this sheet (the default)
        from ...tasks.yang19 import tasks_text

        try:
            self._set("tasks", tasks_text(self.tasks))
        except ValueError as e:
            raise ConfigError(str(e)) from None
        if self.tasks != "all" and "," not in self.tasks:   # one task: every neuron's profile is the same point
            raise ConfigError(f"functional clusters group neurons by how their activity varies across tasks, so "
                              f"they need two tasks or more; '{self.tasks}' is one. Add another task, e.g. "
                              f"'{self.tasks},{'anti' if self.tasks != 'anti' else 'go'}'.")

    @property
    def neurons(self) -> int:
        return self.grid * self.grid


Config = BIMTConfig

#: A setting that trains and measures in seconds (the contract test).
TINY = dict(grid=3, steps=20, swap_every=10, top_k=2, tasks="go,anti", trials_per_task=2, bank_trials=8,
            eval_trials=8, shuffles=100, seeds=2)

#: Named settings a user can pick (each reproduces a row of docs/bimt.md); one-line docs in PRESET_DOCS.
PRESETS: dict[str, dict] = {
    "paper-10x10": dict(grid=10, steps=4000, lam=1e-3, A=1.0, warmup=0.25, cooldown=0.0, swap_every=200, top_k=ALL,
                        trials_per_task=8, decision_weight=5.0, recurrent_gain=0.5, importance=1e-3, clusters=0,
                        shuffles=2000, baseline="important", seeds=(0, 1, 2)),
    "paper-8x8": dict(grid=8, steps=4000, lam=1e-3, A=1.0, warmup=0.25, cooldown=0.0, swap_every=200, top_k=ALL,
                      trials_per_task=8, decision_weight=5.0, recurrent_gain=0.5, importance=1e-3, clusters=0,
                      shuffles=2000, baseline="important", seeds=(0, 1, 2)),
    "quick-8x8": dict(grid=8, steps=1000, cooldown=0.0, swap_every=100, top_k=ALL, shuffles=1000, seeds=(0, 1, 2)),
}
PRESET_DOCS: dict[str, str] = {
    "paper-10x10": "Liu et al. 2023 fig. 2 at laptop scale (docs/bimt.md): 10 × 10, λ = 1e-3 after a λ/10 warm-up, "
                   "no cool-down, every neuron tries a swap every 200 steps, 4000 steps, 3 seeds.",
    "paper-8x8": "The same on the default 8 × 8 sheet (the config's defaults): a quick look, not a reproduction.",
    "quick-8x8": "A look in well under a minute: 1000 steps, swaps every 100; not converged, not a result.",
}
BIMTConfig.PRESETS, BIMTConfig.PRESET_DOCS = PRESETS, PRESET_DOCS   # --preset NAME, the page's preset menu

