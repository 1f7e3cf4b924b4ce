"""Bounded per-point searches, their cache, and exact nearest points beyond the bound.

Everything is checked against computations that do not use the code under test:
networkx (cutoff searches), scipy's unbounded Dijkstra, and the unbounded matrix.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from road_graphs import ends, graphs
from scipy.sparse.csgraph import dijkstra

from tillganglighet.accessibility import (
    _is_gap,
    marginal_value,
    marginal_value_from_nearest,
    nearest_in_matrix,
    two_nearest_in_matrix,
)
from tillganglighet.networks.cache import cached_point_searches
from tillganglighet.networks.graph import Network
from tillganglighet.routing import od_matrix
from tillganglighet.routing._kernel import bounded_searches, k_nearest_labels
from tillganglighet.routing.searches import point_searches
from tillganglighet.routing.travel import nearest_exact, travel_times


def _nx(net: Network) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    for a, b, w in zip(net.tails(), net.indices, net.travel_time_s, strict=True):
        g.add_edge(int(a), int(b), w=float(w))
    return g


def _dense(ptr, nodes, times, i, n):
    d = np.full(n, np.inf)
    d[nodes[ptr[i] : ptr[i + 1]]] = times[ptr[i] : ptr[i + 1]]
    return d


@settings(max_examples=60, deadline=None)
@given(st.one_of(graphs(), graphs(real=True)), st.floats(0.0, 30.0), st.integers(1, 2))
def test_bounded_searches_equal_networkx_cutoff_and_scipy(net, limit, jobs):
    g = _nx(net)
    csr = net.csr()
    src = np.arange(net.n_nodes)
    ptr, nodes, times = bounded_searches(csr.indptr, csr.indices, csr.data, src, limit, n_jobs=jobs)
    full = dijkstra(csr, directed=True, indices=src)
    for s in src:
        got = _dense(ptr, nodes, times, s, net.n_nodes)
        ref = nx.single_source_dijkstra_path_length(g, int(s), cutoff=limit, weight="w")
        expect = np.full(net.n_nodes, np.inf)
        expect[list(ref)] = list(ref.values())
        assert np.array_equal(got, expect)  # networkx: same sums, bit for bit
        # and scipy's unbounded search, cut at the bound
        assert np.array_equal(got, np.where(full[s] <= limit, full[s], np.inf))
        seg = times[ptr[s] : ptr[s + 1]]
        assert (np.diff(seg) >= 0).all()  # settling order


def test_bounded_search_visits_only_what_it_reaches():
    # A long path: a 3-edge bound reports exactly 4 nodes from node 0.
    n = 1000
    net = Network.from_edges(
        np.arange(n - 1), np.arange(1, n), travel_time_s=np.ones(n - 1),
        length_m=np.ones(n - 1), node_x=np.arange(n, dtype=float), node_y=np.zeros(n),
        mode="car",
    )  # fmt: skip
    ps = point_searches(net, [0, 500], bound_s=3.0, direction="from")
    assert list(ps.nodes[ps.ptr[0] : ps.ptr[1]]) == [0, 1, 2, 3]
    assert list(ps.nodes[ps.ptr[1] : ps.ptr[2]]) == [500, 501, 502, 503]
    to = point_searches(net, [500], bound_s=2.0, direction="to")
    assert list(to.nodes) == [500, 499, 498]


@settings(max_examples=40, deadline=None)
@given(st.one_of(graphs(), graphs(real=True)), st.data())
def test_point_searches_give_od_matrix_within_the_bound(net, data):
    n = net.n_nodes
    pts = np.array(data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=6)))
    orig = np.array(data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=9)))
    bound = data.draw(st.floats(0.5, 40.0))
    full = od_matrix(net, orig, pts)
    ps = point_searches(net, pts, bound_s=bound, direction="to")
    t = np.full((orig.size, pts.size), np.inf)
    t[:, pts >= 0] = ps.times_at(orig, n_nodes=n)[:, ps.column_of(pts[pts >= 0])]
    assert np.array_equal(t, np.where(full <= bound, full, np.inf))
    fwd = point_searches(net, orig, bound_s=bound, direction="from")
    t2 = np.full((orig.size, pts.size), np.inf)
    t2[orig >= 0] = fwd.times_at(pts, n_nodes=n)[:, fwd.column_of(orig[orig >= 0])].T
    full_fwd = od_matrix(net, orig, pts, n_jobs=1)
    assert np.array_equal(np.isfinite(t2), np.isfinite(np.where(full_fwd <= bound, 1, np.inf)))
    assert np.allclose(t2[np.isfinite(t2)], full_fwd[np.isfinite(t2)], rtol=1e-12)
    # float32 is the float64 value rounded to nearest
    t32 = ps.times_at(orig, n_nodes=n, dtype=np.float32)
    assert t32.dtype == np.float32
    assert np.array_equal(t32, ps.times_at(orig, n_nodes=n).astype(np.float32))


def test_point_search_cache_reuses_entries_and_rebuilds_bad_ones(tmp_path):
    rng = np.random.default_rng(3)
    n = 300
    u, v = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    keep = u != v
    w = rng.uniform(1, 60, keep.sum())
    net = Network.from_edges(
        u[keep], v[keep], travel_time_s=w, length_m=w, node_x=rng.uniform(0, 1e4, n),
        node_y=rng.uniform(0, 1e4, n), mode="car",
    )  # fmt: skip
    calls: list[list[int]] = []

    def cache(network, nodes, bound_s, direction, compute):
        def counted(missing):
            calls.append([int(x) for x in missing])
            return compute(missing)

        return cached_point_searches(
            network, nodes, bound_s, direction, counted, cache_dir=tmp_path
        )

    a = point_searches(net, [5, 9, 9, 40], bound_s=120.0, cache=cache)
    assert calls == [[5, 9, 40]]
    b = point_searches(net, [40, 5, 77], bound_s=120.0, cache=cache)
    assert calls[-1] == [77]
    fresh = point_searches(net, [5, 40, 77], bound_s=120.0)
    for x in (a, b):
        assert np.array_equal(
            x.times_at(np.arange(n))[:, x.column_of([5, 40])],
            fresh.times_at(np.arange(n))[:, fresh.column_of([5, 40])],
        )
    # Another bound or direction: other entries.
    point_searches(net, [5], bound_s=60.0, cache=cache)
    point_searches(net, [5], bound_s=120.0, direction="from", cache=cache)
    assert calls[-2:] == [[5], [5]]
    # A corrupt entry is reported, deleted and recomputed.
    entries = sorted((tmp_path / "searches").glob("search-*.npy"))
    for e in entries:
        e.write_bytes(b"not an array")
    with pytest.warns(UserWarning, match="unreadable cache entry"):
        c = point_searches(net, [5, 40, 77], bound_s=120.0, cache=cache)
    assert sorted(calls[-1]) == [5, 40, 77]
    assert np.array_equal(c.times_at(np.arange(n)), fresh.times_at(np.arange(n)))


@settings(max_examples=60, deadline=None)
@given(st.one_of(graphs(), graphs(real=True)), st.data())
def test_nearest_beyond_the_bound_equals_the_unbounded_matrix(net, data):
    """Nearest and restricted nearest are exact for any bound (both directions)."""
    n = net.n_nodes
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    q = ends(net, data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=10)), rng)
    f = ends(net, data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=6)), rng)
    bound = data.draw(st.sampled_from([0.5, 2.0, 5.0, 12.0]))
    per_query = data.draw(st.booleans())
    from tillganglighet.routing import travel

    old = travel.FALLBACK_PER_QUERY_MAX
    travel.FALLBACK_PER_QUERY_MAX = 1000 if per_query else 0  # both completions
    try:
        full = travel_times(net, q, f)  # unbounded: the reference
        part = travel_times(net, q, f, bound_s=bound)
        assert np.array_equal(part, np.where(np.isfinite(part), full, np.inf))
        ref = nearest_in_matrix(full)
        got = nearest_exact(net, part, q, f, bound_s=bound)
        assert np.array_equal(got.time_s, ref.time_s)
        assert np.array_equal(got.index, ref.index)
        # restricted to a group of points
        qg = rng.integers(0, 2, len(q))
        fg = rng.integers(0, 2, len(f))
        ref_g = nearest_in_matrix(full, qg[:, None] == fg[None, :])
        got_g = nearest_exact(
            net, part, q, f, bound_s=bound, allowed=lambda r: qg[r][:, None] == fg[None, :]
        )
        assert np.array_equal(got_g.time_s, ref_g.time_s)
        assert np.array_equal(got_g.index, ref_g.index)
        # the other direction: from the points to each query (staff travel)
        full_r = travel_times(net, f, q)
        part_r = travel_times(net, f, q, bound_s=bound)
        ref_r = nearest_in_matrix(full_r.T)
        got_r = nearest_exact(net, part_r.T, q, f, bound_s=bound, trip="f_to_q")
        assert np.array_equal(got_r.time_s, ref_r.time_s)
        assert np.array_equal(got_r.index, ref_r.index)
    finally:
        travel.FALLBACK_PER_QUERY_MAX = old


@settings(max_examples=40, deadline=None)
@given(graphs(), st.data())
def test_k_nearest_labels_equal_brute_force(net, data):
    n = net.n_nodes
    fac = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)))
    off = np.array(data.draw(st.lists(st.integers(0, 3), min_size=fac.size, max_size=fac.size)))
    k = data.draw(st.integers(1, 3))
    rev = net.reversed().csr()
    key, lab, netsum = k_nearest_labels(
        rev.indptr, rev.indices, rev.data, fac, off.astype(float), np.arange(fac.size), k
    )
    d = np.atleast_2d(dijkstra(rev, directed=True, indices=fac))  # (n_fac, n)
    for x in range(n):
        cand = sorted((d[j, x] + off[j], j) for j in range(fac.size) if np.isfinite(d[j, x]))
        want = cand[:k] + [(np.inf, -1)] * (k - len(cand[:k]))
        assert [(key[x, i], lab[x, i]) for i in range(k)] == want
        for i in range(k):
            if lab[x, i] >= 0:
                assert netsum[x, i] == d[lab[x, i], x]


def _old_marginal_value(t, pop, kommun, thr):
    """The previous implementation (full argsort), kept here as the reference."""
    order = np.argsort(t, axis=1, kind="stable")
    best_idx = order[:, 0]
    r = np.arange(t.shape[0])
    best = t[r, best_idx]
    second = t[r, order[:, 1]] if t.shape[1] > 1 else np.full(t.shape[0], np.inf)
    served = np.isfinite(best)

    base_t = best / 60
    out = []
    for j in range(t.shape[1]):
        mask = served & (best_idx == j)
        if not mask.any():
            out.append((0, 0, 0, 0, 0.0))
            continue
        new_t = base_t.copy()
        new_t[mask] = second[mask] / 60
        crossed = mask & (base_t <= thr) & (new_t > thr)
        gap = 0
        for k in np.unique(kommun[mask]):
            sel = kommun == k
            if not _is_gap(base_t[sel], pop[sel], thr) and _is_gap(new_t[sel], pop[sel], thr):
                gap += 1
        inc = new_t[mask] - base_t[mask]
        w = pop[mask]
        mi = np.inf if not np.isfinite(inc).all() else (
            float(np.average(inc, weights=w)) if w.sum() > 0 else float(inc.mean())
        )  # fmt: skip
        out.append((int(mask.sum()), int(w.sum()), int(pop[crossed].sum()), gap, mi))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_marginal_value_by_partial_selection_equals_full_sort(seed):
    rng = np.random.default_rng(seed)
    n_o, n_p = 3000, 17
    t = rng.uniform(60, 7200, (n_o, n_p))
    t[rng.random((n_o, n_p)) < 0.1] = np.inf
    t[:, 3] = t[:, 4]  # exact ties between two points
    t[:50] = np.inf  # unreachable origins
    pop = rng.integers(0, 500, n_o).astype(float)
    kommun = rng.choice(["0114", "0180", "2584", "1280"], n_o)
    got = marginal_value(t, population=pop, kommun_kod=kommun, threshold_min=45.0)
    want = _old_marginal_value(t, pop, kommun, 45.0)
    assert [tuple(r) for r in got.itertuples(index=False)] == want
    best, idx, second = two_nearest_in_matrix(t)
    again = marginal_value_from_nearest(
        best, idx, second, n_points=n_p, population=pop, kommun_kod=kommun, threshold_min=45.0
    )
    pd.testing.assert_frame_equal(got, again)


def test_candidate_matrix_is_the_bounded_float32_matrix():
    from tillganglighet.analysis import _snap, _travel_matrix, candidate_matrix
    from tillganglighet.data.geodata import origins
    from tillganglighet.data.presence import meeting_points
    from tillganglighet.networks.load import modelled_network

    net = modelled_network()
    org = _snap(net, origins())
    cand = _snap(net, meeting_points("2020-12-31"))
    bound = 1800.0
    cm = candidate_matrix(net, org, cand, bound, cache=False)
    full = _travel_matrix(net, org, cand)
    assert cm.time_s.dtype == np.float32 and cm.time_s.shape == full.shape
    finite = np.isfinite(cm.time_s)
    assert np.array_equal(cm.time_s[finite], full[finite].astype(np.float32))
    # every missing entry that is reachable is beyond the row's stated lower bound
    missing = ~finite & np.isfinite(full)
    assert missing.any()
    rows = np.nonzero(missing)[0]
    assert (full[missing] >= cm.beyond_s[rows]).all()
    assert (cm.beyond_s[np.isfinite(cm.beyond_s)] >= bound).all()


def test_analyze_does_not_depend_on_the_search_bound(monkeypatch):
    """A bound of a tenth of the threshold gives the same tables as no bound at all."""
    from tillganglighet import analysis

    monkeypatch.setattr(analysis, "SEARCH_BOUND_FACTOR", float("inf"))
    monkeypatch.setattr(analysis, "NEAREST_BOUND_FACTOR", float("inf"))
    ref = analysis.analyze(threshold_min=45)
    monkeypatch.setattr(analysis, "SEARCH_BOUND_FACTOR", 0.1)
    monkeypatch.setattr(analysis, "NEAREST_BOUND_FACTOR", 0.1)
    got = analysis.analyze(threshold_min=45)
    for name in ("municipalities", "origins", "meeting_points", "nearby_replacements"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(getattr(got, name)).drop(columns="geometry", errors="ignore"),
            pd.DataFrame(getattr(ref, name)).drop(columns="geometry", errors="ignore"),
            check_exact=True,
        )


def test_warm_national_style_run_reads_every_answer_from_the_cache(monkeypatch, tmp_path):
    """With the caches on (as for a national network), a re-run makes no search at all."""
    from tillganglighet import analysis
    from tillganglighet.routing import _kernel, searches, travel

    ref = analysis.analyze(threshold_min=30)
    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(analysis, "OD_CACHE_MIN_WORK", 0)
    first = analysis.analyze(threshold_min=30)
    assert list(tmp_path.glob("searches/search-*.npy"))
    assert list(tmp_path.glob("array-*.npy"))

    def no_search(*_a, **_k):
        raise AssertionError("searched on a warm run")

    monkeypatch.setattr(searches, "search_nodes", no_search)
    monkeypatch.setattr(travel, "nearest_facility", no_search)
    monkeypatch.setattr(travel, "_fallback", no_search)
    monkeypatch.setattr(_kernel, "k_nearest_groups", no_search)  # the multi-source searches
    second = analysis.analyze(threshold_min=30)
    for name in ("municipalities", "origins", "meeting_points", "nearby_replacements"):
        for got in (first, second):
            pd.testing.assert_frame_equal(
                pd.DataFrame(getattr(got, name)).drop(columns="geometry", errors="ignore"),
                pd.DataFrame(getattr(ref, name)).drop(columns="geometry", errors="ignore"),
                check_exact=True,
            )
