"""Weight-mask metric (Béna & Goodman 2023b, §3.2 eq. 6), batched over network × digit × time step.

Each (network e, digit k, step t) gets its own differentiable score per weight; only the top q = 5 % of
the network's non-input weights (W_hh, the active inter-module links, bottleneck and readout weights;
input weights W_ih and biases excluded, as in the paper) are used in the forward pass (edge-popup,
straight-through gradient). The scores are trained so that the masked, frozen network read at step t
classifies digit k. Then

    M(m, k, t) = |S_k^q ∩ θ^m| / |S_k^q|          (Béna & Goodman 2023b, eq. 6)

where a link m' → m belongs to the receiving module m. All E·2·T masks train together as one virtual
ensemble that shares the frozen weights.

**Which output the mask is scored on** (``decision``). With separate readouts, the paper scores the mask on
the network's max decision (Béna & Goodman 2023b, §2.2): the module with the larger peak logit answers. That
choice is not differentiable, so a mask gets no gradient to hand the answer to the module that knows the
digit: on hand-built isolated modules with a 5-neuron bottleneck, both digits' masks settle in the module that
happens to win the max (M(1, 1) = 0, F = 0; tested), and on trained one-link networks F splits into 1 or 0 by
seed (docs/science.md §10). The default ``"either"`` scores the mask on either module's readout: the masked
network's answer is the equal mixture ½ Σ_m softmax(r^(m)), so a mask may answer through whichever module
serves digit k best, and M measures which module knows rather than which decides. With one common readout
both rules are the same.

Paper 001 §3.2 also checks that the discovered masks perform well; :func:`weight_mask_metric` returns, with
``return_accuracy``, each mask's accuracy on its digit (the masked network's answer at step t under the same
rule, on held-out test pairs; chance 0.1). Where a mask sits near chance, its M says little.
"""
from __future__ import annotations

import math

import torch

from ..models.losses import cross_entropy

Q_FRACTION, MASK_STEPS, MASK_BATCH, MASK_LR, MASK_TEST = 0.05, 80, 128, 0.05, 1024
DECISIONS = ("max", "either")
MASK_DECISION = "either"   #: "max": the paper's max decision; "either": see the module docstring


def _flat_weights(model):
    """Per-network weight vector (E, P), module owner (P,) and validity (E, P) of each entry."""
    n, E = model.n, model.E
    dev = model.W_hh.device
    parts, owner, valid = [], [], []
    W_hh = model.W_hh.detach()
    parts.append(W_hh.reshape(E, -1))
    owner.append(torch.arange(2, device=dev).repeat_interleave(n * n))
    valid.append(torch.ones(E, 2 * n * n, dtype=torch.bool, device=dev))
    parts.append(model.inter.weight().detach().reshape(E, -1))
    owner.append(torch.tensor([1, 0], device=dev).repeat_interleave(n * n))        # direction 0 is 0 → 1: owned by 1
    valid.append(model.inter.active().reshape(E, -1))
    shapes = {"W_hh": W_hh.shape[1:], "inter": (2, n, n)}
    if model.b > 0:
        parts.append(model.W_hb.detach().reshape(E, -1))
        owner.append(torch.arange(2, device=dev).repeat_interleave(model.b * n))
        valid.append(torch.ones(E, 2 * model.b * n, dtype=torch.bool, device=dev))
        shapes["W_hb"] = model.W_hb.shape[1:]
    W_r = model.W_r.detach()
    parts.append(W_r.reshape(E, -1))
    if model.readout_mode == "separate":
        own = torch.arange(2, device=dev)[:, None, None].expand(W_r.shape[1:])
    else:
        d = W_r.shape[-1] // 2
        own = (torch.arange(2 * d, device=dev) >= d).long()[None].expand(W_r.shape[1:])
    owner.append(own.reshape(-1))
    valid.append(torch.ones(E, W_r[0].numel(), dtype=torch.bool, device=dev))
    shapes["W_r"] = W_r.shape[1:]
    return torch.cat(parts, 1), torch.cat(owner), torch.cat(valid, 1), shapes


def _unflatten(w, shapes):
    out, i = {}, 0
    for name, shape in shapes.items():
        size = int(torch.tensor(shape).prod())
        out[name] = w[:, i:i + size].reshape(w.shape[0], *shape)
        i += size
    return out


def weight_mask_metric(model, stream, steps: int, size: int = 4096, q: float = Q_FRACTION,
                       iters: int = MASK_STEPS, batch: int = MASK_BATCH, seed_offset: int = 0,
                       return_accuracy: bool = False, test_size: int = MASK_TEST, decision: str = MASK_DECISION):
    """M_wm (E, T, module, digit); with ``return_accuracy`` also each final mask's test accuracy on its digit
    (E, T, digit), measured on ``test_size`` held-out pairs."""
    E, T = model.E, steps
    dev = model.W_hh.device
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    w, owner, valid, shapes = _flat_weights(model)
    P = w.shape[1]
    # virtual ensemble g = (e, k, t)
    e_idx = torch.arange(E, device=dev).repeat_interleave(2 * T)
    k_idx = torch.arange(2, device=dev).repeat_interleave(T).repeat(E)
    t_idx = torch.arange(T, device=dev).repeat(2 * E)
    G = e_idx.numel()
    wg, vg = w[e_idx], valid[e_idx]
    keep = (q * vg.sum(1).float()).round().clamp(min=1)                               # (G,)
    gens = [torch.Generator().manual_seed(int(s) * 7919 + 3 + seed_offset) for s in model.seeds]
    scores = torch.stack([torch.rand(2 * T, P, generator=g) for g in gens]).reshape(G, P).to(dev)
    scores.requires_grad_(True)
    opt = torch.optim.Adam([scores], lr=MASK_LR, fused=True)
    b_hb = model.b_hb.detach()[e_idx] if model.b > 0 else None
    b_r = model.b_r.detach()[e_idx]
    comms = model.comms_start[e_idx]

    k_max = int(keep.max())
    take = torch.arange(k_max, device=dev)[None] < keep[:, None]                                 # (G, k_max)

    def hard_mask(s):
        """Exactly keep[g] top-scoring valid weights per row (topk: a full double argsort cost 30 % of the run)."""
        top = s.masked_fill(~vg, float("-inf")).topk(k_max, 1, sorted=True).indices
        return torch.zeros_like(vg).scatter_(1, top, take)

    def answer(p, u):
        """The answer's logits (G, B, C) of the frozen networks with masked weights p on currents u, read at
        each one's step under the ``decision`` rule (for "either": log-probabilities of the mixture)."""
        h = model.hidden_states(None, steps, p["W_hh"], p["inter"], currents=u, comms_start=comms,
                                at=t_idx)                                               # (G, B, 2n)
        z = model.bottleneck_states(h, W_hb=p.get("W_hb"), b_hb=b_hb)
        r = model.readouts(z, p["W_r"], b_r)[:, :, :, 0]                                # (G, B, M, C)
        if decision == "max" or r.shape[2] == 1:
            return model.decide(r[:, :, :, None])[:, :, 0]
        return torch.logsumexp(torch.log_softmax(r, -1), 2) - math.log(r.shape[2])      # either readout

    def digit_labels(digits):
        return digits[e_idx].gather(2, k_idx.view(G, 1, 1).expand(G, digits.shape[1], 1))[..., 0]

    # input weights are not masked: each batch's input currents are computed once; only they and the digits
    # are kept (not the batches: timed ones hold their images and noise masks, ~30 MB a batch at E = 16, MNIST)
    currents, digits = [], []
    with torch.no_grad():
        for b in stream.fixed_set("probe-train", max(size, batch), "train", batch=batch):
            currents.append(model.input_currents(b.x))
            digits.append(b.digits)
    for it in range(iters):
        hard = hard_mask(scores.detach())
        m = hard.float() + scores - scores.detach()                                    # straight-through
        y = digit_labels(digits[it % len(digits)])
        logits = answer(_unflatten(wg * m, shapes), currents[it % len(currents)][e_idx])
        loss = cross_entropy(logits, y).sum() / y.shape[1]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    hard = hard_mask(scores.detach()).float()
    share = torch.stack([(hard * (owner == m)).sum(1) for m in (0, 1)], -1) / hard.sum(1, keepdim=True)
    M = share.reshape(E, 2, T, 2).permute(0, 2, 3, 1)                                  # (E,T,m,k)
    if not return_accuracy:
        return M
    correct, total = torch.zeros(G, device=dev), 0
    masked = _unflatten(wg * hard, shapes)                                             # the final masks
    with torch.no_grad():
        for b in stream.fixed_set("probe-test", test_size, "test", batch=256):
            y = digit_labels(b.digits)
            correct += (answer(masked, model.input_currents(b.x)[e_idx]).argmax(-1) == y).float().sum(1)
            total += y.shape[1]
    return M, (correct / total).reshape(E, 2, T).transpose(1, 2)                       # (E,T,k)
