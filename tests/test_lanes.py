"""Lanes: independent parts of one run trained at once, with the numbers of one lane."""
import threading
import time

import numpy as np
import pytest

from explorer.core.cancel import Cancelled, check
from explorer.core.lanes import lanes, run_lanes, set_default_lanes
from explorer.studies.growth.config import TINY
from explorer.studies.growth.core import train_and_measure


def test_lane_count_from_the_environment_or_the_process_default(monkeypatch):
    monkeypatch.delenv("EXPLORER_LANES", raising=False)
    set_default_lanes(1)
    assert lanes() == 1
    monkeypatch.setenv("EXPLORER_LANES", "2")
    assert lanes() == 2
    monkeypatch.setenv("EXPLORER_LANES", "many")
    assert lanes() == 1


def test_jobs_run_at_once_and_return_by_name(monkeypatch):
    monkeypatch.setenv("EXPLORER_LANES", "2")
    both = threading.Barrier(2, timeout=10)     # each job waits for the other: only passes if they overlap

    def job(name):
        return lambda cancel: (both.wait(), name)[1]

    assert run_lanes({"a": job("a"), "b": job("b")}) == {"a": "a", "b": "b"}


def test_a_failing_lane_stops_the_other_and_its_error_is_raised(monkeypatch):
    monkeypatch.setenv("EXPLORER_LANES", "2")
    stopped = threading.Event()

    def slow(cancel):
        for _ in range(500):
            try:
                check(cancel)
            except Cancelled:
                stopped.set()
                raise
            time.sleep(0.01)
        return "finished"

    def bad(cancel):
        time.sleep(0.05)
        raise FloatingPointError("diverged")

    with pytest.raises(FloatingPointError, match="diverged"):
        run_lanes({"slow": slow, "bad": bad})
    assert stopped.is_set()


def test_cancel_reaches_every_lane(monkeypatch):
    monkeypatch.setenv("EXPLORER_LANES", "2")
    flag = threading.Event()
    flag.set()
    with pytest.raises(Cancelled):
        run_lanes({"a": lambda c: check(c), "b": lambda c: check(c)}, flag)


def test_ctrl_c_while_the_lanes_train_stops_them_before_it_goes_on(monkeypatch):
    """A sweep interrupted by Ctrl-C left its lanes training while Python shut down: "terminate called without
    an active exception", exit code 134. The interrupt now stops every lane before it reaches the caller."""
    import os
    import signal

    monkeypatch.setenv("EXPLORER_LANES", "2")
    stopped = []

    def lane(cancel):
        for _ in range(1000):   # 10 s at most
            if cancel.is_set():
                stopped.append(True)
                return "stopped"
            time.sleep(0.01)
        return "finished"

    # Python's own Ctrl-C handler, whatever an earlier test of the run installed (in the full suite one had
    # replaced it, and the signal raised nothing)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))   # a real Ctrl-C: it wakes the wait
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            run_lanes({"a": lane, "b": lane})
    finally:
        timer.join()
        signal.signal(signal.SIGINT, before)
    assert stopped == [True, True]   # both lanes saw the flag and ended before the interrupt went on
    assert not [t for t in threading.enumerate() if t.name.startswith("explorer-lane")]


def test_growth_gives_the_same_numbers_in_one_lane_or_two(monkeypatch):
    """The two architectures train as two lanes; each is exactly what it is alone, and progress still rises."""
    runs, events = {}, {}
    for n in ("1", "2"):
        monkeypatch.setenv("EXPLORER_LANES", n)
        events[n] = []
        runs[n] = train_and_measure({**TINY, "epochs": 2}, [0, 1], on_progress=events[n].append)
    for k, v in runs["1"].items():
        if not k.endswith("_s"):
            assert np.array_equal(v, runs["2"][k], equal_nan=True), k
    for n in ("1", "2"):
        fractions = [e["fraction"] for e in events[n]]
        assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
        assert {e["architecture"] for e in events[n]} == {"modular", "rnn"}
