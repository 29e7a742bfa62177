"""Progress events in words: the one sentence and bar share the app, a notebook and the CLI show."""
from __future__ import annotations

import math

from explorer.core.progress import TRAINING_SHARE, progress_words


def test_training_words_say_networks_epoch_loss_and_accuracy():
    event = {"stage": "train", "epoch": 1, "epochs": 4, "fraction": 0.5, "seeds": [0, 1, 2],
             "loss": [0.5, 0.7, math.nan], "accuracy": [0.8, 0.9, 1.0]}
    percent, words = progress_words(event)
    assert percent == TRAINING_SHARE * 0.5
    assert words == "Training 3 networks as one ensemble · epoch 3 of 4 · loss 0.600 · test accuracy 0.90"


def test_a_newer_accuracy_replaces_the_events_own_and_the_last_epoch_is_not_passed():
    event = {"stage": "train", "epochs": 2, "fraction": 1.0, "seeds": [0], "loss": [0.1], "accuracy": None}
    percent, words = progress_words(event, accuracy=[0.5])
    assert percent == TRAINING_SHARE
    assert words == "Training 1 network as one ensemble · epoch 2 of 2 · loss 0.100 · test accuracy 0.50"


def test_measuring_fills_the_rest_of_the_bar_and_a_part_prefixes_every_stage():
    percent, words = progress_words({"stage": "metrics", "fraction": 0.5, "metric": "correlation",
                                     "part": "cell 2 of 3"})
    assert percent == TRAINING_SHARE + (100 - TRAINING_SHARE) / 2
    assert words == "cell 2 of 3 · Measuring correlation …"
    assert progress_words({"stage": "metrics"})[1] == "Measuring the measures …"
    assert progress_words({"stage": "message", "text": "Computing", "percent": 40}) == (40, "Computing")
    assert progress_words({"stage": "queued"})[1].startswith("Waiting for another session")
    assert progress_words({"stage": "queued", "own": True})[1] == "Stopping the previous run first …"


def test_a_page_waiting_for_its_own_previous_run_does_not_blame_another_session():
    """One page open, a new setting asked while its last run was still stopping: it said "Waiting for another
    session's training" for about 1.7 s. The slot knows who holds it."""
    import threading
    import time

    from explorer.ui.live import training_slot

    said, page, other = [], object(), object()
    cancel = threading.Event()
    waiters = []
    with training_slot(cancel, owner=page):
        for who in (page, other):   # the slot is held by ``page``: each waiter says whose run it waits for
            waiters.append(threading.Thread(target=_hold, args=(training_slot(cancel, said.append, owner=who),)))
            waiters[-1].start()
            deadline = time.monotonic() + 5
            while len(said) < len(waiters) and time.monotonic() < deadline:
                time.sleep(0.01)
    for waiter in waiters:
        waiter.join(5)
    assert said == [True, False]


def _hold(slot):
    with slot:
        pass


def test_events_that_say_nothing_give_no_words_and_markup_is_left_to_the_caller():
    assert progress_words({"stage": "done"}) == (None, None)
    assert progress_words({"stage": "message", "text": "<b>x</b>"})[1] == "<b>x</b>"   # escaped where it is shown


def test_outside_a_notebook_the_bar_prints_one_line_per_stage_and_metric_not_per_step(capsys):
    from explorer.notebook import progress

    bar = progress("run", bar=False)
    for f in (0.25, 0.5, 1.0):
        bar({"stage": "train", "epochs": 2, "fraction": f, "seeds": [0], "loss": [0.5]})
    for metric in ("correlation", "correlation", "ablation"):
        bar({"stage": "metrics", "fraction": 0.5, "metric": metric})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("run: Training 1 network")
    assert "Measuring correlation" in lines[1] and "Measuring ablation" in lines[2]


def test_a_study_trained_for_a_number_of_steps_is_told_in_steps():
    """BIMT's "epochs" are blocks of swap_every steps: its progress says step k of T, not epoch 4 of 20."""
    event = {"stage": "train", "epoch": 3, "epochs": 20, "fraction": 0.2, "seeds": [0, 1, 2], "loss": [0.9],
             "accuracy": None, "step": 800, "total_steps": 4000}
    assert progress_words(event) == (TRAINING_SHARE * 0.2, "Training 3 networks as one ensemble · step 800 of 4000 "
                                                           "· loss 0.900")


def test_fit_puts_the_total_steps_into_every_event_when_given():
    import torch

    from explorer.core.fit import fit

    def run(**extra):
        events = []
        fit(epochs=2, n_batches=3, seeds=[0], batches=lambda e: range(3), step=lambda b: torch.zeros(1),
            on_progress=events.append, report_every=1, **extra)
        return events

    steps = run(total_steps=6)
    assert steps and all(e["total_steps"] == 6 for e in steps) and steps[-1]["step"] == 6
    assert progress_words(steps[-1])[1].endswith("step 6 of 6 · loss 0.000")
    assert all("total_steps" not in e for e in run())


def test_a_part_of_the_run_tells_its_own_epoch_while_the_bar_follows_the_whole_run():
    """The growth study trains its two architectures as lanes: the bar is their mean, the epoch the lane's own."""
    percent, words = progress_words({"stage": "train", "epochs": 20, "fraction": 0.3, "epoch_fraction": 0.6,
                                     "part": "growing modules", "seeds": [0, 1, 2]})
    assert percent == TRAINING_SHARE * 0.3
    assert words == "growing modules · Training 3 networks as one ensemble · epoch 13 of 20"


def test_the_growth_lanes_report_their_part_and_epoch():
    from explorer.studies.growth.core import train_and_measure

    events = []
    tiny = {"module_size": 4, "n_max": 4, "epochs": 2, "steps_per_epoch": 4, "batch_size": 16, "lr": 0.3}
    train_and_measure(tiny, [0], on_progress=events.append)
    train = [e for e in events if e.get("stage") == "train"]
    assert {e["part"] for e in train} == {"growing modules", "non-modular RNN"}
    for e in train:   # the words follow the event's own lane, whatever the other lane has done
        assert f"epoch {min(int(e['epoch_fraction'] * 2) + 1, 2)} of 2" in progress_words(e)[1]


def test_a_job_says_a_users_error_in_its_sentence_and_logs_a_bug_with_its_traceback(caplog):
    """Every ValueError was shown as a sentence and never logged, so a bug raising one (a shape mismatch) lost
    its traceback (a reviewer's catch). A user's error (bad setting, store path, diverged training) is said as it
    is; anything else is logged in full and said as "the run failed: …"."""
    import logging

    from explorer.core.config import ConfigError
    from explorer.store.catalogue import StoreError
    from explorer.ui.live import LiveJob

    def fail(exc):
        def work(report, cancel):
            raise exc
        return work

    said = []
    for exc in (ConfigError("n must be at least 2."), StoreError("the store is a file."),
                FloatingPointError("training diverged."), ValueError("operands could not be broadcast")):
        job = LiveJob()
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="explorer.ui"):
            job.submit(fail(exc)).join()
        said.append((job.error, bool([r for r in caplog.records if r.exc_info])))
    assert said == [("n must be at least 2.", False), ("the store is a file.", False),
                    ("training diverged.", False), ("the run failed: operands could not be broadcast", True)]


def test_the_time_a_run_has_trained_and_has_left():
    """The page's status while training says how long it has trained and, for a run of a known number of steps
    once a tenth is done, about how long it has left; never for a run that may stop early or trains in parts."""
    from explorer.core.progress import time_words

    steps = {"stage": "train", "fraction": 0.25, "total_steps": 4000, "step": 1000}
    assert time_words(12.4, steps) == " · 12 s · about 37 s of training left"
    assert time_words(60.0, {**steps, "fraction": 0.2}) == " · 60 s · about 4 min of training left"
    assert time_words(99.0, {**steps, "fraction": 0.995}) == " · 99 s"   # under a second: no "0 s left"
    assert time_words(3.0, {**steps, "fraction": 0.05}) == " · 3 s"         # too early to tell
    assert time_words(12.0, {**steps, "part": "growing modules"}) == " · 12 s"
    epochs = {"stage": "train", "fraction": 0.5, "epochs": 150, "epoch": 75}   # until an accuracy, at most 150
    assert time_words(30.0, epochs) == " · 30 s"
    assert time_words(40.0, {"stage": "metrics", "fraction": 0.5}) == " · 40 s"


def test_the_networks_kept_at_the_criterion_are_said():
    """Once some networks reached the criterion only the others train, and the line says so: its loss and
    accuracy are theirs (a mean over the whole ensemble, stopped networks included, once read "0.84" for 100
    epochs while the one network still training sat at 0.80: a reviewer)."""
    nan = float("nan")
    event = {"stage": "train", "epoch": 50, "epochs": 150, "fraction": 0.33, "seeds": [0, 1, 2],
             "loss": [nan, nan, 0.5], "accuracy": [nan, nan, 0.80], "stopped": 2}
    assert progress_words(event)[1] == ("Training 1 network on (2 of 3 at the criterion, kept there) · epoch 50 of "
                                        "150 · loss 0.500 · test accuracy 0.80")
    assert progress_words({**event, "seeds": [0, 1, 2, 3]})[1].startswith(
        "Training 2 networks on as one ensemble (2 of 4 at the criterion, kept there) · ")
    assert "criterion" not in progress_words({**event, "stopped": 0})[1]
    assert "criterion" not in progress_words({**event, "stopped": 3})[1]


def test_training_events_count_the_networks_that_stopped():
    """Every training event after a network stopped says how many did, mid-epoch ones too (so the line does not
    flicker between the epoch ends' words and the others')."""
    import torch

    from explorer.core.fit import fit, hook

    events = []
    stopped = torch.tensor([True, False, False])
    fit(epochs=3, n_batches=2, seeds=[0, 1, 2], batches=lambda e: [0, 1], on_progress=events.append, report_every=1,
        step=lambda b: torch.where(stopped, float("nan"), 0.5) if len(events) > 2 else torch.full((3,), 0.5),
        hooks=[hook(after_epoch=lambda e, losses: {"stopped": stopped})])
    assert [e.get("stopped") for e in events] == [None, None, 1] + [1] * 6
    assert all(progress_words(e)[1].startswith("Training 2 networks on as one ensemble") for e in events[2:])
