"""The Panel template every served study page stands in: controls in the sidebar, views in the main area, and
no resource fetched from the internet (the page works offline and on lab networks).

Panel's Vanilla template with its Native design: ten pages opened at once cost the browsers ~20 % less CPU than
in the Fast list template, and a new page shows its stored setting ~0.2 s sooner (docs/performance.md,
"How light can a served Panel page be?").

Without Panel's busy spinner in the header: it is one server-wide flag (``pn.state.busy``), so every event of every
session set the spinner of every open page (a websocket message each), and each pupil's page spun for the others'
work. Ten pages opened at once: the browsers' CPU 11.8–13.1 → 10.0–11.4 s, the last page shown 11.45 → 10.7 s
(medians of 6; docs/performance.md, 2026-12-04). A page's own work shows in its status line and progress bar.

The browser's Back and Forward buttons: Panel writes every setting into the URL as a new history entry but does
not follow the URL back, so after Back the address named one setting and the page showed another. A page now
opens again on the address Back or Forward went to (:func:`follow_history`; a stored setting opens in about a
second)."""
from __future__ import annotations

import panel as pn
from bokeh.models import CustomJS

from . import url
from .session import served

#: Panel's Vanilla template without its web font (Lato from fonts.googleapis.com): the page uses the system's
#: sans-serif and loads nothing from the internet (Panel's own JS and CSS come from the server). Named as
#: Panel's class because Panel finds a template's bundled files by its class name.
OfflineVanilla = type("VanillaTemplate", (pn.template.VanillaTemplate,), {
    "__doc__": "The Vanilla template without a web font.", "__module__": pn.template.VanillaTemplate.__module__,
    "_resources": {k: {n: u for n, u in v.items() if not u.startswith("https://fonts.")}
                   for k, v in pn.template.VanillaTemplate._resources.items()}})

_CSS = """
:host, body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
@media screen and (max-width: 900px) {
  #content { flex-direction: column; overflow-y: auto; overflow-x: clip; }
  #sidebar { width: 100%; height: auto; overflow: visible; border-right: none; flex: none; }
  #sidebar.hidden { height: 0; }
  #main { height: auto; overflow-y: visible; overflow-x: auto; flex: none; max-width: 100vw; }
  #header { flex-wrap: wrap; padding: 4px 10px; }
  a.title { font-size: 1.2em; line-height: 1.5em; white-space: normal; }
  #header-items { padding-left: 0; }
}
"""


def page_template(title: str, sidebar, main, header=None):
    """The app's template around ``sidebar`` and ``main`` (``header``: the hub's page switcher)."""
    url.safe_theme()
    follow_history()
    return OfflineVanilla(title=title, sidebar=[sidebar], main=[main], header=header or [], sidebar_width=360,
                          header_background="#1f77b4", header_color="white", raw_css=[_CSS],
                          # a phone lays the page out at its own width (without it: 980 px shrunk to ~40 %, text
                          # ~5 px high, and the narrow-screen layout above never applied)
                          meta_viewport="width=device-width, initial-scale=1",
                          busy_indicator=None)   # Panel's spinner shows every session's work on every page


#: Back / Forward change the address without loading a page: open the page that address names. Panel's Location
#: pushes every address the server writes, the one a page writes as it opens (its whole setting, a link's refused
#: values gone) too: Back then led to the link as typed, which reloaded, wrote its address again, and no Back ever
#: left the page. An address written before the person first touches the page replaces the entry instead.
_FOLLOW_HISTORY = """if (!window.__explorer_history) { window.__explorer_history = true;
  window.addEventListener('popstate', () => window.location.reload());
  let touched = false;
  for (const e of ['pointerdown', 'keydown', 'touchstart'])
    window.addEventListener(e, () => { touched = true; }, {capture: true, once: true});
  const push = history.pushState.bind(history);
  history.pushState = (state, title, url) =>
    touched ? push(state, title, url) : history.replaceState(state, title, url);
}"""


def follow_history() -> None:
    """In a served session: once the page is up, Back and Forward in the browser reload it at their address."""
    doc = pn.state.curdoc
    if doc is not None and served():
        doc.js_on_event("document_ready", CustomJS(code=_FOLLOW_HISTORY))
