"""Reproduce a paper's figure: ``reproduce("000-fig4b")`` runs its sweep through the store (on a Dask cluster
when ``scheduler`` is given), and returns the swept Dataset, the drawing and the headline; ``save`` writes them
as PNG, SVG, netCDF and JSON. The same as ``explorer reproduce <figure>``; the figures are listed in
docs/gallery.md and declared in ``explorer/studies/<study>/reproduce/``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import studies
from .core.config import ConfigError
from .core.figure import Figure
from .core.progress import seeds_words
from .core.jsontext import json_text


def figures() -> dict[str, tuple]:
    """``{figure name: (study, Figure)}`` over every study that declares figures."""
    out = {}
    for name in studies.names():
        for fig in studies.get(name).figures.values():
            out[fig.name] = (studies.get(name), fig)
    return out


def figure(name: str) -> tuple:
    """``(study, Figure)`` of a figure name; ConfigError with a sentence naming every figure when none."""
    return studies.one_of(figures(), name, "figure", ConfigError)


@dataclass
class Reproduction:
    figure: Figure
    scale: str
    data: object          #: the swept xarray.Dataset
    headline: dict        #: the figure's numbers, its sentence, ``reproduced``, seeds and accuracy
    seconds: float        #: wall time of the sweep (training or loading)
    trained: int          #: cells that were not in the store

    def drawing(self):
        return self.figure.draw(self.data)

    def save(self, out: str | Path) -> list[Path]:
        """``<out>/<figure>.png``, ``.svg``, ``.nc`` and ``.json`` (:func:`output_paths`), each written whole or
        not at all (an existing file of the same name is replaced); returns the paths."""
        from .core.files import write_replacing
        from .views.export import figure_bytes, netcdf_bytes

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        png, svg, nc, js = output_paths(out, self.figure.name)
        write_replacing(png, figure_bytes(self.drawing, "png", footer=self.caption()))
        write_replacing(svg, figure_bytes(self.drawing, "svg", footer=self.caption()))
        data = self.data.copy(deep=False)
        data.attrs = {**data.attrs, **self.attributes()}
        write_replacing(nc, netcdf_bytes(data))
        write_replacing(js, json_text(self.summary(), indent=1, default=str))
        return [png, svg, nc, js]

    def caption(self) -> str:
        """The line under a saved figure: which figure, at what scale, on which networks and how skilled, and
        whether the paper's claim held (a figure file travels without the JSON that says so)."""
        h = self.headline
        lo, hi = h["accuracy"]
        below = h.get("below_criterion")
        skill = f"{h['networks']} networks, {h.get('accuracy_of', 'accuracy')} {lo:.2f}–{hi:.2f}"
        if below is not None:
            skill += f", {len(below)} below the criterion {h.get('criterion', '')}".rstrip()
        return (f"{self.figure.name} ({self.figure.paper}) · explorer reproduce, {self.scale} scale · "
                f"{seeds_words(h['seeds'])} · {skill} · {self.verdict()}")

    def verdict(self) -> str:
        """Whether the figure's own test of the paper's claim held, in words (at the tiny scale: not a result)."""
        said = {True: "reproduced", False: "NOT reproduced", None: "see the figure"}[self.headline.get("reproduced")]
        if self.scale == "tiny":   # seconds of training: the figure's test ran, but on networks that learned nothing
            return f"tiny scale, a test of the pipeline, not a result (the figure's own test: {said})"
        return said

    def attributes(self) -> dict:
        """The saved netCDF's attributes saying the same (netCDF attributes are text or numbers)."""
        h = self.headline
        out = {"figure": self.figure.name, "paper": self.figure.paper, "claim": self.figure.claim,
               "scale": self.scale, "reproduced": str(h.get("reproduced")).lower(),
               "accuracy_range": json_text(h["accuracy"]), "networks": int(h["networks"]),
               "headline": h.get("sentence", "")}
        if h.get("below_criterion") is not None:
            out["below_criterion"] = json_text(h["below_criterion"], default=str)
        return out

    def summary(self) -> dict:
        return {"figure": self.figure.name, "paper": self.figure.paper, "claim": self.figure.claim,
                "scale": self.scale, "seconds": round(self.seconds, 1), "cells_trained": self.trained,
                **self.headline}


def output_paths(out: str | Path, name: str) -> list[Path]:
    """The files :meth:`Reproduction.save` writes for figure ``name`` into the folder ``out``."""
    return [Path(out) / f"{name}.{ext}" for ext in ("png", "svg", "nc", "json")]


def plan(name: str, scale: str = "laptop") -> tuple:
    """``(figure, base config, grid, cells)`` of figure ``name`` at ``scale``, every cell checked (ConfigError with
    a sentence for one that cannot exist), nothing trained."""
    from .store.sweep import expand

    study, fig = figure(name)
    base, grid = fig.settings(scale)
    config = study.config_class(**base)
    _, cells = expand(config, grid)
    return fig, config, grid, cells


def reproduce(name: str, scale: str = "laptop", store=None, scheduler=None, progress: bool = True) -> Reproduction:
    """Run (or load) figure ``name`` at ``scale`` and measure its headline."""
    from .store.store import Store
    from .store.sweep import sweep

    fig, config, grid, cells = plan(name, scale)
    store = store if store is not None else Store()
    trained = sum(1 for _, c in cells if store.missing_seeds(c))
    t0 = time.perf_counter()
    ds = sweep(config, grid, store=store, scheduler=scheduler, progress=progress)
    return Reproduction(fig, scale, ds, fig.headline(ds), time.perf_counter() - t0, trained)
