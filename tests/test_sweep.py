"""Sweeps: grid expansion, grouping into ensembles, reuse of stored cells, the CLI, and a Dask cluster."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import xarray as xr
from test_store import fake_run

from explorer.core.config import ConfigError
from explorer.store import Store
from explorer.store.sweep import expand, groups_of, log_grid, save, sweep
from explorer.studies.specialization.config import SpecializationConfig

BASE = SpecializationConfig(n=4, epochs=2, pairs_per_epoch=16, seeds=2)
MANY: list = []


def fake_many(configs, on_progress=None, cancel=None):
    """Stand-in for explorer.runner.run_many that records each call's (n, p, seeds)."""
    MANY.append([(c.n, c.p, c.seeds) for c in configs])
    return [fake_run(c) for c in configs]


@pytest.fixture(autouse=True)
def _reset():
    MANY.clear()


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


# ------------------------------------------------------------------------------------------ grids
def test_p_labels_are_numbers_unless_they_depend_on_n():
    axes, cells = expand(BASE, {"p": [0.1, 1], "n": [4, 5]})
    assert axes == {"p": [0.1, 1.0], "n": [4, 5]} and len(cells) == 4
    axes, cells = expand(BASE, {"p": ["1/n2", 0.1], "n": [4, 5]})
    assert axes["p"] == ["1/n2", "0.1"]
    assert [c.p for _, c in cells] == [1 / 16, 1 / 25, 0.1, 0.1]
    axes, _ = expand(BASE, {"p": ["1/n2", 0.0625, 0.1]})   # one n: 1/n2 is the number 1/16, listed once
    assert axes["p"] == [0.0625, 0.1]


def test_log_grid_resolves_1_over_n2_per_n():
    assert log_grid("0.01:1:3", {"n": 4}, SpecializationConfig, "p") == pytest.approx([0.01, 0.1, 1])
    assert log_grid("1/n2:1:3", {"n": 10}, SpecializationConfig, "p") == pytest.approx([0.01, 0.1, 1])
    axes, cells = expand(BASE, {"p": "1/n2:1:3", "n": [4, 10]})
    assert axes["p"] == ["1/n2:1:3[0]", "1/n2:1:3[1]", "1/n2:1:3[2]"]
    assert [c.p for _, c in cells][:2] == pytest.approx([1 / 16, 1 / 100])
    for bad in ("1:2", "0:1:3", "0.1:1:x"):
        with pytest.raises(ConfigError):
            log_grid(bad, {"n": 4}, SpecializationConfig, "p")


def test_bad_grids_are_one_sentence():
    with pytest.raises(ConfigError, match="cannot sweep over seeds"):
        expand(BASE, {"seeds": [1, 2]})
    with pytest.raises(ConfigError, match="grid cell p=0.01, n=4: p must lie"):
        expand(BASE, {"p": [0.01], "n": [4]})
    with pytest.raises(ConfigError, match="lists no values"):
        expand(BASE, {"n": []})


def test_groups_share_shapes():
    _, cells = expand(BASE, {"p": [0.1, 0.5, 1], "n": [4, 5], "covariance": [0, 0.5]})
    groups = groups_of([c for _, c in cells])
    assert sorted(len(g) for g in groups) == [6, 6] and all(len({c.n for c in g}) == 1 for g in groups)


# -------------------------------------------------------------------------------------- local sweep
def test_sweep_trains_by_shape_reuses_cells_and_labels_dims(store, tmp_path):
    grid = {"p": ["1/n2", 0.5], "n": [4, 5], "covariance": [0, 0.5]}
    ds = sweep(BASE, grid, store=store, progress=False, run_many=fake_many)
    assert len(MANY) == 2 and sorted(len(call) for call in MANY) == [4, 4]   # one ensemble per n
    assert list(ds["F"].dims) == ["p", "n", "covariance", "seed", "metric", "time"]
    assert list(ds["M"].dims)[-3:] == ["time", "module", "digit"] and "epoch" in ds["loss_curve"].dims
    assert list(ds.p.values) == ["1/n2", "0.5"] and ds.p_value.sel(p="1/n2", n=5).item() == pytest.approx(1 / 25)
    one = store.get_or_run(BASE.replace(n=5, p=0.5, covariance=0.5), runner=fake_run)
    xr.testing.assert_allclose(ds["F"].sel(p="0.5", n=5, covariance=0.5).drop_vars(["p", "n", "covariance", "epochs",
                               "p_value", "Q"]), one.data["F"])
    MANY.clear()
    again = sweep(BASE, grid, store=store, progress=False, run_many=fake_many)
    assert MANY == []
    xr.testing.assert_allclose(again, ds)
    bigger = sweep(BASE, {**grid, "n": [4, 5, 6]}, store=store, progress=False, run_many=fake_many)
    assert [len(call) for call in MANY] == [4] and {n for n, *_ in MANY[0]} == {6}
    assert bigger.sizes["n"] == 3
    save(bigger, tmp_path / "sweep.nc")
    back = xr.load_dataset(tmp_path / "sweep.nc")
    np.testing.assert_allclose(back["F"].values, bigger["F"].values)
    assert json.loads(back.attrs["grid"])["n"] == [4, 5, 6]
    for name in ("F", "F_module", "M", "accuracy", "mask_accuracy"):   # each variable says what it is, as a cell does
        assert back[name].attrs["long_name"] == one.data[name].attrs["long_name"]
        assert back[name].attrs["units"] == one.data[name].attrs["units"]
    for name, coord in back.coords.items():   # every axis and setting says what it is; numbers say their units
        assert coord.attrs.get("long_name"), name
        assert coord.dtype.kind not in "iuf" or coord.attrs.get("units"), name
    # what produced it: each cell's run key (usable with explorer store info), the software and the date
    assert back["run_key"].sel(p="1/n2", n=5, covariance=0.5).item() == BASE.replace(
        n=5, p=1 / 25, covariance=0.5).run_key()
    assert back.p.attrs["long_name"] == "sparsity p as written (its value depends on n)"
    assert " explorer " in back.attrs["history"] and back.attrs["history"].endswith(" sweep")
    assert back.attrs["history"][:4].isdigit() and "base_config" in back.attrs["comment"]


def test_a_grid_of_one_value_or_of_numpy_numbers_is_a_grid(store):
    """``sweep(base, {"p": 0.1})`` trained, then failed writing the file's attributes ('float' object is not
    iterable); ``{"n": np.arange(4, 6)}`` was refused for np.int64."""
    one = sweep(BASE, {"p": 0.1}, store=store, progress=False, run_many=fake_many)
    assert one.sizes["p"] == 1 and json.loads(one.attrs["grid"]) == {"p": [0.1]}
    ds = sweep(BASE, {"n": np.arange(4, 6), "p": np.array([0.1, 1.0])}, store=store, progress=False,
               run_many=fake_many)
    assert list(ds.n.values) == [4, 5] and json.loads(ds.attrs["grid"]) == {"n": [4, 5], "p": [0.1, 1.0]}


def test_sweep_with_extra_seeds_trains_only_new_seeds(store):
    sweep(BASE, {"p": [0.1, 1]}, store=store, progress=False, run_many=fake_many)
    MANY.clear()
    ds = sweep(BASE.replace(seeds=3), {"p": [0.1, 1]}, store=store, progress=False, run_many=fake_many)
    assert MANY == [[(4, 0.1, (2,)), (4, 1.0, (2,))]] and ds.sizes["seed"] == 3


def test_the_sweeps_bar_says_how_far_its_ensemble_is(store, capsys):
    """One ensemble can train for many minutes with the cell count at 0: the bar shows the ensemble's own progress
    (the words the app and `explorer run` show)."""
    def talking(configs, on_progress=None, cancel=None):
        on_progress({"stage": "train", "fraction": 0.5, "step": 800, "total_steps": 1600, "seeds": [0, 1, 0, 1],
                     "epochs": 4, "loss": [0.5, 0.7]})
        return fake_many(configs)

    sweep(BASE, {"p": [0.1, 1]}, store=store, progress=True, run_many=talking)
    assert "Training 4 networks as one ensemble · step 800 of 1600 · loss 0.600" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- CLI
def _main(argv, capsys, monkeypatch):
    import explorer.studies.specialization.run as run
    from explorer.cli import main
    monkeypatch.setattr(run, "run_many", fake_many)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_sweep_cli_writes_netcdf(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sweep.nc"
    code, stdout, err = _main(["--store", str(tmp_path / "s"), "sweep", "specialization", "--p", "1/n2,0.5",
                               "--n", "4,5", "--covariance", "0,0.5", "--seeds", "2", "--epochs", "2",
                               "--no-progress", "--json", "--out", str(out)], capsys, monkeypatch)
    assert code == 0, err
    summary = json.loads(stdout)
    assert len(summary["cells"]) == 8 and summary["dims"]["seed"] == 2
    assert [(c["p"], c["n"], c["covariance"]) for c in summary["cells"]][:2] == [("1/n2", 4, 0.0), ("1/n2", 4, 0.5)]
    assert all(set(c) >= {"accuracy", "F_final.bottleneck", "Q_measured"} for c in summary["cells"])
    from explorer.studies.specialization.config import SpecializationConfig

    second = SpecializationConfig(p=1 / 16, n=4, covariance=0.5, seeds=(0, 1), epochs=2)   # the keys name the cell
    assert summary["cells"][1]["key"] == second.run_key() and summary["cells"][1]["entries"] == [
        second.key(0), second.key(1)]
    ds = xr.load_dataset(out)
    assert [d for d in ds["F"].dims] == ["p", "n", "covariance", "seed", "metric", "time"]
    assert MANY and sorted(len(call) for call in MANY) == [4, 4]   # one ensemble per n: 2 p × 2 c each
    assert not list(tmp_path.glob(".sweep.nc*"))                      # the atomic write left no temporary
    code, _, err = _main(["--store", str(tmp_path / "s"), "sweep", "specialization", "--n", "4,5", "--seeds", "2",
                          "--epochs", "2", "--no-progress", "--out", str(out)], capsys, monkeypatch)
    assert code == 2 and "already exists; pass --force" in err
    code, _, err = _main(["--store", str(tmp_path / "s"), "sweep", "specialization", "--n", "4,5", "--seeds", "2",
                          "--epochs", "2", "--no-progress", "--out", str(out), "--force"], capsys, monkeypatch)
    assert code == 0 and dict(xr.load_dataset(out).sizes)["n"] == 2
    code, stdout, _ = _main(["sweep", "specialization", "--p", "1/n2:1:3", "--n", "4", "--seeds", "1",
                             "--epochs", "2", "--no-progress", "--store", str(tmp_path / "s")], capsys, monkeypatch)
    assert code == 0 and "0.0625" in stdout and "0.25" in stdout and "F_FINAL.BOTTLENECK" in stdout  # one n: numbers
    # the stand-in's networks stay below the 0.85 criterion: the table and a sentence say so
    assert "REACHED_CRITERION" in stdout and "BELOW THE CRITERION: in 3 of 3 cells" in stdout
    # an integer setting's log grid from the command line (it was refused: "takes an integer per element")
    code, stdout, err = _main(["sweep", "specialization", "--n", "4:16:3", "--seeds", "1", "--epochs", "2",
                               "--no-progress", "--json", "--store", str(tmp_path / "s")], capsys, monkeypatch)
    assert code == 0, err
    assert [c["n"] for c in json.loads(stdout)["cells"]] == [4, 8, 16]
    # values that are equal at this n (1/n² = 0.0625 at n = 4) make one cell, and the sweep says so
    code, stdout, err = _main(["sweep", "specialization", "--p", "1/n2,0.0625", "--n", "4", "--seeds", "1",
                               "--epochs", "2", "--no-progress", "--store", str(tmp_path / "s")], capsys, monkeypatch)
    assert code == 0 and "note: --p 1/n2,0.0625 gives 1 distinct value here (0.0625): equal values are one cell." in err
    # a whole-number log grid whose points round alike has fewer points than asked: said
    code, stdout, err = _main(["sweep", "specialization", "--n", "4:5:4", "--seeds", "1", "--epochs", "2",
                               "--no-progress", "--json", "--store", str(tmp_path / "s")], capsys, monkeypatch)
    assert code == 0 and "note: --n 4:5:4 gives 2 distinct values (4, 5), not 4: whole numbers that round" in err
    # values that differ as typed but are the same run once read: one start time is every digit's
    code, stdout, err = _main(["sweep", "specialization", "--start-times", "1;1,1", "--n", "4", "--seeds", "1",
                               "--epochs", "2", "--no-progress", "--store", str(tmp_path / "s")], capsys, monkeypatch)
    assert code == 0 and "note: --start-times 1 and 1,1 are the same run once read" in err


@pytest.mark.parametrize("flags, message", [
    (["--n", "4,x"], "--n takes an integer per element (or start:stop:num), got 'x'"),
    (["--p", "0.1,,1"], "empty element"),
    (["--p", "1/n2:1:x"], "must be an integer"),
    (["--p", "0.001,0.1", "--n", "4"], "p must lie in"),
    (["--covariance", "0,2"], "covariance must lie in [0, 1]"),
])
def test_sweep_cli_errors_are_one_line(tmp_path, capsys, monkeypatch, flags, message):
    code, _, err = _main(["sweep", "specialization", *flags, "--no-progress", "--store", str(tmp_path / "s")],
                         capsys, monkeypatch)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not MANY


# -------------------------------------------------------------------------------------- dask cluster
def test_sweep_on_a_local_dask_cluster_matches_a_local_run(tmp_path, monkeypatch):
    """Two worker processes train the groups into a shared store; a local sweep gives the same numbers. The
    store's bound is smaller than the sweep: a worker's bound evicted the other group's new cells before the
    sweep read them back, and the sweep trained them again here, in silence (a reviewer's catch)."""
    import distributed

    import explorer.studies.specialization.run as spec_run

    base = SpecializationConfig(n=4, epochs=1, pairs_per_epoch=256, seeds=1)
    grid = {"p": [0.1, 1], "n": [4, 5]}
    remote_store = Store(tmp_path / "remote", max_bytes=1)
    trained_here = []
    real = spec_run._run_group
    monkeypatch.setattr(spec_run, "_run_group", lambda *a, **k: trained_here.append(1) or real(*a, **k))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = sweep(base, grid, store=remote_store, scheduler=client, progress=False)
    assert trained_here == []
    assert len(remote_store.ls()) == 4 and all(remote_store.has(c) for _, c in expand(base, grid)[1])
    monkeypatch.undo()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # the workers ran one thread each; match their arithmetic
    try:
        local = sweep(base, grid, store=Store(tmp_path / "local"), progress=False)
    finally:
        torch.set_num_threads(threads)
    xr.testing.assert_allclose(remote, local)


def test_a_setting_that_a_swept_one_sets_is_a_coordinate_along_it_not_a_wrong_scalar():
    """Sweeping BIMT's regime: a "none" cell runs at λ = 0 (no cost), so λ is a coordinate over regime, not the
    base's λ = 0.001 said of every cell (the axes' long_name and units: tests/test_contract.py)."""
    from explorer.store.sweep import _assemble, expand
    from explorer.studies.bimt.config import BIMTConfig

    base = BIMTConfig(grid=4, seeds=(0,))
    axes, cells = expand(base, {"regime": ["bimt", "none"]})
    data = {cfg.key(): xr.Dataset({"accuracy": ("seed", [0.5])}, coords={"seed": [0]}) for _, cfg in cells}
    ds = _assemble(base, {"regime": ["bimt", "none"]}, axes, cells, data)
    assert ds["lam"].dims == ("regime",) and ds["lam"].values.tolist() == [base.lam, 0.0]
    assert ds["grid"].dims == () and int(ds["grid"]) == 4              # the same in every cell: a scalar


def test_the_sweeps_table_has_every_seeds_numbers_not_only_the_first_seeds():
    """A number that the first seed's summary lacks (say a metric undefined for it) still gets its cell mean from
    the seeds that have it."""
    from types import SimpleNamespace

    from explorer.cli.sweep import cell_rows

    def entry_summary(cell):
        seed = int(cell.seed.values[0])
        return {"accuracy": 0.5 + seed / 10} | ({"late": 2.0 * seed} if seed else {})

    study = SimpleNamespace(result=SimpleNamespace(entry_summary=entry_summary))
    ds = xr.Dataset(coords={"lr": [0.1], "seed": [0, 1, 2]})
    [row] = cell_rows(study, ds, ["lr"])
    assert row == pytest.approx({"lr": 0.1, "accuracy": 0.6, "late": 3.0})
    # full precision for --json (it was rounded to 4 decimals, where `run --json` gives every digit)
    ds = xr.Dataset(coords={"lr": [0.1], "seed": [0, 1, 3]})
    assert cell_rows(study, ds, ["lr"])[0]["accuracy"] == (0.5 + 0.6 + 0.8) / 3


def test_a_log_grid_works_for_any_number_not_only_p():
    """`--lam 1e-4:1e-2:3` was refused although README's log grid `--p 1/n2:1:8` read as general."""
    from explorer.studies.bimt.config import BIMTConfig

    axes, cells = expand(BIMTConfig(seeds=(0,)), {"lam": ["1e-4:1e-2:3", 0.05]})
    assert axes["lam"] == pytest.approx([1e-4, 1e-3, 1e-2, 0.05]) and len(cells) == 4
    assert [c.lam for _, c in cells] == pytest.approx([1e-4, 1e-3, 1e-2, 0.05])
    with pytest.raises(ConfigError, match="positive endpoints"):
        expand(BIMTConfig(seeds=(0,)), {"lam": ["0:1e-2:3"]})
    # an integer setting's log grid is rounded (--n 10:20:3 was refused: "14.14 is not an integer")
    assert expand(BASE, {"n": "10:40:3"})[0]["n"] == [10, 20, 40]
    assert expand(BASE, {"n": "10:12:5"})[0]["n"] == [10, 11, 12]


def test_a_cluster_without_workers_says_so_while_it_waits(tmp_path):
    """A scheduler with no worker held the sweep at 0/1 cells with no word; now it says what it waits for."""
    import distributed

    from explorer.store.sweep import _on_cluster

    said, done = [], []
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        def say(words):
            said.append(words)
            cluster.scale(1)   # then a worker comes, and the sweep goes on

        _on_cluster(client, Store(tmp_path / "store"), [[BASE]], fake_many, done.append, say)
    assert said == [f"waiting for a worker: the scheduler at {cluster.scheduler_address} has none (start one "
                    f"with 'dask worker {cluster.scheduler_address}')"]
    assert done == [[BASE]] and MANY


def test_a_bad_scheduler_address_from_the_environment_says_where_it_came_from(tmp_path, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match=r"nothing listens on that port.*\$DASK_SCHEDULER_ADDRESS's; unset it"):
        sweep(BASE, {"n": [4]}, store=Store(tmp_path / "store"), progress=False, run_many=fake_many)


@pytest.mark.parametrize("study, argv, name, asked", [
    ("bimt", ["--regime", "none,l1,bimt", "--lam", "3e-4", "--A", "2"], "lam", 3e-4),
    ("bimt", ["--regime", "none,l1,bimt", "--lam", "3e-4", "--A", "2"], "A", 2.0),
    ("bimt", ["--regime", "l1,bimt", "--top-k", "10"], "top_k", 10),
    ("bimt", ["--regime", "none,bimt", "--warmup", "0.1"], "warmup", 0.1),
    ("bimt", ["--grid", "8,10"], "top_k", 100),                       # every neuron of the larger sheet
    ("specialization", ["--noise", "0,0.2", "--noise-samples", "3"], "noise_samples", 3),
    ("specialization", ["--connectivity", "fixed,deep-r", "--deep-r-lr", "0.05"], "deep_r_lr", 0.05),
    ("growth", ["--generalise", "0,2", "--generalise-steps", "7"], "generalise_steps", 7),
])
def test_a_cell_gets_what_was_asked_when_the_first_value_ignores_it(study, argv, name, asked):
    """A sweep varies a config built from each axis's first value, whose validation had already set what that
    value ignores to a stand-in: `--regime none,l1,bimt --lam 3e-4` trained BIMT at λ = 0 (a reviewer's catch),
    `--grid 8,10` tried 64 of the 10 × 10 sheet's 100 neurons. The last cell reads the setting as asked."""
    from explorer import studies
    from explorer.cli.main import build_parser
    from explorer.cli.sweep import base_config, grid_from_args

    args = build_parser().parse_args(["sweep", study, *argv])
    config_class = studies.get(study).config_class
    grid, single = grid_from_args(config_class, args)
    _, cells = expand(base_config(config_class, grid, single), grid)
    assert getattr(cells[-1][1], name) == asked


def test_a_neighbour_of_a_config_gets_what_was_asked_of_it():
    """The same through ``replace`` (the page's neighbours, a grid over a yes/no setting)."""
    from explorer.studies.bimt.config import BIMTConfig
    from explorer.studies.growth.config import GrowthConfig

    assert expand(GrowthConfig(timescale_steps=500), {"timescales": [False, True]})[1][-1][1].timescale_steps == 500
    l1 = BIMTConfig(regime="l1", top_k=10)
    assert l1.top_k == BIMTConfig().top_k and l1.replace(regime="bimt").top_k == 10
    assert l1.replace(regime="bimt", top_k=3).top_k == 3 and l1 == BIMTConfig(regime="l1")
