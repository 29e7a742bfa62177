"""The papers' own workload: MNIST-shaped pairs, n = 25, T = 5, structured noise 0.4, batch 256, one epoch.

MNIST itself cannot be downloaded here, so MNIST-*shaped* data is made offline: scikit-learn's 8×8 digits,
upsampled ×3 to 24×24 and placed at a random offset in a 28×28 frame, 60,000 training and 10,000 test images,
written as torchvision's IDX files and loaded through ``dataset="mnist", data_dir=...`` like the real thing.

For each ensemble size E and each stimulus (``noise``: structured noise 0.4 at fixed start times; ``random``:
the same noise and random start times) one fresh subprocess trains one epoch and then runs the metric suite;
it reports per-network seconds (wall and CPU), the system-time share of the process's CPU time, minor page faults
and peak resident memory, for training and metrics separately. Runs are interleaved and repeated (``--repeat``)
because wall times on a shared machine are noisy; page faults and peak memory do not depend on contention.

    EXPLORER_THREADS=1 .venv/bin/python benchmarks/bench_mnist.py [--E 1 4 16 32] [--pairs 60000] [--repeat 1]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
WORKLOAD = dict(dataset="mnist", n=25, steps=5, noise=0.4, batch_size=256, epochs=1, pairs_per_epoch=60_000)
STIMULI = {"noise": {"start_times": (0, 0)}, "random": {"start_times": "random"}}


def _write_idx(path: Path, array: np.ndarray) -> None:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    path.write_bytes(struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
                     + array.tobytes())


def make_mnist(root: Path, train: int = 60_000, test: int = 10_000, seed: int = 0) -> Path:
    """MNIST-shaped IDX files under ``root/MNIST/raw`` (kept when already there); returns ``root``."""
    raw = Path(root) / "MNIST" / "raw"
    if all((raw / f).is_file() for f in FILES):
        return Path(root)
    from sklearn.datasets import load_digits

    d = load_digits()
    big = np.kron(d.images, np.ones((3, 3))) * (255 / 16)                        # (1797, 24, 24)
    rng = np.random.default_rng(seed)

    def draw(count):
        pick = rng.integers(0, len(big), count)
        off = rng.integers(0, 5, (count, 2))
        out = np.zeros((count, 28, 28), np.uint8)
        for i, (p, (r, c)) in enumerate(zip(pick, off)):
            out[i, r:r + 24, c:c + 24] = big[p]
        return out, d.target[pick].astype(np.uint8)

    raw.mkdir(parents=True, exist_ok=True)
    tr_x, tr_y = draw(train)
    te_x, te_y = draw(test)
    for name, arr in zip(FILES, (tr_x, tr_y, te_x, te_y)):
        _write_idx(raw / name, arr)
    return Path(root)


def default_root() -> Path:
    return Path(os.environ.get("BENCH_MNIST_DIR", Path(tempfile.gettempdir()) / "explorer-bench-mnist"))


def _usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": time.perf_counter(), "user": r.ru_utime, "sys": r.ru_stime, "minflt": r.ru_minflt,
            "maxrss_mb": r.ru_maxrss / 1024}


def _delta(a, b, E):
    cpu = (b["user"] - a["user"]) + (b["sys"] - a["sys"])
    return {"s_per_net": (b["wall"] - a["wall"]) / E, "wall": b["wall"] - a["wall"], "cpu_per_net": cpu / E,
            "sys_pct": 100 * (b["sys"] - a["sys"]) / max(cpu, 1e-9), "minflt": b["minflt"] - a["minflt"],
            "peak_mb": b["maxrss_mb"]}


def child(E: int, stimulus: str, pairs: int, root: str, metrics: bool) -> dict:
    """One measurement in this process: train one epoch of E networks, then (optionally) the metric suite."""
    import torch

    from explorer.studies.specialization.config import SpecializationConfig
    from explorer.studies.specialization.run import build_ensemble, measure
    from explorer.studies.specialization.train import train

    torch.set_num_threads(int(os.environ.get("EXPLORER_THREADS", "1")))
    c = SpecializationConfig(**{**WORKLOAD, "pairs_per_epoch": pairs, "seeds": E, "data_dir": root,
                                **STIMULI[stimulus]})
    torch.manual_seed(0)
    model, stream = build_ensemble([c])
    a = _usage()
    train(model, stream, steps=c.steps, epochs=c.epochs, pairs_per_epoch=c.pairs_per_epoch,
          batch_size=c.batch_size, lr=c.lr, test_size=2048)
    b = _usage()
    out = {"E": E, "stimulus": stimulus, "train": _delta(a, b, E)}
    if metrics:
        model.eval()
        measure(model, stream, c.steps)
        out["metrics"] = _delta(b, _usage(), E)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--E", type=int, nargs="+", default=[1, 4, 16, 32])
    ap.add_argument("--stimuli", nargs="+", default=list(STIMULI), choices=list(STIMULI))
    ap.add_argument("--pairs", type=int, default=WORKLOAD["pairs_per_epoch"], help="training pairs (one epoch)")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved repetitions (the table shows the best)")
    ap.add_argument("--no-metrics", action="store_true")
    ap.add_argument("--root", default=None, help="folder for the MNIST-shaped files (made when missing)")
    ap.add_argument("--child", nargs=2, metavar=("E", "STIMULUS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    root = str(make_mnist(Path(args.root) if args.root else default_root()))
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], args.pairs, root, not args.no_metrics)))
        return
    env = {**os.environ, "EXPLORER_THREADS": os.environ.get("EXPLORER_THREADS", "1")}
    rows = {}
    for rep in range(args.repeat):   # interleaved: every (stimulus, E) once per repetition
        for stim in args.stimuli:
            for E in args.E:
                cmd = [sys.executable, __file__, "--child", str(E), stim, "--pairs", str(args.pairs), "--root", root]
                if args.no_metrics:
                    cmd.append("--no-metrics")
                res = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True,
                                                text=True).stdout.strip().splitlines()[-1])
                print(json.dumps(res), file=sys.stderr, flush=True)
                best = rows.setdefault((stim, E), res)
                for phase in ("train", "metrics"):
                    if phase in res and res[phase]["s_per_net"] < best[phase]["s_per_net"]:
                        best[phase] = res[phase]
    print(f"MNIST-shaped, n = 25, T = 5, noise 0.4, batch 256, {args.pairs} training pairs, "
          f"{env['EXPLORER_THREADS']} thread(s), best of {args.repeat}")
    print(f"{'stimulus':9} {'E':>3} | {'train s/net':>11} {'cpu s/net':>9} {'sys %':>6} {'faults/net':>10} "
          f"{'peak MB':>8} | {'metrics s/net':>13} {'cpu s/net':>9} {'sys %':>6} {'faults/net':>10} {'peak MB':>8}")
    for stim in args.stimuli:
        one = rows.get((stim, 1))
        for E in args.E:
            r = rows[(stim, E)]
            t, m = r["train"], r.get("metrics")
            line = (f"{stim:9} {E:3d} | {t['s_per_net']:11.2f} {t['cpu_per_net']:9.2f} {t['sys_pct']:6.1f} "
                    f"{t['minflt'] / E:10.0f} {t['peak_mb']:8.0f} |")
            if m:
                line += (f" {m['s_per_net']:13.2f} {m['cpu_per_net']:9.2f} {m['sys_pct']:6.1f} "
                         f"{m['minflt'] / E:10.0f} {m['peak_mb']:8.0f}")
            if one and E != 1:
                line += f"   (E=1 / E: train {one['train']['s_per_net'] / t['s_per_net']:.1f}×"
                if m:
                    line += f", metrics {one['metrics']['s_per_net'] / m['s_per_net']:.1f}×"
                line += ")"
            print(line)


if __name__ == "__main__":
    main()
