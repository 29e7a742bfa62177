"""The specialization study's Result schema (Béna & Goodman 2023a, §2.4): a labelled xarray.Dataset plus the weights.

Schema (dimension names are the papers' terms; every array has a leading ``seed`` dimension so seeds
can be stored, reused and merged one by one):

=================  ===========================================  ==========================================
variable           dims                                         meaning
=================  ===========================================  ==========================================
M                  (seed, metric, time, module, digit)          M(m, k, t) ∈ [0, 1] (Béna & Goodman 2023a, §2.4)
F_module           (seed, metric, time, module)                 F^m = M(m,0) − M(m,1) ∈ [−1, 1]
F                  (seed, metric, time)                         global F = |F^0 − F^1| / 2 ∈ [0, 1]
accuracy           (seed,)                                      global-task test accuracy (T' head)
digit_decoding     (seed, digit)                                best module's bottleneck-probe M for digit k at
                                                                the last step
loss_curve         (seed, epoch)                                mean training loss per epoch
accuracy_curve     (seed, epoch)                                test accuracy after each epoch
Q_measured         (seed,)                                      Q of the realised directed adjacency (Béna &
                                                                Goodman 2023b, eq. 4)
mask_accuracy      (seed, time, digit)                          test accuracy of the weight mask for digit k at step t
                                                                (Béna & Goodman 2023b, §3.2's check that masks
                                                                perform; chance 0.1)
=================  ===========================================  ==========================================

Coordinates: ``seed`` (int), ``metric`` (str: bottleneck, ablation, correlation, weight_mask), ``time``
(0..T−1), ``module`` (0, 1), ``digit`` (0, 1), ``epoch`` (1..epochs). Attributes: ``config`` (canonical
JSON without seeds), ``Q`` (analytic), ``p``, ``n``.

Weights are a flat ``dict[str, torch.Tensor]`` whose tensors all have the seed on dimension 0 (safetensors).
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ...core.progress import plural
from ...core.result import EPOCH, SEED, Result, describe
from .config import METRICS, SpecializationConfig


def summary(result: Result) -> dict:
    """Ensemble means and sds the CLI prints (``--json``)."""
    ds = result.data
    F = ds["F"]
    return {
        "Q": float(ds.attrs["Q"]),
        "Q_measured": [float(v) for v in ds["Q_measured"].values],
        "accuracy": [float(v) for v in ds["accuracy"].values],
        "specialization": {m: [float(v) for v in F.sel(metric=m).mean("seed").values] for m in METRICS},
        "specialization_sd": {m: [float(v) for v in F.sel(metric=m).std("seed", ddof=0).values] for m in METRICS},
        "weight_mask_accuracy": [[float(v) for v in row] for row in ds["mask_accuracy"].mean("seed").values],
        "below_criterion": below_criterion(result),
    }


def below_criterion(result: Result) -> list[int]:
    """Seeds whose test accuracy is under the run's ``until_accuracy`` criterion (none without one)."""
    crit = _criterion(result.data)
    return [int(s) for s, a in zip(result.data.seed.values, result.data["accuracy"].values) if crit and a < crit]


def text(config: SpecializationConfig, result: Result) -> str:
    """The CLI's human-readable summary of a run."""
    s = summary(result)
    acc = s["accuracy"]
    data = f", {config.dataset}" if config.dataset != type(config).dataset else ""   # digits unless said
    lines = [f"two modules of n = {config.n}, p = {config.p:.4g} ({plural(config.links, 'link')} each way), "
             f"Q = {s['Q']:.3f} (measured {sum(s['Q_measured']) / len(acc):.3f}), {plural(len(acc), 'seed')}{data}"
             + ("  [from the store]" if result.cached else ""),
             "global-task test accuracy: " + ", ".join(f"{a:.3f}" for a in acc)]
    by_seed = dict(zip(config.seeds, acc))
    missed = [(seed, by_seed[seed]) for seed in s["below_criterion"]]
    if missed:   # compared at equal skill only when every network reached the criterion: say which did not
        every = len(missed) == len(acc)
        lines.append(f"BELOW THE CRITERION: {'none' if every else len(missed)} of {plural(len(acc), 'network')} "
                     f"{'reached' if every else 'did not reach'} test accuracy {config.until_accuracy:g} within "
                     f"{plural(config.epochs, 'epoch')} (seed " + ", ".join(f"{seed}: {a:.3f}" for seed, a in missed)
                     + ("); the networks have not learned the task as the criterion asks, so their specialization "
                        "is not a finding" if every else "); their specialization is not at the skill of the others")
                     + " (docs/gallery.md, 'Equal skill').")
    one = len(acc) == 1   # one seed has no spread
    spread = "one seed" if one else "mean ± sd over the seeds, population sd"
    lines.append(f"global specialization F per time step ({spread}):")
    lines.append(f"  {'metric':<12}" + "".join(f"  t={t:<8}" for t in range(config.steps)))
    for m in METRICS:
        mu, sd = s["specialization"][m], s["specialization_sd"][m]
        lines.append(f"  {m:<12}" + "".join(f"  {a:5.2f}{'':5}" if one else f"  {a:5.2f}±{b:4.2f}"
                                             for a, b in zip(mu, sd)))
    lines.append("weight masks' test accuracy on their digit (digit 0 / digit 1, mean over seeds; chance 0.10):")
    # in the t= columns above: each cell 12 characters wide, as the metrics' rows
    lines.append(f"  {'digit 0/1':<12}" + "".join(f"  {a:5.2f}/{b:4.2f}" for a, b in s["weight_mask_accuracy"]))
    return "\n".join(lines)


def _criterion(ds) -> float:
    """The test-accuracy criterion one seed was trained to: a sweep cell's own coordinate when it was swept, else
    the stored config's (or the sweep's base config's) ``until_accuracy``; 0 = none."""
    if "until_accuracy" in ds.coords:
        return float(ds.coords["until_accuracy"].values)
    cfg = json.loads(ds.attrs.get("config") or ds.attrs.get("base_config") or "{}")
    return float(cfg.get("until_accuracy") or 0)


def entry_summary(ds) -> dict:
    """What ``explorer store info`` shows of one stored seed (and a sweep's table, per cell): with an accuracy
    criterion, ``reached_criterion`` is 1 or 0 (a cell's mean: the fraction of its seeds that reached it)."""
    acc, crit = float(ds["accuracy"].values[0]), _criterion(ds)
    return {"accuracy": acc, **({"reached_criterion": float(acc >= crit)} if crit else {}),
            "Q_measured": float(ds["Q_measured"].values[0]),
            "F_final": {str(m): float(ds["F"].sel(metric=m).values[0, -1]) for m in ds.metric.values}}


#: long_name and units of every variable (netCDF readers and exported files show them)
VARIABLES = {
    "M": ("module–digit link strength M(m, k, t), chance-corrected", "1"),
    "F_module": ("module specialization F^m = M(m, 0) − M(m, 1)", "1"),
    "F": ("global specialization F = |F^0 − F^1| / 2", "1"),
    "accuracy": ("global-task test accuracy (T′ head)", "1"),
    "digit_decoding": ("best module's bottleneck-probe M for digit k at the last step", "1"),
    "loss_curve": ("mean training loss per epoch (cross-entropy summed over target heads)", "nats"),
    "accuracy_curve": ("global-task test accuracy after each epoch", "1"),
    "Q_measured": ("structural modularity Q of the realised directed adjacency", "1"),
    "mask_accuracy": ("weight-mask test accuracy on its digit (chance 0.1)", "1"),
}

#: long_name and units of every coordinate
COORDINATES = {
    "seed": SEED,
    "metric": ("specialization metric", ""),
    "time": ("time step t of the unrolled network", "steps"),
    "module": ("module m", "1"),
    "digit": ("digit k (sub-task)", "1"),
    "epoch": EPOCH,
}


def build_dataset(config: SpecializationConfig, *, M, accuracy, digit_decoding, loss_curve,
                  accuracy_curve, Q_measured, mask_accuracy) -> xr.Dataset:
    """Assemble the Result dataset from numpy arrays shaped as in the module docstring."""
    from ...metrics.specialization import global_F, module_F

    M = np.asarray(M, dtype=np.float64)
    F_module, F = module_F(M), global_F(M)
    seeds = list(config.seeds)
    epochs = np.arange(1, np.asarray(loss_curve).shape[1] + 1)
    coords = {"seed": seeds, "metric": list(METRICS), "time": np.arange(config.steps),
              "module": [0, 1], "digit": [0, 1], "epoch": epochs}
    ds = xr.Dataset(
        {
            "M": (("seed", "metric", "time", "module", "digit"), M),
            "F_module": (("seed", "metric", "time", "module"), F_module),
            "F": (("seed", "metric", "time"), F),
            "accuracy": (("seed",), np.asarray(accuracy, dtype=np.float64)),
            "digit_decoding": (("seed", "digit"), np.asarray(digit_decoding, dtype=np.float64)),
            "loss_curve": (("seed", "epoch"), np.asarray(loss_curve, dtype=np.float64)),
            "accuracy_curve": (("seed", "epoch"), np.asarray(accuracy_curve, dtype=np.float64)),
            "Q_measured": (("seed",), np.asarray(Q_measured, dtype=np.float64)),
            "mask_accuracy": (("seed", "time", "digit"), np.asarray(mask_accuracy, dtype=np.float64)),
        },
        coords=coords,
    )
    describe(ds, {**VARIABLES, **COORDINATES})
    ds.attrs.update(config=json.dumps(config.canonical(with_seeds=False), sort_keys=True),
                    Q=config.Q, p=config.p, n=config.n)
    return ds
