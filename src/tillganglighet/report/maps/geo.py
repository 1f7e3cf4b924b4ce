"""Input checks and geometry for the page: EPSG:4326, simplified, rounded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from tillganglighet.data import _validate as v
from tillganglighet.errors import InputValidationError
from tillganglighet.report.maps.style import COORDINATE_DECIMALS, SIMPLIFY_TOLERANCE_M


def check_frame(gdf: object, name: str, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Check ``gdf`` is a GeoDataFrame with a CRS and the ``columns``; return it."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputValidationError(
            f"{name} must be a geopandas.GeoDataFrame, got {type(gdf).__name__}"
        )
    v.require_columns(gdf, columns, where=v.Where(), purpose=f" in {name}")
    v.require_crs(gdf, where=v.Where(f"{name} (in memory)"))
    return gdf


def to_lonlat(gdf: gpd.GeoDataFrame, *, simplify: bool) -> np.ndarray:
    """Geometries in EPSG:4326, optionally simplified in metres, coordinates rounded."""
    geom = gdf.geometry
    if simplify:
        metric = geom.to_crs(v.SWEREF99TM) if not geom.crs.equals(v.SWEREF99TM) else geom
        values = metric.to_numpy()
        try:
            valid_coverage = bool(shapely.coverage_is_valid(values))
        except Exception:
            valid_coverage = False
        if valid_coverage:
            simplified = shapely.coverage_simplify(values, SIMPLIFY_TOLERANCE_M)
        else:
            simplified = shapely.simplify(values, SIMPLIFY_TOLERANCE_M, preserve_topology=True)
        geom = gpd.GeoSeries(simplified, index=geom.index, crs=metric.crs)
    lonlat = geom.to_crs("EPSG:4326").to_numpy()
    return shapely.transform(lonlat, lambda c: np.round(c, COORDINATE_DECIMALS))


def point_latlon(gdf: gpd.GeoDataFrame, decimals: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude arrays (degrees, rounded) of point geometries; NaN if empty."""
    ll = gdf.geometry.to_crs("EPSG:4326")
    empty = ll.is_empty.to_numpy() | ll.isna().to_numpy()
    x = np.where(empty, np.nan, ll.x.to_numpy())
    y = np.where(empty, np.nan, ll.y.to_numpy())
    return np.round(y, decimals), np.round(x, decimals)


def feature_collection(geoms: np.ndarray, props: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the non-empty ``geoms`` with their properties."""
    features = []
    for geom, prop in zip(geoms, props, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        features.append(
            {
                "type": "Feature",
                "properties": prop,
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    return {"type": "FeatureCollection", "features": features}
