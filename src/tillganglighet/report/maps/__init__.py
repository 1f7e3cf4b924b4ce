"""Interactive maps for the board: Folium/Leaflet HTML that also works offline.

Rendering only: every figure shown comes from the input frames (see
:func:`accessibility_map` for the columns); nothing is computed here except the colour
class of a value and counts of flags already in the data.

All map text is Swedish. Everything taken from the data (names, labels, notes, the
title) is HTML-escaped before it reaches the page, so a name such as
``<script>alert(1)</script>`` shows as text.

Offline use: :func:`save_map` (``offline=True``, the default) writes one HTML file with
Leaflet's JavaScript, CSS and images inlined from the ``XStatic-Leaflet`` package, and
refuses to write a file that still references a script, style sheet or image on the
internet. Maps built by :func:`accessibility_map` need Leaflet only: no jQuery,
Bootstrap, Font Awesome or d3, so folium's default CDN assets are dropped. Background
tiles (``tiles=True``) are the one exception: they come from OpenStreetMap online.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tillganglighet.data import _validate as v
from tillganglighet._atomic import atomic_write_text
from tillganglighet.errors import InputValidationError, OfflineAssetError

if TYPE_CHECKING:
    import folium

__all__ = [
    "DEFAULT_ATTRIBUTIONS",
    "KIND_COLOURS",
    "OfflineAssetError",
    "TimeClass",
    "accessibility_map",
    "external_references",
    "save_map",
    "time_classes",
]

#: Leaflet version folium 0.20 links to; the inlined copy comes from XStatic-Leaflet.
LEAFLET_VERSION = "1.9.3"
_LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
_LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"
_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_ATTRIBUTION_SV = "Bakgrundskarta © OpenStreetMap-bidragsgivare (ODbL)"

#: Default source line under the map (Swedish).
DEFAULT_ATTRIBUTIONS: tuple[str, ...] = (
    "Kommun-, läns- och FA-gränser: SCB, Tillväxtverket",
    "Orter: GeoNames (CC BY 4.0)",
    "Mötesplatser: Arbetsförmedlingen, rapport 2020-10-23",
)

#: Polygon simplification tolerance (metres, EPSG:3006) before the map is written.
SIMPLIFY_TOLERANCE_M = 300.0
#: Decimal places kept for longitude/latitude in the page (4 ≈ 11 m north-south).
COORDINATE_DECIMALS = 4

#: Fill colours of the travel-time classes: a sequential blue scale up to the
#: threshold, unmistakable warm colours beyond it.
_CLASS_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#fd8d3c", "#d62728", "#67000d")
_MISSING_COLOUR = "#bdbdbd"

#: Marker fill colour per meeting-point kind.
KIND_COLOURS: dict[str, str] = {
    "staffed_office": "#54278f",
    "visiting_office": "#e7298a",
    "office_before_closure": "#8c8c8c",
    "cooperation_ssc": "#1b9e77",
    "cooperation_municipal": "#ffd92f",
    "cooperation_own_premises": "#17becf",
}
_KIND_LABEL_SV = {
    "staffed_office": "Fast bemannat kontor",
    "visiting_office": "Kontor vi reser till",
    "office_before_closure": "Kontor (före avveckling)",
    "cooperation_ssc": "Samarbetslösning i servicekontor (SSC)",
    "cooperation_municipal": "Samarbetslösning i kommunens lokaler",
    "cooperation_own_premises": "Samarbetslösning i egen lokal",
}
_KIND_RADIUS = {"staffed_office": 6.5}
_SERVICE_OFFICE_LABEL_SV = "Statens servicecenter: servicekontor med kundtorg"
_SERVICE_OFFICE_COLOUR = "#ffffff"

_RELATION_SV = {
    "same_municipality": "i den egna kommunen",
    "neighbouring_municipality": "i en grannkommun",
    "same_fa_region": "i en annan kommun i samma FA-region",
    "other": "utanför kommunens FA-region",
}

_REQUIRED_MUNICIPALITY_COLUMNS = ("kommun", "mean_time_min", "gap")
_REQUIRED_POINT_COLUMNS = ("name", "kind")
_REQUIRED_SERVICE_COLUMNS = ("name",)

_NBSP = "\u00a0"


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


def _num_sv(value: float, decimals: int = 0) -> str:
    """Format a number the Swedish way: decimal comma, non-breaking thousands space."""
    text = f"{value:,.{decimals}f}".replace(",", _NBSP).replace(".", ",")
    return text


def _threshold_sv(threshold_min: float) -> str:
    return f"{threshold_min:g}".replace(".", ",")


def time_classes(threshold_min: float = 60) -> list[TimeClass]:
    """Return the choropleth's travel-time classes for a guideline threshold.

    The class edges scale with the threshold: half, three quarters, the threshold and
    one and a half times it (30, 45, 60 and 90 minutes for the report's 60-minute
    guideline). Classes up to the threshold use a sequential blue scale; the classes
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
    a, b, t, c = (threshold_min * f for f in (0.5, 0.75, 1.0, 1.5))
    fmt = _threshold_sv
    return [
        TimeClass("le_a", f"≤ {fmt(a)} min", _CLASS_COLOURS[0], -math.inf, a),
        TimeClass("a_b", f"{fmt(a)}–{fmt(b)} min", _CLASS_COLOURS[1], a, b),
        TimeClass("b_t", f"{fmt(b)}–{fmt(t)} min", _CLASS_COLOURS[2], b, t),
        TimeClass("t_c", f"{fmt(t)}–{fmt(c)} min", _CLASS_COLOURS[3], t, c),
        TimeClass("gt_c", f"> {fmt(c)} min", _CLASS_COLOURS[4], c, math.inf),
        TimeClass("unreachable", "ej nåbar", _CLASS_COLOURS[5], math.inf, math.inf),
    ]


def _class_index(values: pd.Series, classes: Sequence[TimeClass]) -> np.ndarray:
    """Index into ``classes`` per value; -1 for missing (NaN) values."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    finite_upper = np.array([c.upper_min for c in classes[:4]])
    idx = np.searchsorted(finite_upper, x, side="left")  # value <= upper -> that class
    idx = np.where(np.isposinf(x), len(classes) - 1, idx)
    return np.where(np.isnan(x), -1, idx).astype(int)


# --------------------------------------------------------------------------- helpers


def _esc(value: object) -> str:
    """HTML-escape a value from the data; missing values become an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _minutes_sv(value: object) -> str:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "uppgift saknas"
    if math.isnan(x):
        return "uppgift saknas"
    if math.isinf(x):
        return "ej nåbar"
    return f"{_num_sv(x, 0 if abs(x) >= 10 else 1)}{_NBSP}min"


def _int_sv(value: object) -> str:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "uppgift saknas"
    return "uppgift saknas" if math.isnan(x) else _num_sv(x, 0)


def _share_sv(value: object) -> str:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "uppgift saknas"
    return "uppgift saknas" if math.isnan(x) else f"{_num_sv(100 * x, 0)}{_NBSP}%"


def _flag(value: object) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def _script_json(obj: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


def _check_frame(gdf: object, name: str, columns: Sequence[str]) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputValidationError(
            f"{name} must be a geopandas.GeoDataFrame, got {type(gdf).__name__}"
        )
    v.require_columns(gdf, columns, where=v.Where(), purpose=f" in {name}")
    v.require_crs(gdf, where=v.Where(f"{name} (in memory)"))
    return gdf


def _to_lonlat(gdf: gpd.GeoDataFrame, *, simplify: bool) -> np.ndarray:
    """Geometries in EPSG:4326, optionally simplified in metres, coordinates rounded."""
    geom = gdf.geometry
    if simplify:
        metric = geom.to_crs(v.SWEREF99TM) if not geom.crs.equals(v.SWEREF99TM) else geom
        values = metric.to_numpy()
        try:
            valid_coverage = bool(shapely.coverage_is_valid(values))
        except Exception:  # noqa: BLE001 - GEOS without coverage support
            valid_coverage = False
        if valid_coverage:
            simplified = shapely.coverage_simplify(values, SIMPLIFY_TOLERANCE_M)
        else:
            simplified = shapely.simplify(values, SIMPLIFY_TOLERANCE_M, preserve_topology=True)
        geom = gpd.GeoSeries(simplified, index=geom.index, crs=metric.crs)
    lonlat = geom.to_crs("EPSG:4326").to_numpy()
    return shapely.transform(lonlat, lambda c: np.round(c, COORDINATE_DECIMALS))


def _feature_collection(geoms: np.ndarray, props: Sequence[dict[str, Any]]) -> dict[str, Any]:
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


# --------------------------------------------------------------- folium elements


@cache
def _elements() -> dict[str, type]:
    """Folium element classes, created on first use so folium is imported lazily."""
    from branca.element import MacroElement
    from folium.map import Layer
    from jinja2 import Template

    class ScriptLayer(Layer):  # type: ignore[misc]
        """A Leaflet layer built by one of the helper functions in ``_HELPERS_JS``."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = tgMaps.{{ this.factory }}({{ this.data }});\n"
            "{% endmacro %}"
        )

        def __init__(
            self,
            factory: str,
            data: str,
            *,
            name: str,
            overlay: bool = True,
            control: bool = True,
            show: bool = True,
        ) -> None:
            super().__init__(name=name, overlay=overlay, control=control, show=show)
            self._name = "ScriptLayer"
            self.factory = factory
            self.data = data

    class Helpers(MacroElement):  # type: ignore[misc]
        """CSS and JavaScript helpers shared by the map's layers and boxes."""

        _template = Template(
            "{% macro header(this, kwargs) %}<style>" + _CSS + "</style>{% endmacro %}"
            "{% macro script(this, kwargs) %}"
            + _HELPERS_JS
            + "tgMaps.panes({{ this._parent.get_name() }});\n{% endmacro %}"
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "TgHelpers"

    class Call(MacroElement):  # type: ignore[misc]
        """Call ``tgMaps.<function>(map, data)``: boxes (controls), fitting the view."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = tgMaps.{{ this.function }}("
            "{{ this._parent.get_name() }}, {{ this.data }});\n{% endmacro %}"
        )

        def __init__(self, function: str, data: str) -> None:
            super().__init__()
            self._name = "TgCall"
            self.function = function
            self.data = data

    return {"ScriptLayer": ScriptLayer, "Helpers": Helpers, "Call": Call}


_CSS = """
.leaflet-container{background:#e9eef2;font-family:system-ui,-apple-system,"Segoe UI",Roboto,
 "Helvetica Neue",Arial,sans-serif;}
.tg-box{background:rgba(255,255,255,.95);padding:8px 12px;border-radius:6px;
 box-shadow:0 1px 6px rgba(0,0,0,.35);color:#1a1a1a;font-size:13px;line-height:1.35;
 max-width:330px;}
.tg-title h1{font-size:19px;line-height:1.2;margin:0 0 6px 0;font-weight:700;}
.tg-title .tg-facts{margin:0;padding:0;list-style:none;}
.tg-title .tg-facts li{margin:1px 0;}
.tg-title .tg-sum{margin-top:6px;font-weight:600;}
.tg-title .tg-note{margin-top:6px;font-size:12px;color:#6b3d00;max-width:300px;}
.tg-legend h2{font-size:13px;margin:4px 0 4px 0;font-weight:700;}
.tg-row{display:flex;align-items:center;margin:2px 0;}
.tg-sw{flex:none;display:inline-block;width:24px;height:15px;margin-right:8px;
 box-sizing:border-box;}
.tg-line{flex:none;display:inline-block;width:24px;height:15px;margin-right:8px;
 box-sizing:border-box;background:#f3f3f3;}
.tg-dot{flex:none;display:inline-block;width:12px;height:12px;border-radius:50%;
 border:1px solid #1a1a1a;margin:0 14px 0 6px;}
.tg-sq{background:#ffffff;border:2px solid #1a1a1a;box-sizing:border-box;}
.tg-sq-legend{flex:none;display:inline-block;width:11px;height:11px;margin:0 14px 0 6px;}
.tg-attr{font-size:11px;color:#333;margin-top:6px;border-top:1px solid #ccc;padding-top:4px;}
.tg-dot-lc{margin:0 6px 0 2px;vertical-align:-1px;}
.tg-pop .leaflet-popup-content{font-size:13px;line-height:1.35;}
.leaflet-tooltip{font-size:13px;}
.tg-pop table{border-collapse:collapse;font-size:12.5px;}
.tg-pop th{text-align:left;font-weight:600;padding:1px 10px 1px 0;vertical-align:top;}
.tg-pop td{padding:1px 0;vertical-align:top;}
.tg-pop h3{font-size:15px;margin:0 0 2px 0;}
.tg-pop .tg-sub{color:#555;margin-bottom:6px;}
.tg-pop .tg-gap{color:#b30000;font-weight:700;margin-top:6px;}
.tg-pop .tg-ok{color:#1b5e20;font-weight:600;margin-top:6px;}
.leaflet-control-layers{font-size:13px;max-width:330px;}
.leaflet-control-layers-expanded{padding:6px 10px;}
"""

_HELPERS_JS = r"""
var tgMaps = window.tgMaps = window.tgMaps || {};
tgMaps.panes = function (map) {
  [["tg-kommuner", 410], ["tg-granser", 420], ["tg-punkter", 630]].forEach(function (p) {
    if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = p[1]; }
  });
};
tgMaps.choropleth = function (d) {
  var style = function (f) {
    return Object.assign({}, d.fill[f.properties.c], d.outline[f.properties.g]);
  };
  return L.geoJSON(d.fc, {
    pane: "tg-kommuner",
    style: style,
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.t, {sticky: true, direction: "top", opacity: 0.95});
      layer.bindPopup(f.properties.p, {maxWidth: 360, className: "tg-pop"});
      layer.on("mouseover", function () { layer.setStyle(d.hover); });
      layer.on("mouseout", function () { layer.setStyle(style(f)); });
    }
  });
};
tgMaps.lines = function (d) {
  return L.geoJSON(d.fc, {pane: "tg-granser", interactive: false, style: function () {
    return d.style;
  }});
};
tgMaps.points = function (d) {
  var group = L.featureGroup();
  d.pts.forEach(function (p) {
    L.circleMarker([p[0], p[1]], Object.assign({pane: "tg-punkter"}, d.style))
      .bindTooltip(p[2], {direction: "top"})
      .bindPopup(p[3], {maxWidth: 320, className: "tg-pop"})
      .addTo(group);
  });
  return group;
};
tgMaps.squares = function (d) {
  var group = L.featureGroup();
  d.pts.forEach(function (p) {
    L.marker([p[0], p[1]], {pane: "tg-punkter", icon: L.divIcon({
      className: "tg-sq", html: "", iconSize: [d.size, d.size]})})
      .bindTooltip(p[2], {direction: "top"})
      .bindPopup(p[3], {maxWidth: 320, className: "tg-pop"})
      .addTo(group);
  });
  return group;
};
tgMaps.fit = function (map, d) {
  var touched = false;
  var fit = function () { map.fitBounds(d.bounds, {padding: d.padding, animate: false}); };
  ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (type) {
    map.getContainer().addEventListener(type, function () { touched = true; });
  });
  map.on("resize", function () { if (!touched) { fit(); } });
  fit();
};
tgMaps.box = function (map, d) {
  var control = L.control({position: d.position});
  control.onAdd = function () {
    var div = L.DomUtil.create("div", d.className);
    div.innerHTML = d.html;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.addTo(map);
  return control;
};
"""


def _import_folium() -> Any:
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The interactive map needs folium: `pip install folium XStatic-Leaflet` "
            "(or `conda install -c conda-forge folium`)."
        ) from exc
    return folium


# ----------------------------------------------------------------------- popups


def _municipality_popup(row: pd.Series, threshold: str, mode_sv: str, has: set[str]) -> str:
    name = _esc(row["kommun"])
    sub = ", ".join(
        x
        for x in (
            _esc(row.get("lan")),
            _esc(row.get("fa_namn")) and f"FA-region {_esc(row.get('fa_namn'))}",
        )
        if x
    )
    rows: list[tuple[str, str]] = []
    if "population" in has:
        rows.append(("Befolkning", _int_sv(row["population"])))
    rows.append(("Befolkningsviktad restid", _minutes_sv(row["mean_time_min"])))
    if "worst_time_min" in has:
        rows.append(("Längsta restid", _minutes_sv(row["worst_time_min"])))
    if "largest_settlement" in has and "largest_settlement_time_min" in has:
        settlement = _esc(row["largest_settlement"]) or "största orten"
        rows.append((f"Restid från {settlement}", _minutes_sv(row["largest_settlement_time_min"])))
    if "share_within_threshold" in has:
        rows.append((f"Andel inom {threshold} min", _share_sv(row["share_within_threshold"])))
    if "population_beyond_threshold" in has:
        rows.append(
            (f"Invånare bortom {threshold} min", _int_sv(row["population_beyond_threshold"]))
        )
    if "nearest_point_name" in has:
        details = ", ".join(
            x
            for x in (_esc(row.get("nearest_point_kind_sv")), _esc(row.get("nearest_point_kommun")))
            if x
        )
        text = _esc(row["nearest_point_name"]) or "ingen"
        if details:
            text += f" ({details})"
        relation = _RELATION_SV.get(str(row.get("nearest_point_relation")), "")
        if relation:
            text += f", {relation}"
        rows.append(("Närmaste mötesplats", text))
    table = "".join(f"<tr><th>{k}</th><td>{val}</td></tr>" for k, val in rows)
    if _flag(row["gap"]):
        exceeds = row.get("exceeds_by_min")
        if exceeds is not None and not pd.isna(exceeds):
            verdict = (
                f'<div class="tg-gap">Över riktvärdet med {_minutes_sv(exceeds)} '
                f"({threshold} min med {_esc(mode_sv)})</div>"
            )
        else:
            verdict = f'<div class="tg-gap">Över riktvärdet ({threshold} min)</div>'
    else:
        verdict = f'<div class="tg-ok">Inom riktvärdet ({threshold} min)</div>'
    fa = ""
    if "gap_fa" in has:
        fa_time = _minutes_sv(row["mean_time_fa_min"]) if "mean_time_fa_min" in has else ""
        fa_time = f"{fa_time}, " if fa_time else ""
        result = "över riktvärdet" if _flag(row["gap_fa"]) else "inom riktvärdet"
        cls = "tg-gap" if _flag(row["gap_fa"]) else "tg-ok"
        fa = (
            f'<div class="{cls}">FA-regeln (bara mötesplatser i kommunens egen '
            f"FA-region): {fa_time}{result}</div>"
        )
    return (
        f"<h3>{name}</h3>"
        + (f'<div class="tg-sub">{sub}</div>' if sub else "")
        + f"<table>{table}</table>{verdict}{fa}"
    )


def _point_popup(row: pd.Series, kind_label: str) -> tuple[str, str]:
    name = _esc(row["name"])
    rows = [("Typ", kind_label)]
    for col, label in (("place", "Ort"), ("kommun", "Kommun"), ("note", "Anmärkning")):
        if col in row.index and _esc(row[col]):
            rows.append((label, _esc(row[col])))
    table = "".join(f"<tr><th>{k}</th><td>{val}</td></tr>" for k, val in rows)
    return f"<b>{name}</b><br>{kind_label}", f"<h3>{name}</h3><table>{table}</table>"


def _service_popup(row: pd.Series) -> tuple[str, str]:
    name = _esc(row["name"])
    rows = [("Typ", _SERVICE_OFFICE_LABEL_SV)]
    for col, label in (("place", "Ort"), ("kommun", "Kommun"), ("rollout_month", "Kundtorg från")):
        if col in row.index and _esc(row[col]):
            rows.append((label, _esc(row[col])))
    table = "".join(f"<tr><th>{k}</th><td>{val}</td></tr>" for k, val in rows)
    return (
        f"<b>{name}</b><br>Servicekontor med kundtorg",
        f"<h3>{name}</h3><table>{table}</table>",
    )


# -------------------------------------------------------------------------- map


def accessibility_map(
    municipalities: gpd.GeoDataFrame,
    meeting_points: gpd.GeoDataFrame,
    service_offices: gpd.GeoDataFrame | None = None,
    *,
    fa_regions: gpd.GeoDataFrame | None = None,
    counties: gpd.GeoDataFrame | None = None,
    threshold_min: float = 60,
    as_of: str,
    network_label_sv: str,
    mode_label_sv: str = "bil",
    attributions: Sequence[str] = DEFAULT_ATTRIBUTIONS,
    title: str | None = None,
    note_sv: str | None = None,
    tiles: bool = False,
    m: folium.Map | None = None,
) -> folium.Map:
    """Draw the board's map: travel time per municipality, meeting points, boundaries.

    Municipalities are coloured by population-weighted mean travel time (minutes) to the
    nearest booked-meeting point in the classes of :func:`time_classes`; those above the
    guideline get a heavy outline, those above it only under the FA-region rule a dashed
    outline. Hovering shows name and minutes; clicking shows the municipality's figures.
    Meeting points are circles coloured by kind, one layer per kind; Statens
    servicecenter's service offices are white squares. A title box names the date, the
    threshold, the mode and the network; a legend and a source line are always visible.
    All text is Swedish and every value from the data is HTML-escaped.

    Parameters
    ----------
    municipalities
        One row per municipality with polygons (any CRS; EPSG:3006 expected). Required
        columns: ``kommun``, ``mean_time_min`` (minutes; ``inf`` = unreachable, NaN =
        unknown), ``gap`` (bool). Shown when present: ``lan``, ``fa_namn``,
        ``population``, ``worst_time_min``, ``largest_settlement``,
        ``largest_settlement_time_min``, ``share_within_threshold`` (0..1),
        ``population_beyond_threshold``, ``exceeds_by_min``, ``gap_fa`` (bool),
        ``mean_time_fa_min``, ``nearest_point_name``, ``nearest_point_kind_sv``,
        ``nearest_point_kommun``, ``nearest_point_relation``.
    meeting_points
        Booked-meeting points: ``name``, ``kind`` (see :data:`KIND_COLOURS`), optional
        ``kind_sv``, ``place``, ``kommun``, ``note``; point geometry.
    service_offices
        Statens servicecenter's service offices with kundtorg: ``name``, optional
        ``place``, ``kommun``, ``rollout_month``; point geometry. None: no such layer.
    fa_regions
        FA-region polygons, drawn as thin boundary lines (layer on).
    counties
        County polygons, drawn as boundary lines (layer off by default).
    threshold_min
        The guideline (minutes, one way); moves the class edges and the texts.
    as_of
        The date the meeting-point network refers to, shown in the title box.
    network_label_sv
        Swedish name of the travel network, e.g. ``"modellerat vägnät"``; shown in the
        title box.
    mode_label_sv
        Swedish name of the mode of travel, e.g. ``"bil"`` or ``"kollektivtrafik"``.
    attributions
        Source lines (Swedish) shown under the map. OpenStreetMap is added when
        ``tiles`` is true.
    title
        Map title; default "Tillgång till förbokat fysiskt möte hos Arbetsförmedlingen".
    note_sv
        Optional caveat shown under the summary in the title box (escaped), e.g. that
        the times are car times on a modelled network.
    tiles
        Draw OpenStreetMap background tiles (needs internet when the map is opened).
        False: no tile requests at all.
    m
        Existing map to draw on. Its assets are left as they are; a new map (None) links
        only Leaflet and is fitted to the municipalities.

    Returns
    -------
    folium.Map
        The map; write it with :func:`save_map`.
    """
    folium = _import_folium()
    elements = _elements()
    classes = time_classes(threshold_min)
    thr = _threshold_sv(threshold_min)

    kommuner = _check_frame(municipalities, "municipalities", _REQUIRED_MUNICIPALITY_COLUMNS)
    points = _check_frame(meeting_points, "meeting_points", _REQUIRED_POINT_COLUMNS)
    offices = (
        None
        if service_offices is None
        else _check_frame(service_offices, "service_offices", _REQUIRED_SERVICE_COLUMNS)
    )
    fa = None if fa_regions is None else _check_frame(fa_regions, "fa_regions", ())
    lan = None if counties is None else _check_frame(counties, "counties", ())
    unknown = sorted(set(points["kind"].astype(str)) - set(KIND_COLOURS))
    if unknown:
        raise InputValidationError(
            f"meeting_points: unknown kind(s) {unknown}; expected one of {sorted(KIND_COLOURS)}"
        )

    fill_opacity = 0.65 if tiles else 1.0
    bounds = kommuner.to_crs("EPSG:4326").total_bounds  # lon/lat
    if m is None:
        m = folium.Map(
            location=[float((bounds[1] + bounds[3]) / 2), float((bounds[0] + bounds[2]) / 2)],
            zoom_start=5,
            tiles=None,
            min_zoom=3,
            max_zoom=18,
            zoom_snap=0.1,
            zoom_delta=0.5,
            zoom_control="bottomleft",
            control_scale=True,
            attribution_control=False,
        )
        # Leaflet alone: no jQuery, Bootstrap, Font Awesome or awesome-markers.
        m.default_js = [("leaflet", _LEAFLET_JS_URL)]
        m.default_css = [("leaflet_css", _LEAFLET_CSS_URL)]
        # Fit Sweden to the window now and whenever the window is resized, until the
        # user pans or zooms.
        view = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
        m.add_child(elements["Helpers"]())
        elements["Call"]("fit", _script_json({"bounds": view, "padding": [12, 12]})).add_to(m)
    else:
        m.add_child(elements["Helpers"]())
    if tiles:
        folium.TileLayer(
            _OSM_TILES,
            attr=_OSM_ATTRIBUTION_SV,
            name="OpenStreetMap",
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)

    # ---- choropleth
    has = set(kommuner.columns)
    cls_idx = _class_index(kommuner["mean_time_min"], classes)
    gap = kommuner["gap"].map(_flag).to_numpy(dtype=bool)
    gap_fa = (
        kommuner["gap_fa"].map(_flag).to_numpy(dtype=bool)
        if "gap_fa" in has
        else np.zeros(len(kommuner), dtype=bool)
    )
    outline = np.where(gap, 1, np.where(gap_fa, 2, 0))
    props = []
    for i, (_, row) in enumerate(kommuner.iterrows()):
        minutes = _minutes_sv(row["mean_time_min"])
        tip = f"<b>{_esc(row['kommun'])}</b><br>{minutes}"
        if gap[i]:
            tip += " – över riktvärdet"
        elif gap_fa[i]:
            tip += " – över riktvärdet med FA-regeln"
        props.append(
            {
                "c": int(cls_idx[i]) if cls_idx[i] >= 0 else len(classes),
                "g": int(outline[i]),
                "t": tip,
                "p": _municipality_popup(row, thr, mode_label_sv, has),
            }
        )
    order = np.argsort(outline == 1, kind="stable")  # heavy outlines drawn last
    order = np.concatenate(
        [order[outline[order] == 0], order[outline[order] == 2], order[outline[order] == 1]]
    )
    geoms = _to_lonlat(kommuner, simplify=True)
    fc = _feature_collection(geoms[order], [props[i] for i in order])
    fills = [{"fillColor": c.colour, "fillOpacity": fill_opacity} for c in classes]
    fills.append({"fillColor": _MISSING_COLOUR, "fillOpacity": fill_opacity})
    outlines = [
        {"color": "#ffffff", "weight": 0.6, "opacity": 0.9, "dashArray": None},
        {"color": "#111111", "weight": 2.6, "opacity": 1, "dashArray": None},
        {"color": "#111111", "weight": 2, "opacity": 1, "dashArray": "6 4"},
    ]
    data = {
        "fc": fc,
        "fill": fills,
        "outline": outlines,
        "hover": {"color": "#000000", "weight": 3, "dashArray": None},
    }
    elements["ScriptLayer"]("choropleth", _script_json(data), name="Restid per kommun").add_to(m)

    # ---- boundaries
    for frame, label, style, show in (
        (
            fa,
            "FA-regioner (gränser)",
            {"color": "#3a3a3a", "weight": 1.1, "opacity": 0.9, "fill": False},
            True,
        ),
        (
            lan,
            "Län (gränser)",
            {"color": "#000000", "weight": 1.6, "opacity": 0.9, "fill": False, "dashArray": "1 4"},
            False,
        ),
    ):
        if frame is None or frame.empty:
            continue
        lines = _feature_collection(_to_lonlat(frame, simplify=True), [{}] * len(frame))
        elements["ScriptLayer"](
            "lines", _script_json({"fc": lines, "style": style}), name=label, show=show
        ).add_to(m)

    # ---- meeting points, one layer per kind
    kind_labels: dict[str, str] = {}
    if len(points):
        pts_ll = points.geometry.to_crs("EPSG:4326")
        for kind, colour in KIND_COLOURS.items():
            mask = (points["kind"].astype(str) == kind).to_numpy()
            if not mask.any():
                continue
            sub = points[mask]
            label = _KIND_LABEL_SV[kind]
            if "kind_sv" in sub.columns:
                given = sub["kind_sv"].dropna().astype(str)
                label = _esc(given.iloc[0]) if len(given) and given.iloc[0].strip() else label
            kind_labels[kind] = label
            rows = []
            for (_, row), geom in zip(sub.iterrows(), pts_ll[mask], strict=True):
                if geom is None or geom.is_empty:
                    continue
                tip, pop = _point_popup(row, label)
                rows.append([round(geom.y, 5), round(geom.x, 5), tip, pop])
            style = {
                "radius": _KIND_RADIUS.get(kind, 5),
                "color": "#1a1a1a",
                "weight": 1,
                "opacity": 1,
                "fillColor": colour,
                "fillOpacity": 1,
            }
            elements["ScriptLayer"](
                "points",
                _script_json({"pts": rows, "style": style}),
                name=f'<span class="tg-dot tg-dot-lc" style="background:{colour}"></span>{label}',
            ).add_to(m)
    if offices is not None and len(offices):
        off_ll = offices.geometry.to_crs("EPSG:4326")
        rows = []
        for (_, row), geom in zip(offices.iterrows(), off_ll, strict=True):
            if geom is None or geom.is_empty:
                continue
            tip, pop = _service_popup(row)
            rows.append([round(geom.y, 5), round(geom.x, 5), tip, pop])
        elements["ScriptLayer"](
            "squares",
            _script_json({"pts": rows, "size": 10}),
            name='<span class="tg-sq tg-sq-legend tg-dot-lc"></span>SSC servicekontor med kundtorg',
        ).add_to(m)

    # ---- title box, legend, sources
    title_text = (
        _esc(title) if title else "Tillgång till förbokat fysiskt möte hos Arbetsförmedlingen"
    )
    n_gap = int(gap.sum())
    summary = f"Över riktvärdet: {n_gap} av {len(kommuner)} kommuner"
    if "gap_fa" in has:
        summary += f" (med FA-regeln: {int(gap_fa.sum())})"
    title_html = (
        f'<h1>{title_text}</h1><ul class="tg-facts">'
        f"<li>Läge: <b>{_esc(as_of)}</b></li>"
        f"<li>Riktvärde: <b>{thr} min</b> enkel resa</li>"
        f"<li>Färdsätt: <b>{_esc(mode_label_sv)}</b></li>"
        f"<li>Nätverk: <b>{_esc(network_label_sv)}</b></li></ul>"
        f'<div class="tg-sum">{summary}</div>'
        + (f'<div class="tg-note">{_esc(note_sv)}</div>' if note_sv else "")
    )
    legend = ["<h2>Befolkningsviktad restid till närmaste mötesplats</h2>"]
    present_missing = bool((cls_idx < 0).any())
    for c in classes:
        legend.append(
            f'<div class="tg-row"><span class="tg-sw" style="background:{c.colour}">'
            f"</span>{html.escape(c.label_sv)}</div>"
        )
    if present_missing:
        legend.append(
            f'<div class="tg-row"><span class="tg-sw" style="background:'
            f'{_MISSING_COLOUR}"></span>uppgift saknas</div>'
        )
    legend.append(
        f'<div class="tg-row"><span class="tg-line" style="border:3px solid #111">'
        f"</span>Över riktvärdet ({thr} min)</div>"
    )
    if "gap_fa" in has:
        legend.append(
            '<div class="tg-row"><span class="tg-line" style="border:2px dashed '
            '#111"></span>Över riktvärdet bara med FA-regeln</div>'
        )
    if kind_labels or (offices is not None and len(offices)):
        legend.append("<h2>Mötesplatser</h2>")
        for kind, label in kind_labels.items():
            legend.append(
                f'<div class="tg-row"><span class="tg-dot" style="background:'
                f'{KIND_COLOURS[kind]}"></span>{label}</div>'
            )
        if offices is not None and len(offices):
            legend.append(
                '<div class="tg-row"><span class="tg-sq tg-sq-legend"></span>'
                f"{_SERVICE_OFFICE_LABEL_SV}</div>"
            )
    sources = [*attributions, *([_OSM_ATTRIBUTION_SV] if tiles else [])]
    legend.append(
        '<div class="tg-attr">Källor: '
        + " · ".join(_esc(s) for s in sources if str(s).strip())
        + "</div>"
    )
    for position, cls, body in (
        ("topleft", "tg-box tg-title", title_html),
        ("bottomright", "tg-box tg-legend", "".join(legend)),
    ):
        elements["Call"](
            "box", _script_json({"position": position, "className": cls, "html": body})
        ).add_to(m)
    folium.LayerControl(position="topleft", collapsed=False).add_to(m)
    root = m.get_root()
    if hasattr(root, "title"):
        root.title = html.escape(title) if title else "Tillgång till förbokat fysiskt möte"
    return m


# ------------------------------------------------------------------------ saving


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (images as data: URIs) from XStatic-Leaflet."""
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:
        raise ImportError(
            "Offline maps inline Leaflet from the XStatic-Leaflet package: "
            "`pip install XStatic-Leaflet` (or save with offline=False)."
        ) from exc
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(name: str) -> str:
        raw = (base / "images" / name).read_bytes()
        return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")

    css = re.sub(
        r"url\((['\"]?)images/([\w.-]+\.png)\1\)", lambda mo: f'url("{data_uri(mo.group(2))}")', css
    )
    icons = (
        "L.Icon.Default.mergeOptions({"
        f"iconUrl:{json.dumps(data_uri('marker-icon.png'))},"
        f"iconRetinaUrl:{json.dumps(data_uri('marker-icon-2x.png'))},"
        f"shadowUrl:{json.dumps(data_uri('marker-shadow.png'))}}});"
        "L.Icon.Default.imagePath='';"  # a string: no path detection from the CSS
    )
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    js = js.replace("</script", "<\\/script") + "\n" + icons
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    return js, css.replace("</style", "<\\/style")


_SCRIPT_SRC = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>\s*</script>", re.IGNORECASE
)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*/?>", re.IGNORECASE)
_EXTERNAL = re.compile(
    r"(?:<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc"
    r"|<link\b[^>]*\bhref)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]*)"
    r"|url\(\s*[\"']?\s*((?:https?:)?//[^\"')\s]*)"
    r"|(@import\b[^;]*)",
    re.IGNORECASE,
)


def external_references(page: str) -> list[str]:
    """Return the internet addresses of scripts, style sheets and images in ``page``.

    Parameters
    ----------
    page
        An HTML document.

    Returns
    -------
    list of str
        Every ``http://``, ``https://`` or protocol-relative ``src``/``href`` of a
        script, style sheet, image or frame, CSS ``url(...)`` and ``@import`` found.
    """
    return [next((g for g in mo.groups() if g), mo.group(0)) for mo in _EXTERNAL.finditer(page)]


def _inline_leaflet(page: str) -> str:
    js, css = _leaflet_assets()

    def script(mo: re.Match[str]) -> str:
        if mo.group(1).rsplit("/", 1)[-1] == "leaflet.js":
            return f"<script>{js}</script>"
        return mo.group(0)

    def link(mo: re.Match[str]) -> str:
        if mo.group(1).rsplit("/", 1)[-1] == "leaflet.css":
            return f"<style>{css}</style>"
        return mo.group(0)

    return _LINK_HREF.sub(link, _SCRIPT_SRC.sub(script, page))


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> Path:
    """Write a map to one HTML file, atomically (temporary file, then rename).

    Parameters
    ----------
    m
        The map, e.g. from :func:`accessibility_map`.
    path
        Target file; its folder is created if needed.
    offline
        Inline Leaflet (JavaScript, CSS and images) so the file opens with no internet,
        and check that no script, style sheet or image is loaded from the internet
        (background tiles, if the map has them, still are). False: link Leaflet from
        its CDN as folium does.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OfflineAssetError
        With ``offline=True``, when the page still references an external script, style
        sheet or image (e.g. a map with folium's default jQuery/Bootstrap assets or a
        plugin); nothing is written.
    """
    target = Path(path)
    page = m.get_root().render()
    if offline:
        page = _inline_leaflet(page)
        remaining = external_references(page)
        if remaining:
            raise OfflineAssetError(
                "save_map(offline=True): the map still loads these from the internet: "
                + ", ".join(sorted(set(remaining)))
                + ". Build it with accessibility_map() (Leaflet only), drop the assets from "
                "m.default_js / m.default_css, or save with offline=False."
            )
    page = page.replace("<html>", '<html lang="sv">', 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, page)
    return target
