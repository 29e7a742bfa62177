"""The growth study's figures read right at any size: integer head ticks, a legend off the bands, a grown
chain of one module named in the singular (each seen wrong in the page's screenshot at the tiny setting)."""
import holoviews as hv
import pytest

from explorer.studies.growth.config import TINY, GrowthConfig
from explorer.studies.growth.core import train_and_measure
from explorer.studies.growth.result import build_dataset
from explorer.studies.growth.views import chain_drawing, module_heatmap, robustness_curves


@pytest.fixture(scope="module")
def ds():
    hv.extension("bokeh")
    cfg = {k: v for k, v in TINY.items() if k != "seeds"}
    return build_dataset(GrowthConfig(**TINY), train_and_measure(cfg, [0, 1]), [0, 1])


def test_heatmap_ticks_are_the_heads_themselves(ds):
    depth = int(ds["depth"].sel(arch="modular").max())
    fig = hv.render(module_heatmap(ds), backend="bokeh")
    assert fig.yaxis[0].ticker.ticks == [int(h) for h in ds["N"].values][:depth]   # N = 2, 3, …: no 1.8, 2.2


def test_robustness_legend_sits_outside_the_plot_area(ds):
    fig = hv.render(robustness_curves(ds), backend="bokeh")
    assert fig.legend and all(legend in fig.below for legend in fig.legend)


def test_chain_title_counts_modules_in_the_right_number(ds):
    for i, depth in enumerate(ds["depth"].sel(arch="modular").values):
        title = hv.render(chain_drawing(ds, i), backend="bokeh").title.text
        assert f": {int(depth)} module{'s' * (int(depth) != 1)} of " in title
