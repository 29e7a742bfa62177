"""A figure pane that redraws in place when the new figure has the same layers (explorer.ui.redraw)."""
from __future__ import annotations

import holoviews as hv
from bokeh.document import Document

from explorer.ui.redraw import Redrawn, layers

hv.extension("bokeh")


def _figures(doc):
    return [m for m in doc.models if type(m).__name__ == "figure"]


def _overlay(top, labels=("a", "b"), title="t"):
    return hv.Overlay([hv.Curve([0, top], label=lab) for lab in labels]).opts(title=title)


def test_the_same_layers_update_the_plot_on_screen_with_its_data_ranges_and_title():
    r = Redrawn()
    r.show(_overlay(1, title="one"))
    doc = Document()
    doc.add_root(r.layout.get_root(doc))
    (plot,) = _figures(doc)
    assert (plot.y_range.start, plot.y_range.end) == (-0.1, 1.1)
    r.show(_overlay(10, title="two"))
    assert _figures(doc) == [plot]                      # the same Bokeh plot …
    assert (plot.y_range.start, plot.y_range.end) == (-1.0, 11.0) and plot.title.text == "two"   # … new ranges


def test_other_layers_build_a_new_plot():
    r = Redrawn()
    assert not r.shown
    r.show(_overlay(1))
    assert r.shown
    first = r.layout.objects[0]
    r.show(_overlay(1, labels=("a",)))
    assert r.layout.objects[0] is not first
    assert layers(_overlay(1)) != layers(_overlay(1, labels=("a",)))
    assert layers(hv.Curve([0, 1])) == (("Curve", "Curve", ""),)


def test_two_panes_with_the_same_dimensions_keep_their_own_ranges():
    """Panel links the axes of plots that share a dimension in one layout; two cards redrawn in turn then had one
    y range, set by the last, and the other's data ran off the top (BIMT's two shuffle histograms)."""
    import panel as pn

    counts = hv.Dimension("count", label="shuffled sheets")
    a, b = Redrawn(), Redrawn()
    a.show(hv.Curve([0, 1], vdims=[counts]))
    b.show(hv.Curve([0, 2], vdims=[counts]))
    doc = Document()
    doc.add_root(pn.Row(a, b).get_root(doc))
    a.show(hv.Curve([0, 100], vdims=[counts]))
    b.show(hv.Curve([0, 3], vdims=[counts]))
    first, second = _figures(doc)
    assert first.y_range is not second.y_range
    assert {first.y_range.end, second.y_range.end} == {110.0, 3.3}


def test_a_mark_before_the_title_redraws_the_same_figure_and_the_next_figure_clears_it():
    from explorer.ui.redraw import CANCELLED, PREVIOUS

    r = Redrawn()
    r.mark(PREVIOUS)                                   # nothing shown yet: nothing to mark
    assert r.marked == ""
    r.show(_overlay(1, title="one"))
    doc = Document()
    doc.add_root(r.layout.get_root(doc))
    (plot,) = _figures(doc)
    r.mark(PREVIOUS)
    assert _figures(doc) == [plot] and plot.title.text == PREVIOUS + "\none" and r.marked == PREVIOUS
    assert (plot.y_range.start, plot.y_range.end) == (-0.1, 1.1)        # the same data
    r.mark(CANCELLED)
    assert plot.title.text == CANCELLED + "\none"
    r.show(_overlay(10, title="two"))
    assert plot.title.text == "two" and r.marked == ""
    r.mark(PREVIOUS)
    r.mark("")
    assert plot.title.text == "two"


def test_a_mark_replaces_a_mark_and_is_never_stacked():
    """An overlay's clone can share its layers' options with the original, so a figure may come back already
    marked: marking it again, or unmarking it, must still give one mark or none."""
    import holoviews as hv

    from explorer.ui.redraw import CANCELLED, PREVIOUS, with_mark

    def title(fig):
        return fig.opts.get("plot", backend="bokeh").kwargs.get("title", "")

    fig = hv.Curve([1, 2]).opts(title="one", backend="bokeh")
    marked = with_mark(fig, CANCELLED)
    assert title(marked) == CANCELLED + "\none"
    assert title(with_mark(marked, CANCELLED)) == CANCELLED + "\none"
    assert title(with_mark(marked, PREVIOUS)) == PREVIOUS + "\none"
    assert title(with_mark(marked, "")) == "one" and with_mark(fig, "") is fig
