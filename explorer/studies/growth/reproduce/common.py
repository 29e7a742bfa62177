"""What every reproduced growth figure shares (Hamidi et al. 2024): the scales, and the sentence that states
seeds, N solved and accuracy next to every number."""
from __future__ import annotations

import numpy as np

from ..config import PRESETS

#: The laptop scale: the ``paper`` preset's architecture and budget (modules of 10 against the RNN of 53
#: matched at N_max = 24, 20 epochs × 120 steps), on three seeds.
LAPTOP = {**PRESETS["paper"], "seeds": (0, 1, 2)}
#: Tiny: real training in seconds (the tests), not a result.
TINY = dict(module_size=8, n_max=5, epochs=4, steps_per_epoch=100, batch_size=64, lr=0.4, eval_batch_size=64,
            eval_batches=1, eps_points=3, draws=2, seeds=(0, 1))
#: Toward the paper's size (a cluster): N up to 30, 60 epochs, 5 seeds (Hamidi et al. 2024, Fig. 2: 60 epochs,
#: N = 30 for the parameter match).
PAPER = dict(n_max=30, epochs=60, steps_per_epoch=200, batch_size=256, draws=10, seeds=tuple(range(5)))


def per_seed(ds, name: str, arch: str) -> np.ndarray:
    """A per-seed variable of one architecture, every other axis averaged (NaN-aware)."""
    da = ds[name].sel(arch=arch)
    rest = [d for d in da.dims if d != "seed"]
    return da.mean(rest).values if rest else da.values


def skill(ds) -> dict:
    """Seeds, N solved per architecture and the last-epoch balanced accuracy over the active heads (both
    architectures): stated next to every headline. ``networks`` counts the chains (one per cell and seed)."""
    acc = ds["accuracy_curve"].isel(epoch=-1).values
    return {"seeds": [int(s) for s in ds.seed.values],
            "accuracy": [round(float(np.nanmin(acc)), 3), round(float(np.nanmax(acc)), 3)],
            "accuracy_of": "last-epoch balanced accuracy",
            "networks": int(ds["accuracy"].size),
            "n_solved": {a: [int(v) for v in np.ravel(ds["n_solved"].sel(arch=a).values)] for a in ("modular", "rnn")}}


def config_of(ds) -> dict:
    """The settings a Result or a swept Dataset was made with."""
    import json

    for key in ("config", "base_config"):
        if key in ds.attrs:
            return json.loads(ds.attrs[key])
    return {}
