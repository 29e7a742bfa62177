"""Time structure of the stimulus: T steps, structured noise and per-digit start times.

Paper 000 §5.3.1 (structured noise): at each time step, every sample is mixed with the mean of
``noise_samples`` other samples of the same batch, each kept pixel-wise with probability 1/noise_samples:

    x̃_t = (1 − r)·x + r · mean_j( x_{i_j} ⊙ m_j ),   m_j ~ Bernoulli(1/S) per pixel, shared by the batch

Paper 000 §5.3.2 (dynamic inputs): digit k is pure noise (r = 1) before its start time t_k and the
(noisy) digit from t_k on; t_k is fixed, or drawn per sample from {1, …, T−2} as in the paper's code.

Everything here is vectorised over an ensemble dimension E: shapes are (E, B, ...).
"""
from __future__ import annotations

import torch


def other_indices(offsets: torch.Tensor, batch: int) -> torch.Tensor:
    """Indices (E, T, B, S) of S distinct *other* samples, from per-batch offsets (E, T, S) in [1, B−1]."""
    i = torch.arange(batch)
    return (i[None, None, :, None] + offsets[:, :, None, :]) % batch


def structured_noise(x: torch.Tensor, offsets: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Noise images (E, T, B, K, F) for inputs x (E, B, K, F) — K digit channels (paper 000 §5.3.1).

    offsets: (E, T, S) distinct batch offsets; keep: (E, T, S, K, F) boolean pixel masks.
    """
    E, B, K, F = x.shape
    S = offsets.shape[-1]
    idx = other_indices(offsets, B)                                   # (E, T, B, S)
    out = x.new_zeros(E, offsets.shape[1], B, K, F)
    e = torch.arange(E)[:, None, None]
    for j in range(S):  # S ≈ 5 samples: a loop over mixing samples, never over networks
        out += x[e, idx[..., j]] * keep[:, :, j, None]
    return out / S


def timed_inputs(x: torch.Tensor, noise: torch.Tensor, ratio: torch.Tensor, on: torch.Tensor) -> torch.Tensor:
    """Inputs (E, T, B, K, F): noisy digit where ``on`` (E, T, B, K) is true, pure noise before.

    ratio: (E,) structured-noise ratio r per network.
    """
    r = ratio[:, None, None, None, None]
    signal = (1 - r) * x[:, None] + r * noise
    return torch.where(on[..., None], signal, noise)


def digit_on(start: torch.Tensor, steps: int) -> torch.Tensor:
    """(E, T, B, K) boolean: digit k is on at step t iff t ≥ its start time; start is (E, B, K)."""
    t = torch.arange(steps)[None, :, None, None]
    return t >= start[:, None]
