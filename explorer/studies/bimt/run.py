"""The BIMT runner: configs → one batched ensemble per shape → training and anatomy → Result per config.

Configs that share :meth:`~explorer.core.config.StudyConfig.shape_key` (same sheet, schedule, tasks and
measures; regime, λ and A may differ) train together: every seed of every such config is one network of a
single ensemble (:func:`explorer.studies.bimt.core.train_and_measure`).
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch

from ...core.ensembles import run_by_shape
from ...core.result import Result, describe
from ...models.spatial import distance_matrix, sheet_coordinates
from .config import BIMTConfig
from .core import evaluate_again, measure_anatomy, train_and_measure
from .result import COORDINATES, VARIABLES, WEIGHTS, anatomy_variables, build_dataset


def run_many(configs: list[BIMTConfig], on_progress=None, cancel=None) -> list[Result]:
    """Train and measure every seed of every config, one ensemble per shape key."""
    return run_by_shape(configs, _run_group, on_progress, cancel)


def run(config: BIMTConfig, on_progress=None, cancel=None) -> Result:
    return run_many([config], on_progress, cancel)[0]


def _run_group(configs, on_progress, cancel) -> list[Result]:
    t0 = time.perf_counter()
    nets = [(c.regime, s, c.lam, c.A) for c in configs for s in c.seeds]
    out = train_and_measure(configs[0], nets=nets, snapshot_networks=list(range(len(nets))),
                            on_progress=on_progress, cancel=cancel)
    wall = time.perf_counter() - t0
    results, start = [], 0
    for c in configs:
        sl = slice(start, start + len(c.seeds))
        start += len(c.seeds)
        ds = build_dataset(c, out, sl)
        ds.attrs.update(wall_time_s=wall, ensemble_size=len(nets))
        weights = {k: torch.from_numpy(out[k][sl] if k != "snapshot_w" else out[k][:, sl].swapaxes(0, 1)).clone()
                   for k in WEIGHTS}
        results.append(Result(data=ds, weights=weights))
    return results


def remeasure(config: BIMTConfig, stored: Result, cancel=None) -> Result:
    """The networks of ``stored``, trained under other measuring settings (test trials, thresholds, k, shuffles,
    baseline), measured with ``config``'s: what training them again would end with — the networks run again on
    the test trials when their number differs (:func:`.core.evaluate_again`), then the anatomy
    (:func:`.core.measure_anatomy`) on their task variance and weights, in about a second per network. The
    store calls it (:mod:`explorer.store.remeasured`)."""
    ds = stored.data
    if json.loads(ds.attrs["config"]).get("eval_trials") != config.eval_trials:
        acc, dec, tv = evaluate_again(config, ds.seed.values, stored.weights)
        ds = ds.assign(accuracy=("seed", acc.mean(1).astype(np.float64)), task_accuracy=(("seed", "task"), acc),
                       decision_accuracy=(("seed", "task"), dec), task_variance=(("seed", "task", "neuron"), tv))
    dist = distance_matrix(sheet_coordinates(config.grid, config.sheet)).float()   # as SpatialRNN.dist
    measures = measure_anatomy(ds["task_variance"].values, stored.weights["w"].numpy(), dist, config.to_dict(),
                               ds.seed.values, cancel)
    new = ds.drop_vars(["isolated_shuffled", "spread_shuffled", "shuffle"]).assign(anatomy_variables(measures))
    new = new.assign_coords(shuffle=np.arange(int(config.shuffles)))
    describe(new, {**VARIABLES, **COORDINATES})
    new.attrs["config"] = json.dumps(config.canonical(with_seeds=False), sort_keys=True)
    return Result(data=new, weights=stored.weights)
