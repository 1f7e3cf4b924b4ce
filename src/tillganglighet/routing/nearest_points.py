"""The k nearest points of each query by multi-source searches: no matrix (no I/O).

The main job asks, per origin, for the nearest meeting point, the second nearest (for
the marginal value), the nearest in the origin's own FA-region and the nearest SSC
office; and per meeting point for the nearest staffed office. None of that needs an
origins × points matrix. :func:`nearest_points` answers it with **one multi-source
search** that keeps the ``k`` nearest distinct points per node
(:func:`~tillganglighet.routing._kernel.k_nearest_groups`), or one per group of
points when each query may only choose points of its own group, and each search
stops as soon as every query node has its answer. Its cost does not grow with the
number of points, and hardly with the number of queries.

Times are door-to-door, float64 seconds, formed exactly as
:func:`~tillganglighet.routing.travel.travel_times` forms them when it searches from
the points (the side with fewer entries)::

    q_to_f:  (access(q) + network(q -> f)) + access(f)
    f_to_q:  (access(f) + network(f -> q)) + access(q)

where the network part is each point's own path sum from its node (bit-for-bit a
single-source search from it) and a query on the same node as a point travels the
straight line instead when that is shorter. So the answers equal the nearest
entries of the unbounded matrix, ties going to the lower point index, except where
two points' times differ by about 1e-15 relative: the search ranks points by
``network + access(f)`` and only then adds the query's own access leg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tillganglighet.errors import InputValidationError
from tillganglighet.networks.graph import Network
from tillganglighet.routing._common import weak_labels
from tillganglighet.routing.travel import Ends

__all__ = ["KNearestPoints", "nearest_in_own_group", "nearest_points"]

Trip = Literal["q_to_f", "f_to_q"]


@dataclass(frozen=True)
class KNearestPoints:
    """The ``k`` nearest points of each query.

    Attributes
    ----------
    time_s
        ``(n_queries, k)`` door-to-door seconds, ascending (``inf`` where fewer than
        ``k`` points are reachable).
    index
        ``(n_queries, k)`` point index (column of the points), ``-1`` where ``inf``;
        ties in time go to the lower index.
    searches
        Number of multi-source searches run (0: read from the cache).
    """

    time_s: np.ndarray
    index: np.ndarray
    searches: int = 0


def _check(q: Ends, f: Ends, k: int, trip: str) -> None:
    if not isinstance(k, int | np.integer) or k < 1:
        raise InputValidationError(f"`k` must be a positive integer, got {k!r}.")
    if trip not in ("q_to_f", "f_to_q"):
        raise InputValidationError(f"`trip` must be 'q_to_f' or 'f_to_q', got {trip!r}.")


def nearest_points(
    network: Network,
    q: Ends,
    f: Ends,
    *,
    k: int = 1,
    trip: Trip = "q_to_f",
    q_group: Any | None = None,
    f_group: Any | None = None,
    n_jobs: int | None = 1,
    cache: bool = False,
) -> KNearestPoints:
    """The ``k`` nearest points ``f`` of each query ``q``, by multi-source searches.

    Parameters
    ----------
    network
        The network both point sets are snapped to.
    q, f
        Queries (e.g. origins) and points (e.g. meeting points), snapped.
    k
        Points per query (>= 1).
    trip
        ``"q_to_f"``: time from the query to the point (origin -> meeting point; one
        search on the reversed graph); ``"f_to_q"``: from the point to the query
        (staffed office -> visited point; on the forward graph).
    q_group, f_group
        Optional group label per query and per point (e.g. FA-region codes): a query
        may then only choose points of its own group (one search per group).
    n_jobs
        Threads for the group searches (``None`` or ``-1``: all cores; default 1).
    cache
        Without groups: answer every node of the network and keep that in the on-disk
        cache (:func:`~tillganglighet.networks.cache.cached_array`, keyed by the
        network, the points' nodes and access legs, ``k`` and ``trip``), so that any
        other set of queries -- a new population grid, new origins -- is read off it
        without a search.

    Returns
    -------
    KNearestPoints
        Door-to-door seconds and point indices, ``(len(q), k)``.
    """
    _check(q, f, k, trip)
    n_q, n_f = len(q), len(f)
    if (q_group is None) != (f_group is None):
        raise InputValidationError("Give both `q_group` and `f_group`, or neither.")
    qg = np.zeros(n_q, dtype=np.int64) if q_group is None else np.asarray(q_group)
    fg = np.zeros(n_f, dtype=np.int64) if f_group is None else np.asarray(f_group)
    if qg.shape != (n_q,) or fg.shape != (n_f,):
        raise InputValidationError(
            f"`q_group` / `f_group` need one label per query ({n_q}) / point ({n_f}), "
            f"got shapes {qg.shape} / {fg.shape}."
        )
    q_ok = (q.node >= 0) & np.isfinite(q.access_s)
    f_ok = (f.node >= 0) & np.isfinite(f.access_s)
    graph = (network.reversed() if trip == "q_to_f" else network).csr()
    if cache and q_group is None:
        lab_n, net_n, n_searches = _all_nodes_cached(network, graph, f, f_ok, k, trip)
        rows = np.flatnonzero(q_ok)
        nodes, inv = np.unique(q.node[rows], return_inverse=True)
        members = [(rows, np.asarray(inv).ravel())]
        found = [(None, lab_n[nodes], net_n[nodes])]
    else:
        groups, members = _groups(q, f, q_ok, f_ok, qg, fg, weak_labels(network))
        found = _run_groups(graph, groups, k, n_jobs)
        n_searches = len(groups)
    cand_row, cand_col, cand_t = [], [], []
    for (rows, inv), (_key, lab, net) in zip(members, found, strict=True):
        lab_r, net_r = lab[inv], net[inv]
        hit = lab_r >= 0
        r = np.broadcast_to(rows[:, None], lab_r.shape)[hit]
        j = lab_r[hit]
        d = net_r[hit]
        if trip == "q_to_f":
            t = (q.access_s[r] + d) + f.access_s[j]
        else:
            t = (f.access_s[j] + d) + q.access_s[r]
        cand_row.append(r)
        cand_col.append(j)
        cand_t.append(t)
    # Queries on the same node as a point: the straight line when it is shorter.
    r, j = _same_node_pairs(q.node, f.node)
    keep = q_ok[r] & f_ok[j] & (qg[r] == fg[j])
    r, j = r[keep], j[keep]
    if r.size:
        via = q.access_s[r] + f.access_s[j] if trip == "q_to_f" else f.access_s[j] + q.access_s[r]
        a_x, a_y, b_x, b_y, spm = (
            (q.x_m[r], q.y_m[r], f.x_m[j], f.y_m[j], q.s_per_m[r])
            if trip == "q_to_f"
            else (f.x_m[j], f.y_m[j], q.x_m[r], q.y_m[r], f.s_per_m[j])
        )
        direct = np.hypot(a_x - b_x, a_y - b_y) * spm
        cand_row.append(r)
        cand_col.append(j)
        cand_t.append(np.minimum(via, direct))
    time, index = _top_k(
        n_q, k, np.concatenate(cand_row or [np.empty(0, np.int64)]),
        np.concatenate(cand_col or [np.empty(0, np.int64)]),
        np.concatenate(cand_t or [np.empty(0)]),
    )  # fmt: skip
    return KNearestPoints(time, index, n_searches)


def _groups(
    q: Ends,
    f: Ends,
    q_ok: np.ndarray,
    f_ok: np.ndarray,
    qg: np.ndarray,
    fg: np.ndarray,
    comp: np.ndarray,
) -> tuple[list, list]:
    """One search per group of points, and the query rows each one answers.

    A group's targets are the distinct nodes of its queries whose weakly connected
    component (``comp``) holds at least one of its points: the others cannot reach
    any, and would make the search run to exhaustion.
    """
    groups, members = [], []
    for g in np.unique(qg[q_ok]) if q_ok.any() else []:
        seeds = np.flatnonzero(f_ok & (fg == g))
        if seeds.size == 0:
            continue
        rows = np.flatnonzero(q_ok & (qg == g))
        rows = rows[np.isin(comp[q.node[rows]], comp[f.node[seeds]])]
        if rows.size == 0:
            continue
        nodes, inv = np.unique(q.node[rows], return_inverse=True)
        groups.append((f.node[seeds], f.access_s[seeds], seeds, nodes))
        members.append((rows, np.asarray(inv).ravel()))
    return groups, members


def _all_nodes_cached(
    network: Network, graph: Any, f: Ends, f_ok: np.ndarray, k: int, trip: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per node its ``k`` nearest points: (point index, network seconds, searches run)."""
    import hashlib

    from tillganglighet.networks.cache import cached_array, network_fingerprint
    from tillganglighet.routing._kernel import k_nearest_groups

    seeds = np.flatnonzero(f_ok)
    h = hashlib.sha256()
    for a in (f.node[seeds], f.access_s[seeds], seeds):
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    key = {
        "kind": "k_nearest_points_all_nodes",
        "network": network_fingerprint(network),
        "trip": trip,
        "k": int(k),
        "points": h.hexdigest(),
    }

    ran = []

    def compute() -> np.ndarray:
        ran.append(1)
        ((_, lab, net),) = k_nearest_groups(
            graph.indptr, graph.indices, graph.data,
            [(f.node[seeds], f.access_s[seeds], seeds, np.arange(network.n_nodes))], k,
        )  # fmt: skip
        return np.hstack([lab.astype(np.float64), net])  # labels are exact in float64

    arr = cached_array(key, compute)
    return arr[:, :k].astype(np.int64), arr[:, k:], len(ran)


def _run_groups(graph: Any, groups: list, k: int, n_jobs: int | None) -> list:
    """The group searches, on up to ``n_jobs`` threads (the kernel releases the GIL)."""
    from tillganglighet.routing._kernel import _threads, k_nearest_groups

    jobs = _threads(n_jobs, len(groups))
    if jobs <= 1:
        return k_nearest_groups(graph.indptr, graph.indices, graph.data, groups, k)
    from concurrent.futures import ThreadPoolExecutor

    # Round-robin over the groups, largest first, so the threads get similar work.
    order = sorted(range(len(groups)), key=lambda i: -len(groups[i][3]))
    chunks = [order[c::jobs] for c in range(jobs)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        parts = list(
            pool.map(
                lambda c: k_nearest_groups(
                    graph.indptr, graph.indices, graph.data, [groups[i] for i in c], k
                ),
                chunks,
            )
        )
    found: list = [None] * len(groups)
    for c, part in zip(chunks, parts, strict=True):
        for i, res in zip(c, part, strict=True):
            found[i] = res
    return found


def _same_node_pairs(q_node: np.ndarray, f_node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (query, point) index pairs on the same node (node >= 0)."""
    order = np.argsort(f_node, kind="stable")
    sorted_nodes = f_node[order]
    lo = np.searchsorted(sorted_nodes, q_node, side="left")
    hi = np.searchsorted(sorted_nodes, q_node, side="right")
    rows = np.flatnonzero((hi > lo) & (q_node >= 0))
    if rows.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    counts = hi[rows] - lo[rows]
    i = np.repeat(rows, counts)
    starts = np.repeat(lo[rows] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return i.astype(np.int64), order[starts + np.arange(counts.sum())].astype(np.int64)


def _top_k(
    n_q: int, k: int, row: np.ndarray, col: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row the ``k`` smallest (time, column) of the candidates, one per column."""
    time = np.full((n_q, k), np.inf)
    index = np.full((n_q, k), -1, dtype=np.int64)
    ok = np.isfinite(t)
    row, col, t = row[ok].astype(np.int64), col[ok].astype(np.int64), t[ok]
    if row.size == 0:
        return time, index
    # one candidate per (row, column): the least time
    o = np.lexsort((t, col, row))
    row, col, t = row[o], col[o], t[o]
    first = np.ones(row.size, dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    row, col, t = row[first], col[first], t[first]
    # rank by (time, column) within each row
    o = np.lexsort((col, t, row))
    row, col, t = row[o], col[o], t[o]
    start = np.searchsorted(row, row, side="left")
    rank = np.arange(row.size) - start
    sel = rank < k
    time[row[sel], rank[sel]] = t[sel]
    index[row[sel], rank[sel]] = col[sel]
    return time, index


def nearest_in_own_group(
    network: Network,
    q: Ends,
    f: Ends,
    q_group: Any,
    f_group: Any,
    nearest: KNearestPoints,
    *,
    trip: Trip = "q_to_f",
    n_jobs: int | None = 1,
) -> KNearestPoints:
    """Nearest point of each query's own group, reusing the overall nearest points.

    Where one of the query's overall nearest points (``nearest``, e.g. ``k = 2``)
    belongs to its group, the first such one is the answer (every point of the group
    not listed is at least as far, in (time, index) order). The other queries are
    answered by :func:`nearest_points` restricted to groups, one search per group
    (only for those queries), on ``n_jobs`` threads. ``inf`` / ``-1`` where the group
    has no reachable point.
    """
    qg, fg = np.asarray(q_group), np.asarray(f_group)
    idx = nearest.index
    listed = idx >= 0
    in_group = listed & (fg[np.maximum(idx, 0)] == qg[:, None])
    has = in_group.any(axis=1)
    first = np.argmax(in_group, axis=1)
    r = np.arange(len(q))
    time = np.where(has, nearest.time_s[r, first], np.inf)
    index = np.where(has, idx[r, first], -1)
    # Not settled by the list: some point was listed and the list is full (a shorter
    # list means no further point is reachable at all).
    need = np.flatnonzero(~has & listed[:, -1])
    searches = 0
    if need.size:
        sub = Ends(q.node[need], q.access_s[need], q.x_m[need], q.y_m[need], q.s_per_m[need])
        res = nearest_points(
            network, sub, f, k=1, trip=trip, q_group=qg[need], f_group=fg, n_jobs=n_jobs
        )
        time[need], index[need] = res.time_s[:, 0], res.index[:, 0]
        searches = res.searches
    return KNearestPoints(time[:, None], index[:, None], searches)
