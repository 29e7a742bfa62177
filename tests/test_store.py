"""The run store: per-seed caching, atomic writes, corruption, deduplication, LRU bound, CLI.

Most tests inject ``fake_run`` (deterministic, instant); one test trains a tiny real ensemble.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import xarray as xr

from explorer.core.result import Result
from explorer.store import Store, StoreError, parse_bytes
from explorer.store.entry import FILES, MANIFEST
from explorer.store.store import STALE_TMP_S
from explorer.studies.specialization.config import SpecializationConfig
from explorer.studies.specialization.result import build_dataset

HERE = Path(__file__).parent
CFG = SpecializationConfig(n=4, epochs=2, pairs_per_epoch=16, seeds=2)
CALLS: list = []


class FakeCancelled(Exception):
    pass


def fake_run(config, on_progress=None, cancel=None):
    """A deterministic stand-in for explorer.runner.run: every number depends on (seed, p, c) only.

    Env FAKE_RUN_LOG names a file that gets one line per call; FAKE_RUN_SLEEP makes the call slow."""
    CALLS.append(list(config.seeds))
    if os.environ.get("FAKE_RUN_LOG"):
        with open(os.environ["FAKE_RUN_LOG"], "a") as f:
            f.write(json.dumps(list(config.seeds)) + "\n")
    for epoch in range(config.epochs):
        if on_progress:
            on_progress({"stage": "train", "epoch": epoch + 1, "epochs": config.epochs,
                         "fraction": (epoch + 1) / config.epochs, "seeds": list(config.seeds)})
        if cancel is not None and cancel.is_set():
            raise FakeCancelled("run cancelled")
    time.sleep(float(os.environ.get("FAKE_RUN_SLEEP", 0)))
    seeds = np.array(config.seeds, dtype=float)
    E, T = len(seeds), config.steps
    base = ((seeds + 1) * 0.137 + config.p + config.covariance) % 1.0
    M = base[:, None, None, None, None] * np.linspace(0.1, 1, 4 * T * 4).reshape(1, 4, T, 2, 2)
    ds = build_dataset(config, M=M, accuracy=base, digit_decoding=np.stack([base, 1 - base], 1),
                       loss_curve=np.outer(base, np.arange(1, config.epochs + 1)),
                       accuracy_curve=np.outer(1 - base, np.ones(config.epochs)), Q_measured=base / 2,
                       mask_accuracy=np.broadcast_to(base[:, None, None], (E, T, 2)))
    weights = {"W_rec": torch.as_tensor(base, dtype=torch.float32)[:, None, None] * torch.ones(E, 8, 8),
               "b_h": torch.as_tensor(seeds, dtype=torch.float32)[:, None].repeat(1, 3)}
    return Result(data=ds, weights=weights)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def entries(store):
    return sorted(p.name for p in store.runs.iterdir()) if store.runs.is_dir() else []


def _run_child(code: str, **env) -> subprocess.Popen:
    """Start a Python child that can import this file's helpers."""
    script = f"import sys; sys.path.insert(0, {str(HERE)!r})\n" + textwrap.dedent(code)
    return subprocess.Popen([sys.executable, "-c", script], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ----------------------------------------------------------------------------------------- basics
def test_round_trip_is_cached_and_identical(store):
    first = store.get_or_run(CFG, runner=fake_run)
    assert not first.cached and CALLS == [[0, 1]]
    assert sorted(os.listdir(store.entry_dir(CFG.key(0)))) == sorted([*FILES, MANIFEST])
    second = store.get_or_run(CFG, runner=fake_run)
    assert second.cached and CALLS == [[0, 1]]
    xr.testing.assert_allclose(first.data, second.data)
    assert first.data.attrs["config"] == second.data.attrs["config"]
    for name, w in first.weights.items():
        assert torch.equal(w, second.weights[name])
    assert store.has(CFG) and store.missing_seeds(CFG.replace(seeds=3)) == [2]
    meta = json.loads((store.entry_dir(CFG.key(1)) / "config.json").read_text())
    assert meta["seed"] == 1 and meta["config"] == CFG.canonical(with_seeds=False)
    assert {"explorer", "torch", "numpy", "date", "ensemble_wall_time_s"} <= set(meta["provenance"])
    assert meta["provenance"]["seeds_trained_together"] == [0, 1]
    assert meta["provenance"]["runs_trained_together"] == {CFG.run_key(): [0, 1]}


def test_an_entry_names_every_run_it_was_trained_with(store):
    """A network's numbers depend on its ensemble's make-up (science.md §11): an entry trained in one call with
    other settings names them all (its result said ensemble_size 4 where config.json named 2 seeds)."""
    other = CFG.replace(n=5, seeds=[1, 2])
    store.get_or_run_many([CFG, other], run_many=lambda cs, on_progress=None, cancel=None: [fake_run(c) for c in cs])
    for config, seed in ((CFG, 0), (other, 2)):
        meta = json.loads((store.entry_dir(config.key(seed)) / "config.json").read_text())
        assert meta["provenance"]["runs_trained_together"] == {CFG.run_key(): [0, 1], other.run_key(): [1, 2]}
        assert meta["provenance"]["seeds_trained_together"] == list(config.seeds)


def test_seeds_are_reused_and_only_missing_seeds_train(store):
    two = store.get_or_run(CFG, runner=fake_run)
    four = store.get_or_run(CFG.replace(seeds=4), runner=fake_run)
    assert CALLS == [[0, 1], [2, 3]] and not four.cached
    assert list(four.data.seed.values) == [0, 1, 2, 3]
    xr.testing.assert_allclose(four.data.sel(seed=[0, 1]), two.data)
    assert torch.equal(four.weights["b_h"][:, 0], torch.tensor([0.0, 1, 2, 3]))
    sub = store.get_or_run(CFG.replace(seeds=(1, 3)), runner=fake_run)
    assert sub.cached and CALLS == [[0, 1], [2, 3]] and list(sub.data.seed.values) == [1, 3]


def test_progress_events_pass_through(store):
    events = []
    store.get_or_run(CFG, on_progress=events.append, runner=fake_run)
    assert [e["epoch"] for e in events] == [1, 2]


def test_store_location_and_bound_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_STORE", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("EXPLORER_STORE_MAX_BYTES", "3M")
    s = Store()
    assert s.root == tmp_path / "elsewhere" and s.max_bytes == 3_000_000
    assert Store(tmp_path / "x", max_bytes="1.5G").max_bytes == 1_500_000_000
    monkeypatch.delenv("EXPLORER_STORE")
    assert Store().root.name == "store"
    assert parse_bytes("500k") == 500_000 and parse_bytes(7) == 7
    with pytest.raises(StoreError, match="500M or 2G"):
        parse_bytes("lots")


# ----------------------------------------------------------------------------------- crash safety
def test_sigkill_during_write_leaves_no_servable_entry(store, tmp_path):
    ready, log = tmp_path / "ready", tmp_path / "calls.log"
    child = _run_child(f"""
        import time
        from pathlib import Path
        from test_store import CFG, fake_run
        from explorer.store import Store
        s = Store({str(store.root)!r})
        written = []
        def hook(path):
            written.append(path)
            if len(written) == 4:           # seed 0 renamed into place; seed 1 has one file in tmp/
                Path({str(ready)!r}).touch()
                time.sleep(120)
        s.after_file_written = hook
        s.get_or_run(CFG, runner=fake_run)
    """, FAKE_RUN_LOG=str(log))
    try:
        for _ in range(1200):
            if ready.exists() or child.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), child.communicate()[1]
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    assert entries(store) == [CFG.key(0)]                # the finished seed only
    assert store.missing_seeds(CFG) == [1]
    assert os.listdir(store.root / "tmp")                 # the dead writer's half entry stays out of runs/
    result = store.get_or_run(CFG, runner=fake_run)
    assert CALLS == [[1]] and list(result.data.seed.values) == [0, 1]
    # gc clears a dead writer's leftovers once they are old
    for p in (store.root / "tmp").iterdir():
        os.utime(p, (time.time() - 2 * STALE_TMP_S,) * 2)
    store.gc()
    assert os.listdir(store.root / "tmp") == []


@pytest.mark.parametrize("name", ["weights.safetensors", "result.nc", "config.json", "manifest.json"])
@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_corrupt_entry_is_detected_and_recomputed(store, caplog, name, damage):
    original = store.get_or_run(CFG, runner=fake_run)
    path = store.entry_dir(CFG.key(1)) / name
    blob = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        i = len(blob) // 2
        path.write_bytes(blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1:])
    else:
        path.unlink()
    with caplog.at_level(logging.WARNING, logger="explorer.store"):
        again = store.get_or_run(CFG, runner=fake_run)
    warnings = [r for r in caplog.records if r.name == "explorer.store"]
    assert len(warnings) == 1 and CFG.key(1) in warnings[0].getMessage()
    assert "\n" not in warnings[0].getMessage()
    assert CALLS == [[0, 1], [1]] and not again.cached
    xr.testing.assert_allclose(again.data, original.data)
    assert store.get_or_run(CFG, runner=fake_run).cached


def test_stored_seeds_that_do_not_fit_new_ones_are_trained_again(store, caplog):
    """Seeds of one setting stored by another version of a study (an array of another shape) and seeds trained
    now cannot be merged: the setting's seeds are discarded with one warning each and trained again as one
    ensemble, instead of failing after the training with a traceback."""
    def older(config, on_progress=None, cancel=None):   # the same setting as an earlier version stored it
        r = fake_run(config)
        return Result(data=r.data, weights={**r.weights, "b_h": r.weights["b_h"][:, :2]})

    store.get_or_run(CFG.replace(seeds=(0,)), runner=older)
    CALLS.clear()
    with caplog.at_level(logging.WARNING, logger="explorer.store"):
        both = store.get_or_run(CFG, runner=fake_run)
    assert CALLS == [[1], [0, 1]]                    # the missing seed, then the setting again
    assert both.weights["b_h"].shape == (2, 3) and not both.cached
    warnings = [r.getMessage() for r in caplog.records if r.name == "explorer.store"]
    assert len(warnings) == 2 and all("do not fit together" in w for w in warnings)
    assert store.get_or_run(CFG, runner=fake_run).cached and CALLS == [[1], [0, 1]]


def _evil_pickle(sentinel: Path) -> bytes:
    class Evil:
        def __reduce__(self):
            return (Path.touch, (sentinel,))
    return pickle.dumps(Evil())


def test_planted_pickle_is_never_loaded(store, tmp_path, caplog):
    sentinel = tmp_path / "pwned"
    store.get_or_run(CFG, runner=fake_run)
    e0, e1 = store.entry_dir(CFG.key(0)), store.entry_dir(CFG.key(1))
    # 1. extra files beside a valid entry: a .pkl and an object-dtype .npy (both pickles inside)
    (e0 / "evil.pkl").write_bytes(_evil_pickle(sentinel))
    np.save(e0 / "weights.npy", np.array([object()], dtype=object), allow_pickle=True)
    # 2. a pickle posing as the weights, with a manifest forged to match it
    (e1 / "weights.safetensors").write_bytes(_evil_pickle(sentinel))
    manifest = json.loads((e1 / MANIFEST).read_text())
    import hashlib
    manifest["files"]["weights.safetensors"] = hashlib.sha256((e1 / "weights.safetensors").read_bytes()).hexdigest()
    (e1 / MANIFEST).write_text(json.dumps(manifest))
    with caplog.at_level(logging.WARNING, logger="explorer.store"):
        result = store.get_or_run(CFG, runner=fake_run)
    assert not sentinel.exists()
    assert list(result.data.seed.values) == [0, 1] and CALLS == [[0, 1], [0, 1]]
    assert len([r for r in caplog.records if r.name == "explorer.store"]) == 2  # one line per bad entry
    assert "unexpected file" in caplog.records[0].getMessage()
    assert sorted(os.listdir(e0)) == sorted([*FILES, MANIFEST])
    assert not sentinel.exists()


def test_store_code_never_unpickles():
    import re

    import explorer.cli.store
    import explorer.store.catalogue
    import explorer.store.entry
    import explorer.store.store
    import explorer.store.sweep
    risky = re.compile(r"import pickle|pickle\.load|torch\.load\(|np\.load\(|allow_pickle\s*=\s*True")
    for mod in (explorer.store.store, explorer.store.catalogue, explorer.store.entry, explorer.store.sweep,
                explorer.cli.store):
        assert not risky.search(Path(mod.__file__).read_text()), mod.__name__

# ----------------------------------------------------------------------------------- concurrency
def test_two_processes_asking_at_once_train_once(store, tmp_path):
    go, log = tmp_path / "go", tmp_path / "calls.log"
    code = f"""
        import json, time
        from pathlib import Path
        from test_store import CFG, fake_run
        from explorer.store import Store
        while not Path({str(go)!r}).exists():
            time.sleep(0.01)
        r = Store({str(store.root)!r}).get_or_run(CFG, runner=fake_run)
        print(json.dumps([float(v) for v in r.data.accuracy.values]))
    """
    children = [_run_child(code, FAKE_RUN_LOG=str(log), FAKE_RUN_SLEEP="2") for _ in range(2)]
    go.touch()
    outs = [c.communicate(timeout=300) for c in children]
    assert all(c.returncode == 0 for c in children), [o[1] for o in outs]
    assert log.read_text().splitlines() == ["[0, 1]"]
    assert outs[0][0] == outs[1][0]


def test_two_threads_asking_at_once_train_once(store, monkeypatch):
    monkeypatch.setenv("FAKE_RUN_SLEEP", "0.5")
    barrier, results = threading.Barrier(2), []

    def ask():
        barrier.wait()
        results.append(store.get_or_run(CFG, runner=fake_run))
    threads = [threading.Thread(target=ask) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert CALLS == [[0, 1]] and len(results) == 2
    assert sorted(r.cached for r in results) == [False, True]


# ------------------------------------------------------------------------------------ cancellation
def test_cancel_during_training_leaves_nothing(store):
    cancel = threading.Event()

    def cancelling_progress(event):
        cancel.set()
    with pytest.raises(FakeCancelled):
        store.get_or_run(CFG, on_progress=cancelling_progress, cancel=cancel, runner=fake_run)
    assert entries(store) == []
    assert not (store.root / "tmp").exists() or os.listdir(store.root / "tmp") == []


def test_failure_while_writing_leaves_nothing_half_written(store):
    def hook(path):
        if path.name == "result.nc":
            raise OSError("disk full")
    store.after_file_written = hook
    with pytest.raises(OSError, match="disk full"):
        store.get_or_run(CFG, runner=fake_run)
    assert entries(store) == [] and os.listdir(store.root / "tmp") == []


def test_cancel_while_waiting_for_another_trainer(store):
    from filelock import FileLock

    (store.root / "locks").mkdir(parents=True)
    cancel = threading.Event()
    with FileLock(store.root / "locks" / f"{CFG.run_key()}.lock"):  # another process is training
        threading.Timer(0.3, cancel.set).start()
        with pytest.raises(Exception, match="cancelled"):
            store.get_or_run(CFG, cancel=cancel, runner=fake_run)
    assert CALLS == [] and entries(store) == []


def test_waiting_for_another_trainer_is_said_once(store):
    """While another process holds a setting's lock the progress says so (once), and a notebook's bar then says
    the result it loaded had waited for that process (it read "loaded from the store in 106 s" in silence)."""
    from filelock import FileLock

    from explorer.core.progress import progress_words
    from explorer.notebook import progress

    (store.root / "locks").mkdir(parents=True, exist_ok=True)
    events = []
    bar = progress("wait", bar=False)
    held = threading.Event()

    def other_trainer():   # takes and gives back the lock in its own thread (FileLock's state is per thread)
        with FileLock(store.root / "locks" / f"{CFG.run_key()}.lock"):
            held.set()
            time.sleep(0.6)

    threading.Thread(target=other_trainer).start()
    assert held.wait(10)
    result = store.get_or_run(CFG, on_progress=lambda e: (events.append(e), bar(e)), runner=fake_run)
    assert [e["stage"] for e in events].count("locked") == 1
    assert progress_words({"stage": "locked"})[1].startswith("Another process is training this setting")
    assert bar.waited and not result.cached   # the lock was free, nothing stored: trained here after waiting


def test_entries_no_run_reads_are_listed_stale_and_gc_stale_removes_only_them(store):
    """An entry stored by an earlier schema of its study (or under an earlier form of its setting) has a run key
    no config of today's code has: ``ls`` says so and ``gc(stale=True)`` removes it, whatever the size bound."""
    store.get_or_run(CFG.replace(seeds=[0, 1]), runner=fake_run)
    old = store.entry_dir(CFG.key(1)) / "config.json"
    meta = json.loads(old.read_text())
    meta["config"]["schema"] -= 1                      # as written by the study's previous version
    old.write_text(json.dumps(meta))
    rows = {r["key"]: r["stale"] for r in store.ls()}
    assert rows == {CFG.key(0): False, CFG.key(1): True}
    assert store.gc(stale=True, dry_run=True) == [CFG.key(1)] and len(store.ls()) == 2
    assert store.gc(stale=True) == [CFG.key(1)]
    assert [r["key"] for r in store.ls()] == [CFG.key(0)]


def test_a_change_to_deep_r_s_draws_leaves_fixed_link_runs_stored_and_ignored_settings_out_of_the_key():
    """Deep-R's draws changed (schema 7 for deep-r links only): a fixed-link entry is still read, a deep-r one is
    stale. Fixed links never read the Deep-R settings, so two fixed runs that differ only there are one run."""
    from explorer.store.catalogue import _stale

    fixed, deep_r = SpecializationConfig(), SpecializationConfig(connectivity="deep-r")
    assert fixed.canonical()["schema"] == SpecializationConfig.SCHEMA and deep_r.canonical()["schema"] == 7
    old = deep_r.canonical(with_seeds=False, with_data=False) | {"schema": SpecializationConfig.SCHEMA}
    assert _stale(old) and not _stale(fixed.canonical(with_seeds=False, with_data=False))
    assert SpecializationConfig(deep_r_temperature=1e-3, deep_r_lr=0.05).key() == fixed.key()
    assert deep_r.replace(deep_r_temperature=1e-3).key() != deep_r.key()
    # nothing is mixed without noise or late digits, so the number of samples mixed is not read (a CLI audit's
    # catch: `--noise-samples 9` retrained the default networks and stored them twice)
    assert SpecializationConfig(noise_samples=9).key() == fixed.key()
    assert SpecializationConfig(noise=0.5, noise_samples=9).key() != SpecializationConfig(noise=0.5).key()
    assert SpecializationConfig(start_times="0,2", noise_samples=9).key() != \
        SpecializationConfig(start_times="0,2").key()


# --------------------------------------------------------------------------------------------- gc
def test_gc_evicts_least_recently_used_down_to_the_bound(store):
    cfg = CFG.replace(seeds=6)
    store.get_or_run(cfg, runner=fake_run)
    t0 = time.time() - 1000
    for s in range(6):                      # seed 0 oldest ... seed 5 newest
        os.utime(store.entry_dir(cfg.key(s)), (t0 + s, t0 + s))
    store.get_or_run(cfg.replace(seeds=[0]), runner=fake_run)   # reading makes seed 0 the most recent
    size = store.size() / 6
    evicted = store.gc(max_bytes=int(3.5 * size))
    assert store.size() <= 3.5 * size
    assert sorted(evicted) == sorted(cfg.key(s) for s in (1, 2, 3))
    assert store.missing_seeds(cfg) == [1, 2, 3]
    assert store.gc(max_bytes=0) and entries(store) == []


def test_gc_runs_after_writes(tmp_path):
    probe = Store(tmp_path / "probe")
    probe.get_or_run(CFG.replace(seeds=[0]), runner=fake_run)
    one = probe.size()
    store = Store(tmp_path / "store", max_bytes=int(2.5 * one))
    store.get_or_run(CFG, runner=fake_run)
    store.get_or_run(CFG.replace(seeds=(2, 3)), runner=fake_run)
    assert store.size() <= 2.5 * one
    assert store.missing_seeds(CFG.replace(seeds=4)) == [0, 1]


# ---------------------------------------------------------------------------------- ls/info/export
def test_ls_info_export(store, tmp_path):
    store.get_or_run(CFG, runner=fake_run)
    rows = store.ls()
    assert {r["seed"] for r in rows} == {0, 1} and all(r["n"] == 4 and r["bytes"] > 0 for r in rows)
    key = CFG.key(1)
    info = store.info(key[:8])
    assert info["key"] == key and info["seed"] == 1 and info["config"]["p"] == CFG.p
    assert 0 <= info["summary"]["accuracy"] <= 1
    paths = store.export(key, tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted([*FILES, MANIFEST, "results.csv"])
    import pandas as pd
    csv = pd.read_csv(tmp_path / "out" / "results.csv")
    assert set(csv["variable"]) >= {"M", "F", "accuracy", "loss_curve"} and (csv["seed"] == 1).all()
    with pytest.raises(StoreError, match="empty or new folder"):
        store.export(key, tmp_path / "out")
    with pytest.raises(StoreError, match="no stored run"):
        store.info("abcdef")
    with pytest.raises(StoreError, match="hexadecimal"):
        store.info("../../etc")


def _cli(argv, capsys):
    from explorer.cli import main
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_store_cli(store, tmp_path, capsys):
    store.get_or_run(CFG, runner=fake_run)
    root = ["--store", str(store.root)]
    code, out, err = _cli(["store", "ls", *root], capsys)
    assert code == 0 and CFG.key(0)[:12] in out and "2 entries" in out
    code, out, _ = _cli(["store", "ls", "--json", *root], capsys)
    assert code == 0 and {r["key"] for r in json.loads(out)} == {CFG.key(0), CFG.key(1)}
    # the study's columns, then what else is not at its default: runs that differ there do not list alike
    assert all("n=4" in r["setting"] and "pairs_per_epoch=16" in r["setting"] for r in json.loads(out))
    code, out, _ = _cli(["store", "ls", "--study", "bimt", *root], capsys)   # only that study's entries
    assert code == 0 and CFG.key(0)[:12] not in out and "0 bimt entries (0 B) of 2 entries" in out
    code, out, _ = _cli(["store", *root, "info", CFG.key(0)[:6]], capsys)
    assert code == 0 and "accuracy" in out and "provenance" in out
    code, out, _ = _cli(["store", "info", "--json", CFG.key(0), *root], capsys)
    assert json.loads(out)["seed"] == 0
    code, out, _ = _cli(["store", "info", CFG.run_key(), *root], capsys)   # a run key: every seed's entry
    assert code == 0 and CFG.key(0)[:12] in out and CFG.key(1)[:12] in out and "ACCURACY" in out
    code, out, _ = _cli(["store", "info", "--json", CFG.run_key()[:8], *root], capsys)
    run = json.loads(out)
    assert run["run"] == CFG.run_key() and [e["key"] for e in run["entries"]] == [CFG.key(0), CFG.key(1)]
    assert [e["seed"] for e in run["entries"]] == [0, 1] and all("accuracy" in e["summary"] for e in run["entries"])
    code, out, _ = _cli(["store", "export", CFG.key(0), "--out", str(tmp_path / "exp"), *root], capsys)
    assert code == 0 and (tmp_path / "exp" / "results.csv").exists()
    code, out, _ = _cli(["store", "gc", "--max-bytes", "0", "--dry-run", *root], capsys)   # lists, removes nothing
    assert code == 0 and "would evict 2 entries" in out and CFG.key(0)[:12] in out and len(entries(store)) == 2
    code, out, _ = _cli(["store", "gc", "--max-bytes", "0", "--dry-run", "--json", *root], capsys)
    assert set(json.loads(out)["would_evict"]) == {CFG.key(0), CFG.key(1)} and json.loads(out)["bytes"] == 0
    assert len(entries(store)) == 2
    code, out, _ = _cli(["store", "gc", "--max-bytes", "0", "--json", *root], capsys)
    assert code == 0 and len(json.loads(out)["evicted"]) == 2 and entries(store) == []


def test_store_rm_and_verify(store, capsys):
    """A researcher removes what they no longer trust (one entry or a run's every seed) and checks the whole store
    before a long analysis: a damaged entry is named with its reason, and --fix removes only it."""
    store.get_or_run(CFG, runner=fake_run)
    other = CFG.replace(n=5)
    store.get_or_run(other, runner=fake_run)
    root = ["--store", str(store.root)]
    code, out, _ = _cli(["store", "verify", *root], capsys)
    assert code == 0 and "all 4 entries" in out and "passed their checks" in out
    with open(store.entry_dir(CFG.key(1)) / "result.nc", "ab") as f:
        f.write(b"garbage")
    code, out, _ = _cli(["store", "verify", "--json", *root], capsys)
    assert code == 1 and json.loads(out)["failed"] == [{"key": CFG.key(1),
                                                        "why": "result.nc fails its checksum (truncated or corrupt)",
                                                        "damaged": True}]
    assert json.loads(out)["removed"] == [] and CFG.key(1) in entries(store)   # without --fix nothing goes
    code, out, _ = _cli(["store", "verify", "--fix", *root], capsys)
    assert code == 0 and "1 of 4 entries failed" in out and "removed" in out
    assert sorted(entries(store)) == sorted([CFG.key(0), other.key(0), other.key(1)])
    code, out, _ = _cli(["store", "rm", other.run_key()[:8], "--dry-run", *root], capsys)
    assert code == 0 and "would remove 2 entries (every seed of the run)" in out and len(entries(store)) == 3
    code, out, _ = _cli(["store", "rm", other.run_key()[:8], *root], capsys)
    assert code == 0 and "removed 2 entries" in out and entries(store) == [CFG.key(0)]
    code, out, _ = _cli(["store", "rm", "--json", CFG.key(0), *root], capsys)
    assert json.loads(out) == {"removed": [CFG.key(0)], "dry_run": False} and entries(store) == []
    code, _, err = _cli(["store", "rm", CFG.key(0)[:8], *root], capsys)
    assert code == 2 and "no stored run has key" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, message", [
    (["store", "info", "feedbeef"], "no stored run has key feedbeef"),
    (["store", "info", "zz"], "at least 4 hexadecimal"),
    (["store", "gc", "--max-bytes", "huge"], "500M or 2G"),
    (["store", "export", "feedbeef", "--out", "x"], "no stored run"),
])
def test_store_cli_errors_are_one_line(store, capsys, argv, message):
    code, out, err = _cli([*argv, "--store", str(store.root)], capsys)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# -------------------------------------------------------------------------------------- real engine
def test_real_engine_run_is_stored_and_served(store):
    cfg = SpecializationConfig(n=4, epochs=1, pairs_per_epoch=256, seeds=2)
    first = store.get_or_run(cfg)
    second = store.get_or_run(cfg)
    assert not first.cached and second.cached
    xr.testing.assert_allclose(first.data, second.data)
    assert first.weights.keys() == second.weights.keys()
    for name, w in first.weights.items():
        assert torch.equal(w, second.weights[name]) and w.shape[0] == 2


def test_an_entry_written_before_its_axes_were_named_reads_named():
    """Entries stored before a study named every variable and axis get long_name and units when read, so a
    sweep or export of old runs reads like a new one; names already there are kept."""
    import xarray as xr

    from explorer.store.store import _name_axes
    from explorer.studies.specialization.result import COORDINATES, VARIABLES

    ds = xr.Dataset({"accuracy": (("seed",), [0.9, 0.8])}, coords={"seed": [0, 1]})
    ds["accuracy"].attrs["long_name"] = "kept as stored"
    _name_axes(ds, "specialization")
    assert ds["seed"].attrs["long_name"] == COORDINATES["seed"][0]
    assert ds["accuracy"].attrs["long_name"] == "kept as stored" and "accuracy" in VARIABLES
    bare = xr.Dataset(coords={"seed": [0]})
    _name_axes(bare, "no-such-study")                    # an unknown study reads as stored
    assert "long_name" not in bare["seed"].attrs


def test_every_file_of_an_entry_has_the_mode_the_umask_gives(store):
    """safetensors wrote weights.safetensors readable by its owner only (0600) next to 0644 files: on a store
    shared by a group (a Dask cluster's) the others could not read the entries they found."""
    import os
    import stat

    store.get_or_run(SpecializationConfig(n=4, epochs=1, pairs_per_epoch=256, seeds=1))
    old = os.umask(0o022)
    os.umask(old)
    [entry] = [p for p in (store.root / "runs").iterdir() if p.is_dir()]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in entry.iterdir()}
    assert set(modes.values()) == {0o666 & ~old}, modes
