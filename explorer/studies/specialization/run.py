"""The specialization runner: configs → batched ensemble → training → metric suite → Result (one per config).

Configs that share :meth:`SpecializationConfig.shape_key` (same n, pathways, schedule, …) are trained
together: every seed of every such config is one network of a single ensemble.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ...core.cancel import Cancelled, check as _check
from ...core.config import ConfigError
from ...core.ensembles import run_by_shape
from ...core.result import Result
from ...metrics.specialization import (PROBE_TEST, PROBE_TRAIN, ablation_metric, bottleneck_metric,
                                       correlation_metric, states)
from ...metrics.structure import module_groups, q_measured
from ...metrics.weight_mask import weight_mask_metric
from ...models.modular import ModularEnsemble, realised_adjacency
from ...tasks.datasets import load_sources
from ...tasks.pairs import PairStream
from .config import METRIC_LABELS, SpecializationConfig
from .result import build_dataset
from .train import evaluate, train

__all__ = ["run", "run_many", "Cancelled", "build_ensemble"]

TEST_PAIRS = 2048


def _members(configs):
    return [{"seed": s, "p": c.p, "comms_start": c.comms_start, "covariance": c.covariance,
             "noise": c.noise, "start_times": c.start_times} for c in configs for s in c.seeds]


def resolve_device(name: str = "auto") -> torch.device:
    """The ``device`` setting as a torch device: auto = CUDA when torch sees a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for but torch sees no CUDA GPU here: choose auto or cpu.")
    return torch.device(name)


def build_ensemble(configs: list[SpecializationConfig], device=None):
    """The model and its data stream for all seeds of ``configs`` (which must share a shape key), on
    ``device`` (default: the first config's ``device`` setting)."""
    base = configs[0]
    device = resolve_device(base.device) if device is None else torch.device(device)
    if any(c.shape_key() != base.shape_key() for c in configs):
        raise ValueError("configs in one ensemble must share their shape key")
    sources = load_sources(base.dataset, base.data_dir)
    members = _members(configs)
    model = ModularEnsemble(members, n=base.n, features=sources[0].train_x.shape[1], bottleneck=base.bottleneck,
                            input=base.input, readout=base.readout, n_targets=base.n_targets,
                            connectivity=base.connectivity).to(device)
    stream = PairStream(sources, members, steps=base.steps, two_targets=base.two_targets,
                        exclusion=base.exclusion, noise_samples=base.noise_samples, device=device)
    return model, stream


def measure(model, stream, steps: int, on_progress=None, cancel=None) -> dict:
    """All four metrics M (E, metric, T, module, digit) and the weight masks' accuracy (E, T, digit)."""
    def report(fraction, what):
        if on_progress is not None:
            on_progress({"stage": "metrics", "epoch": None, "epochs": None, "fraction": fraction,
                         "metric": what, "seeds": model.seeds, "loss": None, "accuracy": None})
    report(0.0, "hidden states")
    train_states = states(model, stream, steps, "probe-train", PROBE_TRAIN, "train")
    test_states = states(model, stream, steps, "probe-test", PROBE_TEST, "test")
    _check(cancel)
    report(0.1, METRIC_LABELS["bottleneck"])   # the page's names of the measures (the buttons' words)
    M_bn = bottleneck_metric(model, train_states, test_states)
    _check(cancel)
    report(0.3, METRIC_LABELS["ablation"])
    M_ab = ablation_metric(model, train_states, test_states)
    _check(cancel)
    report(0.5, METRIC_LABELS["correlation"])
    M_cr = correlation_metric(model, stream, steps)
    _check(cancel)
    report(0.6, "weight masks")
    M_wm, mask_acc = weight_mask_metric(model, stream, steps, return_accuracy=True)
    M = torch.stack([M_bn, M_ab, M_cr, M_wm], 1)                                       # (E, 4, T, 2, 2)
    return {"M": M.detach().cpu().numpy(), "mask_accuracy": mask_acc.cpu().numpy()}


def run_many(configs: list[SpecializationConfig], on_progress=None, cancel=None) -> list[Result]:
    """Train and measure every seed of every config as one batched ensemble per shape key."""
    return run_by_shape(configs, _run_group, on_progress, cancel)


def run(config: SpecializationConfig, on_progress=None, cancel=None) -> Result:
    """Train all seeds of ``config`` as one ensemble and measure specialization; see
    :mod:`explorer.studies.specialization.result`."""
    return run_many([config], on_progress, cancel)[0]


def _run_group(configs, on_progress, cancel) -> list[Result]:
    base = configs[0]
    t0 = time.perf_counter()
    torch.manual_seed(0)
    model, stream = build_ensemble(configs)
    curves = train(model, stream, steps=base.steps, epochs=base.epochs, pairs_per_epoch=base.pairs_per_epoch,
                   batch_size=base.batch_size, lr=base.lr, deep_r_lr=base.deep_r_lr,
                   deep_r_temperature=base.deep_r_temperature, until_accuracy=base.until_accuracy,
                   test_size=TEST_PAIRS,
                   on_progress=on_progress, cancel=cancel)
    _check(cancel)
    model.eval()
    acc, _ = evaluate(model, stream, base.steps, TEST_PAIRS)
    acc = acc.cpu()
    measured = measure(model, stream, base.steps, on_progress, cancel)
    M = measured["M"]
    weights = {k: v.cpu() for k, v in model.export_weights().items()}
    Q = q_measured(realised_adjacency(weights, base.n), module_groups(base.n))
    sub = _digit_decoding(M)
    wall = time.perf_counter() - t0
    results, start = [], 0
    for c in configs:
        sl = slice(start, start + len(c.seeds))
        start += len(c.seeds)
        ds = build_dataset(c, M=M[sl], accuracy=acc.numpy()[sl], digit_decoding=sub[sl],
                           loss_curve=curves["loss"][:, sl].T, accuracy_curve=curves["accuracy"][:, sl].T,
                           Q_measured=Q[sl], mask_accuracy=measured["mask_accuracy"][sl])
        ds.attrs["wall_time_s"] = wall
        ds.attrs["ensemble_size"] = model.E
        ds.attrs["device"] = str(stream.device)
        results.append(Result(data=ds, weights={k: v[sl].clone() for k, v in weights.items()}))
    return results


def _digit_decoding(M: np.ndarray) -> np.ndarray:
    """Placeholder-free summary: chance-corrected bottleneck-probe link of each digit at the last step,
    best module — how well the trained network carries each digit at all (E, digit)."""
    return M[:, 0, -1].max(1)
