"""k nearest points by multi-source searches equal the unbounded matrix, bit for bit.

The reference is the full door-to-door matrix (:func:`travel_times`, unbounded, whose
network part is scipy's single-source Dijkstra) ranked by brute force, and networkx
for the times themselves; random directed graphs with one-way links, unreachable
parts, points sharing nodes, duplicates and unsnapped entries.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from road_graphs import ends, graphs

from tillganglighet.errors import InputValidationError
from tillganglighet.networks.graph import Network
from tillganglighet.routing._kernel import k_nearest_groups
from tillganglighet.routing.nearest_points import nearest_in_own_group, nearest_points
from tillganglighet.routing.travel import travel_times


@st.composite
def cases(draw):
    net = draw(st.one_of(graphs(max_nodes=16), graphs(max_nodes=16, real=True)))
    n = net.n_nodes
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    # more queries than points: the reference matrix then searches from the points,
    # as the main job's does (origins x meeting points)
    q = ends(net, draw(st.lists(st.integers(-1, n - 1), min_size=9, max_size=16)), rng)
    f_nodes = draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=7))
    f = ends(net, f_nodes + f_nodes[:1], rng)  # a duplicate node (own access leg)
    return net, q, f, rng


def _brute_k(t: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row the k smallest (time, column) by sorting every row in Python."""
    time = np.full((t.shape[0], k), np.inf)
    index = np.full((t.shape[0], k), -1)
    for i, row in enumerate(t):
        best = sorted((x, j) for j, x in enumerate(row) if np.isfinite(x))[:k]
        for r, (x, j) in enumerate(best):
            time[i, r], index[i, r] = x, j
    return time, index


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(1, 3))
def test_k_nearest_points_equal_the_ranked_unbounded_matrix(case, k):
    net, q, f, _ = case
    full = travel_times(net, q, f)  # (q, f): origin -> point
    want_t, want_i = _brute_k(full, k)
    got = nearest_points(net, q, f, k=k)
    assert np.array_equal(got.time_s, want_t)
    assert np.array_equal(got.index, want_i)
    # the other direction (staff travel: from each point to the query)
    back = travel_times(net, f, q).T  # (q, f): point -> query
    want_t, want_i = _brute_k(back, k)
    got = nearest_points(net, q, f, k=k, trip="f_to_q")
    assert np.array_equal(got.time_s, want_t)
    assert np.array_equal(got.index, want_i)


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(1, 2))
def test_nearest_in_own_group_equals_the_masked_matrix(case, k):
    net, q, f, rng = case
    qg = rng.integers(0, 3, len(q))
    fg = rng.integers(0, 3, len(f))
    full = travel_times(net, q, f)
    want_t, want_i = _brute_k(np.where(qg[:, None] == fg[None, :], full, np.inf), 1)
    direct = nearest_points(net, q, f, q_group=qg, f_group=fg)
    assert np.array_equal(direct.time_s, want_t)
    assert np.array_equal(direct.index, want_i)
    reused = nearest_in_own_group(net, q, f, qg, fg, nearest_points(net, q, f, k=k))
    assert np.array_equal(reused.time_s, want_t)
    assert np.array_equal(reused.index, want_i)


def test_times_equal_networkx_on_a_random_road_like_graph():
    rng = np.random.default_rng(4)
    n = 400
    u, v = rng.integers(0, n, 1600), rng.integers(0, n, 1600)
    keep = u != v
    u, v = u[keep], v[keep]
    w = rng.uniform(5, 300, u.size)
    net = Network.from_edges(
        u, v, travel_time_s=w, length_m=w, node_x=rng.uniform(0, 1e4, n),
        node_y=rng.uniform(0, 1e4, n), mode="car",
    )  # fmt: skip
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, x in zip(u.tolist(), v.tolist(), w.tolist(), strict=True):
        if not g.has_edge(a, b) or g[a][b]["w"] > x:
            g.add_edge(a, b, w=x)
    nodes = rng.permutation(n)  # no query on a point's node (no straight-line legs)
    q = ends(net, nodes[:60], rng)
    f = ends(net, nodes[60:69], rng)
    got = nearest_points(net, q, f, k=2)
    for i in range(len(q)):
        d = nx.single_source_dijkstra_path_length(g, int(q.node[i]), weight="w")
        cand = sorted(
            (q.access_s[i] + d[int(f.node[j])] + f.access_s[j], j)
            for j in range(len(f))
            if int(f.node[j]) in d
        )[:2]
        for r, (t, j) in enumerate(cand):
            assert got.index[i, r] == j
            assert got.time_s[i, r] == pytest.approx(t, rel=1e-12)


def test_a_group_search_stops_at_its_targets():
    """On a long path, a group whose target is 2 edges from its seed settles 3 nodes."""
    n = 10_000
    a = np.arange(n - 1)
    ip = np.zeros(n + 1, dtype=np.int64)
    ip[1:n] = np.arange(1, n)
    ip[n] = n - 1
    ((key, lab, net),) = k_nearest_groups(
        ip, a + 1, np.ones(n - 1), [(np.array([0]), np.array([0.5]), np.array([7]),
                                     np.array([2]))], 1,
    )  # fmt: skip
    assert key.tolist() == [[2.5]] and lab.tolist() == [[7]] and net.tolist() == [[2.0]]


def test_bad_arguments_are_named():
    net = Network.from_edges(
        [0], [1], travel_time_s=[1.0], length_m=[1.0], node_x=[0.0, 1.0], node_y=[0.0, 0.0],
        mode="car",
    )  # fmt: skip
    e = ends(net, [0, 1], np.random.default_rng(0))
    with pytest.raises(InputValidationError, match="`k`"):
        nearest_points(net, e, e, k=0)
    with pytest.raises(InputValidationError, match="`trip`"):
        nearest_points(net, e, e, trip="both")  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="q_group"):
        nearest_points(net, e, e, q_group=[0, 1])


def test_the_all_nodes_cache_answers_any_other_queries_without_a_search(monkeypatch, tmp_path):
    from tillganglighet.routing import _kernel

    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(8)
    n = 500
    u, v = rng.integers(0, n, 2000), rng.integers(0, n, 2000)
    keep = u != v
    w = rng.uniform(5, 300, keep.sum())
    net = Network.from_edges(
        u[keep], v[keep], travel_time_s=w, length_m=w, node_x=rng.uniform(0, 1e4, n),
        node_y=rng.uniform(0, 1e4, n), mode="car",
    )  # fmt: skip
    f = ends(net, rng.integers(0, n, 12), rng)
    q1, q2 = ends(net, rng.integers(0, n, 40), rng), ends(net, rng.integers(-1, n, 70), rng)
    for trip in ("q_to_f", "f_to_q"):
        first = nearest_points(net, q1, f, k=2, trip=trip, cache=True)
        assert first.searches == 1
        assert np.array_equal(first.time_s, nearest_points(net, q1, f, k=2, trip=trip).time_s)
        want = nearest_points(net, q2, f, k=2, trip=trip)
        with monkeypatch.context() as m:
            m.setattr(_kernel, "k_nearest_groups", lambda *a, **k: pytest.fail("searched"))
            again = nearest_points(net, q2, f, k=2, trip=trip, cache=True)
        assert again.searches == 0
        assert np.array_equal(again.time_s, want.time_s)
        assert np.array_equal(again.index, want.index)
    assert len(list(tmp_path.glob("array-*.npy"))) == 2
