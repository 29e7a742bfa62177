"""The hub: every registered study whose page exists, as one app with a page switcher in the header.

``?study=<name>`` picks the page (default: the first study, specialization; ``?lesson=<name>`` alone picks the
lesson's study); only the chosen page is built
for a session (the switcher's links load the other pages fresh). A study whose ``page.py`` does not exist yet is
simply not listed. Study names come from the registry, never from the URL, so the header is the house's text.
The links keep what a class's link set for the whole app: the dark theme, and classroom mode (``?classroom=1``,
or a lesson, which hides the advanced controls of the page it opens).
"""
from __future__ import annotations

import importlib.util
from urllib.parse import urlencode

import panel as pn

from .. import studies
from .session import served
from .url import CLASSROOM_ON, THEMES, session_query, shown, theme_of
from .widgets import attribute, escape

_HEADER_CSS = """
.hub-nav { display: flex; gap: 4px; align-items: center; height: 100%; }
.hub-nav a { color: white; text-decoration: none; padding: 6px 12px; border-radius: 4px; font-size: 1.05em; }
.hub-nav a:hover { background: rgba(255, 255, 255, 0.18); }
.hub-nav a.current { background: rgba(255, 255, 255, 0.28); font-weight: 600; }
@media screen and (max-width: 900px) {
  .hub-nav { flex-wrap: wrap; }
  .hub-nav a { padding: 4px 8px; font-size: 0.95em; }
}
"""


def available() -> list[str]:
    """Studies whose page module exists, in registry order."""
    out = []
    for name in studies.names():
        if importlib.util.find_spec(f"{studies.__name__}.{name}.page") is not None:
            out.append(name)
    return out


def kept(query: dict) -> dict:
    """What the switcher's links carry from this page's link to the others: a theme that exists, and classroom
    mode when it is on for the whole page (``classroom=1``, or a lesson); a list of one page's controls is not."""
    out = {}
    theme = theme_of(query.get("theme"))
    if theme not in (None, THEMES[0]):
        out["theme"] = theme
    if query.get("lesson") or str(query.get("classroom", "")).strip().lower() in CLASSROOM_ON:
        out["classroom"] = "1"
    return out


def nav(pages: list[str], current: str, keep: dict | None = None):
    more = "&" + urlencode(keep) if keep else ""
    links = "".join(
        f'<a href="?study={attribute(n)}{attribute(more)}" class="{"current" if n == current else ""}" '
        f'title="{attribute(studies.get(n).question)}">{escape(studies.get(n).title)}</a>' for n in pages)
    return pn.pane.HTML(f'<nav class="hub-nav">{links}</nav>', stylesheets=[_HEADER_CSS], margin=0,
                        css_classes=["hub-nav-pane"])


def page(study: str | None = None, **kwargs):
    """The page asked for (``?study=`` in a served session), and the header switcher for it."""
    pages = available()
    errors = {}
    query = session_query() or {}
    if study is None:
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
    return view, nav(pages, study, kept(query)), study


#: The switcher returns to where each study's page was left in this tab: its address is kept as the page is left
#: (sessionStorage, per tab), and a click on that study's link opens it there (a bare ``?study=`` link opened its
#: defaults and trained them; a lesson's pupil who clicked a tab lost the lesson). Only an address of this app's own
#: path is opened: same origin, a query string, nothing from it is shown as markup.
_REMEMBER = """const mine = 'explorer-page:' + study;
window.addEventListener('pagehide', () => sessionStorage.setItem(mine, window.location.search));
document.addEventListener('click', (event) => {
  const link = event.composedPath().find(e => e.tagName === 'A' && e.parentElement &&
                                               e.parentElement.classList.contains('hub-nav'));
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = new URL(link.href).searchParams.get('study');
  const kept = target === study ? window.location.search : sessionStorage.getItem('explorer-page:' + target);
  if (kept && kept.startsWith('?')) { event.preventDefault(); window.location.assign(window.location.pathname + kept); }
}, true);"""


def remember_pages(study: str) -> None:
    """In a served session: the switcher's links return to each study's page as it was left (:data:`_REMEMBER`)."""
    from bokeh.models import CustomJS

    doc = pn.state.curdoc
    if doc is not None and served():
        doc.js_on_event("document_ready", CustomJS(args={"study": study}, code=_REMEMBER))


def servable():
    """Build the page of this session and serve it in its template (the hub's ``apps/dynamics.py``)."""
    view, header, study = page()
    remember_pages(study)
    return view.template(header=[header]).servable(title=view.title)
