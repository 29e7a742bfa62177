"""The growth runner: configs → both architectures as ensembles → curriculum, robustness → Result per config.

Every seed of configs that share a shape key trains in one ensemble per architecture
(:func:`explorer.studies.growth.core.train_and_measure`); each network's random draws come from its own seed,
so a seed's numbers do not depend on which seeds it trained with.
"""
from __future__ import annotations

import time

import numpy as np

from ...core.ensembles import run_by_shape
from ...core.result import Result
from .config import GrowthConfig
from .core import measure_again, train_and_measure
from .result import ARCHS, build_dataset, weights_of


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


def remeasure(config: GrowthConfig, stored: Result, cancel=None) -> Result:
    """The networks of ``stored``, trained under other measuring settings (the perturbations: groups, ε grid,
    draws; the timescales), measured with ``config``'s: what training them again would end with
    (:func:`.core.measure_again`), in seconds instead of the curriculum. The store calls it
    (:mod:`explorer.store.remeasured`)."""
    ds = stored.data
    seeds = [int(s) for s in ds.seed.values]
    trained = {a: {k[len(a) + 1:]: w for k, w in stored.weights.items() if k.startswith(f"{a}.")}
               | {"depth": ds["depth"].sel(arch=a).values} for a in ARCHS}
    out = {"seeds": np.array(seeds), "heads": ds.N.values, "rnn_size": np.array(ds.attrs["rnn_size"]),
           "modular_tau": ds["tau_module"].values, "rnn_tau": ds["tau_rnn"].values}
    for a in ARCHS:
        out[f"params_{a}"] = ds["params"].sel(arch=a).values[0]
        for key in ("n_solved", "n_solved_curve", "accuracy_curve", "loss_curve", "depth"):
            out[f"{a}_{key}"] = ds[key].sel(arch=a).values
        if not np.isnan(ds["generalisation"].sel(arch=a).values).all():
            out[f"{a}_generalisation"] = ds["generalisation"].sel(arch=a).values
        out.update({f"{a}_param_{k}": w.numpy() for k, w in trained[a].items() if k != "depth"})
    out.update(measure_again(config, seeds, trained, cancel))
    new = build_dataset(config, out, list(range(len(seeds))))
    new.attrs = {**ds.attrs, **new.attrs}
    return Result(data=new, weights=stored.weights)
