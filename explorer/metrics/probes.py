"""Batched linear probes: G independent softmax readouts fitted together on a leading dimension.

Every retraining problem of the metric suite (seed × module × digit × time step) is one slice of G.
Each readout is re-initialised at zero and trained by full-batch Adam on the mean cross-entropy, with the
gradient in closed form (no autograd graph): a retrained softmax readout as in paper 001 §3.1.
"""
from __future__ import annotations

import torch
import torch.nn.functional as nnf

CHUNK = 64   # problems per pass: keeps each pass's (chunk, N, classes) logits cache-sized


def _fit_chunk(Zs, y, classes, iters, lr, weight_decay):
    G, N, d = Zs.shape
    onehot = nnf.one_hot(y, classes).float()
    W, b = torch.zeros(G, d, classes), torch.zeros(G, 1, classes)
    W.grad, b.grad = torch.zeros_like(W), torch.zeros_like(b)
    opt = torch.optim.Adam([W, b], lr=lr)
    Zt = Zs.transpose(1, 2).contiguous()
    for _ in range(iters):   # closed-form gradient of the mean cross-entropy (no autograd graph)
        err = torch.softmax(torch.baddbmm(b, Zs, W), -1).sub_(onehot).div_(N)
        torch.bmm(Zt, err, out=W.grad)
        W.grad.add_(W, alpha=2 * weight_decay)
        torch.sum(err, 1, keepdim=True, out=b.grad)
        opt.step()
    return W, b


@torch.no_grad()
def fit_softmax(Z: torch.Tensor, y: torch.Tensor, classes: int = 10, iters: int = 150, lr: float = 0.1,
                weight_decay: float = 1e-4, standardize: bool = True):
    """Fit G softmax readouts. Z: (G, N, d) features, y: (G, N) labels. Returns a predictor.

    The predictor maps Z' (G, N', d) to logits (G, N', classes), standardised with training statistics.
    """
    Z = Z.detach().float()
    G, N, d = Z.shape
    if standardize:
        mu, sd = Z.mean(1, keepdim=True), Z.std(1, keepdim=True).clamp(min=1e-6)
    else:
        mu, sd = torch.zeros(G, 1, d), torch.ones(G, 1, d)
    Ws, bs = [], []
    for g in range(0, G, CHUNK):   # chunks of problems, each chunk one batched fit
        sl = slice(g, g + CHUNK)
        W, b = _fit_chunk((Z[sl] - mu[sl]) / sd[sl], y[sl], classes, iters, lr, weight_decay)
        Ws.append(W)
        bs.append(b)
    W, b = torch.cat(Ws), torch.cat(bs)

    def predict(Zq: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(b, (Zq.float() - mu) / sd, W)

    return predict


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(G,) accuracy of logits (G, N, C) against labels (G, N)."""
    return (logits.argmax(-1) == y).float().mean(-1)


def chance_corrected(acc: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """Map accuracy to [0, 1]: 0 at chance (1/classes), 1 at perfect (paper 000 §2.4: 0 = no link)."""
    return ((acc - 1.0 / classes) / (1 - 1.0 / classes)).clamp(0, 1)
