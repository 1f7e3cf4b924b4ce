"""Compiled (numba) backward Connection Scan kernels. No I/O; int32 seconds throughout.

Why the Connection Scan Algorithm (CSA) and not RAPTOR: the question is *arrive-by for
all origins at once*: seeded at every meeting point with its egress walk, one backward
pass over the connections (sorted by departure, read from the end) gives every stop's
latest departure; origins then read their access stops. CSA is one linear sweep over
contiguous arrays (cache-friendly, trivially compiled, no route/pattern building, no
rounds), and it is exact for the earliest-arrival / latest-departure criterion that the
guideline needs. RAPTOR's strengths (fewest transfers as a second criterion, range
queries per origin) are not needed here, and its per-round route scanning would need
route patterns built from the feed first. The *profile* variant of CSA (all departure
times at once, Dibbelt et al. 2018, "Connection Scan Algorithm", J. Exp. Algorithmics
23) gives the whole day's Pareto set of (departure, arrival) per stop in one sweep,
which answers all meeting times and the departures-per-day count together.

Journey model shared by both kernels (and by the brute-force reference in the tests):
boarding needs the pickup flag, alighting the drop-off flag; staying seated on a trip is
free; after alighting at ``v`` a passenger is ready at ``v`` after ``change_s[v]`` and
may board there or take one (closed) footpath and board at its end; from an alighting
stop a meeting point is reached by its egress walk (``egress_dur``). Origins reach their
access stops on foot and may likewise take one footpath before boarding.
"""

from __future__ import annotations

import numba as nb
import numpy as np

NEG = np.int32(-(2**30))
INF = np.int32(2**30)


@nb.njit(cache=True, nogil=True)
def read_connections(dep_stop, arr_stop, dep_s, arr_s, trip, flags):  # pragma: no cover
    """One plain read of the connection arrays (the speed baseline)."""
    acc = 0
    for i in range(len(dep_s)):
        acc += dep_stop[i] + arr_stop[i] + dep_s[i] + arr_s[i] + trip[i] + flags[i]
    return acc


@nb.njit(cache=True, nogil=True)
def scan_deadline(
    dep_stop,
    arr_stop,
    dep_s,
    arr_s,
    trip,
    flags,
    lo,
    hi,
    fp_indptr,
    fp_src,
    fp_dur,
    change_s,
    egress_dur,
    egress_pt,
    deadline,
    ready,
    ready_pt,
    boarded,
    trip_pt,
):  # pragma: no cover
    """Backward scan for one deadline over connections ``lo..hi-1`` (read from the end).

    Fills ``ready[s]``: the latest time one can be at stop ``s`` (not on board) and still
    reach a meeting point by ``deadline``; ``NEG`` when impossible. ``ready_pt`` names the
    point. Work arrays are reset here.
    """
    ready[:] = NEG
    ready_pt[:] = -1
    boarded[:] = False
    trip_pt[:] = -1
    for i in range(hi - 1, lo - 1, -1):
        ta = arr_s[i]
        if ta > deadline:
            continue
        tr = trip[i]
        pt = trip_pt[tr]
        if pt < 0 and (flags[i] & 2):
            v = arr_stop[i]
            e = egress_dur[v]
            if e < INF and ta + e <= deadline:
                pt = egress_pt[v]
            elif ready[v] != NEG and ta + change_s[v] <= ready[v]:
                pt = ready_pt[v]
        if pt < 0:
            continue
        trip_pt[tr] = pt
        if flags[i] & 1:
            u = dep_stop[i]
            if not boarded[u]:
                boarded[u] = True
                td = dep_s[i]
                if td > ready[u]:
                    ready[u] = td
                    ready_pt[u] = pt
                for k in range(fp_indptr[u], fp_indptr[u + 1]):
                    w = fp_src[k]
                    t = td - fp_dur[k]
                    if t > ready[w]:
                        ready[w] = t
                        ready_pt[w] = pt


@nb.njit(cache=True, nogil=True)
def origins_from_ready(
    ready, ready_pt, acc_indptr, acc_stop, acc_dur, walk_dur, walk_pt, deadline, out_s, out_pt
):  # pragma: no cover
    """Travel time (deadline minus latest departure) per origin; ``inf`` if none."""
    for o in range(len(acc_indptr) - 1):
        best = NEG
        bp = -1
        for k in range(acc_indptr[o], acc_indptr[o + 1]):
            s = acc_stop[k]
            if ready[s] != NEG:
                t = ready[s] - acc_dur[k]
                if t > best:
                    best = t
                    bp = ready_pt[s]
        if walk_dur[o] < INF:
            t = deadline - walk_dur[o]
            if t >= best:
                best = t
                bp = walk_pt[o]
        if best == NEG:
            out_s[o] = np.inf
            out_pt[o] = -1
        else:
            out_s[o] = deadline - best
            out_pt[o] = bp


@nb.njit(cache=True, nogil=True)
def profile_segments(dep_stop, flags, n_stops):  # pragma: no cover
    """Start of each stop's entry segment: one slot per boardable departure there."""
    start = np.zeros(n_stops + 1, dtype=np.int64)
    for i in range(len(dep_stop)):
        if flags[i] & 1:
            start[dep_stop[i] + 1] += 1
    for s in range(n_stops):
        start[s + 1] += start[s]
    return start


@nb.njit(cache=True, nogil=True, inline="always")
def _query(s, q, seg_start, seg_len, e_dep, e_arr, e_pt):  # pragma: no cover
    """Earliest arrival (and point) boarding at stop ``s`` no earlier than ``q``.

    Entries are sorted by departure, descending. The scan moves backwards in time, so
    the entries departing before ``q`` are the few inserted since the scan passed ``q``:
    a short sequential walk back from the end (one cache line, usually) replaces the
    binary search's random probes.
    """
    lo = seg_start[s]
    j = seg_len[s]
    steps = 0
    while j > 0 and e_dep[lo + j - 1] < q:
        j -= 1
        steps += 1
        if steps == 16:  # far back: binary search the rest
            a, b = lo, lo + j
            while a < b:
                mid = (a + b) >> 1
                if e_dep[mid] >= q:
                    a = mid + 1
                else:
                    b = mid
            j = a - lo
            break
    if j == 0:
        return INF, -1
    return e_arr[lo + j - 1], e_pt[lo + j - 1]


@nb.njit(cache=True, nogil=True)
def scan_profile(
    dep_stop,
    arr_stop,
    dep_s,
    arr_s,
    trip,
    flags,
    n_trips,
    out_indptr,
    out_dst,
    out_dur,
    change_s,
    egress_dur,
    egress_pt,
    horizon,
    seg_start,
    seg_len,
    e_dep,
    e_arr,
    e_pt,
):  # pragma: no cover
    """Backward profile scan over the whole day.

    Builds, per stop, the Pareto set of (boarding time, earliest arrival at a meeting
    point) in the stop's segment of the entry arrays, sorted by boarding time descending
    (and so arrival descending). Footpaths are taken at the arrival side (``out_*``: CSR
    of footpaths by their *source* stop), which keeps every segment sorted as it grows.
    Journeys longer than ``horizon`` seconds from the boarding are dropped. Returns the
    number of entries.
    """
    seg_len[:] = 0
    # earliest arrival of each stop's profile (its last entry): a compact array that
    # stays in cache, so that hopeless footpath targets are skipped without a lookup
    best_arr = np.full(len(seg_len), INF, dtype=np.int32)
    trip_ea = np.full(n_trips, INF, dtype=np.int32)
    trip_ept = np.full(n_trips, -1, dtype=np.int32)
    n_used = 0
    for i in range(len(dep_s) - 1, -1, -1):
        ta = arr_s[i]
        tr = trip[i]
        tau = trip_ea[tr]
        pt = trip_ept[tr]
        if flags[i] & 2:
            v = arr_stop[i]
            e = egress_dur[v]
            if e < INF and ta + e < tau:
                tau = ta + e
                pt = egress_pt[v]
            q = ta + change_s[v]
            if best_arr[v] < tau:
                r, rp = _query(v, q, seg_start, seg_len, e_dep, e_arr, e_pt)
                if r < tau:
                    tau = r
                    pt = rp
            for k in range(out_indptr[v], out_indptr[v + 1]):
                w = out_dst[k]
                if best_arr[w] >= tau:  # no entry of w arrives earlier: skip the search
                    continue
                r, rp = _query(w, q + out_dur[k], seg_start, seg_len, e_dep, e_arr, e_pt)
                if r < tau:
                    tau = r
                    pt = rp
        if tau >= INF:
            continue
        td = dep_s[i]
        if tau - td > horizon:
            continue
        if tau < trip_ea[tr]:
            trip_ea[tr] = tau
            trip_ept[tr] = pt
        if flags[i] & 1:
            u = dep_stop[i]
            n = seg_len[u]
            last = seg_start[u] + n - 1
            if n > 0 and e_arr[last] <= tau:
                continue  # a later boarding arrives no later
            best_arr[u] = tau
            if n > 0 and e_dep[last] == td:
                e_arr[last] = tau
                e_pt[last] = pt
                continue
            j = seg_start[u] + n
            e_dep[j] = td
            e_arr[j] = tau
            e_pt[j] = pt
            seg_len[u] = n + 1
            n_used += 1
    return n_used


@nb.njit(cache=True, nogil=True)
def origins_from_profile(
    seg_start,
    seg_len,
    e_dep,
    e_arr,
    e_pt,
    out_indptr,
    out_dst,
    out_dur,
    acc_indptr,
    acc_stop,
    acc_dur,
    walk_dur,
    walk_pt,
    deadlines,
    threshold,
    out_s,
    out_pt,
    out_departures,
):  # pragma: no cover
    """Per origin: travel time at each deadline, and departures within ``threshold``.

    The origin can board at its access stops and one footpath beyond them; each such
    stop counts once, with its shortest walk. Per deadline, the latest departure
    arriving by it is found per stop by binary search (profiles are sorted by arrival
    descending); travel = deadline - departure, or walking the whole way if shorter.
    Departures per day: the distinct departure times of the origin's Pareto profile
    whose journey takes at most ``threshold`` seconds. (A journey dominated by another
    is never shorter than it, so the Pareto set is taken among the short journeys only.)
    """
    n_stops = len(seg_len)
    n_dl = len(deadlines)
    big = np.int64(4) * INF
    walk_to = np.full(n_stops, INF, dtype=np.int64)
    touched = np.empty(n_stops, dtype=np.int64)
    for o in range(len(acc_indptr) - 1):
        n_t = 0
        for k in range(acc_indptr[o], acc_indptr[o + 1]):
            s = acc_stop[k]
            a0 = np.int64(acc_dur[k])
            if walk_to[s] == INF:
                touched[n_t] = s
                n_t += 1
            walk_to[s] = min(walk_to[s], a0)
            for f in range(out_indptr[s], out_indptr[s + 1]):
                w = out_dst[f]
                a1 = a0 + out_dur[f]
                if walk_to[w] == INF:
                    touched[n_t] = w
                    n_t += 1
                walk_to[w] = min(walk_to[w], a1)
        # deadlines
        for q in range(n_dl):
            dl = deadlines[q]
            best = -big
            bp = -1
            for t in range(n_t):
                s = touched[t]
                lo = seg_start[s]
                a, b = lo, lo + seg_len[s]
                while a < b:  # first entry arriving by the deadline
                    mid = (a + b) >> 1
                    if e_arr[mid] > dl:
                        a = mid + 1
                    else:
                        b = mid
                if a < lo + seg_len[s]:
                    d = e_dep[a] - walk_to[s]
                    if d > best:
                        best = d
                        bp = e_pt[a]
            res = np.inf if bp < 0 else float(dl - best)
            if walk_dur[o] < INF and walk_dur[o] <= res:
                res = float(walk_dur[o])
                bp = walk_pt[o]
            out_s[o, q] = res
            out_pt[o, q] = bp
        # departures per day within the threshold
        total = 0
        for t in range(n_t):
            s = touched[t]
            for e in range(seg_start[s], seg_start[s] + seg_len[s]):
                if e_arr[e] - (e_dep[e] - walk_to[s]) <= threshold:
                    total += 1
        cd = np.empty(total, dtype=np.int64)
        ca = np.empty(total, dtype=np.int64)
        j = 0
        for t in range(n_t):
            s = touched[t]
            for e in range(seg_start[s], seg_start[s] + seg_len[s]):
                d = e_dep[e] - walk_to[s]
                if e_arr[e] - d <= threshold:
                    cd[j] = d
                    ca[j] = e_arr[e]
                    j += 1
        order = np.argsort(-cd * big + ca)
        best_arr = big
        cnt = 0
        for r in range(total):
            i = order[r]
            if ca[i] < best_arr:
                best_arr = ca[i]
                cnt += 1
        out_departures[o] = cnt
        for t in range(n_t):
            walk_to[touched[t]] = INF
