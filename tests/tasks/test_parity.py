"""N-parity batches (Hamidi et al. 2024, "Task"): targets against brute force, lengths, balance, determinism."""
import itertools

import torch

from explorer.tasks.parity import draw_batch, heads, parity_targets, ParityStream


def test_targets_match_brute_force_parity():
    bits = torch.tensor(list(itertools.product([0, 1], repeat=6)), dtype=torch.float32)   # all 64 sequences
    got = parity_targets(bits, [2, 3, 6])
    for row, t in zip(bits.tolist(), got.tolist()):
        assert t == [sum(row[-n:]) % 2 for n in (2, 3, 6)]


def test_batch_lengths_start_and_targets_per_network():
    g = torch.Generator().manual_seed(3)
    newest = torch.tensor([2, 5, 9])
    for _ in range(20):
        b = draw_batch(newest, 10, 16, g)
        assert ((b.length >= newest + 2) & (b.length <= 4 * newest)).all()
        T = b.x.shape[1]
        assert (b.start == T - b.length).all()
        for e in range(3):
            assert b.x[e, :b.start[e]].abs().sum() == 0          # nothing before the start
            seq = b.x[e, b.start[e]:].T                         # (B, L)
            for k, n in enumerate(heads(10)):
                if n <= b.length[e]:
                    assert torch.equal(b.targets[e, k], (seq[:, -n:].sum(1) % 2).long())


def test_training_is_unbalanced_evaluation_balanced():
    g = torch.Generator().manual_seed(0)
    q_train = [draw_batch(torch.tensor([4]), 4, 512, g).x[0, -8:].mean().item() for _ in range(40)]
    q_eval = [draw_batch(torch.tensor([4]), 4, 512, g, balanced=True).x[0, -8:].mean().item() for _ in range(40)]
    assert max(q_train) - min(q_train) > 0.5               # q ~ U(0, 1) per batch
    assert max(abs(q - 0.5) for q in q_eval) < 0.05


def test_stream_is_deterministic():
    a, b = ParityStream(7, 8, 4), ParityStream(7, 8, 4)
    for n in ([2, 3], [4, 8]):
        x, y = a.next(torch.tensor(n)), b.next(torch.tensor(n))
        assert torch.equal(x.x, y.x) and torch.equal(x.targets, y.targets)
    tasks = torch.tensor([2, 3])
    assert not torch.equal(ParityStream(8, 8, 4).next(tasks).x, ParityStream(7, 8, 4).next(tasks).x)


def test_a_stream_shares_one_length_fraction_and_a_network_ignores_its_company():
    """Networks at the same stage get the same length (the paper's one L per batch; the ensemble simulates no
    padding for them), lengths stay uniform on {N+2, …, 4N}, and network 1's batches are the same beside
    network 0 as alone (its bits from its own generator, the shared fraction from the stream's own)."""
    pair, alone = ParityStream([3, 4], 12, 8, lengths=5), ParityStream([4], 12, 8, lengths=5)
    seen = []
    for _ in range(200):
        b, c = pair.next(torch.tensor([6, 6])), alone.next(torch.tensor([6]))
        assert b.length[0] == b.length[1] and b.start[0] == b.start[1]
        assert torch.equal(b.x[1], c.x[0]) and torch.equal(b.targets[1], c.targets[0])
        seen.append(int(b.length[0]))
    assert set(seen) == set(range(8, 25))
    mixed = pair.next(torch.tensor([3, 9]))
    assert 5 <= mixed.length[0] <= 12 and 11 <= mixed.length[1] <= 36
