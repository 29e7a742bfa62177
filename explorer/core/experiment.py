"""The param side of a study: its settings as ``param`` parameters, built from the config's field metadata.

A study's ``experiment.py`` subclasses :class:`Experiment`, names its config class and decorates itself with
:func:`with_settings`, which adds one parameter per setting (label, doc, bounds, soft bounds, step, choices —
all read from the field). Only settings of kind ``custom`` are written by hand, with :meth:`Experiment.custom_values`
mapping them back into the config. No Panel import: the same class runs in a notebook
(``SpecializationExperiment(n=8, epochs=2).result()``) and behind a page, whose sidebar is built from it.
"""
from __future__ import annotations

import re

import param

from .config import MAX_SEEDS, ConfigError, closest, plain
from .fields import Setting, means_empty
from .following import Following

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
#: a command-line sentence's ``--flag value`` (the CLI's words, which a page and a notebook say otherwise)
_FLAG_VALUE = re.compile(r"--([a-z][a-z0-9-]*) (\S+)")


def quoted(value) -> str:
    """A refused value as a sentence quotes it: its repr, text cut to 40 characters (never interpreted), a float
    as a person writes it (1e+09, not 1000000000.0)."""
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…")


def parameter(name: str, s: Setting, default) -> param.Parameter | None:
    """The param parameter of one setting (None for ``custom`` settings, which a study declares itself)."""
    common = dict(label=s.label, doc=s.doc)
    if s.kind == "int":
        return param.Integer(default, bounds=s.bounds, softbounds=s.soft, step=s.step or 1,
                             allow_None=s.allow_none, **common)
    if s.kind == "float":
        return param.Number(default, bounds=s.bounds, softbounds=s.soft, step=s.step, allow_None=s.allow_none,
                            **common)
    if s.kind == "bool":
        return param.Boolean(default, **common)
    if s.kind == "choice":
        return param.Selector(objects=list(s.choices), default=default, **common)
    if s.kind == "text":
        return param.String(default, allow_None=s.allow_none, **common)
    if s.kind == "seeds":   # the sidebar asks for a count: seeds 0 … k−1
        return param.Integer(len(default), bounds=(1, MAX_SEEDS), softbounds=s.soft, **common)
    return None


def with_settings(cls):
    """Class decorator: add a parameter for every non-custom setting of ``cls.config_class``."""
    defaults = cls.config_class()
    for name, s in cls.config_class.settings().items():
        p = parameter(name, s, getattr(defaults, name))
        if p is not None and name not in cls.param:
            cls.param.add_parameter(name, p)
    return cls


class Experiment(Following, param.Parameterized):
    """What a person chose for one run of a study; ``config()`` gives its canonical config, ``result()`` asks
    the store for it (loading it when seen before, else training every seed as one ensemble), ``apply(**values)``
    sets values the way a person or a URL gives them and returns a sentence for each one refused."""

    config_class = None   #: the study's Config (set by the subclass)
    order: tuple = ()     #: settings applied first, because others' bounds follow them (n before p)
    nouns: dict = {}      #: how sentences name settings whose label is not a noun

    def __init__(self, store=None, **params):
        """Settings are taken as a person gives them, through :meth:`apply` (``p="1/n2"``, text, dependency order),
        and a refused value or an impossible setting raises :class:`ConfigError` (a ValueError) with the sentences
        the CLI and the page give, never a value quietly changed."""
        self._store = store
        names = set(self.setting_names())
        for k in params:   # param would raise a TypeError deep in its own code, naming no setting
            if k not in names and k not in type(self).param:
                close = closest(k, self.setting_names())
                raise TypeError(f"{type(self).__name__} has no setting {k!r}"
                                + (f"; did you mean {close!r}?" if close else
                                   f"; its settings are {', '.join(self.setting_names())}."))
        super().__init__(**{k: v for k, v in params.items() if k not in names})
        given = {k: v for k, v in params.items() if k in names}
        if given:
            errors = self.apply(**given)
            problem = self.problem()
            if errors or problem:
                raise ConfigError(" ".join(dict.fromkeys([*errors.values(), *([problem] if problem else [])])))
        self.__dict__["_guarded"] = True   # from now on: __setattr__
        self._start_following()   # what the person asked, for settings whose bounds follow others (following.py)

    def __setattr__(self, name, value):
        """``experiment.p = 0.01`` (a notebook) is :meth:`apply`: text is parsed, a refused value raises one
        :class:`ConfigError` sentence; a name that is neither a setting nor an attribute is refused, naming the
        closest setting (``experiment.epohcs = 300`` used to set nothing in silence)."""
        if name.startswith("_") or not self.__dict__.get("_guarded") or self.__dict__.get("_applying"):
            return super().__setattr__(name, value)
        if name in self.setting_names():
            errors = self.apply(**{name: value})
            if errors:
                raise ConfigError(errors[name])
            return None
        if not hasattr(self, name):
            close = closest(name, self.setting_names())
            raise AttributeError(f"{type(self).__name__} has no setting {name!r}"
                                 + (f"; did you mean {close!r}?" if close else
                                    f"; its settings are {', '.join(self.setting_names())}."))
        return super().__setattr__(name, value)

    # ------------------------------------------------------------------ what the settings are
    @classmethod
    def declared(cls, name: str) -> Setting | None:
        """A parameter's setting declaration (its field metadata), or None for one that declares none (custom
        parameters a study writes by hand)."""
        return cls.config_class.settings().get(name)

    @classmethod
    def setting_names(cls) -> list[str]:
        """Every parameter a person sets (the study's settings, custom ones expanded), in sidebar order."""
        return [n for n in cls.param if n != "name" and cls.param[n].precedence != -1]

    def reword_flags(self, sentence: str, say) -> str:
        """``sentence`` (written for the command line) with each ``--flag value`` of a setting said by
        ``say(name, value)`` instead (the page: "the dataset 'digits'", a notebook: ``dataset='digits'``); a pair
        of no setting, or one ``say`` answers None for, stays as it is, and trailing punctuation stays outside."""
        names = set(self.setting_names())

        def words(m):
            name, value = m.group(1).replace("-", "_"), m.group(2)
            text = value.rstrip(".,;")
            new = say(name, text) if name in names else None
            return m.group(0) if new is None else new + value[len(text):]
        return _FLAG_VALUE.sub(words, sentence)

    @classmethod
    def groups(cls) -> dict[str, list[str]]:
        """Parameters by sidebar group (from the settings' metadata; custom parameters name theirs in
        ``custom_groups``)."""
        out: dict = {}
        settings = cls.config_class.settings()
        for name in cls.setting_names():
            group = settings[name].group if name in settings else cls.custom_groups().get(name, "Settings")
            out.setdefault(group, []).append(name)
        return out

    @classmethod
    def advanced(cls) -> list[str]:
        """Parameters a classroom hides by default (training hyper-parameters, data location)."""
        settings = cls.config_class.settings()
        return [n for n in cls.setting_names() if n in settings and settings[n].advanced] + list(
            cls.custom_advanced())

    @classmethod
    def custom_groups(cls) -> dict:
        return {}

    @classmethod
    def custom_advanced(cls) -> tuple:
        return ()

    # ------------------------------------------------------------------ user input
    def apply(self, **values) -> dict[str, str]:
        """Set values as a person or a URL gives them (strings allowed). Values are applied in dependency order.
        Returns ``{name: sentence}`` for each value refused; a refused value leaves its parameter unchanged and
        the others still apply."""
        errors = {}
        names = self.setting_names()
        first = [n for n in self.order if n in values]
        for name in first + sorted((n for n in values if n not in first),
                                   key=lambda k: names.index(k) if k in names else len(names)):
            if name not in names:
                errors[name] = f"there is no setting called {str(name)[:40]!r}."
                continue
            try:
                value = self._coerce(name, values[name])
                if value == getattr(self, name):
                    self._asked_again(name, value)
                else:
                    inside, self.__dict__["_applying"] = self.__dict__.get("_applying"), True
                    try:
                        setattr(self, name, value)
                    finally:
                        self.__dict__["_applying"] = inside
            except (ValueError, TypeError, ConfigError) as e:
                errors[name] = self.sentence(name, values[name], e)
        return errors

    def parse_text(self, name: str, text: str):
        """Study hook: text the study parses itself (specialization's p = "1/n2"); default: not handled."""
        raise NotImplementedError

    def _coerce(self, name, value):
        par = self.param[name]
        if isinstance(value, str):
            text = value.strip()
            try:
                return self.parse_text(name, text)
            except NotImplementedError:
                pass
            if isinstance(par, param.Boolean):
                low = text.lower()
                if low in _TRUE or low in _FALSE:
                    return low in _TRUE
                raise ValueError(value)
            s = self.declared(name)
            if isinstance(par, param.Number) and par.allow_None and s is not None and means_empty(s, text):
                return None
            if isinstance(par, param.Integer):
                number = float(text)
                if not number.is_integer():
                    raise ValueError(value)
                return int(number)
            if isinstance(par, param.Number):
                number = float(text)
                if number != number or number in (float("inf"), float("-inf")):
                    raise ValueError(value)
                return number
            if isinstance(par, param.String) and par.allow_None and text == "":
                return None
            return text
        # NumPy's numbers (a loop over np.arange or an xarray coordinate): param refused np.int64 for an Integer,
        # or kept it and the config refused it later
        value = plain(value)
        if isinstance(par, param.Integer) and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def sentence(self, name, value, error) -> str:
        """One readable sentence for a refused value (the value quoted, shortened, never interpreted)."""
        par = self.param[name]
        label = self.nouns.get(name, par.label)
        shown = quoted(value)
        if isinstance(error, ConfigError):
            return self.in_words(str(error))
        if isinstance(par, param.Selector):
            return f"{label} must be one of {', '.join(map(str, par.objects))}; got {shown}."
        if isinstance(par, param.Boolean):
            return f"{label} must be true or false; got {shown}."
        if isinstance(par, param.Number):
            lo, hi = par.bounds or (None, None)
            kind = "a whole number" if isinstance(par, param.Integer) else "a number"
            fmt = (lambda v: f"{v:.3g}") if not isinstance(par, param.Integer) else str
            where = f" from {fmt(lo)} to {fmt(hi)}" if lo is not None and hi is not None else ""
            return f"{label} must be {kind}{where}{self.bounds_note(name)}; got {shown}."
        return f"{label} cannot be {shown}."

    def in_words(self, text: str) -> str:
        """A config's refusal that opens with a setting's name (``comms_start must be …``, as the command line
        opens it with the flag) opens with the setting's label on a page or in a notebook."""
        for name in self.setting_names():
            if text.startswith(name + " ") and "_" in name and name in self.param:
                return self.nouns.get(name, self.param[name].label) + text[len(name):]
        return text

    def bounds_note(self, name: str) -> str:
        """Study hook: why a bound is what it is (" for n = 25")."""
        return ""

    # ------------------------------------------------------------------ config, store, result
    def custom_values(self) -> dict:
        """Study hook: config values of ``custom`` settings, from their hand-written parameters."""
        return {}

    def config(self):
        """The canonical run configuration; raises :class:`ConfigError` with one sentence if inconsistent."""
        values = {}
        for name, s in self.config_class.settings().items():
            if s.kind == "custom":
                continue
            v = getattr(self, name)
            if s.kind == "seeds":
                v = tuple(range(v))
            elif s.kind == "text" and s.allow_none:
                v = v or None
            values[name] = v
        values.update(self.custom_values())
        return self.config_class(**values)

    def problem(self) -> str | None:
        """The sentence that explains why the current settings cannot run, or None."""
        try:
            self.config()
        except ConfigError as e:
            return self.in_words(str(e))
        return None

    @classmethod
    def custom_params(cls, config) -> dict:
        """Study hook: parameter values of ``custom`` settings from a config."""
        return {}

    @classmethod
    def from_config(cls, config, store=None):
        """The experiment of a config (a stored run's ``Result.config``); its seeds must be 0 … k−1, the only
        seeds an experiment trains (a count), else a :class:`ConfigError` says so rather than give other networks."""
        values = {}
        for name, s in cls.config_class.settings().items():
            if s.kind == "custom":
                continue
            v = getattr(config, name)
            if s.kind == "seeds":
                if tuple(v) != tuple(range(len(v))):
                    raise ConfigError(f"an experiment trains seeds 0 … k−1 (its {name} setting is a count); this "
                                      f"config has seeds {', '.join(map(str, v))}: read it with the store "
                                      "(Store().get_or_run(config)) instead.")
                v = len(v)
            values[name] = v
        return cls(store=store, **values, **cls.custom_params(config))

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
        """The Result of the current settings, from the store or trained now. ``on_progress`` receives the
        runner's progress events; ``cancel`` (a ``threading.Event``) stops training (``Cancelled`` is raised
        and nothing is stored)."""
        from ..store import memory

        return memory.get_or_run(self.store, self.config(), on_progress=on_progress, cancel=cancel)

    def values(self) -> dict:
        """Current values of every setting (JSON-able), e.g. to save or to put in a URL."""
        return {k: getattr(self, k) for k in self.setting_names()}
