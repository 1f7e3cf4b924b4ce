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
def scan_deadline(dep_stop, arr_stop, dep_s, arr_s, trip, flags, lo, hi,
                  fp_indptr, fp_src, fp_dur, change_s, egress_dur, egress_pt, deadline,
                  ready, ready_pt, boarded, trip_pt):  # pragma: no cover
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
def origins_from_ready(ready, ready_pt, acc_indptr, acc_stop, acc_dur, walk_dur, walk_pt,
                       deadline, out_s, out_pt):  # pragma: no cover
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
def _insert(s, d, a, p, head, e_dep, e_arr, e_pt, e_next, n_used):  # pragma: no cover
    """Insert (d, a, p) into stop s's Pareto list (sorted by departure, arrival rising).

    Returns the new number of used entries, or -1 when the pool is full.
    """
    cut = -1
    e = head[s]
    while e >= 0 and e_dep[e] < d:
        if e_arr[e] < a:
            cut = e
        e = e_next[e]
    if e >= 0 and e_arr[e] <= a:
        return n_used  # dominated: departs no earlier, arrives no later
    if e >= 0 and e_dep[e] == d:
        e = e_next[e]  # same departure, later arrival: replaced
    if n_used >= len(e_dep):
        return -1
    new = n_used
    e_dep[new] = d
    e_arr[new] = a
    e_pt[new] = p
    e_next[new] = e
    if cut < 0:
        head[s] = new
    else:
        e_next[cut] = new
    return n_used + 1


@nb.njit(cache=True, nogil=True)
def scan_profile(dep_stop, arr_stop, dep_s, arr_s, trip, flags, n_trips, fp_indptr, fp_src,
                 fp_dur, change_s, egress_dur, egress_pt, horizon, head, e_dep, e_arr, e_pt,
                 e_next):  # pragma: no cover
    """Backward profile scan over the whole day.

    Builds, per stop, the Pareto set of (latest time to be at the stop, earliest arrival
    at a meeting point) as linked lists in the entry pool. Journeys longer than
    ``horizon`` seconds (from the stop) are dropped. Returns the entries used, or -1 when
    the pool was too small (the caller retries with a larger one).
    """
    head[:] = -1
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
            k = head[v]
            while k >= 0 and e_dep[k] < q:
                k = e_next[k]
            if k >= 0 and e_arr[k] < tau:
                tau = e_arr[k]
                pt = e_pt[k]
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
            n_used = _insert(u, td, tau, pt, head, e_dep, e_arr, e_pt, e_next, n_used)
            if n_used < 0:
                return -1
            for k in range(fp_indptr[u], fp_indptr[u + 1]):
                d = td - fp_dur[k]
                if tau - d > horizon:
                    continue
                n_used = _insert(fp_src[k], d, tau, pt, head, e_dep, e_arr, e_pt, e_next,
                                 n_used)
                if n_used < 0:
                    return -1
    return n_used


@nb.njit(cache=True, nogil=True)
def origins_from_profile(head, e_dep, e_arr, e_pt, e_next, acc_indptr, acc_stop, acc_dur,
                         walk_dur, walk_pt, deadlines, threshold, out_s, out_pt,
                         out_departures):  # pragma: no cover
    """Per origin: travel time at each deadline, and departures within ``threshold``.

    Merges the profiles of the origin's access stops (shifted by the access walk) into
    the origin's Pareto profile, then reads the latest departure arriving by each
    deadline (travel = deadline - departure, or walking the whole way if shorter) and
    counts the distinct departure times whose journey takes at most ``threshold``.
    """
    n_dl = len(deadlines)
    for o in range(len(acc_indptr) - 1):
        total = 0
        for k in range(acc_indptr[o], acc_indptr[o + 1]):
            e = head[acc_stop[k]]
            while e >= 0:
                total += 1
                e = e_next[e]
        cd = np.empty(total, dtype=np.int64)
        ca = np.empty(total, dtype=np.int64)
        cp = np.empty(total, dtype=np.int32)
        j = 0
        for k in range(acc_indptr[o], acc_indptr[o + 1]):
            e = head[acc_stop[k]]
            while e >= 0:
                cd[j] = e_dep[e] - acc_dur[k]
                ca[j] = e_arr[e]
                cp[j] = e_pt[e]
                j += 1
                e = e_next[e]
        # Pareto filter: by departure descending (ties: arrival ascending)
        order = np.argsort(-cd * 4 * np.int64(INF) + ca) if total else np.empty(0, np.int64)
        pd = np.empty(total, dtype=np.int64)
        pa = np.empty(total, dtype=np.int64)
        pp = np.empty(total, dtype=np.int32)
        m = 0
        best_arr = np.int64(4) * INF
        for r in range(total):
            i = order[r]
            if ca[i] < best_arr and (m == 0 or cd[i] != pd[m - 1]):
                pd[m] = cd[i]
                pa[m] = ca[i]
                pp[m] = cp[i]
                best_arr = ca[i]
                m += 1
        cnt = 0
        for r in range(m):
            if pa[r] - pd[r] <= threshold:
                cnt += 1
        out_departures[o] = cnt
        # pd, pa descending; latest departure with arrival <= deadline = first such
        for q in range(n_dl):
            dl = deadlines[q]
            lo_, hi_ = 0, m
            while lo_ < hi_:
                mid = (lo_ + hi_) // 2
                if pa[mid] <= dl:
                    hi_ = mid
                else:
                    lo_ = mid + 1
            best = np.inf
            bp = -1
            if lo_ < m:
                best = float(dl - pd[lo_])
                bp = pp[lo_]
            if walk_dur[o] < INF and walk_dur[o] <= best:
                best = float(walk_dur[o])
                bp = walk_pt[o]
            out_s[o, q] = best
            out_pt[o, q] = bp
