"""The card every study page lays its figures in: the figure on the left, a short explanation on the right (or
under the figure, where the page is too narrow for both)."""
from __future__ import annotations

import panel as pn

from ..views.titles import FIGURE_MIN_WIDTH

#: CSS class of the placeholder a lazily built card holds until its page fills it.
PLACEHOLDER = "card-placeholder"

#: Width of a card's text column. A stretching figure keeps at least FIGURE_MIN_WIDTH beside it (declared with
#: the figures' titles, which are wrapped to fit it): a card narrower than both (a laptop screen with the sidebar
#: open) puts the text under the figure instead of off the page.
TEXT_WIDTH = 270
_WRAP = ":host { flex-wrap: wrap; }"


def _stretches(obj) -> bool:
    """Whether ``obj`` stretches its width: its own sizing mode says so, or (a layout without one, which Panel
    lets follow its children) one of its children stretches."""
    mode = getattr(obj, "sizing_mode", None)
    if mode:
        return str(mode).endswith(("_width", "_both"))
    return any(_stretches(o) for o in getattr(obj, "objects", []))


def _item(layout, least: int, stretches: bool):
    """``layout`` as a flex item of the card's wrapping row: a figure that stretches grows from ``least``
    pixels; one of fixed size keeps its size."""
    if stretches:
        return pn.Column(layout, sizing_mode="stretch_width", margin=0, styles={"flex": f"1 1 {least}px"})
    # as wide as its content: "fixed" without a width and height made Bokeh log W-1005 (FIXED_SIZING_MODE) for a
    # body that stretches by inference; left to Panel, the column would stretch too (the app's default sizing mode)
    return pn.Column(layout, margin=0, styles={"flex": "0 0 auto", "width": "fit-content"})


def beside(main, side, least: int = FIGURE_MIN_WIDTH):
    """``main`` (which stretches its width, from ``least`` pixels) with ``side`` (of fixed width) to its right, or
    under it where the row is narrower than both: a Bokeh row that wraps."""
    return pn.Row(_item(main, least, True), side, sizing_mode="stretch_width", stylesheets=[_WRAP])


def card(title: str, body, text: str, name: str, *, lazy: list | None = None, least: int = FIGURE_MIN_WIDTH,
         grow: bool | None = None, **kwargs) -> pn.Card:
    """A titled card holding ``body`` beside ``text`` (the page's own Markdown); CSS class ``card-<name>``.
    Where the card is narrower than the figure's ``least`` width (or, for a figure that does not ``grow``; by
    default, one that does not stretch its width, :func:`_stretches`) and the text together, the text wraps
    under the figure.

    The row that wraps: a stretching figure goes in a Bokeh row, whose least width Panel makes the text's. A
    figure of fixed width, or figures side by side (a pn.Row, whose parts Panel sizes as fixed), go in a
    pn.FlexBox, whose least width Panel does not sum (a row's would be figure and text side by side, wider than
    a laptop's page); FlexBox is a ReactiveHTML template, more work for the browser, so only these cards use it
    (docs/performance.md, "Cards that wrap").

    ``body`` may be a function: the card then holds a placeholder and a function that builds it is appended to
    ``lazy``, for the page to call once its first result is on screen or its first run starts training (a new
    page shows the stored setting sooner; the other cards' plots are drawn a moment later)."""
    def grows(layout):
        return _stretches(layout) if grow is None else grow

    info = pn.pane.Markdown(text, width=TEXT_WIDTH, styles={"font-size": "0.92em", "opacity": "0.85"})
    if callable(body):
        if lazy is None:
            raise TypeError("card(): a body given as a function needs a `lazy` list to be filled from")
        layout = pn.Spacer(sizing_mode="stretch_width", height=120, css_classes=[PLACEHOLDER])
        stretches = True
    else:
        layout = pn.panel(body)
        stretches = grows(layout)
    if stretches and not isinstance(layout, pn.Row):
        row = beside(layout, info, least)
    else:
        row = pn.FlexBox(_item(layout, least, stretches), info, flex_direction="row", flex_wrap="wrap",
                         sizing_mode="stretch_width")
    if callable(body):
        def fill():
            built = pn.panel(body())
            row[0] = _item(built, least, grows(built))
        lazy.append(fill)
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
