"""The growth runner: configs → both architectures as ensembles → curriculum, robustness → Result per config.

Every seed of configs that share a shape key trains in one ensemble per architecture
(:func:`explorer.studies.growth.core.train_and_measure`); each network's random draws come from its own seed,
so a seed's numbers do not depend on which seeds it trained with.
"""
from __future__ import annotations

import time

import torch

from ...core.result import Result
from .config import GrowthConfig
from .core import train_and_measure
from .result import build_dataset, weights_of


def run_many(configs: list[GrowthConfig], on_progress=None, cancel=None) -> list[Result]:
    """Train and measure every seed of every config (configs of one shape share their ensembles)."""
    groups: dict = {}
    for i, c in enumerate(configs):
        groups.setdefault(c.shape_key(), []).append(i)
    out: list = [None] * len(configs)
    for idx in groups.values():
        for i, r in zip(idx, _run_group([configs[i] for i in idx], on_progress, cancel)):
            out[i] = r
    return out


def run(config: GrowthConfig, on_progress=None, cancel=None) -> Result:
    return run_many([config], on_progress, cancel)[0]


def _run_group(configs, on_progress, cancel) -> list[Result]:
    seeds = sorted({s for c in configs for s in c.seeds})
    t0 = time.perf_counter()
    before = torch.get_num_threads()
    torch.set_num_threads(1)   # many small kernels: a second thread costs more than it brings on 2 cores
    try:
        out = train_and_measure(configs[0], seeds, on_progress=on_progress, cancel=cancel)
    finally:
        torch.set_num_threads(before)
    wall = time.perf_counter() - t0
    results = []
    for c in configs:
        rows = [seeds.index(s) for s in c.seeds]
        ds = build_dataset(c, out, rows)
        ds.attrs.update(wall_time_s=wall, ensemble_size=len(seeds))
        results.append(Result(data=ds, weights=weights_of(out, rows)))
    return results
