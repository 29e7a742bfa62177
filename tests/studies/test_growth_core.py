"""One tiny end-to-end run of the growth study's pipeline (Hamidi et al. 2024): shapes, counts, growth,
reproducibility, progress and cancel."""
import threading

import numpy as np
import pytest

from explorer.core.cancel import Cancelled
from explorer.studies.growth.core import train_and_measure

TINY = {"module_size": 4, "n_max": 4, "epochs": 3, "steps_per_epoch": 40, "batch_size": 32, "lr": 0.3,
        "eps_points": 3, "draws": 2, "eval_batch_size": 64, "eval_batches": 1}


def test_tiny_run_end_to_end_and_reproducible():
    events = []
    r = train_and_measure(TINY, [0, 1], on_progress=events.append)
    E, n_eps, K = 2, 4, 3
    assert r["params_modular"] == 3 * (4 + 12 + 4 + 4 + 10) + 2 * 16
    assert abs(int(r["params_rnn"]) - int(r["params_modular"])) < 40
    for arch in ("modular", "rnn"):
        assert r[f"{arch}_n_solved_curve"].shape == (E, 3)
        assert np.all(np.diff(r[f"{arch}_n_solved_curve"], axis=1) >= 0)
        assert r[f"{arch}_n_solved"].tolist() == r[f"{arch}_n_solved_curve"][:, -1].tolist()
        assert r[f"{arch}_W_R_tasks_solved"].shape == (E, n_eps)
        assert r[f"{arch}_tau_accuracy"].shape == (E, n_eps, K)
        assert np.isfinite(r[f"{arch}_loss_curve"]).all()
    assert "rnn_W_FF_tasks_solved" not in r and r["modular_W_FF_accuracy"].shape == (E, n_eps, K)
    assert r["modular_tau"].shape == (E, K)
    assert max(r["modular_n_solved"].max(), r["rnn_n_solved"].max()) >= 2   # 2-parity is learnt in 120 steps
    fr = [e["fraction"] for e in events]
    assert fr == sorted(fr) and fr[-1] == pytest.approx(1.0)
    assert any("n_solved" in e for e in events)
    again = train_and_measure(TINY, [0, 1])
    for k in r:
        if not k.endswith("_s"):
            assert np.array_equal(r[k], again[k], equal_nan=True), k


def test_a_network_gives_the_same_numbers_whatever_its_ensemble():
    """Each seed's data, h₀, duplication noise and perturbations come from its own generators: seed 1 trained
    alone matches seed 1 trained beside seed 0 (so the store's per-seed entries hold whatever trained them)."""
    pair = train_and_measure({**TINY, "epochs": 2}, [0, 1])
    alone = train_and_measure({**TINY, "epochs": 2}, [1])
    for k in ("modular_n_solved_curve", "rnn_n_solved_curve"):
        assert np.array_equal(pair[k][1:], alone[k]), k
    for k in ("modular_loss_curve", "rnn_loss_curve", "modular_W_R_tasks_solved", "rnn_tau_tasks_solved"):
        assert np.allclose(pair[k][1:], alone[k], atol=1e-4), k


def test_a_groups_perturbations_do_not_depend_on_the_other_groups_perturbed():
    """τ perturbed alone gives the curves it gives beside W_R and W_FF: each group's draws are salted by the
    group, not by its place in the list (the chain's τ ε_keep read 1.78 with W_R,W_FF,tau and 0.316 with
    W_R,tau on the same networks)."""
    every = train_and_measure(TINY, [0])
    alone = train_and_measure({**TINY, "perturb": "tau"}, [0])
    for arch in ("modular", "rnn"):
        for k in ("tau_tasks_solved", "tau_accuracy"):
            assert np.array_equal(every[f"{arch}_{k}"], alone[f"{arch}_{k}"]), (arch, k)

def test_cancel_and_bad_settings():
    ev = threading.Event()
    ev.set()
    with pytest.raises(Cancelled):
        train_and_measure(TINY, [0], cancel=ev)
    with pytest.raises(ValueError, match="unknown"):
        train_and_measure({**TINY, "modul_size": 3}, [0])


def test_an_eps_beyond_the_grid_is_said_to_be_beyond_it():
    """Where half the tasks outlive the largest ε, ε_keep holds that ε: the summary marks it censored and the
    text says "> ε_max" instead of a measured number; the legend names both criteria (98 % curriculum, 90 %
    perturbation)."""
    from explorer.core.result import Result
    from explorer.studies.growth.config import GrowthConfig
    from explorer.studies.growth.result import build_dataset, summary, text

    small = {**TINY, "eps_min": 1e-5, "eps_max": 1e-4}
    config = GrowthConfig(**small, seeds=(0,))
    result = Result(data=build_dataset(config, train_and_measure(small, [0]), [0]), weights={})
    s, said = summary(result), text(config, result)
    entry = s["robustness"]["W_R"]["rnn"]
    assert entry["eps_keep"] == [1e-4] and entry["eps_keep_censored"] == [True]
    assert "W_R:  modular –   rnn > 0.0001" in said   # the chain solved nothing at ε = 0 here
    assert "> 98 %" in said and "above 90 % accuracy" in said


def test_a_measuring_setting_measures_the_stored_networks_again_instead_of_training(tmp_path, measured_again):
    """The perturbations (groups, ε grid, draws) and the timescales are read only after the curriculum: with the
    networks stored under other values the store measures them again (no training), and gets what training
    anew gets, bit for bit; a training setting still trains."""
    import explorer.studies.growth.run as growth_run
    from explorer.store import Store
    from explorer.studies.growth.config import TINY as CONFIG_TINY, GrowthConfig

    store = Store(tmp_path / "store")
    store.get_or_run(GrowthConfig(**CONFIG_TINY))
    other = GrowthConfig(**{**CONFIG_TINY, "draws": 3, "eps_points": 4, "eps_max": 5.0, "perturb": "tau,W_R",
                            "timescales": True, "timescale_steps": 300})
    again, trained = measured_again(store, growth_run, other)
    assert again.data.sizes["eps"] == 5 and not np.isnan(again.data["tau_eff_rnn"].values).any()
    assert np.isnan(again.data["eps_keep"].sel(group="W_FF").values).all()   # not perturbed this time
    store.get_or_run(other.replace(epochs=CONFIG_TINY["epochs"] + 1))
    assert trained == [1]


def test_settings_that_do_not_change_the_computation_do_not_change_the_key():
    """The RNN's rate given as the chain's, and a retraining budget while generalisation is off, were other
    runs: trained again, stored twice (a reviewer's catch)."""
    from explorer.studies.growth.config import GrowthConfig

    assert GrowthConfig(rnn_lr=0.4).key() == GrowthConfig().key() and GrowthConfig(rnn_lr=0.4).rnn_lr is None
    assert GrowthConfig(generalise_steps=10).key() == GrowthConfig().key()
    assert GrowthConfig(rnn_lr=0.2).key() != GrowthConfig().key()
    assert GrowthConfig(generalise=2, generalise_steps=10).key() != GrowthConfig(generalise=2).key()
    # the timescales' simulation length while timescales are off (a CLI audit's catch: measured again for nothing)
    assert GrowthConfig(timescale_steps=500).key() == GrowthConfig().key()
    assert GrowthConfig(timescales=True, timescale_steps=500).key() != GrowthConfig(timescales=True).key()
