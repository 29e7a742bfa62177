"""Growth study throughput (Hamidi et al. 2024 set-up): training steps/s of an ensemble of E networks against
one network at a time, and the robustness analysis' cost as a fraction of a training run's.

    .venv/bin/python benchmarks/bench_growth.py [--E 3] [--module-size 10] [--n-max 16] [--depth 8]

One thread (torch.set_num_threads(1)). Ratios are measured in one run, back to back.
"""
from __future__ import annotations

import argparse
import time

import torch

from explorer.metrics.robustness import eps_grid, perturbation_curves
from explorer.models.growing import GrowingChain, MaskedNesterov, MultiHeadRNN, matched_rnn_size
from explorer.tasks.parity import ParityStream


def _steps_per_s(model, steps, batch):
    opt = MaskedNesterov(model.parameters(), 0.2)
    stream = ParityStream(0, model.n_max, batch)
    b = stream.next(model.newest_n())
    model.loss(b).sum().backward(); opt.step(model.lr_scales())          # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        model.loss(stream.next(model.newest_n())).sum().backward()
        opt.step(model.lr_scales())
    return steps / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--E", type=int, default=3)
    ap.add_argument("--module-size", type=int, default=10)
    ap.add_argument("--n-max", type=int, default=16)
    ap.add_argument("--depth", type=int, default=8, help="active modules / heads during the timing")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--train-steps", type=int, default=1600, help="steps of the training run the robustness is compared with")
    a = ap.parse_args()
    torch.set_num_threads(1)
    H = matched_rnn_size(a.module_size, a.n_max)
    seeds = list(range(a.E))
    print(f"E = {a.E}, modules of {a.module_size} ↔ RNN of {H}, n_max = {a.n_max}, depth {a.depth}, batch {a.batch}")
    for name, make in (("modular", lambda s: GrowingChain(a.module_size, a.n_max, s)),
                       ("rnn", lambda s: MultiHeadRNN(H, a.n_max, s))):
        ens = make(seeds); ens.n_active[:] = a.depth
        one = make(seeds[:1]); one.n_active[:] = a.depth
        r_ens = _steps_per_s(ens, a.steps, a.batch)
        r_one = _steps_per_s(one, a.steps, a.batch)
        speedup = r_ens * a.E / r_one
        print(f"{name:8s} ensemble {r_ens:6.2f} steps/s ({r_ens * a.E:6.2f} network-steps/s); one at a time "
              f"{r_one:6.2f} network-steps/s; per-network speed-up {speedup:.2f}×")
        eps = eps_grid()
        b = ParityStream(1, a.n_max, 256).next(ens.newest_n(), balanced=True)
        h0 = ens.h0(256)
        groups = ("W_R", "W_FF", "tau") if name == "modular" else ("W_R", "tau")
        t = time.perf_counter()
        for g in groups:
            perturbation_curves(ens, g, eps, a.draws, b, h0, chunk=16)
        rob = time.perf_counter() - t
        train = a.train_steps / r_ens
        print(f"{name:8s} robustness ({len(eps)} ε × {len(groups)} groups × {a.draws} draws, batch 256): {rob:.1f} s"
              f" = {100 * rob / train:.1f} % of a {a.train_steps}-step training run at this depth ({train:.0f} s)")


if __name__ == "__main__":
    main()
