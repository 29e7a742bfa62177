"""The card every study page lays its figures in: the figure on the left, a short explanation on the right (or
under the figure, where the page is too narrow for both)."""
from __future__ import annotations

import panel as pn

#: CSS class of the placeholder a lazily built card holds until its page fills it.
PLACEHOLDER = "card-placeholder"

#: Width of a card's text column, and the least width a stretching figure keeps beside it: a card narrower
#: than both (a laptop screen with the sidebar open) puts the text under the figure instead of off the page.
TEXT_WIDTH, FIGURE_MIN_WIDTH = 270, 520
_WRAP = ":host { flex-wrap: wrap; }"


def _stretches(obj) -> bool:
    """Whether ``obj`` stretches its width: its own sizing mode says so, or (a layout without one, which Panel
    lets follow its children) one of its children stretches."""
    mode = getattr(obj, "sizing_mode", None)
    if mode:
        return str(mode).endswith(("_width", "_both"))
    return any(_stretches(o) for o in getattr(obj, "objects", []))


def _flexing(body, least: int, grow: bool | None):
    """``body`` as a flex item of the card's wrapping row: a figure that stretches (``grow``; by default, when
    it stretches its width, :func:`_stretches`) grows from ``least`` pixels; one of fixed size keeps its size."""
    layout = pn.panel(body)
    stretches = _stretches(layout) if grow is None else grow
    flex = f"1 1 {least}px" if stretches else "0 0 auto"
    return pn.Column(layout, sizing_mode="stretch_width" if stretches else "fixed", margin=0, styles={"flex": flex})


def _row(info, body, grow):
    """The card's wrapping row. A stretching figure goes in a Bokeh row that wraps: Panel counts only the text
    in its least width. A figure of fixed width, or figures side by side (a pn.Row, whose parts Panel sizes
    as fixed), go in a pn.FlexBox, whose least width Panel does not sum (a row's would be figure and text side
    by side, wider than a laptop's page). FlexBox is a ReactiveHTML template, more work for the browser, so only
    these cards use it (docs/performance.md, "Cards that wrap")."""
    layout = None if body is None else pn.panel(body)
    if layout is not None and (isinstance(layout, pn.Row) or not (_stretches(layout) if grow is None else grow)):
        return pn.FlexBox(info, flex_direction="row", flex_wrap="wrap", sizing_mode="stretch_width")
    return pn.Row(info, sizing_mode="stretch_width", stylesheets=[_WRAP])


def card(title: str, body, text: str, name: str, *, lazy: list | None = None, least: int = FIGURE_MIN_WIDTH,
         grow: bool | None = None, **kwargs) -> pn.Card:
    """A titled card holding ``body`` beside ``text`` (the page's own Markdown); CSS class ``card-<name>``.
    Where the card is narrower than the figure's ``least`` width (or, for a figure that does not ``grow``, its
    own width) and the text together, the text wraps under the figure.

    ``body`` may be a function: the card then holds a placeholder and a function that builds it is appended to
    ``lazy``, for the page to call once its first result is on screen or its first run starts training (a new
    page shows the stored setting sooner; the other cards' plots are drawn a moment later)."""
    info = pn.pane.Markdown(text, width=TEXT_WIDTH, styles={"font-size": "0.92em", "opacity": "0.85"})
    row = _row(info, body if not callable(body) else None, grow)
    if callable(body):
        if lazy is None:
            raise TypeError("card(): a body given as a function needs a `lazy` list to be filled from")
        placeholder = pn.Spacer(sizing_mode="stretch_width", height=120, css_classes=[PLACEHOLDER])
        row.insert(0, _flexing(placeholder, least, grow))
        lazy.append(lambda: row.__setitem__(0, _flexing(body(), least, grow)))
    else:
        row.insert(0, _flexing(body, least, grow))
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
