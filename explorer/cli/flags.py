"""CLI flags generated from a study's settings (:class:`~explorer.core.fields.Setting`): one flag per setting,
``--kebab-name``, help = the doc's first sentence (or ``cli_help``) + bounds + default; booleans as
``--x/--no-x``. Values arrive as text and are parsed here, in declaration order, so a setting whose text
depends on another (specialization's ``p = 1/n2`` on n) sees it; the config then checks every bound.
"""
from __future__ import annotations

import argparse
import dataclasses

from ..core.config import ConfigError, parse_seeds
from ..core.fields import Setting, bounds_text, flag_of, means_empty

GIVEN = "_given"  #: namespace attribute: setting names in the order the user gave them


class _Record(argparse.Action):
    """Store the value and remember the order in which settings were given (sweep axes follow it)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        order = list(getattr(namespace, GIVEN, None) or [])
        setattr(namespace, GIVEN, [d for d in order if d != self.dest] + [self.dest])


class _RecordBool(argparse.BooleanOptionalAction):
    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, values, option_string)
        _Record.__call__(self, parser, namespace, getattr(namespace, self.dest), option_string)


class _Alias(argparse.Action):
    """An old spelling that sets one setting to a fixed value (``--one-target``)."""

    def __init__(self, option_strings, dest, value=None, **kw):
        self.value = value
        super().__init__(option_strings, dest, nargs=0, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        _Record.__call__(self, parser, namespace, self.value, option_string)


def first_sentence(text: str) -> str:
    """Up to the first full stop outside parentheses that ends a sentence."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "." and depth <= 0 and (i + 1 == len(text) or text[i + 1].isspace()):
            return text[:i + 1]
    return text


def shown_default(value, s: Setting | None = None) -> str:
    if value is None:
        return s.empty if s is not None else "automatic"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def help_text(s: Setting, default) -> str:
    """The flag's help: first sentence (or ``cli_help``), bounds, default."""
    parts = [s.cli_help or first_sentence(s.doc)]
    bounds = "" if s.kind in ("bool", "seeds") else bounds_text(s)
    if s.kind == "seeds":
        bounds = f"a count or a comma list; at most {s.bounds[1]} networks"
    if bounds:
        parts.append(f"[{bounds}]")
    parts.append(f"(default: {shown_default(default, s)})")
    return " ".join(parts).replace("%", "%%")


def defaults_of(config_class) -> dict:
    return {f.name: f.default for f in dataclasses.fields(config_class)}


def add_setting_flags(parser, config_class) -> None:
    """One flag per setting of ``config_class`` (value left None when not given), plus its study's aliases."""
    defaults = defaults_of(config_class)
    for name, s in config_class.settings().items():
        flag = flag_of(name, s)
        if s.kind == "bool":
            parser.add_argument(flag, dest=name, action=_RecordBool, default=None,
                                help=help_text(s, defaults[name]))
        else:
            metavar = {"int": "INT", "float": "X", "choice": "{" + ",".join(map(str, s.choices or ())) + "}",
                       "seeds": "K|LIST", "text": "TEXT"}.get(s.kind, "VALUE")
            parser.add_argument(flag, dest=name, action=_Record, default=None, metavar=metavar,
                                help=help_text(s, defaults[name]))
    for flag, (name, value, help_) in getattr(config_class, "CLI_ALIASES", {}).items():
        parser.add_argument(flag, dest=name, action=_Alias, value=value, default=None,
                            help=help_.replace("%", "%%"))
    if config_class.PRESETS:
        docs = "; ".join(f"{k}: {config_class.PRESET_DOCS.get(k, '').rstrip('.')}" for k in config_class.PRESETS)
        parser.add_argument("--preset", choices=list(config_class.PRESETS), default=None,
                            help=f"start from a named setting; flags given override it ({docs})".replace("%", "%%"))


def parse_value(config_class, name: str, s: Setting, text, values: dict):
    """One setting's value from its flag's text (``values``: the settings parsed so far)."""
    if not isinstance(text, str):
        return text  # booleans and aliases arrive parsed
    flag = flag_of(name, s)
    t = text.strip()
    if means_empty(s, t):
        return None
    if s.kind == "seeds":
        return parse_seeds(t)
    if s.kind == "int":
        try:
            return int(t)
        except ValueError:
            raise ConfigError(f"{flag} takes an integer{_bounds(s)}, got {text!r}.") from None
    if s.kind == "float":
        value = config_class.parse_field(name, t, values)
        if not isinstance(value, str):
            return value
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{flag} takes a number{_bounds(s)}, got {text!r}.") from None
    if s.kind == "choice":
        return t
    return config_class.parse_field(name, t, values)


def _bounds(s: Setting) -> str:
    b = bounds_text(s)
    return f" ({b})" if b else ""


def values_from_args(config_class, args, skip=()) -> dict:
    """``{setting: value}`` for every setting given on the command line, parsed in declaration order, over
    the ``--preset`` chosen (if the study has presets)."""
    preset = getattr(args, "preset", None)
    values = {k: v for k, v in config_class.PRESETS[preset].items() if k not in skip} if preset else {}
    for name, s in config_class.settings().items():
        text = getattr(args, name, None)
        if text is None or name in skip:
            continue
        values[name] = parse_value(config_class, name, s, text, values)
    return values


def config_from_args(config_class, args):
    """The study's config from parsed flags (defaults for what was not given)."""
    return make_config(config_class, values_from_args(config_class, args))


def make_config(config_class, values: dict):
    """``config_class(**values)``; a refusal that opens with a setting's name (``top_k must be …``) opens with its
    flag instead (``--top-k must be …``): on the command line a person typed the flag."""
    try:
        return config_class(**values)
    except ConfigError as e:
        text = str(e)
        for name, s in config_class.settings().items():
            flag = flag_of(name, s)
            if text.startswith(name + " ") and flag != name:
                raise ConfigError(flag + text[len(name):]) from None
        raise
