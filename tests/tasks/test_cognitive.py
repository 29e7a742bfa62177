import numpy as np
import pytest
import torch

from explorer.tasks.cognitive import N_INPUTS, N_OBS, TASKS, TrialBank, check_tasks, trial_accuracy

SUBSET = ("go", "dm1", "dms")           # fixed length 15, variable 6–12, fixed 32


@pytest.fixture(scope="module")
def bank():
    return TrialBank(SUBSET, per_task=24, seed=3)


def test_rule_inputs_are_one_hot_per_task_on_the_real_steps(bank):
    batch = bank.sample(np.random.default_rng(0), 5)
    assert batch.x.shape[-1] == N_INPUTS == 53
    rules = batch.x[..., N_OBS:]                                        # (B, T, 20)
    on_real = rules[batch.valid]
    assert torch.equal(on_real.sum(-1), torch.ones(len(on_real)))        # exactly one rule unit on
    for b in range(batch.x.shape[0]):
        want = TASKS.index(SUBSET[int(batch.task[b])])                  # index among all 20 tasks
        assert (rules[b][batch.valid[b]].argmax(-1) == want).all()
    assert (batch.x[~batch.valid] == 0).all()                           # padding carries no input


def test_batches_are_padded_to_the_longest_trial_with_masks(bank):
    batch = bank.sample([np.random.default_rng(1), np.random.default_rng(2)], 6)
    assert batch.x.shape[:2] == (2, 18)
    T = batch.x.shape[2]
    assert T == int(batch.length.max())
    steps = torch.arange(T)
    assert torch.equal(batch.valid, steps < batch.length[..., None])
    assert (batch.weight[~batch.valid] == 0).all()
    assert (batch.weight[batch.valid & batch.decision] == 5).all()
    assert (batch.weight[batch.valid & ~batch.decision] == 1).all()
    assert len(set(bank.length[1].tolist())) > 1                         # dm1 lengths vary (6–12)
    assert set(batch.length[batch.task == 0].tolist()) == {15}
    assert set(batch.length[batch.task == 2].tolist()) == {32}
    # every real trial ends inside its decision period
    last = batch.decision.gather(-1, (batch.length - 1)[..., None])
    assert last.all()


def test_same_seed_same_trials_and_different_seed_different():
    a, b, c = (TrialBank(("dm1", "go"), 8, seed=s) for s in (5, 5, 6))
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    s1, s2 = a.sample(np.random.default_rng(9), 4), b.sample(np.random.default_rng(9), 4)
    assert torch.equal(s1.x, s2.x) and torch.equal(s1.y, s2.y)


def test_unknown_tasks_meet_a_sentence():
    with pytest.raises(ValueError, match=r"unknown task name.*'foo'.*the tasks \(Yang et al. 2019\) are"):
        check_tasks("go,foo")
    assert check_tasks("yang19.go-v0,dm1") == ("go", "dm1")
    assert check_tasks(None) == TASKS and len(TASKS) == 20


def test_yang_accuracy_needs_fixation_and_the_right_choice(bank):
    batch = bank.task_trials(0)                                          # go: decision from step 10
    n, T = batch.y.shape
    perfect = torch.nn.functional.one_hot(batch.y, 17).float()
    ok, dec = trial_accuracy(perfect, batch)
    assert ok.all() and dec.all()
    broke = perfect.clone()
    broke[:, 3] = torch.nn.functional.one_hot(torch.full((n,), 5), 17).float()   # breaks fixation early
    ok, dec = trial_accuracy(broke, batch)
    assert not ok.any() and dec.all()
    near = perfect.clone()                                               # one ring unit off: within 36°
    y_last = batch.y[:, -1]
    near[:, -1] = torch.nn.functional.one_hot((y_last % 16) + 1, 17).float()
    assert trial_accuracy(near, batch)[0].all()
    far = perfect.clone()                                                # 4 units = 90° off: wrong
    far[:, -1] = torch.nn.functional.one_hot(((y_last - 1 + 4) % 16) + 1, 17).float()
    assert not trial_accuracy(far, batch)[0].any()
