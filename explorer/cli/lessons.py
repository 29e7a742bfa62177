"""``explorer lessons``: every lesson of every study as a link for a class; ``--warm`` trains them into the store.

    explorer lessons                          # a table: lesson, study, link, question
    explorer lessons --base https://…/dynamics
    explorer lessons --binder OWNER/REPO      # mybinder.org links that launch the repository on each lesson
    explorer lessons --warm                   # store every lesson's setting (and its slider's stops)
    python -m explorer.cli.lessons            # rewrite docs/lessons.md (--check: exit 1 if out of date)

A lesson is declared once, in ``explorer/studies/<name>/lessons.py`` (:class:`explorer.core.lessons.Lesson`).
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from .. import studies
from ..core.config import ConfigError
from .store import add_store_flag

PATH = Path(__file__).resolve().parents[2] / "docs" / "lessons.md"


def every() -> list[tuple]:
    """``[(study, lesson)]`` in registry order."""
    return [(studies.get(n), lesson) for n in studies.names() for lesson in studies.get(n).lessons.values()]


def add_lessons_command(subparsers) -> None:
    p = subparsers.add_parser("lessons", help="list the lessons (links that open a study page for a class); "
                              "--warm stores their runs", description="Lessons: a study page opened on a named "
                              "setting with the controls a class does not need hidden (docs/lessons.md).")
    p.add_argument("--base", default="", metavar="URL",
                   help="the app's address, e.g. http://localhost:5006/dynamics (default: links start at '?')")
    p.add_argument("--binder", default="", metavar="OWNER/REPO[@REF]",
                   help="links that launch this GitHub repository on mybinder.org, each opening its lesson's page "
                        "(REF: a branch, tag or commit; default HEAD), to hand out before a class")
    p.add_argument("--warm", action="store_true", help="train every lesson's setting, and the values its slider "
                   "stops at, into the store (one batched run per study), so a class opens on stored results; "
                   "minutes on an empty store")
    p.add_argument("--no-progress", action="store_true", help="no progress bar while --warm trains (as run's)")
    add_store_flag(p)
    p.set_defaults(func=cmd_lessons)


def check_base(base: str) -> str:
    """``--base``: empty, a path (``/dynamics``) or an http(s) address with a host; else one sentence."""
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    if base and not ((parts.scheme in ("http", "https") and parts.netloc) or (not parts.scheme and
                                                                                base.startswith("/"))):
        raise ConfigError(f"--base {base!r} is not the app's address; give one such as "
                          "http://localhost:5006/dynamics (or a path such as /dynamics).")
    return base


def binder_link(repo: str, lesson) -> str:
    """A mybinder.org launch link for ``OWNER/REPO[@REF]`` whose ``urlpath`` opens the lesson's page on the
    Binder's Panel server (``panel/dynamics?lesson=…``, binder/postBuild); one sentence for anything else."""
    import re
    from urllib.parse import quote

    found = re.fullmatch(r"([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})(?:@([A-Za-z0-9._/-]{1,200}))?",
                         repo.strip())
    if not found:
        raise ConfigError(f"--binder {repo[:60]!r} is not a GitHub repository; give OWNER/REPO or "
                          "OWNER/REPO@BRANCH (e.g. my-lab/modularity-explorer@main).")
    owner, name, ref = found.group(1), found.group(2), found.group(3) or "HEAD"
    return (f"https://mybinder.org/v2/gh/{owner}/{name}/{quote(ref, safe='')}?urlpath="
            + quote(lesson.link("panel/dynamics"), safe=""))


def cmd_lessons(args) -> int:
    check_base(args.base)
    if args.binder and args.base:
        raise ConfigError("give --base (a running app) or --binder (a repository to launch), not both.")
    if args.warm:
        return warm(getattr(args, "store", None), progress=not args.no_progress)
    from .store import table

    link = (lambda lesson: binder_link(args.binder, lesson)) if args.binder else (lambda lesson: lesson.link(args.base))
    rows = [{"lesson": lesson.name, "study": study.name, "link": link(lesson), "title": lesson.title}
            for study, lesson in every()]
    print(table(rows, ["lesson", "study", "link", "title"]))
    return 0


def warm(store_path=None, out=None, progress: bool = True) -> int:
    """Store every lesson's runs (binder/postBuild): per study, one ``get_or_run_many`` over its lessons'
    settings, so networks of one shape train as one ensemble. Says what it trains before it starts (with a
    progress bar on a terminal unless ``progress`` is False), then what it did and how long it took."""
    from ..store import memory
    from ..store.store import Store
    from .run import ProgressBar

    out = out or sys.stderr
    store = Store(store_path)
    store.ensure_writable()
    t_all = time.perf_counter()
    for name in studies.names():
        study = studies.get(name)
        if not study.lessons:
            continue
        defaults = study.page_defaults()
        configs = list(dict.fromkeys(c for lesson in study.lessons.values()
                                     for c in lesson.configs(study.experiment_class, defaults)))
        todo = [c for c in configs if not store.has(c)]
        t0 = time.perf_counter()
        if todo:   # said before the minutes of training, and followed by a bar where someone watches
            print(f"{study.title}: training {_n(len(todo), 'setting')} of {len(configs)} …", file=out, flush=True)
            bar = ProgressBar(progress and getattr(out, "isatty", lambda: False)())
            try:
                memory.get_or_run_many(store, todo, on_progress=bar, cancel=threading.Event())
            finally:
                bar.close()
        print(f"{study.title}: {_n(len(configs), 'setting')} of {_n(len(study.lessons), 'lesson')}, "
              f"{len(todo)} trained in {time.perf_counter() - t0:.0f} s", file=out, flush=True)
    print(f"lessons warmed in {time.perf_counter() - t_all:.0f} s; store {store.root}", file=out, flush=True)
    return 0


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def render(base: str = "http://localhost:5006/dynamics") -> str:
    """The text of docs/lessons.md."""
    lines = ["# Lessons", "",
             "A lesson opens a study page on a named setting with the controls a class does not need hidden: hand "
             "out its link. Generated from `explorer/studies/<study>/lessons.py` by `python -m explorer.cli.lessons`;"
             " do not edit by hand. The links below assume the app runs locally (`make app`); on Binder put "
             "`<binder url>/panel/dynamics` in front instead, or list them for any address with "
             "`explorer lessons --base URL`. A teacher can make a new one on any page: the sidebar's "
             "**Link for a class** card picks a lesson and the controls to hide, and gives the link of the "
             "setting on screen. `explorer lessons --warm` (run by binder/postBuild) stores every lesson's runs, "
             "so each opens on a stored result.", ""]
    for study, lesson in every():
        hidden = [h for h in lesson.hide if h != "advanced"]
        hides = ("the advanced controls" + (" and " if hidden else "") if "advanced" in lesson.hide else "") + \
            ", ".join(f"`{h}`" for h in hidden)
        setting = ", ".join(f"`{k}={v}`" for k, v in lesson.settings.items()) or "the page's own"
        values = lesson.warm_values(lesson.experiments(study.experiment_class, study.page_defaults())[0]) \
            if lesson.warm else []
        warmed = (f" The store is warmed with `{lesson.warm[0]}` = " + ", ".join(f"{v:g}" if isinstance(v, float)
                  else str(v) for v in values) + " (at the page's defaults).") if lesson.warm else ""
        lines += [f"## {lesson.title} (`{lesson.name}`, {study.title})", "",
                  f"[{lesson.link(base)}]({lesson.link(base)})", "", lesson.question, "",
                  f"Setting (over the page's defaults): {setting}. Hides {hides or 'nothing'}.{warmed}", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    from .settings_doc import write_or_check

    return write_or_check(PATH, render(), sys.argv[1:] if argv is None else argv, "python -m explorer.cli.lessons")


if __name__ == "__main__":
    sys.exit(main())
