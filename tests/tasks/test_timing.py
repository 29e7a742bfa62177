"""Timed inputs projected without materialising them (explorer.tasks.timing.TimedInputs) equal the reference."""
import pytest
import torch

from explorer.models.modular import ModularEnsemble
from explorer.tasks import timing
from explorer.tasks.timing import TimedInputs, digit_on


def timed(E=3, T=4, B=16, F=10, S=5, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(E, B, 2, F, generator=g, dtype=dtype)
    offsets = torch.stack([torch.randperm(B - 1, generator=g)[:S] + 1 for _ in range(E * T)]).reshape(E, T, S)
    keep = torch.rand(E, T, S, 2, F, generator=g) < 1 / S
    ratio = torch.tensor([0.4, 0.0, 1.0][:E], dtype=dtype)
    start = torch.randint(0, T - 1, (E, B, 2), generator=g)
    return TimedInputs(x, offsets, keep, ratio, digit_on(start, T))


def test_projection_equals_projecting_the_materialised_inputs_with_its_gradient():
    ti = timed()
    W = torch.randn(3, 2, 10, 7, requires_grad=True)
    ref = torch.einsum("etbkf,ekfp->etbkp", ti.materialise(), W)
    got = ti.project(W)
    assert torch.allclose(got, ref, atol=1e-5)
    g = torch.randn_like(ref)
    (d_ref,), (d_got,) = torch.autograd.grad((ref * g).sum(), W), torch.autograd.grad((got * g).sum(), W)
    assert torch.allclose(d_got, d_ref, atol=1e-4)
    ti64 = timed(dtype=torch.float64)
    assert torch.autograd.gradcheck(ti64.project, (torch.randn(3, 2, 10, 7, dtype=torch.float64, requires_grad=True),))


def test_chunks_of_networks_do_not_change_the_numbers(monkeypatch):
    ti = timed(E=3)
    W = torch.randn(3, 2, 10, 7)
    whole = ti.project(W)
    monkeypatch.setattr(timing, "CHUNK_BYTES", 1)        # one network per chunk
    assert torch.equal(ti.project(W), whole)


@pytest.mark.parametrize("input", ["separate", "fused", "common"])
def test_model_currents_of_timed_inputs_match_the_materialised_tensor(input):
    m = ModularEnsemble([{"seed": s, "p": 0.2} for s in range(3)], n=6, features=10, input=input)
    ti = timed()
    ref, got = m.input_currents(ti.materialise()), m.input_currents(ti)
    assert got.shape == ref.shape == (3, 4, 16, 12)
    assert torch.allclose(got, ref, atol=1e-5)
    assert torch.allclose(m.hidden_states(ti, 4), m.hidden_states(ti.materialise(), 4), atol=1e-5)


def test_device_setting_resolves_and_results_record_it():
    from explorer.studies.specialization.config import TINY, SpecializationConfig
    from explorer.studies.specialization.run import resolve_device, run

    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    a = SpecializationConfig(**TINY, noise=0.3)
    b = SpecializationConfig(**TINY, noise=0.3, device="cpu")
    assert a.key() == b.key()                            # not part of a run's identity
    r = run(b)
    assert r.data.attrs["device"] == "cpu"


def test_timed_inputs_need_more_pairs_in_a_batch_than_noise_samples_and_say_so_before_training():
    """A batch of 4 with 5 noise samples was accepted and failed in training with a traceback; fewer pairs per
    epoch than a batch drew the noise's offsets for the batch size and wrapped them at the pairs there, so a
    sample could mix itself into its own noise (a reviewer's catch)."""
    from explorer.core.config import ConfigError
    from explorer.studies.specialization.config import SpecializationConfig
    from explorer.studies.specialization.run import build_ensemble

    for timed_setting in ({"noise": 0.5}, {"start_times": "random"}):
        with pytest.raises(ConfigError, match="a batch needs more than 5 pairs; this one has 4"):
            SpecializationConfig(batch_size=4, **timed_setting)
        with pytest.raises(ConfigError, match="this one has 5"):
            SpecializationConfig(pairs_per_epoch=5, **timed_setting)
    assert SpecializationConfig(batch_size=4).batch_size == 4            # static inputs mix nothing
    config = SpecializationConfig(n=6, steps=3, noise=0.5, pairs_per_epoch=12, batch_size=64, seeds=2)
    _, stream = build_ensemble([config])
    (batch,) = list(stream.batches("train", 0, config.pairs_per_epoch, config.batch_size))
    B = batch.y.shape[1]
    others = timing.other_indices(batch.x.offsets, B)                   # (E, T, B, S)
    assert B == 12 and not (others == torch.arange(B)[:, None]).any()   # no sample is its own noise
    assert all(len(set(row.tolist())) == config.noise_samples for row in others.reshape(-1, config.noise_samples))
