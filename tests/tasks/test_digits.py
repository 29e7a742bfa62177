import numpy as np
import torch

from explorer.tasks.digits import ImageSampler, excluded, sample_digits, targets
from explorer.tasks.timing import digit_on, structured_noise, timed_inputs


def test_targets_follow_paper_000_eqs_1_and_2():
    d0, d1 = np.array([3, 2, 4, 7]), np.array([5, 5, 4, 0])
    t = targets(d0, d1)
    # σ = (d0 + d1) mod 2: same parity → σ = 0 → T' = D_1, T'' = D_0; different parity → T' = D_0
    assert t[:, 0].tolist() == [5, 2, 4, 7]
    assert t[:, 1].tolist() == [3, 5, 4, 0]
    assert targets(d0, d1, two_targets=False).shape == (4, 1)


def test_exclusion_rule_of_paper_001():
    rng = np.random.default_rng(0)
    d0, d1 = sample_digits(rng, 20000, exclusion=True)
    assert not excluded(d0, d1).any()
    assert set(((d1 - d0) % 10).tolist()) == set(range(2, 10))
    d0, d1 = sample_digits(rng, 20000, exclusion=False)
    assert excluded(d0, d1).mean() > 0.15


def test_covariance_is_the_pearson_correlation_of_the_digits():
    rng = np.random.default_rng(1)
    for c in (0.0, 0.5, 0.9):
        d0, d1 = sample_digits(rng, 50000, covariance=c)
        assert abs(np.corrcoef(d0, d1)[0, 1] - c) < 0.02
        assert abs((d0 == d1).mean() - (c + (1 - c) / 10)) < 0.02
    d0, d1 = sample_digits(rng, 1000, covariance=1.0)
    assert (d0 == d1).all()
    d0, d1 = sample_digits(rng, 1000, covariance=1.0, exclusion=True)
    assert ((d1 - d0) % 10 == 2).all()


def test_image_sampler_returns_images_of_the_asked_class():
    y = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 3)
    s = ImageSampler(y)
    cls = np.random.default_rng(0).integers(0, 10, 500)
    assert (y[s(np.random.default_rng(1), cls)] == cls).all()


def test_structured_noise_mixes_other_samples_only():
    E, B, F, T, S = 2, 8, 6, 3, 5
    x = torch.arange(E * B, dtype=torch.float32).reshape(E, B, 1, 1).expand(E, B, 2, F).clone()
    offsets = torch.stack([torch.randperm(B - 1)[:S] + 1 for _ in range(E * T)]).reshape(E, T, S)
    keep = torch.ones(E, T, S, 2, F, dtype=torch.bool)
    nz = structured_noise(x, offsets, keep)
    # with every pixel kept, the noise is the mean of the S chosen other samples
    idx = (torch.arange(B)[None, None, :, None] + offsets[:, :, None, :]) % B
    expected = x[:, :, 0, 0].gather(1, idx.reshape(E, -1)).reshape(E, T, B, S).float().mean(-1)
    assert torch.allclose(nz[..., 0, 0], expected)
    assert not (idx == torch.arange(B)[None, None, :, None]).any()
    # pixel masks drop pixels
    keep[..., :3] = False
    assert (structured_noise(x, offsets, keep)[..., :3] == 0).all()


def test_start_times_switch_digits_on():
    start = torch.tensor([[[0, 2]]])              # one network, one sample: digit 0 at t=0, digit 1 at t=2
    on = digit_on(start, 4)[0, :, 0]              # (T, K)
    assert on[:, 0].tolist() == [True] * 4
    assert on[:, 1].tolist() == [False, False, True, True]
    x = torch.ones(1, 1, 2, 3)
    noise = torch.zeros(1, 4, 1, 2, 3)
    ratio = torch.tensor([0.25])
    xt = timed_inputs(x, noise, ratio, digit_on(start, 4))
    assert torch.allclose(xt[0, :, 0, 1, 0], torch.tensor([0.0, 0.0, 0.75, 0.75]))   # pure noise, then (1−r)x + r·noise
    assert torch.allclose(xt[0, :, 0, 0, 0], torch.full((4,), 0.75))
