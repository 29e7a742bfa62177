"""Trained and effective single-neuron timescales (Hamidi et al. 2024, "Timescale Estimation", Fig. 4).

* Trained timescale: τ̂ = max(τ, 1) per neuron, averaged per module (chain) or over the network (RNN).
* Effective timescale: drive the trained network with a long balanced Bernoulli sequence, take each neuron's
  activity autocorrelation (by FFT, averaged over trials), fit A e^{−k/τ} and A₁ e^{−k/τ₁} + A₂ e^{−k/τ₂} on
  lags 1 … 30 with τ ≤ 100 (scipy.optimize.curve_fit), choose the model by the Akaike information criterion
  (Akaike 1974; AIC = n ln(RSS/n) + 2p) and keep the slowest τ of the chosen model (Khajehabdollahi et al.
  2024). The paper uses 10⁵ steps to avoid estimation bias (Zeraati et al. 2022); shorter runs are biased low.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch
from scipy.optimize import curve_fit

__all__ = ["autocorrelation", "fit_timescale", "effective_timescales", "simulate_activity", "module_mean"]

MAX_LAG, TAU_MAX = 30, 100.0


def autocorrelation(x: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """Autocorrelation at lags 0 … max_lag along axis −1 (..., T) via FFT (biased estimator, normalised to 1
    at lag 0; NaN for constant signals)."""
    x = np.asarray(x, float)
    x = x - x.mean(-1, keepdims=True)
    T = x.shape[-1]
    n = 1 << int(np.ceil(np.log2(2 * T - 1)))
    f = np.fft.rfft(x, n)
    ac = np.fft.irfft(f * np.conj(f), n)[..., :max_lag + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return ac / ac[..., :1]


def _single(k, a, tau):
    return a * np.exp(-k / tau)


def _double(k, a1, t1, a2, t2):
    return a1 * np.exp(-k / t1) + a2 * np.exp(-k / t2)


def _aic(rss, n, p):
    return n * np.log(max(rss, 1e-300) / n) + 2 * p


def fit_timescale(ac: np.ndarray, max_lag: int = MAX_LAG, tau_max: float = TAU_MAX) -> dict:
    """Fit one autocorrelation (lags 0 … ≥ max_lag) with single and double exponentials on lags 1 … max_lag;
    returns {"tau": slowest τ of the AIC-chosen model, "model": 1 or 2, "aic": (aic1, aic2), "taus": …}."""
    ac = np.asarray(ac, float)
    k = np.arange(1, max_lag + 1, dtype=float)
    y = ac[1:max_lag + 1]
    out = {"tau": np.nan, "model": 0, "aic": (np.nan, np.nan), "taus": ()}
    if not np.all(np.isfinite(y)):
        return out
    n = len(k)
    fits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p1, _ = curve_fit(_single, k, y, p0=(max(y[0], 1e-3), 2.0), bounds=([0, 1e-3], [np.inf, tau_max]),
                              maxfev=800)
            fits.append((_aic(np.sum((_single(k, *p1) - y) ** 2), n, 2), 1, (p1[1],)))
        except (RuntimeError, ValueError):
            pass
        try:
            p2, _ = curve_fit(_double, k, y, p0=(max(y[0], 1e-3) / 2, 1.0, max(y[0], 1e-3) / 2, 10.0),
                              bounds=([0, 1e-3, 0, 1e-3], [np.inf, tau_max, np.inf, tau_max]), maxfev=800)
            fits.append((_aic(np.sum((_double(k, *p2) - y) ** 2), n, 4), 2, (p2[1], p2[3])))
        except (RuntimeError, ValueError):
            pass
    if not fits:
        return out
    aics = {m: a for a, m, _ in fits}
    best = min(fits, key=lambda f: f[0])
    return {"tau": float(max(best[2])), "model": best[1], "aic": (aics.get(1, np.nan), aics.get(2, np.nan)),
            "taus": tuple(float(t) for t in best[2])}


@torch.no_grad()
def simulate_activity(model, steps: int = 10_000, trials: int = 4, seed=0, burn_in: int = 100) -> np.ndarray:
    """Activity (E, units, trials, steps) of every neuron of the E networks driven by balanced random bits
    (units = D·M for a chain, D its largest depth so far; H for the RNN)."""
    E = model.E
    if isinstance(seed, (list, tuple)):   # one seed per network: its activity does not depend on its company
        gens = [torch.Generator().manual_seed(int(x)) for x in seed]
        x = torch.stack([(torch.rand(steps + burn_in, trials, generator=g) < 0.5).float() for g in gens])
        h0 = model.h0(trials, generator=gens)
    else:
        g = torch.Generator().manual_seed(int(seed))
        x = (torch.rand(E, steps + burn_in, trials, generator=g) < 0.5).float()
        h0 = model.h0(trials, generator=g)
    states = []

    def keep(t, h):
        if t >= burn_in:
            states.append(h.reshape(E, -1, trials).clone())

    model.forward(x, None, h0, keep=keep)
    return torch.stack(states, -1).numpy()


def effective_timescales(activity: np.ndarray, max_lag: int = MAX_LAG, tau_max: float = TAU_MAX) -> dict:
    """Per neuron effective timescale from activity (E, units, trials, T): the trial-averaged autocorrelation,
    fitted by :func:`fit_timescale`. Returns {"tau": (E, units), "model": (E, units) 1 or 2 (0: no fit)}."""
    ac = np.nanmean(autocorrelation(activity, max_lag), axis=2)          # (E, units, lags)
    E, U = ac.shape[:2]
    tau = np.full((E, U), np.nan)
    model = np.zeros((E, U), int)
    for e in range(E):
        for u in range(U):
            r = fit_timescale(ac[e, u], max_lag, tau_max)
            tau[e, u], model[e, u] = r["tau"], r["model"]
    return {"tau": tau, "model": model}


def module_mean(values: np.ndarray, module_size: int) -> np.ndarray:
    """(E, D·M) per neuron → (E, D) per module mean (NaN-aware)."""
    E, U = values.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values.reshape(E, U // module_size, module_size), -1)
