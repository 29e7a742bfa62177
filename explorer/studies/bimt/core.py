"""The BIMT study's pipeline for one ensemble: train on the 20 cognitive tasks, then measure anatomy.

Liu et al. 2023 train an RNN (eq. 1) on the 20 tasks of Yang et al. 2019 with loss ℓ_pred + λ ℓ_cc (eq. 2–3)
and neuron swaps (brain-inspired modular training, Liu, Gan & Tegmark 2023), then ask whether functional
clusters of neurons are also spatial clusters (§3.3). :func:`train_and_measure` does this for several seeds
and regimes at once — BIMT (λ, A, swaps), L1 (λ, A = 0, no swaps) and none (λ = 0) share shapes, so every
(regime, seed) pair is one network of a single ensemble trained in one batched pass by
:func:`explorer.core.fit.fit`.

λ schedule (as in the reference BIMT training): λ/10 for the first ``warmup`` fraction of the steps, λ after,
λ/10 again for the last ``cooldown`` fraction. Swaps every ``swap_every`` steps (top ``top_k`` neurons).
Optimiser AdamW, weight decay 0. No param, Panel, HoloViews or store imports here.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from ...core.cancel import check
from ...core.ensembles import keep_freed_memory
from ...core.fit import fit, hook
from ...metrics.anatomy import anatomy, task_variance
from ...models.spatial import SpatialRNN, packing
from ...tasks.cognitive import N_INPUTS, N_OUTPUTS, TrialBank, check_tasks, trial_accuracy
from .config import REGIMES, USED_BY, BIMTConfig

__all__ = ["REGIMES", "check_settings", "members", "train_and_measure"]


def check_settings(settings) -> dict:
    """Settings (a :class:`~explorer.studies.bimt.config.BIMTConfig` or a dict of its fields) completed with
    the config's defaults and validated there — the one place the BIMT settings are declared. Seeds and the
    per-network settings (regime, λ, A) come with the networks; a ConfigError (a ValueError) says what is wrong."""
    if isinstance(settings, BIMTConfig):
        return settings.to_dict()
    values = {k: v for k, v in dict(settings).items() if k != "seeds"}
    return BIMTConfig.from_dict(values).to_dict()


#: the anatomy measures of each network, stacked over the ensemble (the Result's variables of these names), with
#: the dtype each is stacked as (None: as :func:`explorer.metrics.anatomy.anatomy` gives it)
ANATOMY = {"clusters": None, "silhouette": float, "isolated_fraction": float, "isolated_percentile": float,
           "spread": float, "spread_percentile": float, "active_neurons": None, "active_connections": None,
           "wiring_length": float, "isolated_shuffled": np.float32, "spread_shuffled": np.float32, "labels": None,
           "important": None}


def measure_anatomy(tv, w, dist, s: dict, seeds, cancel=None) -> dict:
    """The anatomy of every network (Liu et al. 2023, §3: important neurons, functional clusters, wiring length,
    isolated neurons and spread against shuffled sheets) from its task variance ``tv`` (E, K, N), hidden weights
    ``w`` (E, N, N) and the slots' distances ``dist`` (N, N), with the measuring settings of ``s``; each network's
    shuffles are seeded by its own seed. What training ends with, and what :func:`.run.remeasure` recomputes for
    stored networks."""
    dist = np.asarray(dist, dtype=np.float64)
    measures = []
    for e, seed in enumerate(seeds):
        measures.append(anatomy(tv[e], w[e], dist, sheet=s["sheet"], importance=float(s["importance"]),
                                active=float(s["active"]), clusters=int(s["clusters"]),
                                shuffles=int(s["shuffles"]), baseline=s["baseline"], seed=int(seed)))
        check(cancel)
    return {key: np.array([m[key] for m in measures], dtype=dtype) for key, dtype in ANATOMY.items()}


def members(regimes, seeds, lam: float, A: float) -> list[tuple[str, int, float, float]]:
    """The ensemble's (regime, seed, λ, A) networks, regime-major: what a regime ignores is 0 (config.USED_BY: L1
    keeps λ with A = 0, none has λ = 0)."""
    regimes = list(regimes)
    for r in regimes:
        if r not in REGIMES:
            raise ValueError(f"unknown regime {r!r}; choose bimt, l1 or none.")
    if not seeds:
        raise ValueError("choose at least one seed.")
    return [(r, int(sd), float(lam) if r in USED_BY["lam"] else 0.0, float(A) if r in USED_BY["A"] else 0.0)
            for r in regimes for sd in seeds]


def lam_factor(step: int, steps: int, warmup: float, cooldown: float) -> float:
    """The λ schedule: 0.1 during the warm-up and the cool-down, 1 between."""
    return 0.1 if step < warmup * steps or step >= (1 - cooldown) * steps else 1.0


def _network_loss(model: SpatialRNN, batch) -> torch.Tensor:
    """(E,) weighted cross-entropy over the real steps of each network's batch, computed on those steps only
    (:meth:`SpatialRNN.packed`; padding has weight 0, so it adds nothing to the loss or its gradient)."""
    pk = packing(batch.length, batch.x.shape[-3], batch.x.shape[-2])
    logits, _ = model.packed(batch.x, pk)                               # (E, P, n_out)
    y, weight = (v.flatten(-2).index_select(-1, pk.index) for v in (batch.y, batch.weight))
    ce = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.expand(model.E, -1).flatten(), reduction="none")
    return (ce.view(model.E, -1) * weight).sum(-1) / weight.sum(-1)


def _adamw(params, lr: float) -> torch.optim.AdamW:
    """AdamW, weight decay 0, as one fused kernel per parameter where this PyTorch has it on CPU (2.4+; the same
    update as the default multi-tensor one up to float rounding, in a third of the time)."""
    try:
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.0, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)


@torch.no_grad()
def evaluate(model: SpatialRNN, bank: TrialBank):
    """Per task: Yang et al. 2019 accuracy (E, K), decision-only accuracy (E, K), task variance (E, K, N)."""
    acc, dec, tv = [], [], []
    for k in range(len(bank.tasks)):
        batch = bank.task_trials(k)
        logits, H = model(batch.x, hidden=True, lengths=batch.length)
        ok, decided = trial_accuracy(logits, batch)
        acc.append(ok.float().mean(-1))
        dec.append(decided.float().mean(-1))
        tv.append(task_variance(H.numpy(), batch.valid.numpy()))
    return torch.stack(acc, 1).numpy(), torch.stack(dec, 1).numpy(), np.stack(tv, 1)


def evaluate_again(settings, seeds, weights: dict):
    """:func:`evaluate` on networks trained before (``weights``: w, w_in, b, w_out, b_out, network first), on the
    test trials the settings ask for (``eval_trials``): what training them again would end with."""
    s = check_settings(settings)
    model = SpatialRNN([int(sd) for sd in seeds], grid=int(s["grid"]), sheet=s["sheet"], n_in=N_INPUTS,
                       n_out=N_OUTPUTS, recurrent_gain=float(s["recurrent_gain"]))
    with torch.no_grad():
        for name in ("w", "w_in", "b", "w_out", "b_out"):
            getattr(model, name).copy_(torch.as_tensor(weights[name]))
    return evaluate(model, _eval_bank(s, check_tasks(s["tasks"])))


def _eval_bank(s: dict, tasks) -> TrialBank:
    """The held-out test trials of the settings ``s`` (seeded apart from the training bank)."""
    return TrialBank(tasks, s["eval_trials"], seed=s["bank_seed"] + 1, decision_weight=s["decision_weight"])


def train_and_measure(settings, seeds=None, regimes=None, on_progress=None, cancel=None,
                      snapshot_networks=None, nets=None) -> dict:
    """Train one ensemble of networks and measure each; a dict of numpy arrays, network-major.

    ``nets`` lists the networks as (regime, seed, λ, A); without it the ensemble is every regime of
    ``regimes`` (default ``[settings["regime"]]``) × every seed, at the settings' λ and A.
    ``snapshot_networks`` (indices into the ensemble; default the first seed of each regime) get their slot
    identities and hidden weights recorded after every swap round, for scrubbing.
    """
    s = check_settings(settings)
    keep_freed_memory()
    if nets is None:
        nets = members([s["regime"]] if regimes is None else regimes, seeds if seeds is not None else s["seeds"],
                       s["lam"], s["A"])
    # A regime fixes what it ignores, whoever built the list: L1 has A = 0, none has λ = 0 (a config already has
    # them so, config.validate; a list given by hand may not).
    nets = [members([r], [sd], la, a)[0] for r, sd, la, a in nets]
    regimes = list(dict.fromkeys(r for r, *_ in nets))
    E, steps = len(nets), int(s["steps"])
    t0 = time.perf_counter()
    tasks = check_tasks(s["tasks"])
    bank = TrialBank(tasks, s["bank_trials"], seed=s["bank_seed"], decision_weight=s["decision_weight"])
    eval_bank = _eval_bank(s, tasks)
    check(cancel)
    lam = [la for _, _, la, _ in nets]
    A = [a for *_, a in nets]
    model = SpatialRNN([sd for _, sd, *_ in nets], grid=int(s["grid"]), sheet=s["sheet"], n_in=N_INPUTS,
                       n_out=N_OUTPUTS, lam=lam, A=A, swaps=[r == "bimt" for r, *_ in nets],
                       recurrent_gain=float(s["recurrent_gain"]))
    opt = _adamw(list(model.parameters()), float(s["lr"]))
    rngs = [np.random.default_rng([sd, 7]) for _, sd, *_ in nets]
    if snapshot_networks is None:
        snapshot_networks = sorted({[r for r, *_ in nets].index(r) for r in regimes})
    snap_idx = list(snapshot_networks)

    pred_curve, total_curve = [], []

    def step(batch):
        opt.zero_grad(set_to_none=True)
        pred = _network_loss(model, batch)
        total = pred + model.regularisation()
        total.sum().backward()                     # summed over networks: each gets its own gradient
        opt.step()
        pred_curve.append(pred.detach())
        total_curve.append(total.detach())
        return total

    snaps = {"step": [0], "identity": [model.identity[snap_idx].clone()], "w": [model.w.detach()[snap_idx].clone()]}
    swaps_made = []

    def after_step(i, epoch):
        done = i + 1
        model.lam.copy_(model.lam_base * lam_factor(done, steps, s["warmup"], s["cooldown"]))
        if done % int(s["swap_every"]) == 0 and done < steps:
            # every round is recorded whether or not a network of this ensemble swaps: a network's stored data
            # must not depend on its company (seeds of one setting trained in different ensembles are merged)
            swaps_made.append(model.swap(opt, int(s["top_k"])) if bool(model.swaps.any())
                              else torch.zeros(E, dtype=torch.long))
            snaps["step"].append(done)
            snaps["identity"].append(model.identity[snap_idx].clone())
            snaps["w"].append(model.w.detach()[snap_idx].clone())

    model.lam.copy_(model.lam_base * lam_factor(0, steps, s["warmup"], s["cooldown"]))
    epoch_steps = min(steps, int(s["swap_every"]))
    epochs = math.ceil(steps / epoch_steps)

    def batches(epoch):
        for i in range(min(epoch_steps, steps - epoch * epoch_steps)):
            yield bank.sample(rngs, int(s["trials_per_task"]))

    fit(epochs=epochs, n_batches=epoch_steps, batches=batches, step=step, seeds=[sd for _, sd, *_ in nets],
        hooks=[hook(after_step=after_step)], on_progress=on_progress, cancel=cancel,
        snapshot=lambda: model.snapshot(snap_idx), snapshot_every=int(s["swap_every"]), total_steps=steps)
    train_s = time.perf_counter() - t0

    check(cancel)
    acc, dec, tv = evaluate(model, eval_bank)
    check(cancel)
    w = model.w.detach().numpy()
    out = {
        "regime": np.array([r for r, *_ in nets]), "seed": np.array([sd for _, sd, *_ in nets]),
        "tasks": np.array(tasks),
        "accuracy": acc.mean(1), "task_accuracy": acc, "decision_accuracy": dec,
        **measure_anatomy(tv, w, model.dist, s, [sd for _, sd, *_ in nets], cancel), "task_variance": tv,
        "coords": model.coords.numpy(), "identity": model.identity.numpy(),
        "w": w, "w_in": model.w_in.detach().numpy(), "b": model.b.detach().numpy(),
        "w_out": model.w_out.detach().numpy(), "b_out": model.b_out.detach().numpy(),
        "loss": torch.stack(total_curve).numpy(), "pred_loss": torch.stack(pred_curve).numpy(),
        "swaps": torch.stack(swaps_made).numpy() if swaps_made else np.zeros((0, E), np.int64),
        "snapshot_networks": np.array(snap_idx, np.int64), "snapshot_step": np.array(snaps["step"]),
        "snapshot_identity": torch.stack(snaps["identity"]).numpy(),
        "snapshot_w": torch.stack(snaps["w"]).numpy(),
        "train_seconds": np.float64(train_s), "seconds": np.float64(time.perf_counter() - t0),
    }
    return out
