"""Every study page has the Export card (explorer/ui/exports.py): each of the study's views of the result on
screen as PNG / SVG, the result as netCDF / CSV, files named after the figure and the run's key; before there is
a result, a click says so in the page's alert and sends nothing."""
import re

import holoviews as hv
import pytest

from explorer import studies
from explorer.store.store import Store
from explorer.views import export


@pytest.mark.parametrize("name", ["bimt", "growth"])
def test_a_study_page_exports_every_view_and_its_result(tmp_path, name):
    study = studies.get(name)
    store = Store(tmp_path)
    page = study.page_class(store=store, url=False)
    page.job.cancel()
    try:
        ex = page.exports
        assert ex.card in page.sidebar.objects and list(ex.figure.options) == list(study.views)
        assert ex._netcdf() is None and ex._figure("png") is None
        assert "no result to export yet" in page.alert.object
        ex.netcdf._clicks += 1                     # the button itself: nothing sent, nothing raised
        assert ex.netcdf.data is None
        result = store.get_or_run(study.config_class(**study.module("config").TINY))
        page.result = result
        key = result.config.key()[:10]
        assert ex._netcdf().getvalue()[:4] in (b"CDF\x01", b"CDF\x02", b"\x89HDF")
        assert ex.netcdf.filename == f"{name}-{key}.nc"
        assert ex._csv().getvalue().startswith("# config:") and ex.csv.filename == f"{name}-{key}.csv"
        if export.matplotlib_available():
            for view in study.views:
                ex.figure.value = view
                assert ex._figure("png").getvalue().startswith(b"\x89PNG"), view
                tag = page.export_tag(view)   # what of the result the figure shows: seed 0's map, W_R's heat map
                assert ex.png.filename == f"{view.replace(' ', '-')}-{key}{'-' + tag if tag else ''}.png"
            ex.figure.value = next(iter(study.views))   # the headline view: a figure of the result on screen
            svg = ex._figure("svg").getvalue().decode()
            # the file alone says what it shows: study, setting, seeds, accuracy and the run's key
            words = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
            assert f"{name} study · {page.describe(result.config)} · seeds 0, 1" in words, words
            assert f"run key {result.config.run_key()[:12]}" in words and " accuracy " in words
            if name == "bimt":   # the front is every λ in the store, not this run: no line of this run
                assert ex.caption("error against sparsity") is None
        # a figure of one network is the one the page's seed slider picks
        page.options.seed_index = 1
        one = {"bimt": "neuron map", "growth": "chain"}[name]
        title = hv.renderer("bokeh").get_plot(ex.build(one)()).state.title.text
        assert "seed 1" in title.lower(), title
        if export.matplotlib_available():   # and its file says so: two networks' exports did not collide
            ex.figure.value = one
            ex._figure("png")
            assert ex.png.filename == f"{one.replace(' ', '-')}-{key}-seed-1.png"
            assert "shown: seed 1" in ex.caption(one)   # and so does the line under it
        if name == "bimt":   # the front as its card shows it (every λ stored, its x axis), not one run's point
            import pandas as pd

            from explorer.studies.bimt.views import pareto

            page.front_axis.value = "wiring_length"
            page._front_frame = pd.DataFrame([{"regime": r, "lam": 1e-3, "error": 0.3, "error_sd": 0.01,
                                               "active_neurons": 50.0, "wiring_length": 9.0} for r in ("bimt", "l1")])
            page.front.show(pareto(page._front_frame, "wiring_length"))   # as the page's store read shows it
            # built anew at export, not the card's figure: that one was styled before an export loaded matplotlib,
            # and the first export of a session came out without its title and colours (a reviewer's catch)
            assert ex.build("error against sparsity")() is not page.front.figure
            front = hv.renderer("bokeh").get_plot(ex.build("error against sparsity")()).state
            assert "wiring length" in front.title.text and len(front.legend[0].items) == 2
    finally:
        page.job.cancel()


def test_the_specialization_page_s_figures_of_its_result_say_what_they_show(tmp_path):
    """Its own Export card (the overview and heatmap besides the result's figures): a figure of the result carries
    the setting's line; the overview and heatmap, of many runs, none (their titles say what they hold)."""
    from explorer.studies.specialization.config import TINY

    study = studies.get("specialization")
    store = Store(tmp_path)
    page = study.page_class(store=store, url=False)
    page.job.cancel()
    try:
        result = store.get_or_run(study.config_class(**TINY))
        page.result = result
        line = page.exports.caption("specialization")
        assert line.startswith("explorer ") and "specialization study" in line and "seeds 0, 1" in line
        assert f"run key {result.config.run_key()[:12]}" in line and "test accuracy" in line
        assert page.exports.caption("heatmap") is None and page.exports.caption("overview") is None
    finally:
        page.job.cancel()
