"""The canonical run configuration: one frozen dataclass, validated, JSON-able, hashable.

Everything that changes a computed number lives here; its canonical JSON (sorted keys, normalised
values, plus ``SCHEMA_VERSION``) is a run's identity in the store. Parameter names follow
Béna & Goodman (2023) — paper 000 "Dynamics of specialization in neural modules under resource
constraints" and paper 001 "Extreme sparsity gives rise to functional specialization".
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

#: Bump when the meaning of stored results changes (invalidates every cached run).
SCHEMA_VERSION = 4   # 4: probes with the fixed data term of the gradient split off; exact per-network link gates; 3: cross-entropy as logsumexp − label logit; 2: bottleneck probes 60 steps at 0.3, tanh via sigmoid

INPUTS = ("separate", "fused", "common")
READOUTS = ("separate", "common")
DATASETS = ("digits", "mnist", "emnist-letters")
CONNECTIVITIES = ("fixed", "deep-r")
METRICS = ("bottleneck", "ablation", "correlation", "weight_mask")


class ConfigError(ValueError):
    """A configuration value a user gave is out of bounds; the message is one readable sentence."""


def parse_p(value, n: int) -> float:
    """Parse the inter-module sparsity p; accepts a number or the string ``"1/n2"`` (one link)."""
    if isinstance(value, str):
        v = value.strip().lower().replace("²", "2").replace("^2", "2")
        if v in ("1/n2", "1/n*n", "min"):
            return 1.0 / (n * n)
        try:
            value = float(v)
        except ValueError:
            raise ConfigError(f"p must be a number in [1/n², 1] or '1/n2', got {value!r}.") from None
    return float(value)


def n_links(p: float, n: int) -> int:
    """Number of inter-module links in each direction: round(p·n²), at least one (paper 000 §2.3)."""
    return max(1, min(n * n, int(round(p * n * n))))


@dataclass(frozen=True)
class SpecializationConfig:
    """One run of the two-module specialization study (papers 000 and 001).

    Per-network knobs (may differ inside one batched ensemble): ``p``, ``covariance``, ``noise``,
    ``start_times``, ``comms_start`` and the seed. All other fields fix tensor shapes or the training
    schedule and must be equal across an ensemble (see :meth:`shape_key`).
    """

    # --- structure (paper 000 §2.1, §2.3; paper 001 eq. 3) ---
    n: int = 25                      #: neurons per module
    p: float = 0.1                   #: fraction of the n² possible inter-module links, each direction
    bottleneck: int = 5              #: bottleneck neurons before each readout; 0 = none (paper 001 fig. 1b)
    input: str = "separate"          #: input pathway: separate | fused | common (paper 000 fig. 1B)
    readout: str = "separate"        #: separate (max decision, paper 001 §2.2) | common
    connectivity: str = "fixed"      #: fixed random mask | deep-r (paper 001 §2.4)
    comms_start: int = 0             #: first time step whose update receives inter-module input (paper 000 fig. 4B)
    # --- task and stimulus (paper 000 §2.2, §3.2, §5.3) ---
    dataset: str = "digits"          #: digits (embedded 8×8) | mnist | emnist-letters (module 1 sees letters)
    covariance: float = 0.0          #: c: P(D_1 copies D_0); c = 0 independent digits, c = 1 identical
    two_targets: bool = True         #: train on T' and the balancing T'' (paper 000 eq. 2)
    exclusion: bool = False          #: drop pairs with (D_1 − D_0) mod 10 ∈ {0, 1} (paper 001 §2.1)
    steps: int = 5                   #: T, time steps the input is presented
    noise: float = 0.0               #: structured-noise ratio (paper 000 §5.3.1)
    noise_samples: int = 5           #: samples mixed into each noisy input (paper 000 §5.3.1)
    start_times: tuple = (0, 0)      #: step at which digit k switches on; "random" draws per sample (§5.3.2)
    # --- training ---
    epochs: int = 40                 #: training epochs (the most, with ``until_accuracy``)
    until_accuracy: float = 0.0      #: stop early once every network's test accuracy reaches this (0 = off)
    pairs_per_epoch: int = 8192      #: training pairs drawn per epoch
    batch_size: int = 128
    lr: float = 2e-2                 #: Adam learning rate of the dense weights
    deep_r_lr: float | None = None   #: Adam rate of Deep-R's θ; None: 0.1→0.01 geometric in p (paper 001 Tab. 1)
    deep_r_temperature: float = 1e-5 #: Deep-R random-walk temperature at p→0, annealed to 0 at p = 1
    # --- seeds and data location ---
    seeds: tuple = (0, 1, 2, 3, 4)
    data_dir: str | None = field(default=None, compare=False)  #: where MNIST/EMNIST live (not part of identity)

    # ------------------------------------------------------------------ validation
    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731  (frozen dataclass)
        n = self.n
        if not isinstance(n, int) or isinstance(n, bool) or n < 2 or n > 512:
            raise ConfigError(f"n (neurons per module) must be an integer from 2 to 512, got {n!r}.")
        p = parse_p(self.p, n)
        if not (1.0 / (n * n) - 1e-12 <= p <= 1.0):
            raise ConfigError(f"p must lie in [1/n², 1] = [{1 / (n * n):.3g}, 1] for n = {n}, got {p:g}.")
        set_("p", p)
        _choice("input", self.input, INPUTS)
        _choice("readout", self.readout, READOUTS)
        _choice("connectivity", self.connectivity, CONNECTIVITIES)
        _choice("dataset", self.dataset, DATASETS)
        _int_range("bottleneck", self.bottleneck, 0, 4 * n)
        _int_range("steps", self.steps, 1, 50)
        _int_range("comms_start", self.comms_start, 0, self.steps - 1, hint=f"(the last step is T−1 = {self.steps - 1})")
        _int_range("epochs", self.epochs, 1, 10_000)
        _int_range("pairs_per_epoch", self.pairs_per_epoch, 1, 10_000_000)
        _int_range("batch_size", self.batch_size, 1, 65_536)
        _int_range("noise_samples", self.noise_samples, 1, 64)
        _float_range("covariance", self.covariance, 0.0, 1.0)
        _float_range("noise", self.noise, 0.0, 1.0)
        _float_range("lr", self.lr, 1e-7, 10.0)
        _float_range("until_accuracy", self.until_accuracy, 0.0, 1.0)
        _float_range("deep_r_temperature", self.deep_r_temperature, 0.0, 1.0)
        if self.deep_r_lr is not None:
            _float_range("deep_r_lr", self.deep_r_lr, 1e-7, 10.0)
        set_("start_times", _start_times(self.start_times, self.steps))
        seeds = self.seeds
        if isinstance(seeds, int) and not isinstance(seeds, bool):
            seeds = tuple(range(seeds))
        try:
            seeds = tuple(sorted({int(s) for s in seeds}))
        except (TypeError, ValueError):
            raise ConfigError(f"seeds must be a count or a list of integers, got {self.seeds!r}.") from None
        if not seeds or min(seeds) < 0:
            raise ConfigError("seeds must name at least one non-negative integer seed.")
        set_("seeds", seeds)
        set_("two_targets", bool(self.two_targets))
        set_("exclusion", bool(self.exclusion))

    # ------------------------------------------------------------------ derived
    @property
    def Q(self) -> float:
        """Analytic structural modularity Q = (1−p) / (2(1+p)) (paper 000 eq. 4, paper 001 eq. 5)."""
        return (1.0 - self.p) / (2.0 * (1.0 + self.p))

    @property
    def links(self) -> int:
        """Inter-module links in each direction."""
        return n_links(self.p, self.n)

    @property
    def n_targets(self) -> int:
        return 2 if self.two_targets else 1

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["seeds"] = list(self.seeds)
        d["start_times"] = self.start_times if isinstance(self.start_times, str) else list(self.start_times)
        return d

    def canonical(self, with_seeds: bool = True) -> dict:
        """Normalised, JSON-able dict that identifies the computation (``data_dir`` excluded)."""
        d = self.to_dict()
        d.pop("data_dir")
        d["p"] = float(f"{self.p:.12g}")
        for k in ("covariance", "noise", "lr", "deep_r_temperature", "until_accuracy"):
            d[k] = float(f"{d[k]:.12g}")
        if not with_seeds:
            d.pop("seeds")
        d["schema"] = SCHEMA_VERSION
        d["study"] = "specialization"
        return d

    def key(self, seed: int | None = None) -> str:
        """Content hash of the canonical config; with ``seed``, the key of that one network."""
        d = self.canonical(with_seeds=False)
        if seed is not None:
            d["seed"] = int(seed)
        else:
            d["seeds"] = list(self.seeds)
        blob = json.dumps(d, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def shape_key(self) -> tuple:
        """Fields that must agree for networks to train together in one batched ensemble."""
        d = self.canonical(with_seeds=False)
        for k in ("p", "covariance", "noise", "start_times", "comms_start"):
            d.pop(k)
        return tuple(sorted((k, json.dumps(v)) for k, v in d.items()))

    def replace(self, **changes) -> "SpecializationConfig":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, d: dict) -> "SpecializationConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known - {"schema", "study"})
        if unknown:
            raise ConfigError(f"unknown configuration field(s): {', '.join(unknown)}.")
        d = {k: v for k, v in d.items() if k in known}
        if isinstance(d.get("start_times"), list):
            d["start_times"] = tuple(d["start_times"])
        if isinstance(d.get("seeds"), list):
            d["seeds"] = tuple(d["seeds"])
        return cls(**d)


def _choice(name, value, options):
    if value not in options:
        raise ConfigError(f"{name} must be one of {', '.join(options)}; got {value!r}.")


def _int_range(name, value, lo, hi, hint=""):
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be an integer from {lo} to {hi}{' ' + hint if hint else ''}, got {value!r}.")


def _float_range(name, value, lo, hi):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}.") from None
    if not lo <= v <= hi:
        raise ConfigError(f"{name} must lie in [{lo:g}, {hi:g}], got {v:g}.")


def _start_times(value, steps):
    """Per-digit start times: 'random' (paper 000 §5.3.2) or two steps in [0, T−1]."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "random":
            if steps < 3:
                raise ConfigError("random start times need at least 3 time steps (they fall in [1, T−2]).")
            return "random"
        try:
            value = tuple(int(x) for x in v.split(","))
        except ValueError:
            raise ConfigError(f"start times must be 'random' or two steps like '0,2', got {value!r}.") from None
    try:
        t = tuple(int(x) for x in value)
    except (TypeError, ValueError):
        raise ConfigError(f"start times must be 'random' or two integer steps, got {value!r}.") from None
    if len(t) == 1:
        t = (t[0], t[0])
    if len(t) != 2:
        raise ConfigError(f"start times need one step per digit (two), got {len(t)}.")
    for k, tk in enumerate(t):
        if not 0 <= tk < steps:
            raise ConfigError(f"start time of digit {k} must be a step in [0, T−1] = [0, {steps - 1}], got {tk}.")
    return t
