"""The growth runner: configs → both architectures as ensembles → curriculum, robustness → Result per config.

Every seed of configs that share a shape key trains in one ensemble per architecture
(:func:`explorer.studies.growth.core.train_and_measure`); each network's random draws come from its own seed,
so a seed's numbers do not depend on which seeds it trained with.
"""
from __future__ import annotations

import time


from ...core.ensembles import run_by_shape
from ...core.result import Result
from .config import GrowthConfig
from .core import train_and_measure
from .result import build_dataset, weights_of


def run_many(configs: list[GrowthConfig], on_progress=None, cancel=None) -> list[Result]:
    """Train and measure every seed of every config (configs of one shape share their ensembles)."""
    return run_by_shape(configs, _run_group, on_progress, cancel)


def run(config: GrowthConfig, on_progress=None, cancel=None) -> Result:
    return run_many([config], on_progress, cancel)[0]


def _run_group(configs, on_progress, cancel) -> list[Result]:
    seeds = sorted({s for c in configs for s in c.seeds})
    t0 = time.perf_counter()
    out = train_and_measure(configs[0], seeds, on_progress=on_progress, cancel=cancel)
    wall = time.perf_counter() - t0
    results = []
    for c in configs:
        rows = [seeds.index(s) for s in c.seeds]
        ds = build_dataset(c, out, rows)
        ds.attrs.update(wall_time_s=wall, ensemble_size=len(seeds))
        results.append(Result(data=ds, weights=weights_of(out, rows)))
    return results
