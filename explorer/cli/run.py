"""``explorer run <study> [settings…] [--json] [--no-cache]``: one run of a study, from the store when seen before.

A stored answer is read without its weights (no torch import): the summary needs only the numbers. A run that
must train checks the store can take it (``Store.ensure_writable``) before any work starts.
"""
from __future__ import annotations

import re
import sys
import threading

from ..core.config import ConfigError
from ..core.progress import progress_words
from ..core.result import measured_again
from ..core.jsontext import json_text
from .flags import add_setting_flags, config_from_args
from .store import add_store_flag


def add_run_command(subparsers, studies) -> None:
    p = subparsers.add_parser("run", help="train an ensemble of one study (or load it from the store)",
                              description="Train every seed of one setting as one batched ensemble, or load it "
                                          "from the store when it was seen before.")
    sub = p.add_subparsers(dest="study", metavar="{" + ",".join(s.name for s in studies) + "}", required=True,
                           parser_class=type(p))
    for study in studies:
        sp = sub.add_parser(study.name, help=study.question, description=f"{study.title}: {study.question} "
                            f"({study.papers})")
        add_setting_flags(sp, study.config_class)
        add_store_flag(sp)
        sp.add_argument("--json", action="store_true", help="print one JSON object (config, key, entries, "
                        "cached, stored, then the study's summary) instead of the summary text")
        sp.add_argument("--no-cache", action="store_true", help="train even if the run is stored, and store nothing")
        sp.add_argument("--no-progress", action="store_true", help="no progress bar (as sweep's)")
        sp.set_defaults(func=cmd_run, study_obj=study)


class ProgressBar:
    """A progress bar on stderr, created (and tqdm imported) at the first progress event only."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar = enabled, None

    def __call__(self, ev: dict) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=100, unit="%", file=sys.stderr,
                            bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}] {postfix}")
        percent, words = progress_words(ev)
        if words is None:
            return
        self.bar.n = min(100.0, max(self.bar.n, percent if percent is not None else self.bar.n))
        self.bar.set_postfix_str(words.rstrip(" …"), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _one_value_each(study, args) -> None:
    """A comma list in a number's flag asks for several runs: say that ``sweep`` runs them (before parsing, whose
    sentence would only say that the text is not a number)."""
    from ..core.fields import flag_of

    for name, s in study.config_class.settings().items():
        text = getattr(args, name, None)
        if s.kind in ("int", "float") and isinstance(text, str) and "," in text:
            flag = flag_of(name, s)
            decimal = re.fullmatch(r"\s*(\d+),(\d+)\s*", text) if s.kind == "float" else None
            meant = (f" (if you meant {decimal[1]}.{decimal[2]}, write a decimal point)" if decimal else "")
            raise ConfigError(f"{flag} takes one value in 'explorer run'{meant}; 'explorer sweep {study.name} "
                              f"{flag} {text}' runs each of {text}.")


def cmd_run(args) -> int:
    study = args.study_obj
    _one_value_each(study, args)
    config = config_from_args(study.config_class, args)
    bar, cancel = ProgressBar(not (args.json or args.no_progress)), threading.Event()
    try:
        if args.no_cache:
            result = study.run_many([config], on_progress=bar, cancel=cancel)[0]
        else:
            from ..store.store import Store

            store = Store(args.store)
            result = store.load(config, weights=False)
            if result is None:
                store.ensure_writable()   # before training: a bad store path costs no work
                result = store.get_or_run(config, on_progress=bar, cancel=cancel)
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        bar.close()
    # networks stored under other measuring settings, measured again instead of trained (explorer.store.remeasured)
    again = 0 if result.cached else measured_again(result)
    if args.json:
        out = {"config": config.canonical(), "key": config.run_key(),
               "entries": [config.key(s) for s in config.seeds], "cached": bool(result.cached),
               "stored": not args.no_cache,   # False: key and entries name what the store would hold, not what it holds
               "measured_again": again > 0}
        out.update(study.result.summary(result))
        print(json_text(out))
    else:
        print(study.result.text(config, result))
        if again:
            whose = "the networks were" if again == len(config.seeds) else f"{again} of {len(config.seeds)} seeds were"
            print(f"[{whose} stored under other measuring settings: measured again, not trained]")
    return 0
