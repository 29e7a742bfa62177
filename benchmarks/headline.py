"""The papers' headline at laptop scale: specialization against sparsity p (separate pathways, n = 25).

Trains every (p, seed) network of the grid as one batched ensemble (they share shapes), measures all four
metrics and prints last-step global F (mean ± sd over seeds) per p, plus accuracy and the weight masks' own
test accuracy on their digit (Béna & Goodman 2023b, §3.2's check). docs/science.md §11 quotes it.

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
    for p, r in zip(grid, results):
        F = r.data["F"].isel(time=-1)
        acc = r.data["accuracy"].values
        row = {"p": p, "Q": r.data.attrs["Q"], "accuracy": [float(a) for a in acc]}
        cells = []
        for m in METRICS:
            v = F.sel(metric=m).values
            row[m] = [float(np.mean(v)), float(np.std(v))]
            cells.append(f"{np.mean(v):6.2f} ± {np.std(v):4.2f}")
        mask = r.data["mask_accuracy"].isel(time=-1).mean("seed").values     # last step, per digit
        row["mask_accuracy"] = [float(a) for a in mask]
        rows.append(row)
        print(f"{p:8.4f} {row['Q']:6.3f} {acc.min():6.3f}–{acc.max():5.3f} " + " ".join(f"{c:>14}" for c in cells)
              + f" {mask[0]:9.2f} / {mask[1]:4.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"wall_s": wall, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
