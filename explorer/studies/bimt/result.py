"""The BIMT study's Result schema (Liu et al. 2023): a labelled xarray.Dataset plus the networks' weights.

Everything is in *slot* space: slot i sits at (x_i, y_i) on the sheet; swaps move neurons between slots
(``identity`` says which original neuron sits where), and the weights are stored slot-ordered.

======================  =====================================  =================================================
variable                dims                                   meaning
======================  =====================================  =================================================
accuracy                (seed,)                                mean over tasks of Yang et al. 2019's accuracy
task_accuracy           (seed, task)                           per task: fixation held and the right choice
decision_accuracy       (seed, task)                           per task: the last decision step only (optimistic)
clusters, silhouette    (seed,)                                functional clusters k and the silhouette score
isolated_fraction       (seed,)                                important neurons with no 8-neighbour of their cluster
isolated_percentile     (seed,)                                its percentile among the shuffled sheets (< 5: modular)
spread, spread_pct…     (seed,)                                spatial spread of the clusters and its percentile
active_neurons          (seed,)                                important neurons (summed task variance > threshold)
active_connections      (seed,)                                |w| > threshold
wiring_length           (seed,)                                Σ L1 lengths of the active connections (sheet side = 1)
isolated_shuffled       (seed, shuffle)                        the shuffle distributions (histograms)
labels, important       (seed, neuron)                         cluster of each slot (−1: not important)
task_variance           (seed, task, neuron)                   task variance (Yang et al. 2019): across trials,
                                                               mean over time
identity                (seed, neuron)                         original neuron in each slot
loss, pred_loss         (seed, step)                           training loss with and without λ·cost
swaps                   (seed, round)                          swaps made per round
snapshot_identity       (seed, snapshot, neuron)               identities after each swap round (scrubbing)
======================  =====================================  =================================================

Coordinates: ``seed``, ``task`` (names), ``neuron`` (slot), ``x``/``y`` (neuron), ``step``, ``round``,
``snapshot`` (the training step of each snapshot), ``shuffle``. Weights (safetensors, seed first): ``w``
(N, N), ``w_in``, ``b``, ``w_out``, ``b_out``, ``snapshot_w`` (snapshot, N, N).
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ...core.progress import plural
from ...core.result import SEED, Result, describe
from .config import BIMTConfig

WEIGHTS = ("w", "w_in", "b", "w_out", "b_out", "snapshot_w")
SCALARS = ("accuracy", "clusters", "silhouette", "isolated_fraction", "isolated_percentile", "spread",
           "spread_percentile", "active_neurons", "active_connections", "wiring_length")
VARIABLES = {
    "accuracy": ("mean task accuracy (Yang et al. 2019: fixation held, right choice)", "1"),
    "task_accuracy": ("task accuracy (Yang et al. 2019)", "1"),
    "decision_accuracy": ("task accuracy at the last decision step only", "1"),
    "clusters": ("functional clusters", "1"), "silhouette": ("silhouette score of the clustering", "1"),
    "isolated_fraction": ("fraction of important neurons with no 8-neighbour in their cluster", "1"),
    "isolated_percentile": ("percentile of the isolated fraction among shuffled sheets", "percent"),
    "spread": ("spatial spread of the functional clusters", "grid indices²"),
    "spread_percentile": ("percentile of the spread among shuffled sheets", "percent"),
    "active_neurons": ("important neurons (summed task variance above the threshold)", "1"),
    "active_connections": ("connections with |w| above the threshold", "1"),
    "wiring_length": ("summed L1 length of the active connections", "sheet sides"),
    "isolated_shuffled": ("isolated fraction of each shuffled sheet", "1"),
    "spread_shuffled": ("spread of each shuffled sheet", "grid indices²"),
    "labels": ("functional cluster of each slot (−1: not important)", "1"),
    "important": ("important neuron (1) or not (0)", "1"),
    "task_variance": ("task variance: a neuron's variance across trials, averaged over time", "1"),
    "identity": ("original neuron in each slot", "1"),
    "loss": ("training loss, prediction + λ·cost", "nats"),
    "pred_loss": ("training loss, prediction only", "nats"),
    "swaps": ("neuron swaps made in each round", "1"),
    "snapshot_identity": ("original neuron in each slot after each swap round", "1"),
}

#: long_name and units of every coordinate
COORDINATES = {
    "seed": SEED,
    "task": ("cognitive task (Yang et al. 2019)", ""),
    "neuron": ("slot of the sheet", "1"),
    "x": ("sheet x (side = 1)", "1"),
    "y": ("sheet y (side = 1)", "1"),
    "step": ("training step", "steps"),
    "round": ("swap round", "1"),
    "snapshot": ("training step of the snapshot", "steps"),
    "shuffle": ("shuffled sheet", "1"),
}


def anatomy_variables(out: dict, sl: slice = slice(None)) -> dict:
    """The Dataset variables of the anatomy measures (:func:`.core.measure_anatomy`) of the networks ``sl``."""
    v = {name: (("seed",), np.asarray(out[name][sl], np.float64)) for name in SCALARS if name != "accuracy"}
    v.update({"isolated_shuffled": (("seed", "shuffle"), out["isolated_shuffled"][sl]),
              "spread_shuffled": (("seed", "shuffle"), out["spread_shuffled"][sl]),
              "labels": (("seed", "neuron"), out["labels"][sl].astype(np.int64)),
              "important": (("seed", "neuron"), out["important"][sl].astype(np.int8))})
    return v


def build_dataset(config: BIMTConfig, out: dict, sl: slice) -> xr.Dataset:
    """The Dataset of the networks ``sl`` of one ensemble's output (:func:`.core.train_and_measure`)."""
    seeds = [int(s) for s in out["seed"][sl]]
    coords = out["coords"]
    tasks = [str(t) for t in out["tasks"]]
    v = {"accuracy": (("seed",), np.asarray(out["accuracy"][sl], np.float64)), **anatomy_variables(out, sl)}
    v.update({
        "task_accuracy": (("seed", "task"), out["task_accuracy"][sl]),
        "decision_accuracy": (("seed", "task"), out["decision_accuracy"][sl]),
        "task_variance": (("seed", "task", "neuron"), out["task_variance"][sl]),
        "identity": (("seed", "neuron"), out["identity"][sl].astype(np.int64)),
        "loss": (("seed", "step"), out["loss"][:, sl].T),
        "pred_loss": (("seed", "step"), out["pred_loss"][:, sl].T),
        "swaps": (("seed", "round"), out["swaps"][:, sl].T.astype(np.int64)),
        "snapshot_identity": (("seed", "snapshot", "neuron"), out["snapshot_identity"][:, sl].swapaxes(0, 1)),
    })
    ds = xr.Dataset(v, coords={"seed": seeds, "task": tasks, "neuron": np.arange(coords.shape[0]),
                               "x": ("neuron", coords[:, 0]), "y": ("neuron", coords[:, -1]),
                               "step": np.arange(1, out["loss"].shape[0] + 1),
                               "round": np.arange(1, out["swaps"].shape[0] + 1),
                               "snapshot": out["snapshot_step"],
                               "shuffle": np.arange(out["isolated_shuffled"].shape[1])})
    describe(ds, {**VARIABLES, **COORDINATES})
    ds.attrs.update(config=json.dumps(config.canonical(with_seeds=False), sort_keys=True))
    return ds


def summary(result: Result) -> dict:
    """Per seed (lists in seed order) what ``explorer run bimt --json`` prints."""
    ds = result.data
    per_seed = lambda name, kind=float: [kind(v) for v in ds[name].values]  # noqa: E731
    return {
        "regime": json.loads(ds.attrs["config"])["regime"],
        "accuracy": per_seed("accuracy"),
        # False: below LEARNED mean task accuracy, so its clusters and anatomy are not a finding ("NOT LEARNED")
        "learned": [bool(a >= LEARNED) for a in ds["accuracy"].values],
        "task_accuracy": [{str(t): float(a) for t, a in zip(ds.task.values, row)}
                          for row in ds["task_accuracy"].values],
        "clusters": per_seed("clusters", int),
        "isolated_fraction": per_seed("isolated_fraction"),
        "isolated_percentile": per_seed("isolated_percentile"),
        "spread_percentile": per_seed("spread_percentile"),
        "active_neurons": per_seed("active_neurons", int),
        "wiring_length": per_seed("wiring_length"),
    }


#: mean accuracy over the tasks below which a network has not learned them: its clusters and anatomy are not a
#: finding (the default 8 × 8 run ends at 0.64-0.72; at the sheet's largest λ, 0.01, networks end near 0.16)
LEARNED = 0.5


def not_learned(result: Result) -> list[int]:
    """Seeds whose mean task accuracy is below :data:`LEARNED`."""
    ds = result.data
    return [int(s) for s, a in zip(ds.seed.values, ds["accuracy"].values) if not a >= LEARNED]


def not_learned_words(result: Result) -> str:
    """One sentence naming the networks that have not learned the tasks; ``""`` when every one has."""
    seeds = not_learned(result)
    if not seeds:
        return ""
    return (f"{len(seeds)} of {result.data.sizes['seed']} below {LEARNED:g} mean task accuracy "
            f"({'seeds' if len(seeds) > 1 else 'seed'} {', '.join(map(str, seeds))}): not learned, so their "
            "clusters and anatomy are not a finding")


def text(config: BIMTConfig, result: Result) -> str:
    """The CLI's summary: one line per seed."""
    s = summary(result)
    lines = [f"{config.regime} on a {config.grid} × {config.grid} sheet ({config.sheet}), λ = {config.lam:g}, "
             f"A = {config.A:g}, {config.steps} steps, {plural(len(s['accuracy']), 'seed')}"
             + ("  [from the store]" if result.cached else ""),
             f"  {'seed':>4}  {'accuracy':>8}  {'clusters':>8}  {'isolated':>8}  {'iso pct':>7}  {'spread pct':>10}"
             f"  {'important':>9}  {'wiring':>8}"]
    for i, seed in enumerate(result.data.seed.values):
        lines.append(f"  {int(seed):>4}  {s['accuracy'][i]:8.3f}  {s['clusters'][i]:8d}"
                     f"  {s['isolated_fraction'][i]:8.3f}"
                     f"  {s['isolated_percentile'][i]:7.1f}  {s['spread_percentile'][i]:10.1f}"
                     f"  {s['active_neurons'][i]:9d}  {s['wiring_length'][i]:8.1f}")
    if not_learned(result):   # as the specialization study's "BELOW THE CRITERION"
        lines.append(f"NOT LEARNED: {not_learned_words(result)}.")
    lines.append("isolated / spread percentile: among shuffled sheets (below 5 = anatomically modular, "
                 f"baseline '{config.baseline}'); important: neurons whose task variance exceeds "
                 f"{config.importance:g} (JSON: active_neurons); wiring: summed length of connections with "
                 f"|w| > {config.active:g}.")
    fewer = [int(k) for k in s["clusters"] if config.clusters and k < config.clusters]
    if fewer:   # functional_clusters takes at most n − 1 clusters of n important neurons
        lines.append(f"clusters: {config.clusters} were asked for; seeds with fewer important neurons got "
                     f"{', '.join(map(str, sorted(set(fewer))))} (at most one fewer than their important neurons).")
    return "\n".join(lines)


def entry_summary(ds) -> dict:
    """What ``explorer store info`` shows of one stored seed (and a sweep's table, per cell): ``reached_criterion``
    is 1 when the network learned the tasks (mean accuracy ≥ :data:`LEARNED`; a cell's mean: the fraction of its
    seeds that did)."""
    acc = float(ds["accuracy"].values[0])
    return {"accuracy": acc, "reached_criterion": float(acc >= LEARNED),
            **{name: float(ds[name].values[0]) for name in ("isolated_fraction", "isolated_percentile",
                                                            "spread_percentile", "wiring_length")}}
