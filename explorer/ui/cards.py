"""The card every study page lays its figures in: the figure on the left, a short explanation on the right."""
from __future__ import annotations

import panel as pn

#: CSS class of the placeholder a lazily built card holds until its page fills it.
PLACEHOLDER = "card-placeholder"


def card(title: str, body, text: str, name: str, *, lazy: list | None = None, **kwargs) -> pn.Card:
    """A titled card holding ``body`` beside ``text`` (the page's own Markdown); CSS class ``card-<name>``.

    ``body`` may be a function: the card then holds a placeholder and a function that builds it is appended to
    ``lazy``, for the page to call once its first result is on screen or its first run starts training (a new
    page shows the stored setting sooner; the other cards' plots are drawn a moment later)."""
    info = pn.pane.Markdown(text, width=270, styles={"font-size": "0.92em", "opacity": "0.85"})
    row = pn.Row(info, sizing_mode="stretch_width")
    if callable(body):
        if lazy is None:
            raise TypeError("card(): a body given as a function needs a `lazy` list to be filled from")
        row.insert(0, pn.Spacer(sizing_mode="stretch_width", height=120, css_classes=[PLACEHOLDER]))
        lazy.append(lambda: row.__setitem__(0, body()))
    else:
        row.insert(0, body)
    return pn.Card(row, title=title, sizing_mode="stretch_width", margin=(8, 4), css_classes=[f"card-{name}"],
                   **kwargs)


def while_open(card: pn.Card, update):
    """``refresh()`` for content of a card that is collapsed most of the time (a sidebar's Export or Link-for-a-
    class card): it runs ``update`` only while the card is open, and ``update`` runs again when the card opens,
    so a slider move sends nothing for a card nobody looks at."""
    def refresh(*_):
        if not card.collapsed:
            update()
    card.param.watch(refresh, "collapsed")
    return refresh
