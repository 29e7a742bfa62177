"""The explorer in a plain Jupyter notebook, in ipywidgets' idiom (no Panel needed).

- :func:`progress` — an ``on_progress`` callback that shows a run's progress as a bar in the cell
  (``experiment.result(on_progress=progress())``), or as printed lines outside a notebook.
- :func:`interact` — a study's experiment driven by ipywidgets controls built from its settings (the same
  declarations as the CLI flags and the app's sidebar): change a control, and the view below it shows that
  setting, loaded from the run store when seen before, trained (with a progress bar) otherwise.

Values typed into a control go through the experiment's ``apply``, so a refused value gets the same sentence
as on the command line and in the app, shown as plain text.
"""
from __future__ import annotations

import math
import time

import ipywidgets as widgets
import param
from IPython.display import display

from .core.config import ConfigError
from .core.experiment import Experiment
from .core.progress import progress_words, provenance_words


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:   # pragma: no cover — IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and "Terminal" not in type(shell).__name__


class progress:
    """A progress bar for one run: pass an instance as ``on_progress``; it fills with training (0–75 %) and
    measuring (75–100 %) and says the epoch, loss and test accuracy, as the app's status line does."""

    def __init__(self, label: str = "run", bar: bool | None = None):
        self.label, self.t0, self._last, self.waited = label, time.perf_counter(), "", False
        self.bar = _in_notebook() if bar is None else bar
        if self.bar:
            self.widget = widgets.FloatProgress(value=0, min=0, max=100, description=label,
                                                layout=widgets.Layout(width="50%"))
            self.text = widgets.Label("looking in the store …")
            display(widgets.HBox([self.widget, self.text]))

    def __call__(self, event: dict):
        self.waited = self.waited or event.get("stage") == "locked"
        percent, words = progress_words(event)
        if words is None:
            return
        stage = (event.get("part"), event.get("stage"), event.get("metric"), event.get("text"))   # outside a
        # notebook one line is printed per stage (and per metric measured), not per step
        words = f"{words} · {time.perf_counter() - self.t0:.0f} s"
        if self.bar:
            if percent is not None:
                self.widget.value = max(self.widget.value, min(float(percent), 100))
            self.text.value = words
        elif stage != self._last:
            self._last = stage
            print(f"{self.label}: {words}", flush=True)

    def done(self, result):
        """Fill the bar and say where the result came from."""
        words = (f"{provenance_words(result, result.cached)} in {time.perf_counter() - self.t0:.1f} s"
                 + (", after waiting for another process that was training it" if self.waited and result.cached
                    else ""))
        if self.bar:
            self.widget.value, self.widget.bar_style, self.text.value = 100, "success", words
        else:
            print(f"{self.label}: {words}", flush=True)


def result(experiment: Experiment, label: str = "run"):
    """``experiment.result()`` with a progress bar in the cell."""
    if not isinstance(experiment, Experiment):
        raise TypeError(f"notebook.result takes an experiment (e.g. study.experiment_class(n=10)), not a "
                        f"{type(experiment).__name__}.")
    bar = progress(label)
    try:
        out = experiment.result(on_progress=bar)
    except ConfigError as e:   # said in a notebook's words: dataset='digits', not the CLI's --dataset digits
        raise type(e)(in_code(str(e), experiment)) from None
    bar.done(out)
    return out


def in_code(sentence: str, experiment: Experiment) -> str:
    """A message written for the command line in a notebook's words: ``--dataset digits`` → ``dataset='digits'``,
    ``--n 10`` → ``n=10`` (a value a setting takes; prose after a flag, "--seeds is …", stays as it is)."""
    def say(name, text):
        try:
            float(text)
            return f"{name}={text}"                 # a number as it is
        except ValueError:
            choices = getattr(experiment.param[name], "objects", None)
            return f"{name}={text!r}" if choices and text in choices else None
    return experiment.reword_flags(sentence, say)


def control(experiment: Experiment, name: str) -> widgets.Widget:
    """The ipywidgets control of one setting, from its parameter (bounds, soft bounds, step, choices)."""
    p = experiment.param[name]
    value, style = getattr(experiment, name), {"description_width": "initial"}
    common = dict(description=p.label, value=value, style=style, layout=widgets.Layout(width="95%"),
                  continuous_update=False)
    if isinstance(p, param.Boolean):
        return widgets.Checkbox(description=p.label, value=value, style=style)
    if isinstance(p, param.Selector):
        return widgets.Dropdown(options=list(p.objects), value=value, description=p.label, style=style)
    if isinstance(p, param.Number) and value is not None:
        lo, hi = p.softbounds or (None, None)
        lo = lo if lo is not None else (p.bounds or (None, None))[0]
        hi = hi if hi is not None else (p.bounds or (None, None))[1]
        if lo is not None and hi is not None and lo <= value <= hi:
            if isinstance(p, param.Integer):
                return widgets.IntSlider(min=int(lo), max=int(hi), step=int(p.step or 1), **common)
            declared = experiment.declared(name)   # p's own bounds follow n; its declared ones
            hard = (declared.bounds if declared is not None and declared.bounds else None) or p.bounds or (None, None)
            wide = bool(hard[0] and hard[1] and hard[1] / hard[0] >= 1000)   # decades (p: 1/n² to 1)
            if lo > 0 and (wide or getattr(declared, "log", False)):   # as the page's sidebar: a log slider
                a, b = math.log10(lo), math.log10(hi)
                return widgets.FloatLogSlider(base=10, min=a, max=b, step=(b - a) / 200, readout_format=".3g",
                                              **common)
            return widgets.FloatSlider(min=float(lo), max=float(hi), step=float(p.step or (hi - lo) / 100),
                                       readout_format=".3g", **common)
    return widgets.Text(value="" if value is None else str(value), description=p.label, style=style,
                        continuous_update=False)


def follow(experiment: Experiment, name: str, c: widgets.Widget):
    """Bring control ``c`` in line with the experiment: its bounds (which may follow another setting, as p's
    follow n) and its value (the one in force after a refused value)."""
    value, p = getattr(experiment, name), experiment.param[name]
    if isinstance(c, (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider)) and p.softbounds:
        lo, hi = (s if s is not None else b for s, b in zip(p.softbounds, p.bounds or (None, None)))
        if lo is not None and hi is not None:
            lo, hi = min(lo, value), max(hi, value)
            if isinstance(c, widgets.FloatLogSlider):   # its min and max are exponents
                lo, hi = math.log10(lo), math.log10(hi)
            if hi < c.min:   # in an order that never has min above max on the way
                c.min, c.max = lo, hi
            else:
                c.max, c.min = hi, lo
    c.value = str(value) if isinstance(c, widgets.Text) else value


def interact(experiment: Experiment, view=None, names=None) -> widgets.VBox:
    """Controls for ``names`` (default: every setting that is not advanced) over the output of ``view``.

    ``view`` is a name from the study's ``VIEWS`` (default: its headline view) or any callable
    ``view(result)`` returning something a notebook displays (a HoloViews object, a figure, text). Returns the
    widget (display it, or leave it as the cell's last expression); ``.controls`` holds the controls by name.
    """
    from . import studies   # the registry, imported when called (shared code names no study)

    views = studies.get(experiment.config_class.STUDY).views
    if not callable(view) and view is not None and view not in views:
        raise ValueError(f"{view!r}: not a view of this study (its views: {', '.join(views)}).")
    view = view if callable(view) else views[view or next(iter(views))]
    names = [names] if isinstance(names, str) else names   # one name: names="p"
    names = list(names) if names is not None else [n for n in experiment.setting_names()
                                                    if n not in experiment.advanced()]
    unknown = [n for n in names if n not in experiment.setting_names()]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not a setting of this study (its settings: "
                         f"{', '.join(experiment.setting_names())}).")
    controls = {n: control(experiment, n) for n in names}
    refused, out = widgets.Label(""), widgets.Output()

    busy = []

    def show(*_):
        if busy:   # the controls being brought in line with the experiment below
            return
        errors = experiment.apply(**{n: c.value for n, c in controls.items()})
        busy.append(True)
        try:
            for n, c in controls.items():   # bounds that follow other settings (p's with n); refused values
                follow(experiment, n, c)
        finally:
            busy.clear()
        problem = experiment.problem()
        refused.value = " ".join(list(errors.values()) + ([problem] if problem else []))
        out.clear_output(wait=True)
        if problem:
            return
        with out:
            display(view(result(experiment, studies.get(experiment.config_class.STUDY).title)))

    for c in controls.values():
        c.observe(show, names="value")
    box = widgets.VBox([*controls.values(), refused, out])
    box.controls, box.show = controls, show
    show()
    return box
