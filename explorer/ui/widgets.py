"""Widgets the shell's sidebar is made of: a number control whose box is a text box (so that every typed value,
good or bad, reaches the experiment and meets a sentence), a discrete slider without Panel's change debounce,
and helpers for hover help and text. Nothing here names a study.
"""
from __future__ import annotations

import html
import math

import panel as pn
import param


def fmt(value) -> str:
    """A value as the box shows it ("" for None, ``%g`` for floats)."""
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def escape(text) -> str:
    """Text for an HTML-rendering pane: every character shown as itself, never as markup."""
    return html.escape(str(text), quote=False)


def attribute(text) -> str:
    """Text for an HTML attribute's value in double quotes: quotes escaped too, so it cannot end the attribute."""
    return html.escape(str(text), quote=True)


def number(text):
    """Typed text as the number it reads as (so that a sentence quotes ``1000``, not ``'1000'``), else the text."""
    t = str(text).strip()
    for kind in (int, float):
        try:
            value = kind(t)
        except ValueError:
            continue
        return value if value == value and value not in (float("inf"), float("-inf")) else t
    return text


def with_help(widget, doc):
    """The widget with its parameter's doc as a hover tooltip (where the widget has no ``description``)."""
    if "description" in widget.param:
        widget.description = doc
        return widget
    return pn.Row(widget, pn.widgets.TooltipIcon(value=doc, width=20, margin=(22, 0, 0, 0)),
                  sizing_mode="stretch_width", margin=0)


#: Slider properties whose changes skip Panel's 50 ms debounce (:func:`prompt`).
PRIORITY = ["value", "value_throttled"]


def prompt(slider):
    """``slider``, whose released value reaches the server's callbacks at once (this instance only).

    Panel holds every widget change for 50 ms (``Syncable._debounce``) to merge bursts, unless the property is
    one of the widget's ``_priority_changes``. A released slider (``value_throttled``, sent after ``value``) is
    already the end of a burst, so both are marked priority (``value`` too: while it waits, the
    ``value_throttled`` behind it waits with it). A key press on a slider reached the page's callback ~57 ms
    after it arrived at the server, 50 of them waiting.
    """
    slider._priority_changes = PRIORITY
    return slider


class PromptDiscreteSlider(pn.widgets.DiscreteSlider):
    """A DiscreteSlider whose released value reaches the server's callbacks at once (:func:`prompt`)."""

    def _update_options(self, *events):
        super()._update_options(*events)
        if self._slider is not None:   # the inner IntSlider is rebuilt whenever the options change
            prompt(self._slider)


class TypedBox:
    """A text box whose every submitted text goes to ``submit(text)`` — also a re-typed, unchanged one
    (Enter sends ``enter_pressed`` even when the value did not change), so that re-typing the value in force
    clears an alert. ``show(value)`` puts the value in force back into the box."""

    def __init__(self, submit, **kw):
        self.widget = pn.widgets.TextInput(**kw)
        self._submit, self._quiet = submit, False
        self.widget.param.watch(lambda e: self._send(e.new), "value")
        self.widget.param.watch(lambda e: self._send(self.widget.value_input), "enter_pressed")

    def _send(self, text):
        if not self._quiet:
            self._submit(text if text is not None else "")

    def show(self, value):
        text = fmt(value)
        self._quiet = True
        try:
            self.widget.param.update(value=text, value_input=text)
        finally:
            self._quiet = False


class LogScale:
    """A slider position in log10 units for a value over soft bounds ``0 < lo < hi``, and back: a dragged value
    is rounded to two significant digits (integers also to the parameter's step), so 1e-5 … 1e-2 are all one
    drag away instead of the lowest decade sitting in the slider's first pixel."""

    def __init__(self, lo, hi, integer: bool, step):
        self.lo, self.hi, self.integer, self.step = math.log10(lo), math.log10(hi), integer, step or 1

    def position(self, value):
        return self.lo if value is None or value <= 0 else min(max(math.log10(value), self.lo), self.hi)

    def value(self, position):
        v = float(f"{10 ** position:.2g}")
        if self.integer:
            return max(int(round(v / self.step)) * self.step, self.step)
        return v


class NumberControl(pn.viewable.Viewer):
    """A slider over the parameter's soft bounds with a text box beside its label.

    Dragging sends numbers; the box sends its text as typed (``"abc"``, ``"2.5"``, ``"0"``), which
    ``Experiment.apply`` parses and, when refused, answers with a sentence; the box then shows the value in
    force again. With ``log`` the slider moves in powers of ten (:class:`LogScale`). The whole control carries
    the CSS class ``ctl-<name>`` (its first ``input`` is the box).
    """

    def __init__(self, par: param.Number, value, submit, name: str, log: bool = False):
        self.par, self.integer = par, isinstance(par, param.Integer)
        lo, hi = self._range()
        self.scale = LogScale(lo, hi, self.integer, par.step) if log else None
        common = dict(value=self._position(value), show_value=False, sizing_mode="stretch_width", margin=(0, 10))
        if self.scale:
            self.slider = prompt(pn.widgets.FloatSlider(start=self.scale.lo, end=self.scale.hi,
                                                        step=(self.scale.hi - self.scale.lo) / 200, **common))
        elif self.integer:
            self.slider = prompt(pn.widgets.IntSlider(start=int(lo), end=int(max(hi, lo + 1)), step=par.step or 1,
                                                      **common))
        else:
            self.slider = prompt(pn.widgets.FloatSlider(start=lo, end=hi, step=par.step or (hi - lo) / 100, **common))
        self.box = TypedBox(lambda text: submit(name, number(text)), value=fmt(value), width=110, margin=(0, 10))
        self._quiet = False
        self.slider.param.watch(lambda e: None if self._quiet else submit(name, self._value(e.new)),
                                "value_throttled")
        label = pn.pane.HTML(f"<label>{escape(par.label)}</label>", margin=(8, 10, 0, 10),
                             sizing_mode="stretch_width", styles={"font-size": "0.95em"})
        self._layout = pn.Column(pn.Row(label, self.box.widget, sizing_mode="stretch_width", margin=0),
                                 self.slider, sizing_mode="stretch_width", margin=(0, 0, 6, 0),
                                 css_classes=[f"ctl-{name}"])

    def _range(self):
        lo, hi = self.par.get_soft_bounds()
        return (lo if lo is not None else 0), (hi if hi is not None else (lo or 0) + 1)

    def _clip(self, value):
        lo, hi = self._range()
        if value is None:
            return lo
        return min(max(value, lo), max(hi, lo + (1 if self.integer else 0)))

    def _position(self, value):
        """Where the slider shows ``value`` (its log10 on a log scale)."""
        return self.scale.position(value) if self.scale else self._clip(value)

    def _value(self, position):
        """The value a dragged slider position stands for."""
        return self.scale.value(position) if self.scale else position

    @property
    def disabled(self):
        return self.slider.disabled

    @disabled.setter
    def disabled(self, value):
        self.slider.disabled = self.box.widget.disabled = value

    def follow(self, value):
        """Move the slider's ends if the parameter's bounds moved (nothing is sent otherwise)."""
        if self.scale:   # fixed soft bounds: a log slider's ends do not move
            return
        lo, hi = self._range()
        if self.integer:
            lo, hi = int(lo), int(max(hi, lo + 1))
        if (self.slider.start, self.slider.end) != (lo, hi):
            self.show(value)

    def show(self, value):
        """Show the value in force (and follow bounds that moved with other settings)."""
        lo, hi = self._range()
        if self.integer:
            lo, hi = int(lo), int(max(hi, lo + 1))
        updates = {} if self.scale else {k: v for k, v in (("start", lo), ("end", hi)) if getattr(self.slider, k) != v}
        clipped = self._position(value)
        self._quiet = True
        try:
            with param.edit_constant(self.slider):
                self.slider.param.update(**updates, value=clipped, value_throttled=clipped)
        finally:
            self._quiet = False
        self.box.show(value)

    def __panel__(self):
        return self._layout
