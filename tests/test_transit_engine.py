"""Arrive-by engine against hand-worked cases and a brute-force time-expanded graph."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from transit_feeds import X0, Y0, FeedSpec
from transit_reference import Reference, Walk, conns_from_arrays, conns_from_trips

from tillganglighet import transit
from tillganglighet.transit import WalkParams

DATE = dt.date(2026, 3, 10)  # a Tuesday
H = 3600


def xy(*pts: tuple[float, float]) -> np.ndarray:
    return np.array([[X0 + x, Y0 + y] for x, y in pts], dtype=float)


def run(spec: FeedSpec, tmp_path, origins, points, times, *, walk=None, date=DATE, **kw):
    feed = transit.read_gtfs(spec.write(tmp_path / "feed"))
    sd = transit.service_day(feed, date, **kw)
    res_p = transit.arrive_by(sd, origins, points, times, walk=walk)
    res_s = transit.arrive_by(sd, origins, points, times, walk=walk, method="scan")
    np.testing.assert_array_equal(res_p.travel_s, res_s.travel_s)
    return sd, res_p


def stop_xy(sd) -> np.ndarray:
    return np.column_stack([sd.stop_x, sd.stop_y])


def reference(spec_trips, sd, walk=None, transfers=()):
    """Reference built from the test's own trip list (stop ids -> feed indices)."""
    idx = {s: i for i, s in enumerate(sd.stop_id)}
    trips = [[(idx[s], a, d) for s, a, d in t] for t in spec_trips]
    tr = [(idx[a], idx[b], k, m) for a, b, k, m in transfers]
    return Reference(conns_from_trips(trips), stop_xy(sd), walk or Walk(), tr)


def line(x0: float, n: int, step: float, y: float = 0.0) -> list[tuple[float, float]]:
    return [(x0 + k * step, y) for k in range(n)]


def test_single_line_hand_worked(tmp_path):
    # stops 5 km apart; origin 260 m from A (walk ceil(260*1.3/1.3)=260 s), point at C
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 5000, 0)
    spec.stop("C", 10000, 0)
    spec.service("WD")
    for k, start in enumerate([8 * H, 8 * H + 1800, 9 * H]):
        spec.trip(
            f"t{k}",
            [
                ("A", start, start),
                ("B", start + 600, start + 660),
                ("C", start + 1200, start + 1200),
            ],
        )
    origins = xy((0, 260))
    points = xy((10000, 130))  # 130 m from C: 130 s egress
    times = [9 * H, 9 * H + 1800 - 1, 9 * H + 1800, 10 * H]
    _sd, res = run(spec, tmp_path, origins, points, times)
    # meeting 09:00: trip leaving A 08:30 arrives C 08:50 +130 s egress -> ok; leave 08:30-260 s
    assert res.travel_s[0, 0] == 9 * H - (8 * H + 1800 - 260)
    # 09:29:59: the 09:00 trip arrives 09:20 + 130 s = 09:22:10 -> depart 08:55:40
    assert res.travel_s[0, 1] == 9 * H + 1799 - (9 * H - 260)
    assert res.travel_s[0, 2] == 9 * H + 1800 - (9 * H - 260)
    assert res.travel_s[0, 3] == 10 * H - (9 * H - 260)
    # departures within 60 min: all three trips take 260+1200+130 s
    assert res.departures_per_day[0] == 3
    assert res.nearest_point[0] == 0


def test_meeting_point_reachable_only_on_foot(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 20000, 0)
    spec.service("WD")
    spec.trip("t", [("A", 8 * H, 8 * H), ("B", 8 * H + 900, 8 * H + 900)])
    origins = xy((30000, 0), (30000, 2000))
    points = xy((30000, 650))  # no stop within 2.5 km of the point
    _sd, res = run(spec, tmp_path, origins, points, [9 * H, 12 * H])
    assert res.travel_s[0, 0] == 650  # ceil(650 * 1.3 / 1.3)
    assert res.travel_s[1, 1] == 1350
    assert res.walk_s[0] == 650
    assert res.departures_per_day[0] == 0  # walking needs no departure
    assert np.all(res.point == 0)


def test_transfer_needs_change_time_and_honours_transfers_txt(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 8000, 0)
    spec.stop("B2", 8000, 3000)  # 3 km from B: no walking footpath
    spec.stop("C", 16000, 0)
    spec.stop("D", 8000, 12000)
    spec.service("WD")
    trips = {
        "ab": [("A", 8 * H, 8 * H), ("B", 8 * H + 600, 8 * H + 600)],
        # leaves B 30 s after arrival: too short for the 60 s change
        "bc_fast": [("B", 8 * H + 630, 8 * H + 630), ("C", 8 * H + 1230, 8 * H + 1230)],
        "bc_slow": [("B", 8 * H + 900, 8 * H + 900), ("C", 8 * H + 1500, 8 * H + 1500)],
        "b2d": [("B2", 8 * H + 1000, 8 * H + 1000), ("D", 8 * H + 1600, 8 * H + 1600)],
    }
    for tid, times in trips.items():
        spec.trip(tid, times)
    spec.transfers.append(("B", "B2", 2, 300))  # a 5-minute link B -> B2 (e.g. a tunnel)
    origins = xy((0, 100))
    points = xy((16000, 0), (8000, 12000))
    sd, res = run(spec, tmp_path, origins, points, [9 * H])
    # to C: bc_fast missed (change 60 s), bc_slow reached 08:25 -> leave 07:58:20
    # to D: ab then B->B2 (300 s) -> b2d at 08:16:40 arrives 08:26:40, also ok, either way
    assert res.travel_s[0, 0] == 9 * H - (8 * H - 100)
    ref = reference(trips.values(), sd, transfers=[("B", "B2", 2, 300)])
    np.testing.assert_array_equal(res.travel_s[:, 0], ref.arrive_by(origins, points, 9 * H))
    # only D reachable: needs the transfers.txt link
    _sd2, res2 = run(spec, tmp_path / "b", origins, points[1:], [8 * H + 1700])
    assert res2.travel_s[0, 0] == 8 * H + 1700 - (8 * H - 100)
    # same stop change time from transfers.txt (B->B 0 s) lets bc_fast be caught
    spec.transfers.append(("B", "B", 2, 0))
    _sd3, res3 = run(spec, tmp_path / "c", origins, points[:1], [8 * H + 1300])
    assert res3.travel_s[0, 0] == 8 * H + 1300 - (8 * H - 100)
    # type 3 forbids B -> B2: D is now out of reach by transit
    spec.transfers[:] = [("B", "B2", 3, None)]
    _sd4, res4 = run(spec, tmp_path / "d", origins, points[1:], [8 * H + 1700])
    assert res4.travel_s[0, 0] == res4.walk_s[0]


def test_footpath_chain_closure(tmp_path):
    # A -> B by transfers.txt (0 s, 4 km apart), B -> C walking 500 m: A -> C must work
    spec = FeedSpec()
    spec.stop("S", -6000, 0)
    spec.stop("A", 0, 0)
    spec.stop("B", 4000, 0)
    spec.stop("C", 4500, 0)
    spec.stop("D", 14500, 0)
    spec.service("WD")
    trips = {
        "sa": [("S", 8 * H, 8 * H), ("A", 8 * H + 600, 8 * H + 600)],
        "cd": [("C", 8 * H + 1300, 8 * H + 1300), ("D", 8 * H + 2000, 8 * H + 2000)],
        # B must be served on the day: footpaths join served stops only
        "bx": [("B", 5 * H, 5 * H), ("S", 5 * H + 600, 5 * H + 600)],
    }
    for tid, t in trips.items():
        spec.trip(tid, t)
    spec.transfers.append(("A", "B", 2, 0))
    origins = xy((-6000, 0))
    points = xy((14500, 0))
    sd, res = run(spec, tmp_path, origins, points, [9 * H])
    # 08:10 at A, +60 s change, +0 s A->B, +500 s walk B->C = 08:19:20 <= 08:21:40
    assert res.travel_s[0, 0] == H
    fp = transit.footpaths(sd, WalkParams())
    a, c = list(sd.stop_id).index("A"), list(sd.stop_id).index("C")
    into_c = fp.src[fp.indptr[c] : fp.indptr[c + 1]]
    assert a in into_c
    ref = reference(trips.values(), sd, transfers=[("A", "B", 2, 0)])
    np.testing.assert_array_equal(res.travel_s[:, 0], ref.arrive_by(origins, points, 9 * H))


def test_overnight_trip_of_previous_day(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 10000, 0)
    spec.service("MON", days="1000000")
    # runs Monday 23:40 -> 24:25 (Tuesday 00:25)
    spec.trip(
        "late",
        [("A", 23 * H + 2400, 23 * H + 2400), ("B", 24 * H + 1500, 24 * H + 1500)],
        service="MON",
    )
    spec.service("WD")
    spec.trip("day", [("A", 12 * H, 12 * H), ("B", 12 * H + 600, 12 * H + 600)])
    feed = transit.read_gtfs(spec.write(tmp_path / "f"))
    sd = transit.service_day(feed, DATE)  # Tuesday
    assert sorted(sd.dep_s.tolist()) == [-1200, 12 * H]
    res = transit.arrive_by(sd, xy((0, 0)), xy((10000, 0)), [1800])
    assert res.travel_s[0, 0] == 1800 + 1200
    monday = transit.service_day(feed, DATE - dt.timedelta(days=1))
    assert sorted(monday.dep_s.tolist()) == [12 * H, 23 * H + 2400]


def test_calendar_exceptions(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 10000, 0)
    spec.service("WD")
    spec.service("NEVER", days="0000000")
    spec.trip("fast", [("A", 8 * H + 1800, 8 * H + 1800), ("B", 8 * H + 2400, 8 * H + 2400)])
    spec.trip("slow", [("A", 8 * H, 8 * H), ("B", 8 * H + 600, 8 * H + 600)])
    spec.trip(
        "extra",
        [("A", 8 * H + 2700, 8 * H + 2700), ("B", 8 * H + 3000, 8 * H + 3000)],
        route="R2",
        service="NEVER",
    )
    spec.trips[0]["service"] = "CUT"
    spec.service("CUT")
    spec.calendar_dates.append(("CUT", "20260310", 2))  # fast removed on the date
    origins, points = xy((0, 0)), xy((10000, 0))
    _sd, res = run(spec, tmp_path, origins, points, [9 * H])
    assert res.travel_s[0, 0] == H  # slow one only
    spec.calendar_dates.append(("NEVER", "20260310", 1))  # extra added on the date
    _sd, res = run(spec, tmp_path / "b", origins, points, [9 * H])
    assert res.travel_s[0, 0] == 9 * H - (8 * H + 2700)
    other = transit.service_day(transit.read_gtfs(tmp_path / "b" / "feed"), "2026-03-11")
    assert sorted(other.dep_s.tolist()) == [8 * H, 8 * H + 1800]


def test_no_service_on_date_is_an_error(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 1000, 0)
    spec.service("WD", start="20260101", end="20260131")
    spec.trip("t", [("A", 8 * H, 8 * H), ("B", 8 * H + 60, 8 * H + 60)])
    feed = transit.read_gtfs(spec.write(tmp_path / "f"))
    with pytest.raises(transit.GTFSError, match=r"no service runs on 2026-03-10.*20260101"):
        transit.service_day(feed, DATE)


@pytest.mark.parametrize("exact", [0, 1])
def test_frequencies_expanded(tmp_path, exact):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 6000, 0)
    spec.stop("C", 12000, 0)
    spec.service("WD")
    # template times are relative: the trip takes 10 + 1 + 10 minutes
    spec.trip("f", [("A", 0, 0), ("B", 600, 660), ("C", 1260, 1260)])
    spec.frequencies.append(("f", 7 * H, 9 * H, 1200, exact))
    origins, points = xy((0, 0), (6000, 0)), xy((12000, 0))
    times = [8 * H, 8 * H + 700, 9 * H + 1000, 11 * H]
    sd, res = run(spec, tmp_path, origins, points, times)
    starts = list(range(7 * H, 9 * H, 1200))
    assert sd.n_trips == len(starts) == 6
    trips = [[("A", s, s), ("B", s + 600, s + 660), ("C", s + 1260, s + 1260)] for s in starts]
    ref = reference(trips, sd)
    for q, T in enumerate(times):
        np.testing.assert_array_equal(res.travel_s[:, q], ref.arrive_by(origins, points, T))
    np.testing.assert_array_equal(res.departures_per_day, ref.departures(origins, points, H))
    assert res.travel_s[0, 0] == 8 * H - (7 * H + 1200)  # 07:20 departure arrives 07:41


def test_pickup_and_drop_off_rules(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 5000, 0)
    spec.stop("C", 10000, 0)
    spec.service("WD")
    spec.trip(
        "t",
        [("A", 8 * H, 8 * H), ("B", 8 * H + 300, 8 * H + 300), ("C", 8 * H + 600, 8 * H + 600)],
        pickup={1: 1},
        dropoff={1: 1},
    )
    origins, points = xy((0, 0), (5000, 0)), xy((5000, 0), (10000, 0))
    _sd, res = run(spec, tmp_path, origins, points[:1], [9 * H])
    assert res.travel_s[0, 0] == res.walk_s[0]  # no alighting at B
    _sd, res = run(spec, tmp_path / "b", origins, points[1:], [9 * H])
    assert res.travel_s[0, 0] == 9 * H - 8 * H
    assert res.travel_s[1, 0] == res.walk_s[1]  # no boarding at B


def test_booked_services_option(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 10000, 0)
    spec.stop("R", 30000, 0)  # served by the booked line only
    spec.service("WD")
    spec.trip("bus", [("A", 7 * H, 7 * H), ("B", 7 * H + 600, 7 * H + 600)])
    spec.trip(
        "book",
        [("R", 8 * H, 8 * H), ("B", 8 * H + 1800, 8 * H + 1800)],
        route="BOOK",
        route_type=1501,
    )
    origins, points = xy((30000, 0)), xy((10000, 0))
    feed = transit.read_gtfs(spec.write(tmp_path / "f"))
    ex = transit.service_day(feed, DATE)
    inc = transit.service_day(feed, DATE, booked_services="include")
    assert ex.booked.trips == inc.booked.trips == 1
    assert ex.booked.stops == 1 and ex.booked.policy == "exclude"
    assert ex.n_connections == 1 and inc.n_connections == 2
    r_ex = transit.arrive_by(ex, origins, points, [9 * H])
    r_inc = transit.arrive_by(inc, origins, points, [9 * H])
    assert r_ex.travel_s[0, 0] == r_ex.walk_s[0] == 20000
    assert r_inc.travel_s[0, 0] == H
    with pytest.raises(ValueError, match="booked_services"):
        transit.service_day(feed, DATE, booked_services="maybe")


def test_rural_access_radius(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 20000, 0)
    spec.service("WD")
    spec.trip("t", [("A", 8 * H, 8 * H), ("B", 8 * H + 900, 8 * H + 900)])
    origins, points = xy((0, 1800), (0, 2800)), xy((20000, 0))
    _sd, res = run(spec, tmp_path, origins, points, [9 * H])
    assert res.travel_s[0, 0] == H + 1800  # 1.8 km walk to the only stop
    assert res.travel_s[1, 0] == res.walk_s[1]  # beyond 2.5 km: no stop
    _sd, res2 = run(
        spec, tmp_path / "b", origins, points, [9 * H], walk=WalkParams(rural_access_radius_m=1000)
    )
    assert res2.travel_s[0, 0] == res2.walk_s[0]


def random_spec(rng: np.random.Generator, n_stops: int = 14, n_lines: int = 5):
    spec = FeedSpec()
    pos = rng.uniform(0, 9000, size=(n_stops, 2))
    # a cluster so that footpaths matter
    pos[:4] = rng.uniform(0, 900, size=(4, 2)) + 4000
    for k, (x, y) in enumerate(pos):
        spec.stop(f"s{k}", float(x), float(y))
    spec.service("WD")
    trips = []
    flags = []
    for ln in range(n_lines):
        stops = rng.choice(n_stops, size=int(rng.integers(2, 6)), replace=False)
        first = int(rng.integers(6 * H, 8 * H))
        head = int(rng.integers(600, 2400))
        for k, start in enumerate(range(first, 12 * H, head)):
            t = start
            times = []
            for j, s in enumerate(stops):
                dwell = int(rng.integers(0, 90)) if j else 0
                times.append((f"s{s}", t, t + dwell))
                t += dwell + int(rng.integers(120, 900))
            pick = {j: 1 for j in range(len(stops)) if rng.random() < 0.1}
            drop = {j: 1 for j in range(len(stops)) if rng.random() < 0.1}
            spec.trip(f"l{ln}_{k}", times, route=f"L{ln}", pickup=pick, dropoff=drop)
            trips.append(times)
            flags.append((pick, drop))
    return spec, pos, trips, flags


@pytest.mark.parametrize("seed", range(6))
def test_random_feeds_match_brute_force(tmp_path, seed):
    rng = np.random.default_rng(seed)
    spec, pos, trips, flags = random_spec(rng)
    transfers = []
    if seed % 2:
        transfers = [
            ("s0", "s9", 2, int(rng.integers(0, 600))),
            ("s1", "s1", 2, 0),
            ("s2", "s3", 3, None),
        ]
        spec.transfers.extend(transfers)
    origins = np.column_stack([rng.uniform(0, 9000, 25), rng.uniform(0, 9000, 25)])
    origins[:5] = pos[:5] + rng.uniform(-300, 300, (5, 2))
    origins += [X0, Y0]
    points = pos[rng.choice(len(pos), 2, replace=False)] + [X0, Y0] + rng.uniform(-200, 200, (2, 2))
    times = np.arange(8 * H, 12 * H + 1, 1800)
    feed = transit.read_gtfs(spec.write(tmp_path / "feed"))
    sd = transit.service_day(feed, DATE)
    idx = {s: i for i, s in enumerate(sd.stop_id)}
    ref_trips = [[(idx[s], a, d) for s, a, d in t] for t in trips]
    tr = [(idx[a], idx[b], k, m) for a, b, k, m in transfers]
    ref = Reference(
        conns_from_trips(ref_trips, flags), np.column_stack([sd.stop_x, sd.stop_y]), Walk(), tr
    )
    res = transit.arrive_by(sd, origins, points, times)
    scan = transit.arrive_by(sd, origins, points, times, method="scan")
    for q, T in enumerate(times):
        expected = ref.arrive_by(origins, points, int(T))
        np.testing.assert_array_equal(res.travel_s[:, q], expected)
        np.testing.assert_array_equal(scan.travel_s[:, q], expected)
    np.testing.assert_array_equal(res.departures_per_day, ref.departures(origins, points, H))
    # the per-point matrix agrees with the all-points result (min over points)
    od = transit.od_matrix(sd, origins, points, times, horizon_s=None)
    np.testing.assert_allclose(od.seconds.min(axis=1), res.travel_s.astype(np.float32))
    for j in range(len(points)):
        exp = ref.arrive_by(origins, points[j : j + 1], int(times[1]))
        np.testing.assert_allclose(od.seconds[:, j, 1], exp.astype(np.float32))
    assert np.isfinite(res.travel_s).any() and (res.departures_per_day > 0).any()


def test_horizon_cuts_long_journeys(tmp_path):
    rng = np.random.default_rng(7)
    spec, pos, _trips, _flags = random_spec(rng)
    feed = transit.read_gtfs(spec.write(tmp_path / "feed"))
    sd = transit.service_day(feed, DATE)
    offset = np.array([X0, Y0])
    origins = np.column_stack([rng.uniform(0, 9000, 30), rng.uniform(0, 9000, 30)]) + offset
    points = pos[:1] + offset
    times = [10 * H, 11 * H]
    full = transit.arrive_by(sd, origins, points, times)
    for method in ("profile", "scan"):
        cut = transit.arrive_by(sd, origins, points, times, horizon_s=2700, method=method)
        expected = np.where(full.travel_s <= 2700, full.travel_s, np.inf)
        np.testing.assert_array_equal(cut.travel_s, expected)


def test_inputs_checked(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 5000, 0)
    spec.service("WD")
    spec.trip("t", [("A", 8 * H, 8 * H), ("B", 8 * H + 300, 8 * H + 300)])
    sd = transit.service_day(transit.read_gtfs(spec.write(tmp_path / "f")), DATE)
    wgs = gpd.GeoDataFrame(geometry=[Point(15, 59)], crs=4326)
    with pytest.raises(transit.engine.CRSError, match="EPSG:3006"):
        transit.arrive_by(sd, wgs, xy((0, 0)))
    ok = gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=3006)
    res = transit.arrive_by(
        sd, ok, gpd.GeoDataFrame(geometry=[Point(X0 + 5000, Y0)], crs=3006), [9 * H]
    )
    assert res.travel_s[0, 0] == H
    frame = res.to_frame()
    assert frame.loc[0, "median_min"] == 60.0
    with pytest.raises(transit.engine.InputValidationError, match="row 1"):
        transit.arrive_by(sd, np.array([[np.nan, 0.0]]), xy((0, 0)))
    assert len(transit.meeting_times()) == 25


def test_cross_check_sd_reference_helper(tmp_path):
    """conns_from_arrays mirrors the engine's own arrays (used on the real feed)."""
    rng = np.random.default_rng(3)
    spec, _pos, trips, _flags = random_spec(rng)
    sd = transit.service_day(transit.read_gtfs(spec.write(tmp_path / "f")), DATE)
    assert len(conns_from_arrays(sd)) == sum(len(t) - 1 for t in trips)


def test_od_matrix_cache_and_progress(tmp_path):
    rng = np.random.default_rng(9)
    spec, pos, _trips, _flags = random_spec(rng)
    sd = transit.service_day(transit.read_gtfs(spec.write(tmp_path / "f")), DATE)
    offset = np.array([X0, Y0])
    origins = rng.uniform(0, 9000, (15, 2)) + offset
    points = pos[:3] + offset
    times = [9 * H, 10 * H]
    calls: list[tuple[str, int, int]] = []
    first = transit.od_matrix(sd, origins, points[:2], times, progress=lambda *a: calls.append(a))
    assert calls[-1] == ("od_matrix", 4, 4)
    calls.clear()
    both = transit.od_matrix(sd, origins, points, times, progress=lambda *a: calls.append(a))
    # the first two columns came from the cache: only the new point's 2 scans ran
    assert [c for c in calls if c[1] < c[2]] == [("od_matrix", 4, 6), ("od_matrix", 5, 6)]
    np.testing.assert_array_equal(both.seconds[:, :2], first.seconds)
    fresh = transit.od_matrix(sd, origins, points, times, cache=False)
    np.testing.assert_array_equal(both.seconds, fresh.seconds)
    np.testing.assert_array_equal(
        both.score([0, 2]), np.median(np.minimum(fresh.seconds[:, 0], fresh.seconds[:, 2]), axis=1)
    )
