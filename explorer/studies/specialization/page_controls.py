"""The specialization page's own control: sparsity p on a log grid (1/n², then 1-2-5 per decade) with a box for
any exact value or ``1/n2``, and the link count and modularity Q it means. Every other setting uses the shell's
control for its parameter type."""
from __future__ import annotations

import panel as pn

from ...core.progress import plural
from ...ui.sidebar import Control
from ...ui.widgets import PromptDiscreteSlider, TypedBox, fmt, with_help
from .experiment import p_grid, p_label


def q_text(experiment) -> str:
    try:
        cfg = experiment.config()
    except Exception:  # noqa: BLE001 — an inconsistent setting is reported by the alert
        return ""
    return (f"{plural(cfg.links, 'link')} each way of {cfg.n ** 2} possible · "
            f"structural modularity Q = {cfg.Q:.3f}")


def p_control(sidebar, name="p") -> Control:
    exp = sidebar.exp
    par = exp.param.p

    def options() -> dict:
        grid = sorted(set(p_grid(exp.n)) | {exp.p})
        return {p_label(v, exp.n): v for v in grid}

    slider = PromptDiscreteSlider(label=par.label, options=options(), value=exp.p, sizing_mode="stretch_width",
                                  css_classes=["ctl-p"])
    box = TypedBox(lambda text: sidebar.submit("p", text), label="… or type p (a number, or 1/n2 for one link)",
                   value=fmt(exp.p), sizing_mode="stretch_width", css_classes=["ctl-p-text"])
    slider.param.watch(lambda e: sidebar.submit("p", e.new), "value_throttled")
    q = pn.widgets.StaticText(value=q_text(exp), margin=(0, 10), styles={"font-size": "0.9em"})

    def sync():
        """Move the slider to p; its options change only when n or an off-grid p asks."""
        opts = options()
        if list(opts.values()) != list(slider.options.values()):
            slider.param.update(options=opts, value=exp.p)
        elif slider.value != exp.p:
            slider.value = exp.p
        q.value = q_text(exp)

    def show(value):
        sync()
        box.show(value)

    panel = pn.Column(with_help(slider, par.doc), box.widget, q, sizing_mode="stretch_width", margin=0)
    control = Control(panel, show, follow=sync)
    control.slider, control.box = slider, box
    return control
