"""Figure titles that fit their figure.

Bokeh draws a title on the canvas, one line per ``"\\n"``, and cuts whatever runs past the canvas's right edge.
A figure in a card is drawn at least :data:`FIGURE_MIN_WIDTH` pixels wide (a laptop screen with the sidebar
open: 1200–1280 px windows give 500–580 px figures), so a title is wrapped wherever it would be wider than the
room such a figure leaves it, measured with the font's own widths rather than by counting characters.
"""
from __future__ import annotations

import unicodedata

#: The least width (px) a stretching figure is drawn at in its card (explorer.ui.cards: a card narrower than this
#: and its text side by side puts the text under the figure).
FIGURE_MIN_WIDTH = 520

#: Pixels of a figure's least width that its title cannot use: the card's padding (~18) and the y axis with its
#: tick labels and name, left of the plotting frame where Bokeh starts the title (~50; ~90 beside task names).
TITLE_INSET = 90

#: Bokeh's title font: HoloViews' 12 pt bold "helvetica" (16 px), which resolves to Liberation Sans Bold on
#: Linux and Arial Bold on Windows, both drawn to Helvetica Bold's widths.
TITLE_PX = 16

#: Helvetica Bold advance widths in 1/1000 em for the printable ASCII characters " " … "~" (Adobe's font metrics,
#: as Matplotlib ships them in phvb8a.afm). Checked against Chromium: within 1 % on seven of the pages' titles.
_ASCII = (
    278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    278, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)
#: Other characters the titles use (Liberation Sans Bold); anything else counts as 600, a wide letter.
_OTHER = {"—": 1000, "→": 1000, "–": 556, "±": 584, "×": 584, "·": 278, "≥": 549, "≤": 549, "′": 250}

#: Where a title may break, best first: before a parenthesis, after a clause's punctuation, at any space. A line
#: breaks at the best kind of place that leaves every part within the room, the parts as even as it allows.
#: Each is the text around the break and where in it the line breaks.
_BREAKS = ((" (", 1), ("; ", 2), (" — ", 3), (" · ", 3), (": ", 2), (", ", 2), (" ", 1))


def text_width(line: str, px: float = TITLE_PX) -> float:
    """Width in pixels of one line of ``line`` in Helvetica Bold at ``px`` pixels."""
    em = 0
    for ch in line:
        if " " <= ch <= "~":
            em += _ASCII[ord(ch) - 32]
        elif not unicodedata.combining(ch):   # a hat over τ adds nothing
            em += _OTHER.get(ch, 600)
    return em * px / 1000


def title_room(least: int = FIGURE_MIN_WIDTH) -> int:
    """Pixels a title has in a figure drawn ``least`` pixels wide."""
    return least - TITLE_INSET


def fit_title(text: str, least: int = FIGURE_MIN_WIDTH) -> str:
    """``text`` with each line that would be wider than a figure ``least`` pixels wide leaves it broken in two
    or more lines (see :data:`_BREAKS`); lines that fit are kept as they are."""
    room = title_room(least)
    return "\n".join(part for line in text.split("\n") for part in _fit(line, room))


def _splits(line: str):
    """Every place ``line`` may break: (rank of the kind of place, head, tail, their widths)."""
    for rank, (sep, at) in enumerate(_BREAKS):
        start = line.find(sep)
        while start > 0:
            head, tail = line[:start + at].rstrip(), line[start + at:].lstrip()
            if head and tail:
                yield rank, head, tail, text_width(head), text_width(tail)
            start = line.find(sep, start + 1)


def _fit(line: str, room: float) -> list[str]:
    if text_width(line) <= room:
        return [line]
    splits = [s for s in _splits(line) if s[3] <= room]   # the head fits
    both = [(rank, max(wh, wt), head, tail) for rank, head, tail, wh, wt in splits if wt <= room]
    if both:   # two lines: the best kind of break, then the most even
        _, _, head, tail = min(both)
        return [head, tail]
    if not splits:   # one word wider than the room: nothing to do but keep it
        return [line]
    _, head, tail, _, _ = max(splits, key=lambda s: s[3])   # as much as fits, then the rest
    return [head, *_fit(tail, room)]
