"""Effective timescales (Hamidi et al. 2024): FFT autocorrelation and the AIC choice of one or two exponentials."""
import numpy as np

from explorer.metrics.timescales import (autocorrelation, effective_timescales, fit_timescale, module_mean,
                                         simulate_activity)
from explorer.models.growing import GrowingChain


def test_autocorrelation_matches_direct_sum():
    x = np.random.default_rng(0).standard_normal(500)
    ac = autocorrelation(x, 5)
    y = x - x.mean()
    direct = [np.dot(y[:len(y) - k], y[k:]) / np.dot(y, y) for k in range(6)]
    assert np.allclose(ac, direct)


def test_aic_picks_single_for_single_and_double_for_double():
    k = np.arange(0, 31, dtype=float)
    rng = np.random.default_rng(1)
    single = np.exp(-k / 7.0) + 1e-4 * rng.standard_normal(31)
    r = fit_timescale(single)
    assert r["model"] == 1 and abs(r["tau"] - 7.0) < 0.3
    double = 0.6 * np.exp(-k / 1.5) + 0.4 * np.exp(-k / 20.0) + 1e-4 * rng.standard_normal(31)
    r = fit_timescale(double)
    assert r["model"] == 2 and abs(r["tau"] - 20.0) < 1.5
    assert fit_timescale(np.full(31, np.nan))["model"] == 0


def test_ar1_process_gives_its_timescale():
    rng = np.random.default_rng(2)
    a, T = np.exp(-1 / 5.0), 40_000
    x = np.zeros((1, 1, 1, T))
    noise = rng.standard_normal(T)
    for t in range(1, T):
        x[0, 0, 0, t] = a * x[0, 0, 0, t - 1] + noise[t]
    r = effective_timescales(x)
    assert abs(r["tau"][0, 0] - 5.0) < 0.8


def test_network_activity_shapes():
    m = GrowingChain(3, 4, [0])
    m.n_active[:] = 3                           # units of the active modules: 3 × 3
    act = simulate_activity(m, steps=300, trials=2)
    assert act.shape == (1, 9, 2, 300)
    assert module_mean(np.arange(9.0)[None], 3).tolist() == [[1.0, 4.0, 7.0]]
