"""Shared look of every figure: seed colours, labelled dimensions, per-backend options.

Figures are styled for Bokeh (the dashboard) and, when loaded, for Matplotlib (PNG / SVG export), so that
an exported figure keeps its title, labels and bands.
"""
from __future__ import annotations

import json
import sys

import holoviews as hv

from .titles import FIGURE_MIN_WIDTH, fit_title

# Bokeh's Category10: one colour per seed in every view
SEED_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                "#bcbd22", "#17becf"]

# Labelled dimensions (shared names let HoloViews link axes across plots).
T = hv.Dimension("t", label="time step t")
EPOCH = hv.Dimension("epoch", label="epochs trained")
LOSS = hv.Dimension("loss", label="training loss (cross-entropy, nats)")
ACC = hv.Dimension("accuracy", label="global-task test accuracy", range=(0, 1))
SEED = hv.Dimension("seed")

#: Neutral marks drawn on the figure's background (an ensemble's mean line, arrows; soft: markers and their
#: labels) per Panel theme: black and dark grey on the light theme, light greys on the dark one
#: (``?theme=dark``), where dark lines vanish.
INK = {"default": ("black", "#555555"), "dark": ("#e6e6e6", "#b3b3b3")}

#: No tool is active until chosen in the toolbar: the mouse wheel and a finger scroll the page, not a figure (with
#: wheel zoom and pan active, scrolling over a figure zoomed it to ±6000 and the page stayed where it was).
BOKEH_FIG = dict(responsive=True, height=340, show_grid=True, toolbar="above", autohide_toolbar=True,
                 default_tools=["pan", "wheel_zoom", "box_zoom", "reset", "save"], active_tools=[])
MPL_FIG = dict(fig_inches=(9, 4), aspect=2, show_grid=True)


def _unfixed(plot, element):
    plot.state.sizing_mode = None


def mpl_colorbar_beside(plot, element):
    """Matplotlib hook for a figure with a colour bar: HoloViews places the bar at a fixed spot that lands on the
    last column once the axes are sized for the figure; make it again with ``figure.colorbar``, which takes its
    room from the axes."""
    cbar, artist = plot.handles.get("cbar"), plot.handles.get("artist")
    if cbar is None or artist is None:
        return
    ax, label = plot.handles["axis"], cbar.ax.get_ylabel()
    # what HoloViews listed to keep in an export's tight box must not name the bar taken away
    plot.handles["bbox_extra_artists"] = [a for a in plot.handles.get("bbox_extra_artists", [])
                                          if a is not cbar.ax and getattr(a, "axes", None) is not cbar.ax]
    cbar.ax.remove()
    plot.handles["cbar"] = ax.figure.colorbar(artist, ax=ax, fraction=0.05, pad=0.02, label=label)


def frame_sized(width: int, height: int) -> dict:
    """Bokeh options for a figure sized by its plotting frame (a square weight matrix, a sheet of neurons). The
    figure's own sizing mode is left unset: "fixed" makes Bokeh log "W-1005 (FIXED_SIZING_MODE): 'fixed' sizing
    mode requires width and height to be set" for every page that shows it, although the frame fixes its size."""
    return dict(responsive=False, frame_width=width, frame_height=height, height=None, hooks=[_unfixed])


def config_of(ds) -> dict:
    """The canonical config stored in a Result dataset's attributes ({} if absent or unreadable)."""
    try:
        return json.loads(ds.attrs.get("config", "{}"))
    except (TypeError, ValueError):
        return {}


def ink(soft: bool = False) -> str:
    """The colour of neutral marks for the dashboard's (Bokeh) figures under the current Panel theme: black (or
    dark grey, ``soft``), light greys when a served page uses Panel's dark theme. Exports draw with Matplotlib on
    white and keep the light theme's; outside Panel (the CLI, whose exports never import it) the theme is the
    light one."""
    panel = sys.modules.get("panel")
    theme = panel.config.theme if panel is not None else "default"
    return INK.get(theme, INK["default"])[int(soft)]


def backends() -> list[str]:
    return [b for b in ("bokeh", "matplotlib") if b in hv.Store.renderers]


def style(obj, *, bokeh=None, mpl=None, least=FIGURE_MIN_WIDTH, **common):
    """Apply ``common`` options for every loaded backend plus the backend-specific ones; a ``title`` is wrapped to
    fit a figure drawn ``least`` pixels wide (:func:`explorer.views.titles.fit_title`)."""
    if common.get("title"):
        common["title"] = fit_title(common["title"], least)
    for backend in backends():
        extra = dict((bokeh if backend == "bokeh" else mpl) or {})
        if backend == "bokeh" and common.get("title"):
            extra["hooks"] = [*extra.get("hooks", []), _relayout_on_title]
        obj = obj.opts(**common, **extra, backend=backend)
    return obj


#: BokehJS lays a plot out once: a title that gains a line in place (a figure redrawn with a mark above its
#: title, a live map's one-line title replaced by a result's two) had its top line cut off and drawn over the old
#: title until the page was reloaded. The plot's view is laid out again whenever its title's text changes.
_RELAYOUT = """
const find = (view) => {
  if (view.model === plot) return view
  for (const child of view.child_views ?? []) { const found = find(child); if (found != null) return found }
  return null
}
for (const root of Bokeh.index?.roots ?? []) {
  const view = find(root)
  if (view != null) { view._needs_layout = true; view.invalidate_layout(); break }
}
"""


def _relayout_on_title(plot, element):
    """Bokeh hook: :data:`_RELAYOUT` on the plot's title (once per plot)."""
    from bokeh.models import CustomJS

    title = plot.state.title
    if title is not None and not title.js_property_callbacks.get("change:text"):
        title.js_on_change("text", CustomJS(args={"plot": plot.state}, code=_RELAYOUT))


def style_element(element, *, bokeh=None, mpl=None):
    """Element-level options per backend (line widths, alphas, dashes differ by name between backends)."""
    for backend in backends():
        extra = (bokeh if backend == "bokeh" else mpl) or {}
        if extra:
            element = element.opts(**extra, backend=backend)
    return element


def _heads_as_whiskers(plot, element):
    """Bokeh hook: an error bar's caps in its line's colour (Bokeh draws them black whatever the line's colour,
    which vanishes on the dark theme)."""
    from bokeh.models import Whisker

    for whisker in plot.state.select(Whisker):
        for head in (whisker.upper_head, whisker.lower_head):
            if head is not None:
                head.line_color = whisker.line_color


def whole_x(plot, element):
    """A hook (either backend) for an axis of whole numbers (epochs): no tick at 1.5 on a run of few epochs."""
    if plot.renderer.backend == "bokeh":
        plot.handles["xaxis"].ticker.min_interval = 1
    else:
        from matplotlib.ticker import MaxNLocator

        plot.handles["axis"].xaxis.set_major_locator(MaxNLocator(integer=True))


def error_bars(bars, color: str | None = None):
    """``hv.ErrorBars`` in ``color`` (default: the theme's :func:`ink`), caps included, in both backends."""
    color = color or ink()
    # matplotlib: HoloViews' ErrorBars draw their lines in ``edgecolor``; ``color`` and ``ecolor`` are ignored
    return style_element(bars, bokeh=dict(line_color=color, hooks=[_heads_as_whiskers]), mpl=dict(edgecolor=color))


def _has_colorbar(obj, backend: str = "bokeh") -> bool:
    """Whether ``backend`` draws a colour bar in ``obj``."""
    if backend not in backends():
        return False
    return any(hv.Store.lookup_options(backend, el, "plot").kwargs.get("colorbar")
               for el in obj.traverse(lambda x: x, [hv.Element]))


def figure(obj, title: str, *, bokeh=None, mpl=None, least=FIGURE_MIN_WIDTH, **common):
    """Figure-level options: title (wrapped to fit a figure ``least`` pixels wide) plus the house sizes and tools,
    for every loaded backend. A figure with a colour bar keeps its toolbar on the right: with the toolbar above,
    Bokeh drew the bar without its numbers, or not at all, in notebooks and saved HTML (not in a served page)."""
    side = {"toolbar": "right"} if _has_colorbar(obj) else {}
    # an exported heat map or image with grid lines over its cells reads as cells cut in parts
    mpl = {**MPL_FIG, **({"show_grid": False} if _has_colorbar(obj, "matplotlib") else {}), **(mpl or {})}
    if common.get("logx") and isinstance(mpl.get("aspect"), (int, float)):
        # HoloViews (matplotlib) measures a log axis's span in natural logs where matplotlib draws decades: a
        # log-x panel came out ln 10 times narrower than asked (001-fig2's panel A beside B)
        mpl["aspect"] = mpl["aspect"] * LN10
    return style(obj, title=title, bokeh={**BOKEH_FIG, **side, **(bokeh or {})}, mpl=mpl, least=least, **common)


LN10 = 2.302585092994046


def placeholder(message: str, title: str = "", least: int = FIGURE_MIN_WIDTH):
    """An empty figure with a sentence in it, for views whose data is missing (in the theme's ink, in lines that
    fit a figure ``least`` pixels wide)."""
    message = fit_title(message, least)
    text = hv.Text(0.5, 0.5, message).opts(text_font_size="12pt", text_color=ink(), backend="bokeh") \
        if "bokeh" in backends() \
        else hv.Text(0.5, 0.5, message)
    return figure(text, title, xaxis=None, yaxis=None, least=least)
