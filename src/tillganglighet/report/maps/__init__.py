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
internet; :class:`OfflineMap` shows the same page in a notebook. Maps built by
:func:`accessibility_map` need Leaflet only: no jQuery, Bootstrap, Font Awesome or d3,
so folium's default CDN assets are dropped. Background tiles (``tiles=True``) are the
one exception: they come from OpenStreetMap online. Element ids are numbered, not
random, so identical inputs give a byte-identical page.

Modules: :mod:`.style` (colours, labels, classes), :mod:`.format` (Swedish numbers),
:mod:`.popups`, :mod:`.layers`, :mod:`.legend`, :mod:`.elements` (folium elements,
``static/map.js`` and ``map.css``), :mod:`.offline` (inlining, saving).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd

from tillganglighet.errors import InputValidationError, OfflineAssetError
from tillganglighet.report.maps import layers, places
from tillganglighet.report.maps.elements import elements as _elements
from tillganglighet.report.maps.elements import import_folium
from tillganglighet.report.maps.format import script_json
from tillganglighet.report.maps.geo import check_frame
from tillganglighet.report.maps.legend import legend_box, title_box, title_heading
from tillganglighet.report.maps.offline import (
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    OfflineMap,
    external_references,
    render_page,
    save_map,
)
from tillganglighet.report.maps.popups import Rules
from tillganglighet.report.maps.style import (
    DEFAULT_ATTRIBUTIONS,
    KIND_COLOURS,
    OSM_ATTRIBUTION_SV,
    OSM_TILES,
    TimeClass,
    time_classes,
)

if TYPE_CHECKING:
    import folium

__all__ = [
    "DEFAULT_ATTRIBUTIONS",
    "KIND_COLOURS",
    "OfflineAssetError",
    "OfflineMap",
    "TimeClass",
    "accessibility_map",
    "external_references",
    "render_page",
    "save_map",
    "time_classes",
]

_REQUIRED_MUNICIPALITY_COLUMNS = ("kommun", "mean_time_min", "gap")
_REQUIRED_POINT_COLUMNS = ("name", "kind")
_REQUIRED_SERVICE_COLUMNS = ("name",)


def _new_map(kommuner: gpd.GeoDataFrame) -> folium.Map:
    """A Leaflet-only map fitted to the municipalities, metric scale bar."""
    folium = import_folium()
    bounds = kommuner.to_crs("EPSG:4326").total_bounds  # lon/lat
    m = folium.Map(
        location=[float((bounds[1] + bounds[3]) / 2), float((bounds[0] + bounds[2]) / 2)],
        zoom_start=5,
        tiles=None,
        min_zoom=3,
        max_zoom=18,
        zoom_snap=0.1,
        zoom_delta=0.5,
        zoom_control="bottomleft",
        control_scale=False,
        attribution_control=False,
    )
    # Leaflet alone: no jQuery, Bootstrap, Font Awesome or awesome-markers.
    m.default_js = [("leaflet", LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    m.add_child(_elements()["Helpers"]())
    # Fit Sweden to the window now and whenever the window is resized, until the user
    # pans or zooms.
    view = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
    _elements()["Call"]("fit", script_json({"bounds": view, "padding": [12, 12]})).add_to(m)
    _elements()["Call"]("scale", script_json({"position": "bottomleft"})).add_to(m)
    return m


def accessibility_map(
    municipalities: gpd.GeoDataFrame,
    meeting_points: gpd.GeoDataFrame,
    service_offices: gpd.GeoDataFrame | None = None,
    *,
    fa_regions: gpd.GeoDataFrame | None = None,
    counties: gpd.GeoDataFrame | None = None,
    origins: gpd.GeoDataFrame | None = None,
    closures: gpd.GeoDataFrame | None = None,
    threshold_min: float = 60,
    rule: str = "nearest",
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
    guideline get a heavy outline, those above it only under the other rule a dashed
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
        unknown), ``gap`` (bool), all under the rule named by ``rule``. Shown when
        present: ``lan``, ``fa_namn``, ``population``, ``worst_time_min``,
        ``largest_settlement``, ``largest_settlement_time_min``,
        ``share_within_threshold`` (0..1), ``population_beyond_threshold``,
        ``exceeds_by_min``, ``nearest_point_name``, ``nearest_point_kind_sv``,
        ``nearest_point_kommun``, ``nearest_point_relation``; and the *other* rule's
        ``other_gap`` (bool) and ``other_mean_time_min`` (with ``rule="nearest"``,
        ``gap_fa`` and ``mean_time_fa_min`` are accepted for them).
    meeting_points
        Booked-meeting points: ``name``, ``kind`` (see :data:`KIND_COLOURS`), optional
        ``kind_sv``, ``place``, ``kommun``, ``note``, ``population_served``,
        ``population_newly_beyond``, ``municipalities_newly_gap``, ``staff_travel_min``,
        ``staff_travel_from``; point geometry.
    service_offices
        Statens servicecenter's service offices with kundtorg: ``name``, optional
        ``place``, ``kommun``, ``rollout_month``; point geometry. None: no such layer.
    fa_regions
        FA-region polygons, drawn as thin boundary lines (layer on).
    counties
        County polygons, drawn as boundary lines (layer off by default).
    origins
        Where people live (settlements, sections, dispersed population): ``name``,
        ``time_min`` (minutes under ``rule``; ``inf`` = unreachable), optional
        ``population``, ``kommun``, ``origin_kind``, ``nearest_point_name``; points.
        Drawn on one canvas: those beyond the threshold or unreachable (layer on), all
        (layer off).
    closures
        Closed offices (Bilaga 5): ``office_name``, ``closure_date``, ``replacement``,
        optional ``place``, ``kommun``, ``cooperation_raw``, ``nearest_point``,
        ``time_min`` (to the nearby replacement office); points. Drawn as crosses.
    threshold_min
        The guideline (minutes, one way); moves the class edges and the texts.
    rule
        The rule the municipality columns follow: ``"nearest"`` (nearest point
        anywhere) or ``"fa_region"`` (nearest point in the own FA-region).
    as_of
        The date the meeting-point network refers to, shown in the title box.
    network_label_sv
        Swedish name of the travel network, e.g. ``"modellerat vägnät"``.
    mode_label_sv
        Swedish name of the mode of travel, e.g. ``"bil"`` or ``"kollektivtrafik"``.
    attributions
        Source lines (Swedish) shown under the map. OpenStreetMap is added when
        ``tiles`` is true.
    title
        Map title; default "Tillgång till förbokat fysiskt möte hos Arbetsförmedlingen".
    note_sv
        Optional caveat shown under the summary in the title box (escaped).
    tiles
        Draw OpenStreetMap background tiles (needs internet when the map is opened).
    m
        Existing map to draw on. Its assets are left as they are; a new map (None) links
        only Leaflet and is fitted to the municipalities.

    Returns
    -------
    folium.Map
        The map; write it with :func:`save_map`, show it offline with :class:`OfflineMap`.
    """
    folium = import_folium()
    classes = time_classes(threshold_min)
    if rule not in ("nearest", "fa_region"):
        raise InputValidationError(f"rule: expected 'nearest' or 'fa_region', got {rule!r}")
    kommuner = check_frame(municipalities, "municipalities", _REQUIRED_MUNICIPALITY_COLUMNS)
    points = check_frame(meeting_points, "meeting_points", _REQUIRED_POINT_COLUMNS)
    offices = (
        None
        if service_offices is None
        else check_frame(service_offices, "service_offices", _REQUIRED_SERVICE_COLUMNS)
    )
    fa = None if fa_regions is None else check_frame(fa_regions, "fa_regions", ())
    lan = None if counties is None else check_frame(counties, "counties", ())
    org = None if origins is None else check_frame(origins, "origins", ("name", "time_min"))
    closed = (
        None
        if closures is None
        else check_frame(closures, "closures", ("office_name", "closure_date", "replacement"))
    )
    unknown = sorted(set(points["kind"].astype(str)) - set(KIND_COLOURS))
    if unknown:
        raise InputValidationError(
            f"meeting_points: unknown kind(s) {unknown}; expected one of {sorted(KIND_COLOURS)}"
        )
    if rule == "nearest" and "other_gap" not in kommuner.columns and "gap_fa" in kommuner:
        kommuner = kommuner.assign(other_gap=kommuner["gap_fa"])
        if "mean_time_fa_min" in kommuner:
            kommuner = kommuner.assign(other_mean_time_min=kommuner["mean_time_fa_min"])
    rules = Rules(rule, float(threshold_min), mode_label_sv, "other_gap" in kommuner.columns)

    if m is None:
        m = _new_map(kommuner)
    else:
        m.add_child(_elements()["Helpers"]())
    if tiles:
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION_SV, name="OpenStreetMap", max_zoom=19, overlay=False
        ).add_to(m)

    cls_idx, gap, other_gap = layers.choropleth(
        m, kommuner, classes, rules, fill_opacity=0.65 if tiles else 1.0
    )
    layers.boundaries(m, fa, lan)
    kind_labels = layers.meeting_points(m, points, rules)
    has_offices = offices is not None and len(offices) > 0
    if has_offices:
        layers.service_offices(m, offices)
    extra_rows = []
    if closed is not None and len(closed):
        places.closures(m, closed, as_of=str(as_of), threshold_min=float(threshold_min))
        extra_rows.append(places.closures_legend())
    if org is not None and len(org):
        places.origins(m, org, classes, float(threshold_min))
        extra_rows.append(places.origins_legend(float(threshold_min)))

    title_html = title_box(
        as_of=as_of,
        rules=rules,
        network_label_sv=network_label_sv,
        n_municipalities=len(kommuner),
        n_gap=int(gap.sum()),
        n_other_gap=int(other_gap.sum()) if rules.has_other else None,
        note_sv=note_sv,
    )
    legend_html = legend_box(
        classes=classes,
        rules=rules,
        any_missing=bool((cls_idx < 0).any()),
        # Nearest anywhere is never slower than nearest in the FA-region: a gap only
        # under the other rule can occur on a nearest-rule map only.
        dashed_possible=rules.has_other and (rule == "nearest" or bool((other_gap & ~gap).any())),
        kind_labels=kind_labels,
        has_offices=has_offices,
        extra_rows=extra_rows,
        sources=[*attributions, *([OSM_ATTRIBUTION_SV] if tiles else [])],
    )
    for position, cls, summary, body in (
        ("topleft", "tg-box tg-title", title_heading(title), title_html),
        ("bottomright", "tg-box tg-legend", "<h2>Teckenförklaring</h2>", legend_html),
    ):
        data = {"position": position, "className": cls, "summary": summary, "html": body}
        _elements()["Call"]("box", script_json(data)).add_to(m)
    _elements()["Layers"](position="topleft", collapsed=False).add_to(m)
    root = m.get_root()
    if hasattr(root, "title"):
        root.title = html.escape(title) if title else "Tillgång till förbokat fysiskt möte"
    return m
