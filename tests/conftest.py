"""What every test shares: the global random generators start from one seed, so a test that draws from them
(random weights in a property test, say) draws the same numbers whatever ran before it. Without this, a view
test's unseeded link mask drew more links than the ringing threshold about once in 25 orders, and failed."""
from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _same_random_numbers_whatever_ran_before():
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    yield


@pytest.fixture
def measured_again(monkeypatch):
    """``measured_again(store, run_module, config)``: ``config``'s Result from ``store``, which holds its networks
    under other measuring settings, asserted to be measured again (nothing trained) and equal to training anew,
    every variable and weight; returns the list the study's trainer appends to when it trains afterwards."""
    def check(store, run_module, config):
        import numpy as np
        import torch

        fresh = run_module.run_many([config])[0]
        trained = []
        real = run_module._run_group
        monkeypatch.setattr(run_module, "_run_group", lambda *a, **k: trained.append(1) or real(*a, **k))
        again = store.get_or_run(config)
        assert trained == [] and again.data.attrs["measured_again_from"]
        for name in fresh.data.data_vars:
            np.testing.assert_array_equal(again.data[name].values, fresh.data[name].values, err_msg=name)
        for name, w in fresh.weights.items():
            assert torch.equal(again.weights[name], w), name
        return again, trained
    return check
