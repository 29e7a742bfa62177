"""BIMT speed, measured as ratios in one run (no wall-clock limits live in tests).

1. Swap evaluation at 10 × 10: the closed-form cost changes of all top-k × N swaps of every network at once
   (:func:`explorer.models.spatial.swap_deltas`) vs recomputing the distance cost for each candidate swap
   (:func:`explorer.models.spatial.best_swap_bruteforce`). Target ≥ 50×.
2. A training step per network (drawing the batch, forward, backward, AdamW, as the runner does): an ensemble
   of the 3 regimes × 3 seeds (one batched pass) vs one network alone, timed alternately in this process
   (medians of rounds, so a drift in the machine's speed hits both). Target ≥ 3×.
3. The wall time of the default run, ``run_many([BIMTConfig()])``: 8 × 8, BIMT, 3 seeds as one ensemble,
   4000 steps, train + measure.

    .venv/bin/python benchmarks/bench_bimt.py [--steps 4000] [--skip-run]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from explorer.models.spatial import SpatialRNN, best_swap_bruteforce, swap_deltas
from explorer.studies.bimt.config import BIMTConfig
from explorer.studies.bimt.core import _adamw, _network_loss, keep_freed_memory
from explorer.studies.bimt.run import run_many
from explorer.tasks.cognitive import TrialBank

DEFAULTS = BIMTConfig().to_dict()


def _time(fn, reps):
    fn()
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def swap_ratio(grid=10, E=9, top_k=10):
    m = SpatialRNN(list(range(E)), grid=grid, A=1.0, swaps=True)
    cand = m.scores().detach().topk(top_k, 1).indices
    absw = m.w.detach().abs()
    fast = _time(lambda: swap_deltas(absw, m.dist, cand).argmin(-1), 20)

    def slow():
        for e in range(E):
            for a in cand[e].tolist():
                best_swap_bruteforce(m, e, a)
    slow_t = _time(slow, 1)
    # same answers
    d = swap_deltas(absw, m.dist, cand)
    assert all(int(d[e, c].argmin()) == best_swap_bruteforce(m, e, int(cand[e, c]))[0]
               for e in range(2) for c in range(2))
    return fast, slow_t


def step_ratio(grid=8, rounds=12, steps=8):
    """Median seconds per training step of one network and of the 9-network ensemble, timed alternately."""
    keep_freed_memory()                                   # as train_and_measure does
    bank = TrialBank(None, DEFAULTS["bank_trials"], 0)
    regimes = [("bimt", 1e-3, 1.0), ("l1", 1e-3, 0.0), ("none", 0.0, 0.0)]
    nets = {1: [("bimt", 1e-3, 1.0)], 9: [r for r in regimes for _ in range(3)]}
    steppers = {}
    for E, members in nets.items():
        m = SpatialRNN(list(range(E)), grid=grid, lam=[la for _, la, _ in members], A=[a for *_, a in members],
                       swaps=[r == "bimt" for r, *_ in members])
        opt = _adamw(list(m.parameters()), DEFAULTS["lr"])
        rngs = [np.random.default_rng([i, 7]) for i in range(E)]

        def step(m=m, opt=opt, rngs=rngs):
            b = bank.sample(rngs, DEFAULTS["trials_per_task"])
            opt.zero_grad(set_to_none=True)
            (_network_loss(m, b) + m.regularisation()).sum().backward()
            opt.step()
        step()
        steppers[E] = step
    times = {E: [] for E in steppers}
    for _ in range(rounds):
        for E, step in steppers.items():
            times[E].append(_time(step, steps))
    return {E: statistics.median(t) for E, t in times.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    ap.add_argument("--skip-run", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    fast, slow = swap_ratio()
    print(f"swap evaluation, 10x10, 9 networks x top-10 x 100 partners: vectorised {fast * 1e3:.2f} ms, "
          f"per-candidate recomputation {slow * 1e3:.0f} ms -> {slow / fast:.0f}x (target >= 50x)")
    t = step_ratio()
    print(f"training step, 8x8, 20 tasks x {DEFAULTS['trials_per_task']} trials (medians, timed alternately in this "
          f"run): one network {t[1] * 1e3:.1f} ms, ensemble of 9 (3 regimes x 3 seeds) {t[9] * 1e3:.1f} ms = "
          f"{t[9] / 9 * 1e3:.1f} ms a network -> {9 * t[1] / t[9]:.2f}x per network (target >= 3x)")
    if not args.skip_run:
        t0 = time.perf_counter()
        result = run_many([BIMTConfig(steps=args.steps)])[0]
        d = result.data
        print(f"default run, run_many([BIMTConfig(steps={args.steps})]) (8x8, BIMT, 3 seeds, one ensemble): "
              f"{time.perf_counter() - t0:.1f} s; accuracy {np.round(d['accuracy'].values, 3).tolist()}, "
              f"isolated-fraction percentile {np.round(d['isolated_percentile'].values, 1).tolist()}")


if __name__ == "__main__":
    main()
