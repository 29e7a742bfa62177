"""The engine's acceptance checks on the embedded digits (issues #2 and #14): real training, fixed seeds.

The default configuration runs as a user runs it (its five seeds as one ensemble); the two extremes
p = 1/n² and p = 1 (ten seeds each) share a second ensemble. Since the defaults train every network to test
accuracy 0.85 (equal skill, docs/gallery.md), the extremes compare networks at equal skill where they reach it.
Ten seeds, because five are too few for the noisier metrics: computing tanh as torch.tanh instead of
2σ(2x) − 1 (equal to 2e-7) once moved a five-seed weight-mask margin from +0.60 to +0.04. Measured 2026-12-04
with these defaults (10 seeds, n = 25) and the current metrics (masks scored on either readout, the ablation
readout fitted to convergence): one link minus dense, last-step F: weight mask +0.45 (0.67 ± 0.15 vs
0.21 ± 0.20), correlation +0.14, ablation +0.09, bottleneck +0.07; 9 of the 10 one-link networks reached the
criterion. (With the max-decision masks and 150 Adam steps for the ablation readout, 2026-12-03: weight mask
+0.03, ablation +0.13.) Since networks at the criterion stop (2026-12-05) and leave their ensemble (12-06):
weight mask +0.29, correlation +0.23, bottleneck +0.17, ablation +0.14; one-link seeds 2 and 5 below the
criterion (0.849, 0.721).
"""
import numpy as np
import pytest

from explorer.studies.specialization.config import SpecializationConfig
from explorer.studies.specialization.result import summary, text
from explorer.studies.specialization.run import run, run_many

N = 25
EXTREME_SEEDS = tuple(range(10))


@pytest.fixture(scope="module")
def results():
    default = SpecializationConfig()
    assert default.n == N and default.input == "separate"
    extremes = run_many([default.replace(p=1 / N**2, seeds=EXTREME_SEEDS), default.replace(p=1.0, seeds=EXTREME_SEEDS)])
    return {"default": run(default), "one link": extremes[0], "dense": extremes[1]}


def test_default_configuration_trains_every_seed_to_its_accuracy_criterion(results):
    default = results["default"]
    assert default.config.until_accuracy == 0.85
    acc = default.data["accuracy"].values
    assert len(acc) == 5
    assert (acc >= default.config.until_accuracy).all(), acc


def test_networks_that_miss_the_criterion_are_named_not_measured_silently(results):
    """Issue 14: a network below the criterion is reported by the summary (and the CLI's text) by its seed."""
    one_link = results["one link"]
    acc = one_link.data["accuracy"].values
    missed = [int(s) for s, a in zip(one_link.data.seed.values, acc) if a < 0.85]
    assert summary(one_link)["below_criterion"] == missed
    assert ("BELOW THE CRITERION" in text(one_link.config, one_link)) == bool(missed)


def test_weight_masks_of_trained_networks_classify_their_digit(results):
    """Paper 001 §3.2 checks that the discovered masks perform: at the last step, averaged over seeds and
    digits, the default networks' masks classify their digit at more than twice chance (0.2, the level below
    which the dashboard flags them; 0.34 measured here)."""
    acc = results["default"].data["mask_accuracy"].isel(time=-1)
    assert float(acc.mean()) > 0.2, acc.values


@pytest.mark.parametrize("metric", ["correlation", "weight_mask"])
def test_one_link_specializes_more_than_dense_links_at_equal_skill(results, metric):
    """Papers 000 fig. 2 / 001 fig. 2: last-step global F is higher at p = 1/n² than at p = 1, by more than 0.1
    for the metrics that keep the finding at equal skill (docs/gallery.md, "Equal skill"). Ablation and the
    bottleneck metric cleared 0.1 by 0.04-0.08 on 2026-12-05 and 12-06 (about one sd of their seeds or less) and
    missed it on 2026-12-04 (+0.09, +0.07), so they are not asserted (docs/science.md, "What the acceptance test
    pins")."""
    F = {k: r.data["F"].sel(metric=metric).isel(time=-1).values for k, r in results.items()}
    assert np.mean(F["one link"]) > np.mean(F["dense"]) + 0.1, F


def test_specialization_starts_at_one_and_decays_with_communication(results):
    """docs/science.md §3: at t = 0 nothing has crossed between modules, so every separate-input network has F ≈ 1."""
    F0 = results["dense"].data["F"].sel(metric=["bottleneck", "correlation", "ablation"]).isel(time=0)
    assert (F0.values > 0.8).all()
    F = results["dense"].data["F"].sel(metric="correlation").mean("seed").values
    assert F[-1] < F[0] - 0.2
