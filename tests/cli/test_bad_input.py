"""A battery of bad command lines and unusable store paths: each case exits with its code (2 bad input, 1 a
failure, 130 cancelled) and prints exactly one line on stderr, no traceback; nothing is trained that should not
be, and nothing already stored is lost. The count is printed in the terminal summary (tests/cli/conftest.py)."""
from __future__ import annotations

import hashlib
import json

import pytest
from conftest import BATTERY, fake_result

from explorer import studies
from explorer.cli import main
from explorer.core.fields import flag_of
from explorer.store import Store
from explorer.studies.specialization.config import SpecializationConfig

CANCELLED = ("cancelled; nothing half-written was kept (a sweep keeps the cells that finished, and running it again "
             "goes on from there)")

TINY = ["--n", "4", "--epochs", "1", "--pairs-per-epoch", "256", "--seeds", "2", "--steps", "3"]
STORED = SpecializationConfig(n=4, epochs=1, pairs_per_epoch=256, seeds=2, steps=3)
NEW = ["--n", "5", "--epochs", "1", "--pairs-per-epoch", "256", "--seeds", "1", "--steps", "3"]  # not stored
RUN = ["--store", "{store}", "run", "specialization"]
SWEEP = ["--store", "{store}", "sweep", "specialization", *NEW[:-4], "--no-progress"]


def _generated():
    """Garbage, out-of-bounds and missing values for every flag of every study, in run and in sweep."""
    cases = []
    for name in studies.names():
        cls = studies.get(name).config_class
        run = ["--store", "{store}", "run", name]
        for field, s in cls.settings().items():
            flag = flag_of(field, s)
            if s.kind == "bool":
                cases.append((f"{name}-{field}-value", [*run, f"{flag}=zzz"], 2, "ignored explicit argument"))
                continue
            cases.append((f"{name}-{field}-missing", [*run, flag], 2, "expected one argument"))
            if s.kind != "text":   # any text is a valid folder name
                cases.append((f"{name}-{field}-garbage", [*run, flag, "zzz"], 2, ""))
            if s.kind in ("int", "float") and s.bounds and s.bounds[1] is not None:
                too_big = s.bounds[1] * 10 + 1
                cases.append((f"{name}-{field}-too-big", [*run, flag, str(int(too_big) if s.kind == "int"
                                                                             else too_big)], 2, ""))
            if s.kind in ("int", "float", "choice", "custom") and s.sweepable:
                cases.append((f"{name}-{field}-sweep-garbage",
                              ["--store", "{store}", "sweep", name, flag, "zzz,zzz", "--no-progress"], 2, ""))
    return cases


CASES = [
    # --- store paths that cannot be a store: refused before any training
    ("env-store-is-a-file", ["run", "specialization", *NEW], 2, "is a file, not a folder"),
    ("store-is-a-file", ["--store", "{file}", "run", "specialization", *NEW], 2, "is a file, not a folder"),
    ("store-empty", ["--store", "", "run", "specialization", *NEW], 2, "the store path is empty"),
    ("store-empty-ls", ["--store", "", "store", "ls"], 2, "the store path is empty"),
    ("store-under-a-file", ["--store", "{file}/sub", "run", "specialization", *NEW], 2, "a file is in the way"),
    ("store-parent-missing", ["--store", "/proc/nonexistent/x", "run", "specialization", *NEW], 2,
     "cannot store runs in /proc/nonexistent/x"),
    ("store-read-only-new-run", [*RUN, *NEW], 2, "the file system is read-only"),
    ("store-read-only-sweep", [*SWEEP, "--n", "5,6"], 2, "the file system is read-only"),
    ("sweep-store-is-a-file", ["--store", "{file}", "sweep", "specialization", *NEW, "--no-progress"], 2,
     "is a file, not a folder"),
    ("ls-store-is-a-file", ["--store", "{file}", "store", "ls"], 2, "is a file, not a folder"),
    ("ls-json-store-is-a-file", ["--store", "{file}", "store", "ls", "--json"], 2, "is a file, not a folder"),
    ("info-store-is-a-file", ["--store", "{file}", "store", "info", "abcd"], 2, "is a file, not a folder"),
    ("gc-store-is-a-file", ["--store", "{file}", "store", "gc"], 2, "is a file, not a folder"),
    ("rm-store-is-a-file", ["--store", "{file}", "store", "rm", "abcd"], 2, "is a file, not a folder"),
    ("verify-store-is-a-file", ["--store", "{file}", "store", "verify"], 2, "is a file, not a folder"),
    ("export-store-is-a-file", ["--store", "{file}", "store", "export", "abcd", "--out", "{tmp}/x"], 2,
     "is a file, not a folder"),
    # --- sweep output paths: checked before training
    ("sweep-out-folder-missing", [*SWEEP, "--n", "5,6", "--out", "/missing/dir/x.nc"], 2,
     "the folder /missing/dir does not exist"),
    ("sweep-out-exists", [*SWEEP, "--n", "5,6", "--out", "{file}"], 2, "already exists; pass --force"),
    ("sweep-out-is-a-folder", [*SWEEP, "--n", "5,6", "--out", "{tmp}"], 2, "is a folder"),
    ("sweep-out-read-only", [*SWEEP, "--n", "5,6", "--out", "{tmp}/ro/x.nc"], 2, "cannot write into"),
    ("sweep-out-not-netcdf", [*SWEEP, "--n", "5,6", "--out", "{tmp}/x.csv"], 2, "give a file name ending in .nc"),
    ("sweep-out-empty", [*SWEEP, "--n", "5,6", "--out", ""], 2, "--out needs a file name"),
    ("sweep-out-in-proc", [*SWEEP, "--n", "5,6", "--out", "/proc/x.nc"], 2, "cannot write into /proc (permission"),
    ("sweep-bad-scheduler", [*SWEEP, "--n", "5,6", "--scheduler", "notanaddress"], 2,
     "must look like tcp://host:8786"),
    # port 1 on this machine: nothing listens (refused at once, not after distributed's 30 s connect timeout)
    ("sweep-scheduler-tls", [*SWEEP, "--n", "5,6", "--scheduler", "tls://x:1"], 2,
     "a dask scheduler address here is tcp://host:port"),
    ("sweep-scheduler-not-running", [*SWEEP, "--n", "5,6", "--scheduler", "tcp://127.0.0.1:1"], 2,
     "no dask scheduler answers at tcp://127.0.0.1:1 (nothing listens on that port)"),
    # --- seeds: one parser, one bound (MAX_SEEDS = 64)
    ("seeds-10000", [*RUN, "--seeds", "10000"], 2, "the number of seeds must be from 1 to 64, got 10000"),
    ("seeds-65-listed", [*RUN, "--seeds", ",".join(map(str, range(65)))], 2, "a run holds at most 64 seeds"),
    ("seeds-0", [*RUN, "--seeds", "0"], 2, "from 1 to 64"),
    ("seeds-negative", [*RUN, "--seeds=-1,2"], 2, "a seed must be an integer from 0 to 2147483647, got -1"),
    ("seeds-huge", [*RUN, "--seeds", "99999999999999999999999,1"], 2, "a seed must be an integer from 0 to"),
    ("seeds-negative-spaced", [*RUN, "--seeds", "-1,2"], 2, "a seed must be an integer from 0 to 2147483647, got -1"),
    ("seeds-words", [*RUN, "--seeds", "a,b"], 2, "comma list of integers"),
    ("seeds-empty", [*RUN, "--seeds", ","], 2, "at least one seed"),
    ("seeds-repeated", [*RUN, "--seeds", "0,0,1"], 2, "seed 0 is listed more than once"),
    ("sweep-axis-repeated", [*SWEEP, "--n", "5,6,5"], 2, "--n lists '5' twice; give each value once"),
    ("sweep-axis-same-value", [*SWEEP, "--p", "0.1,1e-1"], 2, "the same value twice ('0.1' and '1e-1')"),
    ("sweep-seeds-10000", [*SWEEP, "--n", "5,6", "--seeds", "10000"], 2, "from 1 to 64"),
    # --- names, verbs, flags
    ("unknown-study-run", ["run", "nosuch"], 2, "there is no study called 'nosuch'"),
    ("unknown-study-sweep", ["sweep", "nosuch"], 2, "there is no study called 'nosuch'"),
    ("no-study", ["run"], 2, "required"),
    ("no-command", [], 2, "a command is required: run, sweep, store, lessons or reproduce (see explorer --help)"),
    ("no-store-verb", ["store"], 2, "a command is required: ls, info, gc, rm, verify or export"),
    ("unknown-command", ["frobnicate"], 2, "invalid choice"),
    ("unknown-flag", [*RUN, "--bogus", "1"], 2, "unrecognized arguments: --bogus"),
    ("abbreviated-flag", [*RUN, "--epoch", "1"], 2, "unrecognized arguments: --epoch"),   # not --epochs
    ("flag-of-another-study", ["--store", "{store}", "run", "bimt", "--n", "10"], 2,
     "--n is a setting of the specialization study, not of bimt"),
    ("flag-of-two-other-studies", ["--store", "{store}", "run", "bimt", "--epochs", "2"], 2,
     "--epochs is a setting of the specialization and growth studies, not of bimt"),
    ("run-a-decimal-comma", [*RUN, "--covariance", "0,5"], 2,
     "--covariance takes one value in 'explorer run' (if you meant 0.5, write a decimal point)"),
    ("growth-one-eps-point", ["--store", "{store}", "run", "growth", "--eps-points", "1"], 2,
     "--eps-points must be an integer from 2 to 100"),
    ("flag-misspelt", ["--store", "{store}", "run", "bimt", "--lambda", "0.01"], 2, "(did you mean --lam?)"),
    ("run-a-comma-list", [*RUN, "--p", "0.1,1"], 2, "'explorer sweep specialization --p 0.1,1' runs each"),
    ("abbreviated-flag-bimt", ["--store", "{store}", "run", "bimt", "--a", "1"], 2, "unrecognized arguments: --a"),
    ("p-below-one-link", [*RUN, "--n", "10", "--p", "0.0001"], 2, "p must lie in [1/n², 1]"),
    ("bottleneck-over-4n", [*RUN, "--n", "4", "--bottleneck", "17"], 2, "--bottleneck must be an integer from 0 to 16"),
    ("named-by-its-flag", ["--store", "{store}", "run", "bimt", "--top-k", "0"], 2,
     "--top-k must be an integer from 1"),
    ("sweep-named-by-its-flag", ["--store", "{store}", "sweep", "bimt", "--grid", "0,3", "--no-progress"], 2,
     "--grid must be an integer from 2"),
    ("sweep-empty-element", [*SWEEP, "--p", "0.1,,1"], 2, "empty element"),
    ("sweep-bad-log-grid", [*SWEEP, "--p", "1/n2:1:x"], 2, "must be an integer"),
    ("sweep-bad-log-grid-end", ["--store", "{store}", "sweep", "bimt", "--lam", "1e-4:x:3"], 2,
     "--lam takes a number (0 to 1), got 'x'"),
    ("sweep-huge-log-grid", [*SWEEP, "--p", "1/n2:1:100000"], 2, "asks for 100000 points; a sweep holds at most 1000"),
    ("sweep-huge-grid", [*SWEEP, "--covariance", ",".join(f"{i / 100:g}" for i in range(100)),
                         "--noise", ",".join(f"{i / 100:g}" for i in range(11))], 2, "this grid has 1100"),
    ("sweep-unsweepable", [*SWEEP, "--seeds", "1,2", "--n", "4,5"], 0, None),  # seeds are a list, not an axis
    # --- store verbs
    ("info-short-key", [*RUN[:2], "store", "info", "zz"], 2, "at least 4 hexadecimal"),
    ("info-path-key", [*RUN[:2], "store", "info", "../../etc"], 2, "at least 4 hexadecimal"),
    ("info-unknown-key", [*RUN[:2], "store", "info", "feedbeef"], 2, "no stored run has key feedbeef"),
    ("gc-bad-size", [*RUN[:2], "store", "gc", "--max-bytes", "huge"], 2, "500M or 2G"),
    ("rm-short-key", [*RUN[:2], "store", "rm", "zz"], 2, "at least 4 hexadecimal"),
    ("rm-path-key", [*RUN[:2], "store", "rm", "../../etc"], 2, "at least 4 hexadecimal"),
    ("rm-unknown-key", [*RUN[:2], "store", "rm", "feedbeef"], 2, "no stored run has key feedbeef"),
    ("gc-negative-size", [*RUN[:2], "store", "gc", "--max-bytes", "-5"], 2, "500M or 2G"),
    ("export-unknown-key", [*RUN[:2], "store", "export", "feedbeef", "--out", "{tmp}/x"], 2, "no stored run"),
    ("export-clash", [*RUN[:2], "store", "export", "{key}", "--out", "{tmp}/full"], 2, "empty or new folder"),
    ("export-into-a-file", [*RUN[:2], "store", "export", "{key}", "--out", "{file}"], 2, "is a file; an entry exports"),
    ("reproduce-out-a-file", [*RUN[:2], "reproduce", "001-fig2", "--scale", "tiny", "--out", "{file}"], 2,
     "is a file; the figures go into a folder"),
    ("reproduce-out-impossible", [*RUN[:2], "reproduce", "001-fig2", "--scale", "tiny", "--out", "/proc/x/figs"], 2,
     "cannot make or write into this folder"),
    ("reproduce-out-holds-figures", [*RUN[:2], "reproduce", "001-fig2", "--scale", "tiny", "--out", "{tmp}/figs"],
     2, "already holds 001-fig2.png; pass --force to replace them"),
    ("export-a-run-key", [*RUN[:2], "store", "export", "{run}", "--out", "{tmp}/x"], 2,
     "is a run's key; export takes one entry (one seed): its entries are"),
    ("lessons-base-not-a-url", [*RUN[:2], "lessons", "--base", "not a url"], 2, "is not the app's address"),
    ("lessons-binder-not-a-repo", [*RUN[:2], "lessons", "--binder", "javascript:alert(1)"], 2,
     "is not a GitHub repository"),
    ("lessons-binder-and-base", [*RUN[:2], "lessons", "--binder", "a/b", "--base", "/dynamics"], 2,
     "not both"),
    ("lessons-base-javascript", [*RUN[:2], "lessons", "--base", "javascript:alert(1)"], 2,
     "is not the app's address"),
    ("negative-in-exponent-form", ["--store", "{store}", "run", "bimt", "--lam", "-1e-3"], 2,
     "--lam must lie in [0, 1], got -0.001"),
    ("sweep-negative-list", ["--store", "{store}", "sweep", "bimt", "--lam", "-1e-3,1e-3"], 2,
     "--lam must lie in [0, 1], got -0.001"),
    ("bimt-never-swaps", ["--store", "{store}", "run", "bimt", "--steps", "200"], 2,
     "swaps neurons every 200 steps before the last, and training has 200 steps, so it would never swap"),
    ("tasks-repeated", ["--store", "{store}", "run", "bimt", "--tasks", "go,anti,go"], 2,
     "the task 'go' is chosen more than once"),
    ("export-out-empty", [*RUN[:2], "store", "export", "{key}", "--out", ""], 2,
     "--out needs a folder to export into (it is empty)."),
    ("env-max-bytes-garbage", [*RUN[:2], "store", "ls"], 2,
     "$EXPLORER_STORE_MAX_BYTES: a store size must be a number of bytes such as 500M or 2G, got 'abc'. Unset it"),
    ("reproduce-list-and-names", ["reproduce", "--list", "000-fig4b"], 2, "--list names every figure and takes no"),
    # --- a home folder that does not exist ("~nobody/…": Path.expanduser raised a RuntimeError, a traceback)
    ("store-no-such-home", ["--store", "~nosuchuser_xq/s", "run", "specialization", *NEW], 2,
     "the store ~nosuchuser_xq/… names a home folder that does not exist here"),
    ("sweep-out-no-such-home", [*SWEEP, "--n", "5,6", "--out", "~nosuchuser_xq/x.nc"], 2,
     "--out ~nosuchuser_xq/… names a home folder"),
    ("reproduce-out-no-such-home", [*RUN[:2], "reproduce", "001-fig2", "--scale", "tiny", "--out",
                                    "~nosuchuser_xq/f"], 2, "--out ~nosuchuser_xq/… names a home folder"),
    ("export-out-no-such-home", [*RUN[:2], "store", "export", "{key}", "--out", "~nosuchuser_xq/x"], 2,
     "--out ~nosuchuser_xq/… names a home folder"),
    ("data-dir-no-such-home", [*RUN, *NEW, "--dataset", "mnist", "--data-dir", "~nosuchuser_xq/d"], 2,
     "the data folder ~nosuchuser_xq/… names a home folder"),
    ("gc-max-bytes-huge", [*RUN[:2], "store", "gc", "--max-bytes", "9" * 400], 2,
     "a store size must be below 9000000T, got '99999"),
    ("env-app-defaults-garbage", [*RUN[:2], "lessons", "--warm"], 2,
     "$EXPLORER_APP_DEFAULTS must be a JSON object keyed by study"),
    ("tasks-one", ["--store", "{store}", "run", "bimt", "--tasks", "dm1"], 2,
     "they need two tasks or more; 'dm1' is one. Add another task, e.g. 'dm1,anti'"),
    ("perturb-repeated", ["--store", "{store}", "run", "growth", "--perturb", "W_R,tau,W_R"], 2,
     "perturbed parameters list W_R more than once"),
    ("start-times-three", [*RUN, "--start-times", "0,1,2"], 2, "one step per digit (two), got 3"),
    ("sweep-start-times-commas", ["--store", "{store}", "sweep", "specialization", "--start-times", "0,1,1,0"], 2,
     "got 4; a sweep separates values of --start-times with ';', since each value is a comma list itself."),
    ("export-unwritable", [*RUN[:2], "store", "export", "{key}", "--out", "/proc/nonexistent/x"], 1,
     "nothing stored was changed"),
    # --- a store full of garbage entries still answers
    ("garbage-info-unreadable", ["--store", "{garbage}", "store", "info", "aaaa1"], 2, "is unusable"),
    ("garbage-info-wrong-type", ["--store", "{garbage}", "store", "info", "aaaa4"], 2, "is unusable"),
    ("garbage-info-a-file", ["--store", "{garbage}", "store", "info", "bbbb"], 2, "is unusable"),
    ("garbage-info-ambiguous", ["--store", "{garbage}", "store", "info", "aaaa"], 2, "ambiguous"),
    ("garbage-export", ["--store", "{garbage}", "store", "export", "aaaa2", "--out", "{tmp}/x"], 2, "is unusable"),
    # --- failures while training: their own codes, nothing half-written kept
    ("interrupted", [*RUN, *NEW], 130, CANCELLED),
    ("cancelled", [*RUN, *NEW], 130, CANCELLED),
    ("diverged", [*RUN, *NEW], 1, "loss is not a number"),
    ("disk-full", [*RUN, *NEW], 1, "No space left on device"),
    *_generated(),
]
FAILS = {"interrupted": KeyboardInterrupt(), "diverged": FloatingPointError("the loss is not a number at epoch 1"),
         "disk-full": OSError(28, "No space left on device")}


def _garbage_store(root):
    runs = root / "runs"
    key = lambda start: start + "0" * (24 - len(start))   # named like entries: a store's keys are 24 hex digits
    for name, text in {"aaaa1": "not json", "aaaa2": "[1, 2]", "aaaa3": '{"config": "text"}',
                       "aaaa4": '{"config": {"study": "specialization", "n": 4}, "provenance": "x", "seed": "z"}',
                       "aaaa6": '{"config": {"study": "nosuch"}, "seed": 3}'}.items():
        (runs / key(name)).mkdir(parents=True)
        (runs / key(name) / "config.json").write_text(text)
    (runs / key("aaaa5")).mkdir()
    (runs / key("bbbbf")).write_text("not an entry")
    (runs / "notes").mkdir()   # not named like an entry: never listed, checked or removed
    (runs / "notes" / "config.json").write_text("a user's own folder")


def _snapshot(root) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "runs").rglob("*")) if p.is_file()}


@pytest.fixture
def places(tmp_path):
    store = Store(tmp_path / "store")
    store.get_or_run(STORED, runner=lambda c, **kw: fake_result(c))
    (tmp_path / "afile").write_text("a regular file\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "results.csv").write_text("x\n")
    (tmp_path / "ro").mkdir()
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "001-fig2.png").write_bytes(b"a figure made earlier")
    _garbage_store(tmp_path / "garbage")
    return {"store": str(store.root), "file": str(tmp_path / "afile"), "tmp": str(tmp_path),
            "garbage": str(tmp_path / "garbage"), "key": STORED.key(0), "run": STORED.run_key()}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_sentence(case, places, trainer, read_only, monkeypatch, capsys, tmp_path):
    name, argv, code, words = case
    argv = [a.format(**places) for a in argv]
    if name == "env-store-is-a-file":
        monkeypatch.setenv("EXPLORER_STORE", places["file"])
    if name == "env-max-bytes-garbage":
        monkeypatch.setenv("EXPLORER_STORE_MAX_BYTES", "abc")
    if name == "env-app-defaults-garbage":
        monkeypatch.setenv("EXPLORER_APP_DEFAULTS", "{not json")
    if name.startswith("store-read-only"):
        read_only(places["store"])
    if name == "sweep-out-read-only":
        read_only(tmp_path / "ro")
    if name == "cancelled":
        from explorer.core.cancel import Cancelled
        trainer.fail = Cancelled("run cancelled")
    trainer.fail = FAILS.get(name, trainer.fail)
    before = _snapshot(tmp_path / "store")
    got = main(argv)
    out, err = capsys.readouterr()
    assert got == code, (argv, err)
    assert "Traceback" not in err
    if code == 0:
        assert err == ""
    else:
        assert err.startswith("explorer: ") and err.count("\n") == 1 and err.endswith("\n"), err
        assert words in err, err
        if words == "":   # a generated case: the sentence names the setting
            field = name.split("-")[1]
            assert any(w in err for w in (field, field.replace("_", " "), "--" + field.replace("_", "-"),
                                          "expected", "ignored")), err
    assert "0 entries" not in out
    after = _snapshot(tmp_path / "store")
    assert before.items() <= after.items()           # nothing already stored is lost or changed
    assert after == before or code == 0              # and a refused request stores nothing
    trains = name in FAILS or name in ("cancelled", "sweep-unsweepable")
    assert bool(trainer.calls) == trains, trainer.calls
    if trains and code:
        assert not list((tmp_path / "store" / "tmp").glob("*"))   # nothing half-written left behind
    BATTERY.append(name)


def test_a_read_only_store_still_answers_what_it_holds(places, trainer, read_only, capsys):
    read_only(places["store"])
    assert main(["--store", places["store"], "run", "specialization", *TINY, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["cached"] is True and err == "" and not trainer.calls
    assert main(["--store", places["store"], "store", "ls"]) == 0
    assert "2 entries" in capsys.readouterr().out


def test_a_store_full_of_garbage_still_lists(places, capsys):
    assert main(["--store", places["garbage"], "store", "ls"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "6 entries" in out and "aaaa4" in out
    assert main(["--store", places["garbage"], "store", "ls", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6 and {r["seed"] for r in rows} == {None, 3}


def test_a_folder_inside_a_store_is_refused_and_its_store_keeps_every_entry(places, capsys):
    """--store pointed at a store's runs/ folder was taken as a store: the real store then listed runs/, locks/
    and tmp/ as damaged entries, and `store verify --fix` removed them with the entry they held."""
    from pathlib import Path

    store = Path(places["store"])
    for inner in ("runs", "locks", "runs/" + places["key"]):
        assert main(["--store", str(store / inner), "store", "ls"]) == 2
        assert f"is inside the store at {store}, not a store of its own; give --store" in capsys.readouterr().err
    assert main(["--store", str(store / "runs"), "run", "specialization", *NEW]) == 2
    assert not (store / "runs" / "runs").exists()
    (store / "runs" / "scratch").mkdir()   # a folder not named like an entry, in the real store
    assert main(["--store", str(store), "store", "verify", "--fix"]) == 0
    out = capsys.readouterr().out
    assert (store / "runs" / places["key"]).is_dir() and (store / "runs" / "scratch").is_dir(), out


@pytest.mark.parametrize("argv, env", [
    (["run", "specialization", *NEW], {"EXPLORER_STORE": "{file}"}),
    (["--store", "/proc/nonexistent/x", "run", "specialization", *NEW], {}),
    (["--store", "{file}", "store", "ls"], {}),
    (["sweep", "specialization", "--n", "4,5", "--out", "/missing/dir/x.nc"], {"EXPLORER_STORE": "{tmp}/s"}),
], ids=["env-file", "missing-parent", "ls-file", "sweep-out"])
def test_in_a_real_process(argv, env, places):
    """The console script itself: one line, exit 2, nothing else on stderr."""
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "explorer.cli", *[a.format(**places) for a in argv]],
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd(),
                              **{k: v.format(**places) for k, v in env.items()}})
    assert out.returncode == 2 and out.stderr.startswith("explorer: ") and out.stderr.count("\n") == 1, out.stderr
    assert "0 entries" not in out.stdout
    BATTERY.append(f"process-{argv[0]}")


def test_a_run_with_one_damaged_seed_still_shows_and_removes_whole(places, capsys):
    """`store info RUN` refused the whole run when one seed's entry was damaged: the healthy seeds could not be
    seen. It shows them and names the damaged one; `store rm RUN` removes both."""
    from pathlib import Path

    damaged = Path(places["store"]) / "runs" / STORED.key(1) / "result.nc"
    damaged.write_bytes(b"not netcdf")
    assert main(["--store", places["store"], "store", "info", places["run"]]) == 0
    out = capsys.readouterr().out
    assert "seeds stored                  0\n" in out and f"stored run {STORED.key(1)} is unusable" in out
    assert main(["--store", places["store"], "store", "info", places["run"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["seed"] for e in shown["entries"]] == [0] and shown["unusable"][0]["key"] == STORED.key(1)
    assert main(["--store", places["store"], "store", "rm", places["run"]]) == 0
    assert "removed 2 entries (every seed of the run)" in capsys.readouterr().out
