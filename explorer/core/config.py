"""The base of every study's configuration: a frozen dataclass, validated from its fields' metadata,
JSON-able, hashable.

A study's config (``explorer/studies/<name>/config.py``) subclasses :class:`StudyConfig`, names its study and
schema version, and declares each setting once with :func:`explorer.core.fields.setting`. The canonical JSON
(sorted keys, normalised numbers, plus ``study`` and the study's own ``schema``) is a run's identity in the
store, so bumping one study's schema leaves every other study's stored runs valid.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import ClassVar

from .fields import Setting, bounds_text, settings_of
from .files import expanded

MAX_SEEDS = 64  #: the most networks one run may hold (CLI, UI and notebooks alike)


class ConfigError(ValueError):
    """A configuration value a user gave is out of bounds; the message is one readable sentence."""


def repeated(values) -> int | None:
    """The index of the first value listed a second time (equal to one before it), or None: a list a person
    gives (seeds, a sweep axis, tasks) names each value once, and a repeat gets a sentence, not a silent merge."""
    values = list(values)
    return next((i for i, v in enumerate(values) if v in values[:i]), None)


def plain(value):
    """A NumPy number (``np.arange``'s, an xarray coordinate's) as Python's: an integer as ``int``, a float as
    ``float`` (float32's 0.1 as 0.1, as it prints, not 0.10000000149), a bool as ``bool``; anything else as it
    is. Settings and sweep grids take them alike, so an experiment and a sweep cell of one value are one run."""
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None or type(value) in (bool, int, float, str) or getattr(value, "ndim", 0) != 0:
        return value
    if kind == "b":
        return bool(value)
    if kind in "iu":
        return int(value)
    if kind == "f":
        return float(str(value)) if value.dtype.itemsize < 8 else float(value)
    return value


def closest(word: str, names, key=str.lower) -> str | None:
    """The one of ``names`` closest to a mistyped ``word`` (compared through ``key``), or None: the "did you
    mean …?" of every sentence that refuses a name (URL settings, lessons, CLI flags, notebook attributes)."""
    import difflib

    keyed = {key(n): n for n in names}
    found = difflib.get_close_matches(key(str(word)), list(keyed), n=1, cutoff=0.6)
    return keyed[found[0]] if found else None


#: The largest seed value (each network's generators are seeded from it: it must stay a 64-bit integer after
#: their arithmetic).
MAX_SEED = 2**31 - 1


def parse_seeds(value, limit: int = MAX_SEEDS) -> tuple:
    """A seed count (``5`` → 0..4), a comma list (``"0,3,7"``) or an iterable of seeds → a sorted tuple.

    The one seed parser of the project: the CLI, URLs, the sidebar and configs all go through it.
    """
    if isinstance(value, bool):
        raise ConfigError(f"seeds must be a count or a list of integers, got {value!r}.")
    if isinstance(value, str):
        text = value.strip()
        try:
            parts = [int(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise ConfigError(f"seeds must be a count or a comma list of integers, got {value!r}.") from None
        if not parts:
            raise ConfigError("seeds must name at least one seed.")
        value = parts[0] if len(parts) == 1 and "," not in text else parts
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if not 1 <= value <= limit:
            raise ConfigError(f"the number of seeds must be from 1 to {limit}, got {value}.")
        return tuple(range(value))
    try:
        listed = [int(s) for s in value]
    except (TypeError, ValueError):
        raise ConfigError(f"seeds must be a count or a list of integers, got {value!r}.") from None
    twice = repeated(listed)
    if twice is not None:   # one network per seed: a repeat would silently train one network fewer than listed
        raise ConfigError(f"seed {listed[twice]} is listed more than once; give each seed once.")
    seeds = tuple(sorted(listed))
    if not seeds:
        raise ConfigError("seeds must name at least one seed.")
    if min(seeds) < 0 or max(seeds) > MAX_SEED:
        bad = min(seeds) if min(seeds) < 0 else max(seeds)
        raise ConfigError(f"a seed must be an integer from 0 to {MAX_SEED}, got {bad}.")
    if len(seeds) > limit:
        raise ConfigError(f"a run holds at most {limit} seeds, got {len(seeds)}.")
    return seeds


def check_value(name: str, s: Setting, value):
    """``value`` normalised for its setting (ints stay ints, choices are checked), or :class:`ConfigError`."""
    if value is None:
        if s.allow_none:
            return None
        raise ConfigError(f"{name} needs a value.")
    if s.kind == "seeds":
        return parse_seeds(value)
    if s.kind == "bool":
        if isinstance(value, str):
            word = value.strip().lower()
            if word not in ("true", "1", "yes", "on", "false", "0", "no", "off"):
                raise ConfigError(f"{name} must be true or false (also yes / no, on / off, 1 / 0), got {value!r}.")
            return word in ("true", "1", "yes", "on")
        if (isinstance(value, int) or type(value).__name__ in ("bool", "bool_")) and value in (0, 1):   # numpy bool
            return bool(value)
        raise ConfigError(f"{name} must be true or false, got {value!r}.")
    if s.kind == "choice":
        if value not in s.choices:
            raise ConfigError(f"{name} must be one of {', '.join(map(str, s.choices))}; got {value!r}.")
        return value
    if s.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        lo, hi = s.bounds or (None, None)
        if not isinstance(value, int) or isinstance(value, bool) or (lo is not None and value < lo) or (
                hi is not None and value > hi):
            raise ConfigError(f"{name} must be an integer {_range(s)}, got {value!r}.")
        return value
    if s.kind == "float":
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number {_range(s, 'in')}, got {value!r}.") from None
        lo, hi = s.bounds or (None, None)
        if v != v or (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError(f"{name} must lie {_range(s, 'in')}, got {v:g}.")
        return v
    if s.kind == "text" and not isinstance(value, str):
        raise ConfigError(f"{name} must be text, got {value!r}.")
    if s.local:
        expanded(value, f"the {s.label}")   # "~nobody/data": said here, not when a key reads the folder
    return value


def _range(s: Setting, word: str = "from") -> str:
    if s.bounds is None:
        return ""
    lo, hi = s.bounds
    if lo is not None and hi is not None:
        return f"in [{lo:g}, {hi:g}]" if word == "in" else f"from {bounds_text(s)}"
    return bounds_text(s)


def _number(v):
    return float(f"{v:.12g}")


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Base of a study's run configuration (subclass it as a frozen dataclass)."""

    STUDY: ClassVar[str] = ""        #: the study's registry name
    SCHEMA: ClassVar[int] = 1        #: bump when the meaning of this study's stored results changes
    COLUMNS: ClassVar[tuple] = ()    #: settings shown by ``explorer store ls`` / ``info``
    #: named settings a user can pick (``--preset NAME``, the page's preset menu): {name: {setting: value}}
    PRESETS: ClassVar[dict] = {}
    PRESET_DOCS: ClassVar[dict] = {}  #: one line per preset: what it is for
    #: an example grid for ``explorer sweep <study> --help``
    SWEEP_EXAMPLE: ClassVar[str] = "--seeds 3 and a comma list for a setting"

    # ------------------------------------------------------------------ validation
    def __post_init__(self):
        self.normalise()
        for name, s in settings_of(type(self)).items():
            self._set(name, check_value(name, s, getattr(self, name)))
        self.validate()

    def _set(self, name, value):
        object.__setattr__(self, name, value)  # frozen dataclass

    def _settle(self, name, value) -> None:
        """Set ``name`` to a value ``validate`` derives from the other settings (0 for what a regime ignores, a
        count clamped to the sheet), keeping the value as given: :meth:`replace` starts from it again, so a
        sweep's cell or a neighbour derived from this config gets what was asked, not this config's stand-in."""
        self.__dict__.setdefault("_given", {}).setdefault(name, getattr(self, name))
        self._set(name, value)

    def _unread(self, *names) -> None:
        """Set settings this run does not read back to their defaults (in ``validate``): what a run ignores is
        not part of its identity, so runs that differ only there are one run (one key, trained once)."""
        for field in dataclasses.fields(self):
            if field.name in names:
                self._settle(field.name, field.default)

    def normalise(self) -> None:
        """Study hook run before the per-field checks (e.g. parse ``p = "1/n2"`` once n is known)."""

    def validate(self) -> None:
        """Study hook run after the per-field checks: rules between fields (raise :class:`ConfigError`)."""

    # ------------------------------------------------------------------ identity
    @classmethod
    def settings(cls) -> dict[str, Setting]:
        return settings_of(cls)

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}

    def canonical(self, with_seeds: bool = True, with_data: bool = True) -> dict:
        """Normalised, JSON-able dict that identifies the computation (non-identity settings left out), with the
        :meth:`data_identity` of the files it reads unless ``with_data`` is false."""
        d = self.to_dict()
        for name, s in self.settings().items():
            if not s.identity:
                d.pop(name)
            elif s.kind == "float" and d[name] is not None:
                d[name] = _number(d[name])
        if not with_seeds:
            d.pop("seeds")
        d["schema"] = self.schema()
        d["study"] = self.STUDY
        if with_data:
            d.update(self.data_identity())
        return d

    def work(self) -> float | None:
        """Study hook: a number proportional to what training this setting computes (seeds × steps × the
        network's size …), compared with the page's opening setting (:mod:`explorer.ui.budget`); None: not said."""
        return None

    def schema(self) -> int:
        """The :attr:`SCHEMA` of this setting's stored results (a study may bump it for the settings whose
        computation changed only, so that the others' stored runs stay valid)."""
        return self.SCHEMA

    def prepare(self) -> None:
        """Study hook: fetch the data files a run of this setting reads (a download), before any key names them
        (:meth:`data_identity` hashes them); raise :class:`ConfigError` with one sentence when they cannot be
        had. The store calls it before it looks a setting up."""

    def data_identity(self) -> dict:
        """Study hook: ``{"data": fingerprint}`` of the data files a run reads from outside the package (where
        they live is not part of a run's identity, what they hold is), or ``{}`` (the default: nothing read)."""
        return {}

    def key(self, seed: int | None = None) -> str:
        """Content hash of the canonical config with all its seeds; with ``seed``, the key of that one network
        (a store entry)."""
        d = self.canonical(with_seeds=False)
        if seed is not None:
            d["seed"] = int(seed)
        else:
            d["seeds"] = list(self.seeds)
        return content_key(d)

    def run_key(self) -> str:
        """Hash of the canonical config without seeds: names every seed's entry of this setting in the store
        (``explorer store info <run key>``)."""
        return content_key(self.canonical(with_seeds=False))

    @classmethod
    def measured(cls) -> tuple:
        """The settings that only measure trained networks (``Setting.measured``)."""
        return tuple(name for name, s in cls.settings().items() if s.measured)

    def training_key(self, seed: int) -> str:
        """What training network ``seed`` reads, hashed: its entry key without the measuring settings. Entries
        with one training key hold the same trained network, measured differently."""
        return training_key(self.canonical(with_seeds=False), self.measured(), seed)

    def shape_key(self) -> tuple:
        """Fields that must agree for networks to train together in one batched ensemble."""
        d = self.canonical(with_seeds=False)
        for name, s in self.settings().items():
            if s.per_network:
                d.pop(name, None)
        return tuple(sorted((k, json.dumps(v)) for k, v in d.items()))

    def describe(self) -> dict:
        """The settings that tell runs of this study apart at a glance (store listings)."""
        return {k: getattr(self, k) for k in self.COLUMNS}

    @classmethod
    def parse_field(cls, name: str, text: str, values: dict):
        """A setting's value from text that only the study understands (e.g. p = "1/n2" given n); the house
        parses plain numbers, choices and booleans itself."""
        return text

    @classmethod
    def sweep_coords(cls) -> dict:
        """Derived coordinates of a sweep: ``{name: (settings it depends on, value(config), attrs)}``."""
        return {}

    def replace(self, **changes):
        """This config with ``changes``; a setting ``validate`` settled (:meth:`_settle`) and not changed starts
        from the value it was given (``BIMTConfig(regime="l1", top_k=10).replace(regime="bimt")`` tries 10
        neurons a swap, not the default that L1 stored)."""
        given = {k: v for k, v in self.__dict__.get("_given", {}).items() if k not in changes}
        return dataclasses.replace(self, **given, **changes)

    @classmethod
    def from_dict(cls, d: dict):
        known = set(cls.settings())
        unknown = sorted(set(d) - known - {"schema", "study", "data"})   # data: read from the files, not set
        if unknown:
            raise ConfigError(f"unknown configuration field(s) for the {cls.STUDY} study: {', '.join(unknown)}.")
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        values = {k: (tuple(v) if isinstance(v, list) and isinstance(defaults.get(k), tuple) else v)
                  for k, v in d.items() if k in known}
        return cls(**values)


def training_key(canonical: dict, measured, seed: int) -> str:
    """:meth:`StudyConfig.training_key` of a stored canonical config (no config class needed)."""
    d = {k: v for k, v in canonical.items() if k not in measured}
    d["seed"] = int(seed)
    return content_key(d)


def content_key(d: dict) -> str:
    """The store's key of a JSON-able dict: the first 24 hex digits of the sha256 of its sorted, compact JSON."""
    blob = json.dumps(d, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]
