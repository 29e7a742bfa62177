"""Sidebar widgets built from the experiment's parameters (type, label, bounds, soft bounds, doc).

Each widget writes through ``experiment.apply`` so that a value outside its bounds (typed into a slider's
box, or arriving from the URL) is refused with one readable sentence instead of an exception, and the
widget snaps back to the value in force. The experiment stays the single source of truth: when it
changes (URL, bounds that follow n or T), the widgets follow.
"""
from __future__ import annotations

import param
import panel as pn

from ..experiments import GROUPS, SpecializationExperiment, p_grid, p_label
from .compat import PromptDiscreteSlider, look, titled

_RADIO = ("input", "readout", "connectivity", "start_mode")
_TEXT = ("data_dir", "deep_r_lr")


def _with_help(widget, doc):
    """The widget with its parameter's doc as a hover tooltip (where the widget has no ``description``)."""
    if "description" in widget.param:
        widget.description = doc
        return widget
    return pn.Row(widget, pn.widgets.TooltipIcon(value=doc, width=20, margin=(22, 0, 0, 0)),
                  sizing_mode="stretch_width", margin=0)


def _fmt(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


class Controls:
    """The widgets of one experiment, grouped as in :data:`experiments.GROUPS`.

    ``on_errors(dict)`` receives ``{name: sentence}`` whenever a value is refused ({} when all is well).
    """

    def __init__(self, experiment: SpecializationExperiment, on_errors):
        self.exp = experiment
        self.on_errors = on_errors
        self.widgets: dict[str, pn.viewable.Viewable] = {}  #: what the sidebar shows, per parameter
        self.inputs: dict[str, pn.widgets.Widget] = {}       #: the widget that holds each value
        self._syncing = False
        for group in GROUPS.values():
            for name in group:
                self.widgets[name] = self._p_widget() if name == "p" else self._widget(name)
        self.exp.param.watch(self._from_experiment, [n for g in GROUPS.values() for n in g])
        self.exp.param.watch(self._bounds_changed, ["n", "steps"])
        self.exp.param.watch(lambda e: self._start_mode(), ["start_mode"])
        self._start_mode()

    # ------------------------------------------------------------------ building
    def _widget(self, name):
        par = self.exp.param[name]
        value = getattr(self.exp, name)
        common = dict(**titled(par.label), sizing_mode="stretch_width", css_classes=[f"ctl-{name}"])
        if isinstance(par, param.Selector):
            cls = pn.widgets.RadioButtonGroup if name in _RADIO else pn.widgets.Select
            w = cls(options=list(par.objects), value=value, **common)
            if cls is pn.widgets.RadioButtonGroup:
                w.param.update(**look("primary", "outline"))
                event = "value"
                w.param.watch(lambda e, name=name: self._to_experiment(name, e.new), event)
                self.inputs[name] = w
                label = pn.pane.Markdown(f"{par.label}", margin=(6, 10, -6, 10))
                return pn.Column(label, _with_help(w, par.doc), sizing_mode="stretch_width", margin=0)
        elif isinstance(par, param.Boolean):
            w = pn.widgets.Checkbox(**titled(par.label), value=value, sizing_mode="stretch_width",
                                    css_classes=[f"ctl-{name}"])
        elif name in _TEXT:
            w = pn.widgets.TextInput(value=_fmt(value), placeholder="auto" if name == "deep_r_lr" else "",
                                     **common)
        elif isinstance(par, param.Number):
            lo, hi = par.get_soft_bounds()
            if isinstance(par, param.Integer):
                w = pn.widgets.EditableIntSlider(start=int(lo), end=int(max(hi, lo + 1)), step=par.step or 1,
                                                 value=value, **common)
            else:
                w = pn.widgets.EditableFloatSlider(start=lo, end=hi, step=par.step or (hi - lo) / 100,
                                                   value=value, format="0[.][0000]", **common)
        else:
            w = pn.widgets.TextInput(value=_fmt(value), **common)
        event = "value_throttled" if "value_throttled" in w.param else "value"
        w.param.watch(lambda e, name=name: self._to_experiment(name, e.new), event)
        self.inputs[name] = w
        return _with_help(w, par.doc)

    def _p_widget(self):
        """p on a log grid (1/n², then 1-2-5 per decade) plus a box for any exact value or ``1/n2``."""
        par = self.exp.param.p
        self._p_slider = PromptDiscreteSlider(**titled(par.label), options=self._p_options(), value=self.exp.p,
                                                   sizing_mode="stretch_width", css_classes=["ctl-p"])
        self.inputs["p"] = self._p_slider
        self._p_text = pn.widgets.TextInput(**titled("… or type p (a number, or 1/n2 for one link)"),
                                            value=_fmt(self.exp.p), sizing_mode="stretch_width",
                                            css_classes=["ctl-p-text"])
        self._p_slider.param.watch(lambda e: self._to_experiment("p", e.new), "value_throttled")
        self._p_text.param.watch(lambda e: self._to_experiment("p", e.new), "value")
        self._q = pn.widgets.StaticText(value=self._q_text(), margin=(0, 10), styles={"font-size": "0.9em"})
        return pn.Column(_with_help(self._p_slider, par.doc), self._p_text, self._q, sizing_mode="stretch_width",
                         margin=0)

    def _p_options(self) -> dict:
        grid = sorted(set(p_grid(self.exp.n)) | {self.exp.p})
        return {p_label(v, self.exp.n): v for v in grid}

    def _sync_p_slider(self):
        """Move the p slider to the experiment's p; its options change only when n or an off-grid p asks."""
        options = self._p_options()
        if list(options.values()) != list(self._p_slider.options.values()):
            self._p_slider.param.update(options=options, value=self.exp.p)
        elif self._p_slider.value != self.exp.p:
            self._p_slider.value = self.exp.p

    def _q_text(self) -> str:
        try:
            cfg = self.exp.config()
        except Exception:  # noqa: BLE001 — an inconsistent setting is reported by the alert
            return ""
        return (f"{cfg.links} link{'s' if cfg.links != 1 else ''} each way of {cfg.n ** 2} possible · "
                f"structural modularity Q = {cfg.Q:.3f}")

    # ------------------------------------------------------------------ syncing
    def _to_experiment(self, name, value):
        if self._syncing:
            return
        errors = self.exp.apply(**{name: value})
        if errors:
            self._from_experiment_value(name)  # snap back
        self.on_errors(errors)

    def _from_experiment(self, *events):
        for e in events:
            self._from_experiment_value(e.name)
        self._q.value = self._q_text()

    def _from_experiment_value(self, name):
        value = getattr(self.exp, name)
        self._syncing = True
        try:
            if name == "p":
                self._sync_p_slider()
                self._p_text.value = _fmt(value)
                return
            w = self.inputs[name]
            shown = _fmt(value) if isinstance(w, pn.widgets.TextInput) else value
            if "value_throttled" in w.param:
                with param.edit_constant(w):
                    w.param.update(value=shown, value_throttled=shown)
            else:
                w.value = shown
        finally:
            self._syncing = False

    def _bounds_changed(self, *events):
        self._syncing = True
        try:
            self._sync_p_slider()
            for name in ("comms_start", "start_0", "start_1", "bottleneck"):
                lo, hi = self.exp.param[name].get_soft_bounds()
                self.inputs[name].param.update(start=int(lo), end=int(max(hi, lo + 1)))
        finally:
            self._syncing = False
        self._q.value = self._q_text()

    def _start_mode(self):
        fixed = self.exp.start_mode == "fixed"
        for name in ("start_0", "start_1"):
            self.inputs[name].disabled = not fixed

    # ------------------------------------------------------------------ layout
    def panel(self, hidden=()) -> pn.Column:
        """Cards per group; the Structure card open, the others collapsed. ``hidden`` names are left out."""
        cards = []
        for i, (group, names) in enumerate(GROUPS.items()):
            shown = [self.widgets[n] for n in names if n not in hidden]
            if shown:
                cards.append(pn.Card(*shown, title=group, collapsed=i > 1, sizing_mode="stretch_width",
                                     margin=(5, 0)))
        return pn.Column(*cards, sizing_mode="stretch_width", margin=0)
