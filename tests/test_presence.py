"""Tests of geocoding and the as-of-date meeting-point model."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tillganglighet import InputValidationError
from tillganglighet.data import presence
from tillganglighet.data.geocoding import geocode_place
from tillganglighet.data.geodata import municipalities


@pytest.fixture(scope="module")
def timeline():
    return presence.presence_timeline()


def test_every_point_lies_within_5_km_of_its_municipality(timeline):
    polys = municipalities().set_index("kommun_kod").geometry
    for frame in (timeline, presence.service_offices("2021-12-31")):
        dist = np.array(
            [
                polys.loc[k].distance(p)
                for k, p in zip(frame["kommun_kod"], frame.geometry, strict=True)
            ]
        )
        bad = frame.loc[dist > 5_000, ["name", "kommun_kod"]]
        assert bad.empty, f"points more than 5 km outside their municipality: {bad}"


def test_geocoding_method_is_recorded(timeline):
    assert set(timeline["geocode_method"]) <= {
        "override",
        "geonames_name",
        "geonames_alternate",
        "municipality_main_settlement",
    }
    assert timeline["geocode_match"].str.len().gt(0).all()


@pytest.mark.parametrize(
    ("place", "kommun", "expected_lat", "expected_lon"),
    [
        ("Sveg", "2361", 62.034, 14.366),  # GeoNames
        ("Tärnaby", "2421", 65.715, 15.266),  # override
        ("Hammarstrand", "2303", 63.110, 16.354),
        ("Mark", "1463", 57.50, 12.69),  # Kinna: Mark's central locality
    ],
)
def test_geocode_known_places(place, kommun, expected_lat, expected_lon):
    from pyproj import Transformer

    hit = geocode_place(place, kommun)
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(expected_lon, expected_lat)
    assert np.hypot(hit.x_m - x, hit.y_m - y) < 2_000


def test_geocoding_refuses_to_guess():
    from tillganglighet import DataIntegrityError

    with pytest.raises(DataIntegrityError, match="Cannot geocode place 'Atlantis'"):
        geocode_place("Atlantis", "0180")
    # A real place name, but in another municipality: not matched across the border.
    with pytest.raises(DataIntegrityError):
        geocode_place("Kiruna", "0180")


def test_start_of_2019_has_all_238_offices(timeline):
    mp = presence.meeting_points("2019-01-01")
    assert len(mp) == 112 + 126
    assert set(mp["kind"]) == {"staffed_office", "visiting_office", "office_before_closure"}
    # The report: "vid ingången av 2019 hade egna kontor i 218 kommuner".
    assert mp["kommun_kod"].nunique() == 218


def test_office_closes_on_its_closure_date():
    # Af Hede closed 2019-05-31 (Bilaga 5); replaced by the nearby office in Sveg.
    before = presence.meeting_points("2019-05-30")
    after = presence.meeting_points("2019-05-31")
    assert "Af Hede" in set(before["name"])
    assert "Af Hede" not in set(after["name"])
    assert not after["place"].eq("Hede").any()


def test_ready_cooperation_counts_from_report_date():
    # Övertorneå closed 2019-12-01, cooperation in own premises ready per the report.
    def coop(day):
        mp = presence.meeting_points(day)
        return mp[(mp["place"] == "Övertorneå") & mp["kind"].str.startswith("cooperation")]

    assert coop("2020-10-22").empty
    row = coop("2020-10-23")
    assert len(row) == 1 and row["kind"].iloc[0] == "cooperation_own_premises"


def test_pending_cooperation_counts_from_year_end():
    # Boden: "Nej (ÖK om avtal finns)" -> municipal premises from 2020-12-31.
    def boden(day):
        mp = presence.meeting_points(day)
        return mp[mp["place"] == "Boden"]

    assert boden("2020-12-30").empty
    assert list(boden("2020-12-31")["kind"]) == ["cooperation_municipal"]


def test_late_closure_hands_over_without_gap():
    # Lund: office closes 2020-12-01, own-premises solution ready -> from 2020-12-01.
    for day in ("2020-11-30", "2020-12-01"):
        mp = presence.meeting_points(day)
        assert (mp["place"] == "Lund").sum() == 1
    assert presence.meeting_points("2020-11-30").query("place == 'Lund'")["kind"].iloc[0] == (
        "office_before_closure"
    )


def test_end_of_2020_state(timeline):
    mp = presence.meeting_points()
    counts = mp["kind"].value_counts().to_dict()
    assert counts["staffed_office"] == 88 and counts["visiting_office"] == 24
    assert sum(v for k, v in counts.items() if k.startswith("cooperation")) == 102
    assert "office_before_closure" not in counts
    assert mp["kind_sv"].notna().all()


def test_service_offices_rollout():
    assert len(presence.service_offices("2020-03-31")) == 0
    assert len(presence.service_offices("2020-04-01")) == 6
    assert len(presence.service_offices("2020-12-31")) == 81
    assert len(presence.service_offices("2021-12-31")) > 81


@pytest.mark.parametrize("bad", ["2018-12-31", "2022-01-01", "31/12/2020", "soon"])
def test_as_of_outside_data_is_an_error(bad):
    with pytest.raises(InputValidationError, match="as_of"):
        presence.meeting_points(bad)


def test_as_of_accepts_dates():
    assert len(presence.meeting_points(dt.date(2020, 12, 31))) == len(presence.meeting_points())


def test_footnote_26_premises_are_noted():
    mp = presence.meeting_points()
    noted = mp[mp["note"].str.contains("footnote 26")]
    assert sorted(noted["place"]) == ["Falun", "Skara", "Söderhamn"]


def test_closure_places_are_geocoded_in_report_order():
    places = presence.closure_places()
    assert len(places) == 126 and places.crs.to_epsg() == 3006
    assert places["closure_id"].tolist() == sorted(places["closure_id"])
    hede = places[places["place"] == "Hede"].iloc[0]
    timeline = presence.presence_timeline().set_index("point_id")
    assert hede.geometry.equals(timeline.loc[f"{hede['closure_id']}-office", "geometry"])
