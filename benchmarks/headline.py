"""The papers' headline at laptop scale: specialization against sparsity p (separate pathways, n = 25).

Trains every (p, seed) network of the grid as one batched ensemble (they share shapes), measures all four
metrics and prints last-step global F (mean ± sd over seeds) per p, plus accuracy and the weight masks' own
test accuracy on their digit (Béna & Goodman 2023b, §3.2's check). docs/science.md §11 quotes it. With an
accuracy criterion it prints the table again over the networks that reached it only: a finding is claimed on
networks that have learned the task.

With the study's defaults every network trains to the accuracy criterion (equal skill, docs/gallery.md);
``--preset fixed-epochs`` gives the fixed-length training of the 2026-12-01 table.

    .venv/bin/python benchmarks/headline.py [--seeds 5] [--epochs 30] [--preset fixed-epochs]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from explorer.studies.specialization.config import METRICS, SpecializationConfig
from explorer.studies.specialization.run import run_many


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--preset", choices=list(SpecializationConfig.PRESETS), default=None,
                    help="a named training recipe of the study (default: the study's defaults)")
    ap.add_argument("--epochs", type=int, default=None, help="at most this many epochs (default: the recipe's)")
    ap.add_argument("--n", type=int, default=25)
    ap.add_argument("--json", default=None, help="also write the table to this JSON file")
    args = ap.parse_args()
    n = args.n
    grid = [1 / n**2, 0.01, 0.1, 1.0]
    recipe = dict(SpecializationConfig.PRESETS[args.preset]) if args.preset else {}
    if args.epochs is not None:
        recipe["epochs"] = args.epochs
    configs = [SpecializationConfig(n=n, p=p, seeds=args.seeds, **recipe) for p in grid]
    cfg = configs[0]
    t0 = time.perf_counter()
    results = run_many(configs)
    wall = time.perf_counter() - t0
    rows = []
    crit = f"until test accuracy {cfg.until_accuracy:g}, at most " if cfg.until_accuracy else ""
    print(f"separate pathways, n = {n}, bottleneck 5, {args.seeds} seeds, {crit}{cfg.epochs} epochs at Adam "
          f"{cfg.lr:g}; {len(grid) * args.seeds} networks in one ensemble, {wall:.0f} s")
    print(f"{'p':>8} {'Q':>6} {'accuracy':>14} " + " ".join(f"{m:>14}" for m in METRICS)
          + f" {'mask acc. 0 / 1':>16}")
    learned = []   # per p: (seeds at the criterion, their cells)
    for p, r in zip(grid, results):
        F = r.data["F"].isel(time=-1)
        acc = r.data["accuracy"].values
        ok = acc >= cfg.until_accuracy if cfg.until_accuracy else np.ones(len(acc), bool)
        row = {"p": p, "Q": r.data.attrs["Q"], "accuracy": [float(a) for a in acc],
               "reached": [int(s) for s in r.data.seed.values[ok]]}
        cells, good = [], []
        for m in METRICS:
            v = F.sel(metric=m).values
            row[m] = [float(np.mean(v)), float(np.std(v))]
            row[f"{m}_reached"] = [float(np.mean(v[ok])), float(np.std(v[ok]))] if ok.any() else None
            cells.append(f"{np.mean(v):6.2f} ± {np.std(v):4.2f}")
            good.append(f"{np.mean(v[ok]):6.2f} ± {np.std(v[ok]):4.2f}" if ok.any() else f"{'–':>14}")
        learned.append((int(ok.sum()), good))
        mask = r.data["mask_accuracy"].isel(time=-1).mean("seed").values     # last step, per digit
        row["mask_accuracy"] = [float(a) for a in mask]
        rows.append(row)
        print(f"{p:8.4f} {row['Q']:6.3f} {acc.min():6.3f}–{acc.max():5.3f} " + " ".join(f"{c:>14}" for c in cells)
              + f" {mask[0]:9.2f} / {mask[1]:4.2f}")
    if cfg.until_accuracy:
        print(f"the same over the networks that reached {cfg.until_accuracy:g} only:")
        for p, (k, good) in zip(grid, learned):
            print(f"{p:8.4f} {k:>3} of {args.seeds} seeds    " + " ".join(f"{c:>14}" for c in good))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"wall_s": wall, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
