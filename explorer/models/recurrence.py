"""The recurrence of Béna & Goodman 2023b, eq. 3 for E networks at once: one batched matmul and one tanh per step.

    h_0 = tanh(u_0),   h_t = tanh(u_t + h_{t−1} M_t)   (t = 1 … T−1)

u_t are the input currents (E, B, 2n), the same every step for static inputs; M_t is the (E, 2n, 2n) recurrent
matrix in "h @ M" orientation that step uses (links silent before the communication start, Béna & Goodman 2023a,
fig. 4B).

h = tanh(pre) is computed as 2σ(2·pre) − 1 (:class:`_TanhHalf`), with the doubling paid once on u and M
instead of every step. On the AVX-512 machine of 2026-12-01 torch.tanh was the faster kernel (71 vs 136 µs
per state; one epoch of E = 32 0.81 → 0.65 s), the opposite of the machine this was written on, and
switching changes values by ~2e-7, which alone moved the weight-mask metric of 3 of 5 one-link seeds (all
their masks then sit in module 1, F = 0). Keeping the numerics keeps the stored and quoted numbers; see the
README.
"""
from __future__ import annotations

import torch


class _TanhHalf(torch.autograd.Function):
    """y = tanh(z / 2) = 2σ(z) − 1, with backward dy/dz = (1 − y²) / 2.

    On the machine this was written on torch.tanh was ~3.5× slower than torch.sigmoid (0.86 vs 0.24 ms for a
    (32, 128, 50) state; on an AVX-512 machine later it was the faster one, see the module docstring). The
    recurrence feeds z = 2·(pre-activation), with the doubling applied once per call to the input currents and
    the recurrent matrices, so h = tanh(pre) costs one sigmoid; it agrees with torch.tanh to ~2e-7 (tested).
    """

    @staticmethod
    def forward(ctx, z):
        y = torch.sigmoid(z).mul_(2).sub_(1)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return torch.addcmul(grad, grad, y * y, value=-1).mul_(0.5)


def tanh_half(z: torch.Tensor) -> torch.Tensor:
    """tanh(z / 2) (see :class:`_TanhHalf`); torch.tanh on devices other than the CPU."""
    return _TanhHalf.apply(z) if z.device.type == "cpu" else torch.tanh(z / 2)


def run(u: torch.Tensor, steps: int, mats: tuple, which: tuple, keep=None):
    """h_T (E, B, 2n) for currents u (E, B, 2n) static or (E, T, B, 2n) timed; ``mats[which[t]]`` is M_t
    (t ≥ 1), ``keep(t, h)`` sees every state. Autograd differentiates it."""
    static = u.dim() == 3
    u, mats = 2 * u, [2 * M for M in mats]   # z = 2·(u_t + h M_t), h = tanh(z / 2)
    h = tanh_half(u if static else u[:, 0])
    if keep is not None:
        keep(0, h)
    for t in range(1, steps):
        h = tanh_half(torch.baddbmm(u if static else u[:, t], h, mats[which[t]]))
        if keep is not None:
            keep(t, h)
    return h


__all__ = ["run"]
