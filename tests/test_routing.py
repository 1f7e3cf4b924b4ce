"""Tests of the routing kernels against networkx and brute force."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tillganglighet import InputValidationError
from tillganglighet.networks.graph import Network
from tillganglighet.routing import (
    k_nearest_facilities,
    nearest_facility,
    nearest_facility_within_groups,
    od_matrix,
    snap_points,
)

INF = float("inf")


@st.composite
def graphs(draw, max_nodes=10):
    """Random directed multigraph with small integer weights (many exact ties, zeros)."""
    n = draw(st.integers(2, max_nodes))
    m = draw(st.integers(1, 3 * n))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    w = draw(st.lists(st.integers(0, 6), min_size=m, max_size=m))
    if all(a == b for a, b in zip(u, v, strict=True)):
        u, v = [*u, 0], [*v, 1]
        w = [*w, 1]
    k = draw(st.integers(1, 5))
    fac = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    offs = draw(st.one_of(st.none(), st.lists(st.integers(0, 4), min_size=k, max_size=k)))
    return n, u, v, [float(x) for x in w], fac, offs


def _build(n, u, v, w):
    net = Network.from_edges(
        np.array(u),
        np.array(v),
        travel_time_s=w,
        length_m=w,
        node_x=np.arange(n, dtype=float),
        node_y=np.zeros(n),
        mode="car",
    )
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from(zip(u, v, w, strict=True), weight="travel_time")
    return net, G


def _brute_force(G, n, fac, offs):
    """time[node, facility] from node to facility (incl. offset), via networkx."""
    R = G.reverse(copy=True)
    t = np.full((n, len(fac)), INF)
    for j, f in enumerate(fac):
        d = nx.single_source_dijkstra_path_length(R, f, weight="travel_time")
        for node, val in d.items():
            t[node, j] = val + (offs[j] if offs else 0.0)
    return t


def _lowest_index_nearest(t):
    best = t.min(axis=1)
    ids = np.where(np.isfinite(best), np.argmax(t == best[:, None], axis=1), -1)
    return best, ids


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_nearest_facility_matches_networkx(case):
    n, u, v, w, fac, offs = case
    net, G = _build(n, u, v, w)
    res = nearest_facility(net, fac, facility_offset_s=offs)
    # Times: networkx multi-source Dijkstra on the reversed graph (super source for offsets).
    R = G.reverse(copy=True)
    if offs is None:
        ref = nx.multi_source_dijkstra_path_length(R, set(fac), weight="travel_time")
    else:
        R.add_weighted_edges_from(
            (("S", f, o) for f, o in zip(fac, offs, strict=True)), weight="travel_time"
        )
        ref = nx.single_source_dijkstra_path_length(R, "S", weight="travel_time")
    expected = np.array([ref.get(i, INF) for i in range(n)])
    assert np.array_equal(res.time_s, expected)
    # Ids: lowest facility index among the exactly-equal nearest ones.
    best, ids = _lowest_index_nearest(_brute_force(G, n, fac, offs))
    assert np.array_equal(best, expected)
    assert np.array_equal(res.facility, ids)
    assert res.facility.dtype == np.int64


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_od_matrix_matches_networkx(case, data):
    n, u, v, w, _, _ = case
    net, G = _build(n, u, v, w)
    origins = data.draw(st.lists(st.integers(-1, n - 1), min_size=0, max_size=8))
    cands = data.draw(st.lists(st.integers(-1, n - 1), min_size=0, max_size=8))
    # A tiny memory budget forces one search per block row.
    got = od_matrix(net, origins, cands, memory_budget_bytes=1)
    assert got.shape == (len(origins), len(cands)) and got.dtype == np.float64
    for i, o in enumerate(origins):
        d = nx.single_source_dijkstra_path_length(G, o, weight="travel_time") if o >= 0 else {}
        exp = [d.get(c, INF) if c >= 0 else INF for c in cands]
        assert got[i].tolist() == exp


@settings(max_examples=150, deadline=None)
@given(graphs(), st.integers(1, 4))
def test_k_nearest_matches_brute_force(case, k):
    n, u, v, w, fac, offs = case
    net, G = _build(n, u, v, w)
    res = k_nearest_facilities(net, fac, k, facility_offset_s=offs, memory_budget_bytes=1)
    t = _brute_force(G, n, fac, offs)
    for node in range(n):
        order = sorted(range(len(fac)), key=lambda j: (t[node, j], j))[:k]
        exp_t = [t[node, j] for j in order] + [INF] * (k - len(order))
        exp_f = [j if np.isfinite(t[node, j]) else -1 for j in order] + [-1] * (k - len(order))
        assert res.time_s[node].tolist() == exp_t
        assert res.facility[node].tolist() == exp_f
    if k == 1:
        one = nearest_facility(net, fac, facility_offset_s=offs)
        assert np.array_equal(one.time_s, res.time_s[:, 0])
        assert np.array_equal(one.facility, res.facility[:, 0])


@settings(max_examples=100, deadline=None)
@given(graphs(), st.data())
def test_nearest_within_groups_matches_brute_force(case, data):
    n, u, v, w, fac, offs = case
    net, G = _build(n, u, v, w)
    fg = np.array(data.draw(st.lists(st.integers(0, 2), min_size=len(fac), max_size=len(fac))))
    ng = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    res = nearest_facility_within_groups(net, fac, fg, ng, facility_offset_s=offs)
    t = _brute_force(G, n, fac, offs)
    t[fg[None, :] != ng[:, None]] = INF
    best, ids = _lowest_index_nearest(t)
    assert np.array_equal(res.time_s, best)
    assert np.array_equal(res.facility, ids)


def _line():
    # 0 <-> 1 <-> 2 -> 3 (one-way), node 4 isolated far away
    u = [0, 1, 1, 2, 2]
    v = [1, 0, 2, 1, 3]
    w = [10.0, 10.0, 20.0, 20.0, 5.0]
    x = [0.0, 100.0, 200.0, 300.0, 50_000.0]
    return Network.from_edges(
        u, v, travel_time_s=w, length_m=w, node_x=x, node_y=[0.0] * 5, mode="car", metadata={}
    )


def test_unreachable_is_inf_and_minus_one():
    net = _line()
    res = nearest_facility(net, [0])
    assert res.time_s.tolist() == [0.0, 10.0, 30.0, INF, INF]
    assert res.facility.tolist() == [0, 0, 0, -1, -1]
    res = nearest_facility(net, [3, -1])  # -1 (not snapped) never wins
    assert res.time_s.tolist() == [35.0, 25.0, 5.0, 0.0, INF]
    assert res.facility.tolist() == [0, 0, 0, 0, -1]
    assert od_matrix(net, [3, 0], [0, 3]).tolist() == [[INF, 0.0], [0.0, 35.0]]
    empty = nearest_facility(net, [])
    assert np.isinf(empty.time_s).all() and (empty.facility == -1).all()


def test_facility_offsets_and_shared_nodes():
    net = _line()
    # Facilities 0 and 1 share node 2; 1 has the smaller offset; 2 is at node 0.
    res = nearest_facility(net, [2, 2, 0], facility_offset_s=[30.0, 4.0, 12.0])
    assert res.time_s.tolist() == [12.0, 22.0, 4.0, INF, INF]
    assert res.facility.tolist() == [2, 2, 1, -1, -1]
    # Equal offsets on a shared node: the lowest index wins.
    assert nearest_facility(net, [2, 2], facility_offset_s=[1.0, 1.0]).facility[1] == 0
    # inf offset disables a facility.
    res = nearest_facility(net, [0, 2], facility_offset_s=[np.inf, 0.0])
    assert res.facility.tolist() == [1, 1, 1, -1, -1]


def test_input_validation():
    net = _line()
    with pytest.raises(InputValidationError, match="facility_nodes"):
        nearest_facility(net, [7])
    with pytest.raises(InputValidationError, match="integer"):
        nearest_facility(net, [0.5])
    with pytest.raises(InputValidationError, match="facility_offset_s"):
        nearest_facility(net, [0], facility_offset_s=[-1.0])
    with pytest.raises(InputValidationError, match="facility_offset_s"):
        nearest_facility(net, [0], facility_offset_s=[1.0, 2.0])
    with pytest.raises(InputValidationError, match="`k`"):
        k_nearest_facilities(net, [0], 0)
    with pytest.raises(InputValidationError, match="node_group"):
        nearest_facility_within_groups(net, [0], [1], [1, 2])
    with pytest.raises(InputValidationError, match="origin_nodes"):
        od_matrix(net, [[0]], [1])


def test_snap_points():
    net = _line()
    with pytest.warns(UserWarning, match="1 of 3 point"):
        res = snap_points(net, [90.0, 210.0, 20_000.0], [30.0, -40.0, 0.0], max_snap_m=1000)
    assert res.node.tolist() == [1, 2, -1]
    assert res.distance_m[:2] == pytest.approx([np.hypot(10, 30), np.hypot(10, 40)])
    assert res.access_time_s[0] == pytest.approx(np.hypot(10, 30) / (30 / 3.6))
    assert res.access_time_s[2] == INF and res.beyond_max.tolist() == [False, False, True]
    frame = res.to_frame()
    assert list(frame.columns) == ["node", "snap_distance_m", "access_time_s", "beyond_max_snap"]
    # Node 3 (only an in-edge) and 4 (isolated) are outside the largest strong component.
    res = snap_points(net, [310.0], [0.0], access_speed_kph=5.0, largest_component_only=True)
    assert res.node.tolist() == [2]
    assert res.access_time_s[0] == pytest.approx(110 / (5 / 3.6))
    with pytest.raises(InputValidationError, match="non-finite"):
        snap_points(net, [np.nan], [0.0])
    with pytest.raises(InputValidationError, match="access_speed_kph"):
        snap_points(net, [0.0], [0.0], access_speed_kph=0)


def test_tie_rule_is_lowest_index_not_search_order():
    # Node 0 reaches facility nodes 1, 2, 3 in exactly 5 s each via different paths.
    u = [0, 0, 0, 4]
    v = [1, 4, 3, 2]
    w = [5.0, 2.0, 5.0, 3.0]
    net = Network.from_edges(
        u,
        v,
        travel_time_s=w,
        length_m=w,
        node_x=np.zeros(5),
        node_y=np.zeros(5),
        mode="car",
        metadata={},
    )
    for perm in ([1, 2, 3], [3, 2, 1], [2, 3, 1]):
        res = nearest_facility(net, perm)
        assert res.time_s[0] == 5.0
        assert res.facility[0] == 0  # index 0 of each permutation


def _grid(side, weights):
    """Bidirectional side x side grid; ``weights(m)`` gives the m edge weights."""
    r, c = np.divmod(np.arange(side * side), side)
    h = np.flatnonzero(c < side - 1)
    v = np.flatnonzero(r < side - 1)
    a = np.concatenate([h, v])
    b = np.concatenate([h + 1, v + side])
    u, w_ = np.concatenate([a, b]), np.concatenate([b, a])
    wt = weights(u.size)
    net = Network.from_edges(
        u,
        w_,
        travel_time_s=wt,
        length_m=wt,
        node_x=c.astype(float),
        node_y=r.astype(float),
        mode="car",
    )
    return net


def _scipy_brute_force(net, fac, offs=None):
    from scipy.sparse.csgraph import dijkstra

    d = dijkstra(net.reversed().csr(), directed=True, indices=np.asarray(fac))
    t = np.atleast_2d(d).T.copy()
    if offs is not None:
        t += np.asarray(offs, dtype=float)[None, :]
    return _lowest_index_nearest(t)


@pytest.mark.parametrize("with_offsets", [False, True])
def test_tie_rule_on_grid_with_many_exact_ties(with_offsets):
    # Unit weights on a 70 x 70 grid: most nodes are exactly equally far from several
    # facilities, so the label propagation (not the no-tie fast path) decides.
    rng = np.random.default_rng(7)
    net = _grid(70, lambda m: np.ones(m))
    fac = rng.choice(net.n_nodes, 60, replace=True)  # includes shared nodes
    offs = rng.integers(0, 3, fac.size).astype(float) if with_offsets else None
    res = nearest_facility(net, fac, facility_offset_s=offs)
    best, ids = _scipy_brute_force(net, fac, offs)
    assert np.array_equal(res.time_s, best)
    assert np.array_equal(res.facility, ids)
    # Permuting the facilities changes only which index is the lowest.
    perm = rng.permutation(fac.size)
    offs2 = None if offs is None else offs[perm]
    res2 = nearest_facility(net, fac[perm], facility_offset_s=offs2)
    assert np.array_equal(res2.time_s, res.time_s)
    assert np.array_equal(res2.facility, _scipy_brute_force(net, fac[perm], offs2)[1])


def test_nearest_on_grid_with_real_valued_weights():
    # Real-valued weights: exact ties only at shared facility nodes (fast path).
    rng = np.random.default_rng(11)
    net = _grid(60, lambda m: rng.uniform(5.0, 90.0, m))
    fac = np.concatenate([rng.choice(net.n_nodes, 40, replace=False), [5, 5]])
    res = nearest_facility(net, fac)
    best, ids = _scipy_brute_force(net, fac)
    assert np.array_equal(res.time_s, best)
    assert np.array_equal(res.facility, ids)
    assert res.facility.dtype == np.int64


def test_od_matrix_parallel_and_cutoff_match_serial():
    rng = np.random.default_rng(3)
    net = _grid(40, lambda m: rng.uniform(5.0, 90.0, m))
    origins = np.concatenate([rng.choice(net.n_nodes, 30), [-1]])
    cands = np.concatenate([rng.choice(net.n_nodes, 12), [-1, 0]])
    serial = od_matrix(net, origins, cands, n_jobs=1)
    for o, c in ((origins, cands), (cands, origins)):  # reversed and forward search
        ref = od_matrix(net, o, c, n_jobs=1)
        par = od_matrix(net, o, c, n_jobs=2, memory_budget_bytes=1)
        assert np.array_equal(par, ref)
    assert np.array_equal(od_matrix(net, origins, cands), serial)  # small: serial default
    cut = float(np.median(serial[np.isfinite(serial)]))
    got = od_matrix(net, origins, cands, max_time_s=cut)
    assert np.array_equal(got, np.where(serial <= cut, serial, INF))
    with pytest.raises(InputValidationError, match="n_jobs"):
        od_matrix(net, origins, cands, n_jobs=0)
    with pytest.raises(InputValidationError, match="max_time_s"):
        od_matrix(net, origins, cands, max_time_s=-1.0)
