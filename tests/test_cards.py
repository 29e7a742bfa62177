"""The card every study page lays its figures in, and its lazily built body."""
from __future__ import annotations

import panel as pn
import pytest

from explorer.ui.cards import FIGURE_MIN_WIDTH, card


def _figure(c):
    """The body a card holds (inside the flex item that sizes it)."""
    return c.objects[0].objects[0].objects[0]


def test_a_card_holds_its_body_beside_its_text_with_its_css_class():
    body = pn.pane.Markdown("figure")
    c = card("Title", body, "explanation", "name")
    assert c.title == "Title" and "card-name" in c.css_classes
    row = c.objects[0]
    assert _figure(c) is body and row.objects[1].object == "explanation"


def test_where_the_card_is_narrow_its_text_wraps_under_a_figure_that_keeps_its_least_width():
    stretching = card("T", pn.pane.Markdown("f", sizing_mode="stretch_width"), "text", "a")
    assert isinstance(stretching.objects[0], pn.Row)       # Bokeh's own row, wrapping: cheap for the browser
    assert "flex-wrap: wrap" in "".join(map(str, stretching.objects[0].stylesheets))
    assert stretching.objects[0].objects[0].styles["flex"] == f"1 1 {FIGURE_MIN_WIDTH}px"
    wide = card("T", pn.pane.Markdown("f", sizing_mode="stretch_width"), "text", "b", least=700)
    assert wide.objects[0].objects[0].styles["flex"] == "1 1 700px"
    fixed = card("T", pn.pane.Markdown("f", width=300), "text", "c")
    assert fixed.objects[0].objects[0].styles["flex"] == "0 0 auto"
    assert isinstance(fixed.objects[0], pn.FlexBox)   # a row would count the figure's width in the card's least
    side_by_side = card("T", pn.Row(pn.pane.Markdown("a", width=300), pn.pane.Markdown("b", width=300),
                                    sizing_mode="stretch_width"), "text", "e")
    assert isinstance(side_by_side.objects[0], pn.FlexBox)
    told = card("T", pn.pane.Markdown("f", sizing_mode="stretch_width"), "text", "d", grow=False)
    assert told.objects[0].objects[0].styles["flex"] == "0 0 auto"


def test_a_body_given_as_a_function_is_built_only_when_its_page_fills_it():
    built, lazy = [], []
    body = pn.pane.Markdown("figure")
    c = card("Title", lambda: built.append(1) or body, "explanation", "name", lazy=lazy)
    assert not built and _figure(c) is not body and len(lazy) == 1
    lazy[0]()
    assert built == [1] and _figure(c) is body
    assert c.objects[0].objects[0].styles["flex"] == "0 0 auto"   # as the body it built is sized
    wide = card("Title", lambda: pn.pane.Markdown("f", sizing_mode="stretch_width"), "text", "n", lazy=lazy,
                least=640)
    assert wide.objects[0].objects[0].styles["flex"] == "1 1 640px"   # the placeholder holds the figure's place
    lazy[1]()
    assert wide.objects[0].objects[0].styles["flex"] == "1 1 640px"


def test_a_layout_that_follows_its_children_stretches_when_one_of_them_does():
    """Panel leaves a Column's sizing mode unset and lets it follow its children: a control above a stretching
    figure (the growth page's module heatmap, the BIMT front) must not make the card treat the figure as fixed."""
    from explorer.ui.redraw import Redrawn

    body = pn.Column(pn.widgets.RadioButtonGroup(options=["a", "b"]), Redrawn())
    assert card("T", body, "text", "a").objects[0].objects[0].styles["flex"] == f"1 1 {FIGURE_MIN_WIDTH}px"
    fixed = pn.Column(pn.Row(pn.widgets.IntSlider(width=100)), pn.pane.HTML("x", width=200))
    assert card("T", fixed, "text", "b").objects[0].objects[0].styles["flex"] == "0 0 auto"


def test_a_function_body_without_a_list_to_fill_it_from_is_refused():
    with pytest.raises(TypeError, match="lazy"):
        card("Title", lambda: pn.pane.Markdown("x"), "explanation", "name")
