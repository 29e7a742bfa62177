"""The whole gallery (docs/gallery.md): every ``explorer reproduce`` figure at one scale, twice, in one run.

The first pass trains into a fresh store (or the one given) and times each figure; the second pass asks again
and times what the store saved. Prints one line per figure (its wall time, the cells it trained, whether its
headline reproduced, seeds and accuracy range), the total, and the ratio first pass / second pass. With
``--out`` the figures' PNG/SVG/netCDF/JSON files are written there (the gallery's pictures).

    .venv/bin/python benchmarks/bench_gallery.py [--scale laptop] [--out docs/gallery] [--store DIR] [--json F]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

from explorer.reproduce import figures, reproduce
from explorer.store.store import Store


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="laptop")
    ap.add_argument("--out", default=None, help="write each figure's files here")
    ap.add_argument("--store", default=None, help="store folder (default: a fresh temporary one)")
    ap.add_argument("--only", default=None, help="comma list of figures (default: all)")
    ap.add_argument("--json", default=None, help="also write the measurements to this JSON file")
    args = ap.parse_args()
    store = Store(args.store or tempfile.mkdtemp(prefix="gallery-store-"))
    names = args.only.split(",") if args.only else list(figures())
    rows, t_all = [], time.perf_counter()
    for name in names:
        r = reproduce(name, args.scale, store=store, progress=False)
        if args.out:
            r.save(args.out)
        h = r.headline
        below = h.get("below_criterion")   # the specialization figures train to a criterion; growth's do not
        rows.append({"figure": name, "seconds": round(r.seconds, 1), "cells_trained": r.trained,
                     "reproduced": h["reproduced"], "seeds": h["seeds"], "accuracy": h["accuracy"],
                     "below_criterion": None if below is None else len(below), "networks": h["networks"],
                     "sentence": h.get("sentence", "")})
        print(f"{name:<10} {r.seconds:7.1f} s  {r.trained:3d} cells trained  reproduced={h['reproduced']!s:<5} "
              f"seeds {h['seeds']}  accuracy {h['accuracy'][0]:.2f}–{h['accuracy'][1]:.2f}  "
              + (f"{len(below)}/{h['networks']} below the criterion" if below is not None
                 else f"{h['networks']} networks"), flush=True)
        if h.get("sentence"):
            print(f"           {h['sentence']}", flush=True)
    first = time.perf_counter() - t_all
    t1 = time.perf_counter()
    for name in names:
        reproduce(name, args.scale, store=store, progress=False)
    second = time.perf_counter() - t1
    print(f"gallery at scale {args.scale}: first pass {first:.0f} s, second pass (from the store) {second:.1f} s, "
          f"ratio {first / max(second, 1e-9):.0f}×; store {store.root}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scale": args.scale, "first_s": round(first, 1), "second_s": round(second, 1),
                       "figures": rows}, f, indent=1)


if __name__ == "__main__":
    main()
