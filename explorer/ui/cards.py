"""The card every study page lays its figures in: the figure on the left, a short explanation on the right."""
from __future__ import annotations

import panel as pn


def card(title: str, body, text: str, name: str, **kwargs) -> pn.Card:
    """A titled card holding ``body`` beside ``text`` (the page's own Markdown); CSS class ``card-<name>``."""
    info = pn.pane.Markdown(text, width=270, styles={"font-size": "0.92em", "color": "#333"})
    return pn.Card(pn.Row(body, info, sizing_mode="stretch_width"), title=title, sizing_mode="stretch_width",
                   margin=(8, 4), css_classes=[f"card-{name}"], **kwargs)
