"""The sidebar of any study: one control per setting of its experiment, built from the parameter (type, label,
bounds, soft bounds, doc), in the experiment's groups.

Every control writes through ``experiment.apply`` so that a value outside its bounds or unreadable (typed
into a box, or arriving from the URL) is refused with one readable sentence instead of an exception, and the
control shows the value in force again. The experiment stays the single source of truth: when it changes
(URL, bounds that follow other settings), the controls follow. A page replaces the control of a setting by
passing ``overrides={name: factory}``; ``factory(sidebar, name)`` returns a :class:`Control`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import panel as pn
import param

from .widgets import NumberControl, TypedBox, escape, fmt, with_help


@dataclass
class Control:
    """A setting's control: what the sidebar lays out, how it shows the value in force, and (optionally) what
    it does when other settings moved its bounds."""
    panel: object
    show: Callable
    follow: Callable | None = None
    disable: Callable | None = None


def _radio(par) -> bool:
    return len(par.objects) <= 3 and all(len(str(o)) <= 10 for o in par.objects)


class Sidebar:
    """The controls of one experiment. ``on_errors(dict)`` receives ``{name: sentence}`` whenever a value is
    refused ({} when a value was accepted); ``on_change(names)`` after the experiment changed."""

    def __init__(self, experiment, on_errors, overrides: dict | None = None, on_change=None):
        self.exp, self.on_errors, self.on_change = experiment, on_errors, on_change
        self.controls: dict[str, Control] = {}
        self._syncing = False
        overrides = overrides or {}
        for names in experiment.groups().values():
            for name in names:
                make = overrides.get(name, type(self).control)
                self.controls[name] = make(self, name)
        experiment.param.watch(self._from_experiment, experiment.setting_names())

    # ------------------------------------------------------------------ building
    def control(self, name) -> Control:
        """The default control of a setting, chosen by its parameter's type."""
        par, value = self.exp.param[name], getattr(self.exp, name)
        css = [f"ctl-{name}"]
        if isinstance(par, param.Selector) and _radio(par):
            w = pn.widgets.RadioButtonGroup(options=list(par.objects), value=value, color="primary",
                                            variant="outline", sizing_mode="stretch_width")
            w.param.watch(lambda e: self.submit(name, e.new), "value")
            label = pn.pane.HTML(f"<label>{escape(par.label)}</label>", margin=(6, 10, -4, 10))
            box = pn.Column(label, with_help(w, par.doc), sizing_mode="stretch_width", margin=0, css_classes=css)
            return Control(box, self._setter(w), disable=lambda off: setattr(w, "disabled", off))
        if isinstance(par, param.Selector):
            w = pn.widgets.Select(label=par.label, options=list(par.objects), value=value,
                                  sizing_mode="stretch_width", css_classes=css)
        elif isinstance(par, param.Boolean):
            w = pn.widgets.Checkbox(label=par.label, value=value, sizing_mode="stretch_width", css_classes=css)
        elif isinstance(par, param.Number) and not par.allow_None:
            c = NumberControl(par, value, self.submit, name, log=getattr(self.exp.declared(name), "log", False))
            c.box.widget.description = par.doc
            return Control(c, c.show, follow=lambda: c.follow(getattr(self.exp, name)),
                           disable=lambda off: setattr(c, "disabled", off))
        else:   # text, and numbers that may be left to "auto"
            declared = self.exp.declared(name)
            box = TypedBox(lambda text: self.submit(name, text), label=par.label, value=fmt(value),
                           placeholder=getattr(declared, "empty", "auto") if isinstance(par, param.Number)
                           else declared.empty if declared is not None and declared.allow_none else "",
                           sizing_mode="stretch_width", css_classes=css)
            return Control(with_help(box.widget, par.doc), box.show,
                           disable=lambda off: setattr(box.widget, "disabled", off))
        w.param.watch(lambda e: self.submit(name, e.new), "value")
        return Control(with_help(w, par.doc), self._setter(w), disable=lambda off: setattr(w, "disabled", off))

    def _setter(self, widget):
        def show(value):
            self._syncing = True
            try:
                widget.value = value
            finally:
                self._syncing = False
        return show

    # ------------------------------------------------------------------ syncing
    def submit(self, name, value):
        """A person set ``name`` to ``value`` (a number, or text as typed)."""
        if self._syncing:
            return
        errors = self.exp.apply(**{name: value})
        if errors:
            self.show(name)   # the value in force, again
        self.on_errors(errors)

    def show(self, name):
        self._syncing = True
        try:
            self.controls[name].show(getattr(self.exp, name))
        finally:
            self._syncing = False

    def _from_experiment(self, *events):
        names = [e.name for e in events]
        for name in names:
            self.show(name)
        self._syncing = True
        try:   # bounds that follow other settings (p ≥ 1/n², steps < T …) move the sliders' ends
            for name, c in self.controls.items():
                if c.follow is not None and name not in names:
                    c.follow()
        finally:
            self._syncing = False
        if self.on_change is not None:
            self.on_change(names)

    def disable(self, name, off: bool = True):
        c = self.controls.get(name)
        if c is not None and c.disable is not None:
            c.disable(off)

    # ------------------------------------------------------------------ layout
    def panel(self, hidden=(), open_groups: int = 2) -> pn.Column:
        """Cards per group; the first ``open_groups`` open, the others collapsed. ``hidden`` names are left out.
        Collapsed cards are filled when first opened (a page builds faster)."""
        cards = []
        for i, (group, names) in enumerate(self.exp.groups().items()):
            shown = [self.controls[n].panel for n in names if n not in hidden]
            if not shown:
                continue
            collapsed = i >= open_groups
            card = pn.Card(*([] if collapsed else shown), title=group, collapsed=collapsed,
                           sizing_mode="stretch_width", margin=(5, 0), css_classes=[f"group-{i}"])
            if collapsed:
                def fill(event, card=card, shown=shown):
                    if not event.new and not card.objects:
                        card.objects = shown
                card.param.watch(fill, "collapsed")
            cards.append(card)
        return pn.Column(*cards, sizing_mode="stretch_width", margin=0)
