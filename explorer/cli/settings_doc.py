"""Write docs/settings.md: for every registered study, a table per group of every setting (flag, label, kind,
bounds, default, doc with its citation), all read from the settings' declarations.

    python -m explorer.cli.settings_doc          # rewrite docs/settings.md
    python -m explorer.cli.settings_doc --check  # exit 1 if docs/settings.md is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

from .. import studies
from ..core.fields import bounds_text, flag_of
from .flags import defaults_of, shown_default
from .sweep import takes_commas

PATH = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render() -> str:
    """The text of docs/settings.md."""
    lines = ["# Settings", "",
             "Every setting of every study, generated from its one declaration (`explorer/studies/<study>/config.py`) "
             "by `python -m explorer.cli.settings_doc`; do not edit by hand. The same declarations make the CLI "
             "flags (`explorer run <study> --help`), the experiment's parameters and the sidebar. *advanced* "
             "settings are hidden in a classroom; *per network* ones may differ between the networks of one "
             "batched ensemble; *not identity* ones do not change a run's key; *measuring* ones are read only "
             "after training, so a run that differs from a stored one only there measures the stored networks "
             "again instead of training them.", "",
             "In `explorer sweep`, a flag's comma list is a grid axis (`--p 0.01,0.1,1`), and a number's "
             "`start:stop:num` is a log grid (`--lam 1e-4:1e-2:5`). Settings whose one "
             "value is itself a comma list separate the sweep's values with `;` instead: "
             + ", ".join(f"`{flag_of(f, s)}`" for name in studies.names()
                         for f, s in studies.get(name).config_class.settings().items()
                         if takes_commas(s) and s.sweepable)
             + " (e.g. `--perturb 'W_R;W_R,tau'` sweeps two values).", ""]
    for name in studies.names():
        study = studies.get(name)
        cls = study.config_class
        defaults, settings = defaults_of(cls), cls.settings()
        lines += [f"## {study.title} (`{name}`)", "", f"{study.question} ({study.papers})", ""]
        groups: dict = {}
        for field, s in cls.settings().items():
            groups.setdefault(s.group, []).append((field, s))
        for group, items in groups.items():
            lines += [f"### {group}", "", "| flag | label | kind | bounds | default | doc |",
                      "|---|---|---|---|---|---|"]
            for field, s in items:
                flag = flag_of(field, s)
                flag = f"`{flag}` / `--no-{flag[2:]}`" if s.kind == "bool" else f"`{flag}`"
                notes = [w for w, on in (("advanced", s.advanced), ("per network", s.per_network),
                                         ("not identity", not s.identity), ("measuring", s.measured)) if on]
                kind = s.kind + (f" ({', '.join(notes)})" if notes else "")
                bounds = "" if s.kind == "bool" else bounds_text(s)
                lines.append(f"| {flag} | {_cell(s.label)} | {kind} | {_cell(bounds)} | "
                             f"{_cell(shown_default(defaults[field], s))} | {_cell(s.doc)} |")
            lines.append("")
        if cls.PRESETS:
            lines += ["Presets (`--preset NAME`; the page's preset menu, which also leads back to the page's "
                      "opening setting), flags given override them:", ""]
            lines += [f"- `{k}`: {_cell(cls.PRESET_DOCS.get(k, ''))} "
                      f"({', '.join(f'{f}={shown_default(v, settings[f])}' for f, v in cls.PRESETS[k].items())})"
                      for k in cls.PRESETS] + [""]
        aliases = getattr(cls, "CLI_ALIASES", {})
        if aliases:
            lines += ["Old spellings kept working: " + "; ".join(
                f"`{flag}` ({_cell(help_)})" for flag, (_, _, help_) in aliases.items()) + ".", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_or_check(path: Path, text: str, argv, command: str) -> int:
    """A generated doc: with ``--check`` in ``argv`` exit 1 when ``path`` differs from ``text``, else write it."""
    if "--check" in argv:
        if not path.is_file() or path.read_text() != text:
            print(f"{path} is out of date; run {command}", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path}")
    return 0


def main(argv=None) -> int:
    return write_or_check(PATH, render(), sys.argv[1:] if argv is None else argv,
                          "python -m explorer.cli.settings_doc")


if __name__ == "__main__":
    sys.exit(main())
