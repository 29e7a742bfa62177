import json
import subprocess
import sys

import pytest

from explorer.cli import main

TINY = ["--n", "6", "--epochs", "1", "--pairs-per-epoch", "256", "--seeds", "2", "--steps", "3"]


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
    (["--comms-start", "9"], "comms_start must be an integer from 0 to 4"),
    (["--seeds", "0"], "--seeds must be at least 1"),
    (["--epochs", "ten"], "invalid int value"),
])
def test_bad_values_exit_2_with_one_readable_line(argv, words, capsys):
    code = main(["run", "specialization", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_value_in_a_real_process_prints_no_traceback():
    out = subprocess.run([sys.executable, "-m", "explorer.cli", "run", "specialization", "--p", "7"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("explorer: p must lie in") and "Traceback" not in out.stderr


def test_json_output_has_the_documented_fields(capsys):
    assert main(["run", "specialization", *TINY, "--p", "1/n2", "--json", "--no-cache"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["p"] == pytest.approx(1 / 36)
    assert out["Q"] == pytest.approx((1 - 1 / 36) / (2 * (1 + 1 / 36)))
    assert len(out["Q_measured"]) == 2 and len(out["accuracy"]) == 2
    for m in ("bottleneck", "ablation", "correlation", "weight_mask"):
        assert len(out["specialization"][m]) == 3 and len(out["specialization_sd"][m]) == 3
        assert all(0 <= v <= 1 for v in out["specialization"][m])
    acc_wm = out["weight_mask_accuracy"]                 # per time step: [digit 0, digit 1]
    assert len(acc_wm) == 3 and all(len(row) == 2 and all(0 <= a <= 1 for a in row) for row in acc_wm)


def test_readable_summary(capsys):
    assert main(["run", "specialization", *TINY, "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "global-task test accuracy" in out and "weight_mask" in out
    assert "weight masks' test accuracy on their digit" in out
