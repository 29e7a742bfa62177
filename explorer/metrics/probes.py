"""Batched linear probes: G independent softmax readouts fitted together on a leading dimension.

Every retraining problem of the metric suite (seed × module × digit × time step) is one slice of G.
Each readout is re-initialised at zero and fitted on the mean cross-entropy plus a ridge penalty, with the
gradient in closed form (no autograd graph): a retrained softmax readout as in Béna & Goodman 2023b, §3.1. Two
solvers: full-batch Adam (the default), and accelerated proximal gradient (FISTA) in PCA-whitened coordinates,
which reaches the optimum of the same objective on correlated, unevenly scaled features (raw hidden states) in
a few hundred steps where Adam needs thousands (docs/science.md §12).

Problems that read the same features with different labels (digit 0 and digit 1 from the same states) are
fitted as H heads of one problem: each head is its own readout with its own softmax, but the features are
read once per step for all heads — something a loop of one probe at a time cannot share.
"""
from __future__ import annotations

import torch
import torch.nn.functional as nnf

#: Bytes of features, labels and logits per pass. With four passes over the logits per Adam step, larger chunks
#: ran faster, flat from ~20 MB on (trained 3-seed default ensemble: bottleneck probes 0.36 / 0.33 / 0.30 /
#: 0.28 s and ablation readouts 0.89 / 0.87 / 0.70 / 0.65 s at 2.5 / 5 / 10 / 20 MB; 0.28–0.29 and 0.60–0.63 s
#: at 40–160 MB). 20 MB keeps a large sweep's memory bounded. The numbers do not depend on it (tested equal).
CHUNK_BYTES = 20 * 2**20


def chunk_size(N: int, d: int, classes: int, heads: int = 1) -> int:
    """Problems fitted per pass for N samples of d features, ``heads`` label sets of ``classes`` classes: per
    sample a chunk holds one-hot labels, logits and softmax (heads·classes each) and three copies of the
    d + 1 features (with the bias feature: as samples, transposed and scaled by 1/N)."""
    return max(1, CHUNK_BYTES // (4 * N * (3 * heads * classes + 3 * (d + 1))))


def _fit_chunk(Zs, y, classes, iters, lr, weight_decay):
    """Fit one chunk of problems Zs (G, N, d) with labels y (G, H, N).

    The bias is a constant feature (one matmul gives all logits), head-classes lie on dim 1 and samples last,
    and every head has its own softmax over its ``classes`` rows. The gradient of the mean cross-entropy,
    (softmax − one-hot) Zᵀ / N, is split into its moving part softmax · Z / N and its data part
    one-hot · Z / N, which is the same every step and computed once: each Adam step makes four passes over
    the (G, H·C, N) logits (matmul, softmax, matmul) instead of eleven. Returns W (G, H, d, C), b (G, H, 1, C).
    """
    G, N, d = Zs.shape
    Zt, Zn, data = _design(Zs, y, classes)
    decay = torch.full((d + 1,), 2 * weight_decay, device=Zs.device)
    decay[d] = 0.0                                                            # no decay on the bias
    Wa = torch.zeros_like(data)
    Wa.grad = torch.zeros_like(Wa)
    opt = torch.optim.Adam([Wa], lr=lr)
    for _ in range(iters):   # closed-form gradient (no autograd graph)
        torch.bmm(_probabilities(Wa, Zt, y.shape[1]), Zn, out=Wa.grad)
        Wa.grad.sub_(data).addcmul_(Wa, decay)
        opt.step()
    return _readout(Wa, y.shape[1])


def _design(Zs, y, classes):
    """The fixed parts of a chunk's fit: features with the bias as a constant feature, as (G, d + 1, N) and
    scaled by 1/N as (G, N, d + 1), and the gradient's data term one-hot · Z / N (G, H·C, d + 1)."""
    G, N, _ = Zs.shape
    Za = torch.cat([Zs, Zs.new_ones(G, N, 1)], 2)                            # (G, N, d + 1): bias as a feature
    Zn = Za / N
    onehot = nnf.one_hot(y, classes).float().transpose(2, 3).reshape(G, -1, N)   # (G, H·C, N)
    return Za.transpose(1, 2).contiguous(), Zn, torch.bmm(onehot, Zn)


def _probabilities(Wa, Zt, heads):
    """Each head's softmax (G, H·C, N) of the logits Wa · Zt."""
    G, N = Zt.shape[0], Zt.shape[2]
    return torch.softmax(torch.bmm(Wa, Zt).view(G, heads, -1, N), 2).view(G, -1, N)


def _readout(Wa, heads):
    """(G, H·C, d + 1) with the bias last → W (G, H, d, C), b (G, H, 1, C)."""
    G, HC, d1 = Wa.shape
    W = Wa.reshape(G, heads, HC // heads, d1).transpose(2, 3)
    return W[:, :, :-1], W[:, :, -1:]


#: Eigenvalues of the feature covariance below this fraction of the largest count as empty directions (dead
#: ReLU units, exact collinearity): FISTA gives them no weight, where the ridge would keep it at ~0 anyway.
WHITEN_FLOOR = 1e-9
SOLVERS = ("adam", "fista")


def _fit_chunk_fista(Zs, y, classes, iters, step, weight_decay):
    """The same problem as :func:`_fit_chunk` (mean cross-entropy + weight_decay·|W|², bias free), solved by
    FISTA (Beck & Teboulle 2009) with adaptive restart (O'Donoghue & Candès 2015) in PCA-whitened coordinates.

    With features z = (x − μ) P whitened (P = V Λ^−½ from the covariance V Λ Vᵀ), the cross-entropy's
    gradient is Lipschitz with L ≤ ½ in every direction (a softmax's curvature is at most ½), so one step size
    suits every problem however its features are scaled; the ridge on the original weights becomes
    weight_decay · Σ_i w_i² / λ_i, applied exactly as a proximal step. Returns W (G, H, d, C), b (G, H, 1, C)
    for the features Zs as given.
    """
    G, N, d = Zs.shape
    H = y.shape[1]
    mu = Zs.mean(1, keepdim=True)
    Zc = (Zs - mu).double()
    lam, V = torch.linalg.eigh(Zc.transpose(1, 2) @ Zc / N)                   # ascending, (G, d), (G, d, d)
    kept = lam > WHITEN_FLOOR * lam[:, -1:].clamp(min=1e-30)
    P = (V * torch.where(kept, lam.clamp(min=1e-30).rsqrt(), 0.0)[:, None]).float()
    decay = torch.where(kept, 2 * weight_decay / lam.clamp(min=1e-30), 0.0).float()
    decay = torch.cat([decay, decay.new_zeros(G, 1)], 1)[:, None]              # (G, 1, d + 1); bias free
    Zt, Zn, data = _design((Zs - mu) @ P, y, classes)                          # whitened features
    W = torch.zeros_like(data)
    W_prev, t = W.clone(), torch.ones(G, H, 1, 1, device=Zs.device)           # momentum per head
    heads = (G, H, -1, d + 1)
    for _ in range(iters):
        t_next = (1 + (1 + 4 * t * t).sqrt()) / 2
        Y = W + (((t - 1) / t_next) * (W - W_prev).view(heads)).view_as(W)      # momentum point
        W_new = (Y - step * (torch.bmm(_probabilities(Y, Zt, H), Zn) - data)) / (1 + step * decay)   # step, prox
        restart = ((Y - W_new) * (W_new - W)).view(heads).sum((2, 3), keepdim=True) > 0   # momentum opposes descent
        t = torch.where(restart, torch.ones_like(t_next), t_next)
        W_prev, W = W, W_new
    Ww, bw = _readout(W, H)                                                    # whitened coordinates
    W_s = P[:, None] @ Ww                                                      # back to the features Zs
    return W_s, bw - mu[:, None] @ W_s


@torch.no_grad()
def fit_softmax(Z: torch.Tensor, y: torch.Tensor, classes: int = 10, iters: int = 150, lr: float = 0.1,
                weight_decay: float = 1e-4, standardize: bool = True, solver: str = "adam"):
    """Fit G softmax readouts. Z: (G, N, d) features; y: (G, N) labels, or (G, H, N) for H heads that share
    the features. Returns a predictor.

    ``solver`` "adam" takes ``iters`` Adam steps at rate ``lr``; "fista" takes ``iters`` FISTA steps of size
    ``lr`` in whitened coordinates (see :func:`_fit_chunk_fista`; ``lr`` ≤ 4 = 2/L keeps a plain gradient step
    stable). Both minimise the same objective. The predictor maps Z' (G, N', d) to logits (G, N', classes) —
    (G, H, N', classes) with heads — standardised with training statistics.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, not {solver!r}")
    fit = _fit_chunk if solver == "adam" else _fit_chunk_fista
    Z = Z.detach().float()
    G, N, d = Z.shape
    heads = y.dim() == 3
    y = y if heads else y[:, None]
    if standardize:
        mu, sd = Z.mean(1, keepdim=True), Z.std(1, keepdim=True).clamp(min=1e-6)
    else:
        mu, sd = Z.new_zeros(G, 1, d), Z.new_ones(G, 1, d)
    Ws, bs = [], []
    chunk = chunk_size(N, d, classes, y.shape[1])
    for g in range(0, G, chunk):   # chunks of problems, each chunk one batched fit
        sl = slice(g, g + chunk)
        W, b = fit((Z[sl] - mu[sl]) / sd[sl], y[sl], classes, iters, lr, weight_decay)
        Ws.append(W)
        bs.append(b)
    W, b = torch.cat(Ws), torch.cat(bs)                                      # (G, H, d, C), (G, H, 1, C)

    def predict(Zq: torch.Tensor) -> torch.Tensor:
        logits = ((Zq.float() - mu) / sd)[:, None] @ W + b                   # (G, H, N', C)
        return logits if heads else logits[:, 0]

    return predict


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(G,) accuracy of logits (G, N, C) against labels (G, N)."""
    return (logits.argmax(-1) == y).float().mean(-1)


def chance_corrected(acc: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """Map accuracy to [0, 1]: 0 at chance (1/classes), 1 at perfect (Béna & Goodman 2023a, §2.4: 0 = no link)."""
    return ((acc - 1.0 / classes) / (1 - 1.0 / classes)).clamp(0, 1)
