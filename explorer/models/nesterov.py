"""SGD with Nesterov momentum on preallocated (E, …) parameter tensors, per network (Hamidi et al. 2024 train
with SGD, Nesterov momentum 0.1 and the gradient norm clipped at 2): used by the growing chain and its RNN
baseline, whose frozen and not-yet-grown entries must stay bit-identical."""
from __future__ import annotations

import torch

__all__ = ["MaskedNesterov"]


class MaskedNesterov:
    """SGD with Nesterov momentum (torch.optim.SGD's update, dampening 0) on (E, …) tensors, per network:
    the gradient norm over all of a network's trainable entries clipped at ``clip`` (as
    ``clip_grad_norm_``), and an optional per-entry learning-rate scale; entries with scale 0 get no gradient,
    no momentum and no change at all (bit-identical)."""

    def __init__(self, params: list[torch.Tensor], lr: float, momentum: float = 0.1, clip: float | None = 2.0):
        self.params, self.lr, self.momentum, self.clip = params, lr, momentum, clip
        self.buffers = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self, scales: list | None = None) -> None:
        scales = scales or [None] * len(self.params)
        grads = []
        for p, s in zip(self.params, scales):
            g = p.grad if p.grad is not None else torch.zeros_like(p)
            grads.append(g if s is None else g * (s > 0))
        E = self.params[0].shape[0]
        if self.clip is not None:
            sq = sum(g.reshape(E, -1).pow(2).sum(1) for g in grads)
            coef = (self.clip / (sq.sqrt() + 1e-6)).clamp(max=1.0)
        for p, g, buf, s in zip(self.params, grads, self.buffers, scales):
            if self.clip is not None:
                g = g * coef.view(E, *[1] * (g.dim() - 1))
            buf.mul_(self.momentum).add_(g)
            d = g.add(buf, alpha=self.momentum)
            if s is None:
                p.sub_(d, alpha=self.lr)
            else:
                p.sub_(torch.where(s > 0, d * (self.lr * s), torch.zeros(())))
            p.grad = None

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None
