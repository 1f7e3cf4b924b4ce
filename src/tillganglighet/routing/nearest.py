"""Shortest-path kernels on a :class:`~tillganglighet.networks.graph.Network` (no I/O).

All times are in seconds, all distances in metres, all coordinates in EPSG:3006.
Unreachable is ``inf`` (time) and ``-1`` (node / facility index); it is never 0 and
never dropped.

Direction: every "time to facility" here is measured **from the node to the
facility** (the trip a customer makes to a meeting point). It is computed with one
multi-source Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`) on the *reversed*
graph, seeded at all facilities at once.

Tie rule (deterministic): when several facilities are exactly equally near to a node
(equal float64 travel time along the shortest-path DAG), the one with the **lowest
facility index** (position in ``facility_nodes``) is reported. It is enforced by a
label-propagation pass over the tight edges after the search, so it does not depend
on the heap order inside scipy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from tillganglighet.errors import InputValidationError
from tillganglighet.networks.graph import Network
from tillganglighet.routing._common import (
    DEFAULT_MEMORY_BUDGET,
    _as_nodes,
    _as_offsets,
)

__all__ = [
    "KNearestResult",
    "NearestResult",
    "k_nearest_facilities",
    "nearest_facility",
    "nearest_facility_within_groups",
]

_NO_LABEL = np.iinfo(np.int64).max


@dataclass(frozen=True)
class NearestResult:
    """Per node: travel time (seconds) to the nearest facility and which one.

    Attributes
    ----------
    time_s
        float64 seconds from the node to its nearest facility (incl. the facility
        offset); ``inf`` where no facility is reachable.
    facility
        int64 index into ``facility_nodes`` of that facility; ``-1`` where unreachable.
    """

    time_s: np.ndarray
    facility: np.ndarray


@dataclass(frozen=True)
class KNearestResult:
    """Per node: the ``k`` nearest facilities, nearest first.

    Attributes
    ----------
    time_s
        ``(n_nodes, k)`` float64 seconds, ascending per row; ``inf`` where fewer than
        ``k`` facilities are reachable.
    facility
        ``(n_nodes, k)`` int64 facility indices; ``-1`` where ``time_s`` is ``inf``.
    """

    time_s: np.ndarray
    facility: np.ndarray


# ---------------------------------------------------------------------- kernels
def _seed_table(
    fac_nodes: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct facility node: its smallest offset and lowest facility index at it."""
    fi = np.flatnonzero((fac_nodes >= 0) & np.isfinite(offsets))
    nodes, offs = fac_nodes[fi], offsets[fi]
    order = np.lexsort((fi, offs, nodes))
    nodes, offs, fi = nodes[order], offs[order], fi[order]
    first = np.ones(len(nodes), dtype=bool)
    first[1:] = nodes[1:] != nodes[:-1]
    return nodes[first], offs[first], fi[first]


def _lower_labels(label: np.ndarray, heads: np.ndarray, vals: np.ndarray) -> None:
    """``label[heads] = min(label[heads], vals)`` with repeated heads (in place).

    Every value in ``vals`` must already be below the current label of its head.
    Repeated assignment (each round fixes at least one head) instead of the slow,
    unbuffered ``np.minimum.at``; duplicates are rare, so it ends in a round or two.
    """
    while heads.size:
        label[heads] = vals
        still = vals < label[heads]
        heads, vals = heads[still], vals[still]


def _propagate_min_label(
    graph: sp.csr_matrix, dist: np.ndarray, label: np.ndarray, tails: np.ndarray | None = None
) -> None:
    """Lower every label to the minimum over tight in-edges (in place, to a fixed point).

    An edge ``t -> h`` is tight when ``dist[t] + w == dist[h]`` (exactly, float64).
    ``label`` is already at its fixed point when no tight edge has
    ``label[t] < label[h]``; that is checked first with one vectorised pass over the
    edges (the usual case on real-valued weights: no exact ties between facilities),
    and only otherwise is the tight sub-graph built and the minimum propagated.
    """
    n = len(dist)
    indptr, heads, w = graph.indptr, graph.indices, graph.data
    if tails is None:
        tails = np.repeat(np.arange(n, dtype=heads.dtype), np.diff(indptr))
    # Fast path: only edges whose tail label is below the head label can change
    # anything (an unreached tail carries _NO_LABEL, never below).
    # Checked in slices of edges to keep the temporaries small.
    step = 1 << 20
    cand = np.concatenate(
        [
            np.flatnonzero(label[tails[s : s + step]] < label[heads[s : s + step]]) + s
            for s in range(0, len(heads), step)
        ]
        or [np.empty(0, dtype=np.int64)]
    )
    if cand.size == 0:
        return
    ct, ch = tails[cand], heads[cand]
    dt = dist[ct]
    tight = np.isfinite(dt) & (dt + w[cand] == dist[ch])
    if not tight.any():
        return
    ca, cb = ct[tight], ch[tight]
    del cand, ct, ch, dt, tight
    # Slow path: the tight sub-graph in CSR order, then a frontier propagation.
    dt = dist[tails]
    tight = np.isfinite(dt)
    tight &= dt + w == dist[heads]
    del dt
    ta, tb = tails[tight], heads[tight]
    del tight
    tptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ta, minlength=n), out=tptr[1:])
    while True:
        vals = label[ca]
        better = vals < label[cb]
        if not better.any():
            return
        cb, vals = cb[better], vals[better]
        _lower_labels(label, cb, vals)
        changed = np.unique(cb)
        starts, counts = tptr[changed], tptr[changed + 1] - tptr[changed]
        total = int(counts.sum())
        if total == 0:
            return
        offs = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        pos = offs + np.arange(total)
        ca, cb = ta[pos], tb[pos]


def _multi_source(
    graph: sp.csr_matrix,
    fac_nodes: np.ndarray,
    offsets: np.ndarray,
    tails: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One Dijkstra from all facilities on ``graph``; returns (time_s, facility index)."""
    n = graph.shape[0]
    seeds, seed_off, seed_fac = _seed_table(fac_nodes, offsets)
    if seeds.size == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    if not seed_off.any():
        # All offsets zero: scipy's multi-source mode reports the source reached.
        dist, pred, root = dijkstra(
            graph, directed=True, indices=seeds, min_only=True, return_predecessors=True
        )
        del pred
    else:
        # Virtual super-source S = n with an edge of weight `offset` to each seed.
        s = n
        indptr = np.concatenate([graph.indptr, [graph.indptr[-1] + seeds.size]])
        indices = np.concatenate([graph.indices, seeds.astype(graph.indices.dtype)])
        data = np.concatenate([graph.data, seed_off])
        aug = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
        dist, pred = dijkstra(aug, directed=True, indices=s, return_predecessors=True)
        dist, pred = dist[:n], pred[:n].astype(np.int64)
        ar = np.arange(n, dtype=np.int64)
        p = np.where((pred == s) | (pred < 0), ar, pred)
        while True:  # pointer jumping to the tree root (the seed the path starts at)
            q = p[p]
            if np.array_equal(q, p):
                break
            p = q
        root = np.where(np.isfinite(dist), p, -1)
    seed_label = np.full(n, _NO_LABEL, dtype=np.int64)
    seed_label[seeds] = seed_fac
    label = seed_label[np.maximum(root, 0)]  # unreached (root < 0) is reset next
    label[root < 0] = _NO_LABEL
    del root, seed_label
    tight_seed = seed_off == dist[seeds]
    label[seeds[tight_seed]] = np.minimum(label[seeds[tight_seed]], seed_fac[tight_seed])
    _propagate_min_label(graph, dist, label, tails)
    label[(label == _NO_LABEL) | ~np.isfinite(dist)] = -1
    return dist, label


def nearest_facility(
    network: Network,
    facility_nodes: Any,
    *,
    facility_offset_s: Any | None = None,
    direction: Literal["to", "from"] = "to",
) -> NearestResult:
    """Travel time (seconds) from every node to its nearest facility, in one search.

    Runs one multi-source Dijkstra on the reversed graph, seeded at all facilities
    (``direction="from"``: on the forward graph, giving the time from the nearest
    facility *to* every node, e.g. staff travel from the nearest staffed office).

    Parameters
    ----------
    network
        The network.
    facility_nodes
        Node index of each facility (e.g. ``snap_points(...).node``). Several
        facilities may share a node. Entries of ``-1`` (not snapped) never win.
    facility_offset_s
        Optional extra seconds per facility added at the facility end (e.g. the access
        leg from its node to the door). Must be >= 0; ``inf`` disables a facility.
    direction
        ``"to"`` (default): node -> facility; ``"from"``: facility -> node.

    Returns
    -------
    NearestResult
        ``time_s`` (float64 seconds, ``inf`` if unreachable) and ``facility`` (index
        into ``facility_nodes``, ``-1`` if unreachable). Ties go to the lowest index.
    """
    fac = _as_nodes(network, facility_nodes, "facility_nodes")
    offs = _as_offsets(facility_offset_s, fac.size)
    if direction not in ("to", "from"):
        raise InputValidationError(f"`direction` must be 'to' or 'from', got {direction!r}.")
    g = network.reversed() if direction == "to" else network
    dist, label = _multi_source(g.csr(), fac, offs, g.tails())
    return NearestResult(time_s=dist, facility=label)


def nearest_facility_within_groups(
    network: Network,
    facility_nodes: Any,
    facility_group: Any,
    node_group: Any,
    *,
    facility_offset_s: Any | None = None,
) -> NearestResult:
    """Nearest facility restricted to facilities of the node's own group.

    One multi-source search per group that has facilities (e.g. per FA-region). The
    path itself may leave the group's area; only the *destination* is restricted.

    Parameters
    ----------
    network
        The network.
    facility_nodes
        Node index per facility (``-1`` = not snapped, never chosen).
    facility_group
        Group label per facility (any hashable, comparable scalar type).
    node_group
        Group label per network node (same type as ``facility_group``).
    facility_offset_s
        Optional extra seconds per facility, as in :func:`nearest_facility`.

    Returns
    -------
    NearestResult
        Per node, time (seconds) and global facility index; ``inf`` / ``-1`` for nodes
        whose group has no reachable facility. Ties go to the lowest index.
    """
    fac = _as_nodes(network, facility_nodes, "facility_nodes")
    offs = _as_offsets(facility_offset_s, fac.size)
    fg = np.asarray(facility_group)
    ng = np.asarray(node_group)
    if fg.shape != fac.shape:
        raise InputValidationError(
            f"`facility_group` must have one label per facility ({fac.size}), got {fg.shape}."
        )
    if ng.shape != (network.n_nodes,):
        raise InputValidationError(
            f"`node_group` must have one label per node ({network.n_nodes}), got {ng.shape}."
        )
    rev = network.reversed()
    graph, tails = rev.csr(), rev.tails()
    time_s = np.full(network.n_nodes, np.inf)
    facility = np.full(network.n_nodes, -1, dtype=np.int64)
    for g in np.unique(fg):
        nodes_in_g = ng == g
        if not nodes_in_g.any():
            continue
        dist, label = _multi_source(graph, fac, np.where(fg == g, offs, np.inf), tails)
        time_s[nodes_in_g] = dist[nodes_in_g]
        facility[nodes_in_g] = label[nodes_in_g]
    return NearestResult(time_s=time_s, facility=facility)


def k_nearest_facilities(
    network: Network,
    facility_nodes: Any,
    k: int,
    *,
    facility_offset_s: Any | None = None,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET,
) -> KNearestResult:
    """The ``k`` nearest facilities of every node (time measured node -> facility).

    Runs **one** multi-source Dijkstra on the reversed graph that keeps ``k``
    distinct facility labels per node (a compiled kernel,
    :func:`tillganglighet.routing._kernel.k_nearest_labels`): about ``k`` times the
    work of :func:`nearest_facility`, whatever the number of facilities.

    Parameters
    ----------
    network
        The network.
    facility_nodes
        Node index per facility (``-1`` = not snapped, never listed).
    k
        Number of facilities per node (>= 1).
    facility_offset_s
        Optional extra seconds per facility, as in :func:`nearest_facility`.
    memory_budget_bytes
        Ignored (kept for compatibility).

    Returns
    -------
    KNearestResult
        ``(n_nodes, k)`` times (seconds, ascending) and facility indices; ties in time
        are ordered by facility index.
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise InputValidationError(f"`k` must be a positive integer, got {k!r}.")
    fac = _as_nodes(network, facility_nodes, "facility_nodes")
    offs = _as_offsets(facility_offset_s, fac.size)
    del memory_budget_bytes  # kept for compatibility: one search needs no blocks
    from tillganglighet.routing._kernel import k_nearest_labels

    graph = network.reversed().csr()
    ok = np.flatnonzero((fac >= 0) & np.isfinite(offs))
    times, facs, _ = k_nearest_labels(
        graph.indptr, graph.indices, graph.data, fac[ok], offs[ok], ok, int(k)
    )
    facs[~np.isfinite(times)] = -1
    return KNearestResult(time_s=times, facility=facs)
