"""Brute-force reference for the arrive-by engine: a time-expanded graph in networkx.

Written independently of the engine (only the journey model is shared, stated in
:mod:`tillganglighet.transit.kernel`): its own walking times, footpath closure (networkx
Dijkstra with a cut-off), access and egress, and graph searches.

Nodes: ("dep", c) and ("arr", c) per connection c, ("wait", s, j) per boarding event j at
stop s (sorted by time). Edges: ride dep->arr; stay seated arr->next dep of the trip;
wait chains at a stop; wait->dep to board (pickup allowed); alight (drop-off allowed) at
v at time ta: ready at ta + change(v), to the first wait node at v (or at a footpath
neighbour w, adding the walk) not earlier than that.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass
class Conn:
    trip: int
    seq: int
    u: int
    v: int
    dep: int
    arr: int
    board: bool
    alight: bool


def conns_from_trips(
    trips: list[list[tuple[int, int, int]]],
    flags: list[tuple[dict[int, int], dict[int, int]]] | None = None,
) -> list[Conn]:
    """Connections from trips given as lists of (stop, arr_s, dep_s)."""
    out = []
    for t, times in enumerate(trips):
        pick, drop = flags[t] if flags else ({}, {})
        for k in range(len(times) - 1):
            out.append(
                Conn(
                    t,
                    k,
                    times[k][0],
                    times[k + 1][0],
                    times[k][2],
                    times[k + 1][1],
                    pick.get(k, 0) != 1,
                    drop.get(k + 1, 0) != 1,
                )
            )
    return out


def conns_from_arrays(sd) -> list[Conn]:
    flags = sd.flags
    return [
        Conn(
            int(sd.trip[i]),
            i,
            int(sd.dep_stop[i]),
            int(sd.arr_stop[i]),
            int(sd.dep_s[i]),
            int(sd.arr_s[i]),
            bool(flags[i] & 1),
            bool(flags[i] & 2),
        )
        for i in range(len(sd.dep_s))
    ]


@dataclass
class Walk:
    speed: float = 1.3
    detour: float = 1.3
    fp_radius: float = 1000.0
    acc_radius: float = 1000.0
    rural: float = 2500.0
    change: int = 60

    def secs(self, d: float) -> int:
        return math.ceil(d * self.detour / self.speed - 1e-2)


class Reference:
    def __init__(
        self,
        conns: list[Conn],
        stop_xy: np.ndarray,
        walk: Walk,
        transfers: list[tuple[int, int, int, int]] = (),
    ) -> None:
        self.c = conns
        self.xy = stop_xy
        self.w = walk
        n = len(stop_xy)
        served = set()
        for c in conns:
            served.add(c.u)
            served.add(c.v)
        self.served = sorted(s for s in served if np.isfinite(stop_xy[s]).all())
        self.change = dict.fromkeys(range(n), walk.change)
        # footpaths: geometric, transfers.txt overrides, closure with cut-off, type 3 removed
        g = nx.DiGraph()
        for a in self.served:
            for b in self.served:
                if a != b:
                    d = float(np.hypot(*(stop_xy[a] - stop_xy[b])))
                    if d <= walk.fp_radius:
                        g.add_edge(a, b, w=walk.secs(d))
        bound = walk.secs(walk.fp_radius)
        forbid = set()
        extra = False
        for a, b, typ, m in transfers:
            if a == b and typ == 2:
                self.change[a] = m
            elif a != b and typ == 2 and a in served and b in served:
                g.add_edge(a, b, w=m)
                bound = max(bound, m)
                extra = True
            elif a != b and typ == 3:
                forbid.add((a, b))
        self.fp: dict[int, dict[int, int]] = {}
        for a in g.nodes:
            if extra:
                dist = nx.single_source_dijkstra_path_length(g, a, cutoff=bound, weight="w")
            else:
                dist = {b: g[a][b]["w"] for b in g[a]}
            self.fp[a] = {b: int(d) for b, d in dist.items() if b != a and (a, b) not in forbid}
        self._build()

    def _near(self, xy: np.ndarray) -> dict[int, int]:
        d = {s: float(np.hypot(*(self.xy[s] - xy))) for s in self.served}
        near = {s: x for s, x in d.items() if x <= self.w.acc_radius}
        if not near:
            near = {s: x for s, x in d.items() if x <= self.w.rural}
        return {s: self.w.secs(x) for s, x in near.items()}

    def egress(self, points: np.ndarray) -> dict[int, int]:
        direct: dict[int, int] = {}
        for p in points:
            for s, t in self._near(p).items():
                direct[s] = min(direct.get(s, 10**9), t)
        best = dict(direct)
        for a, nbrs in self.fp.items():
            for b, t in nbrs.items():
                if b in direct:
                    best[a] = min(best.get(a, 10**9), t + direct[b])
        return best

    def _build(self) -> None:
        g = nx.DiGraph()
        self.boards: dict[int, list[tuple[int, int]]] = {}
        for i, c in enumerate(self.c):
            g.add_edge(("dep", i), ("arr", i))
            if c.board:
                self.boards.setdefault(c.u, []).append((c.dep, i))
        by_trip: dict[int, list[int]] = {}
        for i, c in enumerate(self.c):
            by_trip.setdefault(c.trip, []).append(i)
        for ids in by_trip.values():
            ids.sort(key=lambda i: (self.c[i].dep, self.c[i].seq))
            for a, b in itertools.pairwise(ids):
                g.add_edge(("arr", a), ("dep", b))
        self.times: dict[int, list[int]] = {}
        for s, lst in self.boards.items():
            lst.sort()
            self.times[s] = [t for t, _ in lst]
            for j, (_, i) in enumerate(lst):
                g.add_edge(("wait", s, j), ("dep", i))
                if j + 1 < len(lst):
                    g.add_edge(("wait", s, j), ("wait", s, j + 1))
        for i, c in enumerate(self.c):
            if not c.alight:
                continue
            r = c.arr + self.change[c.v]
            for s, extra in [(c.v, 0), *self.fp.get(c.v, {}).items()]:
                j = self._first(s, r + extra)
                if j is not None:
                    g.add_edge(("arr", i), ("wait", s, j))
        self.g = g

    def _first(self, s: int, t: int) -> int | None:
        ts = self.times.get(s)
        if not ts:
            return None
        j = bisect.bisect_left(ts, t)
        return j if j < len(ts) else None

    def _options(
        self, o_xy: np.ndarray, extra: dict[int, int] | None = None
    ) -> list[tuple[int, int]]:
        """(stop, seconds) where the origin can be ready to board (walk, or extra legs)."""
        opts = []
        legs = dict(self._near(o_xy))
        for s, a in (extra or {}).items():
            legs[s] = min(legs.get(s, 10**9), a)
        for s, a in legs.items():
            opts.append((s, a))
            for w, t in self.fp.get(s, {}).items():
                opts.append((w, a + t))
        return opts

    def arrive_by(
        self,
        origins: np.ndarray,
        points: np.ndarray,
        deadline: int,
        extra: list[dict[int, int]] | None = None,
    ) -> np.ndarray:
        """Travel seconds (deadline - latest departure, or walking) per origin.

        ``extra``: per origin, more (stop -> seconds) access legs (park and ride).
        """
        eg = self.egress(points)
        g = self.g.copy()
        for i, c in enumerate(self.c):
            if c.alight and c.v in eg and c.arr + eg[c.v] <= deadline:
                g.add_edge(("arr", i), "SINK")
        anc = nx.ancestors(g, "SINK") if "SINK" in g else set()
        out = np.full(len(origins), np.inf)
        for o, oxy in enumerate(origins):
            best = -math.inf
            for s, a in self._options(oxy, extra[o] if extra else None):
                for j, t in enumerate(self.times.get(s, [])):
                    if ("wait", s, j) in anc:
                        best = max(best, t - a)
            walk = min(self.w.secs(float(np.hypot(*(p - oxy)))) for p in points)
            best = max(best, deadline - walk)
            out[o] = deadline - best
        return out

    def departures(self, origins: np.ndarray, points: np.ndarray, threshold: int) -> np.ndarray:
        """Distinct Pareto departure times whose transit journey takes <= threshold."""
        eg = self.egress(points)
        ea: dict[object, float] = {}
        for node in reversed(list(nx.topological_sort(self.g))):
            best = math.inf
            if node[0] == "arr":
                c = self.c[node[1]]
                if c.alight and c.v in eg:
                    best = c.arr + eg[c.v]
            for nxt in self.g.successors(node):
                best = min(best, ea[nxt])
            ea[node] = best
        out = np.zeros(len(origins), dtype=np.int64)
        for o, oxy in enumerate(origins):
            opts = self._options(oxy)
            cands = sorted({t - a for s, a in opts for t in self.times.get(s, [])}, reverse=True)
            best_arr = math.inf
            count = 0
            for d in cands:
                arr = math.inf
                for s, a in opts:
                    j = self._first(s, d + a)
                    if j is not None:
                        arr = min(arr, ea[("wait", s, j)])
                if arr < best_arr:
                    best_arr = arr
                    if arr - d <= threshold:
                        count += 1
            out[o] = count
        return out
