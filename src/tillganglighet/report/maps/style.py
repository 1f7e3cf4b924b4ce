"""Colours, Swedish labels and constants of the board map (no folium, no data)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tillganglighet import accessibility
from tillganglighet.errors import InputValidationError
from tillganglighet.report.maps.format import threshold_sv

__all__ = [
    "DEFAULT_ATTRIBUTIONS",
    "KIND_COLOURS",
    "KIND_LABEL_SV",
    "TimeClass",
    "class_index",
    "time_classes",
]

#: Default source line under the map (Swedish).
DEFAULT_ATTRIBUTIONS: tuple[str, ...] = (
    "Kommun-, läns- och FA-gränser: SCB, Tillväxtverket",
    "Orter: GeoNames (CC BY 4.0)",
    "Mötesplatser: Arbetsförmedlingen, rapport 2020-10-23",
)

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION_SV = "Bakgrundskarta © OpenStreetMap-bidragsgivare (ODbL)"

#: Polygon simplification tolerance (metres, EPSG:3006) before the map is written.
SIMPLIFY_TOLERANCE_M = 300.0
#: Decimal places kept for longitude/latitude in the page (4 ≈ 11 m north-south).
COORDINATE_DECIMALS = 4

#: Fill colours of the travel-time classes: a sequential blue scale up to the
#: threshold, unmistakable warm colours beyond it.
CLASS_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#fd8d3c", "#d62728", "#67000d")
MISSING_COLOUR = "#bdbdbd"

#: Marker fill colour per meeting-point kind.
KIND_COLOURS: dict[str, str] = {
    "staffed_office": "#54278f",
    "visiting_office": "#e7298a",
    "office_before_closure": "#8c8c8c",
    "cooperation_ssc": "#1b9e77",
    "cooperation_municipal": "#ffd92f",
    "cooperation_own_premises": "#17becf",
}
KIND_LABEL_SV = {
    "staffed_office": "Fast bemannat kontor",
    "visiting_office": "Kontor vi reser till",
    "office_before_closure": "Kontor (före avveckling)",
    "cooperation_ssc": "Samarbetslösning i servicekontor (SSC)",
    "cooperation_municipal": "Samarbetslösning i kommunens lokaler",
    "cooperation_own_premises": "Samarbetslösning i egen lokal",
}
KIND_RADIUS = {"staffed_office": 6.5}
SERVICE_OFFICE_LABEL_SV = "Statens servicecenter: servicekontor med kundtorg"

RELATION_SV = {
    "same_municipality": "i den egna kommunen",
    "neighbouring_municipality": "i en grannkommun",
    "same_fa_region": "i en annan kommun i samma FA-region",
    "other": "utanför kommunens FA-region",
}


@dataclass(frozen=True)
class TimeClass:
    """One class of the travel-time choropleth.

    Parameters
    ----------
    key
        Stable identifier (``le_a``, ``a_b``, ``b_t``, ``t_c``, ``gt_c``, ``unreachable``).
    label_sv
        Legend text in Swedish, e.g. ``"30–45 min"``.
    colour
        Fill colour as ``#rrggbb``.
    lower_min, upper_min
        Class interval in minutes, ``lower < value <= upper``; ``inf`` as the upper bound
        of the last finite class and as both bounds of ``unreachable``.
    """

    key: str
    label_sv: str
    colour: str
    lower_min: float
    upper_min: float


def time_classes(threshold_min: float = 60) -> list[TimeClass]:
    """Return the choropleth's travel-time classes for a guideline threshold.

    The classes are :func:`tillganglighet.accessibility.time_classes` (the one
    definition the tables use); the map adds a colour and a Swedish legend label with
    decimal comma. Classes up to the threshold use a sequential blue scale; the classes
    beyond it, and "ej nåbar" (unreachable, ``inf``), are orange to dark red.

    Parameters
    ----------
    threshold_min
        The guideline (minutes, one way); must be positive and finite.

    Returns
    -------
    list of TimeClass
        Six classes in legend order.
    """
    if not (math.isfinite(threshold_min) and threshold_min > 0):
        raise InputValidationError(
            f"threshold_min must be a positive, finite number of minutes, got {threshold_min!r}"
        )
    out = []
    for cls, colour in zip(accessibility.time_classes(threshold_min), CLASS_COLOURS, strict=True):
        lo, hi = threshold_sv(cls.lower_min), threshold_sv(cls.upper_min)
        if cls.key == "unreachable":
            label = "ej nåbar"
        elif math.isinf(cls.lower_min):
            label = f"≤ {hi} min"
        elif math.isinf(cls.upper_min):
            label = f"> {lo} min"
        else:
            label = f"{lo}–{hi} min"
        out.append(TimeClass(cls.key, label, colour, cls.lower_min, cls.upper_min))
    return out


def class_index(values: pd.Series | np.ndarray, classes: Sequence[TimeClass]) -> np.ndarray:
    """Index into ``classes`` per value (minutes); -1 for missing (NaN) values."""
    return accessibility.time_class_index(values, list(classes))  # type: ignore[arg-type]
