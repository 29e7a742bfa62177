"""The sidebar's Export card, on every study page: a figure of the result on screen as PNG / SVG (drawn by
Matplotlib, no browser needed) and the result itself as netCDF / CSV.

A study's figures are its ``VIEWS`` (:mod:`explorer.studies`), each drawn from the page's current Result
(:func:`card`): as the page shows it where the page's ``views_as_shown(result)`` draws it (the network its
seed slider picks, …), else as the view draws it alone. A page may offer others, drawn from its own state (an
overview of a page's own sweep, say), by making :class:`Exports` itself. Each file is named after its figure (or
study) and the run's key as it is made, so downloads of different settings do not collide.
"""
from __future__ import annotations

import io
from functools import partial

import panel as pn

from .. import studies
from ..core.progress import seeds_words
from ..store.entry import NETCDF_LOCK
from ..views import export

NOTHING = "there is no result to export yet; wait for the run to finish."


class Download(pn.widgets.FileDownload):
    """A download button whose callback may return None: nothing is sent (the page has said why), where Panel's
    own button would raise "Cannot transfer unknown object of type NoneType" into the server's log."""

    def _sync_data(self, fileobj):
        if fileobj is not None:
            super()._sync_data(fileobj)


class Exports:
    """``figures``: {label: name}; ``build(name)``: a zero-argument function that draws that figure (HoloViews),
    or None when there is nothing to draw yet; ``result()``: the Result on screen or None; ``on_error(sentence)``
    shows a failed export on the page."""

    def __init__(self, study: str, figures: dict, build, result, on_error, tag=lambda view: "",
                 caption=lambda view: None):
        self.study, self.build, self.result, self.on_error, self.tag = study, build, result, on_error, tag
        self.caption = caption   #: ``caption(figure)``: the line under that exported figure (None: none)
        self.figure = pn.widgets.Select(label="figure", options=figures, value=next(iter(figures.values())),
                                        sizing_mode="stretch_width")
        self.png = self._button("Figure as PNG", lambda: self._figure("png"), "png")
        self.svg = self._button("Figure as SVG", lambda: self._figure("svg"), "svg")
        self.netcdf = self._button("Result as netCDF", self._netcdf, "nc")
        self.csv = self._button("Result as CSV", self._csv, "csv")
        if not export.matplotlib_available():
            for w in (self.png, self.svg):
                w.disabled = True
                w.label += " (needs matplotlib)"
        self.card = pn.Card(pn.Column(self.figure, pn.Row(self.png, self.svg), pn.Row(self.netcdf, self.csv),
                                      sizing_mode="stretch_width"),
                            title="Export", collapsed=True, sizing_mode="stretch_width",
                            css_classes=["card-export"])   # (Panel's default class "card" drew a shadow)

    def _button(self, label, callback, ext):
        return Download(callback=callback, filename=f"{self.study}.{ext}", label=label, color="light",
                        sizing_mode="stretch_width")

    def _name(self, button, stem: str, ext: str, tag: str = ""):
        """Name the file before it is sent (Panel reads the name after the callback has run); ``tag`` names what
        of the result a figure shows (``seed-2-round-5``), so two exports of one setting do not collide."""
        r = self.result()
        key = r.config.key()[:10] if r is not None else "result"
        button.filename = f"{stem.replace(' ', '-')}-{key}{'-' + tag if tag else ''}.{ext}"

    def _figure(self, fmt):
        make = self.build(self.figure.value)
        if make is None:
            self.on_error(NOTHING)
            return None
        self._name(self.png if fmt == "png" else self.svg, self.figure.value, fmt, self.tag(self.figure.value))
        try:
            return io.BytesIO(export.figure_bytes(make, fmt, footer=self.caption(self.figure.value)))
        except Exception as e:  # noqa: BLE001 — an export problem is a message, not a crash
            self.on_error(f"the figure could not be exported: {e}")
            return None

    def _netcdf(self):
        return self._data(self.netcdf, "nc", lambda r: io.BytesIO(export.netcdf_bytes(r.data, lock=NETCDF_LOCK)))

    def _csv(self):
        return self._data(self.csv, "csv", lambda r: io.StringIO(export.csv_text(r.data)))

    def _data(self, button, ext, write):
        r = self.result()
        if r is None:
            self.on_error(NOTHING)
            return None
        self._name(button, self.study, ext)
        try:
            return write(r)
        except Exception as e:  # noqa: BLE001 — an export problem is a message, not a crash
            self.on_error(f"the result could not be exported: {e}")
            return None


def card(shell) -> pn.Card:
    """The Export card of ``shell`` (a :class:`~explorer.ui.shell.StudyShell`) over its study's ``VIEWS`` and the
    Result on screen; kept as ``shell.exports``."""
    name = shell.study_name()
    views = studies.get(name).views

    def build(view):
        r = shell.result
        if r is None:
            return None
        return shell.views_as_shown(r).get(view, lambda: views[view](r))

    shell.exports = Exports(name, {v: v for v in views}, build, lambda: shell.result,
                            lambda sentence: shell.show_errors({"export": sentence}), shell.export_tag,
                            partial(caption_for, shell))
    return shell.exports.card


def caption_for(shell, view: str) -> str | None:
    """The line under ``view`` exported from ``shell``'s page: :func:`caption` of the result on screen, naming
    what of it the view shows (the page's ``export_tag``); None before a result, and for the page's
    ``many_runs_views`` (drawn from many stored runs: their titles say what they hold)."""
    if shell.result is None or view in shell.many_runs_views:
        return None
    return caption(shell, shell.result, shell.export_tag(view))


def caption(shell, result, shown: str = "") -> str:
    """The grey line under a figure exported from a page, so that the file alone says what it shows: the
    explorer's version, the study, the setting and seeds, the networks' accuracy (mean ± population sd over
    seeds) with what the study says of their skill, what of the result the figure shows (``shown``: an export
    tag, ``seed-1-round-5``) and the run's key (``explorer store info KEY``)."""
    import numpy as np

    from .. import __version__

    config = result.config
    acc = result.data["accuracy"].values if "accuracy" in result.data else np.array([np.nan])
    spread = f" ± {np.nanstd(acc):.2f}" if np.count_nonzero(~np.isnan(acc)) > 1 else ""
    parts = [f"explorer {__version__}, {shell.study_name()} study", shell.describe(config), seeds_words(config.seeds),
             f"{shell.accuracy_words} {np.nanmean(acc):.2f}{spread}", shell.skill_words(result),
             f"shown: {shown.replace('-', ' ')}" if shown else "", f"run key {config.run_key()[:12]}"]
    return " · ".join(p for p in parts if p)
