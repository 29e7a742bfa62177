"""The growth study's figures read right at any size: integer head ticks, a legend off the bands, a grown
chain of one module named in the singular (each seen wrong in the page's screenshot at the tiny setting)."""
import holoviews as hv
import pytest
import xarray as xr

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
    learned = ds.copy(deep=True)
    learned["n_solved"][:] = 3   # the tiny networks may have solved nothing, and then no curve is drawn
    learned["depth"][:] = 2
    fig = hv.render(robustness_curves(learned), backend="bokeh")
    assert fig.legend and all(legend in fig.below for legend in fig.legend)


def test_chain_title_counts_modules_in_the_right_number(ds):
    for i, depth in enumerate(ds["depth"].sel(arch="modular").values):
        title = hv.render(chain_drawing(ds, i), backend="bokeh").title.text
        assert f": {int(depth)} module{'s' * (int(depth) != 1)} of " in title


def test_a_long_chain_labels_every_kth_module_and_the_newest(ds):
    """19 modules at 1200 px had their "N = …" labels run into each other; a chain too long for a label above
    every box in a figure of the least width labels every k-th module and the newest."""
    def labelled(depth):
        deep = ds.copy()
        deep["depth"] = deep["depth"].copy(data=deep["depth"].values * 0 + depth)
        labels = chain_drawing(deep, 0).Labels.I
        return [int(t) for t in labels.data["text"]]

    assert labelled(3) == [2, 3, 4]
    heads = labelled(39)
    assert heads[0] == 2 and heads[-1] == 40 and 10 < len(heads) < 39
    steps = {b - a for a, b in zip(heads, heads[1:-1])}
    assert len(steps) == 1 and steps.pop() > 1   # evenly thinned


def test_the_live_curves_legend_draws_both_lines_before_either_has_data():
    """The non-modular RNN trains after the chain: its legend entry had no line until then (BokehJS draws none
    for an empty line). Every labelled line has a point to key its legend from, drawn nowhere (NaN)."""
    import numpy as np
    import pandas as pd

    from explorer.studies.growth.views import n_solved_curves

    live = pd.DataFrame({"arch": ["modular"] * 2, "seed": [0, 0], "epoch": [1, 2], "n_solved": [2, 3]})
    for frame in (live, live.iloc[:0]):
        fig = n_solved_curves(frame, epochs=4, seeds=[0])
        means = [el for el in fig.values() if el.label]
        assert [el.label for el in means] == ["growing modules", "non-modular RNN"]
        assert all(len(el) >= 1 for el in means)
    rnn = means[1].dimension_values(1)
    assert len(rnn) == 1 and np.isnan(rnn[0])


def test_the_status_says_when_a_network_reached_the_curriculums_last_task(ds):
    """12.0 against 9.3 read as a measured gap when 12 was the last task there was (found by a teacher)."""
    import json

    from explorer.core.result import Result
    from explorer.studies.growth.page import Page

    config = json.loads(ds.attrs["config"])
    capped = ds.copy()
    capped["n_solved"].loc[dict(arch="modular")] = config["n_max"]
    words = Page.skill_words(None, Result(data=capped, weights={}))
    assert f"N = {config['n_max']} is the curriculum's last task: the growing modules reached it" in words
    below = ds.copy()
    below["n_solved"][:] = 1
    assert "last task" not in Page.skill_words(None, Result(data=below, weights={}))


def test_heads_and_modules_a_seed_never_trained_are_not_its_numbers(ds):
    """The chain is preallocated to N_max − 1 modules: a shallower seed's never-trained modules (accuracy 0.57
    and 0.51 at N = 21–22 in the default run) were averaged into the heatmap, the τ̂ curve and the CLI's text.
    And a network that passes the check after the last epoch still grows a module (or head) it never trains:
    the chain drawing counted it, the heatmap showed it at chance and the τ̂ curve ended on its initial value
    (a reviewer's catch). Both are left out, and the stored variables hold NaN there."""
    import numpy as np

    from explorer.studies.growth.result import grown, trained_depth
    from explorer.studies.growth.views import tau_per_module

    N = ds.sizes["N"]
    assert N == 3 and (trained_depth(ds).values == 1).all()        # TINY solves nothing: one module each
    for name in ("head_accuracy", "tau_module"):                   # stored: NaN past the trained depth
        values = ds[name].sel(arch="modular").values if "arch" in ds[name].dims else ds[name].values
        assert np.isnan(values[..., 1:]).all() and not np.isnan(values[..., 0]).any(), name
    shallow = ds.copy(deep=True)   # as stored before schema 4: every head and module holds a number
    shallow["head_accuracy"] = xr.full_like(shallow["head_accuracy"], 0.75)
    shallow["head_accuracy"].loc[dict(arch="modular", N=int(ds["N"].values[1]))] = 0.6
    shallow["tau_module"] = xr.full_like(shallow["tau_module"], 1.2)
    shallow["depth"].loc[dict(arch="modular")] = [1, N]
    # seed 1 solved N = 3 before the last epoch and nothing new in it: its 3 modules all trained
    shallow["n_solved_curve"].loc[dict(arch="modular", seed=int(ds.seed.values[1]))] = [3, 3]
    assert trained_depth(shallow).values.tolist() == [1, N]
    acc = grown(shallow, "head_accuracy").sel(group="W_R").values   # (seed, eps, N)
    assert np.isnan(acc[0, :, 1:]).all() and not np.isnan(acc[0, :, 0]).any() and not np.isnan(acc[1]).any()
    frame = module_heatmap(shallow, "W_R").dframe()
    at = frame[frame["head"] == int(ds["N"].values[1])]   # a head seed 0 never grew: seed 1's alone
    assert len(at) == ds.sizes["eps"] and (at["accuracy"] == 0.6).all()
    tau = tau_per_module(shallow)   # seed 0's untrained modules are in neither its mean τ̂ nor its dots
    curve = [el for el in tau.traverse(lambda x: x, [hv.Curve]) if "growing" in el.label][0]
    assert list(curve.dimension_values(0)) == [2]   # the mean: the modules every seed trained
    dots = [el for el in tau.traverse(lambda x: x, [hv.Scatter]) if "each seed" in el.label][0]
    assert sorted(dots.dimension_values(0)) == [2, 2, 3, 4]   # seed 0's one module, seed 1's three
    # seed 1 solved N = 3 in the last epoch, and grew its third module after it: never trained
    shallow["n_solved_curve"].loc[dict(arch="modular", seed=int(ds.seed.values[1]))] = [2, 3]
    assert trained_depth(shallow).values.tolist() == [1, 2]
    assert "2 modules" in chain_drawing(shallow, 1).opts.get().kwargs["title"]
    dots = [el for el in tau_per_module(shallow).traverse(lambda x: x, [hv.Scatter]) if "each seed" in el.label][0]
    assert sorted(dots.dimension_values(0)) == [2, 2, 3]
    assert int(module_heatmap(shallow, "W_R").dframe()["head"].max()) == 3


def test_robustness_is_not_reported_for_networks_that_learned_nothing(ds):
    """A chain that solved no task reported ε_keep 1.78, and a chain of one module "W_FF > 10" (it has no W_FF)."""
    import numpy as np

    from explorer.core.result import Result
    from explorer.studies.growth.result import learned_eps_keep, summary

    none = ds.copy(deep=True)
    none["n_solved"].loc[dict(arch="modular")] = [1, 3]
    none["depth"].loc[dict(arch="modular")] = [1, 1]
    none["eps_keep"][:] = 0.5
    assert np.isnan(learned_eps_keep(none, "modular", "W_R")[0]) and learned_eps_keep(none, "modular", "W_R")[1] == 0.5
    assert np.isnan(learned_eps_keep(none, "modular", "W_FF")).all()
    s = summary(Result(data=none, weights={}))
    assert np.isnan(s["robustness"]["W_R"]["modular"]["eps_keep"][0])
    assert s["robustness"]["W_R"]["modular"]["eps_keep_censored"] == [False, False]


def test_the_robustness_curves_leave_out_networks_that_learned_nothing(ds):
    """The commit that kept ε_keep for learned networks only still averaged their curves (a reviewer)."""
    import numpy as np

    none = ds.copy(deep=True)
    none["n_solved"][:] = 3
    none["depth"][:] = 2
    none["n_solved"].loc[dict(arch="rnn")] = [1, 3]
    none["tasks_solved"].loc[dict(arch="rnn", seed=int(ds.seed.values[0]))] = 99.0   # would show in a mean
    fig = robustness_curves(none, ["W_R"])
    rnn = [c for c in fig.traverse(lambda x: x, [hv.Curve]) if "RNN" in c.label][0]
    assert np.nanmax(rnn.dimension_values(1)) < 99 and "left out" in fig.opts.get().kwargs["title"]
    none["n_solved"][:] = 1
    assert "nothing to perturb" in robustness_curves(none, ["W_R"]).text


def test_the_trained_depth_of_a_sweep_over_epochs_reads_each_cell_s_own_last_epoch():
    """A sweep over epochs pads a shorter run's curve with NaN: its trained depth read the padding (NaN) and the
    per-module views failed on it (a reviewer's catch)."""
    import numpy as np

    from explorer.studies.growth.result import trained_depth

    curve = np.array([[[[1, 2, np.nan]], [[1, 1, np.nan]]], [[[1, 2, 3]], [[1, 1, 1]]]])   # (epochs, arch, seed, epoch)
    ds = xr.Dataset({"n_solved_curve": (("epochs", "arch", "seed", "epoch"), curve),
                     "depth": (("epochs", "arch", "seed"), np.array([[[2], [1]], [[3], [1]]]))},
                    coords={"arch": ["modular", "rnn"], "epochs": [2, 3], "seed": [0], "epoch": [1, 2, 3]})
    # two epochs: N = 2 solved in the last, its second module grown after it; three: N = 3, its third after it
    assert trained_depth(ds).values.tolist() == [[1], [2]]
    assert trained_depth(ds, "rnn").values.tolist() == [[1], [1]]
