"""Origins from user population data (SCB grid, points, or per-municipality totals).

The default origins are the population model of
:func:`tillganglighet.data.geodata.origins` (SCB's municipal totals of 2020-12-31 split
between GeoNames settlements and dispersed origins). Analysts with better data pass what
:func:`tillganglighet.data.userdata.read_population` returns:

* a **grid** or **points** frame → every populated cell/point becomes an origin
  (population in persons; cells with population 0 are dropped: they weigh nothing);
* a **per-municipality table** → the population model is rerun with the table's totals.

A file that leaves municipalities out is refused, naming them, unless
``fill_missing="default"``: then those municipalities keep the default model, and each
origin's ``population_source`` (and the municipality table's) says which source it uses.
"""

from __future__ import annotations

import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from tillganglighet.data.geodata import (
    ORIGIN_COLUMNS,
    SWEREF99TM,
    finish_origins,
    municipalities,
    official_population,
    origins,
    settlements,
)
from tillganglighet.errors import InputValidationError

__all__ = ["ORIGIN_COLUMNS", "FillMissing", "origins_from_population"]

#: What to do with municipalities the user's population data leave out.
FillMissing = Literal["error", "default"]


def origins_from_population(
    population: pd.DataFrame, *, fill_missing: FillMissing = "error"
) -> gpd.GeoDataFrame:
    """Build the origins of an analysis from user population data.

    Parameters
    ----------
    population
        The result of :func:`tillganglighet.data.userdata.read_population`: a GeoDataFrame of
        cell centres or points with ``population`` (persons) and ``kommun_kod``, or a
        DataFrame indexed by ``kommun_kod`` with ``population``.
    fill_missing
        ``"error"`` (default): a file that leaves municipalities without population is
        refused with an :class:`~tillganglighet.errors.InputValidationError` naming
        them. ``"default"``: those municipalities get the default population model
        (``population_source="scb_2020_model"``).

    Returns
    -------
    geopandas.GeoDataFrame
        Origins with the columns of :func:`tillganglighet.data.geodata.origins`;
        ``population_source`` is ``user_grid``, ``user_points``, ``user_table`` or the
        default model's, EPSG:3006.
    """
    if fill_missing not in ("error", "default"):
        raise InputValidationError(
            f"fill_missing: expected 'error' or 'default', got {fill_missing!r}"
        )
    if isinstance(population, gpd.GeoDataFrame):
        return _from_points(population, fill_missing)
    if isinstance(population, pd.DataFrame):
        return _scaled(population, fill_missing)
    raise InputValidationError(
        f"population: expected the frame read_population() returns, got {type(population).__name__}"
    )


def _missing(covered: set[str], fill_missing: FillMissing, what: str) -> list[str]:
    """The municipality codes ``covered`` lacks; raise unless they are to be filled."""
    kommuner = municipalities()
    missing = kommuner[~kommuner["kommun_kod"].isin(covered)]
    if len(missing) and fill_missing == "error":
        pairs = list(zip(missing["kommun_kod"], missing["kommun"], strict=True))
        names = ", ".join(f"{k} {n}" for k, n in pairs[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise InputValidationError(
            f"population {what}: no population for {len(missing)} of 290 municipalities "
            f"({names}{more}). Supply them, or fill them from the default model with "
            "fill_missing='default' (CLI: --fill-missing-population)."
        )
    return list(missing["kommun_kod"])


def _scaled(table: pd.DataFrame, fill_missing: FillMissing) -> gpd.GeoDataFrame:
    if "population" not in table.columns:
        raise InputValidationError("population table: no 'population' column")
    totals = table["population"]
    totals = totals[totals.index.isin(set(municipalities()["kommun_kod"]))]
    _missing(set(totals.index), fill_missing, "table")
    return origins(totals=totals, source="user_table")


def _largest_remainder(values: pd.Series, groups: pd.Series) -> np.ndarray:
    """Round ``values`` to integers so that each group keeps its (rounded) total.

    Each value is floored; each group's leftover persons (its rounded total minus the
    floors) go one each to its largest remainders, ties to the earlier row.
    """
    v = np.asarray(values, dtype=np.float64)
    floor = np.floor(v)
    remainder = v - floor
    codes, group = np.unique(np.asarray(groups), return_inverse=True)
    missing = np.rint(
        np.bincount(group, weights=v, minlength=len(codes))
        - np.bincount(group, weights=floor, minlength=len(codes))
    ).astype(np.int64)
    # Rows by group, then remainder (descending), then position: rank within the group.
    order = np.lexsort((np.arange(len(v)), -remainder, group))
    starts = np.searchsorted(group[order], np.arange(len(codes)))
    rank = np.empty(len(v), dtype=np.int64)
    rank[order] = np.arange(len(v)) - starts[group[order]]
    return floor + (rank < missing[group])


def _from_points(points: gpd.GeoDataFrame, fill_missing: FillMissing) -> gpd.GeoDataFrame:
    missing = {"population", "kommun_kod"} - set(points.columns)
    if missing:
        raise InputValidationError(f"population points: missing columns {sorted(missing)}")
    if points.crs is None:
        raise InputValidationError("population points: no CRS; set it with .set_crs(...)")
    pts = points.to_crs(SWEREF99TM)
    pts = pts[pts["population"] > 0]
    is_grid = "cell_id" in pts.columns
    ids = (
        "cell" + pts["cell_id"].astype(str)
        if is_grid
        else "pt" + pd.Series(np.arange(len(pts)), index=pts.index).astype(str)
    )
    names = _nearest_settlement_names(pts)
    label = pts["cell_id"].astype(str) if is_grid else ids.str[2:]
    out = gpd.GeoDataFrame(
        {
            "origin_id": ids.to_numpy(),
            "name": [
                f"{n} ({'ruta' if is_grid else 'punkt'} {c})"
                for n, c in zip(names, label, strict=True)
            ],
            "kommun_kod": pts["kommun_kod"].to_numpy(),
            "population": np.rint(pts["population"].to_numpy()).astype("int64"),
            "population_imputed": False,
            "origin_kind": "grid_cell" if is_grid else "population_point",
            "population_source": "user_grid" if is_grid else "user_points",
        },
        geometry=pts.geometry.to_numpy(),
        crs=SWEREF99TM,
    )
    _warn_partial_coverage(out)
    lacking = _missing(set(out["kommun_kod"]), fill_missing, "grid" if is_grid else "points")
    parts = [out]
    if lacking:
        base = origins()
        parts.append(base[base["kommun_kod"].isin(set(lacking))])
    return finish_origins(pd.concat(parts, ignore_index=True))


#: A municipality whose grid/points population is below this share of its official
#: population (SCB, 2020-12-31) is probably only partly covered by the user's file.
PARTIAL_COVERAGE_SHARE = 0.25


def _warn_partial_coverage(user: pd.DataFrame) -> None:
    user_total = user.groupby("kommun_kod")["population"].sum()
    base_total = official_population().set_index("kommun_kod")["population"]
    ratio = user_total / base_total.reindex(user_total.index)
    low = ratio[ratio < PARTIAL_COVERAGE_SHARE]
    if len(low):
        examples = ", ".join(
            f"{k} ({int(user_total[k]):,} vs {int(base_total[k]):,})" for k in low.index[:5]
        )
        warnings.warn(
            f"population: {len(low)} municipalities get less than "
            f"{PARTIAL_COVERAGE_SHARE:.0%} of their official population (SCB 2020) from the file "
            f"(e.g. {examples}); is the file clipped to a smaller area? Their origins are "
            "replaced by the file's cells all the same.",
            UserWarning,
            stacklevel=3,
        )


def _nearest_settlement_names(pts: gpd.GeoDataFrame) -> list[str]:
    """Name each point after the nearest GeoNames place of its own municipality."""
    st = settlements()
    st = st[st["section_of"].isna()]
    names = np.full(len(pts), "", dtype=object)
    kommun = pts["kommun_kod"].to_numpy()
    xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
    for code, group in st.groupby("kommun_kod"):
        sel = kommun == code
        if not sel.any():
            continue
        tree = cKDTree(group[["x_m", "y_m"]].to_numpy())
        _, idx = tree.query(xy[sel])
        names[sel] = group["name"].to_numpy()[idx]
    names[names == ""] = "okänd ort"
    return list(names)
