"""A paper's figure as something the explorer reproduces: a named sweep of a study's settings, a drawing of the
swept Dataset, and the figure's headline numbers with the paper's claim next to them.

A study lists its figures in ``explorer/studies/<name>/reproduce/`` (``FIGURES``); ``explorer reproduce
<figure>`` runs the sweep through the store (and a Dask cluster when given), saves the drawing as PNG and SVG,
the Dataset as netCDF and the headline as JSON. ``scale`` picks the figure's size: ``tiny`` (seconds: the
tests), ``laptop`` (minutes on two cores: the gallery, docs/gallery.md) or ``paper`` (toward the paper's size,
for a cluster). No param, Panel or torch here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

SCALES = ("tiny", "laptop", "paper")


@dataclass(frozen=True)
class Figure:
    name: str            #: the CLI's name, e.g. "000-fig4b" (paper number, figure)
    title: str           #: what the figure shows, a few words
    paper: str           #: "Béna & Goodman 2023a, Fig. 4B"
    claim: str           #: the paper's finding, one sentence
    #: settings per scale: ``{scale: {setting: value}}`` — the settings every cell shares
    base: dict = field(default_factory=dict)
    #: grid per scale: ``{scale: {setting: [values]}}`` — the sweep's axes
    grid: dict = field(default_factory=dict)
    draw: Callable = None       #: ``draw(ds) -> HoloViews object`` (the swept Dataset)
    headline: Callable = None   #: ``headline(ds) -> dict``: numbers, ``"sentence"`` and ``"reproduced"`` (bool/None)
    note: str = ""              #: what to keep in mind reading it (laptop-scale departures from the paper)

    def settings(self, scale: str) -> tuple[dict, dict]:
        """``(base, grid)`` at ``scale``; ``ValueError`` with a sentence for a scale the figure lacks."""
        if scale not in SCALES:
            raise ValueError(f"there is no scale {scale!r}; the scales are {', '.join(SCALES)}.")
        base, grid = dict(self.base.get("laptop", {})), dict(self.grid.get("laptop", {}))
        base.update(self.base.get(scale, {}))
        grid.update(self.grid.get(scale, {}))
        return base, grid
