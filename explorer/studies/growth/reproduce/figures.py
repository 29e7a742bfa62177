"""Hamidi et al. 2024, Figs. 2–6: a growing chain of modules against a non-modular RNN of equal parameter count.

Each figure is a sweep of the growth study's settings (one cell where the figure is one run) with a drawing
and a headline that states seeds, N solved and accuracy next to its numbers.
"""
from __future__ import annotations

import holoviews as hv
import numpy as np

from ....core.figure import Figure
from ....views.style import error_bars, figure, style_element, whole_x
from ..views import (ARCH_COLOURS, ARCH_LABELS, generalisation_curves, module_heatmap, n_solved_curves,
                     n_solved_frame, robustness_curves, tau_per_module)
from ..result import learned_eps_keep, trained_depth
from .common import LAPTOP, PAPER, TINY, config_of, per_seed, skill

ARCHS = ("modular", "rnn")


def _ratio_words(chain, rnn) -> str:
    return ", ".join(f"{c:.0f} vs {r:.0f}" for c, r in zip(chain, rnn))


# ---------------------------------------------------------------------------------------------- Fig. 2a
def draw_2a(ds):
    return n_solved_curves(n_solved_frame(ds), ds.sizes["epoch"], config_of(ds).get("steps_per_epoch"))


def headline_2a(ds) -> dict:
    chain, rnn = (per_seed(ds, "n_solved", a) for a in ARCHS)
    ratio = chain / np.maximum(rnn, 1)
    steps = config_of(ds).get("epochs", 0) * config_of(ds).get("steps_per_epoch", 0)
    return {"n_solved_modular": chain.tolist(), "n_solved_rnn": rnn.tolist(),
            "ratio": [round(float(r), 2) for r in ratio], "reproduced": bool((ratio >= 1.5).all()), **skill(ds),
            "sentence": f"After {steps} training steps each, N solved (chain vs RNN, per seed): "
                        f"{_ratio_words(chain, rnn)} — {ratio.min():.2f}–{ratio.max():.2f}× (the bar: ≥ 1.5× on "
                        f"every seed)."}


FIG2A = Figure("004-fig2a", "N solved against training steps", "Hamidi et al. 2024, Fig. 2a",
               "With the same number of parameters and training steps, the growing chain solves a new N every epoch "
               "while the non-modular RNN plateaus.",
               base={"laptop": LAPTOP, "tiny": TINY, "paper": PAPER}, draw=draw_2a, headline=headline_2a,
               note="One module size (10) against its parameter-matched RNN (53); the paper sweeps 5–20.")


# ---------------------------------------------------------------------------------------------- Fig. 2b
def draw_2b(ds):
    """N solved against trainable parameters, one point per module size (± sd over seeds)."""
    pdim = hv.Dimension("params", label="trainable parameters")
    ndim = hv.Dimension("n_solved", label="largest N solved")
    layers = []
    for arch in ARCHS:
        params = ds["params"].sel(arch=arch).mean("seed").values
        n = ds["n_solved"].sel(arch=arch)
        mean, sd = n.mean("seed").values, n.std("seed").values
        order = np.argsort(params)
        c = ARCH_COLOURS[arch]
        layers.append(error_bars(hv.ErrorBars((params[order], mean[order], sd[order]), kdims=[pdim],
                                              vdims=[ndim, "sd"]), c))
        layers.append(style_element(hv.Curve((params[order], mean[order]), kdims=[pdim], vdims=[ndim],
                                             label=ARCH_LABELS[arch]),
                                    bokeh=dict(color=c, line_width=2.5), mpl=dict(color=c, linewidth=2.5)))
        layers.append(style_element(hv.Scatter((params[order], mean[order]), kdims=[pdim], vdims=[ndim]),
                                    bokeh=dict(color=c, size=8), mpl=dict(color=c, s=40)))
    sizes = ", ".join(str(int(m)) for m in ds.module_size.values)
    return figure(hv.Overlay(layers), f"N solved against parameters (module sizes {sizes}; mean ± sd over seeds)",
                  bokeh=dict(height=340, legend_position="top_left"), ylim=(0, None))


def headline_2b(ds) -> dict:
    """The chain is ahead at a module size when its every seed solved a larger N than the RNN's every seed: a
    mean ahead while the seeds overlap (modules of 5: chain 7, 14, 6 against the RNN's 9, 8, 9) is not a finding."""
    rows = []
    for m in ds.module_size.values:
        cell = ds.sel(module_size=m)
        chain, rnn = (per_seed(cell, "n_solved", a) for a in ARCHS)
        params = [int(cell["params"].sel(arch=a).values[0]) for a in ARCHS]
        rows.append({"module_size": int(m), "params": params,
                     "n_solved": [round(float(chain.mean()), 2), round(float(rnn.mean()), 2)],
                     "per_seed": [chain.tolist(), rnn.tolist()], "ahead": bool(chain.min() > rnn.max())})
    words = "; ".join(f"modules of {r['module_size']} ({r['params'][0]} vs {r['params'][1]} parameters): "
                      f"{_ratio_words(*r['per_seed'])}" + ("" if r["ahead"] else " (not ahead on every seed)")
                      for r in rows)
    holds = [r["module_size"] for r in rows if r["ahead"]]
    return {"rows": rows, "holds_for": holds, "reproduced": len(holds) == len(rows), **skill(ds),
            "sentence": f"N solved per seed, chain vs RNN: {words}."}


FIG2B = Figure("004-fig2b", "N solved against the parameter budget", "Hamidi et al. 2024, Fig. 2b",
               "For the same number of trainable parameters the modular architecture solves harder tasks.",
               base={"laptop": LAPTOP, "tiny": TINY, "paper": PAPER},
               grid={"laptop": {"module_size": [5, 10, 15]}, "tiny": {"module_size": [3, 4]},
                     "paper": {"module_size": [5, 10, 15, 20]}},
               draw=draw_2b, headline=headline_2b,
               note="Each module size against the RNN matched to it at N_max; 20 epochs, not the paper's 60.")


# ---------------------------------------------------------------------------------------------- Fig. 2c
def headline_2c(ds) -> dict:
    acc = {a: ds["generalisation"].sel(arch=a) for a in ARCHS}
    means = {a: [round(float(v), 3) for v in acc[a].mean("seed").values] for a in ARCHS}
    ok = all(c >= r for c, r in zip(means["modular"], means["rnn"]))
    Ks = [int(k) for k in ds.K.values]
    words = "; ".join(f"K = {k}: {c:.2f} vs {r:.2f}" for k, c, r in zip(Ks, means["modular"], means["rnn"]))
    return {"K": Ks, "accuracy": means, "reproduced": bool(ok), **skill(ds),
            "sentence": f"Accuracy on N_solved + K after {config_of(ds).get('generalise_steps')} retraining steps "
                        f"(chain vs RNN, mean over seeds): {words}."}


FIG2C = Figure("004-fig2c", "Generalisation to N + K", "Hamidi et al. 2024, Fig. 2c",
               "Trained to N = 10 and retrained briefly on N + K, the modular network reaches a higher accuracy "
               "than the non-modular one at every K.",
               base={"laptop": {**LAPTOP, "rnn_size": 53, "n_max": 10, "epochs": 16, "generalise": 5,
                                "generalise_steps": 240},
                     "tiny": {**TINY, "generalise": 2, "generalise_steps": 20}, "paper": {**PAPER, "n_max": 10}},
               draw=generalisation_curves, headline=headline_2c,
               note="Modules of 10 against the RNN of 53 (matched at N = 24); 240 retraining steps, not 10 epochs.")


# ---------------------------------------------------------------------------------------------- Fig. 3
def headline_3(ds) -> dict:
    keep = {(a, g): learned_eps_keep(ds, a, g) for a in ARCHS for g in ("W_R", "tau")}   # learned networks only
    w = float(np.nanmean(keep["modular", "W_R"]) / np.nanmean(keep["rnn", "W_R"]))
    t = float(np.nanmean(keep["modular", "tau"]) / np.nanmean(keep["rnn", "tau"]))
    return {"eps_keep": {f"{a} {g}": [round(float(v), 3) for v in keep[a, g]] for a, g in keep},
            "W_R_factor": round(w, 2), "tau_factor": round(t, 2), "reproduced": bool(w > 1 and t < 1), **skill(ds),
            "sentence": f"ε at which half the tasks are lost, chain over RNN (mean over seeds): recurrent weights "
                        f"{w:.2f}× (the chain is more robust when > 1), time constants {t:.2f}× (the paper: the chain "
                        f"is more sensitive, < 1)."}


FIG3 = Figure("004-fig3", "Robustness to perturbed weights and time constants", "Hamidi et al. 2024, Fig. 3",
              "Modular networks keep their tasks under larger perturbations of the recurrent weights, but are more "
              "sensitive to perturbations of the time constants.",
              base={"laptop": LAPTOP, "tiny": TINY, "paper": PAPER}, draw=robustness_curves, headline=headline_3)


# ---------------------------------------------------------------------------------------------- Fig. 4
def headline_4(ds) -> dict:
    depth = int(trained_depth(ds).min())
    eff = np.nanmean(ds["tau_eff_module"].values[:, :depth], 0)
    trained = np.nanmean(ds["tau_module"].values[:, :depth], 0)
    N = ds.N.values[:depth].astype(float)
    ok = np.isfinite(eff)
    slope = float(np.polyfit(N[ok], eff[ok], 1)[0]) if ok.sum() >= 2 else float("nan")
    rnn_eff, rnn_trained = float(np.nanmean(ds["tau_eff_rnn"].values)), float(np.nanmean(ds["tau_rnn"].values))
    return {"tau_trained_module": [round(float(v), 3) for v in trained],
            "tau_effective_module": [round(float(v), 3) for v in eff], "slope_per_module": round(slope, 4),
            "rnn": {"trained": round(rnn_trained, 3), "effective": round(rnn_eff, 3)},
            "reproduced": bool(slope > 0), **skill(ds),
            "sentence": f"Chain: trained τ̂ {np.nanmin(trained):.2f}–{np.nanmax(trained):.2f} across modules, "
                        f"effective timescale {np.nanmin(eff):.2f}–{np.nanmax(eff):.2f} (slope {slope:+.3f} per "
                        f"module); RNN: trained τ̂ {rnn_trained:.2f}, effective {rnn_eff:.2f}."}


FIG4 = Figure("004-fig4", "Trained and effective timescales", "Hamidi et al. 2024, Fig. 4",
              "Trained time constants stay small (the RNN's fall to 1), while the effective timescales of the "
              "activity grow with the task's N.",
              base={"laptop": {**LAPTOP, "timescales": True}, "tiny": {**TINY, "timescales": True,
                                                                       "timescale_steps": 300},
                    "paper": {**PAPER, "timescales": True, "timescale_steps": 100_000}},
              draw=tau_per_module, headline=headline_4,
              note="Measured once, after training, per module of the chain (the paper follows both networks "
                   "through the curriculum); 10⁴ simulated steps, not 10⁵.")


# ---------------------------------------------------------------------------------------------- Fig. 5
def draw_5(ds):
    return style_element(hv.Layout([module_heatmap(ds, "W_FF"), module_heatmap(ds, "W_R")]).cols(1),
                         mpl=dict(sublabel_format="", vspace=0.45, fig_inches=(9, 8)))


def headline_5(ds) -> dict:
    ff, rec = (learned_eps_keep(ds, "modular", g) for g in ("W_FF", "W_R"))   # learned networks only
    acc = ds["head_accuracy"].sel(arch="modular")
    eps = ds.eps.values
    mid = int(np.argmin(np.abs(np.log(np.where(eps > 0, eps, 1e-9)) - np.log(0.3))))
    at = {g: acc.sel(group=g).isel(eps=mid).mean("seed").values for g in ("W_FF", "W_R")}
    depth = int(trained_depth(ds).min())
    heads = at["W_FF"][:depth]
    flat = depth <= 2 or not np.all(np.isfinite(heads)) or np.ptp(heads) == 0   # no correlation to compute
    deeper = float("nan") if flat else float(np.corrcoef(np.arange(depth), heads)[0, 1])
    with_depth = (f"correlates {deeper:+.2f} with their depth" if not flat else
                  "has no correlation with their depth to report (fewer than three heads, or every head at the "
                  "same accuracy)")
    return {"eps_keep_W_FF": [round(float(v), 3) for v in ff], "eps_keep_W_R": [round(float(v), 3) for v in rec],
            "eps": round(float(eps[mid]), 3), "correlation_depth_accuracy_W_FF": round(deeper, 3),
            "reproduced": bool(np.nanmean(ff) < np.nanmean(rec)), **skill(ds),
            "sentence": f"ε at which half the chain's tasks are lost: W_FF {np.nanmean(ff):.2f}, "
                        f"W_R {np.nanmean(rec):.2f} "
                        f"(mean over seeds); at ε = {eps[mid]:.2g} the heads' accuracy under W_FF {with_depth}."}


FIG5 = Figure("004-fig5", "Feed-forward against recurrent weights, per module", "Hamidi et al. 2024, Fig. 5a–b",
              "Feed-forward weights are more sensitive to perturbation than recurrent ones, and deeper modules "
              "suffer more.",
              base={"laptop": LAPTOP, "tiny": TINY, "paper": PAPER}, draw=draw_5, headline=headline_5,
              note="Fig. 5c (weight conservation between modules) is not reproduced.")


# ---------------------------------------------------------------------------------------------- Fig. 6
def draw_6(ds):
    """N solved per epoch for each variant (freezing × duplication), chain only, mean over seeds."""
    layers = []
    dash = {"0": "solid", "1": "dashed"}
    colours = {"off": "#7570b3", "0": "#e7298a", "0.1": "#66a61e"}
    edim, ndim = hv.Dimension("epoch", label="epoch"), hv.Dimension("n_solved", label="largest N solved")
    for g in ds.freeze.values:
        for d in ds.duplicate.values:
            curve = ds["n_solved_curve"].sel(arch="modular", freeze=g, duplicate=d).mean("seed")
            label = f"{'frozen' if float(g) == 0 else 'trained'} older modules, " + (
                "random new module" if str(d) == "off" else f"duplicated (σ = {d})")
            colour, style = colours.get(str(d), "#333333"), dash.get(f"{float(g):g}", "dotted")
            layers.append(style_element(hv.Curve((curve.epoch.values, curve.values), kdims=[edim], vdims=[ndim],
                                                 label=label),
                                        bokeh=dict(color=colour, line_dash=style, line_width=2.5),
                                        mpl=dict(color=colour, linestyle=style, linewidth=2.5)))
    # the legend beside the axes in the exported figure: inside, it hid a curve's middle epochs
    return figure(hv.Overlay(layers), "Freezing and duplication (chain; mean over seeds)",
                  bokeh=dict(height=340, legend_position="top_left", hooks=[whole_x]),
                  mpl=dict(legend_position="right", hooks=[whole_x]), ylim=(0, None))


def headline_6(ds) -> dict:
    rows = []
    for g in ds.freeze.values:
        for d in ds.duplicate.values:
            n = ds["n_solved"].sel(arch="modular", freeze=g, duplicate=d).values
            rows.append({"freeze": float(g), "duplicate": str(d), "n_solved": [int(v) for v in n]})
    best = max(rows, key=lambda r: np.mean(r["n_solved"]))
    base = next(r for r in rows if r["freeze"] == 0 and r["duplicate"] == "off")
    dup = [r for r in rows if r["freeze"] == 0 and r["duplicate"] != "off"]
    ok = bool(dup) and bool(max(np.mean(r["n_solved"]) for r in dup) >= np.mean(base["n_solved"]))
    words = "; ".join(f"γ = {r['freeze']:g}, duplicate {r['duplicate']}: {np.mean(r['n_solved']):.1f}" for r in rows)
    return {"rows": rows, "best": best, "reproduced": ok, **skill(ds),
            "sentence": f"Mean N solved by the chain per variant: {words}."}


FIG6 = Figure("004-fig6", "Freezing and duplicating modules", "Hamidi et al. 2024, Fig. 6",
              "Duplicating the trained recurrent weights into a new module helps a little; keeping new modules "
              "random does not stop learning.",
              base={"laptop": {**LAPTOP, "module_size": 5}, "tiny": TINY, "paper": {**PAPER, "module_size": 5}},
              grid={"laptop": {"freeze": [0.0, 1.0], "duplicate": ["off", "0", "0.1"]},
                    "tiny": {"freeze": [0.0, 1.0], "duplicate": ["off", "0"]}},
              draw=draw_6, headline=headline_6,
              note="γ scales the older modules' learning rate (0: frozen, the paper's default) and duplication copies "
                   "all of the previous module (W_R, W_FF, W_I, b, τ), so this is not the paper's separate W_R / W_FF "
                   "freezing (6a) and duplication (6b) — a variant with the explorer's two knobs.")

ALL = (FIG2A, FIG2B, FIG2C, FIG3, FIG4, FIG5, FIG6)
