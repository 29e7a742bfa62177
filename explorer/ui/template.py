"""The Panel template every served study page stands in: controls in the sidebar, views in the main area, and
no resource fetched from the internet (the page works offline and on lab networks)."""
from __future__ import annotations

import panel as pn
from panel.theme.fast import Fast

from . import url

#: Panel's Fast design without its web font (Open Sans from fonts.googleapis.com): the page uses the system's
#: sans-serif and loads nothing from the internet (Panel's own JS and CSS come from the server). Named "Fast"
#: because Panel finds a design's bundled files by its class name.
OfflineFast = type("Fast", (Fast,), {"__doc__": "Fast without a web font.", "__module__": Fast.__module__,
                                     "_resources": {k: v for k, v in Fast._resources.items() if k != "font"}})


def page_template(title: str, sidebar, main, header=None):
    """A Fast list template around ``sidebar`` and ``main`` (``header``: the hub's page switcher)."""
    url.safe_theme()
    return pn.template.FastListTemplate(
        title=title, sidebar=[sidebar], main=[main], header=header or [],
        sidebar_width=360, accent="#1f77b4", main_layout=None, font_url="", design=OfflineFast,
        font="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif")
