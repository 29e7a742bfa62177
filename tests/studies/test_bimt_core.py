import threading

import numpy as np
import pytest

from explorer.core.cancel import Cancelled
from explorer.studies.bimt.core import check_settings, lam_factor, train_and_measure

TINY = {"grid": 4, "steps": 40, "swap_every": 10, "top_k": 4, "trials_per_task": 4, "shuffles": 200,
        "bank_trials": 16, "eval_trials": 12, "tasks": "go,dm1,dms", "lam": 1e-2}


@pytest.fixture(scope="module")
def run():
    events = []
    return train_and_measure(TINY, [0, 1], ["bimt", "l1", "none"], on_progress=events.append), events


def test_one_tiny_ensemble_end_to_end(run):
    out, events = run
    E, N = 6, 16
    assert out["regime"].tolist() == ["bimt"] * 2 + ["l1"] * 2 + ["none"] * 2
    assert out["seed"].tolist() == [0, 1] * 3
    assert out["task_accuracy"].shape == (E, 3) and out["accuracy"].shape == (E,)
    assert ((0 <= out["accuracy"]) & (out["accuracy"] <= 1)).all()
    assert out["task_variance"].shape == (E, 3, N) and out["labels"].shape == (E, N)
    assert out["w"].shape == (E, N, N) and out["loss"].shape == (40, E)
    assert out["isolated_shuffled"].shape == (E, 200)
    assert np.isfinite(out["pred_loss"]).all() and out["pred_loss"][-5:].mean() < out["pred_loss"][:5].mean()
    # only BIMT swaps; identities stay permutations
    assert out["swaps"].shape == (3, E) and out["swaps"][:, :2].sum() > 0 and out["swaps"][:, 2:].sum() == 0
    assert (np.sort(out["identity"], 1) == np.arange(N)).all()
    assert (out["identity"][2:] == np.arange(N)).all()
    # snapshots after every swap round for the first seed of each regime
    assert out["snapshot_networks"].tolist() == [0, 2, 4]
    assert out["snapshot_step"].tolist() == [0, 10, 20, 30]
    assert out["snapshot_w"].shape == (4, 3, N, N)
    assert np.array_equal(out["snapshot_identity"][-1], out["identity"][[0, 2, 4]])
    assert any("snapshot" in e for e in events) and events[-1]["fraction"] == 1.0
    # λ: the regularised loss is larger than the prediction loss exactly where λ > 0
    gap = out["loss"] - out["pred_loss"]
    assert (gap[:, :4] > 0).all() and (gap[:, 4:] == 0).all()


def test_same_seed_same_numbers(run):
    out, _ = run
    again = train_and_measure({**TINY, "steps": 20}, [1], ["bimt"])
    first = train_and_measure({**TINY, "steps": 20}, [1], ["bimt"])
    for key in ("pred_loss", "w", "task_accuracy", "isolated_percentile", "labels"):
        assert np.array_equal(again[key], first[key]), key
    # a network's training does not depend on its ensemble's company (compared while both runs are still
    # in the λ/10 warm-up, which lasts 5 steps of 20 and 10 of 40)
    assert np.allclose(again["pred_loss"][:5, 0], out["pred_loss"][:5, 1], atol=1e-5)
    assert not np.allclose(again["pred_loss"][:5, 0], out["pred_loss"][:5, 0], atol=1e-5)


def test_lambda_schedule_and_settings_checks():
    assert [lam_factor(s, 100, 0.25, 0.1) for s in (0, 24, 25, 89, 90)] == [0.1, 0.1, 1.0, 1.0, 0.1]
    with pytest.raises(ValueError, match="regime must be one of bimt, l1, none"):
        check_settings({"regime": "bimt2"})
    with pytest.raises(ValueError, match="unknown configuration field"):
        check_settings({"gird": 8})
    with pytest.raises(ValueError, match="unknown task"):
        check_settings({"tasks": "go,gogo"})


def test_cancel_stops_the_run():
    flag = threading.Event()
    flag.set()
    with pytest.raises(Cancelled):
        train_and_measure(TINY, [0], ["bimt"], cancel=flag)


def test_presets_are_valid_configs_with_docs():
    from explorer.studies.bimt.config import PRESET_DOCS, PRESETS, BIMTConfig

    assert set(PRESETS) == set(PRESET_DOCS) and "paper-10x10" in PRESETS
    for name, settings in PRESETS.items():
        cfg = BIMTConfig(**settings)
        assert cfg.to_dict()["grid"] == settings["grid"], name
        assert "\n" not in PRESET_DOCS[name] and PRESET_DOCS[name], name
    assert PRESETS["paper-10x10"]["cooldown"] == 0.0 and PRESETS["paper-10x10"]["grid"] == 10


def test_swaps_try_every_neuron_by_default_and_top_k_is_clamped():
    from explorer.studies.bimt.config import BIMTConfig

    # docs/bimt.md: with 10 of 100 neurons tried per round the anatomy did not form; the default tries all
    assert BIMTConfig(grid=4).top_k == 16 and BIMTConfig(grid=10).top_k == 100
    assert BIMTConfig(grid=4, top_k=3).top_k == 3
    assert BIMTConfig().cooldown == 0.0


def test_what_a_regime_ignores_is_not_part_of_its_key():
    """A "none" run at λ = 1e-3 and one at 3e-4 are the same computation (λ = 0), and so are L1 runs at any A:
    one store entry each, so the page's front and a sweep over λ with "none" train it once."""
    from explorer.store.sweep import expand
    from explorer.studies.bimt.config import BIMTConfig

    assert BIMTConfig(regime="none", lam=1e-3).key() == BIMTConfig(regime="none", lam=3e-4, A=2.0).key()
    assert BIMTConfig(regime="l1", A=1.0).key() == BIMTConfig(regime="l1", A=3.0).key()
    assert BIMTConfig(regime="l1", lam=1e-3).key() != BIMTConfig(regime="l1", lam=3e-4).key()
    assert BIMTConfig(regime="bimt", A=1.0).key() != BIMTConfig(regime="bimt", A=3.0).key()
    # neither L1 nor "none" tries swaps, and "none" has no λ schedule (a CLI audit's catch); the swap interval
    # stays in every key: it is also when L1 and "none" networks record the snapshots their maps replay
    assert BIMTConfig(regime="l1", top_k=2).key() == BIMTConfig(regime="l1").key()
    assert BIMTConfig(regime="none", warmup=0.5, cooldown=0.3, top_k=5).key() == BIMTConfig(regime="none").key()
    assert BIMTConfig(regime="l1", warmup=0.5).key() != BIMTConfig(regime="l1").key()
    assert BIMTConfig(regime="bimt", top_k=2).key() != BIMTConfig(regime="bimt").key()
    assert BIMTConfig(regime="l1", swap_every=100).key() != BIMTConfig(regime="l1").key()
    none = BIMTConfig(regime="none", lam=1e-3)
    assert (none.lam, none.A) == (0.0, 0.0)
    _, cells = expand(BIMTConfig(), {"regime": ["bimt", "none"], "lam": [3e-4, 1e-3]})
    assert len(cells) == 4 and len({c.key() for _, c in cells}) == 3


def test_seeds_trained_in_different_company_merge(tmp_path):
    """An L1 or no-cost network trained without a BIMT network in its ensemble recorded one snapshot and no swap
    rounds, the same network beside a BIMT one every round; a setting whose seeds came from both kinds of ensemble
    could not be merged ("Sizes of tensors must match", after a nine-seed sweep had trained for 8 minutes)."""
    from explorer.store import Store
    from explorer.studies.bimt.config import BIMTConfig

    store = Store(tmp_path / "store")
    tiny = {**TINY, "steps": 20, "swap_every": 10}
    store.get_or_run(BIMTConfig(**tiny, regime="none", seeds=(0,)))                      # no swapping company
    both = store.get_or_run_many([BIMTConfig(**tiny, regime="bimt", seeds=(0, 1)),
                                  BIMTConfig(**tiny, regime="none", seeds=(0, 1))])      # seed 1 beside BIMT
    none = both[1]
    assert none.weights["snapshot_w"].shape[:2] == (2, 2) and none.data.sizes["snapshot"] == 2
    assert none.data["swaps"].shape == (2, 1) and not none.data["swaps"].values.any()


def test_given_networks_keep_their_regime_meaning():
    # run_many passes each config's own λ and A: an "l1" or "none" config keeps the default A = 1 (and none its
    # λ); they must still train as L1 (A = 0) and unregularised (λ = 0), not as swap-less BIMT.
    tiny = {**TINY, "steps": 12}
    given = train_and_measure(tiny, nets=[("l1", 0, 1e-2, 1.0), ("none", 0, 1e-2, 1.0)])
    built = train_and_measure(tiny, [0], ["l1", "none"])
    assert np.array_equal(given["pred_loss"], built["pred_loss"]) and np.array_equal(given["w"], built["w"])
    assert (given["loss"][:, 1] == given["pred_loss"][:, 1]).all()       # none: no cost at all


def test_packed_loss_equals_the_padded_loss_and_batches_equal_advanced_indexing():
    import torch

    from explorer.models.spatial import SpatialRNN
    from explorer.studies.bimt.core import _network_loss
    from explorer.tasks.cognitive import TrialBank

    bank = TrialBank(("go", "dm1", "dlydm1", "dms"), 12, seed=4)
    rngs = [np.random.default_rng([s, 7]) for s in range(3)]
    batch = bank.sample(rngs, 3)
    # the batch drawn through index_select is the one advanced indexing gives (the code before)
    idx = np.stack([np.random.default_rng([s, 7]).integers(0, 12, size=(4, 3)) for s in range(3)]).reshape(3, -1)
    k = torch.arange(4).repeat_interleave(3).expand(3, -1)
    i = torch.from_numpy(idx)
    order = torch.sort(bank.length[k, i], dim=-1, descending=True, stable=True).indices
    k, i = k.gather(-1, order), i.gather(-1, order)
    T = int(bank.length[k, i].max())
    assert torch.equal(batch.x, bank.x[k, i, :T]) and torch.equal(batch.y, bank.y[k, i, :T])
    assert torch.equal(batch.valid, bank.valid[k, i, :T]) and torch.equal(batch.task, k)
    assert torch.equal(batch.weight, batch.valid.float() + 4.0 * bank.decision[k, i, :T].float())
    # the loss on the packed real steps is the weighted cross-entropy over the padded batch
    m = SpatialRNN([0, 1, 2], grid=3)
    logits = m(batch.x, lengths=batch.length)
    ce = torch.nn.functional.cross_entropy(logits.flatten(0, -2), batch.y.flatten(), reduction="none")
    padded = (ce.view(batch.y.shape) * batch.weight).sum((-1, -2)) / batch.weight.sum((-1, -2))
    assert torch.allclose(_network_loss(m, batch), padded, rtol=1e-6)


def test_networks_that_have_not_learned_the_tasks_are_named_on_the_page_and_in_the_cli_summary():
    from explorer.core.result import Result
    from explorer.studies.bimt.config import BIMTConfig
    from explorer.studies.bimt.result import LEARNED, not_learned_words, summary, text
    from explorer.studies.bimt.run import _run_group

    config = BIMTConfig(**TINY, seeds=(0, 1))
    (result,) = _run_group([config], None, None)
    ds = result.data.copy()
    ds["accuracy"] = ("seed", np.array([LEARNED + 0.2, LEARNED - 0.1]))
    mixed = Result(data=ds, weights=result.weights)
    assert not_learned_words(mixed).startswith("1 of 2 below 0.5 mean task accuracy (seed 1): not learned")
    assert "NOT LEARNED: 1 of 2" in text(config, mixed) and summary(mixed)["learned"] == [True, False]   # --json
    # and the figures of that network say so, so an exported one carries the warning (a reviewer's catch)
    import holoviews as hv

    from explorer.studies.bimt import views

    hv.extension("bokeh")
    title = lambda obj: hv.renderer("bokeh").get_plot(obj).state.title.text   # noqa: E731
    for i, marked in ((0, False), (1, True)):
        for fig in (views.result_map(mixed, i), views.shuffle_histogram(ds, "spread", i),
                    views.task_variance_heatmap(ds, i)):
            assert ("NOT LEARNED" in title(fig)) == marked, title(fig)
    ds = ds.copy()
    ds["accuracy"] = ("seed", np.array([LEARNED, 0.9]))
    learned = Result(data=ds, weights=result.weights)
    assert not_learned_words(learned) == "" and "NOT LEARNED" not in text(config, learned)


def test_a_sweeps_table_says_which_cells_hold_networks_that_did_not_learn():
    """A nine-seed sweep printed cell means with one network at 0.43 mean accuracy (not learned) folded in and no
    word of it; each cell now has the fraction of its seeds that learned (REACHED_CRITERION), as the
    specialization study's sweeps have for its accuracy criterion."""
    import xarray as xr

    from explorer import studies
    from explorer.cli.sweep import cell_rows
    from explorer.studies.bimt.result import LEARNED

    one = {name: (("regime", "seed"), [[0.8, 0.4], [0.7, 0.6]]) for name in ("accuracy",)}
    rest = {name: (("regime", "seed"), np.ones((2, 2))) for name in ("isolated_fraction", "isolated_percentile",
                                                                     "spread_percentile", "wiring_length")}
    ds = xr.Dataset({**one, **rest}, coords={"regime": ["bimt", "l1"], "seed": [0, 1]})
    rows = cell_rows(studies.get("bimt"), ds, ["regime"])
    assert LEARNED == 0.5 and [r["reached_criterion"] for r in rows] == [0.5, 1.0]


def test_the_sidebar_greys_out_what_the_regime_ignores(tmp_path, monkeypatch):
    """L1 has no distances or swaps and "none" no cost at all (their configs drop those settings): the controls
    they ignore are greyed out, and come back with the bimt regime."""
    import panel as pn

    from explorer.store import Store
    from explorer.studies.bimt.page import Page
    from explorer.ui.shell import StudyShell

    monkeypatch.setattr(StudyShell, "request", lambda self: None)   # the page alone, nothing trained
    page = Page(store=Store(tmp_path / "store"), url=False)

    def off(name):
        widgets = pn.panel(page.sidebar_controls.controls[name].panel).select(pn.widgets.Widget)
        assert widgets
        return all(w.disabled for w in widgets)

    names = ("lam", "A", "swap_every", "top_k", "warmup", "cooldown")
    assert [off(n) for n in names] == [False] * 6
    page.experiment.regime = "l1"   # the swap interval stays: it times every regime's snapshots
    assert [off(n) for n in names] == [False, True, False, True, False, False]
    page.experiment.regime = "none"
    assert [off(n) for n in names] == [True, True, False, True, True, True]
    page.experiment.regime = "bimt"
    assert [off(n) for n in names] == [False] * 6


def test_the_front_compares_the_same_runs_whichever_regime_the_sidebar_shows(tmp_path, monkeypatch):
    """An L1 config has A = 0 and a none config λ = A = 0 (they ignore them): the front's BIMT runs must still be
    the sidebar's BIMT runs (A = 1), not BIMT at A = 0, or the stored opening run goes missing from the front."""
    from explorer.store import Store
    from explorer.studies.bimt.page import Page
    from explorer.ui.shell import StudyShell

    monkeypatch.setattr(StudyShell, "request", lambda self: None)
    page = Page(store=Store(tmp_path / "store"), url=False)
    keys = {}
    for regime in ("bimt", "l1", "none"):
        page.experiment.regime = regime
        configs = page._front_configs()
        keys[regime] = [c.key(0) for c in configs]
        assert {c.regime for c in configs} == {"bimt", "l1", "none"}
        assert all(c.A == page.experiment.A for c in configs if c.regime == "bimt")
    assert keys["bimt"] == keys["l1"] == keys["none"]
    page.experiment.regime = "bimt"
    assert page.experiment.config().key(0) in keys["bimt"]   # the opening run is on its front


def test_a_measuring_setting_measures_the_stored_networks_again_instead_of_training(tmp_path, measured_again):
    """Test trials, cluster count, thresholds, shuffles and baseline are read only after training: with the
    networks stored under other values the store measures them again (no training), and gets what training anew
    gets."""
    import explorer.studies.bimt.run as bimt_run
    from explorer.store import Store
    from explorer.studies.bimt.config import BIMTConfig

    store = Store(tmp_path / "store")
    store.get_or_run(BIMTConfig(**TINY, seeds=(0, 1)))
    other = BIMTConfig(**{**TINY, "clusters": 2, "shuffles": 300, "importance": 1e-4, "active": 0.05,
                          "baseline": "grid", "eval_trials": TINY["eval_trials"] + 5}, seeds=(0, 1))
    again, trained = measured_again(store, bimt_run, other)
    assert again.data.sizes["shuffle"] == 300
    # a training setting is not a measuring one: other steps train
    store.get_or_run(other.replace(steps=TINY["steps"] + 10))
    assert trained == [1]


def test_a_result_half_measured_again_and_half_trained_says_so(tmp_path):
    """The status read the first seed's provenance for all: seed 0 stored under other measuring settings and
    seed 1 new read "its stored networks measured again" although seed 1 trained."""
    from explorer.core.progress import provenance_words
    from explorer.core.result import measured_again
    from explorer.store import Store
    from explorer.studies.bimt.config import BIMTConfig

    store = Store(tmp_path / "store")
    store.get_or_run(BIMTConfig(**TINY, seeds=(0,)))
    got = store.get_or_run(BIMTConfig(**{**TINY, "clusters": 2}, seeds=(0, 1)))
    assert measured_again(got) == 1 and not got.cached
    assert provenance_words(got, cached=False).startswith("1 of 2 seeds' stored networks measured again")
    both = store.get_or_run(BIMTConfig(**{**TINY, "clusters": 3}, seeds=(0, 1)))
    assert measured_again(both) == 2
    assert provenance_words(both, cached=False) == "its stored networks measured again, now stored"
    assert provenance_words(both, cached=True) == "loaded from the store"
    # a seed measured again earlier is loaded now, not measured again (its entry keeps where it came from)
    mixed = store.get_or_run(BIMTConfig(**{**TINY, "clusters": 3}, seeds=(0, 1, 2)))
    assert measured_again(mixed) == 0 and not mixed.cached
    assert provenance_words(mixed, cached=False) == "trained and measured, now stored"


def test_a_typed_task_list_is_checked_as_it_is_typed():
    """An unknown task name is refused at once with its sentence and the tasks in force stay (the box used to
    keep 'go,nope' while the figures showed the old setting)."""
    from explorer.studies.bimt.experiment import BIMTExperiment

    e = BIMTExperiment()
    errors = e.apply(tasks="go,nope")
    assert e.tasks == "all" and "unknown task name(s) 'nope'; the tasks (Yang et al. 2019) are go," in errors["tasks"]
    assert e.apply(tasks=" go, anti ") == {} and e.tasks == "go,anti"


def test_a_sweep_over_a_measuring_setting_trains_its_networks_once(tmp_path, monkeypatch):
    """Cells that differ only in a measuring setting (clusters 2, 3, 4) share their networks: a sweep trains the
    first cell's and measures them again for the others."""
    import explorer.studies.bimt.run as bimt_run
    from explorer.store import Store
    from explorer.store.sweep import sweep
    from explorer.studies.bimt.config import BIMTConfig

    store = Store(tmp_path / "store")
    store.get_or_run(BIMTConfig(**TINY, seeds=(0,)))
    trained = []
    real = bimt_run._run_group
    monkeypatch.setattr(bimt_run, "_run_group", lambda *a, **k: trained.append(1) or real(*a, **k))
    ds = sweep(BIMTConfig(**TINY, seeds=(0,)), {"clusters": [2, 3, 4]}, store=store, progress=False)
    assert trained == [] and ds["clusters"].values.tolist() == [2, 3, 4]
    assert ds["clusters_measured"].values.ravel().tolist() == [2.0, 3.0, 4.0]   # the k asked for was found


def test_seeds_stored_under_different_measuring_settings_are_each_measured_from_their_own(tmp_path):
    """Seed 0 stored with one number of test trials, seed 1 with another: asked together with seed 0's, seed 1
    must be run again on the trials asked for (its stored accuracy came from other trials and was kept)."""
    from explorer.store import Store
    from explorer.studies.bimt.config import BIMTConfig
    import explorer.studies.bimt.run as bimt_run

    store = Store(tmp_path / "store")
    store.get_or_run(BIMTConfig(**TINY, seeds=(0,)))
    store.get_or_run(BIMTConfig(**{**TINY, "eval_trials": TINY["eval_trials"] + 5}, seeds=(1,)))
    want = BIMTConfig(**{**TINY, "clusters": 2}, seeds=(0, 1))
    got = store.get_or_run(want)
    fresh = bimt_run.run_many([want])[0]
    assert got.data.attrs["measured_again_from"]
    for name in ("accuracy", "task_accuracy", "decision_accuracy"):
        np.testing.assert_array_equal(got.data[name].values, fresh.data[name].values, err_msg=name)
    # the task variance agrees to float rounding: a network's arithmetic can depend on its ensemble's size
    np.testing.assert_allclose(got.data["task_variance"].values, fresh.data["task_variance"].values, atol=1e-8)


def test_every_neuron_tried_per_swap_stays_every_neuron_when_the_sheet_changes():
    """Sheet side 7 then 8 left 'neurons tried per swap' at 49 of 64: another run, trained again, where the
    paper's presets promise every neuron tries; ?grid=9 tried 64 of 81. A number below all stays as chosen."""
    from explorer.studies.bimt.experiment import BIMTExperiment

    e = BIMTExperiment()
    assert e.top_k == 64
    e.grid = 7
    assert e.top_k == 49
    e.grid = 8
    assert e.top_k == 64 and e.config().key(0) == BIMTExperiment().config().key(0)
    e.grid = 9
    assert e.top_k == 81
    assert BIMTExperiment(grid=9).top_k == 81 and BIMTExperiment(grid=9, top_k=5).top_k == 5
    e.top_k = 10
    e.grid = 10
    assert e.top_k == 10
    e.grid = 3
    assert e.top_k == 9    # within the sheet: all of its neurons
    e.take_moved()
    e.grid = 8             # the 10 asked comes back (it became 64: every neuron, another run)
    assert e.top_k == 10 and e.take_moved() == ["neurons tried per swap back to 10, as set before"]


def test_after_a_cancel_the_neuron_map_shows_the_result_the_other_figures_show_marked_stale(tmp_path):
    """The map kept the cancelled run's half-trained sheet, unmarked, beside figures titled STALE (cancelled)."""
    from explorer import studies
    from explorer.store import Store
    from explorer.studies.bimt.config import BIMTConfig
    from explorer.ui.redraw import CANCELLED

    store = Store(tmp_path / "store")
    result = store.get_or_run(BIMTConfig(**TINY, seeds=(0,)))
    page = studies.get("bimt").page_class(store=store, url=False)
    try:
        page._show(result, 0.1)
        page.live.event(data=("live", {"coords": result.data.x.values[:, None].repeat(2, 1),
                                       "w": result.weights["w"].numpy(), "identity": result.data["identity"].values,
                                       "networks": [0]}, 7))
        title = lambda: page.map.object[()].opts.get("plot", backend="bokeh").kwargs["title"]   # noqa: E731
        assert title().startswith("Training: the sheet of")
        page.cancel()
        assert title().startswith(CANCELLED) and "seed 0" in title()
    finally:
        page.job.cancel()
