"""Every figure the dashboard shows is built here from synthetic Results and rendered to Bokeh (no browser),
and exported through Matplotlib where that is available."""
import io
import json

import holoviews as hv
import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from explorer.core.result import Result
from explorer.studies.specialization.config import SpecializationConfig
from explorer.studies.specialization.experiment import p_grid
from explorer.studies.specialization.result import build_dataset
from explorer.studies.specialization.views import (mask_accuracy_note, markers, module_specialization_over_time,
                                                   specialization_over_time)
from explorer.studies.specialization.views_connectivity import connectivity, result_connectivity
from explorer.studies.specialization.views_overview import cells_frame, f_vs_structure, heatmap
from explorer.views import accuracy_curves, export, loss_curves, progress_rows, training_frame

hv.extension("bokeh")


def synthetic(seed=0, **kw) -> Result:
    cfg = SpecializationConfig(**{"n": 6, "seeds": 3, "steps": 5, "epochs": 4, **kw})
    rng = np.random.default_rng(seed)
    S, T, E, n = len(cfg.seeds), cfg.steps, cfg.epochs, cfg.n
    ds = build_dataset(cfg, M=rng.uniform(0, 1, (S, 4, T, 2, 2)), accuracy=rng.uniform(0.8, 1, S),
                       digit_decoding=rng.uniform(0, 1, (S, 2)), loss_curve=rng.uniform(0, 2, (S, E)),
                       accuracy_curve=rng.uniform(0, 1, (S, E)), Q_measured=np.full(S, cfg.Q),
                       mask_accuracy=rng.uniform(0.1, 1, (S, T, 2)))
    g = torch.Generator().manual_seed(seed)   # seeded: with torch's global stream the ringed-link count (and so
    # whether the key is drawn) depended on the tests run before, and the key test failed about once in 25
    weights = {"W_rec": torch.randn(S, 2 * n, 2 * n, generator=g),
               "mask_inter": (torch.rand(S, 2 * n, 2 * n, generator=g) < 0.1).float()}
    return Result(data=ds, weights=weights)


def bokeh(obj):
    """Render to a Bokeh model (what the browser would receive)."""
    return hv.render(obj, backend="bokeh")


def titles(model):
    return [m.text for m in model.references() if type(m).__name__ == "Title" and m.text]


def test_specialization_over_time_has_band_and_line_per_metric_and_a_titled_setting():
    r = synthetic()
    obj = specialization_over_time(r.data)
    assert len(obj.Spread) == 4 and len(obj.Curve) == 4
    spread = obj.Spread.Bottleneck_retraining
    F = r.data["F"].sel(metric="bottleneck")
    np.testing.assert_allclose(spread.dimension_values(1), F.mean("seed").values)
    mean, sd = F.mean("seed").values, F.std("seed", ddof=0).values
    np.testing.assert_allclose(spread.dimension_values(2), np.minimum(sd, mean))       # band clipped at F = 0
    np.testing.assert_allclose(spread.dimension_values(3), np.minimum(sd, 1 - mean))   # … and at F = 1
    model = bokeh(obj)
    (title,) = titles(model)
    assert "p = 0.1" in title and "Q = 0.41" in title and "3 seeds" in title and "accuracy" in title
    assert model.yaxis[0].axis_label == "global specialization F"
    assert model.xaxis[0].axis_label == "time step t"


def test_sd_bands_stay_inside_the_measures_range():
    from explorer.studies.specialization.style import FM
    from explorer.studies.specialization.views import band

    t, mean, sd = np.arange(3.0), np.array([0.05, 0.5, 0.95]), np.full(3, 0.2)
    spread, _ = band(t, mean, sd, "#000000", "x")
    np.testing.assert_allclose(spread.dimension_values(2), [0.05, 0.2, 0.2])   # F ≥ 0
    np.testing.assert_allclose(spread.dimension_values(3), [0.2, 0.2, 0.05])   # F ≤ 1
    spread, _ = band(t, -mean, sd, "#000000", "x", ydim=FM)
    np.testing.assert_allclose(spread.dimension_values(2), [0.2, 0.2, 0.05])   # Fᵐ ≥ −1
    bokeh(spread)


def test_specialization_subset_of_metrics():
    obj = specialization_over_time(synthetic().data, ["correlation"])
    assert len(obj.Curve) == 1
    bokeh(obj)


def test_markers_at_comms_start_and_digit_start_times():
    r = synthetic(comms_start=2, start_times=(1, 3))
    lines = markers(json.loads(r.data.attrs["config"]))
    xs = sorted(lines.VLines.I.dimension_values(0))
    assert xs == [0.5, 1.5, 2.5]  # drawn between the last step without and the first step with
    assert sorted(lines.Labels.I.dimension_values("text")) == ["comms on →", "digit 0 on →", "digit 1 on →"]
    bokeh(specialization_over_time(r.data))
    random = markers(json.loads(synthetic(start_times="random").data.attrs["config"]))
    assert len(random.Labels.I) == 0  # random start times have no fixed step to mark
    bokeh(random)


def test_module_specialization_per_module_lines():
    r = synthetic()
    obj = module_specialization_over_time(r.data, ["bottleneck", "ablation"])
    assert len(obj.Curve) == 4  # two metrics × two modules
    curve = obj.Curve.Bottleneck_retraining.II   # module 1 (one legend entry per metric, both modules' lines)
    assert curve.opts.get("style", backend="bokeh").kwargs.get("line_dash") not in (None, "solid")
    np.testing.assert_allclose(curve.dimension_values(1),
                               r.data["F_module"].sel(metric="bottleneck", module=1).mean("seed").values)
    bokeh(obj)


def test_training_curves_from_result_and_from_progress_events():
    r = synthetic()
    df = training_frame(r.data)
    assert list(df.columns) == ["epoch", "seed", "loss", "accuracy"] and len(df) == 3 * 4
    bokeh(loss_curves(df))
    bokeh(accuracy_curves(df))
    live = progress_rows({"stage": "train", "epoch": 0, "epochs": 4, "fraction": 0.125, "seeds": [0, 1, 2],
                          "loss": [2.0, 2.1, 2.2], "accuracy": None})
    assert live.epoch.tolist() == [0.5] * 3 and live.accuracy.isna().all()
    bokeh(loss_curves(live))
    bokeh(accuracy_curves(live))  # no accuracy yet: an empty but valid figure
    bokeh(loss_curves(df.iloc[:0]))


def test_the_mean_training_curve_stops_where_the_first_seed_stopped():
    """A seed that reached the accuracy criterion stops (its curve is NaN after): the thick mean is drawn while
    every seed has a value, not as a mean of fewer networks after that."""
    df = pd.DataFrame({"epoch": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0], "seed": [0, 0, 0, 1, 1, 1],
                       "loss": [2.0, 1.0, np.nan, 3.0, 2.0, 1.5], "accuracy": [0.5, 0.9, np.nan, 0.4, 0.6, 0.8]})
    mean = loss_curves(df).Curve.Mean_over_seeds
    assert mean.dimension_values(0).tolist() == [1.0, 2.0] and mean.dimension_values(1).tolist() == [2.5, 1.5]


def test_connectivity_shows_weights_links_and_both_Q_in_title():
    r = synthetic(n=10)
    obj = result_connectivity(r, seed_index=1)
    image = obj.Image.I
    assert image.data.shape == (20, 20)
    W = r.weights["W_rec"][1].numpy()
    np.testing.assert_allclose(image.dimension_values(2, flat=False), W)  # row i = to, column j = from
    assert image[3, 12] == pytest.approx(W[12, 3])  # sampled at (from j, to i)
    assert len(obj.Points.Inter_hyphen_minus_module_link) == int(r.weights["mask_inter"][1].sum())
    (title,) = titles(bokeh(obj))
    assert "seed 1" in title and f"Q = {r.data.attrs['Q']:.3f}" in title and "realised" in title


def test_the_connectivity_key_is_dark_on_white_whatever_the_pages_theme():
    """The key sits on the matrix, which is light in both themes; under the dark theme's legend colours (light
    text on a translucent grey) "inter-module link" could hardly be read there. Set on the model, the colours win
    over any theme's."""
    from bokeh.models import Legend

    (legend,) = bokeh(result_connectivity(synthetic(n=10))).select(Legend)
    assert (legend.background_fill_color, legend.label_text_color) == ("white", "black")
    assert legend.background_fill_alpha >= 0.8


def test_connectivity_without_weights_is_a_message_not_an_error():
    bokeh(connectivity({}, 0))
    mask_only = {"mask_inter": torch.ones(1, 4, 4)}
    bokeh(connectivity(mask_only, 0, Q=0.2))


def test_overview_against_p_and_Q_and_heatmap():
    results = [synthetic(i, n=n, p=p) for i, (n, p) in enumerate((n, p) for n in (6, 10) for p in p_grid(n))]
    frame = cells_frame(results)
    assert set(frame.metric) == {"bottleneck", "ablation", "correlation", "weight_mask"}
    assert len(frame) == len(results) * 3 * 4
    one_n = frame[frame.n == 6]
    obj = f_vs_structure(one_n, "p", current=0.1)
    model = bokeh(obj)
    assert type(model.x_scale).__name__ == "LogScale"
    curve = obj.Curve.Bottleneck_retraining
    expected = one_n[one_n.metric == "bottleneck"].groupby("p").F.mean()
    np.testing.assert_allclose(curve.dimension_values(1), expected.values)
    bokeh(f_vs_structure(one_n, "Q", ["ablation"]))
    hm = heatmap(frame, "p", "n", "bottleneck")
    quad = hm.QuadMesh.I
    Z = quad.dimension_values(2, flat=False)
    assert Z.shape == (2, 7)  # n ∈ {6, 10} × p columns (1/n², 0.02, …, 1)
    assert np.isnan(Z).sum() == 1  # 0.02 < 1/36 exists only at n = 10
    bokeh(hm)
    # the title names the parameters as the axes do, not by their code names (it read "comms_start")
    assert "mean F over module size n × sparsity p" in hm.opts.get().kwargs["title"]


def test_overview_placeholders_when_nothing_is_stored():
    bokeh(f_vs_structure(cells_frame([]), "p"))
    bokeh(heatmap(cells_frame([]), "p", "n"))
    bokeh(heatmap(cells_frame([synthetic()]), "p", "p"))


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_figures_export_as_png_and_svg(fmt, magic):
    r = synthetic(comms_start=1)
    frame = cells_frame([synthetic(i, p=p) for i, p in enumerate(p_grid(6))])
    for build in (lambda: specialization_over_time(r.data), lambda: module_specialization_over_time(r.data),
                  lambda: loss_curves(training_frame(r.data)), lambda: accuracy_curves(training_frame(r.data)),
                  lambda: result_connectivity(r), lambda: f_vs_structure(frame, "p"),
                  lambda: heatmap(frame, "p", "n")):
        data = export.figure_bytes(build, fmt, dpi=40)
        assert data.startswith(magic)
    if fmt == "svg":   # its text is text, editable and searchable (it was drawn as outlines)
        assert b"<text" in data and b"module size n" in data
    assert hv.Store.current_backend == "bokeh"


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
def test_an_exported_heat_map_draws_no_grid_over_its_cells():
    """The house's exported figures have grid lines; over a heat map's cells they cut each cell in parts (a
    reviewer saw them on the growth study's per-head heat map, whose own option said no grid)."""
    export.ensure_matplotlib()
    frame = cells_frame([synthetic(i, p=p) for i, p in enumerate(p_grid(6))])
    from explorer.views.style import figure, style_element

    def grid(obj):
        return hv.renderer("matplotlib").get_plot(obj).handles["axis"].xaxis._major_tick_kw.get("gridOn")

    assert grid(heatmap(frame, "p", "n")) is False
    heat = style_element(hv.HeatMap([(a, b, a * b) for a in range(3) for b in range(3)]),
                         bokeh=dict(colorbar=True), mpl=dict(colorbar=True, show_grid=False))
    assert grid(figure(heat, "a heat map whose own option says no grid")) is False
    assert grid(figure(hv.Curve([(0, 1), (1, 2)]), "a curve")) is True   # other figures keep theirs
    hv.Store.current_backend = "bokeh"


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
def test_an_exported_log_x_panel_is_as_wide_as_it_asks():
    """HoloViews (matplotlib) measures a log axis's span in natural logs where matplotlib draws decades: a log-x
    panel came out ln 10 times narrower than a linear one beside it (paper 001 Fig. 2's panel A)."""
    import matplotlib.pyplot as plt

    from explorer.views.style import figure

    def ratio(logx):
        curve = hv.Curve(([0.001, 0.01, 1.0], [0.1, 0.5, 0.9]))
        plot = hv.renderer("matplotlib").get_plot(figure(curve, "panel", logx=logx, mpl=dict(aspect=1.5)))
        plot.state.canvas.draw()
        box = plot.state.axes[0].get_position()
        w, h = plot.state.get_size_inches()
        plt.close(plot.state)
        return box.width * w / (box.height * h)

    export.ensure_matplotlib()
    assert ratio(True) == pytest.approx(1.5, rel=0.02) and ratio(False) == pytest.approx(1.5, rel=0.02)


def test_results_export_as_netcdf_and_csv(tmp_path):
    r = synthetic()
    path = tmp_path / "r.nc"
    path.write_bytes(export.netcdf_bytes(r.data))
    back = xr.load_dataset(path)
    np.testing.assert_allclose(back["F"].values, r.data["F"].values)
    text = export.csv_text(r.data)
    assert text.startswith("# config:")
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[0].startswith("variable,seed,metric,time,module,digit,epoch,value")
    n_values = sum(int(np.prod(v.shape)) for v in r.data.data_vars.values())
    assert len(body) == 1 + n_values


def test_mask_accuracy_note_reports_the_last_step_per_digit_and_warns_when_weak():
    r = synthetic()
    acc = r.data["mask_accuracy"].isel(time=-1).mean("seed").values
    note = mask_accuracy_note(r.data)
    assert f"**{acc[0]:.2f}** (digit 0)" in note and f"**{acc[1]:.2f}** (digit 1)" in note and "chance" in note
    weak = r.data.copy()
    weak["mask_accuracy"] = weak["mask_accuracy"] * 0 + 0.12
    assert "read the weight-mask curve with care" in mask_accuracy_note(weak)
    good = r.data["mask_accuracy"] * 0 + 0.6
    assert "with care" not in mask_accuracy_note(r.data.assign(mask_accuracy=good))
    assert "below" not in mask_accuracy_note(r.data.assign(mask_accuracy=good))
    one_weak = good.copy()
    one_weak[0, -1, 1] = 0.1                                    # seed 0's digit-1 mask at the last step
    assert "1 of 6 masks (seed × digit) are below 0.2" in mask_accuracy_note(r.data.assign(mask_accuracy=one_weak))
    assert mask_accuracy_note(r.data.drop_vars("mask_accuracy")) == ""


def _mpl_plot(build):
    """A figure drawn by matplotlib, as an export draws it: ``build`` (a function) makes it after the backend
    is loaded, so that its matplotlib options are set (built before, it had none when the test ran alone)."""
    export.ensure_matplotlib()
    plot = hv.renderer("matplotlib").get_plot(build() if callable(build) else build)
    plot.state.canvas.draw()
    return plot


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
@pytest.mark.parametrize("which", ["specialization", "modules", "overview"])
def test_exported_sd_bands_have_their_lines_colours(which):
    """The ± sd band of each metric is drawn in its line's house colour (not HoloViews' colour cycle)."""
    import matplotlib.colors as mc
    from matplotlib.collections import PolyCollection

    from explorer.studies.specialization.style import METRIC_COLORS

    r = synthetic()
    obj = {"specialization": lambda: specialization_over_time(r.data),
           "modules": lambda: module_specialization_over_time(r.data),
           "overview": lambda: f_vs_structure(cells_frame([synthetic(i, p=p) for i, p in enumerate(p_grid(6))]))}
    plot = _mpl_plot(obj[which])
    ax = plot.handles["axis"]
    bands = {mc.to_hex(c.get_facecolor()[0]) for c in ax.collections if isinstance(c, PolyCollection)}
    lines = {mc.to_hex(line.get_color()) for line in ax.lines} & set(METRIC_COLORS.values())
    assert lines == set(METRIC_COLORS.values())
    assert bands == lines


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
@pytest.mark.parametrize("current", [None, 0.1])
def test_the_exported_f_against_p_names_its_axes(current):
    """With the red line at the current p first in the overlay, the exported PNG's axes read "x" and "y" (the
    page's read "sparsity p …" and "global specialization F")."""
    frame = cells_frame([synthetic(i, p=p) for i, p in enumerate(p_grid(6))])
    ax = _mpl_plot(lambda: f_vs_structure(frame, current=current)).handles["axis"]
    assert ax.get_xlabel().startswith("sparsity p") and ax.get_ylabel() == "global specialization F"


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
def test_exported_heatmap_colour_bar_does_not_cover_the_cells():
    frame = cells_frame([synthetic(i, n=n, p=p) for i, (n, p) in enumerate((n, p) for n in (6, 10) for p in p_grid(n))])
    plot = _mpl_plot(lambda: heatmap(frame, "p", "n", "bottleneck"))
    fig = plot.state
    main = plot.handles["axis"]
    others = [ax for ax in fig.axes if ax is not main]
    assert len(others) == 1   # one colour bar (the one HoloViews placed is gone)
    bar = others[0]
    m, b = main.get_position(), bar.get_position()
    assert b.x0 >= m.x1   # beside the axes, not on the last column
    assert bar.get_ylabel() == "mean last-step F, bottleneck"   # which F


def test_heatmap_cells_that_cannot_exist_differ_from_cells_not_computed():
    """p < 1/n² cannot exist (fewer than one link): grey with a ✕, named in the title and on hover (a legend
    inside the plot covered computed cells); a cell merely not computed stays blank. (n = 6: 0.02 < 1/36; n = 10:
    every column exists.)"""
    from explorer.studies.specialization.views_overview import IMPOSSIBLE

    frame = cells_frame([synthetic(i, n=n, p=p) for i, (n, p) in enumerate((n, p) for n in (6, 10) for p in p_grid(n))])
    def crossed(obj):
        return [e for e in obj if isinstance(e, hv.Rectangles)]

    hm = heatmap(frame, "p", "n", "bottleneck")
    [rects] = crossed(hm)
    assert len(rects) == 1 and rects.dimension_values("cell")[0] == IMPOSSIBLE
    x0, y0 = rects.dimension_values(0)[0], rects.dimension_values(1)[0]
    assert (x0, y0) == (0.5, -0.5)        # column 1 (p = 0.02), row 0 (n = 6)
    model = bokeh(hm)
    assert not [legend for legend in model.legend if legend.visible and legend.items]
    assert "not computed yet" in model.title.text and "cannot exist" in model.title.text
    fewer = frame[~((frame.n == 10) & (frame.p == 0.5))]   # a cell not computed: blank, no ✕
    assert len(crossed(heatmap(fewer, "p", "n"))[0]) == 1
    flipped = heatmap(frame, "n", "p", "bottleneck")       # the other orientation knows it too: unmerged,
    assert len(crossed(flipped)[0]) == 2                   # p = 1/100 and 0.02 are both below 1/36 at n = 6
    assert not crossed(heatmap(frame, "p", "covariance"))


def test_band_summary_matches_xarrays_mean_and_sd_and_skips_a_seed_without_a_value():
    from explorer.studies.specialization.views import _summary
    values = np.array([[0.2, 0.5, np.nan], [0.4, np.nan, np.nan], [0.9, 0.7, np.nan]])   # (seed, time)
    da = xr.DataArray(values.T, dims=("time", "seed"))   # the seed axis need not come first
    mean, sd = _summary(da)
    np.testing.assert_allclose(mean, da.mean("seed").values)
    np.testing.assert_allclose(sd, da.std("seed", ddof=0).values)
    assert np.isnan(mean[2]) and np.isnan(sd[2])   # no seed has that step: NaN, without a warning


def test_figure_titles_state_the_accuracy_range_and_the_networks_below_the_criterion():
    """Issue 14: every figure says how well its networks learned — the range over seeds, and how many missed
    the run's accuracy criterion (none said without one)."""
    from explorer.studies.specialization.views import skill

    assert skill(np.array([0.86, 0.91, 0.79]), {"until_accuracy": 0.85}) == "accuracy 0.79–0.91 (1 below 0.85)"
    assert skill(np.array([0.86, 0.91]), {"until_accuracy": 0.85}) == "accuracy 0.86–0.91"
    assert skill(np.array([0.5, 0.6]), {"until_accuracy": 0.0}) == "accuracy 0.50–0.60"
    assert skill(np.array([0.9]), {}) == "accuracy 0.90"
    # a network below the criterion is not rounded up to it
    assert skill(np.array([0.864, 0.849]), {"until_accuracy": 0.85}) == "accuracy 0.849–0.86 (1 below 0.85)"
    assert skill(np.array([0.8499, 0.8499]), {"until_accuracy": 0.85}) == "accuracy 0.849–0.85 (2 below 0.85)"
    assert skill(np.array([np.nan]), {}) == "accuracy n/a"


def test_frame_sized_figures_pass_bokehs_checks():
    """The weight matrix and the BIMT sheet are sized by their frames: Bokeh must not flag them (it logged
    "W-1005 FIXED_SIZING_MODE" on every BIMT page) and the frame keeps its size."""
    from bokeh.core.validation.check import check_integrity
    from bokeh.document import Document

    from explorer.studies.bimt.views import neuron_map

    coords = np.stack(np.meshgrid(np.arange(3) / 3, np.arange(3) / 3), -1).reshape(-1, 2)
    w = np.random.default_rng(0).normal(size=(9, 9))
    weights = {"W_rec": torch.randn(1, 6, 6), "mask_inter": torch.zeros(1, 6, 6)}
    for element in (connectivity(weights, Q=0.4), neuron_map(coords, w)):
        fig = hv.render(element, backend="bokeh")
        doc = Document()
        doc.add_root(fig)
        found = check_integrity(doc.roots)
        assert not found.warning and not found.error, found
        assert fig.frame_width and fig.frame_height


@pytest.mark.parametrize("theme", ["default", "dark"])
def test_neutral_marks_follow_the_pages_theme_and_exports_stay_dark(theme):
    """On Panel's dark theme (``?theme=dark``) the ensemble's mean line and the step markers are light greys
    (dark ones vanish on the dark background); an export of the same figure, drawn on white, keeps them dark."""
    import matplotlib.colors as mc
    import panel as pn
    from bokeh.models import GlyphRenderer

    from explorer.views.style import INK

    mpl = export.matplotlib_available()
    if mpl:
        export.ensure_matplotlib()   # the figures then carry their export styling too
    r = synthetic(comms_start=2)
    with pn.config.set(theme=theme):
        curves = loss_curves(training_frame(r.data))
        marked = specialization_over_time(r.data)
    ink, soft = INK[theme]
    glyphs = [g.glyph for g in bokeh(curves).select(GlyphRenderer)]
    assert ink in [getattr(g, "line_color", None) for g in glyphs]
    glyphs = [g.glyph for g in bokeh(marked).select(GlyphRenderer)]
    assert [g.text_color for g in glyphs if hasattr(g, "text_color")] == [soft]   # "comms on →"
    assert soft in [getattr(g, "line_color", None) for g in glyphs]
    if mpl:
        lines = {mc.to_hex(line.get_color()) for line in _mpl_plot(curves).handles["axis"].lines}
        assert "#000000" in lines and mc.to_hex(INK["dark"][0]) not in lines


def test_bimt_task_variance_is_shown_per_neuron_normalised_with_its_clusters_marked():
    """Yang et al. 2019's features: each important neuron's task variance divided by its largest over the tasks;
    the columns grouped by cluster, a line between clusters, a tick per cluster; unimportant neurons left out."""
    import xarray as xr

    from explorer.studies.bimt.views import task_accuracy_bars, task_variance_heatmap

    tv = np.array([[4.0, 1.0, 0.0, 2.0], [2.0, 3.0, 0.0, 8.0]])    # (task, neuron): raw variances
    ds = xr.Dataset({"labels": (("seed", "neuron"), [[1, 0, -1, 0]]),
                     "task_variance": (("seed", "task", "neuron"), tv[None])},
                    coords={"seed": [0], "task": ["go", "anti"]})
    fig = task_variance_heatmap(ds)
    heat, *lines = fig.values()
    frame = heat.dframe()
    assert frame.column.tolist() == [0, 0, 1, 1, 2, 2] and frame.slot.tolist() == [1, 1, 3, 3, 0, 0]  # by cluster
    assert frame.groupby("column").variance.max().tolist() == [1.0, 1.0, 1.0]
    assert frame.variance.tolist() == [1 / 3, 1.0, 0.25, 1.0, 1.0, 0.5]
    assert [line.data for line in lines] == [1.5]          # between cluster 1 (slots 1, 3) and cluster 2 (slot 0)
    assert "2 clusters" in fig.opts.get().kwargs["title"]

    acc = xr.Dataset({"task_accuracy": (("seed", "task"), [[1.0, 0.1], [1.0, 0.3], [0.7, 0.2]]),
                      "accuracy": (("seed",), [0.55] * 3)}, coords={"seed": [0, 1, 2], "task": ["go", "anti"]})
    _, errors = task_accuracy_bars(acc).values()
    e = errors.dframe()
    sd = np.array([np.std([1.0, 1.0, 0.7]), np.std([0.1, 0.3, 0.2])])
    assert np.allclose(e.accuracy + e.above, [1.0, 0.2 + sd[1]])          # go's 0.9 + 0.14 is clipped at 1
    assert np.allclose(e.accuracy - e.below, [0.9 - sd[0], 0.2 - sd[1]])


def test_bimt_neuron_map_names_its_clusters_in_a_legend_in_both_backends():
    """The finished map's colours are functional clusters: a legend names them in order, "not important" last,
    in the page's figure (Bokeh) and the exported one (Matplotlib); the page's live map (``legend=False``) keeps
    one set of plot options and shows the same key under it (``cluster_key``)."""
    from bokeh.models import Legend

    from explorer.studies.bimt.views import CLUSTER_COLOURS, NEUTRAL, cluster_key, neuron_map

    coords = np.stack(np.meshgrid(np.arange(3) / 3, np.arange(3) / 3), -1).reshape(-1, 2)
    w = np.random.default_rng(0).normal(size=(9, 9))
    labels = np.array([1, 0, -1, 1, 0, 2, 2, -1, 0])
    key = [("cluster 1", CLUSTER_COLOURS[0], 3), ("cluster 2", CLUSTER_COLOURS[1], 2),
           ("cluster 3", CLUSTER_COLOURS[2], 2), ("not important", NEUTRAL, 2)]
    assert cluster_key(labels) == key
    fig = hv.render(neuron_map(coords, w, labels=labels), backend="bokeh")
    points = fig.renderers[-1].data_source.data
    assert list(dict.fromkeys(points["neuron"])) == [name for name, _, _ in key]     # the legend's order
    assert fig.select(Legend) and fig.legend[0].items[0].label.field == "color"
    assert not hv.render(neuron_map(coords, w, labels=labels, legend=False), backend="bokeh").select(Legend)
    assert not hv.render(neuron_map(coords, w), backend="bokeh").select(Legend)        # identities: no legend
    export.ensure_matplotlib()   # before the map is built: its Matplotlib options are set as it is made
    axis = _mpl_plot(lambda: neuron_map(coords, w, labels=labels)).handles["axis"]
    assert [t.get_text() for t in axis.get_legend().get_texts()] == [name for name, _, _ in key]
    # the exported PNG keeps the legend right of the sheet (Matplotlib's tight box left it out unless named)
    from PIL import Image

    def png_width(legend):
        png = export.figure_bytes(lambda: neuron_map(coords, w, labels=labels, legend=legend), "png", dpi=50)
        return Image.open(io.BytesIO(png)).size[0]
    assert png_width(True) > png_width(False) + 40


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
def test_an_exported_layout_keeps_its_title_and_its_legends_outside_the_axes():
    """figure_bytes names what lies outside the axes to Matplotlib's tight box: the legends right of them, and
    then also the figure's own title (a Layout's, as `explorer reproduce` saves them), which naming some
    artists would otherwise leave out."""
    from PIL import Image

    export.ensure_matplotlib()

    def size(title, legend="right"):
        panels = [hv.Overlay([hv.Curve([0, i + k, 1], label=f"line {k}") for k in range(3)])
                  .opts(legend_position=legend, backend="matplotlib") for i in range(2)]
        layout = hv.Layout(panels).opts(title=title, backend="matplotlib")
        return Image.open(io.BytesIO(export.figure_bytes(layout, "png", dpi=80))).size

    # the title's whole line is in the picture (29 px at 80 dpi; with the title cut, 12 px were left)
    assert size("A title")[1] > size("")[1] + 20
    assert size("")[0] > size("", legend="top_left")[0] + 20   # so are the legends right of the axes


def test_the_bimt_pareto_front_shows_the_spread_over_seeds_and_starts_at_zero():
    """Each point is a mean over seeds: its ± sd is drawn; the sparsity axis starts at 0, so the page's first
    stored point reads as one point (it was drawn on an axis from 702 to 703.5)."""
    import pandas as pd

    from explorer.studies.bimt.views import REGIME_COLOURS, pareto

    frame = pd.DataFrame({"regime": ["bimt", "bimt", "l1"], "lam": [1e-3, 3e-3, 1e-3], "error": [0.3, 0.5, 0.35],
                          "error_sd": [0.02, 0.04, 0.03], "active_neurons": [60.0, 45.0, 62.0],
                          "wiring_length": [700.0, 200.0, 1300.0]})
    fig = pareto(frame, "wiring_length")
    bars = fig.ErrorBars.values()
    assert [b.dimension_values("error_sd").tolist() for b in bars] == [[0.04, 0.02], [0.03]]   # sorted by x
    plot = bokeh(fig)
    assert plot.x_range.start == 0 and plot.x_range.end == pytest.approx(1430.0)
    from bokeh.models import Whisker

    colours = {(w.line_color, w.upper_head.line_color, w.lower_head.line_color) for w in plot.select(Whisker)}
    assert colours == {(REGIME_COLOURS["bimt"],) * 3, (REGIME_COLOURS["l1"],) * 3}   # caps too (Bokeh: black)
    one = bokeh(pareto(frame.iloc[:1], "wiring_length"))
    assert one.x_range.start == 0 and one.x_range.end == pytest.approx(770.0)


@pytest.mark.parametrize("theme", ["default", "dark"])
def test_a_placeholder_sentence_is_in_the_themes_ink_and_fits_its_figure(theme):
    """The growth page's "Generalisation was not measured …" was black on the dark theme's background, and as
    one line wider than a figure of the least width it ran past both edges."""
    import panel as pn
    from bokeh.models import GlyphRenderer

    from explorer.views.style import INK, placeholder
    from explorer.views.titles import text_width, title_room

    message = "Generalisation was not measured (set 'generalise to N + 1 … N + K' above 0)."
    with pn.config.set(theme=theme):
        fig = placeholder(message, "Generalisation to harder tasks")
    (glyph,) = [g.glyph for g in bokeh(fig).select(GlyphRenderer) if hasattr(g.glyph, "text_color")]
    assert glyph.text_color == INK[theme][0]
    lines = fig.text
    assert "\n" in lines and all(text_width(line) <= title_room() for line in lines.split("\n"))



def test_a_titled_figure_is_laid_out_again_when_its_title_changes():
    """BokehJS laid a plot out once: a title that gained a line in place (a mark above it, a live map's title
    replaced by a result's) had its top line cut off, drawn over the old one, until a reload. Every titled figure
    now carries a callback that lays its plot out again when the title's text changes (checked in chromium on a
    served page: the three-line title shows whole)."""
    from bokeh.models import CustomJS

    from explorer.views.style import figure

    plot = bokeh(figure(hv.Curve([1, 2]), "one line"))
    [callback] = plot.title.js_property_callbacks["change:text"]
    assert isinstance(callback, CustomJS) and callback.args["plot"] is plot and "invalidate_layout" in callback.code


def test_exported_error_bars_have_their_lines_colours():
    """HoloViews' matplotlib ErrorBars ignore ``color``: the exported Fig. 2b and BIMT Pareto front drew every
    ± sd bar black beside coloured lines (seen in docs/gallery/004-fig2b.png)."""
    import matplotlib.colors as mcolors

    from explorer.views.style import error_bars

    hv.extension("bokeh", "matplotlib")
    bars = error_bars(hv.ErrorBars(([1, 2, 3], [1, 2, 3], [0.5, 0.5, 0.5])), "#d95f02")
    ax = hv.render(bars, backend="matplotlib").axes[0]
    drawn = {mcolors.to_hex(c) for coll in ax.collections for c in coll.get_colors()}
    assert drawn == {"#d95f02"}


def test_after_a_cancel_the_training_card_shows_the_shown_results_curves(tmp_path):
    """After a cancel the Training card kept the cancelled run's live curves under titles saying the plots show
    the earlier setting (found by a reviewer); the shown result's own curves come back."""
    from explorer.store import Store
    from explorer.studies.specialization.page import Page
    from explorer.views import training_frame

    page = Page(store=Store(tmp_path / "store"), url=False, defaults={"n": 4, "epochs": 1, "seeds": 1, "steps": 2,
                                                                      "until_accuracy": 0.0})
    import time

    deadline = time.monotonic() + 120
    while (page.result is None or page.job.running) and time.monotonic() < deadline:
        time.sleep(0.05)
    shown = training_frame(page.result.data).reset_index(drop=True)
    event = {"stage": "train", "fraction": 0.5, "epochs": 9, "epoch": 4, "step": 1, "seeds": [0], "loss": [9.0],
             "accuracy": [0.01]}
    for setting_changed in (True, False):   # a new setting's run, or a side job (a sweep) on the same setting
        if setting_changed:
            page.experiment.param.update(epochs=2)   # (its own run is cancelled at once below)
        page._trained_rows = False
        page._on_event(event)
        page._draw_progress()
        assert 9.0 in page.figures.curves.data["loss"].values
        page.cancel()
        assert page.figures.curves.data.reset_index(drop=True).equals(shown), setting_changed
        page.experiment.param.update(epochs=1)
        page.job.cancel()


@pytest.mark.skipif(not export.matplotlib_available(), reason="figure export needs matplotlib")
def test_training_curves_tick_whole_epochs():
    """With few epochs the axes read 1.5, 2.5 (1.25 … in the export)."""
    import pandas as pd

    from explorer.views import accuracy_curves, loss_curves

    frame = pd.DataFrame({"epoch": [1.0, 2.0, 3.0] * 2, "seed": [0, 0, 0, 1, 1, 1],
                          "loss": [2.0, 1.5, 1.0, 2.1, 1.4, 1.1], "accuracy": [0.3, 0.5, 0.6, 0.2, 0.5, 0.7]})
    for view in (loss_curves, accuracy_curves):
        assert bokeh(view(frame)).xaxis[0].ticker.min_interval == 1
        ticks = _mpl_plot(lambda: view(frame)).handles["axis"].get_xticks()
        assert all(float(t).is_integer() for t in ticks), ticks


def test_a_heatmap_row_nothing_of_which_is_stored_is_drawn_blank():
    """With heatmap y = noise and only noise = 0 stored, the noise axis had one row while the title said
    "blank: not computed yet" (a reviewer)."""
    from explorer.studies.specialization.config import SpecializationConfig
    from explorer.studies.specialization.views_overview import not_computed

    stored = cells_frame([synthetic(i, p=p) for i, p in enumerate((0.1, 1.0))])
    missing = [SpecializationConfig(n=6, p=p, noise=0.5) for p in (0.1, 1.0)]
    hm = heatmap(pd.concat([stored, not_computed(missing)], ignore_index=True), "p", "noise", "bottleneck")
    Z = hm.QuadMesh.I.dimension_values(2, flat=False)
    assert Z.shape == (2, 2) and np.isnan(Z[1]).all() and np.isfinite(Z[0]).all()


def test_a_swap_with_any_neighbour_shows_on_the_live_map():
    """The live map coloured each neuron by its starting slot on one scale, numbered column by column: the
    neurons of a column differed by 1/63 of the scale, so a swap within a column (BIMT's local move) could not be
    seen (a reviewer's catch). Hue follows the column, lightness the row: every pair of neighbouring slots
    differs visibly."""
    import numpy as np

    from explorer.studies.bimt.views import identity_colours

    side = 8
    colours = identity_colours(np.arange(side ** 2), side ** 2)
    rgb = np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in colours])
    slot = np.arange(side ** 2).reshape(side, side)   # slot k: column k // side, row k % side
    pairs = [(slot[c, r], slot[c, r + 1]) for c in range(side) for r in range(side - 1)] + \
            [(slot[c, r], slot[c + 1, r]) for c in range(side - 1) for r in range(side)]
    assert min(np.linalg.norm(rgb[a] - rgb[b]) for a, b in pairs) > 20   # (RGB distance; one column: 1/63)



def test_the_weight_mask_note_shows_only_with_its_curve(tmp_path):
    """The note on how well the weight masks classify their digit stayed under the figure after the weight-mask
    curve was switched off (a reviewer)."""
    import torch  # noqa: F401 — imported here, not first by the page's job thread

    from explorer import studies
    from explorer.store.store import Store

    page = studies.get("specialization").page_class(store=Store(tmp_path), url=False)
    try:
        note = page.figures.mask_note
        assert note.visible
        page.display.metrics = ["bottleneck", "correlation"]
        assert not note.visible
        page.display.metrics = ["weight_mask"]
        assert note.visible
    finally:
        page.job.cancel()


def test_a_heatmap_s_numbers_are_dark_on_light_cells():
    """White numbers on viridis' yellow end could not be read (an exported 000-fig3)."""
    low, high = synthetic(0, n=6, p=0.5), synthetic(1, n=6, p=1.0)
    low.data["F"].values[:], high.data["F"].values[:] = 0.1, 0.95
    hm = heatmap(cells_frame([low, high]), "p", "n", "bottleneck")
    colours = {}
    for e in hm:
        if isinstance(e, hv.Labels):
            for t in e.dimension_values("text"):
                colours[t.rstrip("*")] = e.opts.get("style", backend="bokeh").kwargs["text_color"]
    assert colours == {"0.10": "white", "0.95": "#1a1a1a"}


def test_a_heatmap_cell_with_a_network_below_its_criterion_is_starred():
    """The heatmap showed clean numbers for networks at test accuracy 0.19 (3 epochs, criterion 0.85): only the
    status line and the line plot warned (a reviewer). Such a cell's number carries a star the title explains."""
    fixed = synthetic(0, n=6, p=0.5, until_accuracy=0.0)     # no criterion: never starred
    short = synthetic(1, n=6, p=1.0)
    short.data["accuracy"].values[:] = 0.19                  # trained to 0.85 within its epochs, and missed it
    hm = heatmap(cells_frame([fixed, short]), "p", "n", "bottleneck")
    texts = sorted(t for e in hm for t in (e.dimension_values("text") if isinstance(e, hv.Labels) else []))
    assert len(texts) == 2 and sum(t.endswith("*") for t in texts) == 1 and any(t[-1].isdigit() for t in texts)
    assert "*: a network below its accuracy criterion" in bokeh(hm).title.text
    assert "*" not in bokeh(heatmap(cells_frame([fixed]), "p", "n", "bottleneck")).title.text
