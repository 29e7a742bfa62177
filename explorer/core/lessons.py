"""Lessons: a named opening setting of a study page with the controls a class does not need hidden.

A study declares its lessons in ``explorer/studies/<name>/lessons.py`` (``LESSONS``, a tuple of
:class:`Lesson`); ``apps/dynamics.py?lesson=<name>`` opens that study's page on the lesson (lesson names are
unique in the house), and ``explorer lessons`` lists them as links (docs/lessons.md) and, with ``--warm``,
trains every lesson's setting into the store so a class opens on stored results (binder/postBuild).

No param, torch or Panel here: an experiment is passed in by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .config import ConfigError


@dataclass(frozen=True)
class Lesson:
    name: str                 #: the URL value, ``?lesson=<name>`` (lowercase words and hyphens)
    title: str                #: a few words, shown above the controls
    question: str             #: the question the class answers with the page, one sentence
    settings: dict = field(default_factory=dict)   #: values applied over the page's defaults (as a URL gives them)
    hide: tuple = ("advanced",)   #: controls hidden ("advanced" = every advanced one)
    #: one setting and the values the class will try: the store is warmed with each (one batched run when the
    #: setting is per-network), so the slider's stops open at once. The values may be a function of the opening
    #: experiment (specialization's p stops follow n: a page opened with another n warms its own stops)
    warm: tuple = ()

    def link(self, base: str = "") -> str:
        """The lesson's link (``base`` is the app's address, e.g. ``http://localhost:5006/dynamics``; a query it
        already has is kept, ``?theme=dark`` → ``?theme=dark&lesson=…``, and a lesson in it is replaced)."""
        parts = urlsplit(base)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lesson"]
        return urlunsplit(parts._replace(query=urlencode([*query, ("lesson", self.name)])))

    def experiments(self, experiment_class, defaults: dict) -> list:
        """The experiments the lesson opens on and warms: its setting over the page's ``defaults``, then one
        per value of :attr:`warm`. Raises :class:`ConfigError` (a ``ValueError``) with the refused values' sentences."""
        def make(extra):
            experiment = experiment_class()
            errors = experiment.apply(**{**defaults, **self.settings, **extra})
            if errors or experiment.problem():
                raise ConfigError(f"lesson {self.name!r}: " + " ".join(filter(None, [*errors.values(),
                                                                                  experiment.problem()])))
            return experiment

        out = [make({})]
        if self.warm:
            name, values = self.warm
            out += [make({name: v}) for v in self.warm_values(out[0])]
        return out

    def configs(self, experiment_class, defaults: dict) -> list:
        """The distinct configs of :meth:`experiments`, in their order (a warm value that lands on the opening
        setting is one run)."""
        return list(dict.fromkeys(e.config() for e in self.experiments(experiment_class, defaults)))

    def warm_values(self, experiment) -> list:
        """The values of :attr:`warm`'s setting for the lesson's opening ``experiment``."""
        values = self.warm[1] if self.warm else ()
        return list(values(experiment) if callable(values) else values)

    def hidden(self, advanced) -> tuple:
        """The names of the controls this lesson hides."""
        names = [n for n in self.hide if n != "advanced"]
        return tuple(dict.fromkeys((list(advanced) if "advanced" in self.hide else []) + names))
