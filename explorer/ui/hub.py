"""The hub: every registered study whose page exists, as one app with a page switcher in the header.

``?study=<name>`` picks the page (default: the first study, specialization; ``?lesson=<name>`` alone picks the
lesson's study); only the chosen page is built
for a session (the switcher's links load the other pages fresh). A study whose ``page.py`` does not exist yet is
simply not listed. Study names come from the registry, never from the URL, so the header is the house's text.
"""
from __future__ import annotations

import importlib.util

import panel as pn

from .. import studies
from .url import session_query, shown
from .widgets import escape

_HEADER_CSS = """
.hub-nav { display: flex; gap: 4px; align-items: center; height: 100%; }
.hub-nav a { color: white; text-decoration: none; padding: 6px 12px; border-radius: 4px; font-size: 1.05em; }
.hub-nav a:hover { background: rgba(255, 255, 255, 0.18); }
.hub-nav a.current { background: rgba(255, 255, 255, 0.28); font-weight: 600; }
"""


def available() -> list[str]:
    """Studies whose page module exists, in registry order."""
    out = []
    for name in studies.names():
        if importlib.util.find_spec(f"{studies.__name__}.{name}.page") is not None:
            out.append(name)
    return out


def nav(pages: list[str], current: str):
    links = "".join(
        f'<a href="?study={escape(n)}" class="{"current" if n == current else ""}" '
        f'title="{escape(studies.get(n).question)}">{escape(studies.get(n).title)}</a>' for n in pages)
    return pn.pane.HTML(f'<nav class="hub-nav">{links}</nav>', stylesheets=[_HEADER_CSS], margin=0,
                        css_classes=["hub-nav-pane"])


def page(study: str | None = None, **kwargs):
    """The page asked for (``?study=`` in a served session), and the header switcher for it."""
    pages = available()
    errors = {}
    if study is None:
        query = session_query() or {}
        study = query.get("study")
        if study is None and query.get("lesson"):   # a lesson link names its study through the lesson
            try:
                study = studies.lesson(query["lesson"])[0].name
            except KeyError:
                study = None   # the page says that there is no such lesson
    if study is not None and study not in pages:
        errors["study"] = (f"there is no study page called {shown(study)}; showing "
                           f"{studies.get(pages[0]).title}.")
        study = None
    study = study or pages[0]
    view = studies.get(study).page_class(errors=errors, **kwargs)
    return view, nav(pages, study), study


def servable():
    """Build the page of this session and serve it in its template (the hub's ``apps/dynamics.py``)."""
    view, header, _ = page()
    return view.template(header=[header]).servable(title=view.title)
