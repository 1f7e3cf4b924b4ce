"""Public-transport matrices for scenarios: a hand-worked timetable and the arrive-by engine."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from transit_feeds import X0, Y0, FeedSpec

import tillganglighet as tg
from tillganglighet import transit
from tillganglighet.scenarios import files, model
from tillganglighet.scenarios.matrix import PTNetwork, build_matrices
from tillganglighet.scenarios.scoring import score_batch

DATE = dt.date(2026, 3, 10)  # a Tuesday
H = 3600


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    # The hand-worked line of the engine's tests: stops A, B, C 5 km apart; trips
    # leave A at 08:00, 08:30 and 09:00 and reach C 20 minutes later.
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
    folder = spec.write(tmp_path_factory.mktemp("gtfs") / "feed")
    times = [9 * H, 9 * H + 1800 - 1, 9 * H + 1800, 10 * H]
    pt = PTNetwork.from_gtfs(folder, DATE, meetings="09:00-10:00/30")
    pt = PTNetwork(pt.service_day, np.array(times, dtype=np.int32), pt.label_en, pt.label_sv)
    kommun = files.municipality_at(X0, Y0)
    assert kommun is not None
    fa = dict(zip(tg.municipalities()["kommun_kod"], tg.municipalities()["fa_kod"], strict=True))
    # One origin 260 m from A (260 s walk), added to the national origins.
    org = tg.origins()
    extra = gpd.GeoDataFrame(
        {
            "origin_id": ["test"],
            "name": ["Testby"],
            "kommun_kod": [kommun],
            "population": [1000],
            "is_largest": [False],
        },
        geometry=gpd.points_from_xy([X0], [Y0 + 260]),
        crs="EPSG:3006",
    )
    origins = pd.concat([org, extra], ignore_index=True)
    # Candidates: one 130 m from C (130 s egress), one at A.
    rows = pd.DataFrame(
        {
            "candidate_id": ["at-C", "at-A"],
            "name": ["Punkt C", "Punkt A"],
            "place": "",
            "kommun_kod": kommun,
            "fa_kod": fa[kommun],
            "default_kind": "cooperation_municipal",
            "origin": "test",
            "x_m": [X0 + 10000, X0],
            "y_m": [Y0 + 130, Y0],
            "source": "test",
        }
    )
    cands = model.Candidates(rows)
    mats = build_matrices(cands, network=pt, mode="pt", origins=origins, disk_cache=False)
    return pt, mats, origins, cands


def test_hand_worked_median(setup):
    _pt, mats, origins, _cands = setup
    row = len(origins) - 1
    # Arrive-by times to C at 09:00, 09:29:59, 09:30, 10:00 (engine test, hand-worked):
    # 2060, 2059, 2060, 3860 s; median of four = 2060 s.
    assert mats.problem.times_min[row, 0] == pytest.approx(2060 / 60)
    # The point at A: walk 260 s at every meeting time.
    assert mats.problem.times_min[row, 1] == pytest.approx(260 / 60)
    # Origins more than 6 km from every stop and point (beyond the 5 km walking cap and
    # the 1 km stop access) are unreachable: inf, never 0.
    x, y = origins.geometry.x.to_numpy() - X0, origins.geometry.y.to_numpy() - Y0
    near = np.zeros(len(origins), bool)
    for sx, sy in ((0, 0), (5000, 0), (10000, 0), (10000, 130)):
        near |= np.hypot(x - sx, y - sy) < 6000
    far = ~near
    assert far.sum() > 1000
    assert np.isinf(mats.problem.times_min[far]).all()
    assert mats.mode == "pt" and "GTFS" in mats.network_label


def test_matches_the_arrive_by_engine_for_one_point(setup):
    pt, mats, origins, _cands = setup
    one = origins.iloc[[-1]]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([X0 + 10000], [Y0 + 130]), crs="EPSG:3006")
    res = transit.arrive_by(
        pt.service_day,
        one,
        pts,
        pt.meeting_times_s,
        walk=transit.WalkParams(max_direct_walk_m=5000.0),
    )
    assert mats.problem.times_min[-1, 0] == pytest.approx(res.median_s[0] / 60)
    # A scenario with only the point at C open scores the same median.
    s = score_batch(mats.problem, np.array([[True, False]]), np.zeros(2, np.int8), 60.0)
    kommun = one["kommun_kod"].iloc[0]
    m = mats.municipalities.index[mats.municipalities["kommun_kod"] == kommun]
    # The municipality's score: the population-weighted mean of the engine's medians over
    # its reachable origins (the same metric as analyze()).
    sel = (origins["kommun_kod"] == kommun).to_numpy()
    every = transit.arrive_by(
        pt.service_day,
        origins[sel],
        pts,
        pt.meeting_times_s,
        walk=transit.WalkParams(max_direct_walk_m=5000.0),
    )
    t = every.median_s / 60
    ok = np.isfinite(t)
    expected = np.average(t[ok], weights=origins.loc[sel, "population"].to_numpy(float)[ok])
    assert s.municipality_mean_min[0, m[0]] == pytest.approx(expected, rel=1e-5)


def test_road_network_for_pt_is_refused(setup):
    _pt, _mats, _origins, cands = setup
    with pytest.raises(tg.TillganglighetError, match="GTFS timetable"):
        build_matrices(cands, network="modelled", mode="pt")
