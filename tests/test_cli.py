"""The command line: flags generated from every study's settings, run --json / text, the store round trip
(entries and run keys), aliases, and what a cached answer imports."""
import json
import os
import subprocess
import sys

import pytest

from explorer import studies
from explorer.cli import main
from explorer.cli.flags import first_sentence
from explorer.core.fields import flag_of

TINY = ["--n", "6", "--epochs", "1", "--pairs-per-epoch", "256", "--seeds", "2", "--steps", "3"]
ENV = {**os.environ, "PYTHONPATH": os.getcwd()}


@pytest.mark.parametrize("argv, words", [
    (["--p", "2"], "p must lie in [1/n², 1]"),
    (["--p", "0.0001", "--n", "10"], "p must lie in [1/n², 1]"),
    (["--p", "lots"], "p must be a number"),
    (["--n", "1"], "n (neurons per module) must be an integer from 2"),
    (["--dataset", "cifar"], "dataset must be one of digits, mnist, emnist-letters"),
    (["--start-times", "0,5", "--steps", "5"], "start time of digit 1 must be a step in [0, T−1]"),
    (["--start-times", "x"], "start times must be"),
    (["--covariance", "1.5"], "covariance must lie in [0, 1]"),
    (["--input", "both"], "input must be one of separate, fused, common"),
    (["--comms-start", "9"], "--comms-start must be an integer from 0 to 4"),   # named by the flag typed
    (["--seeds", "0"], "the number of seeds must be from 1 to 64, got 0"),
    (["--seeds", "10000"], "the number of seeds must be from 1 to 64, got 10000"),
    (["--epochs", "ten"], "--epochs takes an integer (1 to 10000), got 'ten'"),
])
def test_bad_values_exit_2_with_one_readable_line(argv, words, capsys, tmp_path):
    code = main(["--store", str(tmp_path / "s"), "run", "specialization", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "s").exists()   # refused before the store is touched


def test_bad_value_in_a_real_process_prints_no_traceback():
    out = subprocess.run([sys.executable, "-m", "explorer.cli", "run", "specialization", "--p", "7"],
                         capture_output=True, text=True, env=ENV)
    assert out.returncode == 2
    assert out.stderr.startswith("explorer: --p must lie in") and "Traceback" not in out.stderr   # the flag typed
    assert out.stderr.count("\n") == 1


def test_every_study_has_run_and_sweep_with_a_flag_per_setting(capsys):
    for name in studies.names():
        settings = studies.get(name).config_class.settings()
        for verb in ("run", "sweep"):
            assert main([verb, name, "--help"]) == 0
            help_ = " ".join(capsys.readouterr().out.split())
            for field, s in settings.items():
                flag = flag_of(field, s)
                assert (f"{flag}, --no-{flag[2:]}" in help_) if s.kind == "bool" else (f"{flag} " in help_), flag
                assert " ".join(first_sentence(s.cli_help or s.doc).split())[:40] in help_, flag


def test_help_shows_bounds_and_defaults(capsys):
    assert main(["run", "specialization", "--help"]) == 0
    help_ = " ".join(capsys.readouterr().out.split())
    assert "--n INT Neurons per module (Béna & Goodman 2023b, eq. 3). [2 to 512] (default: 25)" in help_
    assert "--one-target" in help_ and "--seeds K|LIST" in help_ and "(default: 0,1,2,3,4)" in help_


def test_json_run_is_stored_and_served_with_its_keys(capsys, tmp_path):
    store = ["--store", str(tmp_path / "s")]
    assert main([*store, "run", "specialization", *TINY, "--p", "1/n2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    from explorer.studies.specialization.config import SpecializationConfig
    cfg = SpecializationConfig(n=6, epochs=1, pairs_per_epoch=256, seeds=2, steps=3, p="1/n2")
    assert list(out)[:4] == ["config", "key", "entries", "cached"]
    assert out["config"] == cfg.canonical() and out["key"] == cfg.run_key()
    assert out["entries"] == [cfg.key(0), cfg.key(1)] and out["cached"] is False
    assert out["config"]["p"] == pytest.approx(1 / 36)
    assert out["Q"] == pytest.approx((1 - 1 / 36) / (2 * (1 + 1 / 36)))
    assert len(out["Q_measured"]) == 2 and len(out["accuracy"]) == 2
    for m in ("bottleneck", "ablation", "correlation", "weight_mask"):
        assert len(out["specialization"][m]) == 3 and len(out["specialization_sd"][m]) == 3
        assert all(0 <= v <= 1 for v in out["specialization"][m])
    acc_wm = out["weight_mask_accuracy"]                 # per time step: [digit 0, digit 1]
    assert len(acc_wm) == 3 and all(len(row) == 2 and all(0 <= a <= 1 for a in row) for row in acc_wm)

    assert main([*store, "run", "specialization", *TINY, "--p", "1/n2", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["cached"] is True and {**again, "cached": False} == out   # the same numbers, from the store

    assert main([*store, "run", "specialization", *TINY, "--p", "1/n2"]) == 0   # the readable summary
    text = capsys.readouterr().out
    assert "[from the store]" in text and "global-task test accuracy" in text and "weight_mask" in text
    assert "weight masks' test accuracy on their digit" in text

    assert main([*store, "store", "info", out["key"], "--json"]) == 0      # the run key names every seed
    run = json.loads(capsys.readouterr().out)
    assert [e["key"] for e in run["entries"]] == out["entries"]
    assert [e["summary"]["accuracy"] for e in run["entries"]] == pytest.approx(out["accuracy"])


def test_no_cache_trains_and_stores_nothing(capsys, tmp_path):
    assert main(["--store", str(tmp_path / "s"), "run", "specialization", *TINY, "--seeds", "1", "--no-cache"]) == 0
    assert "global-task test accuracy" in capsys.readouterr().out
    assert not (tmp_path / "s").exists()
    assert main(["--store", str(tmp_path / "s"), "run", "specialization", *TINY, "--seeds", "1", "--no-cache",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["cached"], out["stored"]) == (False, False) and not (tmp_path / "s").exists()


def test_boolean_flags_and_the_old_one_target_spelling(capsys, tmp_path, monkeypatch):
    import explorer.studies.specialization.run as run
    from test_store import fake_run

    seen = []
    monkeypatch.setattr(run, "run_many", lambda cs, **kw: [seen.append(c) or fake_run(c) for c in cs])
    store = ["--store", str(tmp_path / "s")]
    for flags, two, excl in ([], True, False), (["--one-target"], False, False), (["--no-two-targets"], False, False), \
            (["--exclusion"], True, True), (["--no-exclusion", "--two-targets"], True, False):
        assert main([*store, "run", "specialization", *TINY, *flags, "--json"]) == 0, flags
        cfg = json.loads(capsys.readouterr().out)["config"]
        assert (cfg["two_targets"], cfg["exclusion"]) == (two, excl), flags
    assert len(seen) == 3   # --one-target and --no-two-targets are one run; the defaults twice too


def _in_a_process(args, store) -> dict:
    """Run the console script's main() in a fresh process; return the heavy modules it imported."""
    code = ("import sys, json; from explorer.cli import main; sys.argv = ['explorer', *json.loads(sys.argv[1])]; "
            "code = main(); heavy = [m for m in ('torch', 'dask', 'panel', 'param', 'holoviews', 'tqdm', "
            "'distributed') if m in sys.modules]; print(json.dumps(heavy), file=sys.stderr); sys.exit(code)")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True,
                         env={**ENV, "EXPLORER_STORE": str(store)})
    assert out.returncode == 0, out.stderr
    return {"out": out.stdout, "heavy": json.loads(out.stderr.strip().splitlines()[-1])}


def test_a_sweep_cell_s_json_values_run_that_cell(capsys, tmp_path):
    """A log grid's p came out of `sweep --json` rounded to 6 digits (0.0464159), and a run with it was another
    run (trained again); a "1/n2" cell gave no number for its p. Now the labels are exact and the number a label
    stands for is there too (p_value)."""
    store = ["--store", str(tmp_path / "s")]
    tiny = ["--epochs", "1", "--pairs-per-epoch", "256", "--seeds", "1", "--steps", "3", "--no-progress"]
    assert main([*store, "sweep", "specialization", "--n", "6", "--p", "1/n2:1:3", *tiny, "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert [c["p"] for c in cells] == pytest.approx([1 / 36, 1 / 6, 1]) and cells[1]["p"] != round(cells[1]["p"], 6)
    assert [c["p_value"] for c in cells] == [c["p"] for c in cells]
    for cell in cells:
        assert main([*store, "run", "specialization", "--n", "6", "--p", repr(cell["p"]), *tiny[:-1], "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["cached"] is True and out["key"] == cell["key"]
    assert main([*store, "sweep", "specialization", "--n", "6,7", "--p", "1/n2,1", *tiny, "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert [(c["n"], c["p"], c["p_value"]) for c in cells] == [(6, "1/n2", 1 / 36), (6, "1.0", 1.0),
                                                               (7, "1/n2", 1 / 49), (7, "1.0", 1.0)]


def test_help_and_a_cached_json_answer_import_no_torch_dask_or_panel(tmp_path, capsys):
    from test_store import fake_run

    from explorer.store import Store
    from explorer.studies.specialization.config import SpecializationConfig
    cfg = SpecializationConfig(n=6, epochs=1, pairs_per_epoch=256, seeds=2, steps=3)
    Store(tmp_path / "s").get_or_run(cfg, runner=fake_run)
    cached = _in_a_process(["run", "specialization", *TINY, "--json"], tmp_path / "s")
    assert json.loads(cached["out"])["cached"] is True and cached["heavy"] == []
    text = _in_a_process(["run", "specialization", *TINY], tmp_path / "s")
    assert "[from the store]" in text["out"] and text["heavy"] == []
    assert _in_a_process(["store", "info", cfg.run_key()], tmp_path / "s")["heavy"] == []
    helped = subprocess.run([sys.executable, "-c", "import sys; from explorer.cli import main; sys.argv = "
                             "['explorer', '--help']\ntry: main()\nexcept SystemExit: pass\nprint([m for m in "
                             "('torch', 'dask', 'panel', 'param', 'xarray') if m in sys.modules])"],
                            capture_output=True, text=True, env=ENV)
    assert "run" in helped.stdout and helped.stdout.strip().endswith("[]")


def _strict(text: str):
    """Parse as RFC 8259 JSON (Python's json module alone would accept NaN)."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_json_output_is_strict_json_a_missing_value_is_null(capsys, tmp_path):
    from explorer.core.jsontext import json_text

    assert json_text({"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf")}}) == \
        '{"a": null, "b": [1.0, null], "c": {"d": null}}'
    # a growth run too short for any task to be solved has measures without a value (ε at which half are kept)
    argv = ["--store", str(tmp_path), "run", "growth", "--module-size", "3", "--n-max", "4", "--epochs", "1",
            "--steps-per-epoch", "5", "--seeds", "1", "--eps-points", "2", "--draws", "1", "--json"]
    assert main(argv) == 0
    out = _strict(capsys.readouterr().out)
    assert out["robustness"]["W_R"]["modular"]["eps_keep"] == [None]   # nothing learnt: nothing kept at any ε
    assert main(["--store", str(tmp_path), "store", "ls", "--json"]) == 0
    _strict(capsys.readouterr().out)


def test_store_flag_after_the_study_as_after_any_command(capsys, tmp_path):
    """`explorer run specialization … --store X` is the same as `explorer --store X run specialization …`."""
    assert main(["run", "specialization", *TINY, "--store", str(tmp_path / "s"), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["--store", str(tmp_path / "s"), "run", "specialization", *TINY, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (first["cached"], again["cached"], again["key"], first["stored"]) == (False, True, first["key"], True)


def test_bimt_summary_says_when_fewer_clusters_than_asked_could_be_made(capsys, tmp_path):
    argv = ["--store", str(tmp_path), "run", "bimt", "--grid", "3", "--steps", "20", "--swap-every", "10",
            "--seeds", "1", "--trials-per-task", "2", "--tasks", "go,anti", "--bank-trials", "8", "--eval-trials", "8",
            "--shuffles", "100", "--clusters", "20"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "clusters: 20 were asked for; seeds with fewer important neurons got" in out


def test_reproduce_writes_where_it_checked(tmp_path, monkeypatch):
    """``--out ~/figs`` is checked as $HOME/figs (not ./~/figs), and made only when a figure is saved there."""
    from explorer.cli.reproduce import out_folder

    monkeypatch.setenv("HOME", str(tmp_path))
    out = out_folder("~/figs")
    assert out == tmp_path / "figs" and not out.exists() and not list(tmp_path.iterdir())   # the probe is gone


def test_version(capsys):
    from explorer import __version__

    with pytest.raises(SystemExit) as e:
        from explorer.cli.main import build_parser
        build_parser().parse_args(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"explorer {__version__}"


def test_store_ls_says_when_there_is_no_store_at_the_path(tmp_path, capsys):
    """A mistyped store path is not silently an empty store: ls says there is none, and whether a run could make
    it; and it makes nothing."""
    from explorer.cli.main import main

    assert main(["--store", str(tmp_path / "typo"), "store", "ls"]) == 0
    assert "0 entries" in (out := capsys.readouterr().out) and "no store there yet: the first run makes it" in out
    (tmp_path / "file").write_text("")
    assert main(["--store", str(tmp_path / "file" / "x"), "store", "ls"]) == 0
    assert "no store there, and none can be made: a file is in the way" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_sweep_splits_list_valued_settings_at_semicolons_and_shows_none_words():
    """--tasks and --perturb take a comma list as one value: a sweep's values of them are separated by ';'
    (docs/settings.md says so); an empty optional setting is shown and accepted by its own word."""
    from types import SimpleNamespace

    from explorer.cli.flags import GIVEN, parse_value, shown_default
    from explorer.cli.sweep import grid_from_args

    growth = studies.get("growth").config_class

    def flags(text):
        return SimpleNamespace(perturb=text, **{GIVEN: ["perturb"]})

    grid, single = grid_from_args(growth, flags("W_R,tau"))
    assert grid == {} and single["perturb"] == "W_R,tau"
    grid, _ = grid_from_args(growth, flags("W_R;W_R,tau"))
    assert grid == {"perturb": ["W_R", "W_R,tau"]}
    duplicate, rnn_lr = growth.settings()["duplicate"], growth.settings()["rnn_lr"]
    assert shown_default(None, duplicate) == "off" and parse_value(growth, "duplicate", duplicate, "off", {}) is None
    assert shown_default(None, rnn_lr) == "same" and parse_value(growth, "rnn_lr", rnn_lr, "same", {}) is None


def test_verify_and_gc_speak_of_what_is_there(tmp_path, capsys):
    """`store verify` where no store is said "all 0 entries … passed"."""
    assert main(["--store", str(tmp_path / "none"), "store", "verify"]) == 0
    assert f"there is no store at {tmp_path / 'none'} yet: nothing to check." in capsys.readouterr().out
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("flags, bars", [([], True), (["--no-progress"], False)])
def test_reproduce_and_lessons_take_no_progress(flags, bars, tmp_path, monkeypatch, capsys):
    """`--no-progress` (as run's and sweep's) turns off the bars `reproduce` and `lessons --warm` draw on a
    terminal (a CLI audit's catch: both refused the flag, so a script could not silence them)."""
    import io

    import explorer.reproduce as reproduce_module
    from explorer.cli import lessons as lessons_cli
    from explorer.cli import run as run_cli
    from explorer.store import memory

    seen = []

    def fake_reproduce(name, scale, store=None, scheduler=None, progress=False):
        seen.append(progress)
        raise KeyboardInterrupt   # what the figure would do is not this test's business

    monkeypatch.setattr(reproduce_module, "reproduce", fake_reproduce)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    store = ["--store", str(tmp_path / "s")]
    assert main([*store, "reproduce", "000-fig4d", "--scale", "tiny", "--out", str(tmp_path / "f"), *flags]) == 130
    assert seen == [bars]

    drawn = []

    class Bar:
        def __init__(self, on):
            drawn.append(on)

        def __call__(self, event):
            pass

        def close(self):
            pass

    monkeypatch.setattr(run_cli, "ProgressBar", Bar)
    monkeypatch.setattr(memory, "get_or_run_many", lambda *a, **kw: [])

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    lessons_cli.warm(str(tmp_path / "s"), out=Terminal(), progress=not flags)
    assert drawn and set(drawn) == {bars}
    drawn.clear()
    assert main([*store, "lessons", "--warm", *flags]) == 0   # the flag itself, through the command line
    assert drawn and set(drawn) == {bars}
    capsys.readouterr()
