"""Origins from user population data (SCB grid, points, or per-municipality totals).

The embedded origins are GeoNames settlements with GeoNames populations
(:func:`tillganglighet.data.geodata.origins`). Analysts with better data pass what
:func:`tillganglighet.data.userdata.read_population` returns:

* a **grid** or **points** frame → every populated cell/point becomes an origin
  (population in persons; cells with population 0 are dropped: they weigh nothing).
  A municipality with no populated cell keeps its embedded origins, flagged
  ``population_source="geonames"``;
* a **per-municipality table** → the embedded origins are kept and their populations
  rescaled so that each municipality sums to the table's total, in the proportions of
  the GeoNames populations (equal shares where those are unknown).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from tillganglighet.errors import InputValidationError
from tillganglighet.data.geodata import SWEREF99TM, municipalities, origins, settlements

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
    "is_largest",
    "geometry",
]


def origins_from_population(population: pd.DataFrame) -> gpd.GeoDataFrame:
    """Build the origins of an analysis from user population data.

    Parameters
    ----------
    population
        The result of :func:`tillganglighet.data.userdata.read_population`: a GeoDataFrame of
        cell centres or points with ``population`` (persons) and ``kommun_kod``, or a
        DataFrame indexed by ``kommun_kod`` with ``population``.

    Returns
    -------
    geopandas.GeoDataFrame
        Origins with the columns of :func:`tillganglighet.data.geodata.origins` plus
        ``population_source`` (``user_grid``, ``user_points``, ``user_table_scaled`` or
        ``geonames``), EPSG:3006.
    """
    if isinstance(population, gpd.GeoDataFrame):
        return _from_points(population)
    if isinstance(population, pd.DataFrame):
        return _scaled(population)
    raise InputValidationError(
        f"population: expected the frame read_population() returns, got {type(population).__name__}"
    )


def _finish(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    kommuner = municipalities()[["kommun_kod", "kommun", "lan_kod", "fa_kod"]]
    frame = frame.drop(columns=["kommun", "lan_kod", "fa_kod", "is_largest"], errors="ignore")
    frame = frame.merge(kommuner, on="kommun_kod", how="left")
    frame = frame.sort_values(
        ["kommun_kod", "population", "origin_id"], ascending=[True, False, True]
    ).reset_index(drop=True)
    frame["is_largest"] = ~frame["kommun_kod"].duplicated()
    return gpd.GeoDataFrame(frame[ORIGIN_COLUMNS], geometry="geometry", crs=SWEREF99TM)


def _scaled(table: pd.DataFrame) -> gpd.GeoDataFrame:
    if "population" not in table.columns:
        raise InputValidationError("population table: no 'population' column")
    base = origins()
    totals = table["population"]
    share = base.groupby("kommun_kod")["population"].transform(
        lambda p: p / p.sum() if p.sum() > 0 else pd.Series(1.0 / len(p), index=p.index)
    )
    has_total = base["kommun_kod"].isin(totals.index)
    scaled = (share * base["kommun_kod"].map(totals)).where(has_total, 0.0)
    rounded = _largest_remainder(scaled, base["kommun_kod"])
    base["population"] = np.where(has_total, rounded, base["population"]).astype("int64")
    base["population_imputed"] = base["population_imputed"] & ~has_total
    base["population_source"] = np.where(has_total, "user_table_scaled", "geonames")
    return _finish(base)


def _largest_remainder(values: pd.Series, groups: pd.Series) -> np.ndarray:
    """Round ``values`` to integers so that each group keeps its (rounded) total."""
    floor = np.floor(values.to_numpy())
    remainder = values.to_numpy() - floor
    out = floor.copy()
    frame = pd.DataFrame({"g": groups.to_numpy(), "r": remainder, "i": np.arange(len(values))})
    for _, g in frame.groupby("g", sort=False):
        missing = int(round(values.to_numpy()[g["i"]].sum() - floor[g["i"]].sum()))
        if missing > 0:
            top = g.sort_values(["r", "i"], ascending=[False, True])["i"].to_numpy()[:missing]
            out[top] += 1
    return out


def _from_points(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
    base = origins()
    _warn_partial_coverage(out, base)
    uncovered = base[~base["kommun_kod"].isin(set(out["kommun_kod"]))].copy()
    uncovered["population_source"] = "geonames"
    return _finish(pd.concat([out, uncovered], ignore_index=True))


#: A municipality whose grid/points population is below this share of its embedded
#: (GeoNames) population is probably only partly covered by the user's file.
PARTIAL_COVERAGE_SHARE = 0.25


def _warn_partial_coverage(user: pd.DataFrame, base: pd.DataFrame) -> None:
    user_total = user.groupby("kommun_kod")["population"].sum()
    base_total = base.groupby("kommun_kod")["population"].sum()
    ratio = user_total / base_total.reindex(user_total.index)
    low = ratio[ratio < PARTIAL_COVERAGE_SHARE]
    if len(low):
        examples = ", ".join(
            f"{k} ({int(user_total[k]):,} vs {int(base_total[k]):,})" for k in low.index[:5]
        )
        warnings.warn(
            f"population: {len(low)} municipalities get less than "
            f"{PARTIAL_COVERAGE_SHARE:.0%} of their GeoNames population from the file "
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
