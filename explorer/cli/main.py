"""``explorer``: ``run <study>``, ``sweep <study>``, ``store …``, ``lessons`` and ``reproduce``, generated for every
registered study.

Bad input exits with status 2 and one readable line on stderr, never a traceback (:mod:`explorer.cli.errors`).
Nothing heavy is imported to parse: a study's config and the registry only (no torch, dask or Panel).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys

from .. import __version__, studies
from .errors import PROG, report


#: what argparse takes for a value although it starts with "-": a negative number in any form, or a sweep's list of
#: them (-1e-3, -inf, -0.5,1); no flag of this CLI starts with "-" and a digit
NEGATIVE_NUMBER = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        # no abbreviated flags: `--a 1` must not quietly become `--active 1` when `--A` was meant
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        # `--lam -1e-3` is a value (refused by the setting's bounds in a sentence), not a flag: argparse's own
        # pattern knows only -3 and -0.5, and answered "expected one argument"
        self._negative_number_matcher = NEGATIVE_NUMBER

    def error(self, message):  # one line, exit 2, no usage dump
        verbs = re.fullmatch(r"the following arguments are required: \{(.*)\}", message.strip())
        if verbs:   # no command at all
            *rest, last = verbs.group(1).split(",")
            what = "a study" if self.prog.split()[-1] in ("run", "sweep") else "a command"
            message = f"{what} is required: {', '.join(rest)} or {last} (see {self.prog} --help)"
        unknown = re.match(r"argument (?:STUDY|\{[a-z,]*\}): invalid choice: '(.*)' \(choose from", message)
        if unknown and self.prog.split()[-1] in ("run", "sweep"):
            try:
                studies.get(unknown.group(1))
            except Exception as e:  # noqa: BLE001 — the registry's own sentence names every study
                message = str(e)
        self.exit(2, f"{PROG}: {' '.join(message.split())}\n")


def unknown_hint(args, extra: list) -> str:
    """For an unknown flag of ``run``/``sweep <study>``: the study's closest flag, or the study it belongs to."""
    from ..core.config import closest
    from ..core.fields import flag_of

    study = getattr(args, "study_obj", None)
    flag = next((e.split("=", 1)[0] for e in extra if e.startswith("--")), None)
    if study is None or flag is None:
        return ""
    flags = {name: [flag_of(n, s) for n, s in studies.get(name).config_class.settings().items()]
             for name in studies.names()}
    others = [name for name, fs in flags.items() if name != study.name and flag in fs]
    if others:
        return (f" ({flag} is a setting of the {' and '.join(others)} "
                f"{'studies' if len(others) > 1 else 'study'}, not of {study.name})")
    close = closest(flag, flags[study.name], key=lambda f: f.lstrip("-").lower())   # "--n" is not close to "--A"
    if close:
        return f" (did you mean {close}?)"
    return f" (see explorer {args.command} {study.name} --help)"


def build_parser() -> argparse.ArgumentParser:
    from .lessons import add_lessons_command
    from .reproduce import add_reproduce_command
    from .run import add_run_command
    from .store import add_store_commands
    from .sweep import add_sweep_command

    parser = Parser(prog=PROG, description="A lab bench for modularity research: train ensembles of modular "
                    "networks, cache every run, sweep settings. Studies: " + ", ".join(studies.names()) + ".")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--store", default=None, metavar="PATH",
                        help="run store folder (default: $EXPLORER_STORE or the per-user cache folder)")
    sub = parser.add_subparsers(dest="command", metavar="{run,sweep,store,lessons,reproduce}", required=True,
                                parser_class=Parser)
    registered = [studies.get(name) for name in studies.names()]
    add_run_command(sub, registered)
    add_sweep_command(sub, registered)
    add_store_commands(sub)
    add_lessons_command(sub)
    add_reproduce_command(sub)
    return parser


@contextlib.contextmanager
def dask_unseen():
    """Hide dask from xarray: xarray asks every array it indexes whether it is a dask collection and, with dask
    installed, imports dask to answer (~0.5 s of a 1 s cached answer). ``run`` and ``store`` make no dask arrays."""
    if "dask" in sys.modules:
        yield
        return
    sys.modules["dask"] = None   # importlib.util.find_spec("dask") is None while this holds
    try:
        yield
    finally:
        if sys.modules.get("dask", 0) is None:
            del sys.modules["dask"]


def main(argv=None) -> int:
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}{unknown_hint(args, extra)}")
    except SystemExit as e:  # argparse already printed its one line (or the help)
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    # Only a whole CLI process (the console script) hides dask: xarray reads "is dask installed" once at import,
    # and a caller that goes on to use dask (a notebook, the test suite, a sweep on a cluster) must not inherit it.
    trim = argv is None and args.command in ("run", "store")
    if argv is None:   # the console script is its process's only job: independent parts of a run use two cores
        from ..core.lanes import set_default_lanes

        set_default_lanes(min(2, os.cpu_count() or 1))
    try:
        with dask_unseen() if trim else contextlib.nullcontext():
            return args.func(args) or 0
    except BaseException as e:  # noqa: BLE001 — errors.report re-raises what is not a user's error
        if isinstance(e, SystemExit):
            raise
        return report(e)


if __name__ == "__main__":
    sys.exit(main())
