"""Generalisation to N_solved + K (Hamidi et al. 2024, Fig. 2c) and effective timescales on trained networks
(Fig. 4b), through the growth pipeline and its Result."""
import numpy as np
import torch

from explorer.core.result import Result
from explorer.studies.growth.config import GrowthConfig
from explorer.studies.growth.core import _data_seed, _settings, train_and_measure
from explorer.studies.growth.generalise import generalisation
from explorer.studies.growth.result import build_dataset, summary, text
from explorer.studies.growth.views import generalisation_curves, tau_per_module
from explorer.models.growing import GrowingChain, MultiHeadRNN

SMALL = dict(module_size=8, n_max=6, epochs=6, steps_per_epoch=100, batch_size=64, eval_batch_size=128,
             eval_batches=1, eps_points=2, draws=1, generalise=3, generalise_steps=100, timescales=True,
             timescale_steps=400)


def test_generalisation_and_timescales_reach_the_result_summary_and_views():
    out = train_and_measure(SMALL, [0, 1])
    for arch in ("modular", "rnn"):
        g = out[f"{arch}_generalisation"]
        assert g.shape == (2, 3)
        solved = out[f"{arch}_n_solved"] >= 2
        assert solved.any() and np.isfinite(g[solved]).all() and np.isnan(g[~solved]).all()
        assert ((g[solved] >= 0) & (g[solved] <= 1)).all()
        assert out[f"{arch}_tau_eff"].shape[0] == 2
    # the easiest new task is learnt best: N + 1 above N + 3 on average over both architectures
    both = np.concatenate([out["modular_generalisation"], out["rnn_generalisation"]])
    assert np.nanmean(both[:, 0]) > np.nanmean(both[:, 2])
    config = GrowthConfig(**SMALL)
    ds = build_dataset(config, out, [0, 1])
    assert ds["generalisation"].dims == ("seed", "arch", "K") and ds.K.values.tolist() == [1, 2, 3]
    assert np.isfinite(ds["tau_eff_rnn"].values).all()
    depth = int(ds["depth"].sel(arch="modular").max())
    assert np.isfinite(ds["tau_eff_module"].values[:, :depth]).any()
    result = Result(data=ds, weights={})
    s = summary(result)
    assert s["generalisation"]["K"] == [1, 2, 3] and len(s["generalisation"]["rnn"]) == 2
    assert "effective_timescales" in s and "accuracy on N_solved + K" in text(config, result)
    assert "not measured" not in str(generalisation_curves(ds))
    tau_per_module(ds)
    # the text names the seeds it shows (seeds 1 and 2 read "chain per module (seed 0)" and an RNN list like it)
    other = Result(data=ds.assign_coords(seed=[3, 4]), weights={})
    line = next(x for x in text(config, other).splitlines() if x.startswith("effective timescales"))
    assert "chain per module (seed 3) " in line and "; RNN per seed (3, 4) " in line


def test_without_generalisation_the_variable_is_nan_and_the_view_says_so():
    cfg = {**SMALL, "generalise": 0, "timescales": False, "epochs": 1, "steps_per_epoch": 10}
    out = train_and_measure(cfg, [0])
    ds = build_dataset(GrowthConfig(**cfg), out, [0])
    assert np.isnan(ds["generalisation"].values).all() and np.isnan(ds["tau_eff_module"].values).all()
    assert "generalisation" not in summary(Result(data=ds, weights={}))
    assert "not measured" in str(generalisation_curves(ds).data)


def test_retraining_leaves_the_trained_networks_untouched_and_is_reproducible():
    s = _settings(SMALL)
    for model in (GrowingChain(8, 6, [0, 1]), MultiHeadRNN(20, 6, [0, 1])):
        model.n_active[:] = 3
        if hasattr(model, "scale"):
            model.scale[:, :2] = 0
        before = {k: v.detach().clone() for k, v in model.params.items()}
        runs = [generalisation(model, np.array([4, 1]), {**s, "generalise_steps": 20}, [0, 1], 0.3,
                               lambda salt: _data_seed([0, 1], salt)) for _ in range(2)]
        assert np.array_equal(runs[0], runs[1], equal_nan=True)
        assert np.isfinite(runs[0][0]).all() and np.isnan(runs[0][1]).all()   # seed 1 solved nothing
        for k, v in model.params.items():
            assert torch.equal(v, before[k]), k


def test_exported_growth_bands_have_their_lines_colours():
    """In the PNG/SVG exports (matplotlib) every ± sd band is drawn in its architecture's colour."""
    import holoviews as hv
    import matplotlib.colors as mc
    import pytest
    from matplotlib.collections import PolyCollection

    from explorer.studies.growth.views import ARCH_COLOURS, robustness_curves
    from explorer.views import export

    if not export.matplotlib_available():
        pytest.skip("figure export needs matplotlib")
    export.ensure_matplotlib()
    cfg = {**SMALL, "timescales": False, "epochs": 3}
    ds = build_dataset(GrowthConfig(**cfg), train_and_measure(cfg, [0, 1]), [0, 1])
    for view in (robustness_curves, generalisation_curves, tau_per_module):
        ax = hv.renderer("matplotlib").get_plot(view(ds)).handles["axis"]
        bands = {mc.to_hex(c.get_facecolor()[0]) for c in ax.collections if isinstance(c, PolyCollection)}
        lines = {mc.to_hex(line.get_color()) for line in ax.lines} & set(ARCH_COLOURS.values())
        assert bands and bands <= set(ARCH_COLOURS.values()) and bands <= lines, view.__name__
