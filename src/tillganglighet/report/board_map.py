"""The board map of an analysis: adapts an :class:`AnalysisResult` to :mod:`.maps`.

The map is drawn with one rule: ``"nearest"`` (nearest point anywhere) or
``"fa_region"`` (nearest point in the municipality's own FA-region). Every figure on
it (municipality times, shares, the largest settlement's time and nearest point, the
origins' times) comes from that rule; the other rule's mean time and verdict are shown
beside it, labelled as the other rule.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from tillganglighet.analysis import AnalysisResult
from tillganglighet.errors import InputValidationError

if TYPE_CHECKING:
    import folium

    from tillganglighet.report.maps import OfflineMap

__all__ = ["board_map", "notebook_map", "write_map"]

RULES = ("nearest", "fa_region")

#: Swedish names of the travel modes, for the map.
_MODE_SV = {"car": "bil", "walk": "gång", "transit": "kollektivtrafik"}

#: Municipality columns of the nearest-anywhere rule -> the FA-region rule's.
_FA_COLUMNS = {
    "mean_time_min": "mean_time_fa_min",
    "worst_time_min": "worst_time_fa_min",
    "share_within_threshold": "share_within_threshold_fa",
    "population_beyond_threshold": "population_beyond_threshold_fa",
    "exceeds_by_min": "exceeds_by_fa_min",
    "gap": "gap_fa",
}
#: Municipality columns the map reads, with the plain (road, nearest) names.
_SHOWN = (*_FA_COLUMNS, "largest_settlement_time_min")


def uses_transit(result: AnalysisResult) -> bool:
    """True when the analysis has public-transport times (then the map shows them)."""
    return getattr(result.meta, "transit", None) is not None


def _map_note_sv(result: AnalysisResult, rule: str) -> str:
    """The caveats a board member must read with the map (Swedish)."""
    parts = []
    if rule == "fa_region":
        parts.append("Färgerna visar FA-regeln: närmaste mötesplats i kommunens egen FA-region.")
    transit = getattr(result.meta, "transit", None)
    if transit is not None:
        parts.append(
            f"Restider med kollektivtrafik: median över {transit.n_meetings} mötestider "
            f"({transit.meetings}) den {transit.date}, gång till och från hållplatser inräknad."
        )
        if transit.modelled:
            parts.append("Tidtabellen är modellerad (ungefärlig).")
    elif result.meta.mode == "car":
        parts.append(
            "Riktvärdet gäller resa med kollektiva färdmedel; restider med bil är "
            "kortare och visar en nedre gräns."
        )
    if result.network.modelled and transit is None:
        parts.append(
            "Restiderna kommer från ett modellerat vägnät (ungefärliga); kör med "
            "OpenStreetMap för verkliga vägar."
        )
    if "scb_2020_model" in result.meta.population_source:
        parts.append(
            "Befolkning: SCB:s folkmängd per kommun 2020-12-31, fördelad av en modell på "
            "GeoNames-orter (utspridda över tätortens yta) och glesbygd på ett rutnät om 7 km."
        )
    return " ".join(parts)


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise InputValidationError(f"rule: expected 'nearest' or 'fa_region', got {rule!r}")


def _column(plain: str, rule: str, pt: bool) -> str:
    """The municipality column holding ``plain`` under ``rule`` and mode."""
    name = _FA_COLUMNS.get(plain, plain) if rule == "fa_region" else plain
    return f"pt_{name}" if pt else name


def _origin_columns(rule: str, pt: bool) -> tuple[str, str]:
    """(time column, nearest-point id column) of the origins under ``rule`` and mode."""
    if pt:
        if rule == "fa_region":
            return "pt_median_fa_min", "pt_nearest_fa_point_id"
        return "pt_median_min", "pt_nearest_point_id"
    if rule == "fa_region":
        return "time_fa_min", "nearest_fa_point_id"
    return "time_min", "nearest_point_id"


def map_municipalities(result: AnalysisResult, rule: str) -> gpd.GeoDataFrame:
    """The municipality columns the map shows, all under ``rule``, plus the other rule's.

    With public-transport times (``analyze(gtfs=...)``) they are the public-transport
    ones (the guideline's mode); else the road network's.

    Returns
    -------
    geopandas.GeoDataFrame
        ``result.municipalities`` with the plain columns (``mean_time_min``, ``gap``,
        ``largest_settlement_time_min``, ``nearest_point_*``, ...) taken from ``rule``
        and the mode, and ``other_mean_time_min`` / ``other_gap`` from the other rule.
    """
    from tillganglighet.accessibility import neighbour_pairs, relation_to_point
    from tillganglighet.data.presence import KIND_LABEL_SV

    _check_rule(rule)
    pt = uses_transit(result)
    src = result.municipalities
    muni = src.copy()
    other = "nearest" if rule == "fa_region" else "fa_region"
    muni["other_mean_time_min"] = src[_column("mean_time_min", other, pt)]
    muni["other_gap"] = src[_column("gap", other, pt)]
    if rule == "nearest" and not pt:
        return muni
    for plain in _SHOWN:
        if plain == "largest_settlement_time_min" and rule == "fa_region":
            continue  # from the origins below
        muni[plain] = src[_column(plain, rule, pt)]
    # The largest settlement's time and nearest point under the rule and mode.
    org = result.origins
    time_col, point_col = _origin_columns(rule, pt)
    largest = org[org["is_largest"]].drop_duplicates("kommun_kod").set_index("kommun_kod")
    code = muni["kommun_kod"]
    if rule == "fa_region":
        muni["largest_settlement_time_min"] = code.map(largest[time_col])
    points = result.meeting_points.set_index("point_id")
    muni["nearest_point_id"] = code.map(largest[point_col])
    ids = muni["nearest_point_id"]
    muni["nearest_point_name"] = ids.map(points["name"])
    muni["nearest_point_kind"] = ids.map(points["kind"])
    muni["nearest_point_kind_sv"] = muni["nearest_point_kind"].map(KIND_LABEL_SV)
    muni["nearest_point_kommun_kod"] = ids.map(points["kommun_kod"])
    names = dict(zip(muni["kommun_kod"], muni["kommun"], strict=True))
    muni["nearest_point_kommun"] = muni["nearest_point_kommun_kod"].map(names)
    muni["nearest_point_relation"] = relation_to_point(
        muni["kommun_kod"],
        muni["nearest_point_kommun_kod"],
        neighbours=neighbour_pairs(muni),
        fa_of=dict(zip(muni["kommun_kod"], muni["fa_kod"], strict=True)),
    )
    return muni


def map_origins(result: AnalysisResult, rule: str) -> gpd.GeoDataFrame:
    """The origins with ``time_min`` and ``nearest_point_name`` under ``rule`` and mode."""
    _check_rule(rule)
    org = result.origins
    time_col, point_col = _origin_columns(rule, uses_transit(result))
    out = org[["name", "kommun", "population", "geometry"]].copy()
    out["origin_kind"] = org.get("origin_kind", "settlement")
    out["time_min"] = org[time_col]
    names = result.meeting_points.set_index("point_id")["name"]
    out["nearest_point_name"] = org[point_col].map(names)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=org.crs)


def map_closures(result: AnalysisResult) -> gpd.GeoDataFrame:
    """The 126 closure places of Bilaga 5 with their nearby replacement's travel time."""
    from tillganglighet.data.presence import closure_places

    places = closure_places()
    nearby = result.nearby_replacements[["closure_id", "nearest_point", "time_min"]]
    merged = pd.DataFrame(places).merge(nearby, on="closure_id", how="left", validate="1:1")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=places.crs)


def board_map(result: AnalysisResult, *, rule: str = "nearest", tiles: bool = False) -> folium.Map:
    """The board's map of ``result`` under ``rule`` (see the module docstring).

    Parameters
    ----------
    result
        The analysis.
    rule
        ``"nearest"`` or ``"fa_region"``.
    tiles
        Add an online OpenStreetMap background.

    Returns
    -------
    folium.Map
    """
    from tillganglighet.data.geodata import counties, fa_regions
    from tillganglighet.report.maps import accessibility_map

    _check_rule(rule)
    return accessibility_map(
        map_municipalities(result, rule),
        result.meeting_points,
        result.service_offices,
        fa_regions=fa_regions(),
        counties=counties(),
        origins=map_origins(result, rule),
        closures=map_closures(result),
        threshold_min=result.meta.threshold_min,
        rule=rule,
        as_of=result.meta.as_of,
        network_label_sv=(
            result.meta.transit.label_sv if result.meta.transit else result.network.label_sv
        ),
        mode_label_sv=(
            "kollektivtrafik"
            if result.meta.transit
            else _MODE_SV.get(result.meta.mode, result.meta.mode)
        ),
        note_sv=_map_note_sv(result, rule),
        tiles=tiles,
    )


def notebook_map(result: AnalysisResult, *, rule: str = "nearest") -> OfflineMap:
    """The board map for a notebook: shown offline (Leaflet inlined), caveat included."""
    from tillganglighet.report.maps import OfflineMap

    return OfflineMap(board_map(result, rule=rule))


def write_map(
    result: AnalysisResult,
    path: str | os.PathLike[str],
    *,
    offline: bool = True,
    tiles: bool = False,
    rule: str = "nearest",
) -> Path:
    """Render the board map of ``result`` to ``path`` (atomic).

    With ``rule="fa_region"`` every figure on the map follows the FA-region rule.
    """
    from tillganglighet.report.maps import save_map

    return save_map(board_map(result, rule=rule, tiles=tiles), path, offline=offline)
