"""One stylesheet model per stylesheet: a served page's components all import the same few CSS files (Panel's
loading.css on every component, listpanel.css on every layout), and Panel makes a new ``ImportedStyleSheet``
model for each use unless the document already has its stylesheet cache (which it only gets once a design is
applied to it). A page of the explorer carried 189–226 such models for 9 distinct files, more than half of
all its Bokeh models; every one is serialised by the server and built by the browser when a page opens.
:func:`serve` makes the page servable and then lets every component share one model per file (Bokeh's public
``stylesheets`` property; the CSS is the same, so the page looks the same)."""
from __future__ import annotations

import panel as pn
from bokeh.models import ImportedStyleSheet

__all__ = ["serve", "share_stylesheets"]


def share_stylesheets(doc) -> int:
    """Point every model's imported stylesheets of the same URL at one model; returns how many were dropped."""
    shared, dropped = {}, 0
    for model in list(doc.models):
        sheets = getattr(model, "stylesheets", None)
        if not sheets:
            continue
        new = [shared.setdefault(s.url, s) if isinstance(s, ImportedStyleSheet) else s for s in sheets]
        changed = sum(a is not b for a, b in zip(new, sheets))
        if changed:
            model.stylesheets = new
            dropped += changed
    return dropped


def serve(template, title: str, **kwargs):
    """``template.servable(title=…)`` for a served session, then :func:`share_stylesheets` on its document."""
    out = template.servable(title=title, **kwargs)
    if pn.state.curdoc is not None:
        share_stylesheets(pn.state.curdoc)
    return out
