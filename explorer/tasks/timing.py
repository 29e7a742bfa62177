"""Time structure of the stimulus: T steps, structured noise and per-digit start times.

Paper 000 §5.3.1 (structured noise): at each time step, every sample is mixed with the mean of
``noise_samples`` other samples of the same batch, each kept pixel-wise with probability 1/noise_samples:

    x̃_t = (1 − r)·x + r · mean_j( x_{i_j} ⊙ m_j ),   m_j ~ Bernoulli(1/S) per pixel, shared by the batch

Paper 000 §5.3.2 (dynamic inputs): digit k is pure noise (r = 1) before its start time t_k and the
(noisy) digit from t_k on; t_k is fixed, or drawn per sample from {1, …, T−2} as in the paper's code.

Everything here is vectorised over an ensemble dimension E: shapes are (E, B, ...).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import torch


def other_indices(offsets: torch.Tensor, batch: int) -> torch.Tensor:
    """Indices (E, T, B, S) of S distinct *other* samples, from per-batch offsets (E, T, S) in [1, B−1]."""
    i = torch.arange(batch, device=offsets.device)
    return (i[None, None, :, None] + offsets[:, :, None, :]) % batch


def structured_noise(x: torch.Tensor, offsets: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Noise images (E, T, B, K, F) for inputs x (E, B, K, F) — K digit channels (Béna & Goodman 2023a, §5.3.1).

    offsets: (E, T, S) distinct batch offsets; keep: (E, T, S, K, F) boolean pixel masks.
    """
    E, B, K, F = x.shape
    S = offsets.shape[-1]
    idx = other_indices(offsets, B)                                   # (E, T, B, S)
    out = x.new_zeros(E, offsets.shape[1], B, K, F)
    e = torch.arange(E, device=x.device)[:, None, None]
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
    t = torch.arange(steps, device=start.device)[None, :, None, None]
    return t >= start[:, None]


# ----------------------------------------------------------------------------------------------------------
# Timed inputs without materialising them: the input projection of the noise, exact up to float rounding.
#
# The input currents only ever see W·x̃_t, and x̃_t is linear in the images, so
#
#     W·x̃_t = a_t · (W·x)  +  c_t · Σ_j (W ⊙ m_tj)·x_{i_j},    a_t = on·(1 − r),  c_t = (on ? r : 1) / S
#
# The images are projected once per batch (W·x: no T copies), and the noise part needs only the pixels each
# mask keeps: m_tj keeps ~F/S pixels, so over its S samples step t touches ~F pixels per sample — as many
# multiply-adds as projecting one image, never the S full-size copies and masked sums of x̃_t (which at E = 16
# on 28×28 inputs were 128 MB per batch and its ~13 passes, with page faults for every fresh allocation).
#
# For one (network, channel k, step t) the kept pixels of all S masks are listed (column f and the batch offset
# o_j of the sample they come from, padded to a common length L with a zero pixel); the "virtual image" of
# sample b is then V[l, b] = x[(b + o_l) mod B, f_l], read as contiguous runs of B from the images laid out
# (F + 1, 2B) (the batch twice, so the modular shift is a plain offset). Its currents are Wv·V with Wv the
# matching columns of W. A custom autograd function does this in chunks of networks sized by a memory budget,
# into reused work buffers, and recomputes V in the backward pass (dW = scatter of G·Vᵀ): nothing of size
# T × B × F is kept for the backward pass.

#: Bytes of virtual images (V) computed per pass; chunks of networks are sized to stay under it.
CHUNK_BYTES = 8 * 2**20

_WORK = threading.local()


def _work(name: str, numel: int, dtype, device) -> torch.Tensor:
    """A flat work buffer of at least ``numel`` elements, reused across calls (per name, thread, dtype, device)."""
    cache = getattr(_WORK, "buffers", None)
    if cache is None:
        cache = _WORK.buffers = {}
    key = (name, dtype, str(device))
    buf = cache.get(key)
    if buf is None or buf.numel() < numel:
        buf = cache[key] = torch.empty(numel, dtype=dtype, device=device)
    return buf[:numel]


@dataclass(eq=False)
class TimedInputs:
    """The timed inputs (E, T, B, K, F) of one batch, kept as their parts (Béna & Goodman 2023a, §5.3): images x
    (E, B, K, F), structured-noise offsets (E, T, S) and pixel masks (E, T, S, K, F), ratios r (E,) and the
    digit-on pattern (E, T, B, K). :meth:`materialise` builds the tensor (the reference); :meth:`project`
    gives W·x̃ without it."""

    x: torch.Tensor
    offsets: torch.Tensor
    keep: torch.Tensor
    ratio: torch.Tensor
    on: torch.Tensor

    @property
    def shape(self) -> torch.Size:
        E, B, K, F = self.x.shape
        return torch.Size((E, self.on.shape[1], B, K, F))

    @property
    def device(self) -> torch.device:
        return self.x.device

    def dim(self) -> int:
        return 5

    def materialise(self) -> torch.Tensor:
        """x̃ (E, T, B, K, F) as :func:`timed_inputs` of :func:`structured_noise` builds it."""
        return timed_inputs(self.x, structured_noise(self.x, self.offsets, self.keep), self.ratio, self.on)

    def coefficients(self):
        """a (E, T, B, K) of W·x and c (E, T, B, K) of the noise sum Σ_j (W ⊙ m_j)·x_{i_j}."""
        r = self.ratio.to(self.x.dtype)[:, None, None, None]
        S = self.offsets.shape[-1]
        on = self.on
        return on * (1 - r), torch.where(on, r, torch.ones_like(r)) / S

    def plan(self):
        """Per (network, channel, step): kept pixels' row starts into the doubled images and weight rows."""
        if getattr(self, "_plan", None) is None:
            self._plan = _noise_plan(self.offsets, self.keep, self.x.shape[1])
        return self._plan

    def pixel_major(self) -> torch.Tensor:
        """The images laid out (E, K, F, B), made once per batch."""
        if getattr(self, "_xt", None) is None:
            self._xt = self.x.permute(0, 2, 3, 1).contiguous()
        return self._xt

    def project(self, Wc: torch.Tensor) -> torch.Tensor:
        """Channel currents (E, T, B, K, P) = einsum('etbkf,ekfp->etbkp', x̃, Wc), without building x̃.

        Wc (E, K, F, P): the weights each digit channel's pixels feed (P outputs). Exact up to float rounding
        (the sums are grouped differently); differentiable in Wc."""
        a, c = self.coefficients()
        signal = torch.einsum("ebkf,ekfp->ebkp", self.x, Wc)                          # (E, B, K, P): once
        starts, rows, L = self.plan()
        noise = _NoiseCurrents.apply(Wc, self.pixel_major(), starts, rows, L)                       # (E, K, T, P, B)
        noise = noise.permute(0, 2, 4, 1, 3)                                            # (E, T, B, K, P)
        return a[..., None] * signal[:, None] + c[..., None] * noise


def _noise_plan(offsets: torch.Tensor, keep: torch.Tensor, B: int):
    """Per network (E, K·T·L): row starts of the kept pixels' runs in that network's doubled images
    (K, F + 1, 2B), and their weight rows in Wc[e].view(K·F, P); L kept pixels per (channel, step), padded."""
    E, T, S, K, F = keep.shape
    dev = keep.device
    k5 = keep.permute(0, 3, 1, 2, 4)                                                    # (E, K, T, S, F)
    counts = k5.sum((3, 4)).reshape(-1)                                                 # (E·K·T,)
    L = max(1, int(counts.max()))
    g, j, f = k5.reshape(E * K * T, S, F).nonzero(as_tuple=True)                        # sorted by g, then j, f
    first = torch.cumsum(counts, 0) - counts
    pos = torch.arange(g.numel(), device=dev) - first[g]
    t = g % T
    e = g // (K * T)
    col = torch.full((E * K * T, L), F, dtype=torch.long, device=dev)                   # pad: the zero pixel
    shift = torch.zeros(E * K * T, L, dtype=torch.long, device=dev)
    col[g, pos] = f
    shift[g, pos] = offsets[e, t, j]
    k = ((torch.arange(E * K * T, device=dev) // T) % K)[:, None]
    starts = (k * (F + 1) + col) * (2 * B) + shift
    rows = k * F + col.clamp(max=F - 1)            # the pad reads a zero pixel: any weight row will do
    return starts.view(E, -1), rows.view(E, -1), L


class _NoiseCurrents(torch.autograd.Function):
    """Noise currents (E, K, T, P, B): Σ_l Wc[e, k, f_l] · x[(b + o_l) mod B, k, f_l], in chunks of networks.

    Saves only the images and the plan; the virtual images are rebuilt chunk by chunk in the backward pass."""

    @staticmethod
    def forward(ctx, Wc, x, starts, rows, L):
        E, K, F, P = Wc.shape
        B = x.shape[-1]
        T = starts.shape[1] // (K * L)
        ctx.save_for_backward(x, starts, rows)
        ctx.dims = (E, K, T, B, F, P, L)
        out = Wc.new_empty(E, K * T, P, B)
        W = Wc.detach().reshape(E * K * F, P)
        rows = rows + torch.arange(E, device=rows.device)[:, None] * (K * F)             # into W's E·K·F rows
        for e0, e1, V in _virtual_images(x, starts, L):                                # V (nets·K·T, L, B)
            Wv = W.index_select(0, rows[e0:e1].reshape(-1)).view(-1, L, P).transpose(1, 2)
            torch.bmm(Wv, V, out=out[e0:e1].view(-1, P, B))
        return out.view(E, K, T, P, B)

    @staticmethod
    def backward(ctx, grad):
        x, starts, rows = ctx.saved_tensors
        E, K, T, B, F, P, L = ctx.dims
        grad = grad.reshape(E, K * T, P, B)
        dW = grad.new_zeros(E * K * F, P)
        rows = rows + torch.arange(E, device=rows.device)[:, None] * (K * F)
        for e0, e1, V in _virtual_images(x, starts, L):
            dWv = torch.bmm(grad[e0:e1].reshape(-1, P, B), V.transpose(1, 2))           # (nets·K·T, P, L)
            dW.index_add_(0, rows[e0:e1].reshape(-1), dWv.transpose(1, 2).reshape(-1, P))
        return dW.view(E, K, F, P), None, None, None, None


def _virtual_images(x: torch.Tensor, starts: torch.Tensor, L: int):
    """(e0, e1, V (nets·K·T, L, B)) per chunk of networks e0 … e1 − 1; V[g, l, b] = x[(b + o_l) mod B, k, f_l]
    for the images x laid out (E, K, F, B).

    Each chunk's images are laid out (K, F + 1, 2B) — pixel-major, the batch twice (the modular shift becomes
    a plain offset), a zero pixel last — so each V[g, l] is one contiguous run; both live in reused buffers."""
    E, K, F, B = x.shape
    per_img = K * (F + 1) * 2 * B
    per_net = starts.shape[1] * B + per_img
    nets = max(1, min(E, CHUNK_BYTES // (per_net * x.element_size())))
    for e0 in range(0, E, nets):
        e1 = min(E, e0 + nets)
        img = _work("images", (e1 - e0) * per_img, x.dtype, x.device).view(e1 - e0, K, F + 1, 2 * B)
        img[:, :, :F, :B] = x[e0:e1]
        img[:, :, :F, B:] = x[e0:e1]
        img[:, :, F] = 0
        flat = img.view(-1)
        runs = flat.as_strided((flat.numel() - B + 1, B), (1, 1))                        # runs[s] = flat[s:s+B]
        idx = (starts[e0:e1] + torch.arange(e1 - e0, device=x.device)[:, None] * per_img).view(-1)
        V = _work("V", idx.numel() * B, x.dtype, x.device).view(idx.numel(), B)
        torch.index_select(runs, 0, idx, out=V)
        yield e0, e1, V.view(-1, L, B)
