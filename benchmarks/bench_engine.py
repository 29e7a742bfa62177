"""Engine speed, measured as ratios in one run (no wall-clock limits live in tests).

1. Training: the same model trained one network at a time vs as one ensemble of E networks; prints the
   per-network speed-up and the ensemble's achieved GFLOP/s next to this machine's fp32 matmul GFLOP/s.
2. Metric suite: all seed × module × digit × step probes fitted as one batched problem vs a probe-at-a-time loop.
3. Ablation readout on the trained ensemble's hidden states: the former 150 Adam steps against the FISTA solver
   now used (time ratio, and each one's mean |ΔF| from a 1000-step FISTA fit, the optimum to within ~1e-3).

    .venv/bin/python benchmarks/bench_engine.py [--E 32] [--epochs 1]
"""
from __future__ import annotations

import argparse
import time

import torch

from explorer.studies.specialization.config import SpecializationConfig
from explorer.metrics.probes import fit_softmax
from explorer.metrics.specialization import (AB_ITERS, BN_ITERS, BN_LR, PROBE_TEST, PROBE_TRAIN, ablation_metric,
                                             global_F, states)
from explorer.studies.specialization.run import build_ensemble
from explorer.studies.specialization.train import train, training_flops


def _gflops(product, flops: float, reps: int) -> float:
    product()
    t = time.perf_counter()
    for _ in range(reps):
        product()
    return flops * reps / (time.perf_counter() - t) / 1e9


def matmul_gflops(size: int = 1024, reps: int = 20) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    return _gflops(lambda: a @ b, 2 * size**3, reps)


def recurrence_bmm_gflops(E: int, B: int, N: int, reps: int = 200) -> float:
    """The rate of the recurrence's own matmul shape, (E, B, N) @ (E, N, N): the ceiling of its matmul share."""
    h, W = torch.randn(E, B, N), torch.randn(E, N, N)
    return _gflops(lambda: torch.bmm(h, W), 2 * E * B * N * N, reps)


def time_training(config: SpecializationConfig) -> tuple[float, object, object]:
    model, stream = build_ensemble([config])
    t = time.perf_counter()
    train(model, stream, steps=config.steps, epochs=config.epochs, pairs_per_epoch=config.pairs_per_epoch,
          batch_size=config.batch_size, lr=config.lr)
    return time.perf_counter() - t, model, stream


def main():
    import os

    torch.set_num_threads(int(os.environ.get("EXPLORER_THREADS", "1")))
    ap = argparse.ArgumentParser()
    ap.add_argument("--E", type=int, default=32)
    ap.add_argument("--single", type=int, default=4, help="networks timed one at a time (then averaged)")
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args()
    base = SpecializationConfig(epochs=args.epochs)
    peak = matmul_gflops()
    print(f"intra-op threads: {torch.get_num_threads()} (EXPLORER_THREADS)   "
          f"fp32 matmul (1024²) with these threads: {peak:.1f} GFLOP/s")

    singles = [time_training(base.replace(seeds=(s,)))[0] for s in range(args.single)]
    one = sum(singles) / len(singles)
    ens_t, model, stream = time_training(base.replace(seeds=args.E))
    n_batches = base.pairs_per_epoch // base.batch_size
    flops = training_flops(model, base.steps, base.batch_size) * n_batches * base.epochs
    print(f"training, {base.epochs} epoch(s) of {base.pairs_per_epoch} pairs, n = {base.n}, T = {base.steps}:")
    print(f"  one network alone       {one:7.2f} s per network")
    print(f"  ensemble of E = {args.E:<3}     {ens_t:7.2f} s  = {ens_t / args.E:.3f} s per network")
    print(f"  per-network speed-up    {one / (ens_t / args.E):7.1f}x   (target ≥ 8x)")
    rate = flops / ens_t / 1e9
    print(f"  achieved                {rate:7.1f} GFLOP/s = {100 * rate / peak:.0f} % of matmul   (target ≥ 50 %)")
    print(f"  for scale: the recurrence's own batched matmul ({args.E} × ({base.batch_size} × {2 * base.n}) @ "
          f"({2 * base.n} × {2 * base.n})) alone runs at "
          f"{recurrence_bmm_gflops(args.E, base.batch_size, 2 * base.n):.1f} GFLOP/s here")

    # metric suite: the bottleneck-retraining probes of E seeds × T steps × 2 modules × 2 digits; batched, the
    # two digits of one (seed, step, module) are two heads on the same features, as the metric fits them
    P = args.E * base.steps * 2
    Z = torch.randn(P, PROBE_TRAIN, base.bottleneck)
    y = torch.randint(0, 10, (P, 2, PROBE_TRAIN))
    t = time.perf_counter()
    fit_softmax(Z, y, iters=BN_ITERS, lr=BN_LR)
    batched = time.perf_counter() - t
    G, k = 2 * P, 16
    t = time.perf_counter()
    for g in range(k):   # one probe (one seed, step, module and digit) at a time
        fit_softmax(Z[g // 2:g // 2 + 1], y[g // 2:g // 2 + 1, g % 2], iters=BN_ITERS, lr=BN_LR)
    looped = (time.perf_counter() - t) / k * G
    print(f"metric probes: {G} bottleneck-retraining problems ({PROBE_TRAIN} samples, {BN_ITERS} Adam steps each)")
    print(f"  one probe at a time     {looped:7.2f} s (extrapolated from {k})")
    print(f"  batched                 {batched:7.2f} s")
    print(f"  speed-up                {looped / batched:7.1f}x   (target ≥ 20x)")

    # ablation readout: raw states of the trained ensemble, former Adam fit vs FISTA, against a long FISTA fit
    model.eval()
    train_states = states(model, stream, base.steps, "probe-train", PROBE_TRAIN, "train")
    test_states = states(model, stream, base.steps, "probe-test", PROBE_TEST, "test")
    optimum = global_F(ablation_metric(model, train_states, test_states, iters=1000))
    print(f"ablation readout: {args.E} networks × {base.steps} steps, raw states of the trained ensemble")
    timed = {}
    for name, kw in {"Adam, 150 steps at 0.1 (before)": dict(iters=150, lr=0.1, solver="adam"),
                     f"FISTA, {AB_ITERS} steps (now)": {}}.items():
        t = time.perf_counter()
        F = global_F(ablation_metric(model, train_states, test_states, **kw))
        timed[name] = time.perf_counter() - t
        print(f"  {name:<32} {timed[name]:7.2f} s   mean |ΔF| from the optimum {(F - optimum).abs().mean():.4f}")
    first, second = timed.values()
    print(f"  time ratio              {second / first:7.2f}x")


if __name__ == "__main__":
    main()
