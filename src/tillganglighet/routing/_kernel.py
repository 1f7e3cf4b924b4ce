"""Compiled bounded single-source Dijkstra for many sources (numba; no I/O).

One search per source on a CSR graph, stopped at a travel-time bound. Unlike
:func:`scipy.sparse.csgraph.dijkstra`, a search costs only what it reaches: the work
arrays are allocated once per batch and only the touched entries are reset, so a
bounded search of a national graph that reaches 1 % of its nodes costs about 1 % of
a full search. Results are the reached nodes and their times (seconds), in the
order they were settled.

Equality with scipy: both compute, for every node within the bound, the fixed point
``dist[v] = min over in-edges (u, v) of dist[u] + w`` in float64 with the same
additions (from the source outwards), so the times are bit-for-bit the same; the
tests check this on random graphs.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

__all__ = ["bounded_searches", "k_nearest_groups", "k_nearest_labels"]


@njit(cache=True, nogil=True)
def _search_chunk(indptr, indices, weights, sources, limit):
    """Bounded searches from each source in turn; returns (counts, nodes, times).

    Binary heap with lazy deletion, written inline (no helper calls that pass arrays:
    numba reference-counts arrays on every call).
    """
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    touched = np.empty(max(n, 1), dtype=np.int32)
    hk = np.empty(1 << 12, dtype=np.float64)
    hv = np.empty(1 << 12, dtype=np.int32)
    out_n = np.empty(1 << 16, dtype=np.int32)
    out_t = np.empty(1 << 16, dtype=np.float64)
    total = 0
    counts = np.zeros(sources.size, dtype=np.int64)
    for si in range(sources.size):
        s = sources[si]
        n_touched = 1
        touched[0] = s
        dist[s] = 0.0
        hk[0] = 0.0
        hv[0] = s
        size = 1
        found = 0
        while size > 0:
            # pop the minimum
            d = hk[0]
            u = hv[0]
            size -= 1
            if size > 0:
                lk = hk[size]
                lv = hv[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    if c + 1 < size and hk[c + 1] < hk[c]:
                        c += 1
                    if hk[c] >= lk:
                        break
                    hk[i] = hk[c]
                    hv[i] = hv[c]
                    i = c
                hk[i] = lk
                hv[i] = lv
            if done[u] or d > dist[u]:
                continue
            done[u] = True
            if total == out_n.size:
                nn = np.empty(2 * out_n.size, dtype=np.int32)
                nt = np.empty(2 * out_t.size, dtype=np.float64)
                nn[:total] = out_n[:total]
                nt[:total] = out_t[:total]
                out_n = nn
                out_t = nt
            out_n[total] = u
            out_t[total] = d
            total += 1
            found += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + weights[e]
                if nd < dist[v] and nd <= limit:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    # push
                    if size == hk.size:
                        nk = np.empty(2 * hk.size, dtype=np.float64)
                        nv = np.empty(2 * hv.size, dtype=np.int32)
                        nk[:size] = hk[:size]
                        nv[:size] = hv[:size]
                        hk = nk
                        hv = nv
                    i = size
                    while i > 0:
                        parent = (i - 1) >> 1
                        if hk[parent] <= nd:
                            break
                        hk[i] = hk[parent]
                        hv[i] = hv[parent]
                        i = parent
                    hk[i] = nd
                    hv[i] = v
                    size += 1
        for i in range(n_touched):
            dist[touched[i]] = np.inf
            done[touched[i]] = False
        counts[si] = found
    return counts, out_n[:total].copy(), out_t[:total].copy()


def _threads(n_jobs: int | None, n_sources: int) -> int:
    if n_jobs is None or n_jobs < 0:
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # pragma: no cover - not on Linux
            cpus = os.cpu_count() or 1
    else:
        cpus = int(n_jobs)
    return max(1, min(cpus, n_sources))


def bounded_searches(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    sources: np.ndarray,
    limit_s: float,
    *,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Dijkstra per source, each stopped at ``limit_s`` seconds.

    Parameters
    ----------
    indptr, indices, weights
        The graph in CSR form (weights: seconds, finite, >= 0). Search along the
        stored direction (pass the reversed graph for times *to* the sources).
    sources
        Source node per search (int; repeated sources are searched again).
    limit_s
        Bound in seconds (``inf``: unbounded). Nodes whose time exceeds it are not
        reported; a time equal to it is.
    n_jobs
        Threads (the kernel releases the GIL); ``None`` or ``-1``: all available cores.

    Returns
    -------
    tuple of numpy.ndarray
        ``ptr`` (int64, ``len(sources) + 1``), ``nodes`` (int32) and ``time_s``
        (float64): search ``i`` reached ``nodes[ptr[i]:ptr[i + 1]]`` at
        ``time_s[ptr[i]:ptr[i + 1]]`` seconds, in settling order (ascending time).
    """
    src = np.ascontiguousarray(sources, dtype=np.int32)
    ip = np.ascontiguousarray(indptr, dtype=np.int64)
    ix = np.ascontiguousarray(indices, dtype=np.int32)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    limit = float(limit_s)
    if src.size == 0:
        return np.zeros(1, dtype=np.int64), np.empty(0, np.int32), np.empty(0, np.float64)
    jobs = _threads(n_jobs, src.size)
    if jobs == 1:
        parts = [_search_chunk(ip, ix, w, src, limit)]
        order = np.arange(src.size)
    else:
        # Interleaved chunks balance near and far sources; several per thread.
        n_chunks = min(src.size, 4 * jobs)
        chunks = [np.arange(c, src.size, n_chunks) for c in range(n_chunks)]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            parts = list(pool.map(lambda c: _search_chunk(ip, ix, w, src[c], limit), chunks))
        order = np.concatenate(chunks)
    counts = np.empty(src.size, dtype=np.int64)
    counts[order] = np.concatenate([p[0] for p in parts])
    ptr = np.zeros(src.size + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    nodes = np.empty(int(ptr[-1]), dtype=np.int32)
    times = np.empty(int(ptr[-1]), dtype=np.float64)
    k = 0
    for part in parts:
        c, pn, pt = part
        start_in_part = 0
        for cnt in c:
            i = order[k]
            nodes[ptr[i] : ptr[i + 1]] = pn[start_in_part : start_in_part + cnt]
            times[ptr[i] : ptr[i + 1]] = pt[start_in_part : start_in_part + cnt]
            start_in_part += cnt
            k += 1
    return ptr, nodes, times


@njit(cache=True, nogil=True)
def _k_nearest_groups(indptr, indices, weights, seed_node, seed_off, seed_ptr, k, limit,
                      tgt_node, tgt_ptr):  # fmt: skip
    """The ``k`` nearest distinct seeds at target nodes, one multi-source search per group.

    Group ``g`` is seeded with seeds ``seed_ptr[g]:seed_ptr[g + 1]`` (a seed's label is
    its index; ties go to the lower index) and answers the nodes
    ``tgt_node[tgt_ptr[g]:tgt_ptr[g + 1]]``; its search stops once every one of them
    has settled ``k`` seeds (or nothing is left to settle). The work arrays are
    allocated once and only the entries a search touched are reset, so a group that
    settles its targets nearby costs only what it visits.

    Per seed, ``net`` is the path's own float64 sum from the seed's node (0.0 there,
    edges added from the seed outwards, as a single-source search adds them) and the
    ranking key is ``net + offset``: a non-decreasing function of ``net``, so with ties
    broken by ``net`` each seed's labels are settled in exactly the order of a
    single-source Dijkstra from its node, and its ``net`` is that search's time. Heap
    entries are ordered by (key, seed, net); per node the ``k`` best distinct
    (key, seed) offers are kept, and an offer that does not enter them can never be
    among the node's ``k`` nearest (its ``k`` better seeds reach the node at most at
    their keys), so it is not pushed. Written inline, without helper calls that pass
    arrays (numba reference-counts arrays on every call).
    """
    n = indptr.size - 1
    key = np.full(n * k, np.inf)
    lab = np.full(n * k, -1, dtype=np.int32)
    net = np.full(n * k, np.inf)
    done = np.zeros(n * k, dtype=np.bool_)
    n_done = np.zeros(n, dtype=np.int32)
    is_tgt = np.zeros(n, dtype=np.bool_)
    touched = np.empty(max(n, 1), dtype=np.int32)
    n_t = tgt_node.size
    out_key = np.full((n_t, k), np.inf)
    out_lab = np.full((n_t, k), -1, dtype=np.int64)
    out_net = np.full((n_t, k), np.inf)
    hk = np.empty(1 << 12, dtype=np.float64)
    hl = np.empty(1 << 12, dtype=np.int32)
    hn = np.empty(1 << 12, dtype=np.int32)
    hd = np.empty(1 << 12, dtype=np.float64)
    for g in range(seed_ptr.size - 1):
        remaining = 0
        for t in range(tgt_ptr[g], tgt_ptr[g + 1]):
            if not is_tgt[tgt_node[t]]:
                is_tgt[tgt_node[t]] = True
                remaining += 1
        n_touched = 0
        size = 0
        # The offer block below appears twice, for the seeds and for each relaxed
        # edge (numba inlines nothing that passes arrays cheaply); keep them equal.
        for s_i in range(seed_ptr[g], seed_ptr[g + 1]):
            v = seed_node[s_i]
            nl = s_i
            nd = 0.0
            nk = seed_off[s_i]
            # ----- offer (nk, nl, nd) to v
            if not nk <= limit:
                continue
            vb = v * k
            pos = -1
            for i in range(k):
                if lab[vb + i] == nl:
                    pos = i
                    break
            if pos >= 0:
                if done[vb + pos] or not (
                    nk < key[vb + pos] or (nk == key[vb + pos] and nd < net[vb + pos])
                ):
                    continue
                key[vb + pos] = nk
                net[vb + pos] = nd
            else:
                last = vb + k - 1
                if done[last] or not (nk < key[last] or (nk == key[last] and nl < lab[last])):
                    continue
                if key[vb] == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                pos = k - 1
                key[last] = nk
                lab[last] = nl
                net[last] = nd
            while pos > 0:
                a = vb + pos
                b = a - 1
                if done[b] or not (key[a] < key[b] or (key[a] == key[b] and lab[a] < lab[b])):
                    break
                key[a], key[b] = key[b], key[a]
                lab[a], lab[b] = lab[b], lab[a]
                net[a], net[b] = net[b], net[a]
                pos -= 1
            if size == hk.size:
                hk2 = np.empty(2 * size, dtype=np.float64)
                hl2 = np.empty(2 * size, dtype=np.int32)
                hn2 = np.empty(2 * size, dtype=np.int32)
                hd2 = np.empty(2 * size, dtype=np.float64)
                hk2[:size] = hk[:size]
                hl2[:size] = hl[:size]
                hn2[:size] = hn[:size]
                hd2[:size] = hd[:size]
                hk, hl, hn, hd = hk2, hl2, hn2, hd2
            i = size
            while i > 0:
                p = (i - 1) >> 1
                if hk[p] < nk or (hk[p] == nk and (hl[p] < nl or (hl[p] == nl and hd[p] <= nd))):
                    break
                hk[i], hl[i], hn[i], hd[i] = hk[p], hl[p], hn[p], hd[p]
                i = p
            hk[i], hl[i], hn[i], hd[i] = nk, nl, v, nd
            size += 1
        while size > 0 and remaining > 0:
            # ----- pop the minimum (key, seed, net); settle it if still current
            ck, cl, u, cd = hk[0], hl[0], hn[0], hd[0]
            size -= 1
            if size > 0:
                lk, ll, ln, ld = hk[size], hl[size], hn[size], hd[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    c2 = c + 1
                    if c2 < size and (
                        hk[c2] < hk[c]
                        or (
                            hk[c2] == hk[c]
                            and (hl[c2] < hl[c] or (hl[c2] == hl[c] and hd[c2] < hd[c]))
                        )
                    ):
                        c = c2
                    if hk[c] > lk or (
                        hk[c] == lk and (hl[c] > ll or (hl[c] == ll and hd[c] >= ld))
                    ):
                        break
                    hk[i], hl[i], hn[i], hd[i] = hk[c], hl[c], hn[c], hd[c]
                    i = c
                hk[i], hl[i], hn[i], hd[i] = lk, ll, ln, ld
            ub = u * k
            pos = -1
            for i in range(k):
                if lab[ub + i] == cl:
                    pos = i
                    break
            if pos < 0 or done[ub + pos] or key[ub + pos] != ck or net[ub + pos] != cd:
                continue
            done[ub + pos] = True
            n_done[u] += 1
            if is_tgt[u] and n_done[u] == k:
                remaining -= 1
            co = seed_off[cl]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = cd + weights[e]
                nk = nd + co
                nl = cl
                # ----- offer (nk, nl, nd) to v
                if not nk <= limit:
                    continue
                vb = v * k
                pos = -1
                for i in range(k):
                    if lab[vb + i] == nl:
                        pos = i
                        break
                if pos >= 0:
                    if done[vb + pos] or not (
                        nk < key[vb + pos] or (nk == key[vb + pos] and nd < net[vb + pos])
                    ):
                        continue
                    key[vb + pos] = nk
                    net[vb + pos] = nd
                else:
                    last = vb + k - 1
                    if done[last] or not (nk < key[last] or (nk == key[last] and nl < lab[last])):
                        continue
                    if key[vb] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    pos = k - 1
                    key[last] = nk
                    lab[last] = nl
                    net[last] = nd
                while pos > 0:
                    a = vb + pos
                    b = a - 1
                    if done[b] or not (key[a] < key[b] or (key[a] == key[b] and lab[a] < lab[b])):
                        break
                    key[a], key[b] = key[b], key[a]
                    lab[a], lab[b] = lab[b], lab[a]
                    net[a], net[b] = net[b], net[a]
                    pos -= 1
                if size == hk.size:
                    hk2 = np.empty(2 * size, dtype=np.float64)
                    hl2 = np.empty(2 * size, dtype=np.int32)
                    hn2 = np.empty(2 * size, dtype=np.int32)
                    hd2 = np.empty(2 * size, dtype=np.float64)
                    hk2[:size] = hk[:size]
                    hl2[:size] = hl[:size]
                    hn2[:size] = hn[:size]
                    hd2[:size] = hd[:size]
                    hk, hl, hn, hd = hk2, hl2, hn2, hd2
                i = size
                while i > 0:
                    p = (i - 1) >> 1
                    if hk[p] < nk or (
                        hk[p] == nk and (hl[p] < nl or (hl[p] == nl and hd[p] <= nd))
                    ):
                        break
                    hk[i], hl[i], hn[i], hd[i] = hk[p], hl[p], hn[p], hd[p]
                    i = p
                hk[i], hl[i], hn[i], hd[i] = nk, nl, v, nd
                size += 1
        # answers at this group's targets: every settled slot of a target
        for t in range(tgt_ptr[g], tgt_ptr[g + 1]):
            vb = tgt_node[t] * k
            for i in range(k):
                if done[vb + i]:
                    out_key[t, i] = key[vb + i]
                    out_lab[t, i] = lab[vb + i]
                    out_net[t, i] = net[vb + i]
            is_tgt[tgt_node[t]] = False
        for j in range(n_touched):
            vb = touched[j] * k
            n_done[touched[j]] = 0
            for i in range(k):
                key[vb + i] = np.inf
                lab[vb + i] = -1
                net[vb + i] = np.inf
                done[vb + i] = False
    return out_key, out_lab, out_net


#: One group of a grouped k-nearest search: seed nodes, seed offsets (seconds), seed
#: labels, and the target nodes it must answer.
Group = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def k_nearest_groups(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    groups: list[Group],
    k: int,
    *,
    limit_s: float = np.inf,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The ``k`` nearest distinct labels at each group's targets (one search per group).

    Parameters
    ----------
    indptr, indices, weights
        Graph in CSR form (weights: seconds, >= 0); searched along the stored direction
        (pass the reversed graph for times *to* the seeds).
    groups
        Per group ``(seed_node, seed_offset_s, seed_label, targets)``: seeds (node,
        offset in seconds >= 0, label; the labels of a group are distinct) and the
        target nodes to answer. A group's search stops once all its targets have
        settled ``k`` labels.
    k
        Labels per target (>= 1).
    limit_s
        Offers whose key exceeds this (seconds) are dropped.

    Returns
    -------
    list of tuple of numpy.ndarray
        Per group ``(key, label, net)``, each ``(len(targets), k)``, ascending by
        (key, label): ``key`` = ``net + offset`` (float64 seconds), ``label`` (int64,
        ``-1`` where fewer labels are reachable) and ``net``, the path's own sum from
        its seed: bit-for-bit the time of a single-source search from the seed's node.
    """
    if not groups:
        return []
    parts = []
    for g_node, g_off, g_lab, g_tgt in groups:
        g_lab = np.asarray(g_lab, dtype=np.int64)
        order = np.argsort(g_lab, kind="stable")  # seed index order = label order
        if g_lab.size > 1 and (np.diff(g_lab[order]) == 0).any():
            raise ValueError("k_nearest_groups: the labels of a group must be distinct.")
        off = np.asarray(g_off, dtype=np.float64)[order]
        if (np.isnan(off) | (off < 0)).any():
            raise ValueError("k_nearest_groups: seed offsets must be >= 0.")
        parts.append((np.asarray(g_node)[order], off, g_lab[order], np.asarray(g_tgt)))
    cat = [np.concatenate([p[i] for p in parts]) for i in range(4)]
    seed_ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([p[0].size for p in parts], out=seed_ptr[1:])
    tgt_ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([p[3].size for p in parts], out=tgt_ptr[1:])
    key, seed, net = _k_nearest_groups(
        np.ascontiguousarray(indptr, dtype=np.int64),
        np.ascontiguousarray(indices, dtype=np.int32),
        np.ascontiguousarray(weights, dtype=np.float64),
        np.ascontiguousarray(cat[0], dtype=np.int32),
        np.ascontiguousarray(cat[1], dtype=np.float64),
        seed_ptr,
        int(k),
        float(limit_s),
        np.ascontiguousarray(cat[3], dtype=np.int32),
        tgt_ptr,
    )
    lab = np.where(seed >= 0, cat[2][np.maximum(seed, 0)], -1)
    return [
        (key[a:b], lab[a:b], net[a:b])
        for a, b in zip(tgt_ptr[:-1].tolist(), tgt_ptr[1:].tolist(), strict=True)
    ]


def k_nearest_labels(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    seed_node: np.ndarray,
    seed_offset_s: np.ndarray,
    seed_label: np.ndarray,
    k: int,
    *,
    limit_s: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` nearest distinct labels of every node by one multi-source search.

    As :func:`k_nearest_groups` with one group whose targets are all nodes.

    Returns
    -------
    tuple of numpy.ndarray
        ``key``, ``label`` and ``net``, each ``(n_nodes, k)``.
    """
    n = indptr.size - 1
    ((key, lab, net),) = k_nearest_groups(
        indptr, indices, weights,
        [(seed_node, seed_offset_s, seed_label, np.arange(n))], k, limit_s=limit_s,
    )  # fmt: skip
    return key, lab, net
