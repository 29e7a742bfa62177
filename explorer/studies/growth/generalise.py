"""Generalisation to harder tasks with a short retraining budget (Hamidi et al. 2024, Fig. 2c).

After the curriculum, a network that solved N (its largest N solved) is asked for N + K, K = 1 … K_max: the
readout of the task it solved last is drawn afresh and trained on (N + K)-parity for a few steps, then
measured on balanced sequences. The chain retrains the module that solved N (its older modules stay as the
run left them: frozen at γ = 0); the RNN retrains everything, as it did throughout the curriculum. The paper:
"the N = 10 module is now tested for solving N = 10 + K, while the non-modular network is tested on a new
read-out head for N = 10 + K. We only allow 10 epochs of additional training on the new task."

All K·E retrainings run as one ensemble (copy-major: copy k of network e at index k·E + e) on copies of the
trained networks, which stay untouched; every draw comes from the network's own generators.
"""
from __future__ import annotations

import numpy as np
import torch

from ...core.cancel import check
from ...models.growing import MaskedNesterov
from ...tasks.parity import ParityBatch, ParityStream

__all__ = ["generalisation"]


def _retarget(batch: ParityBatch, head: torch.Tensor, n: torch.Tensor, K: int) -> ParityBatch:
    """The batch with head[e]'s target replaced by the (n[e])-parity (the batch holds targets for 2 … max n)."""
    rows = torch.arange(len(head))
    targets = torch.zeros(len(head), K, batch.targets.shape[2], dtype=batch.targets.dtype)
    targets[rows, head] = batch.targets[rows, n - 2]
    return ParityBatch(batch.x, batch.start, targets, batch.length)


def generalisation(model, n_solved: np.ndarray, s: dict, seeds: list, lr: float, data_seed, cancel=None) -> np.ndarray:
    """(E, K_max) balanced accuracy on N_e + K after ``generalise_steps`` steps of retraining, N_e = the
    network's largest N solved (NaN for a network that solved nothing). ``data_seed(salt)`` gives one seed per
    network for a purpose (the run's :func:`~explorer.studies.growth.core._data_seed`)."""
    K_max, E = s["generalise"], model.E
    solved = torch.as_tensor(np.asarray(n_solved), dtype=torch.long)
    out = np.full((E, K_max), np.nan)
    if K_max == 0 or not bool((solved >= 2).any()):
        return out
    base = solved.clamp(min=2)                                   # a network that solved nothing: ignored below
    copies = model.repeated(K_max)
    head = (base - 2).repeat(K_max)                              # the head (module) that solved N_e
    target = base.repeat(K_max) + torch.arange(1, K_max + 1).repeat_interleave(E)
    copies.n_active = head + 1
    if hasattr(copies, "scale"):                                 # the module that solved N_e learns again
        copies.scale[torch.arange(len(head)), head] = 1.0
    def per_copy(salt):   # one seed per retraining: network e's own, shifted by its K
        return [x + 104729 * k for k in range(K_max) for x in data_seed(salt)]

    gens = [torch.Generator().manual_seed(x) for x in per_copy(61)]
    copies.reset_head(head, [torch.Generator().manual_seed(x) for x in per_copy(62)])
    n_top = int(target.max())
    train = ParityStream(per_copy(63), n_top, s["batch_size"], lengths=63)
    active = torch.nn.functional.one_hot(head, copies.K).bool()
    opt = MaskedNesterov(copies.parameters(), lr, s["momentum"], s["clip"])
    for _ in range(s["generalise_steps"]):
        check(cancel)
        batch = _retarget(train.next(target), head, target, copies.K)
        copies.loss(batch, copies.h0(s["batch_size"], generator=gens), active).sum().backward()
        opt.step(copies.lr_scales())
    evals = ParityStream(per_copy(64), n_top, s["eval_batch_size"], lengths=64)
    acc = 0
    for _ in range(s["eval_batches"]):
        batch = _retarget(evals.next(target, balanced=True), head, target, copies.K)
        acc = acc + copies.accuracy(batch, copies.h0(s["eval_batch_size"], generator=gens))
    acc = (acc / s["eval_batches"])[torch.arange(len(head)), head].view(K_max, E).T.numpy()
    out[:] = np.where((solved >= 2).numpy()[:, None], acc, np.nan)
    return out
