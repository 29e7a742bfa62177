"""Messages on a page: one alert of plain sentences (every character shown as itself: text from a URL or a
box never becomes markup or a link), and the small grammar of status lines."""
from __future__ import annotations

import panel as pn

from .widgets import escape

_ALERT_CSS = """
:host { width: 100%; }
.alert { color: #842029; background: #f8d7da; border: 1px solid #f5c2c7; border-radius: 6px;
         padding: 10px 14px; line-height: 1.4; overflow-wrap: anywhere; }
"""


def sentences_text(sentences, as_is=()) -> str:
    """Sentences joined, each starting with a capital (words in ``as_is``, e.g. dataset names, keep theirs)."""
    def cap(s):
        first = s.split()[0] if s.split() else ""
        # a Latin letter only: "ε points …" keeps its symbol (a capital epsilon reads as an E)
        return s[:1].upper() + s[1:] if "a" <= s[:1] <= "z" and first.strip("'\"") not in as_is else s
    return " ".join(cap(s) for s in sentences)


class Alert:
    """The page's one alert: ``say(heading, text)``; an empty text hides it. ``object`` is the HTML shown."""

    def __init__(self):
        self.pane = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", css_classes=["run-alert"],
                                 stylesheets=[_ALERT_CSS], margin=(5, 10))

    def say(self, heading: str, text: str):
        if text:
            self.pane.param.update(object=f'<div class="alert" role="alert"><b>{escape(heading)}:</b> '
                                          f"{escape(text)}</div>", visible=True)
        else:
            self.pane.visible = False

    @property
    def visible(self) -> bool:
        return self.pane.visible

    @property
    def object(self) -> str:
        return self.pane.object
