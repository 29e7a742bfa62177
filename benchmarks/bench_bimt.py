"""BIMT speed, measured as ratios in one run (no wall-clock limits live in tests).

1. Swap evaluation at 10 × 10: the closed-form cost changes of all top-k × N swaps of every network at once
   (:func:`explorer.models.spatial.swap_deltas`) vs recomputing the distance cost for each candidate swap
   (:func:`explorer.models.spatial.best_swap_bruteforce`). Target ≥ 50×.
2. A training step per network: an ensemble of 3 regimes × 3 seeds (one batched pass) vs one network alone.
3. The wall time of a default 8 × 8 run (one BIMT network, train + measure).

    .venv/bin/python benchmarks/bench_bimt.py [--steps 4000] [--skip-run]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from explorer.models.spatial import SpatialRNN, best_swap_bruteforce, swap_deltas
from explorer.studies.bimt.config import BIMTConfig
from explorer.studies.bimt.core import _network_loss, train_and_measure
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


def step_ratio(grid=8, reps=15):
    bank = TrialBank(None, 64, 0)
    times = {}
    for E in (1, 9):
        m = SpatialRNN(list(range(E)), grid=grid, lam=1e-3, A=1.0, swaps=True)
        opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.0)
        rngs = [np.random.default_rng(i) for i in range(E)]
        batches = [bank.sample(rngs, DEFAULTS["trials_per_task"]) for _ in range(4)]
        it = iter(range(10 ** 9))

        def step():
            b = batches[next(it) % 4]
            opt.zero_grad(set_to_none=True)
            (_network_loss(m(b.x, lengths=b.length), b) + m.regularisation()).sum().backward()
            opt.step()
        times[E] = _time(step, reps)
    return times


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
    print(f"training step, 8x8, 20 tasks x {DEFAULTS['trials_per_task']} trials: one network {t[1] * 1e3:.1f} ms, "
          f"ensemble of 9 {t[9] * 1e3:.1f} ms = {t[9] / 9 * 1e3:.1f} ms a network -> {9 * t[1] / t[9]:.2f}x "
          "per network (target >= 3x)")
    if not args.skip_run:
        t0 = time.perf_counter()
        out = train_and_measure({"steps": args.steps}, [0], ["bimt"])
        print(f"default 8x8 BIMT run, {args.steps} steps, seed 0: {time.perf_counter() - t0:.1f} s "
              f"(training {float(out['train_seconds']):.1f} s), accuracy {out['accuracy'][0]:.3f}, "
              f"isolated-fraction percentile {out['isolated_percentile'][0]:.2f}")


if __name__ == "__main__":
    main()
