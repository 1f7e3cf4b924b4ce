"""The board map of an analysis: adapts an :class:`AnalysisResult` to :mod:`.maps`."""

from __future__ import annotations

import os
from pathlib import Path

from tillganglighet.analysis import AnalysisResult
from tillganglighet.errors import InputValidationError

__all__ = ["write_map"]


def _map_note_sv(result: AnalysisResult, rule: str) -> str:
    """The caveats a board member must read with the map (Swedish)."""
    parts = []
    if rule == "fa_region":
        parts.append("Färgerna visar FA-regeln: närmaste mötesplats i kommunens egen FA-region.")
    if result.meta.mode == "car":
        parts.append(
            "Riktvärdet gäller resa med kollektiva färdmedel; restider med bil är "
            "kortare och visar en nedre gräns."
        )
    if result.network.modelled:
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


#: Swedish names of the travel modes, for the map.
_MODE_SV = {"car": "bil", "walk": "gång"}

#: Columns of the FA-region rule that replace the nearest-anywhere ones on the map.
_FA_COLUMNS = {
    "mean_time_min": "mean_time_fa_min",
    "worst_time_min": "worst_time_fa_min",
    "share_within_threshold": "share_within_threshold_fa",
    "population_beyond_threshold": "population_beyond_threshold_fa",
    "exceeds_by_min": "exceeds_by_fa_min",
}


def write_map(
    result: AnalysisResult,
    path: str | os.PathLike[str],
    *,
    offline: bool = True,
    tiles: bool = False,
    rule: str = "nearest",
) -> Path:
    """Render the board map of ``result`` to ``path`` (atomic).

    With ``rule="fa_region"`` the choropleth shows the FA-region rule's times.
    """
    from tillganglighet.data.geodata import counties, fa_regions
    from tillganglighet.report.maps import accessibility_map, save_map

    if rule not in {"nearest", "fa_region"}:
        raise InputValidationError(f"rule: expected 'nearest' or 'fa_region', got {rule!r}")
    muni = result.municipalities.copy()
    if rule == "fa_region":
        for plain, fa in _FA_COLUMNS.items():
            muni[plain] = muni[fa]
        muni["gap"] = muni["gap_fa"]
    m = accessibility_map(
        muni,
        result.meeting_points,
        result.service_offices,
        fa_regions=fa_regions(),
        counties=counties(),
        threshold_min=result.meta.threshold_min,
        as_of=result.meta.as_of,
        network_label_sv=result.network.label_sv,
        mode_label_sv=_MODE_SV.get(result.meta.mode, result.meta.mode),
        note_sv=_map_note_sv(result, rule),
        tiles=tiles,
    )
    return save_map(m, path, offline=offline)
