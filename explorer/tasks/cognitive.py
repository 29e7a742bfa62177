"""The 20 cognitive tasks of Yang et al. 2019 through neurogym's ``yang19`` collection, with rule inputs.

Each trial is neurogym's observation (T × 33: fixation, two 16-unit stimulus rings) joined to a one-hot rule
input of length 20 — the task's index among all 20, whatever subset is trained — so every network sees
53 inputs and answers with 17 outputs (fixation + a 16-unit response ring), as in Liu et al. 2023 §2.

Trials are drawn once into a cached :class:`TrialBank` (per task, from neurogym environments seeded
reproducibly) and mixed-task batches are sampled from it with a numpy ``Generator``: every batch holds the
same number of trials of each task, padded to the longest trial with a loss mask. Accuracy follows Yang et
al. 2019: a trial is correct when the network keeps fixating for the whole fixation period and, at the last
step of the decision period, gives the correct response (a direction within 36° of the target; fixation where
the target is to keep fixating).

``import neurogym`` takes seconds, so it is imported lazily inside the functions that need it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["TASKS", "N_OBS", "N_RULES", "N_INPUTS", "N_OUTPUTS", "check_tasks", "TrialBank", "Batch",
           "trial_accuracy"]

from .yang19 import DT, N_INPUTS, N_OBS, N_OUTPUTS, N_RULES, TASKS, check_tasks  # noqa: F401


def _draw(task: str, n: int, seed: int):
    """n trials of one task from a neurogym env seeded with ``seed``: observations, targets, decision start."""
    import neurogym as ngym                                            # slow import, only when drawing

    env = ngym.make(f"yang19.{task}-v0", dt=DT).unwrapped
    env.seed(int(seed))
    obs, gts, starts = [], [], []
    for _ in range(n):
        env.new_trial()
        obs.append(np.asarray(env.ob, np.float32))
        gts.append(np.asarray(env.gt, np.int64))
        starts.append(int(env.start_ind["decision"]))
    return obs, gts, starts


@dataclass
class Batch:
    """A padded mixed-task batch. ``x`` (..., B, T, 53), ``y`` (..., B, T) targets, ``valid`` (..., B, T) real
    steps, ``decision`` (..., B, T) decision-period steps, ``weight`` (..., B, T) loss weights (0 on padding),
    ``task`` (..., B) task index within the chosen tasks, ``length`` (..., B) trial lengths, in decreasing
    order (so a model can run only the trials still going). A leading network dimension E is present when
    the batch was drawn for an ensemble."""

    x: torch.Tensor
    y: torch.Tensor
    valid: torch.Tensor
    decision: torch.Tensor
    weight: torch.Tensor
    task: torch.Tensor
    length: torch.Tensor


class TrialBank:
    """A cached bank of ``per_task`` trials of each chosen task, padded to the bank's longest trial.

    Deterministic given ``seed``: task i's environment is seeded from ``SeedSequence([seed, i])``.
    ``decision_weight`` scales the loss on decision-period steps (Yang et al. 2019 weight the response
    period 5× the fixation period).
    """

    def __init__(self, tasks=None, per_task: int = 256, seed: int = 0, decision_weight: float = 5.0):
        self.tasks = check_tasks(tasks)
        if per_task < 1:
            raise ValueError("the trial bank needs at least one trial per task.")
        self.per_task, self.seed = int(per_task), int(seed)
        self.rule_index = np.array([TASKS.index(t) for t in self.tasks])
        drawn = []
        for t in self.tasks:
            env_seed = int(np.random.SeedSequence([self.seed, TASKS.index(t)]).generate_state(1)[0])
            drawn.append(_draw(t, self.per_task, env_seed))
        lengths = np.array([[o.shape[0] for o in obs] for obs, _, _ in drawn])          # (K, n)
        K, n, T = len(self.tasks), self.per_task, int(lengths.max())
        x = np.zeros((K, n, T, N_INPUTS), np.float32)
        y = np.zeros((K, n, T), np.int64)
        dec_start = np.zeros((K, n), np.int64)
        for k, (obs, gts, starts) in enumerate(drawn):
            x[k, :, :, N_OBS + self.rule_index[k]] = 1.0                # rule one-hot, padding included
            for i, (o, g, s) in enumerate(zip(obs, gts, starts)):
                x[k, i, :len(o), :N_OBS] = o
                y[k, i, :len(g)] = g
                dec_start[k, i] = s
        steps = np.arange(T)
        valid = steps < lengths[..., None]
        x[~valid] = 0.0                                                 # padded steps carry no input at all
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
        self.length = torch.from_numpy(lengths)
        self.valid = torch.from_numpy(valid)
        self.decision = torch.from_numpy(valid & (steps >= dec_start[..., None]))
        self.decision_weight = float(decision_weight)
        self.weight = self.valid.float() + (self.decision_weight - 1.0) * self.decision.float()
        self.max_length = T

    def _batch(self, k: torch.Tensor, i: torch.Tensor) -> Batch:
        trial = k * self.per_task + i                                   # (..., B) index among all K·n trials
        order = torch.sort(self.length.view(-1)[trial], dim=-1, descending=True, stable=True).indices
        k, trial = k.gather(-1, order), trial.gather(-1, order)         # longest trials first (for packing)
        length = self.length.view(-1)[trial]
        T = int(length.max())
        flat = trial.reshape(-1)

        def take(a):                                                    # index_select: advanced indexing of
            a = a.view(-1, *a.shape[2:])[:, :T]                         # the bank was most of sample()'s time
            return a.index_select(0, flat).view(*trial.shape, *a.shape[1:])

        return Batch(x=take(self.x), y=take(self.y), valid=take(self.valid), decision=take(self.decision),
                     weight=take(self.weight), task=k, length=length)

    def sample(self, rng: np.random.Generator | list, per_task: int) -> Batch:
        """A mixed batch of ``per_task`` trials of every task, longest trials first. With a list of generators (one per
        network) each network draws its own trials and the batch gets a leading E dimension."""
        K = len(self.tasks)
        rngs = rng if isinstance(rng, (list, tuple)) else [rng]
        idx = torch.from_numpy(np.stack([g.integers(0, self.per_task, size=(K, per_task)) for g in rngs]))
        k = torch.arange(K).repeat_interleave(per_task).expand(len(rngs), -1)
        batch = self._batch(k, idx.reshape(len(rngs), -1))
        if not isinstance(rng, (list, tuple)):
            batch = Batch(**{f: getattr(batch, f)[0] for f in batch.__dataclass_fields__})
        return batch

    def task_trials(self, task: int) -> Batch:
        """All of the bank's trials of one task (by index within the chosen tasks), for evaluation."""
        k = torch.full((self.per_task,), int(task))
        return self._batch(k, torch.arange(self.per_task))


def trial_accuracy(logits: torch.Tensor, batch: Batch, tolerance_deg: float = 36.0):
    """Per-trial correctness (..., B) after Yang et al. 2019, and the decision-only correctness.

    Correct = fixation (output 0 wins) at every step before the decision period AND, at the trial's last step,
    the winning output equals the target, or both are ring directions within ``tolerance_deg`` of each other
    (16 ring units, 22.5° apart). The decision-only score ignores fixation (optimistic).
    """
    pred = logits.argmax(-1)                                            # (..., B, T)
    pre = (batch.valid & ~batch.decision).expand_as(pred)
    fixated = ((pred == 0) | ~pre).all(-1)
    last = (batch.length - 1).unsqueeze(-1).expand(pred.shape[:-1] + (1,))
    p_last = pred.gather(-1, last).squeeze(-1)
    y_last = batch.y.expand_as(pred).gather(-1, last).squeeze(-1)
    ring = N_OUTPUTS - 1
    d = (p_last - y_last).abs() % ring
    d = torch.minimum(d, ring - d)
    close = (p_last > 0) & (y_last > 0) & (d * 360.0 / ring <= tolerance_deg)
    decided = (p_last == y_last) | close
    return fixated & decided, decided
