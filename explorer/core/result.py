"""What every run returns: a labelled ``xarray.Dataset`` with a leading ``seed`` dimension plus the trained
weights (a flat ``dict[str, torch.Tensor]``, seed on dimension 0), so seeds can be stored, reused and merged
one by one. A study's ``result.py`` documents its own variables; this is the part they share.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Result:
    """The labelled results and the weights of each seed's network."""

    data: object                      #: xarray.Dataset with a ``seed`` dimension; attrs["config"] is canonical JSON
    weights: dict = field(default_factory=dict)
    cached: bool = False

    @property
    def study(self) -> str:
        return json.loads(self.data.attrs["config"])["study"]

    @property
    def config(self):
        """The study's config of this Result (its stored canonical settings and its seeds)."""
        from ..studies import get

        d = json.loads(self.data.attrs["config"])
        d["seeds"] = [int(s) for s in self.data.seed.values]
        return get(d["study"]).config_class.from_dict(d)

    def summary(self) -> dict:
        """The study's JSON-able summary (what ``--json`` prints besides config and key)."""
        from ..studies import get

        return get(self.study).result.summary(self)


def merge_seeds(results: list[Result]) -> Result:
    """Concatenate per-seed Results of one configuration along ``seed`` (sorted)."""
    import torch
    import xarray as xr

    data = xr.concat([r.data for r in results], dim="seed").sortby("seed")
    data.attrs = dict(results[0].data.attrs)
    # where each seed's networks came from, when the store measured them again just now (explorer.store.remeasured):
    # every such seed's source, so that a Result half measured again and half trained does not read as either. A
    # seed loaded from the store keeps its attribute in its own entry, but was not measured again by this request.
    again = [r.data.attrs.get("measured_again_from") for r in results if not r.cached]
    data.attrs.pop("measured_again_from", None)
    if any(again):
        data.attrs["measured_again_from"] = " ".join(a for a in again if a)
    order = torch.as_tensor(np.argsort(np.concatenate([r.data.seed.values for r in results])))
    weights = {name: torch.cat([r.weights[name] for r in results])[order] for name in results[0].weights}
    return Result(data=data, weights=weights, cached=all(r.cached for r in results))


def measured_again(result: Result) -> int:
    """How many of ``result``'s seeds the store measured again from networks stored under other measuring
    settings (``measured_again_from`` names one source entry per such seed)."""
    return len(str(result.data.attrs.get("measured_again_from") or "").split())


def tidy(ds):
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


#: the axes every study's results share, said once: (long_name, units) for a study's ``COORDINATES``
SEED = ("seed of the network (its initial weights and data order)", "1")
EPOCH = ("epochs trained", "epochs")


def describe(ds, described: dict):
    """Set ``long_name`` and ``units`` on the variables and coordinates ``described`` names ({name: (long_name,
    units)}; units "" for a coordinate of names, which has none): what a netCDF reader shows. Returns ``ds``."""
    for name, (long_name, units) in described.items():
        ds[name].attrs.update(long_name=long_name, **({"units": units} if units else {}))
    return ds
