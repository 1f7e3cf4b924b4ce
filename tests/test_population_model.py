"""The default population model: SCB totals split into settlements and dispersed origins.

Each test recomputes a property of :func:`tillganglighet.data.geodata.origins` from the
committed input files (population_2020.csv, settlements.csv, dispersed_grid.csv,
lakes.parquet) by an independent route.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import shapely

from tillganglighet._resources import geodata_path
from tillganglighet.data import geodata


@pytest.fixture(scope="module")
def org():
    return geodata.origins()


def _official() -> pd.Series:
    raw = pd.read_csv(geodata_path("population_2020.csv"), dtype=str)
    return raw.set_index("kommun_kod")["population"].astype(int)


def test_official_table_is_the_290_municipalities_on_one_date():
    off = geodata.official_population()
    assert len(off) == 290 and off["kommun_kod"].is_unique
    assert set(off["kommun_kod"]) == set(geodata.municipalities()["kommun_kod"])
    assert set(off["reference_date"]) == {geodata.POPULATION_REFERENCE_DATE}
    assert off["source"].str.startswith("SCB").all()
    names = geodata.municipalities().set_index("kommun_kod")["kommun"]
    assert (off.set_index("kommun_kod")["kommun"] == names).all()
    # SCB's national figure (statistiknyhet 2021-02-22): 10 379 295 persons.
    ref = geodata.population_reference().set_index("region_kod")
    assert off["population"].sum() == ref.loc["SE", "population"]


def test_every_municipality_sums_exactly_to_its_official_total(org):
    sums = org.groupby("kommun_kod")["population"].sum()
    official = _official()
    assert sums.index.equals(official.index)
    assert (sums.to_numpy() == official.to_numpy()).all()
    assert org["population"].dtype == np.int64 and (org["population"] > 0).all()
    assert int(org["population"].sum()) == int(official.sum())


def test_origin_count_is_moderate_and_kinds_are_known(org):
    assert 5_000 <= len(org) <= 15_000
    assert set(org["origin_kind"]) == {"settlement", "section", "dispersed"}
    assert org["origin_id"].is_unique


def test_spread_is_the_mean_distance_of_a_uniform_disc():
    # Hand-worked: 1450 * pi persons at 1450 per km² cover pi km², a disc of radius
    # 1000 m; the mean distance from its centre is 2/3 of the radius.
    people = geodata.URBAN_DENSITY_PER_KM2 * np.pi
    assert geodata.settlement_spread_m(people) == pytest.approx(2000.0 / 3.0)
    # Independent: Monte Carlo over a uniform disc of that radius.
    rng = np.random.default_rng(7)
    r = 1000.0 * np.sqrt(rng.random(200_000))  # uniform in area
    assert r.mean() == pytest.approx(2000.0 / 3.0, rel=0.005)


def test_settlement_parts_sit_at_the_spread_distance(org):
    st = geodata.settlements().set_index("geonameid")
    parts = org[org["origin_kind"] == "settlement"].copy()
    parts["gid"] = parts["origin_id"].str.extract(r"^gn(\d+)\.")[0].astype(int)
    x0 = st.loc[parts["gid"], "x_m"].to_numpy()
    y0 = st.loc[parts["gid"], "y_m"].to_numpy()
    dist = np.hypot(parts.geometry.x.to_numpy() - x0, parts.geometry.y.to_numpy() - y0)
    assert np.allclose(dist, parts["spread_m"].to_numpy(), atol=0.2)
    kil = parts[parts["name"] == "Kil"]
    assert len(kil) == geodata.SETTLEMENT_PARTS
    # Kil keeps GeoNames' 7,627 (Kil's places hold less than its 12,115 people), so
    # each part holds a quarter of it and the parts lie 2/3 of the disc radius away.
    expected = 2 / 3 * np.sqrt(7627 / 1450 / np.pi) * 1000
    unclipped = kil["spread_m"] > 0.99 * expected
    assert unclipped.any()
    assert np.allclose(kil.loc[unclipped, "spread_m"], expected, atol=0.2)
    assert (kil["population"] - 7627 / 4).abs().max() < 1.0 + 1e-9
    # No municipality has an origin at distance 0 from its own office merely because
    # the office stands on the settlement's point: only clipped parts do.
    assert (parts["spread_m"] == 0).mean() < 0.02


def test_dispersed_people_follow_the_documented_weights(org):
    """Recompute Sorsele's dispersed origins from the raw files."""
    code = "2422"
    total = _official()[code]
    st = pd.read_csv(geodata_path("settlements.csv"), dtype={"kommun_kod": str})
    places = st[(st["kommun_kod"] == code) & st["section_of"].isna()]
    in_places = places["population"].where(places["population"] > 0, 500).sum()
    assert in_places < total
    cells = pd.read_csv(geodata_path("dispersed_grid.csv"), dtype={"kommun_kod": str})
    cells = cells[cells["kommun_kod"] == code]
    w = np.exp(-cells["nearest_settlement_m"].to_numpy() / geodata.DISPERSED_DECAY_M)
    expected = pd.Series(w / w.sum() * (total - in_places), index="d" + cells["cell_id"])
    got = org[(org["kommun_kod"] == code) & (org["origin_kind"] == "dispersed")]
    got = got.set_index("origin_id")["population"]
    # The municipality is rounded as a whole: its settlement parts' remainders may move
    # a person or two between them and the dispersed origins.
    n_parts = int((org["kommun_kod"] == code).sum() - len(got))
    assert abs(got.sum() - (total - in_places)) < n_parts
    # Each cell within one person of its share; cells rounding to 0 are left out.
    both = expected.reindex(got.index)
    assert (both - got).abs().max() < 1.0
    assert (expected.drop(got.index) < 1.0).all()


def test_dispersed_cells_are_on_land_in_their_municipality():
    cells = geodata.dispersed_cells()
    grid = cells[cells["kind"] == "grid"]
    size = 7000
    assert ((grid["x_m"] - size // 2) % size == 0).all()
    assert ((grid["y_m"] - size // 2) % size == 0).all()
    pts = shapely.points(grid["x_m"].to_numpy(float), grid["y_m"].to_numpy(float))
    lakes = geodata_path("lakes.parquet")
    import geopandas as gpd

    water = gpd.read_parquet(lakes).geometry.union_all()
    assert not shapely.within(pts, water).any()
    polys = geodata.municipalities().set_index("kommun_kod").geometry
    inside = shapely.within(pts, polys.loc[grid["kommun_kod"]].to_numpy())
    assert inside.all()
    assert cells["kommun_kod"].nunique() == 290


def test_rural_municipalities_get_dispersed_people(org):
    share = (
        org.assign(d=org["population"].where(org["origin_kind"] == "dispersed", 0))
        .groupby("kommun_kod")[["d", "population"]]
        .sum()
    )
    share = share["d"] / share["population"]
    for code in ("2462", "2422", "2361"):  # Vilhelmina, Sorsele, Härjedalen
        assert share[code] > 0.3
    assert share["0180"] == 0  # Stockholm's places exceed its total: no dispersed origins


def test_origins_are_deterministic():
    def digest() -> str:
        o = geodata.origins()
        table = pd.DataFrame(o.drop(columns="geometry"))
        table["wkb"] = o.geometry.to_wkb()
        return hashlib.sha256(pd.util.hash_pandas_object(table, index=True).values).hexdigest()

    first = digest()
    for fn in (geodata._settlements, geodata._dispersed_cells, geodata._official_population):
        fn.cache_clear()
    assert digest() == first


def test_map_caveat_names_the_population_model():
    from types import SimpleNamespace

    from tillganglighet.report.board_map import _map_note_sv

    def result(source: str) -> SimpleNamespace:
        meta = SimpleNamespace(mode="car", population_source=source)
        return SimpleNamespace(meta=meta, network=SimpleNamespace(modelled=True))

    note = _map_note_sv(result(geodata.DEFAULT_POPULATION_SOURCE), "nearest")
    assert "SCB:s folkmängd per kommun 2020-12-31" in note and "7 km" in note
    assert "SCB:s folkmängd" not in _map_note_sv(result("user_grid"), "nearest")


def test_largest_remainder_matches_a_plain_loop():
    """The vectorised rounding against the rule written out row by row."""
    from tillganglighet.data.population import _largest_remainder

    rng = np.random.default_rng(3)
    groups = pd.Series(rng.integers(0, 40, 2_000).astype(str))
    values = pd.Series(rng.random(2_000) * rng.choice([1.0, 10.0, 1000.0], 2_000))
    # Whole-number group totals, as the model's (official totals are integers).
    values = values * (
        np.ceil(values.groupby(groups).transform("sum")) / values.groupby(groups).transform("sum")
    )
    expected = np.floor(values.to_numpy())
    for _, idx in groups.groupby(groups).groups.items():
        idx = np.sort(np.asarray(idx))
        left = round(float(values[idx].sum() - expected[idx].sum()))
        rem = values[idx].to_numpy() - np.floor(values[idx].to_numpy())
        order = sorted(range(len(idx)), key=lambda k: (-rem[k], idx[k]))
        for k in order[:left]:
            expected[idx[k]] += 1
    got = _largest_remainder(values, groups)
    assert np.array_equal(got, expected)
    assert np.allclose(pd.Series(got).groupby(groups).sum(), values.groupby(groups).sum())
