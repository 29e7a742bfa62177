"""What a person chose for one run of the two-module specialization study, as ``param`` parameters.

Every field of :class:`~explorer.config.SpecializationConfig` is a parameter here, with the same defaults,
bounds that follow the other knobs (p ≥ 1/n² follows n; start times and the communication start stay inside
the T time steps) and a doc line that cites the paper. No Panel import: the class works on its own in a
notebook (``SpecializationExperiment(n=8, epochs=2).result()``), and the dashboard builds its widgets from it.

Papers: Béna & Goodman (2023) "Dynamics of specialization in neural modules under resource constraints"
(paper 000) and "Extreme sparsity gives rise to functional specialization" (paper 001).
"""
from __future__ import annotations

import math

import param

from ..config import (CONNECTIVITIES, DATASETS, INPUTS, READOUTS, ConfigError, SpecializationConfig, parse_p)

_D = SpecializationConfig()  # the engine's defaults are ours
_P_MIN = 1.0 / 512**2          # smallest p any n allows (n ≤ 512)
_T_MAX = 50                    # most time steps the engine accepts

#: Parameters grouped as the sidebar shows them (every config field appears exactly once).
GROUPS = {
    "Structure": ["n", "p", "bottleneck", "input", "readout", "connectivity"],
    "Task": ["dataset", "covariance", "two_targets", "exclusion"],
    "Time": ["steps", "comms_start", "start_mode", "start_0", "start_1", "noise", "noise_samples"],
    "Training": ["seeds", "epochs", "until_accuracy", "pairs_per_epoch", "batch_size", "lr", "deep_r_lr",
                 "deep_r_temperature", "data_dir"],
}
#: Controls a teacher usually hides (``?classroom=1``): training hyper-parameters and data location.
ADVANCED = ["until_accuracy", "pairs_per_epoch", "batch_size", "lr", "deep_r_lr", "deep_r_temperature",
            "noise_samples", "data_dir", "two_targets", "exclusion", "connectivity", "readout"]
#: Order in which values are applied, so that bounds which follow other knobs are already in place.
#: How error sentences name parameters whose widget label is not a noun.
_NOUNS = {"start_0": "digit 0's start time", "start_1": "digit 1's start time",
          "comms_start": "the communication start", "two_targets": "balanced targets",
          "exclusion": "the exclusion rule"}
_ORDER = ["n", "steps"] + [p for group in GROUPS.values() for p in group if p not in ("n", "steps")]


def p_grid(n: int) -> list[float]:
    """The p values the slider offers at module size n: 1/n² (one link), then 1-2-5 steps per decade to 1."""
    lo = 1.0 / (n * n)
    grid = [lo]
    for exponent in range(-6, 1):
        for mantissa in (1, 2, 5):
            v = float(f"{mantissa * 10.0**exponent:.3g}")
            if lo * 1.2 < v <= 1.0:
                grid.append(v)
    return grid


def p_label(p: float, n: int) -> str:
    """``1/n²`` for the one-link extreme, else the value with three significant digits."""
    return "1/n²" if math.isclose(p, 1.0 / (n * n), rel_tol=1e-9) else f"{p:.3g}"


class SpecializationExperiment(param.Parameterized):
    """Two recurrent modules, one digit each, linked by a fraction p of possible connections.

    ``config()`` gives the canonical :class:`SpecializationConfig`; ``result()`` asks the store for it
    (loading it when seen before, else training every seed as one ensemble). ``apply(**values)`` sets
    values the way a user types them and returns readable sentences for the ones it refused.
    """

    # --- structure (paper 000 §2.1, §2.3; paper 001 eq. 3) ---
    n = param.Integer(_D.n, bounds=(2, 512), softbounds=(4, 64), label="module size n",
                      doc="Neurons per module (paper 001 eq. 3). Larger modules can each solve more of the task.")
    p = param.Number(_D.p, bounds=(_P_MIN, 1.0), label="sparsity p",
                     doc="Fraction of the n² possible links from one module to the other, in each direction: "
                         "1/n² is a single link, 1 is dense (paper 001 §2.3). Shown on a log scale.")
    bottleneck = param.Integer(_D.bottleneck, bounds=(0, 4 * 512), softbounds=(0, 25), label="bottleneck",
                               doc="Neurons between each module and its readout; 0 = none (paper 001 Fig. 1b).")
    input = param.Selector(objects=list(INPUTS), default=_D.input, label="input pathway",
                           doc="separate: module m sees digit m only; fused / common: both see both "
                               "(paper 000 Fig. 1B).")
    readout = param.Selector(objects=list(READOUTS), default=_D.readout, label="readout",
                             doc="separate: each module has a readout and the more confident one decides "
                                 "(max decision, paper 001 §2.2); common: one readout of both modules.")
    connectivity = param.Selector(objects=list(CONNECTIVITIES), default=_D.connectivity, label="links",
                                  doc="fixed: a random mask of inter-module links; deep-r: the links rewire "
                                      "during training at a fixed count (Deep-R, paper 001 §2.4).")
    # --- task and stimulus (paper 000 §2.2, §3.2) ---
    dataset = param.Selector(objects=list(DATASETS), default=_D.dataset, label="dataset",
                             doc="digits: scikit-learn's embedded 8×8 digits (offline); mnist; emnist-letters "
                                 "(module 1 sees letters, paper 000 §2.2.1).")
    covariance = param.Number(_D.covariance, bounds=(0.0, 1.0), step=0.05, label="covariance c",
                              doc="Probability that digit 1 copies digit 0: 0 independent, 1 identical "
                                  "(paper 000 §3.2). High c makes one digit informative of the other.")
    two_targets = param.Boolean(_D.two_targets, label="balanced targets T′ and T″",
                                doc="Train on T′ and the balancing second target T″ (paper 000 eq. 2).")
    exclusion = param.Boolean(_D.exclusion, label="exclude (D₁−D₀) mod 10 ∈ {0, 1}",
                              doc="Paper 001 §2.1's exclusion rule for digit pairs.")
    # --- time (paper 000 §3.3, §5.3) ---
    steps = param.Integer(_D.steps, bounds=(1, _T_MAX), softbounds=(1, 12), label="time steps T",
                          doc="Steps the input is presented; specialization is measured at each step.")
    comms_start = param.Integer(_D.comms_start, bounds=(0, _T_MAX - 1), softbounds=(0, _D.steps - 1),
                                label="communication starts at step",
                                doc="First step whose update receives inter-module input (paper 000 Fig. 4B).")
    start_mode = param.Selector(objects=["fixed", "random"],
                                default="random" if _D.start_times == "random" else "fixed",
                                label="digit start times",
                                doc="fixed: digit k switches on at the step below; random: drawn per sample "
                                    "in [1, T−2], pure noise before (paper 000 §5.3.2).")
    start_0 = param.Integer(0 if _D.start_times == "random" else _D.start_times[0], bounds=(0, _T_MAX - 1),
                            softbounds=(0, _D.steps - 1), label="digit 0 switches on at step",
                            doc="Before it, module 0 sees pure noise (paper 000 Fig. 4D).")
    start_1 = param.Integer(0 if _D.start_times == "random" else _D.start_times[1], bounds=(0, _T_MAX - 1),
                            softbounds=(0, _D.steps - 1), label="digit 1 switches on at step",
                            doc="Before it, module 1 sees pure noise (paper 000 Fig. 4D).")
    noise = param.Number(_D.noise, bounds=(0.0, 1.0), step=0.05, label="noise ratio",
                         doc="Structured noise: each step mixes in other samples at this ratio (paper 000 §5.3.1).")
    noise_samples = param.Integer(_D.noise_samples, bounds=(1, 64), softbounds=(1, 16), label="noise samples",
                                  doc="Samples averaged into each step's noise (paper 000 §5.3.1).")
    # --- training ---
    seeds = param.Integer(len(_D.seeds), bounds=(1, 64), softbounds=(1, 20), label="seeds",
                          doc="Networks in the ensemble (seeds 0 … k−1), trained together in one batched pass; "
                              "curves show their mean and sd.")
    epochs = param.Integer(_D.epochs, bounds=(1, 10_000), softbounds=(1, 60), label="epochs",
                           doc="Training epochs. Under-trained networks look specialized: check the accuracy.")
    until_accuracy = param.Number(_D.until_accuracy, bounds=(0.0, 1.0), step=0.01, label="stop at accuracy",
                                  doc="Stop early once every network reaches this global-task test accuracy "
                                      "(0 = train all epochs). Compare specialization at equal accuracy.")
    pairs_per_epoch = param.Integer(_D.pairs_per_epoch, bounds=(1, 10_000_000), softbounds=(256, 32_768),
                                    step=256, label="pairs per epoch", doc="Digit pairs drawn per epoch.")
    batch_size = param.Integer(_D.batch_size, bounds=(1, 65_536), softbounds=(16, 1024), label="batch size",
                               doc="Pairs per gradient step.")
    lr = param.Number(_D.lr, bounds=(1e-7, 10.0), softbounds=(1e-4, 3e-2), step=1e-4, label="learning rate",
                      doc="Adam learning rate of the dense weights (paper 001 Tab. 1).")
    deep_r_lr = param.Number(_D.deep_r_lr, bounds=(1e-7, 10.0), softbounds=(1e-3, 0.2), allow_None=True,
                             label="Deep-R learning rate",
                             doc="Adam rate of Deep-R's θ; empty: 0.1→0.01 geometric in p (paper 001 Tab. 1).")
    deep_r_temperature = param.Number(_D.deep_r_temperature, bounds=(0.0, 1.0), softbounds=(0.0, 1e-3),
                                      step=1e-6, label="Deep-R temperature",
                                      doc="Random-walk temperature of Deep-R at p → 0, annealed to 0 at p = 1.")
    data_dir = param.String(_D.data_dir, allow_None=True, label="data folder",
                            doc="Where MNIST / EMNIST files live (not part of a run's identity).")

    def __init__(self, store=None, **params):
        self._store = store
        super().__init__(**params)
        self._follow_n(strict=True)
        self._follow_steps(strict=True)
        self.param.watch(self._on_n, ["n"])
        self.param.watch(lambda e: self._follow_steps(), ["steps"])

    # ------------------------------------------------------------------ bounds that follow other knobs
    def _on_n(self, event):
        one_link = math.isclose(self.p, 1.0 / event.old**2, rel_tol=1e-9)
        self._follow_n(keep_one_link=one_link)

    def _follow_n(self, strict: bool = False, keep_one_link: bool = False):
        lo = 1.0 / self.n**2
        self.param.p.bounds = (lo, 1.0)
        self.param.p.softbounds = (lo, 1.0)
        self.param.bottleneck.bounds = (0, 4 * self.n)
        if strict and self.p < lo * (1 - 1e-12):
            raise ConfigError(f"p must lie in [1/n², 1] = [{lo:.3g}, 1] for n = {self.n}, got {self.p:g}.")
        if keep_one_link or self.p < lo:
            self.p = lo
        if self.bottleneck > 4 * self.n:
            self.bottleneck = 4 * self.n

    def _follow_steps(self, strict: bool = False):
        last = self.steps - 1
        for name in ("comms_start", "start_0", "start_1"):
            value = getattr(self, name)
            if strict and value > last:
                raise ConfigError(f"{_NOUNS[name]} must be a step in [0, T−1] = [0, {last}], got {value}.")
            self.param[name].bounds = (0, last)
            self.param[name].softbounds = (0, max(last, 1))
            if value > last:
                setattr(self, name, last)

    # ------------------------------------------------------------------ user input
    def apply(self, **values) -> dict[str, str]:
        """Set values as a person or a URL gives them (strings allowed, ``p="1/n2"``).

        Values are applied in dependency order (n and T first). Returns ``{name: sentence}`` for each
        value refused; refused values leave the parameter unchanged and the others still apply.
        """
        errors = {}
        for name in sorted(values, key=lambda k: _ORDER.index(k) if k in _ORDER else len(_ORDER)):
            if name not in self.param or name == "name":
                errors[name] = f"there is no setting called {name!r}."
                continue
            try:
                setattr(self, name, self._coerce(name, values[name]))
            except (ValueError, TypeError, ConfigError) as e:
                errors[name] = self._sentence(name, values[name], e)
        return errors

    def _coerce(self, name, value):
        par = self.param[name]
        if isinstance(value, str):
            text = value.strip()
            if name == "p":
                return parse_p(text, self.n)
            if isinstance(par, param.Boolean):
                low = text.lower()
                if low in ("true", "1", "yes", "on"):
                    return True
                if low in ("false", "0", "no", "off"):
                    return False
                raise ValueError(value)
            if isinstance(par, param.Number) and par.allow_None and text.lower() in ("", "none", "auto"):
                return None
            if isinstance(par, param.Integer):
                number = float(text)
                if not number.is_integer():
                    raise ValueError(value)
                return int(number)
            if isinstance(par, param.Number):
                return float(text)
            if isinstance(par, param.String) and par.allow_None and text == "":
                return None
            return text
        if isinstance(par, param.Integer) and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def _sentence(self, name, value, error) -> str:
        par = self.param[name]
        label = _NOUNS.get(name, par.label)
        if isinstance(error, ConfigError):
            return str(error)
        if isinstance(par, param.Selector):
            return f"{label} must be one of {', '.join(map(str, par.objects))}; got {value!r}."
        if isinstance(par, param.Boolean):
            return f"{label} must be true or false; got {value!r}."
        if isinstance(par, param.Number):
            lo, hi = par.bounds
            kind = "a whole number" if isinstance(par, param.Integer) else "a number"
            extra = f" for n = {self.n}" if name == "p" else (f" (T − 1 for T = {self.steps})" if name in (
                "comms_start", "start_0", "start_1") else "")
            fmt = (lambda v: f"{v:.3g}") if not isinstance(par, param.Integer) else str
            return f"{label} must be {kind} from {fmt(lo)} to {fmt(hi)}{extra}; got {value!r}."
        return f"{label} cannot be {value!r}."

    # ------------------------------------------------------------------ config, store, result
    @property
    def start_times(self):
        return "random" if self.start_mode == "random" else (self.start_0, self.start_1)

    def config(self) -> SpecializationConfig:
        """The canonical run configuration; raises :class:`ConfigError` with one sentence if inconsistent."""
        return SpecializationConfig(
            n=self.n, p=self.p, bottleneck=self.bottleneck, input=self.input, readout=self.readout,
            connectivity=self.connectivity, comms_start=self.comms_start, dataset=self.dataset,
            covariance=self.covariance, two_targets=self.two_targets, exclusion=self.exclusion,
            steps=self.steps, noise=self.noise, noise_samples=self.noise_samples, start_times=self.start_times,
            epochs=self.epochs, until_accuracy=self.until_accuracy, pairs_per_epoch=self.pairs_per_epoch,
            batch_size=self.batch_size, lr=self.lr,
            deep_r_lr=self.deep_r_lr, deep_r_temperature=self.deep_r_temperature,
            seeds=tuple(range(self.seeds)), data_dir=self.data_dir or None)

    def problem(self) -> str | None:
        """The sentence that explains why the current settings cannot run, or None."""
        try:
            self.config()
        except ConfigError as e:
            return str(e)
        return None

    @classmethod
    def from_config(cls, config: SpecializationConfig, store=None) -> "SpecializationExperiment":
        st = config.start_times
        return cls(store=store, **{k: getattr(config, k) for k in (
            "n", "p", "bottleneck", "input", "readout", "connectivity", "comms_start", "dataset", "covariance",
            "two_targets", "exclusion", "steps", "noise", "noise_samples", "epochs", "until_accuracy",
            "pairs_per_epoch", "batch_size", "lr", "deep_r_lr", "deep_r_temperature", "data_dir")},
            seeds=len(config.seeds), start_mode="random" if st == "random" else "fixed",
            start_0=0 if st == "random" else st[0], start_1=0 if st == "random" else st[1])

    @property
    def store(self):
        """The run store (``$EXPLORER_STORE`` or the per-user cache folder unless one was given)."""
        if self._store is None:
            from ..store import Store

            self._store = Store()
        return self._store

    def is_stored(self) -> bool:
        """Whether every seed of the current settings is already in the store (no training needed)."""
        return self.store.has(self.config())

    def result(self, on_progress=None, cancel=None):
        """The :class:`~explorer.result.Result` of the current settings, from the store or trained now.

        ``on_progress`` receives the runner's progress events; ``cancel`` is a ``threading.Event`` that stops
        training (``explorer.runner.Cancelled`` is raised and nothing is stored).
        """
        from .cells import get_or_run

        return get_or_run(self.store, self.config(), on_progress=on_progress, cancel=cancel)

    def values(self) -> dict:
        """Current values of every setting (JSON-able), e.g. to save or to put in a URL."""
        return {k: getattr(self, k) for k in _ORDER}
