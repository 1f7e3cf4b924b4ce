"""The main job by public transport: analyze(gtfs=...) on a feed written by the test.

The feed runs one bus line from Östansjö (Arjeplog) to the stop at Af Arjeplog, three
times a day. Its stops sit exactly on the origin and on the meeting point, so the
arrive-by time for a meeting at T is T minus the latest departure that arrives by T,
computed here by hand, independently of the engine.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from pyproj import Transformer
from typer.testing import CliRunner

import tillganglighet as tg
from tillganglighet.analysis_pt import parse_meetings
from tillganglighet.cli import app

_TO_WGS = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
DEPARTURES = (7 * 3600, 10 * 3600, 13 * 3600)
RIDE_S = 50 * 60


def _ostansjo(origins):
    """Östansjö's first part (the population model spreads each place over 4 origins)."""
    sel = origins[(origins["name"] == "Östansjö") & (origins["kommun"] == "Arjeplog")]
    return sel.sort_values("origin_id").iloc[0]


def _feed(tmp_path):
    origins = tg.origins()
    points = tg.meeting_points("2020-12-31").set_index("name")
    a = _ostansjo(origins).geometry
    b = points.loc["Af Arjeplog"].geometry
    (alon, alat), (blon, blat) = (map(float, _TO_WGS.transform(p.x, p.y)) for p in (a, b))
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "agency.txt").write_text(
        "agency_id,agency_name,agency_url,agency_timezone\n"
        "L,Länstrafiken test,http://example.invalid,Europe/Stockholm\n"
    )
    (folder / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon\n"
        f"A,Östansjö,{alat:.7f},{alon:.7f}\nB,Arjeplog,{blat:.7f},{blon:.7f}\n"
    )
    (folder / "routes.txt").write_text(
        "route_id,agency_id,route_short_name,route_type\nR,L,104,3\n"
    )
    (folder / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20260101,20261231\n"
    )
    trips = ["route_id,service_id,trip_id"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for i, dep in enumerate(DEPARTURES):
        trips.append(f"R,WD,t{i}")
        arr = dep + RIDE_S
        h = lambda s: f"{s // 3600:02d}:{s % 3600 // 60:02d}:00"  # noqa: E731
        times.append(f"t{i},{h(dep)},{h(dep)},A,1")
        times.append(f"t{i},{h(arr)},{h(arr)},B,2")
    (folder / "trips.txt").write_text("\n".join(trips) + "\n")
    (folder / "stop_times.txt").write_text("\n".join(times) + "\n")
    return folder


def _hand_minutes(meetings_s):
    out = []
    for t in meetings_s:
        usable = [d for d in DEPARTURES if d + RIDE_S <= t]
        out.append((t - max(usable)) / 60.0 if usable else np.inf)
    return out


@pytest.fixture(scope="module")
def pt_result(tmp_path_factory):
    folder = _feed(tmp_path_factory.mktemp("gtfs"))
    return tg.analyze(gtfs=str(folder), pt_date="2026-12-08")


def test_arrive_by_times_match_the_hand_worked_timetable(pt_result):
    hand = _hand_minutes(parse_meetings("09:00-15:00/15"))
    row = _ostansjo(pt_result.origins)
    assert row["pt_median_min"] == pytest.approx(statistics.median(hand))
    assert row["pt_worst_min"] == pytest.approx(max(hand))
    assert row["pt_meetings_within"] == sum(m <= 60 for m in hand)
    assert row["pt_n_meetings"] == 25
    assert row["pt_nearest_point_id"] == "B4-004"
    # Departures per day within 60 min: each of the three buses (50 min ride).
    assert row["pt_departures_per_day"] == 3
    # The FA rule: Af Arjeplog is in Arjeplog's own FA-region, so the same answer.
    assert row["pt_median_fa_min"] == pytest.approx(row["pt_median_min"])


def test_origins_without_service_are_unreachable_not_zero(pt_result):
    org = pt_result.origins[pt_result.origins["kommun"] == "Arjeplog"].set_index("name")
    # Guojkkasuoluoj (Arjeplog) has no stop and lies 45 km from any point: inf, not 0.
    assert np.isinf(org.loc["Guojkkasuoluoj", "pt_median_min"]).all()
    # Arjeplog's town stands on its office: its parts (the population model's spread,
    # 384 m out) walk to it, at most the walk over the spread plus a minute.
    from tillganglighet.transit.walk import WalkParams

    town = org.loc["Arjeplog"]
    walk = WalkParams()
    bound = town["spread_m"] * walk.detour / walk.speed_m_s / 60.0 + 1.0
    assert (town["pt_median_min"] <= bound).all()


def test_municipality_flags_use_public_transport(pt_result):
    muni = pt_result.municipalities.set_index("kommun")
    assert pt_result.meta.guideline_mode == "public_transport"
    assert pt_result.meta.transit is not None and pt_result.meta.transit.n_meetings == 25
    arjeplog = muni.loc["Arjeplog"]
    # Guojkkasuoluoj unreachable -> the worst is inf; the guideline flag is the PT one.
    assert np.isinf(arjeplog["pt_worst_time_min"])
    assert bool(arjeplog["guideline_gap"]) == bool(arjeplog["pt_gap"])
    # Car times stay beside public transport.
    assert np.isfinite(arjeplog["mean_time_min"])
    assert (muni["guideline_gap"] == muni["pt_gap"]).all()


def test_meetings_option_is_validated():
    from tillganglighet import InputValidationError

    for bad in ("9-15", "15:00-09:00/15", "09:00-15:00/0", "09:75-15:00/15"):
        with pytest.raises(InputValidationError, match="meetings"):
            parse_meetings(bad)


def test_cli_analyze_with_gtfs(tmp_path):
    folder = _feed(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "analyze",
            "--gtfs",
            str(folder),
            "--date",
            "2026-12-08",
            "--meetings",
            "09:00-12:00/30",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "public transport" in res.output.lower()


def test_cli_missing_feed_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(
        app, ["analyze", "--gtfs", str(tmp_path / "nope.zip"), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 1
    assert "nope.zip" in res.output


def test_summary_says_which_mode_flags_which_municipality(pt_result):
    from tillganglighet.report.summary import summary_markdown

    text = summary_markdown(pt_result)
    assert "The guideline by public transport" in text
    muni = pt_result.municipalities
    n_pt = int(muni["pt_gap"].sum())
    assert f"by public transport | {n_pt} |" in text
    flagged = muni[muni["pt_gap"] | muni["gap"]].sort_values("pt_mean_time_min", ascending=False)
    for _, r in flagged.head(5).iterrows():
        by = (
            "both"
            if r["pt_gap"] and r["gap"]
            else ("public transport only" if r["pt_gap"] else "car only")
        )
        assert f"| {r['kommun']} |" in text and by in text


def test_default_cli_run_is_by_modelled_public_transport(tmp_path):
    """README's first command: no options -> the guideline by the modelled timetable."""
    import pandas as pd

    from tillganglighet.transit.modelled import MODELLED_PT_LABEL_EN, MODELLED_PT_LABEL_SV

    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", "--out", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "public transport" in res.output
    summary = (out / "summary.md").read_text()
    assert MODELLED_PT_LABEL_EN in summary and "tillganglighet transit fetch" in summary
    # The modelled timetable is evaluated on the first Tuesday after the network's date.
    assert "service date 2021-01-05" in summary
    page = (out / "map.html").read_text()
    assert MODELLED_PT_LABEL_SV in page
    muni = pd.read_parquet(out / "municipalities.parquet").set_index("kommun")
    assert (muni["guideline_gap"] == muni["pt_gap"]).all()
    for city in ("Stockholm", "Göteborg", "Malmö"):
        assert muni.loc[city, "pt_mean_time_min"] <= 60, city
        assert muni.loc[city, "mean_time_min"] < muni.loc[city, "pt_mean_time_min"]
