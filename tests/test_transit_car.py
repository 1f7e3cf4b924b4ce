"""Park and ride: car legs to stops, checked against networkx on the same road graph."""

from __future__ import annotations

import datetime as dt
import math

import networkx as nx
import numpy as np
from transit_feeds import X0, Y0, FeedSpec
from transit_reference import Reference, Walk, conns_from_trips

from tillganglighet import Network, transit

DATE = dt.date(2026, 3, 10)
H = 3600


def grid_network(step: float = 1000.0, n: int = 13, kph: float = 50.0) -> Network:
    """A two-way square road grid over the test area (EPSG:3006), 50 km/h."""
    ix, iy = np.meshgrid(np.arange(n), np.arange(n))
    x = X0 - 1000 + ix.ravel() * step
    y = Y0 - 1000 + iy.ravel() * step
    u, v = [], []
    for i in range(n):
        for j in range(n):
            k = i * n + j
            if j + 1 < n:
                u += [k, k + 1]
                v += [k + 1, k]
            if i + 1 < n:
                u += [k, k + n]
                v += [k + n, k]
    length = np.full(len(u), step)
    return Network.from_edges(
        np.array(u),
        np.array(v),
        travel_time_s=length / (kph / 3.6),
        length_m=length,
        node_x=x,
        node_y=y,
        mode="car",
    )


def test_park_and_ride_reaches_a_distant_line(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 8000, 0)
    spec.stop("B", 11000, 0)
    spec.service("WD")
    spec.trip("t", [("A", 8 * H, 8 * H), ("B", 8 * H + 600, 8 * H + 600)])
    sd = transit.service_day(transit.read_gtfs(spec.write(tmp_path / "f")), DATE)
    net = grid_network()
    origins = np.array([[X0 - 1000.0, Y0 - 1000.0]])  # on a grid node, 9 km + 1 km from A
    points = np.array([[X0 + 11000.0, Y0]])
    walk_only = transit.arrive_by(sd, origins, points, [9 * H])
    legs = transit.car_access(sd, net, origins)
    drive = 10 * 1000 / (50 / 3.6)  # 10 grid edges
    assert legs.stop.tolist() == [list(sd.stop_id).index("A")]
    assert legs.dur_s[0] == math.ceil(drive + 300)
    pr = transit.arrive_by(sd, origins, points, [9 * H], access=legs)
    assert walk_only.travel_s[0, 0] == walk_only.walk_s[0]
    assert pr.travel_s[0, 0] == 9 * H - (8 * H - legs.dur_s[0])
    short = transit.car_access(sd, net, origins, max_drive_s=600)
    assert short.n_legs == 0


def test_park_and_ride_random_against_networkx(tmp_path):
    rng = np.random.default_rng(4)
    spec = FeedSpec()
    pos = rng.uniform(0, 10000, (10, 2))
    for k, (x, y) in enumerate(pos):
        spec.stop(f"s{k}", float(x), float(y))
    spec.service("WD")
    trips = []
    for ln in range(4):
        seq = rng.choice(10, 4, replace=False)
        for start in range(7 * H + int(rng.integers(0, 900)), 11 * H, 1500):
            t, times = start, []
            for s in seq:
                times.append((f"s{s}", t, t))
                t += int(rng.integers(200, 700))
            spec.trip(f"l{ln}_{start}", times, route=f"L{ln}")
            trips.append(times)
    sd = transit.service_day(transit.read_gtfs(spec.write(tmp_path / "f")), DATE)
    net = grid_network()
    offset = np.array([X0, Y0])
    origins = rng.uniform(0, 10000, (12, 2)) + offset
    points = pos[:2] + offset
    legs = transit.car_access(sd, net, origins, max_drive_s=900, park_s=120)
    # independent car legs: networkx Dijkstra, nearest node by brute force
    g = nx.DiGraph()
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    for a, b, w in zip(tails, net.indices, net.travel_time_s, strict=True):
        g.add_edge(int(a), int(b), w=float(w))
    nodes = np.column_stack([net.node_x, net.node_y])
    walk = Walk()
    idx = {s: i for i, s in enumerate(sd.stop_id)}
    boarding_stops = sorted({idx[t[k][0]] for t in trips for k in range(len(t) - 1)})
    extra = []
    for o in origins:
        d = np.hypot(*(nodes - o).T)
        on = int(np.argmin(d))
        snap = d[on] / (30 / 3.6)
        dist = nx.single_source_dijkstra_path_length(g, on, weight="w")
        legs_o = {}
        for s in boarding_stops:  # the default candidates: stops with a departure
            sxy = np.array([sd.stop_x[s], sd.stop_y[s]])
            ds = np.hypot(*(nodes - sxy).T)
            sn = int(np.argmin(ds))
            total = snap + dist[sn] + 120 + walk.secs(float(ds[sn]))
            if total <= 900:
                legs_o[s] = math.ceil(total - 1e-9)
        extra.append(legs_o)
    got = [
        dict(
            zip(
                legs.stop[legs.indptr[i] : legs.indptr[i + 1]].tolist(),
                legs.dur_s[legs.indptr[i] : legs.indptr[i + 1]].tolist(),
                strict=True,
            )
        )
        for i in range(len(origins))
    ]
    assert got == extra
    ref = Reference(
        conns_from_trips([[(idx[s], a, d) for s, a, d in t] for t in trips]),
        np.column_stack([sd.stop_x, sd.stop_y]),
        walk,
    )
    times = [9 * H, 10 * H, 11 * H]
    res = transit.arrive_by(sd, origins, points, times, access=legs)
    scan = transit.arrive_by(sd, origins, points, times, access=legs, method="scan")
    for q, T in enumerate(times):
        expected = ref.arrive_by(origins, points, T, extra=extra)
        np.testing.assert_array_equal(res.travel_s[:, q], expected)
        np.testing.assert_array_equal(scan.travel_s[:, q], expected)
    plain = transit.arrive_by(sd, origins, points, times)
    assert (res.travel_s < plain.travel_s).any()  # the car legs matter somewhere
