"""Inter-module links: a fixed random mask, or Deep-R rewiring (Bellec et al. 2018, as in Béna & Goodman 2023b, §2.4).

Deep-R (Béna & Goodman 2023b, §2.4): each potential link has a constant sign s_ij and a parameter θ_ij; it is active
iff θ_ij > 0, with weight w_ij = s_ij θ_ij (0 when dormant). Only active θ take a step of their own Adam
optimiser followed by a random walk θ += sqrt(2 η T) ν; any θ that turned non-positive is replaced by a
dormant one picked at random, so **exactly** the target number of links is active after every step.
The walk temperature T is annealed with p (T = T₀(1 − p)) and the Adam rate is geometric between
0.1 (p → 0) and 0.01 (p = 1) unless given (Béna & Goodman 2023b, Table 1, "[0.1 − 0.01]").

Everything is batched over the ensemble (E) and the two directions; only random draws use one generator
per network so that a seed's numbers do not depend on which other networks share its ensemble.
"""
from __future__ import annotations

import torch
from torch import nn

RESET = 1e-8   # θ given to a newly activated link: active (θ > 0) with weight ≈ 0, as Bellec et al. do


def _per_network(gens, fn):
    return torch.stack([fn(g) for g in gens])


class DeepR(nn.Module):
    """Inter-module weights (E, 2, n, n); direction 0 is module 0 → 1, direction 1 is 1 → 0, rows receive."""

    def __init__(self, gens, links: torch.Tensor, n: int, trainable_mask: bool, p: torch.Tensor):
        super().__init__()
        self.n, self.trainable_mask = n, trainable_mask
        self.gens = gens
        self.register_buffer("links", links.to(torch.long))
        self.register_buffer("p", p.to(torch.float32))
        nn2 = n * n

        def init_mask(g):
            rows = []
            for _ in range(2):
                order = torch.randperm(nn2, generator=g)
                rows.append(order)
            return torch.stack(rows)

        orders = _per_network(gens, init_mask)                                   # (E, 2, n²)
        rank = torch.empty_like(orders).scatter_(-1, orders, torch.arange(nn2).expand_as(orders))
        mask = (rank < self.links[:, None, None]).reshape(-1, 2, n, n)
        magnitude = _per_network(gens, lambda g: torch.rand((2, n, n), generator=g) * 0.1)
        sign = _per_network(gens, lambda g: torch.randint(0, 2, (2, n, n), generator=g) * 2 - 1).to(torch.float32)
        self.register_buffer("sign", sign)
        if trainable_mask:
            self.theta = nn.Parameter(torch.where(mask, magnitude + RESET, -magnitude))
            self.register_buffer("adam_m", torch.zeros_like(magnitude))
            self.register_buffer("adam_v", torch.zeros_like(magnitude))
            self.register_buffer("adam_t", torch.zeros(len(gens), 2, n, n))
        else:
            self.register_buffer("mask", mask)
            self.w = nn.Parameter(sign * magnitude)

    def active(self) -> torch.Tensor:
        return self.theta > 0 if self.trainable_mask else self.mask

    def weight(self) -> torch.Tensor:
        if self.trainable_mask:
            return self.sign * self.theta.clamp(min=0)
        return self.w * self.mask

    # ------------------------------------------------------------------ Deep-R step
    def rates(self, lr: float | None, temperature: float):
        """Per-network Adam rate η and walk temperature T (Béna & Goodman 2023b, Table 1 and §2.4)."""
        p = self.p
        eta = torch.full_like(p, lr) if lr is not None else 0.1 ** (1 - p) * 0.01 ** p
        return eta, temperature * (1 - p)

    @torch.no_grad()
    def step(self, lr: float | None, temperature: float, betas=(0.9, 0.999), eps=1e-8):
        """One Deep-R update after backward(): Adam on active θ, random walk, then rewiring."""
        if not self.trainable_mask or self.theta.grad is None:
            return
        theta, grad = self.theta, self.theta.grad
        act = theta > 0
        eta, temp = self.rates(lr, temperature)
        eta, temp = eta[:, None, None, None], temp[:, None, None, None]
        b1, b2 = betas
        self.adam_t += act
        self.adam_m.copy_(torch.where(act, b1 * self.adam_m + (1 - b1) * grad, self.adam_m))
        self.adam_v.copy_(torch.where(act, b2 * self.adam_v + (1 - b2) * grad * grad, self.adam_v))
        t = self.adam_t.clamp(min=1)
        update = (self.adam_m / (1 - b1 ** t)) / ((self.adam_v / (1 - b2 ** t)).sqrt() + eps)
        walk = _per_network(self.gens, lambda g: torch.randn(theta.shape[1:], generator=g)).to(theta.device)
        theta += act * (-eta * update + (2 * eta * temp).sqrt() * walk)
        self.rewire()

    @torch.no_grad()
    def rewire(self):
        """Activate random dormant links until exactly ``links`` are active in each direction."""
        theta = self.theta
        E, n = theta.shape[0], self.n
        act = (theta > 0).reshape(E, 2, n * n)
        deficit = self.links[:, None] - act.sum(-1)                               # (E, 2) ≥ 0
        # every network draws at every step, needed or not: a network's random stream must not depend on whether
        # a mate of its ensemble lacked links
        scores = _per_network(self.gens, lambda g: torch.rand((2, n * n), generator=g)).to(theta.device)
        scores = scores.masked_fill(act, -1.0)                                    # never re-pick an active one
        rank = scores.argsort(-1, descending=True).argsort(-1)
        new = (rank < deficit[..., None]) & ~act
        new = new.reshape_as(theta)
        theta.masked_fill_(new, RESET)
        for buf in (self.adam_m, self.adam_v, self.adam_t):
            buf.masked_fill_(new, 0.0)
