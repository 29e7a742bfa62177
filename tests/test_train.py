"""Training through the runner: reproducibility, ensemble independence, early stop, every knob is real."""
import numpy as np
import pytest
import torch

from explorer.studies.specialization.config import SpecializationConfig
from explorer.studies.specialization.run import build_ensemble, run
from explorer.core.cancel import Cancelled
from explorer.models.losses import cross_entropy
from explorer.studies.specialization.train import train

TINY = dict(n=6, epochs=1, pairs_per_epoch=256, batch_size=64, steps=3, seeds=2)


def first_losses(config):
    model, stream = build_ensemble([config])
    curves = train(model, stream, steps=config.steps, epochs=1, pairs_per_epoch=config.pairs_per_epoch,
                   batch_size=config.batch_size, lr=config.lr, deep_r_lr=config.deep_r_lr,
                   deep_r_temperature=config.deep_r_temperature, test_size=256)
    return curves["loss"][0]


def test_same_config_and_seed_give_the_same_numbers():
    c = SpecializationConfig(**TINY)
    a, b = run(c), run(c)
    for var in ("M", "accuracy", "loss_curve"):
        np.testing.assert_array_equal(a.data[var].values, b.data[var].values)


def test_a_seed_does_not_depend_on_its_ensemble_mates():
    both = first_losses(SpecializationConfig(**{**TINY, "seeds": (0, 1)}))
    alone = first_losses(SpecializationConfig(**{**TINY, "seeds": (1,)}))
    assert both[1] == pytest.approx(alone[0], rel=1e-4)


@pytest.mark.parametrize("field, value", [
    ("p", 1.0), ("bottleneck", 0), ("input", "fused"), ("input", "common"), ("readout", "common"),
    ("connectivity", "deep-r"), ("comms_start", 2), ("covariance", 0.9), ("two_targets", False),
    ("exclusion", True), ("noise", 0.5), ("noise_samples", 2), ("start_times", (0, 2)),
    ("start_times", "random"), ("lr", 0.05), ("batch_size", 32), ("pairs_per_epoch", 512), ("n", 7),
])
def test_every_knob_changes_the_computation(field, value):
    base = SpecializationConfig(**TINY, p=0.5, noise=0.3 if field == "noise_samples" else 0.0)
    assert not np.array_equal(first_losses(base), first_losses(base.replace(**{field: value})))


def test_deep_r_knobs_change_the_computation():
    base = SpecializationConfig(**TINY, connectivity="deep-r", p=0.2)
    ref = first_losses(base)
    assert not np.allclose(ref, first_losses(base.replace(deep_r_lr=0.5)))
    assert not np.allclose(ref, first_losses(base.replace(deep_r_temperature=0.5)))


def test_until_accuracy_stops_early():
    r = run(SpecializationConfig(**{**TINY, "epochs": 3, "until_accuracy": 0.01}))
    curve = r.data["loss_curve"].values
    assert np.isfinite(curve[:, 0]).all() and np.isnan(curve[:, 1:]).all()


def test_each_network_stops_at_its_own_criterion(monkeypatch):
    """Network 0 reaches the criterion after epoch 2, network 1 never: network 0's weights stay as they were then
    while network 1 trains all 5 epochs, alone (network 0 is no longer computed), and network 0's curves end
    there. (Before, network 0 trained on until the slowest network of its ensemble reached the criterion: its
    numbers depended on its ensemble mates.)"""
    import explorer.studies.specialization.train as training

    config = SpecializationConfig(**{**TINY, "epochs": 5})
    model, stream = build_ensemble([config])
    calls, at_stop = [], {}

    def scripted(model, stream, steps, size, *a, **k):   # accuracy per network after each epoch
        calls.append((model.seeds, [m["seed"] for m in stream.members]))
        if len(calls) == 2:
            at_stop.update({n: p.detach()[0].clone() for n, p in model.named_parameters()})
        acc = {0: 0.9 if len(calls) >= 2 else 0.5, 1: 0.5}
        return torch.tensor([acc[s] for s in model.seeds]), torch.zeros(model.E)

    monkeypatch.setattr(training, "evaluate", scripted)
    start = {n: p.detach().clone() for n, p in model.named_parameters()}
    curves = train(model, stream, steps=config.steps, epochs=5, pairs_per_epoch=config.pairs_per_epoch,
                   batch_size=config.batch_size, lr=config.lr, until_accuracy=0.85, test_size=256)
    assert calls == [([0, 1], [0, 1])] * 2 + [([1], [1])] * 3                 # network 1 kept the loop going, alone
    for name, p in model.named_parameters():
        assert torch.equal(p.detach()[0], at_stop[name]), name                # network 0: as it stopped
    assert any(not torch.equal(p.detach()[1], start[n][1]) for n, p in model.named_parameters())
    assert np.isfinite(curves["accuracy"][:2, 0]).all() and np.isnan(curves["accuracy"][2:, 0]).all()
    assert np.isfinite(curves["loss"][:, 1]).all()


@pytest.mark.parametrize("knobs", [{}, {"connectivity": "deep-r", "p": 0.2}, {"noise": 0.3, "start_times": (0, 1)}])
def test_a_network_left_training_alone_goes_on_as_in_its_ensemble(monkeypatch, knobs):
    """Once its mate reached the criterion, network 1 trains on as an ensemble of its own: its weights, Adam
    moments, Deep-R state and random generator, and its data stream are taken out of the whole ensemble. Its
    final weights equal those of the same seed trained alone from the start, up to float rounding (a dropped
    Adam state, a restarted generator or another network's data would move them by orders of magnitude more)."""
    import explorer.studies.specialization.train as training

    config = SpecializationConfig(**{**TINY, "epochs": 3, **knobs})
    calls = []

    def scripted(model, stream, steps, size, *a, **k):   # seed 0 at the criterion after epoch 1, seed 1 never
        calls.append(model.seeds)
        return torch.tensor([0.9 if s == 0 else 0.5 for s in model.seeds]), torch.zeros(model.E)

    def trained(seeds, until):
        model, stream = build_ensemble([config.replace(seeds=seeds)])
        train(model, stream, steps=config.steps, epochs=3, pairs_per_epoch=config.pairs_per_epoch,
              batch_size=config.batch_size, lr=config.lr, deep_r_lr=config.deep_r_lr,
              deep_r_temperature=config.deep_r_temperature, until_accuracy=until, test_size=256)
        return model

    monkeypatch.setattr(training, "evaluate", scripted)
    both, alone = trained((0, 1), 0.85), trained((1,), 0.0)
    assert calls[:3] == [[0, 1], [1], [1]]
    moved = 0.0
    for (name, p), q in zip(both.named_parameters(), alone.parameters()):
        torch.testing.assert_close(p.detach()[1], q.detach()[0], rtol=0, atol=2e-5, msg=name)
        moved = max(moved, float((p.detach()[1] - q.detach()[0]).abs().max()))
    untrained, _ = build_ensemble([config.replace(seeds=(1,))])
    assert max(float((p.detach() - q.detach()).abs().max())
               for p, q in zip(alone.parameters(), untrained.parameters())) > 100 * max(moved, 1e-7)


def test_networks_below_the_criterion_are_named():
    """A criterion no tiny network reaches: every seed is named in the summary and the CLI's text; with no
    criterion (the fixed-epochs preset) none is."""
    from explorer.studies.specialization.result import summary, text

    missed = run(SpecializationConfig(**{**TINY, "until_accuracy": 0.99}))
    assert summary(missed)["below_criterion"] == [0, 1]
    words = text(missed.config, missed)
    assert "BELOW THE CRITERION: none of 2 networks reached test accuracy 0.99 within 1 epoch (seed 0: " in words
    assert "have not learned the task as the criterion asks" in words and "the others" not in words
    table = [line for line in words.splitlines() if line.startswith("  ")]   # header, 4 metrics, mask accuracy
    assert len(table) == 6 and len({len(line.rstrip()) for line in table[1:]}) == 1   # the columns line up
    starts = [i for i, ch in enumerate(table[0]) if ch == "t"][1:]   # "t=0", "t=1", … (after "metric")
    assert all(table[-1][i - 1:i + 1].strip() == "" and table[-1][i + 2] == "." for i in starts)
    one = run(SpecializationConfig(**{**TINY, "seeds": 1}))
    assert "(one seed)" in text(one.config, one) and "±" not in text(one.config, one)
    fixed = run(SpecializationConfig(**{**TINY, **SpecializationConfig.PRESETS["fixed-epochs"],
                                        "epochs": TINY["epochs"]}))
    assert summary(fixed)["below_criterion"] == [] and "BELOW" not in text(fixed.config, fixed)


def test_cancel_stops_training():
    class Flag:
        def is_set(self):
            return True

    with pytest.raises(Cancelled):
        run(SpecializationConfig(**TINY), cancel=Flag())


def test_progress_events_stream_epochs():
    events = []
    run(SpecializationConfig(**{**TINY, "epochs": 2}), on_progress=events.append)
    ends = [e for e in events if e["stage"] == "train" and e["accuracy"] is not None]
    assert [e["epoch"] for e in ends] == [1, 2]
    assert len(ends[0]["loss"]) == 2 and ends[-1]["fraction"] == 1.0
    assert any(e["stage"] == "metrics" for e in events)


def test_cross_entropy_equals_torch_with_its_gradient():
    g = torch.Generator().manual_seed(0)
    logits = (torch.randn(3, 7, 2, 10, generator=g) * 4).requires_grad_(True)
    y = torch.randint(0, 10, (3, 7, 2), generator=g)
    ours = cross_entropy(logits, y)
    ref = torch.nn.functional.cross_entropy(logits.reshape(-1, 10), y.reshape(-1), reduction="none").reshape(3, 7, 2)
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=1e-6)
    (g_ours,) = torch.autograd.grad(ours.sum(), logits)
    (g_ref,) = torch.autograd.grad(ref.sum(), logits)
    torch.testing.assert_close(g_ours, g_ref, rtol=1e-6, atol=1e-6)


def test_a_diverged_network_is_named_by_its_seed():
    """The NaN guard: an epoch whose loss is not finite for some networks stops training with a sentence naming
    their seeds (the CLI prints it as one line, exit code 1)."""
    from explorer.core.fit import fit

    def step(batch):
        return torch.tensor([0.5, float("nan"), 0.2, float("inf")])

    with pytest.raises(FloatingPointError, match=r"not finite\) for seeds 11, 13; lower the learning rate"):
        fit(epochs=2, batches=lambda e: [0, 1], step=step, n_batches=2, seeds=[10, 11, 12, 13])
    with pytest.raises(FloatingPointError, match=r"for seed 11;"):
        fit(epochs=1, batches=lambda e: [0], step=lambda b: torch.tensor([0.5, float("nan")]), n_batches=1,
            seeds=[10, 11])
