"""Figure titles are wrapped to fit a figure of the least width a card draws them at (Bokeh cuts a title at the
canvas's edge: on a 1200-px window seven titles of the BIMT and growth pages ran past it)."""
import pytest

from explorer.views.titles import FIGURE_MIN_WIDTH, fit_title, text_width, title_room

LONG = [
    "growing modules: accuracy per head when perturbing recurrent W_R (mean over 3 seeds)",
    "Tasks kept under perturbation (mean ± sd over 3 seeds; left edge: ε = 0)",
    "Specialization over time\np = 0.1 (Q = 0.41), n = 25, separate inputs · accuracy 0.87–0.92 · 3 seeds",
    "STALE (cancelled: not the sidebar's setting) — Time constants per module of the chain (trained τ̂: RNN 1.12)",
    "a" * 80,
]


def test_widths_are_the_fonts_own():
    # measured in Chromium (Bokeh's canvas, 12 pt bold): 169, 494 and 686 px
    assert text_width("Training loss per seed") == pytest.approx(169, rel=0.02)
    largest = "Largest N solved as the networks grow (thin: seeds, thick: mean)"
    assert text_width(largest) == pytest.approx(494, rel=0.02)
    assert text_width(LONG[0]) == pytest.approx(686, rel=0.02)
    assert text_width("τ̂") == text_width("τ")   # a combining hat takes no room
    assert text_width("") == 0


@pytest.mark.parametrize("least", [FIGURE_MIN_WIDTH, 460, 400])
@pytest.mark.parametrize("title", LONG)
def test_every_line_fits_and_no_word_is_lost(title, least):
    fitted = fit_title(title, least)
    lines = fitted.split("\n")
    words = [w for line in lines for w in line.split()]
    assert words == title.split()
    unbreakable = [line for line in lines if " " not in line]
    assert all(text_width(line) <= title_room(least) for line in lines if line not in unbreakable)
    assert len(lines) > title.count("\n") + 1 or title == "a" * 80


def test_a_title_that_fits_is_kept_and_a_long_one_breaks_at_its_parenthesis():
    assert fit_title("Training loss per seed") == "Training loss per seed"
    assert fit_title("Specialization over time\np = 0.1, n = 25") == "Specialization over time\np = 0.1, n = 25"
    assert fit_title(LONG[1]) == "Tasks kept under perturbation\n(mean ± sd over 3 seeds; left edge: ε = 0)"
    # two lines of about equal width rather than a word left alone on the last
    assert fit_title(LONG[2]).split("\n")[1:] == ["p = 0.1 (Q = 0.41), n = 25, separate inputs ·",
                                                  "accuracy 0.87–0.92 · 3 seeds"]


def test_narrower_figures_get_more_lines():
    assert fit_title(LONG[0], 1000).count("\n") < fit_title(LONG[0], 400).count("\n")
