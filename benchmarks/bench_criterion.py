"""Training to an accuracy criterion with the networks that reached it taken out of the ensemble, as a ratio.

The sparsity lesson's grid (notebook 01 and the app's lesson: 9 values of p × 3 seeds, n = 25, one ensemble of
27 networks, each trained until test accuracy 0.85 within 150 epochs) is trained twice from the same start:

1. as the explorer trains it: each network stops at its own criterion and the others train on as an ensemble of
   their own (explorer.core.subsets);
2. the whole ensemble for as many epochs as its slowest network needed, without a criterion: what the same
   training cost before 2026-12-06, when networks at the criterion were computed on and their steps undone (a
   lower bound: the undoing itself is not counted).

Prints each one's training time, the network-epochs computed, and the ratio.

    .venv/bin/python benchmarks/bench_criterion.py [--lesson sparsity]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from explorer import studies
from explorer.core.cancel import Cancelled
from explorer.studies.specialization.run import build_ensemble
from explorer.studies.specialization.train import train


class _After:
    """A cancel flag that is set once ``epochs`` epochs have ended."""

    def __init__(self, epochs: int):
        self.epochs, self.done = epochs, 0

    def progress(self, event):
        if event.get("stage") == "train" and event.get("accuracy") is not None:
            self.done = int(event["epoch"])

    def is_set(self) -> bool:
        return self.done >= self.epochs


def _train(configs, until: float, epochs: int, cancel=None):
    base = configs[0]
    model, stream = build_ensemble(configs)
    t = time.perf_counter()
    try:
        curves = train(model, stream, steps=base.steps, epochs=epochs, pairs_per_epoch=base.pairs_per_epoch,
                       batch_size=base.batch_size, lr=base.lr, until_accuracy=until, test_size=1024,
                       on_progress=None if cancel is None else cancel.progress, cancel=cancel)
    except Cancelled:
        curves = None
    return time.perf_counter() - t, curves


def main():
    ap = argparse.ArgumentParser()
    study = studies.get("specialization")    # the study whose networks train to an accuracy criterion
    ap.add_argument("--lesson", default="sparsity", choices=list(study.lessons),
                    help="a specialization lesson whose settings are trained as one ensemble")
    args = ap.parse_args()
    configs = sorted(study.lessons[args.lesson].configs(study.experiment_class, study.page_defaults()),
                     key=lambda c: c.p)
    base = configs[0]
    E = sum(len(c.seeds) for c in configs)
    print(f"lesson {args.lesson!r}: {len(configs)} settings × {len(base.seeds)} seeds = {E} networks, n = {base.n}, "
          f"until test accuracy {base.until_accuracy} within {base.epochs} epochs")

    t_new, curves = _train(configs, base.until_accuracy, base.epochs)
    ran = np.isfinite(curves["loss"]).sum(0)                            # epochs each network trained
    final = np.array([row[np.isfinite(row)][-1] for row in curves["accuracy"].T])
    slowest = int(ran.max())
    print(f"  epochs per network: min {ran.min()}, median {int(np.median(ran))}, max {slowest}; "
          f"{int((final >= base.until_accuracy).sum())} of {E} at the criterion")
    t_old, _ = _train(configs, 0.0, base.epochs, cancel=_After(slowest))
    print(f"  networks done taken out     {t_new:7.1f} s   {int(ran.sum()):5d} network-epochs")
    print(f"  whole ensemble, {slowest:3d} epochs  {t_old:7.1f} s   {E * slowest:5d} network-epochs")
    print(f"  speed-up                    {t_old / t_new:7.2f}x")


if __name__ == "__main__":
    main()
