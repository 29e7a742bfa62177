"""Fixtures of the CLI battery: a fake trainer on the registry (instant, or failing on demand) and a count of the
bad-input cases checked, printed in the terminal summary."""
from __future__ import annotations

import errno
import pathlib

import numpy as np
import pytest

BATTERY: list[str] = []   #: ids of the bad-input cases that ran and held


class Trainer:
    """Stands in for every study's ``run_many``: records calls; ``fail`` makes it raise that error instead."""

    def __init__(self):
        self.calls, self.fail = [], None

    def __call__(self, study, configs, on_progress=None, cancel=None):
        self.calls.append(list(configs))
        if self.fail is not None:
            raise self.fail
        return [fake_result(c) for c in configs]


def fake_result(config):
    """A deterministic specialization Result (numbers depend on the seed only)."""
    import torch

    from explorer.core.result import Result
    from explorer.studies.specialization.result import build_dataset

    seeds = np.array(config.seeds, dtype=float)
    E, T = len(seeds), config.steps
    base = ((seeds + 1) * 0.137) % 1.0
    M = base[:, None, None, None, None] * np.linspace(0.1, 1, 4 * T * 4).reshape(1, 4, T, 2, 2)
    ds = build_dataset(config, M=M, accuracy=base, digit_decoding=np.stack([base, 1 - base], 1),
                       loss_curve=np.outer(base, np.arange(1, config.epochs + 1)),
                       accuracy_curve=np.outer(1 - base, np.ones(config.epochs)), Q_measured=base / 2,
                       mask_accuracy=np.broadcast_to(base[:, None, None], (E, T, 2)))
    return Result(data=ds, weights={"W": torch.as_tensor(seeds, dtype=torch.float32)[:, None].repeat(1, 3)})


@pytest.fixture
def trainer(monkeypatch):
    from explorer.studies import Study

    t = Trainer()
    monkeypatch.setattr(Study, "run_many", lambda self, configs, on_progress=None, cancel=None:
                        t(self, configs, on_progress, cancel))
    return t


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)``: creating folders or writing files under ``folder`` fails as on a read-only mount
    (EROFS; chmod would not stop root, who runs these tests)."""
    real = {name: getattr(pathlib.Path, name) for name in ("mkdir", "write_bytes", "write_text", "touch")}

    def make(folder):
        folder = pathlib.Path(folder).resolve()

        def guard(name):
            def wrapped(self, *a, **kw):
                p = pathlib.Path(self).resolve()
                if p == folder or folder in p.parents:
                    raise OSError(errno.EROFS, "Read-only file system", str(p))
                return real[name](self, *a, **kw)
            return wrapped

        for name in real:
            monkeypatch.setattr(pathlib.Path, name, guard(name))

    return make


def pytest_terminal_summary(terminalreporter):
    if BATTERY:
        terminalreporter.write_line(f"bad-input battery: {len(BATTERY)} cases held (exit code, one line on stderr, "
                                    "no traceback, nothing trained or lost)")
