"""A real feed (Cairns, TransLink Queensland; tests/data/README_cairns_gtfs.md).

The service calendar is checked against gtfs-kit's own reading of the feed, and a sample
of arrive-by answers against the brute-force time-expanded graph.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from transit_reference import Reference, Walk, conns_from_arrays

from tillganglighet import transit
from tillganglighet.transit import WalkParams

CAIRNS = Path(__file__).parent / "data" / "cairns_gtfs.zip"
CRS = "EPSG:28355"  # GDA94 / MGA zone 55, metres (Cairns lies in zone 55)
H = 3600


@pytest.fixture(scope="module")
def feed() -> transit.Feed:
    return transit.read_gtfs(CAIRNS)


def test_feed_shape(feed):
    assert (feed.n_stops, feed.n_trips, feed.n_stop_times) == (416, 1339, 37790)
    assert int(feed.st_arr.max()) == 29 * H + 39 * 60  # trips run until 29:39:00
    assert feed.date_range() == (20140526, 20141228)
    assert not [i for i in feed.issues if i.severity == "error"]


@pytest.mark.parametrize("date", ["2014-06-10", "2014-06-09", "2014-06-14", "2014-06-15"])
def test_service_day_matches_gtfs_kit(feed, date):
    gk = pytest.importorskip("gtfs_kit")
    g = gk.read_feed(CAIRNS, dist_units="km")
    d = dt.date.fromisoformat(date)
    today = set(g.get_trips(d.strftime("%Y%m%d")).trip_id)
    yday = set(g.get_trips((d - dt.timedelta(days=1)).strftime("%Y%m%d")).trip_id)
    st = g.stop_times.sort_values(["trip_id", "stop_sequence"])
    st = st[st.trip_id.isin(today | yday)]
    # expected connections: consecutive stop pairs; yesterday's only when arriving >= 24:00
    secs = st.arrival_time.map(
        lambda s: (
            int(s[:-6]) * 3600 + int(s[-5:-3]) * 60 + int(s[-2:]) if isinstance(s, str) else np.nan
        )
    )
    # blank times lie between their neighbours: interpolate them for the >= 24 h test
    secs = secs.groupby(st.trip_id.to_numpy()).transform(lambda a: a.interpolate())
    grouped = {t: a.to_numpy() for t, a in secs.groupby(st.trip_id.to_numpy())}
    n_today = n_yday = 0
    for t, arrs in grouped.items():
        if t in today:
            n_today += len(arrs) - 1
        if t in yday:
            n_yday += int((arrs[1:] >= 24 * H).sum())
    sd = transit.service_day(feed, date, crs=CRS)
    assert sd.n_connections == n_today + n_yday
    assert int((sd.dep_s < 0).sum()) <= n_yday
    trip_ids = set(feed.trip_id[sd.instance_trip[np.unique(sd.trip)]])
    assert trip_ids == today | {t for t in yday if (grouped[t][1:] >= 24 * H).any()}


def test_arrive_by_sample_against_brute_force(feed):
    sd = transit.service_day(feed, "2014-06-10", crs=CRS)
    rng = np.random.default_rng(42)
    ok = np.flatnonzero(np.isfinite(sd.stop_x) & sd.served)
    # origins scattered around stops; three meeting points at stops of different lines
    base = ok[rng.choice(len(ok), 30, replace=False)]
    origins = np.column_stack([sd.stop_x[base], sd.stop_y[base]]) + rng.uniform(-600, 600, (30, 2))
    points = np.column_stack([sd.stop_x[ok[[5, 150, 300]]], sd.stop_y[ok[[5, 150, 300]]]])
    walk = WalkParams(access_radius_m=500, footpath_radius_m=300, rural_access_radius_m=1500)
    ref_walk = Walk(acc_radius=500, fp_radius=300, rural=1500)
    times = [1800, 9 * H, 12 * H + 15 * 60]  # 00:30 needs the previous day's late trips
    res = transit.arrive_by(sd, origins, points, times, walk=walk)
    ref = Reference(conns_from_arrays(sd), np.column_stack([sd.stop_x, sd.stop_y]), ref_walk)
    for q, T in enumerate(times):
        np.testing.assert_array_equal(res.travel_s[:, q], ref.arrive_by(origins, points, T))
    assert np.isfinite(res.travel_s).all()
    assert (res.travel_s < res.walk_s[:, None]).sum() > 30  # transit matters in the sample
    few = slice(0, 8)
    np.testing.assert_array_equal(
        res.departures_per_day[few], ref.departures(origins[few], points, H)
    )
    assert res.departures_per_day[few].sum() > 0
