"""Door-to-door travel times between point sets, from bounded per-point searches (no I/O).

A trip from point ``a`` to point ``b`` (seconds) is

    (access(a) + network(node(a) -> node(b))) + access(b)

in that order of float64 additions, where ``access`` is the straight-line leg between
a point and its snapped node; two points on the same node travel the straight line
between them instead (never longer, by the triangle inequality).

The network part comes from :func:`~tillganglighet.routing.searches.point_searches`,
bounded at ``bound_s`` seconds: from the smaller side, exactly as
:func:`~tillganglighet.routing.od_matrix` chooses it, so every time within the bound
is bit-for-bit the same as an unbounded matrix. Entries beyond the bound are ``inf``.

Nearest points need exact times even beyond the bound (a municipality mean uses every
origin). :func:`nearest_exact` reads the nearest point off the bounded matrix where
that is provably the answer -- the best time found is *below* the least time any
entry beyond the bound can have -- and
complete the other rows exactly (:func:`_fallback`): no allowed point in the query's
weakly connected component means unreachable; a few rows are answered by searches
from the query, widened until the best point is provably the nearest; many rows by
one multi-source search (:func:`~tillganglighet.routing.nearest_facility`) per set of
allowed points. The point found is then searched again from the matrix's side,
bounded just above its time (:func:`_exact_times`), so its time is the same float64
sum an unbounded matrix holds. Only points whose times differ by ~1e-12 relative
could be ranked differently from the unbounded matrix. (The main job's nearest,
second-nearest and FA-nearest points need no matrix at all:
:mod:`tillganglighet.routing.nearest_points`.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tillganglighet.networks.graph import Network
from tillganglighet.routing._common import weak_labels
from tillganglighet.routing.nearest import nearest_facility
from tillganglighet.routing.searches import SearchCache, check_bound, point_searches

__all__ = [
    "Ends",
    "NearestPoints",
    "nearest_exact",
    "network_times",
    "travel_times",
]

#: Rows per block when reducing a dense matrix (bounds temporaries to ~block x points).
ROW_BLOCK = 8192

Trip = Literal["q_to_f", "f_to_q"]


@dataclass(frozen=True)
class Ends:
    """Points snapped to a network: one end of a set of trips.

    Attributes
    ----------
    node
        Snapped node per point (int64; ``-1`` = not snapped).
    access_s
        Access leg, seconds (``inf`` where not snapped).
    x_m, y_m
        Coordinates, EPSG:3006 metres.
    s_per_m
        Seconds per metre of the straight-line leg.
    """

    node: np.ndarray
    access_s: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    s_per_m: np.ndarray

    @classmethod
    def from_frame(cls, frame: Any) -> Ends:
        """From a frame with ``node``, ``access_time_s``, ``x_m``, ``y_m``, ``access_s_per_m``."""
        n = len(frame)
        return cls(
            node=frame["node"].to_numpy().astype(np.int64),
            access_s=frame["access_time_s"].to_numpy(dtype=np.float64),
            x_m=frame["x_m"].to_numpy(dtype=np.float64),
            y_m=frame["y_m"].to_numpy(dtype=np.float64),
            s_per_m=np.broadcast_to(frame["access_s_per_m"].to_numpy(dtype=np.float64), (n,)),
        )

    def __len__(self) -> int:
        return int(self.node.size)


def network_times(
    network: Network,
    from_nodes: Any,
    to_nodes: Any,
    *,
    bound_s: float = np.inf,
    cache: bool | SearchCache = False,
    n_jobs: int | None = None,
    dtype: type[np.floating[Any]] = np.float64,
) -> np.ndarray:
    """Network times (seconds) from each ``from`` node to each ``to`` node, bounded.

    Searches from the distinct ``to`` nodes on the reversed graph when there are
    fewer ``to`` than ``from`` entries, else from the distinct ``from`` nodes (the
    side :func:`~tillganglighet.routing.od_matrix` takes, hence the same float64
    times). ``-1`` entries give ``inf`` rows or columns. ``cache`` keeps bounded
    searches per point; unbounded ones never are (on a national network each would
    hold every node, about 24 MB): they go in dense blocks straight into the matrix.

    Returns
    -------
    numpy.ndarray
        ``(len(from_nodes), len(to_nodes))``; ``inf`` beyond ``bound_s`` or unreachable.
    """
    f = np.asarray(from_nodes, dtype=np.int64)
    t = np.asarray(to_nodes, dtype=np.int64)
    bound = check_bound(bound_s)
    if not np.isfinite(bound):
        # Unbounded: dense blocks straight into the matrix (scipy, the same searches
        # from the same side; worker processes when large), never every search's full
        # result at once, and not kept per point.
        from tillganglighet.routing.matrix import od_matrix

        out = od_matrix(network, f, t, n_jobs=n_jobs)
        return out if dtype == np.float64 else out.astype(dtype)
    reverse = t.size < f.size
    src, tgt = (t, f) if reverse else (f, t)
    ps = point_searches(
        network,
        src,
        bound_s=bound,
        direction="to" if reverse else "from",
        cache=cache,
        n_jobs=n_jobs,
    )
    block = ps.times_at(tgt, dtype=dtype, n_nodes=network.n_nodes)  # (len(tgt), n_sources)
    col = ps.column_of(src)
    if np.array_equal(col, np.arange(ps.n_sources)):
        out = block
    else:
        out = np.full((tgt.size, src.size), np.inf, dtype=dtype, order="F")
        ok = col >= 0
        out[:, ok] = block[:, col[ok]]
    return out if reverse else out.T


def travel_times(
    network: Network,
    a: Ends,
    b: Ends,
    *,
    bound_s: float = np.inf,
    cache: bool | SearchCache = False,
    n_jobs: int | None = None,
    dtype: type[np.floating[Any]] = np.float64,
) -> np.ndarray:
    """Door-to-door seconds from each point of ``a`` to each point of ``b``.

    ``(access(a) + network) + access(b)`` computed in place in float64 (the same
    additions as before, float addition being commutative), then ``dtype``; points
    on the same node travel the straight line at ``a``'s access speed. Network times
    beyond ``bound_s`` are ``inf``.
    """
    t = network_times(network, a.node, b.node, bound_s=bound_s, cache=cache, n_jobs=n_jobs)
    t += a.access_s[:, None]
    t += b.access_s[None, :]
    order = np.argsort(b.node, kind="stable")
    sorted_nodes = b.node[order]
    lo = np.searchsorted(sorted_nodes, a.node, side="left")
    hi = np.searchsorted(sorted_nodes, a.node, side="right")
    rows = np.flatnonzero((hi > lo) & (a.node >= 0))
    if rows.size:
        counts = hi[rows] - lo[rows]
        i = np.repeat(rows, counts)
        starts = np.repeat(lo[rows] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        j = order[starts + np.arange(counts.sum())]
        direct_s = np.hypot(a.x_m[i] - b.x_m[j], a.y_m[i] - b.y_m[j]) * a.s_per_m[i]
        t[i, j] = np.minimum(t[i, j], direct_s)
    return t if dtype == np.float64 else t.astype(dtype)


@dataclass(frozen=True)
class NearestPoints:
    """Nearest point per query, exact beyond the search bound.

    Attributes
    ----------
    time_s
        Seconds to the nearest allowed point (``inf`` if none is reachable).
    index
        Its column (``-1`` if none); ties go to the lowest index.
    fallback_rows
        Queries answered by a fallback multi-source search (nearest beyond the bound
        or unreachable).
    fallback_searches
        Number of multi-source searches run for them.
    """

    time_s: np.ndarray
    index: np.ndarray
    fallback_rows: int = 0
    fallback_searches: int = 0


def _lower_bound(q: Ends, f: Ends, bound_s: float, trip: Trip) -> np.ndarray:
    """Per query, the least time any entry beyond the bound can have (float64 seconds).

    Float addition is monotone, so ``network > bound`` implies
    ``(a + network) + b >= (a + bound) + b``, and each access leg is at least the
    smallest one on its side.
    """
    fa = f.access_s[np.isfinite(f.access_s)]
    f_min = float(fa.min()) if fa.size else np.inf
    with np.errstate(invalid="ignore"):
        if trip == "q_to_f":
            return (q.access_s + bound_s) + f_min
        return (f_min + bound_s) + q.access_s


def _row_min(t: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if allowed is not None:
        t = np.where(allowed, t, np.inf)
    if t.shape[1] == 0:
        return np.full(t.shape[0], np.inf), np.full(t.shape[0], -1, dtype=np.int64)
    idx = np.argmin(t, axis=1).astype(np.int64)
    return t[np.arange(t.shape[0]), idx].astype(np.float64), idx


#: Up to this many distinct query nodes, a fallback searches from each query itself
#: (bounded, widening 2x, 8x the bound, then unbounded); above it, one multi-source
#: search per set of allowed points.
FALLBACK_PER_QUERY_MAX = 32


def _fallback(
    network: Network,
    rows: np.ndarray,
    q: Ends,
    f: Ends,
    trip: Trip,
    allowed: Callable[[np.ndarray], np.ndarray] | None,
    *,
    bound_s: float,
    searched_from: Literal["q", "f"],
) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact nearest allowed point for ``rows``, whatever its distance.

    Points outside the query's weakly connected component cannot be reached (no
    search needed). Few queries: bounded searches from each query, widened until the
    best point found is provably the nearest. Many: one multi-source search per set
    of allowed points. Times are returned in the matrix's own sums
    (:func:`_exact_times`).
    """
    n_f = len(f)
    masks = np.ones((rows.size, n_f), dtype=bool) if allowed is None else allowed(rows).copy()
    comp = weak_labels(network)
    f_ok = (f.node >= 0) & np.isfinite(f.access_s)
    f_comp = np.where(f_ok, comp[np.maximum(f.node, 0)], -1)
    masks &= f_comp[None, :] == comp[q.node[rows]][:, None]
    time = np.full(rows.size, np.inf)
    index = np.full(rows.size, -1, dtype=np.int64)
    live = np.flatnonzero(masks.any(axis=1))
    if live.size == 0:
        return time, index, 0
    if np.unique(q.node[rows[live]]).size <= FALLBACK_PER_QUERY_MAX:
        t, i, searches = _fallback_per_query(network, rows[live], masks[live], q, f, trip, bound_s)
        time[live], index[live] = t, i
        if searched_from == "q":  # already the matrix's sums
            return time, index, searches
    else:
        # One multi-source search per set of allowed points, stopped as soon as every
        # query of that set has its answer (compiled k-label kernel, k = 1).
        from tillganglighet.routing._kernel import k_nearest_groups

        graph = (network.reversed() if trip == "q_to_f" else network).csr()
        uniq, inv = np.unique(masks[live], axis=0, return_inverse=True)
        inv = np.asarray(inv).ravel()
        groups = [(live[inv == g], mask) for g, mask in enumerate(uniq)]
        for sel, mask in groups:
            seeds = np.flatnonzero(mask & f_ok)
            qn = q.node[rows[sel]]
            if len(groups) == 1:
                # One set, nearest only: scipy's search is faster than the kernel's
                # when it has to cover most of the graph anyway.
                res = nearest_facility(
                    network, np.where(mask & f_ok, f.node, -1), facility_offset_s=np.where(
                        mask & f_ok, f.access_s, np.inf
                    ), direction="to" if trip == "q_to_f" else "from",
                )  # fmt: skip
                t = res.time_s[qn] + q.access_s[rows[sel]]
                time[sel] = t
                index[sel] = np.where(np.isfinite(t), res.facility[qn], -1)
                continue
            ((kq, lq, _),) = k_nearest_groups(
                graph.indptr, graph.indices, graph.data,
                [(f.node[seeds], f.access_s[seeds], seeds, qn)], 1,
            )  # fmt: skip
            t = kq[:, 0] + q.access_s[rows[sel]]
            time[sel] = t
            index[sel] = np.where(np.isfinite(t), lq[:, 0], -1)
        searches = len(groups)
    time = _exact_times(network, q, f, rows, index, time, trip, searched_from)
    return time, index, searches


def _fallback_per_query(
    network: Network,
    rows: np.ndarray,
    masks: np.ndarray,
    q: Ends,
    f: Ends,
    trip: Trip,
    bound_s: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Nearest allowed point by searches from each query, widened until provable."""
    direction: Literal["to", "from"] = "from" if trip == "q_to_f" else "to"
    time = np.full(rows.size, np.inf)
    index = np.full(rows.size, -1, dtype=np.int64)
    pending = np.arange(rows.size)
    limit = 2.0 * bound_s if np.isfinite(bound_s) else np.inf
    searches = 0
    while pending.size:
        qn = q.node[rows[pending]]
        ps = point_searches(network, qn, bound_s=limit, direction=direction)
        searches += ps.n_sources
        d = ps.times_at(f.node, n_nodes=network.n_nodes)  # (n_f, n_sources)
        col = ps.column_of(qn)
        aq = q.access_s[rows[pending]]
        dk = d[:, col].T  # (n_pending, n_f)
        if trip == "q_to_f":
            t = (aq[:, None] + dk) + f.access_s[None, :]
        else:
            t = (f.access_s[None, :] + dk) + aq[:, None]
        t = np.where(masks[pending], t, np.inf)
        j = np.argmin(t, axis=1)
        best = t[np.arange(pending.size), j]
        proof = _lower_bound(
            Ends(qn, aq, q.x_m[rows[pending]], q.y_m[rows[pending]], q.s_per_m[rows[pending]]),
            f,
            limit,
            trip,
        )
        done = (best < proof) | (not np.isfinite(limit))
        time[pending[done]] = best[done]
        index[pending[done]] = np.where(np.isfinite(best[done]), j[done], -1)
        pending = pending[~done]
        limit = limit * 4.0 if limit < 8.0 * bound_s else np.inf
    return time, index, searches


def _exact_times(
    network: Network,
    q: Ends,
    f: Ends,
    rows: np.ndarray,
    labels: np.ndarray,
    approx_s: np.ndarray,
    trip: Trip,
    searched_from: Literal["q", "f"],
) -> np.ndarray:
    """Door-to-door seconds for (query row, point label) pairs, in the matrix's own sums.

    The fallback search adds the point's access leg first; here each pair is searched
    again from the side the matrix was searched from (bounded just above the
    fallback's time), so the network time is the same float64 sum the matrix would
    have had and the total is formed in the matrix's order.
    """
    out = np.full(rows.size, np.inf)
    ok = (labels >= 0) & np.isfinite(approx_s)
    if not ok.any():
        return out
    qn = q.node[rows]
    fn = np.where(labels >= 0, f.node[np.maximum(labels, 0)], -1)
    with np.errstate(invalid="ignore"):
        net_approx = approx_s - q.access_s[rows] - f.access_s[np.maximum(labels, 0)]
    src, tgt = (fn, qn) if searched_from == "f" else (qn, fn)
    # Direction of the original searches: from f on the reversed graph when the trip
    # ends at f (q_to_f), and so on.
    to_src = (trip == "q_to_f") == (searched_from == "f")
    d = np.full(rows.size, np.inf)
    for s_node in np.unique(src[ok]):
        sel = np.flatnonzero(ok & (src == s_node))
        limit = float(np.max(net_approx[sel])) * (1 + 1e-9) + 1e-6
        ps = point_searches(
            network, [s_node], bound_s=max(limit, 1e-6), direction="to" if to_src else "from"
        )
        d[sel] = ps.times_at(tgt[sel], n_nodes=network.n_nodes)[:, 0]
    aq, af = q.access_s[rows], f.access_s[np.maximum(labels, 0)]
    if trip == "q_to_f":
        out[ok] = ((aq + d) + af)[ok]
    else:
        out[ok] = ((af + d) + aq)[ok]
    return out


def _better(t1: np.ndarray, i1: np.ndarray, t2: np.ndarray, i2: np.ndarray) -> np.ndarray:
    """True where (t2, i2) beats (t1, i1): smaller time, ties to the lower valid index."""
    tie = (t2 == t1) & (i2 >= 0) & ((i1 < 0) | (i2 < i1))
    return (t2 < t1) | tie


def nearest_exact(
    network: Network,
    times: np.ndarray,
    q: Ends,
    f: Ends,
    *,
    bound_s: float,
    trip: Trip = "q_to_f",
    allowed: Callable[[np.ndarray], np.ndarray] | None = None,
    searched_from: Literal["q", "f"] | None = None,
) -> NearestPoints:
    """Nearest allowed point per query from a bounded matrix, exact beyond the bound.

    Parameters
    ----------
    network
        The network the matrix was computed on.
    times
        ``(len(q), len(f))`` door-to-door seconds from :func:`travel_times` bounded at
        ``bound_s`` (``trip="q_to_f"``: query -> point, e.g. origin -> meeting point;
        ``"f_to_q"``: point -> query, e.g. staffed office -> visited office; pass the
        transposed matrix).
    q, f
        The query points (rows) and the points (columns).
    bound_s
        The bound the matrix was computed with (``inf``: no fallback is needed).
    allowed
        Optional ``allowed(rows) -> (len(rows), len(f))`` boolean mask: only these
        columns may be chosen (e.g. points in the origin's own FA-region).
    searched_from
        Side the matrix's searches started from (``"q"`` or ``"f"``); default the
        side :func:`network_times` takes (the one with fewer entries, ``f`` on a tie
        only when it has fewer). Fallback times are re-summed from that side.

    Returns
    -------
    NearestPoints
    """
    bound = check_bound(bound_s)
    n_q = times.shape[0]
    if searched_from is None:
        # network_times(from, to) searches from `to` when len(to) < len(from).
        n_from, n_to = (len(q), len(f)) if trip == "q_to_f" else (len(f), len(q))
        to_side_searched = n_to < n_from
        to_is_f = trip == "q_to_f"
        searched_from = "f" if to_side_searched == to_is_f else "q"
    lb = _lower_bound(q, f, bound, trip)
    best = np.full(n_q, np.inf)
    idx = np.full(n_q, -1, dtype=np.int64)
    for s in range(0, n_q, ROW_BLOCK):
        rows = np.arange(s, min(n_q, s + ROW_BLOCK))
        block = np.asarray(times[s : s + rows.size], dtype=np.float64)
        mask = None if allowed is None else allowed(rows)
        b, i = _row_min(block, mask)
        i[~np.isfinite(b)] = -1
        best[rows], idx[rows] = b, i
    searches = 0
    # Rows whose answer is not provably inside the bound (a snapped query only).
    need = np.flatnonzero(~(best < lb) & (q.node >= 0)) if np.isfinite(bound) else np.empty(0, int)
    if need.size:
        ft, fi, k = _fallback(
            network, need, q, f, trip, allowed, bound_s=bound, searched_from=searched_from
        )
        searches += k
        take = _better(best[need], idx[need], ft, fi)
        best[need[take]], idx[need[take]] = ft[take], fi[take]
    return NearestPoints(best, idx, int(need.size), searches)
