"""Walking legs: footpaths between stops, access (origin -> stops), egress (stops -> points).

Walking time is ``ceil(straight-line distance * detour / speed)`` whole seconds, with
coordinates in EPSG:3006 metres. Defaults (issue 10 of the project): 1.3 m/s, detour
factor 1.3, radius 1 km. Where an origin (or a meeting point) has no served stop within
the access radius, the rural radius (2.5 km by default) is searched instead: in sparse
rural Sweden the nearest bus stop is often 1-3 km away, and a customer does walk (or is
driven) there; without the fallback such origins would read as unreachable although a
bus runs. Walking the whole way is always a candidate (no distance cap by default).

Footpaths are walks between stops served on the day, within ``footpath_radius_m``.
The connection scan needs them *transitively closed* (one footpath must stand for any
chain of walks). With the straight-line model the radius graph is closed already: a
chain is never shorter than the direct walk (triangle inequality, and ``ceil`` is
subadditive), and its direct walk is within the radius whenever the chain's length is.
transfers.txt can break this (``min_transfer_time`` between far-apart stops, or shorter
than the walk); then the closure is recomputed by Dijkstra bounded by the longest
footpath, over the affected connected components only.

transfers.txt semantics used: ``transfer_type`` 2 between two different stops sets that
footpath's duration to ``min_transfer_time``; type 3 removes the footpath; a type 2 row
from a stop to itself sets the stop's minimum change time (replacing
:attr:`WalkParams.change_s`). Types 0, 1, 4 and 5 change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ..errors import InputValidationError

INF = 2**30


@dataclass(frozen=True)
class WalkParams:
    """Walking assumptions (metres, metres per second, seconds).

    Attributes
    ----------
    speed_m_s
        Walking speed, 1.3 m/s.
    detour
        Network distance over straight-line distance, 1.3.
    footpath_radius_m
        Longest stop-to-stop transfer walk (straight line), 1,000 m.
    access_radius_m
        Longest walk from an origin to a stop, and from a stop to a meeting point, 1,000 m.
    rural_access_radius_m
        Searched instead when no served stop lies within ``access_radius_m``: 2,500 m.
    change_s
        Minimum time between alighting and boarding another vehicle (or starting a
        footpath), 60 s, unless transfers.txt sets it for the stop.
    max_direct_walk_m
        Cap on walking the whole way (``None``: no cap).
    """

    speed_m_s: float = 1.3
    detour: float = 1.3
    footpath_radius_m: float = 1000.0
    access_radius_m: float = 1000.0
    rural_access_radius_m: float = 2500.0
    change_s: int = 60
    max_direct_walk_m: float | None = None

    def __post_init__(self) -> None:
        for name in ("speed_m_s", "detour"):
            if not getattr(self, name) > 0:
                raise InputValidationError(f"WalkParams.{name} must be positive")
        for name in ("footpath_radius_m", "access_radius_m", "rural_access_radius_m"):
            if not getattr(self, name) >= 0:
                raise InputValidationError(f"WalkParams.{name} must be >= 0")
        if self.change_s < 0:
            raise InputValidationError("WalkParams.change_s must be >= 0")

    def seconds(self, dist_m: np.ndarray | float) -> np.ndarray:
        """Walking time in whole seconds for straight-line metres.

        Rounded up, ignoring the last hundredth of a second (coordinates that went
        through WGS84 and back carry millimetre noise).
        """
        return np.ceil(
            np.asarray(dist_m, dtype=np.float64) * self.detour / self.speed_m_s - 1e-2
        ).astype(np.int64)


@dataclass(frozen=True)
class Footpaths:
    """Closed stop-to-stop walks as CSR over the *target* stop, plus change times.

    ``src[indptr[u]:indptr[u+1]]`` are the stops ``w`` with a footpath ``w -> u`` taking
    ``dur`` seconds (int32). ``change_s`` is the per-stop minimum change time.
    """

    indptr: np.ndarray
    src: np.ndarray
    dur: np.ndarray
    change_s: np.ndarray

    @property
    def n_edges(self) -> int:
        return len(self.src)

    def outgoing(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same footpaths as CSR over the *source* stop: ``(indptr, dst, dur)``."""
        cached = self.__dict__.get("_out")
        if cached is not None:
            return cached
        n = len(self.indptr) - 1
        dst = np.repeat(np.arange(n, dtype=np.int32), np.diff(self.indptr))
        order = np.lexsort((dst, self.src))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, self.src.astype(np.int64) + 1, 1)
        out = (np.cumsum(indptr), dst[order], self.dur[order])
        object.__setattr__(self, "_out", out)
        return out


def _xy_ok(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & np.isfinite(y)


def build_footpaths(
    stop_x: np.ndarray,
    stop_y: np.ndarray,
    served: np.ndarray,
    walk: WalkParams,
    tr_from: np.ndarray | None = None,
    tr_to: np.ndarray | None = None,
    tr_type: np.ndarray | None = None,
    tr_min_s: np.ndarray | None = None,
) -> Footpaths:
    """Footpaths between served stops with coordinates, closed under walking chains."""
    n = len(stop_x)
    change = np.full(n, walk.change_s, dtype=np.int32)
    ok = np.flatnonzero(_xy_ok(stop_x, stop_y) & served)
    pairs = np.zeros((0, 2), dtype=np.int64)
    if len(ok) > 1 and walk.footpath_radius_m > 0:
        tree = cKDTree(np.column_stack([stop_x[ok], stop_y[ok]]))
        p = tree.query_pairs(walk.footpath_radius_m, output_type="ndarray")
        pairs = ok[p]
    a = np.concatenate([pairs[:, 0], pairs[:, 1]])
    b = np.concatenate([pairs[:, 1], pairs[:, 0]])
    d = np.hypot(stop_x[a] - stop_x[b], stop_y[a] - stop_y[b])
    dur = walk.seconds(d)
    bound = int(walk.seconds(walk.footpath_radius_m)) if len(a) else 0
    modified = False
    forbid: set[tuple[int, int]] = set()
    if tr_from is not None and len(tr_from):
        assert tr_to is not None and tr_type is not None and tr_min_s is not None
        self_t = (tr_from == tr_to) & (tr_type == 2)
        change[tr_from[self_t]] = tr_min_s[self_t]
        t2 = (tr_from != tr_to) & (tr_type == 2) & served[tr_from] & served[tr_to]
        if t2.any():
            modified = True
            a = np.concatenate([a, tr_from[t2]])
            b = np.concatenate([b, tr_to[t2]])
            dur = np.concatenate([dur, tr_min_s[t2]])
            # a transfers.txt time replaces the computed walk for that pair
            key = a * n + b
            given = np.zeros(len(a), dtype=bool)
            given[-int(t2.sum()) :] = True
            order = np.lexsort((~given, key))
            key, a, b, dur = key[order], a[order], b[order], dur[order]
            first = np.concatenate([[True], key[1:] != key[:-1]])
            a, b, dur = a[first], b[first], dur[first]
            bound = max(bound, int(tr_min_s[t2].max()))
        t3 = (tr_from != tr_to) & (tr_type == 3)
        forbid = set(zip(tr_from[t3].tolist(), tr_to[t3].tolist(), strict=False))
    if modified and len(a):
        a, b, dur = _close(n, a, b, dur, bound)
    if forbid:
        keep = np.array(
            [(int(i), int(j)) not in forbid for i, j in zip(a, b, strict=False)], dtype=bool
        )
        a, b, dur = a[keep], b[keep], dur[keep]
    order = np.lexsort((a, b))
    a, b, dur = a[order], b[order], dur[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, b + 1, 1)
    indptr = np.cumsum(indptr)
    return Footpaths(
        indptr=indptr, src=a.astype(np.int32), dur=dur.astype(np.int32), change_s=change
    )


def _close(
    n: int, a: np.ndarray, b: np.ndarray, dur: np.ndarray, bound: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transitive closure of walks no longer than ``bound`` s (bounded Dijkstra)."""
    # scipy sums duplicate COO entries: keep the minimum per pair first
    key = a * n + b
    order = np.lexsort((dur, key))
    key, a, b, dur = key[order], a[order], b[order], dur[order]
    first = np.concatenate([[True], key[1:] != key[:-1]])
    a, b, dur = a[first], b[first], dur[first]
    nodes = np.unique(np.concatenate([a, b]))
    local = np.full(n, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    # zero durations would vanish from a sparse matrix: weight = dur * (m + 1) + 1, so
    # the hop count (< m + 1) never carries into the seconds recovered by floor division
    m = len(nodes)
    scale = m + 1
    w = dur.astype(np.float64) * scale + 1.0
    g = csr_matrix(coo_matrix((w, (local[a], local[b])), shape=(m, m)))
    _, comp = connected_components(g, directed=True, connection="weak")
    out_a, out_b, out_d = [], [], []
    for c in np.unique(comp):
        members = np.flatnonzero(comp == c)
        if len(members) < 2:
            continue
        sub = g[members][:, members]
        for lo in range(0, len(members), 512):
            idx = np.arange(lo, min(lo + 512, len(members)))
            dist = dijkstra(sub, directed=True, indices=idx, limit=bound * scale + scale - 0.5)
            i, j = np.nonzero(np.isfinite(dist) & (dist > 0))
            secs = np.floor(dist[i, j] / scale).astype(np.int64)
            out_a.append(nodes[members[idx[i]]])
            out_b.append(nodes[members[j]])
            out_d.append(secs)
    if not out_a:
        return a, b, dur
    return np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_d)


def access_csr(
    origins_xy: np.ndarray,
    stop_x: np.ndarray,
    stop_y: np.ndarray,
    served: np.ndarray,
    walk: WalkParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walks from each location to the served stops near it (rural fallback).

    Returns CSR ``(indptr, stop, dur_s)`` over the locations.
    """
    ok = np.flatnonzero(_xy_ok(stop_x, stop_y) & served)
    n = len(origins_xy)
    if not len(ok) or not n:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32)
    tree = cKDTree(np.column_stack([stop_x[ok], stop_y[ok]]))
    near = tree.query_ball_point(origins_xy, walk.access_radius_m)
    empty = [i for i, lst in enumerate(near) if not lst]
    if empty and walk.rural_access_radius_m > walk.access_radius_m:
        far = tree.query_ball_point(origins_xy[empty], walk.rural_access_radius_m)
        for i, lst in zip(empty, far, strict=False):
            near[i] = lst
    counts = np.array([len(lst) for lst in near], dtype=np.int64)
    flat = np.fromiter((j for lst in near for j in lst), dtype=np.int64, count=int(counts.sum()))
    owner = np.repeat(np.arange(n), counts)
    stops = ok[flat]
    d = np.hypot(origins_xy[owner, 0] - stop_x[stops], origins_xy[owner, 1] - stop_y[stops])
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return indptr, stops.astype(np.int32), walk.seconds(d).astype(np.int32)


def egress_per_stop(
    points_xy: np.ndarray,
    stop_x: np.ndarray,
    stop_y: np.ndarray,
    served: np.ndarray,
    walk: WalkParams,
    fp: Footpaths,
) -> tuple[np.ndarray, np.ndarray]:
    """Shortest walk from each stop to any point (direct, or one footpath then direct).

    Returns ``(dur_s, point)`` per stop; ``INF`` / -1 where no point is in reach.
    """
    n = len(stop_x)
    indptr, stop, dur = access_csr(points_xy, stop_x, stop_y, served, walk)
    best = np.full(n, INF, dtype=np.int64)
    best_pt = np.full(n, -1, dtype=np.int64)
    owner = np.repeat(np.arange(len(points_xy)), np.diff(indptr))
    order = np.lexsort((owner, dur))[::-1]  # so the smallest duration is written last
    best[stop[order]] = dur[order]
    best_pt[stop[order]] = owner[order]
    direct, direct_pt = best.copy(), best_pt.copy()
    # one footpath w -> u then the direct walk from u
    has = np.flatnonzero(direct < INF)
    for u in has:
        lo, hi = fp.indptr[u], fp.indptr[u + 1]
        if lo == hi:
            continue
        w = fp.src[lo:hi]
        t = fp.dur[lo:hi].astype(np.int64) + direct[u]
        better = t < best[w]
        best[w[better]] = t[better]
        best_pt[w[better]] = direct_pt[u]
    return best.astype(np.int32), best_pt.astype(np.int32)


def direct_walk(
    origins_xy: np.ndarray, points_xy: np.ndarray, walk: WalkParams
) -> tuple[np.ndarray, np.ndarray]:
    """Walking the whole way to the nearest point: ``(dur_s, point)``, INF/-1 when capped."""
    n = len(origins_xy)
    if not len(points_xy):
        return np.full(n, INF, np.int64), np.full(n, -1, np.int64)
    tree = cKDTree(points_xy)
    dist, idx = tree.query(origins_xy, k=1)
    dur = walk.seconds(dist)
    if walk.max_direct_walk_m is not None:
        far = dist > walk.max_direct_walk_m
        dur[far] = INF
        idx = np.where(far, -1, idx)
    return dur.astype(np.int64), idx.astype(np.int64)


def walk_seconds_matrix(
    origins_xy: np.ndarray, points_xy: np.ndarray, walk: WalkParams
) -> np.ndarray:
    """Walking-the-whole-way seconds, origins x points (int64; INF beyond the cap)."""
    d = np.hypot(
        origins_xy[:, None, 0] - points_xy[None, :, 0],
        origins_xy[:, None, 1] - points_xy[None, :, 1],
    )
    out = walk.seconds(d)
    if walk.max_direct_walk_m is not None:
        out[d > walk.max_direct_walk_m] = INF
    return out
