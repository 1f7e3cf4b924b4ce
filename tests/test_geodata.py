"""Tests of the embedded base geodata and its loaders."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from tillganglighet.data import geodata


def test_municipalities_are_the_290_in_sweref99tm():
    m = geodata.municipalities()
    assert len(m) == 290
    assert m.crs.to_epsg() == 3006
    assert m["kommun_kod"].is_unique
    assert m["kommun_kod"].str.fullmatch(r"\d{4}").all()
    # The county code is the first two digits of the municipality code (SCB).
    assert (m["kommun_kod"].str[:2] == m["lan_kod"]).all()
    assert m["lan_kod"].nunique() == 21
    assert m["fa_kod"].nunique() == 60
    assert m.geometry.is_valid.all()
    # Spot checks against SCB's code list.
    names = dict(zip(m["kommun_kod"], m["kommun"], strict=True))
    assert names["0180"] == "Stockholm"
    assert names["1480"] == "Göteborg"
    assert names["2584"] == "Kiruna"
    assert names["0980"] == "Gotland"


def test_fa_region_assignment_matches_known_regions():
    m = geodata.municipalities().set_index("kommun_kod")
    # Municipalities of one labour-market area share an FA region (Tillväxtverket 2015).
    assert m.loc["0184", "fa_kod"] == m.loc["0180", "fa_kod"]
    assert m.loc["1280", "fa_kod"] == m.loc["1281", "fa_kod"]  # Malmö, Lund
    assert m.loc["2584", "fa_kod"] != m.loc["1280", "fa_kod"]
    # Each municipality lies mostly inside its FA region polygon.
    fa = geodata.fa_regions().set_index("fa_kod")
    pts = m.geometry.representative_point()
    inside = [
        fa.loc[code, "geometry"].buffer(5_000).contains(p)
        for code, p in zip(m["fa_kod"], pts, strict=True)
    ]
    assert np.mean(inside) > 0.99


def test_counties_and_fa_regions():
    assert len(geodata.counties()) == 21
    fa = geodata.fa_regions()
    assert len(fa) == 60 and fa.crs.to_epsg() == 3006


def test_settlements_coordinates_agree_with_wgs84():
    st = geodata.settlements()
    assert len(st) == 1323
    to_sweref = Transformer.from_crs(4326, 3006, always_xy=True)
    x, y = to_sweref.transform(st["longitude"].to_numpy(), st["latitude"].to_numpy())
    assert np.allclose(x, st["x_m"], atol=0.1)
    assert np.allclose(y, st["y_m"], atol=0.1)
    assert st["kommun_kod"].notna().all()


def test_settlements_lie_in_or_near_their_municipality():
    st = geodata.settlements()
    m = geodata.municipalities().set_index("kommun_kod")
    dist = np.array(
        [
            m.loc[k, "geometry"].distance(p)
            for k, p in zip(st["kommun_kod"], st.geometry, strict=True)
        ]
    )
    assert dist.max() <= 8_000.0
    assert (dist == 0).mean() > 0.9


def test_city_sections_are_flagged_and_replace_their_agglomeration():
    st = geodata.settlements().set_index("name")
    stockholm = int(st.loc["Stockholm", "geonameid"])
    for section in ("Södermalm", "Rinkeby", "Kista", "Bromma"):
        assert st.loc[section, "section_of"] == stockholm
    assert pd_isna(st.loc["Stockholm", "section_of"])
    o = geodata.origins()
    sthlm = o[o["kommun_kod"] == "0180"]
    assert set(sthlm["origin_kind"]) == {"settlement", "section"}
    assert "Södermalm" in set(sthlm.loc[sthlm["origin_kind"] == "section", "name"])
    # The agglomeration entry keeps only what its sections do not hold, then all of
    # Stockholm's places are scaled down to the municipality's total (SCB).
    full = geodata.settlements()
    pops = full["population"].where(full["population"] > 0, 500)  # GeoNames 0 -> 500
    sections = pops[full["section_of"] == stockholm].sum()
    remainder = st.loc["Stockholm", "population"] - sections
    gn_total = pops[full["kommun_kod"] == "0180"].sum() - sections  # the parent's share once
    total = geodata.official_population().set_index("kommun_kod").loc["0180", "population"]
    assert gn_total > total
    centre = sthlm.loc[sthlm["name"] == "Stockholm", "population"].sum()
    assert abs(centre - remainder * total / gn_total) <= geodata.SETTLEMENT_PARTS


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_every_municipality_has_an_origin_and_one_largest():
    o = geodata.origins()
    assert isinstance(o, gpd.GeoDataFrame) and o.crs.to_epsg() == 3006
    assert o["kommun_kod"].nunique() == 290
    assert o["origin_id"].is_unique
    assert o.groupby("kommun_kod")["is_largest"].sum().eq(1).all()
    largest = o[o["is_largest"]].set_index("kommun_kod")
    assert largest.loc["0180", "name"] == "Stockholm"
    assert largest.loc["1480", "name"] == "Göteborg"
    assert (o["population"] > 0).all()
    assert set(o["origin_kind"]) == {"settlement", "section", "dispersed"}
    assert set(o["population_source"]) == {geodata.DEFAULT_POPULATION_SOURCE}


def test_places_go_to_their_own_municipality():
    """Kil's town lies 280 m outside the simplified Kil polygon (in Karlstad's) and
    Gnesta's in Södertälje's: GeoNames' own municipality (admin2) puts them back."""
    st = geodata.settlements().set_index("name")
    for name, kommun, polygon in (("Kil", "1715", "1780"), ("Gnesta", "0461", "0181")):
        assert st.loc[name, "kommun_kod"] == kommun
        assert st.loc[name, "polygon_kommun_kod"] == polygon
        assert st.loc[name, "geonames_kommun_kod"] == kommun
        assert st.loc[name, "assignment"] == "geonames_admin2"
    m = geodata.municipalities().set_index("kommun_kod")
    kil = st.loc["Kil"]
    dist = m.loc["1715", "geometry"].distance(shapely.Point(kil["x_m"], kil["y_m"]))
    assert 0 < dist < 1000
    # admin2 is only taken within the bound of its polygon (8 km).
    own = geodata.settlements()
    own = own[own["assignment"] == "geonames_admin2"]
    assert (own["distance_to_polygon_m"] <= 8000).all()
    o = geodata.origins()
    kil_o = o[o["kommun_kod"] == "1715"]
    assert "Kil" in set(kil_o["name"]) and kil_o.loc[kil_o["is_largest"], "name"].item() == "Kil"


def test_loaders_return_copies():
    a = geodata.municipalities()
    a.loc[0, "kommun"] = "changed"
    assert geodata.municipalities().loc[0, "kommun"] != "changed"


@pytest.mark.parametrize("name", ["municipalities.parquet", "settlements.csv"])
def test_geodata_files_are_found(name):
    from tillganglighet._resources import geodata_path

    assert geodata_path(name).is_file()


def test_top_level_shortcuts():
    import tillganglighet as tg
    from tillganglighet import analysis
    from tillganglighet.data import presence

    assert tg.analyze is analysis.analyze
    assert tg.meeting_points is presence.meeting_points
    assert "analyze" in dir(tg)
    with pytest.raises(AttributeError):
        _ = tg.no_such_thing
