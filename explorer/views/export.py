"""Files a person takes away: figures as PNG / SVG (rendered by Matplotlib, no browser needed) and results as
netCDF (the Result dataset, self-describing) or CSV (tidy: one value per row).
"""
from __future__ import annotations

import io
import os
import tempfile

import holoviews as hv

from ..core.result import tidy  # noqa: F401  (re-exported: the CSV form of a Result)

FIGURE_FORMATS = ("png", "svg")


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def ensure_matplotlib() -> None:
    """Load HoloViews' Matplotlib backend (headless) without changing the current backend."""
    if "matplotlib" in hv.Store.renderers:
        return
    if not matplotlib_available():
        raise RuntimeError("figure export needs matplotlib; install it with `pip install matplotlib`.")
    import matplotlib

    matplotlib.use("Agg")
    current = hv.Store.current_backend
    import holoviews.plotting.mpl  # noqa: F401  (registers the renderer)

    hv.Store.set_current_backend(current)


def figure_bytes(build, fmt: str = "png", dpi: int = 150, footer: str | None = None) -> bytes:
    """Render a figure to PNG or SVG bytes. ``build`` is a zero-argument function that makes the HoloViews
    object (called after the Matplotlib backend is loaded, so the figure carries its export styling);
    ``footer``, a line of small grey text under the figure (what a reader of the file alone should know)."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"figures export as {' or '.join(FIGURE_FORMATS)}, not {fmt!r}.")
    ensure_matplotlib()
    obj = build() if callable(build) else build
    if isinstance(obj, hv.Layout):   # Matplotlib's panel letters sat on the panels' titles; the titles name them
        obj = obj.opts(sublabel_format="", backend="matplotlib")
    renderer = hv.renderer("matplotlib").instance(dpi=dpi)
    plot = renderer.get_plot(obj)
    buf = io.BytesIO()
    # Matplotlib's tight box leaves out what is drawn outside the axes (a legend right of them) unless it is
    # named; once some are named it takes only those, so the figure's own (a Layout's title) are named too
    fig = plot.state
    extra = list(fig.get_default_bbox_extra_artists())
    found = [a for f in plot.traverse(lambda p: p.handles.get("bbox_extra_artists") or []) for a in f]
    extra += [a for a in found + [ax.get_legend() for ax in fig.axes] if a is not None and a not in extra]
    import matplotlib
    import matplotlib.pyplot as plt

    if footer:
        import textwrap

        lines = textwrap.wrap(footer, width=max(60, int(fig.get_figwidth() * 15)))
        extra.append(fig.text(0.0, -0.02, "\n".join(lines), ha="left", va="top", fontsize=7.5, color="#555555"))

    # an SVG's text stays text (editable, searchable), not outlines
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", bbox_extra_artists=extra)

    plt.close(fig)
    return buf.getvalue()


def netcdf_bytes(ds, lock=None) -> bytes:
    """The dataset as a netCDF file's bytes, its attributes naming the explorer's version. netCDF4/HDF5 is not
    thread-safe: a server passes the store's ``NETCDF_LOCK`` (views do not import the store)."""
    import contextlib

    from .. import __version__

    ds = ds.copy(deep=False)
    ds.attrs = {**ds.attrs, "explorer_version": __version__}
    fd, path = tempfile.mkstemp(suffix=".nc")
    os.close(fd)
    try:
        with lock if lock is not None else contextlib.nullcontext():
            ds.to_netcdf(path)
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


def csv_text(ds) -> str:
    """:func:`tidy` as CSV text, preceded by comment lines holding the config and Q."""
    head = "".join(f"# {k}: {v}\n" for k, v in ds.attrs.items() if k in ("config", "Q", "p", "n"))
    return head + tidy(ds).to_csv(index=False)
