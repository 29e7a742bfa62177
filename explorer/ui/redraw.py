"""A figure pane that redraws in place: a new figure with the same layers as the one on screen updates the
existing Bokeh plot (its data, ranges and title), which costs a fraction of building a plot anew and keeps the
browser from laying the page out again; a figure with other layers (another choice of lines, another size)
builds a new plot.

Each pane's axes are its own (``linked_axes=False``): Panel links the ranges of plots that share a dimension
within a layout, so two cards with a "count" axis (two histograms side by side) had one y range, set by
whichever redrew last, and the other's bars ran off the top."""
from __future__ import annotations

import holoviews as hv
import panel as pn

from ..views.titles import fit_title
from .widgets import escape


def layers(figure) -> tuple:
    """What decides a plot's structure: the type, group and label of every layer, in order."""
    items = list(figure.values()) if isinstance(figure, hv.Overlay) else [figure]
    return tuple((type(el).__name__, el.group, el.label) for el in items)


def framewise(figure):
    """Every layer's ranges follow the data of each new figure (not the first one shown). The figure is the
    views' fresh object, so its layers are marked in place (cloning each layer cost ~25 ms a redraw)."""
    for element in figure.traverse(lambda el: el, [hv.Element]):
        element.opts(framewise=True, clone=False)
    return figure


#: above the title of a figure that still shows the last result while the sidebar's new setting trains (short:
#: it fits the narrowest figure, ~330 px; the status line says the rest)
PREVIOUS = "PREVIOUS SETTING (training)"
#: above the title of a figure that shows the last result while the sidebar's setting is not run: cancelled, or
#: one that cannot run (the status line says which setting the figures show)
CANCELLED = "STALE (not the sidebar's setting)"
MARKS = (PREVIOUS, CANCELLED)
#: in a pane that has no result to show yet while the sidebar's setting trains
WAITING = "Drawn once this setting has been trained and measured."


def waiting_line(message: str = WAITING):
    """One dimmed line of plain text where a figure will be (``message`` is escaped, never markup): a line, not
    an empty figure, so that a live view further down the page stays in sight. Every study page's empty panes
    say it this way."""
    return pn.pane.HTML(escape(message), styles={"opacity": "0.75"}, margin=(4, 10), sizing_mode="stretch_width")


def with_mark(figure, mark: str):
    """``figure`` with ``mark`` (:data:`PREVIOUS`, :data:`CANCELLED`) as a line of its own above its title, the
    whole fitted to the figure (explorer.views.titles); a shallow clone, the original is kept. ``""``: the figure
    itself, without a mark. A mark already above the title is replaced, never stacked."""
    title = figure.opts.get("plot", backend="bokeh").kwargs.get("title", "")
    lines = title.split("\n")
    while lines and lines[0] in MARKS:   # a mark already there (an overlay's clone can share its options)
        lines.pop(0)
    bare = "\n".join(lines)
    if not mark and bare == title:
        return figure
    return figure.opts(title=fit_title(f"{mark}\n{bare}" if mark else bare), backend="bokeh", clone=True)


class Redrawn(pn.viewable.Viewer):
    """``Redrawn(**pane_options)``; ``show(figure)`` puts a HoloViews figure on screen, in place when it can.
    The pane stretches to the width of its card unless ``sizing_mode`` says otherwise (``None``: Panel's
    default, the figure's own size)."""

    def __init__(self, **pane_options):
        super().__init__()
        options = {"sizing_mode": "stretch_width", "linked_axes": False, **pane_options}
        self.pane_options = {k: v for k, v in options.items() if v is not None}
        self.layout = pn.Column(sizing_mode="stretch_width", margin=0)
        self._pipe, self._layers = None, None
        self._figure, self._mark = None, ""

    def show(self, figure):
        self._figure, self._mark = figure, ""
        shape = layers(figure)
        figure = framewise(figure)
        if self._pipe is not None and shape == self._layers:
            self._pipe.event(data=figure)
            return
        self._layers, self._pipe = shape, hv.streams.Pipe(data=figure)
        self.layout.objects = [pn.pane.HoloViews(hv.DynamicMap(lambda data: data, streams=[self._pipe]),
                                                 **self.pane_options)]

    def mark(self, prefix: str = ""):
        """Put ``prefix`` (:data:`PREVIOUS`, :data:`CANCELLED`) above the title of the figure on screen, or take
        it away (``""``): the same figure, redrawn in place, says that it no longer shows the sidebar's setting.
        The next :meth:`show` clears it."""
        if self._pipe is None or prefix == self._mark:
            return
        self._mark = prefix
        self._pipe.event(data=with_mark(self._figure, prefix))

    @property
    def figure(self):
        """The figure on screen, without its mark (``None`` before the first :meth:`show` and while waiting)."""
        return self._figure

    @property
    def marked(self) -> str:
        """The prefix now before the figure's title (``""``: none)."""
        return self._mark

    def wait(self, message: str = WAITING):
        """Say in one line (:func:`waiting_line`), until the next :meth:`show`, why the pane is empty (a first
        setting is training)."""
        self._pipe, self._layers, self._figure, self._mark = None, None, None, ""
        self.layout.objects = [waiting_line(message)]

    @property
    def shown(self) -> bool:
        """Whether a figure (not a :meth:`wait` line) is on screen."""
        return self._pipe is not None

    def __panel__(self):
        return self.layout
