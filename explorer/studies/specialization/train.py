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


def train(model, stream, *, steps: int, epochs: int, pairs_per_epoch: int, batch_size: int, lr: float,
          deep_r_lr=None, deep_r_temperature=0.0, until_accuracy: float = 0.0, test_size: int = 1024,
          on_progress=None, cancel=None):
    """Train the ensemble in place; returns per-epoch curves {"loss": (epochs, E), "accuracy": (epochs, E)}.

    With ``until_accuracy`` > 0 each network stops after the first epoch at which its own test accuracy reached
    the criterion: its weights are kept as they were then (restored after every later step of the others) and
    its curves are NaN from there on. Training ends when every network has stopped or the epochs are spent. So
    a network trains as long as it would alone, whichever networks share its ensemble (before, the whole
    ensemble trained until its slowest network reached the criterion, so the same config and seed could train
    15 epochs in one ensemble and 150 in another).
    """
    # fused Adam: one kernel per parameter (2–3.5× faster than the default per-tensor loop on the CPU)
    opt = torch.optim.Adam(model.dense_parameters(), lr=lr, fused=True)
    if not model.inter.trainable_mask:
        opt.add_param_group({"params": [model.inter.w]})
    n_batches = max(1, pairs_per_epoch // batch_size)
    # cosine decay of the dense learning rate to 5 % over the whole run (a sharper end point)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, i / (epochs * n_batches)))))

    def step(batch):
        opt.zero_grad(set_to_none=True)
        if model.inter.trainable_mask:
            model.inter.theta.grad = None
        per_net = network_losses(model(batch.x, steps), batch.y)      # (E,)
        per_net.sum().backward()                                       # = ensemble_loss
        opt.step()
        sched.step()
        return per_net

    params = list(model.parameters())
    stopped = torch.zeros(len(model.seeds), dtype=torch.bool)      # networks at the criterion: weights kept
    stop_epoch = torch.full((len(model.seeds),), epochs)
    kept: list[torch.Tensor] = []                                   # each parameter as its network stopped
    on_device: list[torch.Tensor] = []                              # ``stopped`` where the weights live

    @torch.no_grad()
    def keep_stopped(*_):   # after the optimiser and Deep-R moved every network: stopped ones back
        if on_device:       # (set at an epoch's end, so a step costs no host-to-device copy or sync)
            for p, k in zip(params, kept):
                p[on_device[0]] = k[on_device[0]]

    def after_epoch(epoch, losses):
        acc, _ = evaluate(model, stream, steps, test_size)
        if until_accuracy > 0:
            new = (acc.cpu() >= until_accuracy) & ~stopped
            if new.any():
                if not kept:
                    kept.extend(p.detach().clone() for p in params)
                idx = new.to(params[0].device)
                for p, k in zip(params, kept):
                    k[idx] = p.detach()[idx]
                stopped[new], stop_epoch[new] = True, epoch + 1
                on_device[:] = [stopped.to(params[0].device)]
        done = {"at_criterion": int(stopped.sum())} if until_accuracy > 0 else {}   # the progress line says it
        return {"accuracy": acc, "stop": bool(stopped.all()), **done}

    curves = fit(epochs=epochs, n_batches=n_batches, seeds=model.seeds, on_progress=on_progress, cancel=cancel,
                 batches=lambda epoch: stream.batches("train", epoch, pairs_per_epoch, batch_size), step=step,
                 hooks=[hook(after_step=lambda *_: model.inter.step(deep_r_lr, deep_r_temperature)),
                        hook(after_step=keep_stopped, after_epoch=after_epoch)])
    after = torch.arange(epochs)[:, None] >= stop_epoch[None, :]   # (epochs, E): a stopped network's later epochs
    loss, accuracy = curves.loss.masked_fill(after, float("nan")), curves.accuracy.masked_fill(after, float("nan"))
    return {"loss": loss.numpy(), "accuracy": accuracy.numpy()}


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
