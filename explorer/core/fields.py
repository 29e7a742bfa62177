"""Each setting declared once: a dataclass field that carries its own metadata.

A study's config is a frozen dataclass whose fields are made with :func:`setting`. The metadata — label, doc
with its paper citation, kind, bounds, soft bounds, choices, sidebar group, whether it is advanced (hidden in
a classroom), whether it may differ between the networks of one ensemble (``per_network``) and whether it is
part of a run's identity — is read by everything that shows or parses the setting: validation
(:mod:`explorer.core.config`), the param parameters of the experiment class (:mod:`explorer.core.experiment`),
the CLI flags (:mod:`explorer.cli.flags`), the shape key that groups networks into ensembles, the sidebar and
the settings tables in docs/settings.md. Nothing else lists a study's settings.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

KINDS = ("int", "float", "bool", "choice", "text", "seeds", "custom")


@dataclass(frozen=True)
class Setting:
    """What the house knows about one configuration field."""

    label: str                       #: short label for widgets and tables ("module size n")
    doc: str                         #: one or two sentences, with the paper citation
    kind: str = "float"              #: int | float | bool | choice | text | seeds | custom
    group: str = "Settings"          #: sidebar card / docs section
    bounds: tuple | None = None      #: hard (lo, hi), inclusive; None side = open
    soft: tuple | None = None        #: slider range (soft bounds)
    choices: tuple | None = None     #: allowed values of a choice
    step: float | None = None        #: slider / spinner step
    advanced: bool = False           #: hidden by ``?classroom=1`` (training hyper-parameters, data location)
    per_network: bool = False        #: may differ between networks trained as one ensemble
    identity: bool = True            #: part of the run's identity (its key); False: where data lives, etc.
    allow_none: bool = False         #: None is a valid value (e.g. "automatic")
    cli: str | None = None           #: flag name (default ``--field-name``)
    sweepable: bool = True           #: may be a sweep axis
    cli_help: str | None = None      #: CLI help text when the doc's wording does not fit a terminal
    log: bool = False                #: the slider moves in powers of ten over the soft bounds (both > 0)
    empty: str = "automatic"         #: what None (an empty box) means, in a word: shown as its default, typed too
    bounds_words: str | None = None  #: the bounds in words where they follow another setting ("1/n² to 1")
    #: read only to measure trained networks, never by training: a stored network measured with another value is
    #: measured again (the study's ``run.remeasure``), not trained again
    measured: bool = False
    #: the setting whose value its text is read against (a sparsity written "1/n2" depends on the module size n);
    #: a sweep resolves it per value of that setting
    depends_on: str | None = None
    #: names a place on the machine that runs it (a data folder): ``~`` must expand there, and a served page keeps
    #: the server's value (a visitor's path would have the server read, unpack and download files anywhere)
    local: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown setting kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError("a choice setting needs its choices")
        if self.log and not (self.soft and self.soft[0] > 0 and self.soft[1] > self.soft[0]):
            raise ValueError("a log slider needs soft bounds 0 < low < high")


def setting(default, **meta) -> dataclasses.Field:
    """A dataclass field with its :class:`Setting` (mutable defaults such as tuples are fine: they are immutable)."""
    return dataclasses.field(default=default, metadata={"setting": Setting(**meta)},
                             compare=meta.get("identity", True))


def settings_of(config_class) -> dict[str, Setting]:
    """``{field name: Setting}`` of a config class, in declaration order."""
    return {f.name: f.metadata["setting"] for f in dataclasses.fields(config_class) if "setting" in f.metadata}


def means_empty(s: Setting, text: str) -> bool:
    """Whether typed ``text`` asks for None ("", "auto", the setting's own word such as "off"): one rule for the
    CLI, URLs and the sidebar."""
    return s.allow_none and text.strip().lower() in ("", "none", "auto", "automatic", s.empty.lower())


def flag_of(name: str, s: Setting) -> str:
    """The CLI flag of a setting: ``--module-size`` for ``module_size`` unless the setting names its own."""
    return s.cli or "--" + name.replace("_", "-")


def bounds_text(s: Setting) -> str:
    """``from 2 to 512``, ``≥ 0``, ``one of a, b`` — the bounds in words."""
    if s.kind == "choice":
        return "one of " + ", ".join(map(str, s.choices))
    if s.kind == "bool":
        return "true or false"
    if s.bounds_words:
        return s.bounds_words
    if s.bounds is None:
        return ""
    lo, hi = s.bounds
    fmt = str if s.kind == "int" else (lambda v: f"{v:g}")
    if lo is not None and hi is not None:
        return f"{fmt(lo)} to {fmt(hi)}"
    return f"≥ {fmt(lo)}" if lo is not None else f"≤ {fmt(hi)}"
