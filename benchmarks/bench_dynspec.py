"""Side by side: dynspec (Béna's reference code) and the explorer on the MNIST-shaped workload of bench_mnist.py.

One model each, n = 25, T = 5, structured noise 0.4, batch 256, one epoch of 60,000 pairs, one thread: training
seconds, metric seconds (dynspec: retraining, correlation and ablation metrics; the explorer: its whole suite),
system-time share and peak memory. dynspec is not on PyPI and is not installed here; where ``import dynspec``
fails the script says so in one sentence and exits. Its API moved between versions: the calls below follow its
minimal example (``init_model``, ``train_community``, ``compute_retraining_metric``,
``compute_correlation_metric``, ``compute_ablations_metric``); adapt :func:`dynspec_run` to the version you have.

    EXPLORER_THREADS=1 .venv/bin/python benchmarks/bench_dynspec.py [--pairs 60000] [--E 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_mnist import WORKLOAD, _delta, _usage, child, default_root, make_mnist  # noqa: E402


def dynspec_run(root: str, pairs: int) -> dict:
    """Train one dynspec model on the MNIST-shaped files under ``root`` and time its metrics."""
    import torch
    from dynspec.correlations import compute_correlation_metric
    from dynspec.datasets import get_datasets
    from dynspec.models import init_model
    from dynspec.retraining import compute_ablations_metric, compute_retraining_metric
    from dynspec.training import train_community

    device = torch.device("cpu")
    n, T = WORKLOAD["n"], WORKLOAD["steps"]
    config = {
        "data": {"batch_size": WORKLOAD["batch_size"], "input_size": 28, "use_cuda": False, "data_type": "digits",
                 "n_digits": 2, "n_classes": 10, "n_classes_per_digit": 10, "nb_steps": T, "noise_ratio": 0.4,
                 "random_start": False, "fix_asym": False, "permute_dataset": False, "seed": 0, "split_classes": False,
                 "cov_ratio": 1},
        "modules": {"n_modules": 2, "hidden_size": n, "n_layers": 1, "dropout": 0.0,
                    "cell_type": str(torch.nn.RNN)},
        "connections": {"sparsity": 0.1},
        "input": {"input_size": 28 * 28, "common_input": False},
        "optimization": {"lr": 1e-3, "weight_decay": 1e-5},
        "readout": {"common_readout": False},
        "decision": ["last", "max"],
        "training": {"decision": ["last", "max"], "n_epochs": 1, "n_tests": 1, "task": "parity-digits-both",
                     "check_grad": False, "n_batches": max(1, pairs // WORKLOAD["batch_size"])},
        "metrics": {"chosen_timesteps": ["mid-", "last"]},
        "varying_params_sweep": {}, "varying_params_local": {},
    }
    datasets = get_datasets(root, config["data"])
    loaders = [torch.utils.data.DataLoader(d, batch_size=config["data"]["batch_size"], shuffle=True,
                                           drop_last=True) for d in datasets]
    model, optimizer = init_model(config, device)
    a = _usage()
    train_community(model, optimizer, config, loaders, device=device, use_tqdm=False)
    b = _usage()
    compute_retraining_metric(model, config, loaders, device=device, use_tqdm=False)
    compute_correlation_metric(model, loaders, config, device=device, use_tqdm=False)
    compute_ablations_metric(model, config, loaders, device=device, use_tqdm=False)
    return {"train": _delta(a, b, 1), "metrics": _delta(b, _usage(), 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=WORKLOAD["pairs_per_epoch"])
    ap.add_argument("--E", type=int, default=1, help="networks in the explorer's ensemble (per-network times)")
    ap.add_argument("--root", default=None)
    args = ap.parse_args()
    try:
        import dynspec  # noqa: F401
    except ImportError:
        print("dynspec is not installed (it is not on PyPI: install Béna's repository with pip install -e to "
              "compare); nothing to run side by side — benchmarks/bench_mnist.py times the explorer alone.")
        return
    import torch

    torch.set_num_threads(int(os.environ.get("EXPLORER_THREADS", "1")))
    root = str(make_mnist(Path(args.root) if args.root else default_root()))
    t = time.perf_counter()
    ours = child(args.E, "noise", args.pairs, root, metrics=True)
    theirs = dynspec_run(root, args.pairs)
    print(f"MNIST-shaped, n = 25, T = 5, noise 0.4, batch 256, {args.pairs} pairs, "
          f"{torch.get_num_threads()} thread(s) ({time.perf_counter() - t:.0f} s in all)")
    print(f"{'':24} {'train s/net':>11} {'sys %':>6} {'metrics s/net':>13} {'sys %':>6} {'peak MB':>8}")
    for name, r in ((f"explorer (E = {args.E})", ours), ("dynspec (one model)", theirs)):
        tr, me = r["train"], r["metrics"]
        print(f"{name:24} {tr['s_per_net']:11.2f} {tr['sys_pct']:6.1f} {me['s_per_net']:13.2f} "
              f"{me['sys_pct']:6.1f} {me['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
