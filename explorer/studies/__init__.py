"""The registry of studies. A study is a folder here with the same few modules:

============  =====================================================================================
module        what it holds (and the names the house looks for)
============  =====================================================================================
config.py     ``Config``: its settings, each declared once (no torch, param or Panel)
run.py        ``run_many(configs, on_progress=None, cancel=None) -> list[Result]`` (batched ensembles)
result.py     ``summary(result) -> dict`` (JSON-able), ``text(config, result) -> str`` (the CLI's summary),
              ``entry_summary(ds) -> dict`` (``explorer store info``)
experiment.py ``Experiment``: the param class a notebook or a page drives
views.py      ``VIEWS``: {name: builder(result) -> HoloViews object}
page.py       ``Page``: the study's page of the app (a ``pn.viewable.Viewer``)
reproduce/    ``FIGURES``: the papers' figures as sweeps (:class:`explorer.core.figure.Figure`)
lessons.py    ``LESSONS``: named opening settings for a class (:class:`explorer.core.lessons.Lesson`)
============  =====================================================================================

Modules are imported only when asked for, so the CLI lists studies without importing torch or Panel.
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
from dataclasses import dataclass

__all__ = ["Study", "STUDIES", "names", "get", "lesson", "study_of"]


@dataclass(frozen=True)
class Study:
    name: str          #: registry name, CLI verb and URL value
    title: str         #: page title
    question: str      #: the question it answers, one sentence
    papers: str        #: who to cite, e.g. "Béna & Goodman 2023a, 2023b"

    def module(self, part: str):
        return importlib.import_module(f"{__name__}.{self.name}.{part}")

    @property
    def config_class(self):
        return self.module("config").Config

    @property
    def result(self):
        return self.module("result")

    def run_many(self, configs, on_progress=None, cancel=None):
        return self.module("run").run_many(configs, on_progress=on_progress, cancel=cancel)

    @property
    def remeasure(self):
        """``remeasure(config, stored, cancel=None) -> Result``: stored networks measured with ``config``'s
        measuring settings (a study that declares ``Setting.measured`` settings has one), else None."""
        return getattr(self.module("run"), "remeasure", None)

    @property
    def experiment_class(self):
        return self.module("experiment").Experiment

    @functools.cached_property
    def views(self) -> dict:
        """``{name: view(result)}``; a view handed something else (an experiment, a config) says so, and a name
        it does not have gets a sentence naming the closest one (a KeyError)."""
        return _Views({name: _draws_a_result(name, view) for name, view in self.module("views").VIEWS.items()})

    @property
    def page_class(self):
        return self.module("page").Page

    def page_defaults(self) -> dict:
        """The study page's opening setting (``PAGE_DEFAULTS`` of its experiment module, no Panel needed) with
        this study's entry of ``$EXPLORER_APP_DEFAULTS`` over it (:func:`opening_setting`)."""
        return opening_setting(self.name, getattr(self.module("experiment"), "PAGE_DEFAULTS", {}))

    def optional(self, part: str):
        """The study's module ``part`` if it has one (``reproduce``, ``lessons``), else None."""
        found = importlib.util.find_spec(f"{__name__}.{self.name}.{part}") is not None
        return self.module(part) if found else None

    @property
    def figures(self) -> dict:
        """``{name: Figure}`` from the study's ``reproduce/`` package (none when it has none)."""
        module = self.optional("reproduce")
        return dict(module.FIGURES) if module else {}

    @property
    def lessons(self) -> dict:
        """``{name: Lesson}`` from the study's ``lessons.py`` (none when it has no such module)."""
        module = self.optional("lessons")
        return {lesson.name: lesson for lesson in module.LESSONS} if module else {}


class _Views(dict):
    def __missing__(self, name):
        from ..core.config import closest

        close = closest(str(name), list(self))
        raise KeyError(f"there is no view called {str(name)[:40]!r}" + (f" (did you mean {close!r}?)" if close else "")
                       + f"; the views: {', '.join(self)}.")


def _draws_a_result(name: str, view):
    @functools.wraps(view)
    def draw(result, *args, **kwargs):
        if not (hasattr(result, "data") and hasattr(result, "config")):
            raise TypeError(f"the view {name!r} draws a result, not a {type(result).__name__}: pass "
                            "experiment.result() or notebook.result(experiment).")
        return view(result, *args, **kwargs)
    return draw


STUDIES: dict[str, Study] = {s.name: s for s in [
    Study("specialization", "Specialization",
          "When do two connected modules each specialize on their own sub-task, and how does that unfold in time?",
          "Béna & Goodman 2023a, 2023b"),
    Study("bimt", "BIMT growing brains",
          "Do neurons that serve the same tasks gather in one place on the sheet when wiring is costly?",
          "Liu et al. 2023"),
    Study("growth", "Modular growth",
          "Does a network that grows one module per curriculum step learn more, and survive perturbation better, "
          "than an RNN of the same size?", "Hamidi et al. 2024"),
]}


def names() -> list[str]:
    return list(STUDIES)


def get(name: str) -> Study:
    try:
        return STUDIES[name]
    except KeyError:
        from ..core.config import ConfigError

        raise ConfigError(f"there is no study called {name!r}; the studies are {', '.join(STUDIES)}.") from None


def lesson(name: str):
    """``(study, lesson)`` for a lesson name (names are unique across the house); ``KeyError`` with a sentence
    naming every lesson when there is none of that name."""
    every = {}
    for study in names():
        for key, value in get(study).lessons.items():
            every[key] = (get(study), value)
    return one_of(every, name, "lesson")


def one_of(every: dict, name, what: str, error: type[Exception] = KeyError):
    """``every[name]``, or ``error`` with one sentence naming all of them (a name from a link or a command line
    is shown cut to 40 characters, as its repr: never as markup)."""
    if name not in every:
        listed = ", ".join(every) or "none"
        raise error(f"there is no {what} called {str(name)[:40]!r}; the {what}s: {listed}.")
    return every[name]


def opening_setting(study: str, defaults: dict) -> dict:
    """``defaults`` updated by ``study``'s entry of ``$EXPLORER_APP_DEFAULTS``, a JSON object keyed by study name
    (``{"specialization": {"epochs": 2}}``): each page takes only its own study's values, so one variable serves
    every page of the hub."""
    from ..core.config import ConfigError

    extra = os.environ.get("EXPLORER_APP_DEFAULTS")
    try:
        keyed = json.loads(extra) if extra else {}
    except ValueError:
        keyed = None
    if not isinstance(keyed, dict) or not all(isinstance(v, dict) for v in keyed.values()):
        raise ConfigError('$EXPLORER_APP_DEFAULTS must be a JSON object keyed by study, e.g. '
                          '{"specialization": {"epochs": 2}}; unset it for the pages\' own opening settings.')
    return {**defaults, **keyed.get(study, {})}


def study_of(config) -> Study:
    """The study a config belongs to."""
    return get(type(config).STUDY)
