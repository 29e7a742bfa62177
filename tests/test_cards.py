"""The card every study page lays its figures in, and its lazily built body."""
from __future__ import annotations

import panel as pn
import pytest

from explorer.ui.cards import card


def test_a_card_holds_its_body_beside_its_text_with_its_css_class():
    body = pn.pane.Markdown("figure")
    c = card("Title", body, "explanation", "name")
    assert c.title == "Title" and "card-name" in c.css_classes
    row = c.objects[0]
    assert row.objects[0] is body and row.objects[1].object == "explanation"


def test_a_body_given_as_a_function_is_built_only_when_its_page_fills_it():
    built, lazy = [], []
    body = pn.pane.Markdown("figure")
    c = card("Title", lambda: built.append(1) or body, "explanation", "name", lazy=lazy)
    assert not built and c.objects[0].objects[0] is not body and len(lazy) == 1
    lazy[0]()
    assert built == [1] and c.objects[0].objects[0] is body


def test_a_function_body_without_a_list_to_fill_it_from_is_refused():
    with pytest.raises(TypeError, match="lazy"):
        card("Title", lambda: pn.pane.Markdown("x"), "explanation", "name")
