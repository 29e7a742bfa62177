"""Growth study throughput (Hamidi et al. 2024 set-up), every ratio measured back to back in one run:

1. the frozen chain's training step (only the newest module under autograd) against the full pass;
2. an ensemble of E networks against one network at a time (per-network speed-up);
3. the two architectures trained one after the other against two lanes (two threads);
4. the robustness analysis with the automatic chunk against 16 copies a pass;
5. (``--run``) one whole run of a preset: wall time per stage and robustness as a fraction of training.

    .venv/bin/python benchmarks/bench_growth.py [--E 3] [--depth 20] [--run paper]

One intra-op thread (torch.set_num_threads(1)), as the runner uses.
"""
from __future__ import annotations

import argparse
import threading
import time

import torch

from explorer.metrics.robustness import eps_grid, perturbation_curves
from explorer.models.growing import GrowingChain, MaskedNesterov, MultiHeadRNN, matched_rnn_size
from explorer.tasks.parity import ParityStream


def _model(arch, a, seeds, full=False):
    m = (GrowingChain(a.module_size, a.n_max, seeds) if arch == "modular"
         else MultiHeadRNN(matched_rnn_size(a.module_size, a.n_max), a.n_max, seeds))
    m.n_active[:] = a.depth
    if arch == "modular":
        m.scale[:, :a.depth - 1] = 0.0                      # older modules frozen (γ = 0, the default)
        if full:
            m.only_newest_trains = lambda: False            # the full pass through every module
    return m


def _steps_per_s(model, steps, batch, seed=0):
    opt = MaskedNesterov(model.parameters(), 0.2)
    stream = ParityStream(seed, model.n_max, batch, lengths=seed)
    model.loss(stream.next(model.newest_n())).sum().backward()
    opt.step(model.lr_scales())                              # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        model.loss(stream.next(model.newest_n())).sum().backward()
        opt.step(model.lr_scales())
    return steps / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--E", type=int, default=3)
    ap.add_argument("--module-size", type=int, default=10)
    ap.add_argument("--n-max", type=int, default=24)
    ap.add_argument("--depth", type=int, default=20, help="active modules / heads during the timing")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--run", default=None, metavar="PRESET",
                    help="also time one whole run of this growth preset ('default': the config's defaults)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    seeds = list(range(a.E))
    print(f"E = {a.E}, modules of {a.module_size} ↔ RNN of {matched_rnn_size(a.module_size, a.n_max)}, "
          f"n_max = {a.n_max}, depth {a.depth}, batch {a.batch}, {a.steps} steps per timing")

    fast = _steps_per_s(_model("modular", a, seeds), a.steps, a.batch)
    full = _steps_per_s(_model("modular", a, seeds, full=True), a.steps, a.batch)
    print(f"1. frozen chain: newest module alone {fast:.2f} steps/s, full pass {full:.2f} steps/s: {fast / full:.2f}×")

    for arch in ("modular", "rnn"):
        ens = _steps_per_s(_model(arch, a, seeds), a.steps, a.batch)
        one = sum(_steps_per_s(_model(arch, a, [s]), a.steps, a.batch, seed=s) ** -1 for s in seeds)
        print(f"2. {arch:8s} ensemble {ens * a.E:6.1f} network-steps/s, one at a time {a.E / one:6.1f}: "
              f"per-network speed-up {ens * one:.2f}×")

    models = {arch: _model(arch, a, seeds) for arch in ("modular", "rnn")}
    t = time.perf_counter()
    for m in models.values():
        _steps_per_s(m, a.steps, a.batch)
    alone = time.perf_counter() - t
    threads = [threading.Thread(target=_steps_per_s, args=(m, a.steps, a.batch)) for m in models.values()]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    both = time.perf_counter() - t
    print(f"3. both architectures one after the other {alone:.2f} s, in two lanes {both:.2f} s: {alone / both:.2f}×")

    chain = models["modular"]
    b = ParityStream(1, a.n_max, 256, lengths=1).next(chain.newest_n(), balanced=True)
    h0 = chain.h0(256)
    timings = {}
    for chunk in (None, 16):
        t = time.perf_counter()
        perturbation_curves(chain, "W_R", eps_grid(), a.draws, b, h0, chunk=chunk)
        timings[chunk] = time.perf_counter() - t
    print(f"4. chain robustness, W_R (11 ε × {a.draws} draws, batch 256): automatic chunk {timings[None]:.2f} s, "
          f"16 copies a pass {timings[16]:.2f} s: {timings[16] / timings[None]:.2f}×")

    if a.run:
        from explorer.studies.growth.config import PRESETS, GrowthConfig
        from explorer.core.lanes import lanes
        from explorer.studies.growth.core import train_and_measure

        config = GrowthConfig(**(PRESETS[a.run] if a.run != "default" else {}))
        t = time.perf_counter()
        out = train_and_measure(config, list(config.seeds))
        wall = time.perf_counter() - t
        parts = {k: float(v) for k, v in out.items() if k.endswith("_s") and k != "wall_s"}
        print(f"5. run {a.run!r} ({len(config.seeds)} seeds, {lanes()} lane(s), $EXPLORER_LANES): {wall:.1f} s; " +
              ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()))
        for arch in ("modular", "rnn"):
            frac = parts[f"{arch}_robustness_s"] / parts[f"{arch}_train_s"]
            print(f"   {arch}: robustness = {100 * frac:.1f} % of training; N solved "
                  f"{out[f'{arch}_n_solved'].tolist()}")


if __name__ == "__main__":
    main()
