"""The growth study's Result schema (Hamidi et al. 2024): a labelled xarray.Dataset plus both architectures'
trained parameters.

==================  =================================  ======================================================
variable            dims                               meaning
==================  =================================  ======================================================
n_solved            (seed, arch)                       largest N the curriculum reached: solved at a check,
                                                       never lowered (the RNN may lose it later); 1: none
n_solved_curve      (seed, arch, epoch)                the same after each epoch (Fig. 2a)
accuracy_curve      (seed, arch, epoch)                balanced accuracy, mean over the active heads
loss_curve          (seed, arch, epoch)                training loss (summed cross-entropies of the heads)
params              (seed, arch)                       trainable parameters of the network (Fig. 2b)
tasks_solved        (seed, arch, group, eps)           active heads above 90 % after an eq. 5 perturbation,
                                                       mean over draws (Fig. 3); NaN where not defined
head_accuracy       (seed, arch, group, eps, N)        accuracy of each head (= each module of the chain);
                                                       NaN past the seed's trained depth
eps_keep            (seed, arch, group)                ε at which the tasks solved fall to half
tau_module          (seed, N)                          the chain's trained τ̂ per module (mean); NaN past the
                                                       seed's trained depth
tau_rnn             (seed,)                            the RNN's trained τ̂ (mean)
depth               (seed, arch)                       modules (chain) or heads (RNN) grown, counting one grown
                                                       at the last check, never trained (:func:`trained_depth`)
accuracy            (seed,)                            the chain's balanced accuracy on its active heads, last epoch
generalisation      (seed, arch, K)                    accuracy on N_solved + K after a short retraining
                                                       (Fig. 2c); NaN when not measured
tau_eff_module      (seed, N)                          the chain's effective timescale per module, mean over
                                                       its neurons (Fig. 4b); NaN when not measured
tau_eff_rnn         (seed,)                            the RNN's mean effective timescale; NaN when not measured
==================  =================================  ======================================================

Coordinates: ``seed``, ``arch`` (modular, rnn), ``epoch`` (1…), ``group`` (W_R, W_FF, tau), ``eps``,
``N`` (each head's N-parity task: 2 … N_max), ``K`` (1 … the ``generalise`` setting, or 1 when off).
Weights (safetensors, seed first): ``modular.<name>`` and ``rnn.<name>``.
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ...core.progress import plural
from ...core.result import EPOCH, SEED, Result, describe
from .config import GROUPS, GrowthConfig

ARCHS = ("modular", "rnn")
VARIABLES = {
    "n_solved": ("largest N solved at a curriculum check (1: none; never lowered)", "1"),
    "n_solved_curve": ("largest N solved at a curriculum check, after each epoch (1: none)", "1"),
    "accuracy_curve": ("balanced accuracy, mean over the active heads", "1"),
    "loss_curve": ("training loss, summed over the heads", "nats"), "params": ("trainable parameters", "1"),
    "tasks_solved": ("tasks (heads) still above 90 % accuracy after the perturbation, mean over draws", "1"),
    "head_accuracy": ("accuracy of each head after the perturbation, mean over draws (NaN: a head the network "
                      "never trained)", "1"),
    "eps_keep": ("ε at which the tasks solved fall to half (the largest ε when they never do)", "1"),
    "tau_module": ("the chain's trained time constant per module, mean (NaN: a module never trained)", "steps"),
    "tau_rnn": ("the RNN's trained time constant, mean", "steps"),
    "depth": ("modules or heads grown (one grown at the last check never trained)", "1"),
    "accuracy": ("the growing chain's balanced accuracy over its active heads after the last epoch", "1"),
    "generalisation": ("balanced accuracy on N_solved + K after retraining the last solved task's readout", "1"),
    "tau_eff_module": ("the chain's effective timescale per module (AIC-chosen fit of the autocorrelation; NaN: a "
                       "module never trained)", "steps"),
    "tau_eff_rnn": ("the RNN's mean effective timescale (AIC-chosen fit of the autocorrelation)", "steps"),
}

#: long_name and units of every coordinate
COORDINATES = {
    "seed": SEED,
    "arch": ("architecture", ""),
    "epoch": EPOCH,
    "group": ("perturbed parameters", ""),
    "eps": ("relative perturbation ε = ‖ΔW‖_F / ‖W‖_F (Hamidi et al. 2024, eq. 5)", "1"),
    "N": ("N of the head's N-parity task", "1"),
    "K": ("K of the N_solved + K task (generalisation)", "1"),
}


def _generalisation(out: dict, rows: list[int], S: int) -> np.ndarray:
    K = max([np.asarray(out[f"{a}_generalisation"]).shape[1] for a in ARCHS if f"{a}_generalisation" in out] + [1])
    g = np.full((S, 2, K), np.nan)
    for a, arch in enumerate(ARCHS):
        if f"{arch}_generalisation" in out:
            g[:, a] = np.asarray(out[f"{arch}_generalisation"])[rows]
    return g


def _timescales(out: dict, rows: list[int], S: int, modules: int, module_size: int) -> tuple:
    from ...metrics.timescales import module_mean

    chain, rnn = np.full((S, modules), np.nan), np.full(S, np.nan)
    if "modular_tau_eff" in out:
        per_module = module_mean(np.asarray(out["modular_tau_eff"])[rows], module_size)
        chain[:, :per_module.shape[1]] = per_module
        with np.errstate(all="ignore"):
            rnn[:] = np.nanmean(np.asarray(out["rnn_tau_eff"])[rows], 1)
    return chain, rnn


def build_dataset(config: GrowthConfig, out: dict, rows: list[int]) -> xr.Dataset:
    """The Dataset of the networks ``rows`` of one run's output (:func:`.core.train_and_measure`)."""
    heads = [int(h) for h in out["heads"]]
    eps = np.asarray(out["eps"], float)
    S, E, K, G = len(rows), len(eps), len(heads), len(GROUPS)
    pick = lambda key: np.asarray(out[key])[rows]   # noqa: E731
    per_arch = lambda key: np.stack([pick(f"{a}_{key}") for a in ARCHS], 1)   # noqa: E731
    tasks = np.full((S, 2, G, E), np.nan)
    acc = np.full((S, 2, G, E, K), np.nan)
    keep = np.full((S, 2, G), np.nan)
    for a, arch in enumerate(ARCHS):
        for g, group in enumerate(GROUPS):
            if f"{arch}_{group}_tasks_solved" in out:
                tasks[:, a, g] = pick(f"{arch}_{group}_tasks_solved")
                acc[:, a, g] = pick(f"{arch}_{group}_accuracy")
                keep[:, a, g] = pick(f"{arch}_{group}_eps_keep")
    params = np.array([[float(out["params_modular"]), float(out["params_rnn"])]] * S)
    generalised = _generalisation(out, rows, S)
    tau_eff_chain, tau_eff_rnn = _timescales(out, rows, S, K, config.module_size)
    ds = xr.Dataset({
        "n_solved": (("seed", "arch"), per_arch("n_solved").astype(np.int64)),
        "n_solved_curve": (("seed", "arch", "epoch"), per_arch("n_solved_curve").astype(np.int64)),
        "accuracy_curve": (("seed", "arch", "epoch"), per_arch("accuracy_curve").astype(np.float64)),
        "loss_curve": (("seed", "arch", "epoch"), per_arch("loss_curve").astype(np.float64)),
        "params": (("seed", "arch"), params),
        "tasks_solved": (("seed", "arch", "group", "eps"), tasks),
        "head_accuracy": (("seed", "arch", "group", "eps", "N"), acc),
        "eps_keep": (("seed", "arch", "group"), keep),
        "tau_module": (("seed", "N"), pick("modular_tau").astype(np.float64)),
        "tau_rnn": (("seed",), pick("rnn_tau").astype(np.float64)),
        "depth": (("seed", "arch"), per_arch("depth").astype(np.int64)),
        "accuracy": (("seed",), pick("modular_accuracy_curve")[:, -1].astype(np.float64)),
        "generalisation": (("seed", "arch", "K"), generalised),
        "tau_eff_module": (("seed", "N"), tau_eff_chain),
        "tau_eff_rnn": (("seed",), tau_eff_rnn),
    }, coords={"seed": [int(s) for s in np.asarray(out["seeds"])[rows]], "arch": list(ARCHS),
               "epoch": np.arange(1, per_arch("n_solved_curve").shape[-1] + 1), "group": list(GROUPS),
               "eps": eps, "N": heads, "K": np.arange(1, generalised.shape[2] + 1)})
    # what a head or module past a seed's trained depth holds is no measurement of it: not stored as one
    ds["head_accuracy"] = xr.concat([grown(ds, "head_accuracy", a) for a in ARCHS], dim="arch").transpose(
        *ds["head_accuracy"].dims)
    for name in ("tau_module", "tau_eff_module"):
        ds[name] = grown(ds, name)
    describe(ds, {**VARIABLES, **COORDINATES})
    ds.attrs.update(config=json.dumps(config.canonical(with_seeds=False), sort_keys=True),
                    rnn_size=int(out["rnn_size"]))
    return ds


def trained_depth(ds, arch: str = "modular") -> xr.DataArray:
    """Per seed, the modules (chain) or heads (RNN) that trained. A network that passes the curriculum's check
    after the last epoch still grows (``depth`` counts it), but its new module or head never trains: when the
    last epoch solved a new N, the network trained the N − 1 modules or heads up to it (the first answers N = 2)."""
    curve = ds["n_solved_curve"].sel(arch=arch)
    # a sweep over epochs pads a shorter run's curve with NaN: its last epoch is its last value
    epochs = curve.notnull().sum("epoch")
    last = curve.isel(epoch=(epochs - 1).clip(min=0))
    before = curve.isel(epoch=(epochs - 2).clip(min=0)).where(epochs >= 2, 1)
    depth = ds["depth"].sel(arch=arch)
    return xr.where(last != before, np.minimum(last - 1, depth), depth).drop_vars("epoch", errors="ignore")


def grown(ds, name: str, arch: str = "modular") -> xr.DataArray:
    """``ds[name]`` (a variable with an ``N`` axis: per head, or per module of the chain) with every head or
    module past each seed's :func:`trained_depth` set to NaN. The chain is preallocated to N_max − 1 modules and
    the RNN to N_max − 1 heads; those a seed never trained are not measurements of it."""
    da = ds[name].sel(arch=arch) if "arch" in ds[name].dims else ds[name]
    index = xr.DataArray(np.arange(ds.sizes["N"]), dims="N", coords={"N": ds["N"]})
    return da.where(index < trained_depth(ds, arch))


def learned(ds, arch: str, group: str) -> np.ndarray:
    """Per seed, whether its robustness to perturbing ``group`` is a finding: the network solved a task in its
    curriculum (N solved ≥ 2), and, for W_FF, the chain has more than one module (one module has no W_FF)."""
    ok = ds["n_solved"].sel(arch=arch).values >= 2
    if group == "W_FF":
        ok = ok & (trained_depth(ds, arch).values >= 2)
    return ok


def learned_eps_keep(ds, arch: str, group: str) -> np.ndarray:
    """``eps_keep`` per seed, NaN where it is not a finding (:func:`learned`)."""
    keep = ds["eps_keep"].sel(arch=arch, group=group).values.astype(float).copy()
    keep[~learned(ds, arch, group)] = np.nan
    return keep


def weights_of(out: dict, rows: list[int]) -> dict:
    """Both architectures' parameters of the networks ``rows`` (flat names, seed on dimension 0)."""
    import torch

    return {f"{arch}.{key[len(arch) + 7:]}": torch.from_numpy(np.ascontiguousarray(out[key][rows]))
            for arch in ARCHS for key in out if key.startswith(f"{arch}_param_")}


def summary(result: Result) -> dict:
    """What ``explorer run growth --json`` prints: parameter counts, N solved and its curve per seed (lists in
    seed order) and the robustness curves per perturbed group (ε and tasks solved per architecture and seed)."""
    ds = result.data
    out = {"params": {a: int(ds["params"].sel(arch=a).values[0]) for a in ARCHS},
           "rnn_size": int(ds.attrs["rnn_size"]),
           "n_solved": {a: [int(v) for v in ds["n_solved"].sel(arch=a).values] for a in ARCHS},
           "n_solved_curve": {a: [[int(v) for v in row] for row in ds["n_solved_curve"].sel(arch=a).values]
                              for a in ARCHS},
           "robustness": {}}
    groups = json.loads(ds.attrs["config"])["perturb"].split(",")
    for g in groups:
        entry = {"eps": [float(e) for e in ds.eps.values]}
        for a in ARCHS:
            ts = ds["tasks_solved"].sel(arch=a, group=g).values
            if not np.isnan(ts).all():
                keep = learned_eps_keep(ds, a, g)
                entry[a] = {"tasks_solved": [[float(v) for v in row] for row in ts],
                            "eps_keep": [float(v) for v in keep],
                            # True: half the tasks were still solved at the largest ε, which eps_keep then holds
                            "eps_keep_censored": [bool(v >= ds.eps.values[-1]) for v in keep]}   # NaN: False
        out["robustness"][g] = entry
    out["accuracy"] = [float(v) for v in ds["accuracy_curve"].sel(arch="modular").values[:, -1]]   # the chain's
    out["accuracy_rnn"] = [float(v) for v in ds["accuracy_curve"].sel(arch="rnn").values[:, -1]]
    if "generalisation" in ds and not np.isnan(ds["generalisation"].values).all():
        out["generalisation"] = {"K": [int(k) for k in ds.K.values]} | {
            a: [[_number(v) for v in row] for row in ds["generalisation"].sel(arch=a).values] for a in ARCHS}
    if "tau_eff_module" in ds and not np.isnan(ds["tau_eff_module"].values).all():
        depth = int(trained_depth(ds).max())   # each seed's own trained modules; past them null
        out["effective_timescales"] = {
            "modular": [[_number(v) for v in row[:depth]] for row in grown(ds, "tau_eff_module").values],
            "rnn": [_number(v) for v in ds["tau_eff_rnn"].values]}
    return out


def _eps(v, censored: bool) -> str:
    """ε_keep as text: – for NaN (nothing solved at ε = 0), > ε_max where half the tasks outlived the grid."""
    return "–" if v is None or v != v else f"> {v:.3g}" if censored else f"{v:.3g}"


def _number(v) -> float | None:
    """A JSON number, or null for NaN."""
    return None if np.isnan(v) else float(v)


def text(config: GrowthConfig, result: Result) -> str:
    """The CLI's summary."""
    s = summary(result)
    lines = [f"modules of {config.module_size} (chain, {s['params']['modular']} parameters) against an RNN of "
             f"{s['rnn_size']} ({s['params']['rnn']} parameters), N up to {config.n_max}, "
             f"{plural(config.epochs, 'epoch')} × {plural(config.steps_per_epoch, 'step')}"
             + ("  [from the store]" if result.cached else ""),
             "largest N solved per seed during the curriculum (> 98 % on N and on average over 2 … N; 1: none):  "
             "modular "
             + ", ".join(map(str, s["n_solved"]["modular"])) + "   RNN " + ", ".join(map(str, s["n_solved"]["rnn"])),
             "balanced accuracy over the active heads after the last epoch:  modular "
             + ", ".join(f"{v:.3f}" for v in s["accuracy"])
             + "   RNN " + ", ".join(f"{v:.3f}" for v in s["accuracy_rnn"])]
    if s["robustness"]:
        lines.append("ε at which half the tasks are lost when perturbing (a task counts above 90 % accuracy, Hamidi "
                     "et al. 2024, Fig. 3; –: no task solved, in the curriculum or at ε = 0, or no W_FF in a chain "
                     f"of one module; > {config.eps_max:g}: half still solved there):")
    for g, entry in s["robustness"].items():
        parts = [f"{a} " + ", ".join(_eps(v, censored) for v, censored in zip(entry[a]["eps_keep"],
                                                                                entry[a]["eps_keep_censored"]))
                 for a in ARCHS if a in entry]
        lines.append(f"  {g}:  " + "   ".join(parts))
    if "generalisation" in s:
        for a in ARCHS:
            rows = "; ".join(", ".join("–" if v is None else f"{v:.2f}" for v in row) for row in s["generalisation"][a])
            lines.append(f"accuracy on N_solved + K (K = 1 … {len(s['generalisation']['K'])}) after "
                         f"{config.generalise_steps} steps, {a}: {rows}")
    if "effective_timescales" in s:
        own = s["effective_timescales"]["modular"][0][:int(trained_depth(result.data).values[0])]
        seeds = [int(v) for v in result.data.seed.values]   # the first seed's chain, not always seed 0
        lines.append(f"effective timescales: chain per module (seed {seeds[0]}) " + ", ".join(
            "–" if v is None else f"{v:.2f}" for v in own) + f"; RNN per seed ({', '.join(map(str, seeds))}) "
            + ", ".join("–" if v is None else f"{v:.2f}" for v in s["effective_timescales"]["rnn"]))
    return "\n".join(lines)


def entry_summary(ds) -> dict:
    """What ``explorer store info`` shows of one stored seed."""
    return {f"n_solved_{a}": int(ds["n_solved"].sel(arch=a).values[0]) for a in ARCHS} | {
        f"eps_keep_W_R_{a}": float(learned_eps_keep(ds, a, "W_R")[0]) for a in ARCHS}
