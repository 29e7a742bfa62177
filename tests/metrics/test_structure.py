import networkx as nx
import numpy as np
import pytest

from explorer.metrics.structure import module_groups, q_analytic, q_measured
from explorer.models.modular import ModularEnsemble, realised_adjacency


def test_q_analytic_extremes():
    assert q_analytic(1.0) == 0.0
    assert q_analytic(0.0) == 0.5
    assert q_analytic(0.1) == pytest.approx(0.9 / 2.2)


def test_q_measured_matches_networkx_on_a_small_directed_graph():
    rng = np.random.default_rng(0)
    n = 5
    A = (rng.random((2 * n, 2 * n)) < 0.3).astype(float)
    A[:n, :n] = 1
    A[n:, n:] = 1
    np.fill_diagonal(A, 0)
    g = module_groups(n)
    G = nx.from_numpy_array(A, create_using=nx.DiGraph)
    ref = nx.community.modularity(G, [set(range(n)), set(range(n, 2 * n))])
    assert q_measured(A, g) == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("p", [1 / 36, 0.25, 0.5, 1.0])
def test_q_of_the_realised_network_matches_the_analytic_formula(p):
    """Exact whenever p·n² is an integer (Béna & Goodman 2023a, eq. 5: self-loops kept, as in the derivation)."""
    m = ModularEnsemble([{"seed": 0, "p": p}], n=6, features=3)
    A = realised_adjacency(m.export_weights(), 6)
    assert q_measured(A, module_groups(6))[0] == pytest.approx(q_analytic(p), abs=1e-9)
