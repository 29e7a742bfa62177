"""The growth study's run pipeline: train a growing modular chain and a parameter-matched RNN on the N-parity
curriculum, then measure their robustness (Hamidi et al. 2024).

Both architectures train as ensembles over the seeds (one per architecture), through the shared loop
:func:`explorer.core.fit.fit`, with the same number of steps. Once per epoch every network is evaluated on
balanced sequences (q = 0.5, stricter than the unbalanced training sequences); a network whose mean accuracy
over its heads and whose newest head both exceed 98 % grows (Hamidi et al. 2024, "Task"): the chain gets a new
module + head (older modules' learning rate × γ, γ = 0: frozen; optional duplication of the trained previous
module with noise σ), the RNN a new head. Loss: the sum of the heads' cross-entropies; SGD with Nesterov
momentum, gradient norm clipped at 2 per network (:class:`~explorer.models.growing.MaskedNesterov`: the
parameters are preallocated, so growth only changes learning-rate masks and momentum buffers of frozen or
not-yet-grown modules stay untouched). Afterwards eq. 5 perturbations of W_R, W_FF (chain only) and τ.

No param, Panel, HoloViews or store imports: settings in, dict of numpy arrays out.
"""
from __future__ import annotations

import threading
import time
from functools import partial

import numpy as np
import torch

from ...core.cancel import check
from ...core.lanes import run_lanes
from ...core.fit import fit, hook
from ...metrics import robustness as rob
from ...models.growing import GrowingChain, MultiHeadRNN, MaskedNesterov, matched_rnn_size
from ...tasks.parity import ParityStream
from .config import ARCH_LABELS, GrowthConfig
from .generalise import generalisation

__all__ = ["train_and_measure", "measure_again", "CRITERION"]

CRITERION = 0.98

# The default preset (measured 2026-12-01, seeds 0, 1, 2, one thread, two busy cores, ~490 s — not a
# one-minute run): modules of 10 (5466 parameters) ↔ RNN of 53 (5399), 20 epochs × 120 steps × batch 128,
# lr 0.4 for both: N_solved 18, 21, 18 (modular) vs 11, 12, 12 (RNN), ≥ 1.5× on every seed; perturbing W_R
# the tasks fall to half at ε ≈ 0.64–0.69 (modular) vs 0.32 (RNN), ≈ 2×; perturbing τ at 0.16–0.17 vs
# 0.23–0.33 (the modular net is more sensitive, as in Hamidi et al. 2024, Fig. 3b). The RNN's lr was the
# best of {0.1, 0.2, 0.4, 0.8} at n_max 16 (16 × 100 steps: N = 7/6/7, 10/9/9, 10/10/10, 8/8/8); the chain's
# the better of {0.2, 0.4} (8/8/7, 12/10/12). At n_max ≤ 16 the chain's advantage is ≤ 1.2×.
def _settings(settings) -> dict:
    """Settings (a :class:`~explorer.studies.growth.config.GrowthConfig` or a dict of its fields) completed with
    the config's defaults and validated there — the one place the growth settings are declared."""
    if not isinstance(settings, GrowthConfig):
        settings = GrowthConfig.from_dict({k: v for k, v in dict(settings or {}).items() if k != "seeds"})
    s = settings.to_dict()
    s["perturb"] = tuple(s["perturb"].split(","))
    if s["rnn_lr"] is None:
        s["rnn_lr"] = s["lr"]
    if s["rnn_size"] is None:
        s["rnn_size"] = matched_rnn_size(s["module_size"], s["n_max"])
    return s


def _data_seed(seeds, salt: int) -> list[int]:
    """One data seed per network, from its own seed and the purpose (``salt``): every random draw of a network
    (batches, h₀, duplication noise, perturbations) comes from its own generators, so its numbers do not depend
    on which other seeds share its ensemble."""
    return [int(np.random.SeedSequence([int(x), salt]).generate_state(1)[0]) for x in seeds]


@torch.no_grad()
def _evaluate(model, stream: ParityStream, batches: int) -> torch.Tensor:
    """(E, K) balanced accuracy per head, sequences drawn for each network's newest N."""
    acc = 0
    for _ in range(batches):
        acc = acc + model.accuracy(stream.next(model.newest_n(), balanced=True),
                                   model.h0(stream.batch_size, generator=stream.generator))
    return acc / batches


def _train(model, arch: str, s: dict, seeds: list, lr: float, on_progress, cancel, part: tuple) -> dict:
    train = ParityStream(_data_seed(seeds, 1 + (arch == "rnn")), s["n_max"], s["batch_size"], lengths=1)
    evals = ParityStream(_data_seed(seeds, 11 + (arch == "rnn")), s["n_max"], s["eval_batch_size"], lengths=11)
    dup_gen = [torch.Generator().manual_seed(x) for x in _data_seed(seeds, 21)]
    opt = MaskedNesterov(model.parameters(), lr, s["momentum"], s["clip"])
    n_solved = torch.ones(model.E, dtype=torch.long)        # largest N solved so far (1: none yet)
    curve, acc_curve = [], []

    def step(batch):
        loss = model.loss(batch, model.h0(s["batch_size"], generator=train.generator))
        loss.sum().backward()
        opt.step(model.lr_scales())
        return loss

    def after_epoch(epoch, losses):
        acc = _evaluate(model, evals, s["eval_batches"])
        active = model.active_heads()
        mean = (acc * active).sum(1) / active.sum(1)
        newest = acc.gather(1, (model.n_active - 1)[:, None])[:, 0]
        ok = (mean > CRITERION) & (newest > CRITERION)
        n_solved.copy_(torch.where(ok, model.newest_n(), n_solved))
        if arch == "modular":
            model.grow(ok, gamma=s["freeze"], sigma=s["duplicate"], generator=dup_gen)
        else:
            model.grow(ok)
        curve.append(n_solved.clone())
        acc_curve.append(mean)
        return {"accuracy": mean.tolist(), "n_solved": n_solved.tolist(), "architecture": arch}

    def progress(event):
        if on_progress is not None:
            lo, hi = part
            on_progress({**event, "architecture": arch, "fraction": lo + (hi - lo) * event["fraction"],
                         "epoch_fraction": event["fraction"]})

    curves = fit(epochs=s["epochs"],
                 batches=lambda e: (train.next(model.newest_n()) for _ in range(s["steps_per_epoch"])),
                 step=step, n_batches=s["steps_per_epoch"], seeds=seeds, hooks=[hook(after_epoch=after_epoch)],
                 on_progress=progress, cancel=cancel)
    return {"n_solved": n_solved.numpy(), "n_solved_curve": torch.stack(curve, 1).numpy(),
            "accuracy_curve": torch.stack(acc_curve, 1).numpy(), "loss_curve": curves.loss.T.numpy()}


def _robustness(model, arch, s, seeds, cancel, on_progress, part) -> dict:
    eps = rob.eps_grid(s["eps_min"], s["eps_max"], s["eps_points"])
    stream = ParityStream(_data_seed(seeds, 31), s["n_max"], s["eval_batch_size"], lengths=31)
    batch = stream.next(model.newest_n(), balanced=True)
    h0 = model.h0(s["eval_batch_size"], generator=stream.generator)
    out = {}
    groups = [g for g in s["perturb"] if not (g == "W_FF" and arch == "rnn")]
    for i, g in enumerate(groups):
        check(cancel)
        # each group's draws are salted by the group itself, not by its place in the list: a group's curve does
        # not depend on which other groups are perturbed (nor on the RNN having no W_FF)
        salt = 41 + list(rob.GROUPS).index(g)
        r = rob.perturbation_curves(model, g, eps, s["draws"], batch, h0, seed=_data_seed(seeds, salt),
                                    chunk=s["perturb_chunk"])
        out[f"{g}_tasks_solved"] = r["tasks_solved"].T              # (E, n_eps)
        out[f"{g}_accuracy"] = r["accuracy"].transpose(1, 0, 2)     # (E, n_eps, K)
        out[f"{g}_eps_keep"] = rob.eps_keep(eps, r["tasks_solved"])
        if on_progress is not None:
            lo, hi = part
            on_progress({"stage": "robustness", "architecture": arch, "group": g,
                         "fraction": lo + (hi - lo) * (i + 1) / len(groups), "seeds": list(seeds)})
    out["eps"] = eps
    return out


def _one_architecture(arch: str, model, s: dict, seeds: list, report, cancel) -> dict:
    """Train one architecture's ensemble and measure it: the run's work for one lane."""
    lr = s["lr"] if arch == "modular" else s["rnn_lr"]
    t = time.perf_counter()
    out = _train(model, arch, s, seeds, lr, report, cancel, (0.0, 0.9))
    out["train_s"] = np.array(time.perf_counter() - t)
    out["tau"] = model.trained_tau().mean(-1).numpy()
    if s["generalise"]:
        check(cancel)
        t = time.perf_counter()
        out["generalisation"] = generalisation(model, out["n_solved"], s, seeds, lr,
                                               lambda salt: _data_seed(seeds, salt + 100 * (arch == "rnn")), cancel)
        out["generalise_s"] = np.array(time.perf_counter() - t)
    out.update(_measure(arch, model, s, seeds, report, cancel))
    out.update({f"param_{k}": v.detach().numpy().copy() for k, v in model.params.items()})
    out["depth"] = model.n_active.numpy().copy()
    return out


def _measure(arch: str, model, s: dict, seeds: list, report, cancel) -> dict:
    """What the measuring settings (``Setting.measured``: the perturbations and the timescales) ask of one
    architecture's trained ensemble; nothing here trains or changes the networks."""
    check(cancel)
    t = time.perf_counter()
    out = _robustness(model, arch, s, seeds, cancel, report, (0.9, 1.0))
    out["robustness_s"] = np.array(time.perf_counter() - t)
    if s["timescales"]:
        from ...metrics.timescales import effective_timescales, simulate_activity

        check(cancel)
        act = simulate_activity(model, steps=s["timescale_steps"], trials=2, seed=_data_seed(seeds, 51))
        out["tau_eff"] = effective_timescales(act)["tau"]
    return out


def _models(s: dict, seeds: list) -> dict:
    """Both architectures' ensembles, freshly drawn from the seeds."""
    return {"modular": GrowingChain(s["module_size"], s["n_max"], seeds),
            "rnn": MultiHeadRNN(s["rnn_size"], s["n_max"], seeds)}


def measure_again(settings, seeds: list[int], trained: dict, cancel=None) -> dict:
    """The measurements of :func:`train_and_measure` (robustness, timescales) on networks trained before:
    ``trained[arch]`` holds each architecture's parameters (name → (E, …) tensor, seed first) and ``depth``
    (E,). Returns ``{arch}_{key}`` arrays as :func:`train_and_measure` names them, and ``eps``; the same numbers
    as the run that trained them would give with these settings (every draw comes from each network's seed)."""
    s = _settings(settings)
    seeds = [int(x) for x in seeds]
    models = _models(s, seeds)
    for arch, model in models.items():
        model.params = {k: trained[arch][k].detach().clone().requires_grad_(True) for k in model.params}
        model.n_active = torch.as_tensor(trained[arch]["depth"], dtype=torch.long).clone()
    parts = run_lanes({arch: partial(_measure, arch, model, s, seeds, lambda event: None)
                       for arch, model in models.items()}, cancel)
    out = {}
    for arch, part in parts.items():
        out["eps"] = part.pop("eps")
        out.update({f"{arch}_{k}": v for k, v in part.items()})
    return out


def train_and_measure(settings: dict, seeds: list[int], on_progress=None, cancel=None) -> dict:
    """Train both architectures for all ``seeds`` and measure robustness; returns a flat dict of numpy
    arrays, leading axis = seed where per network:

    ``seeds``; ``params_modular``, ``params_rnn`` (scalars); ``rnn_size``; ``heads`` (K,) the N of each head;
    ``{arch}_n_solved`` (E,), ``{arch}_n_solved_curve`` (E, epochs), ``{arch}_accuracy_curve`` (E, epochs)
    (balanced mean accuracy over active heads), ``{arch}_loss_curve`` (E, epochs); ``{arch}_tau`` trained τ̂
    (modular: (E, K) per module mean; rnn: (E,) mean); ``eps`` (n_eps,); per perturbed group g ∈ W_R, W_FF
    (modular only), tau: ``{arch}_{g}_tasks_solved`` (E, n_eps) mean over draws, ``{arch}_{g}_accuracy``
    (E, n_eps, K) per head (= per module for the chain), ``{arch}_{g}_eps_keep`` (E,) the ε where the tasks
    solved fall to half; ``wall_s`` per stage. With ``timescales``: ``{arch}_tau_eff`` (E, units).

    The two architectures are independent until compared, so each is one lane of
    :func:`~explorer.core.lanes.run_lanes` (two cores on the command line; the numbers are the same either way).
    """
    s = _settings(settings)
    seeds = [int(x) for x in seeds]
    t0 = time.perf_counter()
    out = {"seeds": np.array(seeds), "heads": np.arange(2, s["n_max"] + 1)}
    models = _models(s, seeds)
    out["params_modular"] = np.array(models["modular"].param_count())
    out["params_rnn"] = np.array(models["rnn"].param_count())
    out["rnn_size"] = np.array(s["rnn_size"])
    done, lock = dict.fromkeys(models, 0.0), threading.Lock()   # each lane's fraction; the run's is their mean

    def reporter(arch):
        def report(event):
            with lock:            # one event at a time, and the fractions never go back
                done[arch] = event["fraction"]
                if on_progress is not None:   # the status line names the lane its epoch belongs to
                    on_progress({**event, "fraction": sum(done.values()) / len(done), "part": ARCH_LABELS[arch]})
        return report

    parts = run_lanes({arch: partial(_one_architecture, arch, model, s, seeds, reporter(arch))
                       for arch, model in models.items()}, cancel)
    for arch, part in parts.items():
        out["eps"] = part.pop("eps")
        out.update({f"{arch}_{k}": v for k, v in part.items()})
    out["wall_s"] = np.array(time.perf_counter() - t0)
    return out
