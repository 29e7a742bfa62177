"""The Result of a specialization run: a labelled xarray.Dataset plus the trained weights.

Schema (dimension names are the papers' terms; every array has a leading ``seed`` dimension so seeds
can be stored, reused and merged one by one):

=================  ===========================================  ==========================================
variable           dims                                         meaning
=================  ===========================================  ==========================================
M                  (seed, metric, time, module, digit)          M(m, k, t) ∈ [0, 1] (paper 000 §2.4)
F_module           (seed, metric, time, module)                 F^m = M(m,0) − M(m,1) ∈ [−1, 1]
F                  (seed, metric, time)                         global F = |F^0 − F^1| / 2 ∈ [0, 1]
accuracy           (seed,)                                      global-task test accuracy (T' head)
digit_decoding   (seed, digit)                                best module's bottleneck-probe M for digit k at the last step
loss_curve         (seed, epoch)                                mean training loss per epoch
accuracy_curve     (seed, epoch)                                test accuracy after each epoch
Q_measured         (seed,)                                      Q of the realised directed adjacency (paper 001 eq. 4)
mask_accuracy      (seed, time, digit)                          test accuracy of the weight mask for digit k at step t
                                                                (paper 001 §3.2's check that masks perform; chance 0.1)
=================  ===========================================  ==========================================

Coordinates: ``seed`` (int), ``metric`` (str: bottleneck, ablation, correlation, weight_mask), ``time``
(0..T−1), ``module`` (0, 1), ``digit`` (0, 1), ``epoch`` (1..epochs). Attributes: ``config`` (canonical
JSON without seeds), ``Q`` (analytic), ``p``, ``n``.

Weights are a flat ``dict[str, torch.Tensor]`` whose tensors all have the seed on dimension 0 (safetensors).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from .config import METRICS, SpecializationConfig


@dataclass
class Result:
    """What a run returns: the labelled metrics and the weights of each seed's network."""

    data: xr.Dataset
    weights: dict = field(default_factory=dict)
    cached: bool = False

    @property
    def config(self) -> SpecializationConfig:
        d = json.loads(self.data.attrs["config"])
        d["seeds"] = [int(s) for s in self.data.seed.values]
        return SpecializationConfig.from_dict(d)

    def summary(self) -> dict:
        """Ensemble means and sds the CLI prints (``--json``)."""
        ds = self.data
        F = ds["F"]
        return {
            "Q": float(ds.attrs["Q"]),
            "Q_measured": [float(v) for v in ds["Q_measured"].values],
            "accuracy": [float(v) for v in ds["accuracy"].values],
            "specialization": {m: [float(v) for v in F.sel(metric=m).mean("seed").values] for m in METRICS},
            "specialization_sd": {m: [float(v) for v in F.sel(metric=m).std("seed", ddof=0).values] for m in METRICS},
            "weight_mask_accuracy": [[float(v) for v in row] for row in ds["mask_accuracy"].mean("seed").values],
        }


def build_dataset(config: SpecializationConfig, *, M, accuracy, digit_decoding, loss_curve,
                  accuracy_curve, Q_measured, mask_accuracy) -> xr.Dataset:
    """Assemble the Result dataset from numpy arrays shaped as in the module docstring."""
    M = np.asarray(M, dtype=np.float64)
    F_module = M[..., 0] - M[..., 1]
    F = np.abs(F_module[..., 0] - F_module[..., 1]) / 2.0
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
    ds["M"].attrs.update(long_name="M(m, k, t)", description="module–digit link strength, chance-corrected")
    ds["F"].attrs.update(long_name="global specialization F", units="1")
    ds["F_module"].attrs.update(long_name="module specialization F^m", units="1")
    ds["accuracy"].attrs.update(long_name="global-task test accuracy", units="1")
    ds["mask_accuracy"].attrs.update(long_name="weight-mask test accuracy on its digit", units="1")
    ds.attrs.update(config=json.dumps(config.canonical(with_seeds=False), sort_keys=True),
                    Q=config.Q, p=config.p, n=config.n)
    return ds


def merge_seeds(results: list[Result]) -> Result:
    """Concatenate per-seed Results of one configuration along ``seed`` (sorted)."""
    data = xr.concat([r.data for r in results], dim="seed").sortby("seed")
    data.attrs = dict(results[0].data.attrs)
    weights = {}
    order = np.argsort(np.concatenate([r.data.seed.values for r in results]))
    import torch

    for name in results[0].weights:
        weights[name] = torch.cat([r.weights[name] for r in results])[torch.as_tensor(order)]
    return Result(data=data, weights=weights, cached=all(r.cached for r in results))


def tidy(ds: xr.Dataset):
    """One row per value: the variable's name, every dimension's coordinate (blank where unused), the value.

    The CSV form of a Result, shared by ``explorer store export`` and the dashboard's CSV download.
    """
    import pandas as pd

    dims = list(ds.sizes)
    frames = []
    for name, var in ds.data_vars.items():
        df = var.to_dataframe(name="value").reset_index()
        df.insert(0, "variable", name)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["variable", *dims, "value"])
    df = pd.concat(frames, ignore_index=True).reindex(columns=["variable", *dims, "value"])
    for d in dims:
        if ds[d].dtype.kind in "iu":
            df[d] = df[d].astype("Int64")
    return df
