"""Origins x candidates travel-time matrices (seconds) by batched Dijkstra (no I/O).

Searches run from the smaller side, in memory-bounded blocks, optionally in worker
processes. Unreachable is ``inf``.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from tillganglighet.errors import InputValidationError
from tillganglighet.networks.graph import Network
from tillganglighet.routing._common import DEFAULT_MEMORY_BUDGET, _as_nodes, _rows_per_block

__all__ = ["PARALLEL_MIN_WORK", "od_matrix"]


#: Below this much work (distinct searches x directed edges) :func:`od_matrix` runs
#: serially by default: starting worker processes would cost more than it saves.
PARALLEL_MIN_WORK = 200_000_000

_WORKER_GRAPH: sp.csr_matrix | None = None


def _worker_init(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n: int) -> None:
    global _WORKER_GRAPH
    _WORKER_GRAPH = sp.csr_matrix((data, indices, indptr), shape=(n, n), copy=False)


def _search_block(
    graph: sp.csr_matrix, sources: np.ndarray, targets: np.ndarray, limit: float
) -> np.ndarray:
    d = dijkstra(graph, directed=True, indices=sources, limit=limit)
    return np.atleast_2d(d)[:, targets]


def _worker_block(sources: np.ndarray, targets: np.ndarray, limit: float) -> np.ndarray:
    assert _WORKER_GRAPH is not None
    return _search_block(_WORKER_GRAPH, sources, targets, limit)


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _resolve_jobs(n_jobs: int | None, n_searches: int, n_edges: int) -> int:
    if n_jobs is None:
        if n_searches * max(n_edges, 1) < PARALLEL_MIN_WORK:
            return 1
        jobs = _available_cpus()
    elif isinstance(n_jobs, (int, np.integer)) and not isinstance(n_jobs, bool) and n_jobs != 0:
        jobs = _available_cpus() if n_jobs < 0 else int(n_jobs)
    else:
        raise InputValidationError(
            f"`n_jobs` must be None, a positive integer or -1 (all cores), got {n_jobs!r}."
        )
    return max(1, min(jobs, n_searches))


def od_matrix(
    network: Network,
    origin_nodes: Any,
    candidate_nodes: Any,
    *,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET,
    n_jobs: int | None = None,
    max_time_s: float | None = None,
) -> np.ndarray:
    """Travel-time matrix (seconds) from each origin to each candidate.

    Searches from the smaller side: from every distinct candidate on the reversed
    graph when there are fewer candidates than origins, else from every distinct
    origin on the forward graph. Searches run in blocks whose dense distance arrays
    fit in ``memory_budget_bytes`` (per worker process when run in parallel).

    Parameters
    ----------
    network
        The network.
    origin_nodes
        Node index per origin (``-1`` = not snapped: an all-``inf`` row).
    candidate_nodes
        Node index per candidate (``-1`` = an all-``inf`` column).
    memory_budget_bytes
        Approximate bound on the distance block size.
    n_jobs
        Worker processes for the searches. ``None`` (default): all available cores
        when the work (distinct searches x edges) is at least
        :data:`PARALLEL_MIN_WORK`, else serial in this process; ``1``: always serial;
        ``k > 1``: ``k`` processes; ``-1``: all available cores. The graph is handed
        to each worker once; results are identical to the serial path.
    max_time_s
        Optional cutoff in seconds: every search stops at this travel time, and
        times **above** it are reported as ``inf`` (times equal to it are kept).
        Faster when only short trips matter. ``None`` (default): no cutoff.

    Returns
    -------
    numpy.ndarray
        float64 array ``(n_origins, n_candidates)`` of seconds; ``inf`` where
        unreachable (or beyond ``max_time_s``).
    """
    orig = _as_nodes(network, origin_nodes, "origin_nodes")
    cand = _as_nodes(network, candidate_nodes, "candidate_nodes")
    if max_time_s is None:
        limit = np.inf
    else:
        limit = float(max_time_s)
        if not limit >= 0:
            raise InputValidationError(f"`max_time_s` must be >= 0 seconds, got {max_time_s!r}.")
    reverse = cand.size < orig.size
    src, tgt = (cand, orig) if reverse else (orig, cand)
    graph = (network.reversed() if reverse else network).csr()
    out = np.full((src.size, tgt.size), np.inf)
    src_ok = np.flatnonzero(src >= 0)
    tgt_ok = np.flatnonzero(tgt >= 0)
    if src_ok.size and tgt_ok.size:
        uniq, inv = np.unique(src[src_ok], return_inverse=True)
        block = np.full((uniq.size, tgt_ok.size), np.inf)
        tgt_nodes = tgt[tgt_ok]
        jobs = _resolve_jobs(n_jobs, uniq.size, network.n_edges)
        step = _rows_per_block(network.n_nodes, memory_budget_bytes // jobs)
        if jobs == 1:
            for start in range(0, uniq.size, step):
                block[start : start + step] = _search_block(
                    graph, uniq[start : start + step], tgt_nodes, limit
                )
        else:
            # Several small tasks per worker balance the load; one task is one
            # scipy call (which holds the GIL, hence processes, not threads).
            step = max(1, min(step, -(-uniq.size // (4 * jobs))))
            starts = range(0, uniq.size, step)
            with ProcessPoolExecutor(
                max_workers=jobs,
                initializer=_worker_init,
                initargs=(graph.data, graph.indices, graph.indptr, network.n_nodes),
            ) as pool:
                futures = [
                    pool.submit(_worker_block, uniq[s : s + step], tgt_nodes, limit) for s in starts
                ]
                for s, fut in zip(starts, futures, strict=True):
                    block[s : s + step] = fut.result()
        out[np.ix_(src_ok, tgt_ok)] = block[inv]
    return np.ascontiguousarray(out.T) if reverse else out
