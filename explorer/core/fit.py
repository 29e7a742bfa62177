"""The one batched training loop every study uses: E networks, hooks after each step and epoch, progress, cancel.

A study supplies what is its own — how to draw an epoch's batches, what one optimisation step is, and what
happens after a step (Deep-R rewiring; BIMT's λ schedule and neuron swaps) or after an epoch (evaluation,
early stop at an accuracy criterion, a curriculum's stage advance and module growth) — and :func:`fit` does
the rest the same way for all of them: the loop, the NaN guard, progress events (which may carry a snapshot
for live views), and cancellation, checked before every step.

Progress events are plain dicts::

    {"stage": "train", "epoch": e, "epochs": E_total, "fraction": f ∈ [0, 1], "seeds": [...],
     "loss": [per network], "accuracy": [per network] or None, "step": steps done, "snapshot": {...}
     (optional), "total_steps": T (when the study counts its training in steps), "stopped": k (once k networks
     train no more, e.g. at an accuracy criterion: their loss and accuracy are NaN), ...}
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import torch

from .cancel import Cancelled, check

__all__ = ["fit", "Hook", "Cancelled", "check"]


class Hook:
    """Something done after each optimisation step and/or after each epoch (override what you need).

    ``after_epoch`` may return a dict that is merged into the epoch's progress event; a key ``"stopped"`` (E,) bool
    names the networks that train no more: from the next step on the study's ``step`` returns NaN as their loss,
    which the NaN guard leaves alone, and once every network has stopped training ends.
    """

    def after_step(self, step: int, epoch: int) -> None:  # pragma: no cover - default does nothing
        pass

    def after_epoch(self, epoch: int, losses: torch.Tensor) -> dict | None:  # pragma: no cover
        return None


@dataclass
class _Call(Hook):
    step: Callable | None = None
    epoch: Callable | None = None

    def after_step(self, step, epoch):
        if self.step is not None:
            self.step(step, epoch)

    def after_epoch(self, epoch, losses):
        return self.epoch(epoch, losses) if self.epoch is not None else None


def hook(after_step=None, after_epoch=None) -> Hook:
    """A :class:`Hook` from one or two functions."""
    return _Call(after_step, after_epoch)


@dataclass
class Curves:
    """Per-epoch training curves, (epochs, E) each, NaN after an early stop; ``extra`` holds what
    ``after_epoch`` hooks reported under other names (lists per epoch)."""

    loss: torch.Tensor
    accuracy: torch.Tensor
    epochs_run: int
    extra: dict = field(default_factory=dict)


def _stopped(stopped: torch.Tensor) -> dict:
    """``{"stopped": k}`` for a progress event once k networks train no more (their loss and accuracy are NaN)."""
    k = int(stopped.sum())
    return {"stopped": k} if k else {}


def fit(*, epochs: int, batches: Callable[[int], Iterable], step: Callable[[object], torch.Tensor],
        n_batches: int, seeds: list, hooks: Iterable[Hook] = (), on_progress=None, cancel=None,
        report_every: int = 16, snapshot: Callable[[], dict] | None = None, snapshot_every: int = 0,
        total_steps: int | None = None) -> Curves:
    """Train an ensemble in place.

    ``batches(epoch)`` yields that epoch's batches; ``step(batch)`` does one optimisation step of all E
    networks and returns their losses (E,) (detached or not). After every step each hook's ``after_step`` runs,
    after every epoch each hook's ``after_epoch``; an ``"accuracy"`` entry (E,) from a hook becomes the
    accuracy curve. Raises :class:`Cancelled` when ``cancel`` is set and ``FloatingPointError`` naming the
    seeds whose loss stopped being finite. ``snapshot()`` (if given) is attached to a progress event every
    ``snapshot_every`` steps and at each epoch's end, for live views. ``total_steps`` (a study whose training is
    a number of steps, its "epochs" only blocks of them) goes into every event, so progress is told in steps.
    """
    hooks = list(hooks)
    E = len(seeds)
    losses, accs, extra = [], [], {}
    t0 = time.perf_counter()
    global_step = 0
    counted = {} if total_steps is None else {"total_steps": int(total_steps)}
    stopped = torch.zeros(E, dtype=torch.bool)        # networks a hook stopped: their loss is NaN, not diverged
    for epoch in range(epochs):
        run_loss = torch.zeros(E)
        count = 0
        for b, batch in enumerate(batches(epoch)):
            check(cancel)
            per_net = step(batch).detach()
            for h in hooks:
                h.after_step(global_step, epoch)
            global_step += 1
            run_loss += per_net.cpu()
            count += 1
            if on_progress is not None and (b == 0 or b % report_every == report_every - 1):
                event = {"stage": "train", "epoch": epoch, "epochs": epochs,
                         "fraction": (epoch + (b + 1) / n_batches) / epochs, "seeds": list(seeds),
                         "loss": (run_loss / count).tolist(), "accuracy": None, "step": global_step,
                         **counted, **_stopped(stopped)}
                if snapshot is not None and snapshot_every and (b == 0 or global_step % snapshot_every == 0):
                    event["snapshot"] = snapshot()
                on_progress(event)
        epoch_loss = run_loss / max(count, 1)
        finite = torch.isfinite(epoch_loss) | stopped
        if not finite.all():
            bad = [s for s, ok in zip(seeds, finite.tolist()) if not ok]
            who = f"{'seed' if len(bad) == 1 else 'seeds'} {', '.join(map(str, bad))}"
            raise FloatingPointError(f"training diverged (the loss is not finite) for {who}; lower the learning rate.")
        info: dict = {}
        for h in hooks:
            info.update(h.after_epoch(epoch, epoch_loss) or {})
        if "stopped" in info:
            stopped = torch.as_tensor(info.pop("stopped"), dtype=torch.bool).cpu()
        acc = info.pop("accuracy", None)
        losses.append(epoch_loss)
        accs.append(torch.as_tensor(acc, dtype=torch.float32).cpu() if acc is not None
                    else torch.full((E,), float("nan")))
        for k, v in info.items():
            extra.setdefault(k, []).append(v)
        if on_progress is not None:
            event = {"stage": "train", "epoch": epoch + 1, "epochs": epochs, "fraction": (epoch + 1) / epochs,
                     "seeds": list(seeds), "loss": epoch_loss.tolist(),
                     "accuracy": accs[-1].tolist() if acc is not None else None,
                     "elapsed": time.perf_counter() - t0, "step": global_step, **counted, **_stopped(stopped),
                     **info}
            if snapshot is not None:
                event["snapshot"] = snapshot()
            on_progress(event)
        if bool(stopped.all()):
            break
    run = len(losses)
    pad = torch.full((epochs - run, E), float("nan"))
    return Curves(loss=torch.cat([torch.stack(losses), pad]), accuracy=torch.cat([torch.stack(accs), pad]),
                  epochs_run=run, extra=extra)
