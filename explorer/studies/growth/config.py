"""The modular-growth study's settings, each declared once (Hamidi et al. 2024, "Modular growth of hierarchical
networks").

A chain of small recurrent modules grows one module and readout head per step of the N-parity curriculum; a
non-modular RNN with the same number of parameters gets one more head instead. Both train with the same steps;
afterwards their recurrent weights, feed-forward weights and time constants are perturbed (Hamidi et al. 2024,
eq. 5). Full references in docs/papers.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...core.config import MAX_SEEDS, ConfigError, StudyConfig, repeated
from ...core.fields import setting

#: the two architectures, as the views' legends and the status line name them
ARCH_LABELS = {"modular": "growing modules", "rnn": "non-modular RNN"}

GROUPS = ("W_R", "W_FF", "tau")
A, C, R = "Architecture", "Curriculum and training", "Perturbation"


@dataclass(frozen=True)
class GrowthConfig(StudyConfig):
    """One run of the growth study: both architectures, every seed."""

    STUDY = "growth"
    #: 2: frozen chains train their newest module alone, one length per batch, per-copy ξ draws
    #: 3: a perturbed group's draws are salted by the group, not by its place in ``perturb`` (the RNN's τ changed)
    #: 4: heads and modules past a seed's trained depth (one grown at the last check never trains) are NaN in the
    #: stored head_accuracy, tau_module and tau_eff_module (the training is unchanged)
    SCHEMA = 4
    COLUMNS = ("module_size", "n_max", "epochs", "steps_per_epoch")
    SWEEP_EXAMPLE = "--module-size 5,10 --n-max 12,16"

    module_size: int = setting(10, label="module size", kind="int", group=A, bounds=(1, 64), soft=(2, 20),
                               doc="Neurons per module of the growing chain (Hamidi et al. 2024 use 10); the "
                                   "non-modular RNN's size follows from the parameter count.")
    n_max: int = setting(24, label="largest N", kind="int", group=A, bounds=(3, 64), soft=(4, 32),
                         doc="The curriculum ends at N-parity with N = N_max: the chain has at most N_max − 1 "
                             "modules, both networks N_max − 1 heads (Hamidi et al. 2024, Fig. 2).")
    rnn_size: int | None = setting(None, label="RNN size (empty: matched)", kind="int", group=A,
                                   bounds=(1, 1024), allow_none=True, empty="matched", advanced=True,
                                   doc="Neurons of the non-modular RNN; empty: the size whose parameter count "
                                       "matches the chain's at N_max (Hamidi et al. 2024, §2).")
    duplicate: float | None = setting(None, label="duplicate with noise σ (empty: off)", kind="float", group=A,
                                      bounds=(0.0, 5.0), soft=(0.0, 0.5), step=0.05, allow_none=True, empty="off",
                                      doc="A new module starts as a copy of the trained previous one times (1 + σξ) "
                                          "(Hamidi et al. 2024, Fig. 6b); empty: it starts random.")
    freeze: float = setting(0.0, label="older modules' learning rate × γ", kind="float", group=A,
                            bounds=(0.0, 1.0), step=0.05,
                            doc="At each growth the older modules' learning rate is multiplied by γ: 0 freezes "
                                "them, 1 keeps training them (Hamidi et al. 2024, Fig. 6a).")
    epochs: int = setting(20, label="epochs", kind="int", group=C, bounds=(1, 1000), soft=(1, 60),
                          doc="Curriculum epochs: after each, a network whose mean and newest-head accuracy exceed "
                              "98 % moves on to N + 1 (Hamidi et al. 2024, 'Task').")
    steps_per_epoch: int = setting(120, label="steps per epoch", kind="int", group=C, bounds=(1, 100_000),
                                   soft=(10, 500), step=10, log=True, doc="Training steps between curriculum checks.")
    batch_size: int = setting(128, label="batch size", kind="int", group=C, bounds=(1, 4096), soft=(16, 512),
                              advanced=True, doc="Sequences per training step (Hamidi et al. 2024: 256).")
    lr: float = setting(0.4, label="learning rate (chain)", kind="float", group=C, bounds=(1e-5, 10.0),
                        soft=(0.01, 1.0), log=True,
                        doc="SGD with Nesterov momentum (Hamidi et al. 2024: 0.2–0.4); tuned over 0.2/0.4 here "
                            "(docs/growth.md).")
    rnn_lr: float | None = setting(None, label="learning rate (RNN; empty: same)", kind="float", group=C,
                                   bounds=(1e-5, 10.0), soft=(0.01, 1.0), allow_none=True, empty="same",
                                   doc="The RNN's own rate (it is sensitive to it: tuned over 0.1–0.8 here, "
                                       "docs/growth.md); empty: the chain's.")
    momentum: float = setting(0.1, label="momentum", kind="float", group=C, bounds=(0.0, 0.999), advanced=True,
                              doc="Nesterov momentum (Hamidi et al. 2024: 0.1).")
    clip: float = setting(2.0, label="gradient norm clip", kind="float", group=C, bounds=(1e-3, 1e3),
                          advanced=True, doc="Each network's gradient norm is clipped at this (Hamidi et al. 2024: 2).")
    eval_batches: int = setting(2, label="evaluation batches", kind="int", group=C, bounds=(1, 100), advanced=True,
                                doc="Balanced batches (q = 0.5) behind each curriculum check.")
    eval_batch_size: int = setting(256, label="evaluation batch size", kind="int", group=C, bounds=(16, 4096),
                                   advanced=True, doc="Sequences per evaluation batch (at least 16: a 98 % criterion "
                                                      "on a handful of sequences passes by luck).")
    generalise: int = setting(0, label="generalise to N + 1 … N + K (K; 0: off)", kind="int", group=C, bounds=(0, 20),
                              soft=(0, 8), doc="After the curriculum, each network's last solved task's readout is "
                                               "drawn afresh and retrained on N + K-parity (Hamidi et al. 2024, "
                                               "Fig. 2c), K = 1 … this; 0: not measured.")
    generalise_steps: int = setting(240, label="retraining steps per N + K", kind="int", group=C,
                                    bounds=(1, 100_000), soft=(10, 2000), step=10, log=True,
                                    doc="The short budget for each N + K (Hamidi et al. 2024 allow 10 epochs).")
    perturb: str = setting("W_R,W_FF,tau", label="perturbed parameters", kind="text", group=R, measured=True,
                           doc="Comma list of W_R (recurrent), W_FF (between modules, chain only) and tau (time "
                               "constants, moved upward only) (Hamidi et al. 2024, eq. 5).")
    eps_min: float = setting(0.01, label="smallest ε", kind="float", group=R, measured=True, bounds=(1e-6, 1e3),
                             soft=(1e-3, 1.0), log=True,
                             doc="The ε grid is 0 and log-spaced from ε_min to ε_max (Hamidi et al. 2024: 0.01–10).")
    eps_max: float = setting(10.0, label="largest ε", kind="float", group=R, measured=True, bounds=(1e-6, 1e3),
                             soft=(0.1, 100.0), log=True,
                             doc="Largest relative perturbation ‖ΔW‖_F / ‖W‖_F.")
    eps_points: int = setting(10, label="ε points", kind="int", group=R, measured=True, bounds=(2, 100), soft=(2, 20),
                              doc="Log-spaced ε values besides 0, from the smallest ε to the largest (both ends: "
                                  "at least 2).")
    draws: int = setting(5, label="draws per ε", kind="int", group=R, measured=True, bounds=(1, 1000), soft=(1, 20),
                         doc="Random perturbations averaged at each ε (Hamidi et al. 2024: 10).")
    perturb_chunk: int | None = setting(None, label="perturbed copies per pass (empty: automatic)", kind="int",
                                        group=R, bounds=(1, 1024), allow_none=True, advanced=True, identity=False,
                                        sweepable=False,
                                        doc="How many perturbed copies are evaluated at once; empty: as many as "
                                            "keep their states in a core's cache. Speed only: the numbers are the "
                                            "same for every value, so it is not part of a run's identity.")
    timescales: bool = setting(False, label="effective timescales", kind="bool", group=R, measured=True,
                               advanced=True,
                               doc="Also fit each neuron's effective timescale (AIC-chosen single or double "
                                   "exponential of its autocorrelation, Hamidi et al. 2024, Fig. 4); slow.")
    timescale_steps: int = setting(10_000, label="timescale simulation steps", kind="int", group=R, measured=True,
                                   bounds=(100, 1_000_000), advanced=True,
                                   doc="Steps of random input simulated for the autocorrelations.")
    seeds: tuple = setting((0, 1, 2), label="seeds", kind="seeds", group=C, bounds=(1, MAX_SEEDS), soft=(1, 8),
                           sweepable=False, doc="Networks of each architecture, trained together in one batched "
                                                "pass per architecture.")

    def work(self) -> float:
        """Seeds × the sequences trained and measured × the chain's length and weights (both grow with N):
        the curriculum, the N + K retraining, the perturbed copies (a forward pass each, a third of a training
        step) and the timescales' simulation (one time step each, of sequences N_max long)."""
        sequences = (self.epochs * self.steps_per_epoch + self.generalise * self.generalise_steps) * self.batch_size
        sequences += self.draws * (self.eps_points + 1) * len(self.perturb.split(",")) * self.eval_batch_size / 3
        sequences += 2 * self.timescale_steps / self.n_max if self.timescales else 0
        return float(len(self.seeds) * sequences * self.n_max ** 2 * self.module_size ** 2)

    def normalise(self):
        if isinstance(self.duplicate, str) and self.duplicate.strip().lower() in ("", "off", "none"):
            self._set("duplicate", None)

    def validate(self):
        if self.eps_min >= self.eps_max:
            raise ConfigError(f"the ε range is reversed or empty: smallest ε {self.eps_min:g} must be below the "
                              f"largest {self.eps_max:g}.")
        groups = [g.strip() for g in self.perturb.split(",") if g.strip()]
        bad = [g for g in groups if g not in GROUPS]
        if bad or not groups:
            raise ConfigError(f"perturbed parameters must be a comma list of {', '.join(GROUPS)}; got "
                              f"{self.perturb[:60]!r}.")
        twice = repeated(groups)
        if twice is not None:
            raise ConfigError(f"perturbed parameters list {groups[twice]} more than once; give each once.")
        self._set("perturb", ",".join(groups))
        # one computation, one key: the RNN's rate given as the chain's is the "same" default, and the retraining
        # budget of a generalisation that is off is not read
        if self.rnn_lr is not None and self.rnn_lr == self.lr:
            self._settle("rnn_lr", None)
        if self.generalise == 0:
            self._unread("generalise_steps")
        if not self.timescales:
            self._unread("timescale_steps")

    @classmethod
    def parse_field(cls, name, text, values):
        if name == "duplicate" and text.strip().lower() in ("off", "none", ""):
            return None
        return text


Config = GrowthConfig

#: Named settings (``--preset NAME``, the page's preset menu); measured in docs/growth.md.
PRESETS: dict[str, dict] = {
    "paper": dict(module_size=10, n_max=24, epochs=20, steps_per_epoch=120, batch_size=128, lr=0.4, rnn_lr=None,
                  freeze=0.0, duplicate=None, seeds=(0, 1, 2, 3, 4)),
    "generalise": dict(module_size=10, rnn_size=53, n_max=10, epochs=16, steps_per_epoch=120, lr=0.4, generalise=5,
                       generalise_steps=240, seeds=(0, 1, 2)),
    "timescales": dict(module_size=10, n_max=24, epochs=20, steps_per_epoch=120, lr=0.4, timescales=True,
                       seeds=(0, 1, 2)),
    "quick": dict(module_size=10, n_max=12, epochs=10, steps_per_epoch=80, seeds=(0, 1)),
}
PRESET_DOCS: dict[str, str] = {
    "paper": "Hamidi et al. 2024, Figs. 2a and 3 at laptop scale (docs/growth.md): modules of 10 against the RNN of "
             "53 matched at N = 24, 20 epochs × 120 steps, 5 seeds.",
    "generalise": "Fig. 2c: both trained up to N = 10 (the RNN of 53 matched at N = 24), then N + 1 … N + 5 with "
                  "240 steps of retraining each.",
    "timescales": "Fig. 4: the paper preset's networks on 3 seeds with each neuron's effective timescale (slow).",
    "quick": "A look in seconds: N up to 12, 10 epochs × 80 steps, 2 seeds; too short for the chain to pull ahead.",
}
GrowthConfig.PRESETS, GrowthConfig.PRESET_DOCS = PRESETS, PRESET_DOCS   # --preset NAME, the page's preset menu

#: A setting that trains and measures in seconds (the contract test).
TINY = dict(module_size=3, n_max=4, epochs=2, steps_per_epoch=20, batch_size=16, eval_batch_size=32,
            eval_batches=1, eps_points=2, draws=2, seeds=2)
