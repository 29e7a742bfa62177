"""Training the two-module ensemble with the house's loop (:func:`explorer.core.fit.fit`).

The loss follows the decision scheme (docs/science.md §1): with separate readouts only the max-decision output
r_out = r^(μ) is scored (Béna & Goodman 2023b, §2.2), summed over the target heads T′ and T″ (Béna & Goodman
2023a, eq. 2); with a common readout its output is scored. Dense weights use Adam; Deep-R links take their own
Adam step and random walk after every step (a :class:`~explorer.core.fit.Hook`).
"""
from __future__ import annotations

import math

import torch

from ...core.fit import fit, hook
from ...core.subsets import put, take_optimizer_state
from ...models.losses import cross_entropy


def network_losses(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(E,) batch-mean cross-entropy summed over target heads, one per network."""
    return cross_entropy(logits, y).sum(-1).mean(1)


def ensemble_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Sum over networks of the batch-mean cross-entropy summed over target heads.

    Summing (not averaging) over networks keeps each network's gradient exactly what it would be alone.
    """
    return network_losses(logits, y).sum()


@torch.no_grad()
def evaluate(model, stream, steps: int, size: int, split: str = "test", purpose: str = "test"):
    """Global-task accuracy (E,) on the T' head, and loss (E,), over a fixed evaluation set."""
    correct, total, loss = 0.0, 0, 0.0
    for batch in stream.fixed_set(purpose, size, split):
        logits = model(batch.x, steps)
        correct = correct + (logits[:, :, 0].argmax(-1) == batch.y[..., 0]).float().sum(1)
        loss = loss + cross_entropy(logits, batch.y).sum(-1).sum(1)
        total += logits.shape[1]
    return correct / total, loss / total


def _adam(model, lr: float) -> torch.optim.Adam:
    """Adam over the dense weights (fused: one kernel per parameter, 2–3.5× faster than the default per-tensor loop
    on the CPU) and fixed links' weights; Deep-R links take their own step."""
    opt = torch.optim.Adam(model.dense_parameters(), lr=lr, fused=True)
    if not model.inter.trainable_mask:
        opt.add_param_group({"params": [model.inter.w]})
    return opt


class _Training:
    """The networks still training: at first the whole ensemble; once some reached the criterion, the others as
    an ensemble of their own (their weights, Adam and Deep-R state and data streams taken out of the whole one:
    :mod:`explorer.core.subsets`), so networks that are done cost nothing more."""

    def __init__(self, model, stream, lr: float):
        self.whole, self.whole_stream = model, stream
        self.model, self.stream, self.opt = model, stream, _adam(model, lr)
        self.idx = torch.arange(model.E)         # which networks of the whole ensemble train now

    def drop(self, done: torch.Tensor) -> None:
        """Stop the networks ``done`` ((E_now,) bool over those training now): all go back into the whole ensemble,
        and the others are taken out again to train on alone."""
        old, old_opt = self.model, self.opt
        self.put_back()
        keep = (~done).nonzero().flatten()
        self.idx = self.idx[keep]
        if not len(self.idx):
            return
        self.model, self.stream = self.whole.select(self.idx), self.whole_stream.select(self.idx.tolist())
        self.opt = _adam(self.model, old_opt.defaults["lr"])
        mine = dict(self.model.named_parameters())
        take_optimizer_state(old_opt, self.opt, [(p, mine[name]) for name, p in old.named_parameters()], keep)

    def put_back(self) -> None:
        """The networks training now written back into the whole ensemble."""
        if self.model is not self.whole:
            put(self.whole, self.idx, self.model)
            self.model, self.stream = self.whole, self.whole_stream

    def stopped(self) -> torch.Tensor:
        """(E,) bool: the networks of the whole ensemble that no longer train."""
        out = torch.ones(self.whole.E, dtype=torch.bool)
        out[self.idx] = False
        return out

    def spread(self, values: torch.Tensor) -> torch.Tensor:
        """(E_now,) values of the networks training now as (E,) for the whole ensemble, NaN for the others."""
        if self.model is self.whole:
            return values
        out = values.new_full((self.whole.E,), float("nan"))
        out[self.idx.to(values.device)] = values
        return out


def train(model, stream, *, steps: int, epochs: int, pairs_per_epoch: int, batch_size: int, lr: float,
          deep_r_lr=None, deep_r_temperature=0.0, until_accuracy: float = 0.0, test_size: int = 1024,
          on_progress=None, cancel=None):
    """Train the ensemble in place; returns per-epoch curves {"loss": (epochs, E), "accuracy": (epochs, E)}.

    With ``until_accuracy`` > 0 each network stops after the first epoch at which its own test accuracy reached
    the criterion: its weights are kept as they were then and its curves are NaN from there on, and the others
    train on as an ensemble of their own. Training ends when every network has stopped or the epochs are spent.
    So a network trains as long as it would alone, whichever networks share its ensemble, and networks that are
    done cost nothing more (before 2026-12-06 they were computed on and their steps undone: with one straggler an
    ensemble of 27 ran all its epochs at the cost of 27 networks).
    """
    now = _Training(model, stream, lr)
    n_batches = max(1, pairs_per_epoch // batch_size)
    total = epochs * n_batches
    done_steps = 0

    def step(batch):
        nonlocal done_steps
        # cosine decay of the dense learning rate to 5 % over the whole run (a sharper end point)
        decay = 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, done_steps / total)))
        for group in now.opt.param_groups:
            group["lr"] = lr * decay
        done_steps += 1
        now.opt.zero_grad(set_to_none=True)
        if now.model.inter.trainable_mask:
            now.model.inter.theta.grad = None
        per_net = network_losses(now.model(batch.x, steps), batch.y)      # (E_now,)
        per_net.sum().backward()                                           # = ensemble_loss
        now.opt.step()
        return now.spread(per_net.detach())

    def after_epoch(epoch, losses):
        acc, _ = evaluate(now.model, now.stream, steps, test_size)     # of the networks training now
        acc = acc.cpu()
        info = {"accuracy": now.spread(acc)}
        if until_accuracy > 0:
            done = acc >= until_accuracy
            if done.any():
                now.drop(done)
            info["stopped"] = now.stopped()        # fit ends training once all have; the progress line says how many
        return info

    try:
        curves = fit(epochs=epochs, n_batches=n_batches, seeds=model.seeds, on_progress=on_progress, cancel=cancel,
                     batches=lambda epoch: now.stream.batches("train", epoch, pairs_per_epoch, batch_size),
                     step=step, hooks=[hook(after_step=lambda *_: now.model.inter.step(deep_r_lr, deep_r_temperature),
                                            after_epoch=after_epoch)])
    finally:
        now.put_back()
    return {"loss": curves.loss.numpy(), "accuracy": curves.accuracy.numpy()}


def training_flops(model, steps: int, batch: int) -> float:
    """Multiply-add FLOPs of one training step (forward + backward ≈ 3× forward) for the whole ensemble."""
    n, E = model.n, model.E
    f_in = model.W_in.shape[-1]
    n_in = model.W_in.shape[1]
    fwd = 2 * batch * n_in * n * f_in                      # input projection (once: static inputs)
    fwd += 2 * batch * (steps - 1) * (2 * n) ** 2           # recurrence
    d = model.b if model.b > 0 else n
    if model.b > 0:
        fwd += 2 * batch * 2 * model.b * n
    fwd += 2 * batch * 2 * d * model.n_targets * model.classes
    return 3.0 * fwd * E
