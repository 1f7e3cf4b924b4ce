"""The map's layers: choropleth, boundaries, meeting points, service offices."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from tillganglighet.report.maps.elements import elements
from tillganglighet.report.maps.format import esc, flag, script_json
from tillganglighet.report.maps.geo import feature_collection, point_latlon, to_lonlat
from tillganglighet.report.maps.popups import (
    Rules,
    municipality_popup,
    municipality_tooltip,
    point_popup,
    service_popup,
)
from tillganglighet.report.maps.style import (
    KIND_COLOURS,
    KIND_LABEL_SV,
    KIND_RADIUS,
    MISSING_COLOUR,
    TimeClass,
    class_index,
)


def choropleth(
    m: Any,
    kommuner: gpd.GeoDataFrame,
    classes: list[TimeClass],
    rules: Rules,
    *,
    fill_opacity: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add the municipalities coloured by time class; return (class index, gap, other gap).

    Outlines: heavy for a gap under the map's rule, dashed for a gap only under the
    other rule.
    """
    has = set(kommuner.columns)
    cls_idx = class_index(kommuner["mean_time_min"], classes)
    gap = kommuner["gap"].map(flag).to_numpy(dtype=bool)
    other = (
        kommuner["other_gap"].map(flag).to_numpy(dtype=bool)
        if rules.has_other
        else np.zeros(len(kommuner), dtype=bool)
    )
    outline = np.where(gap, 1, np.where(other, 2, 0))
    props = []
    for i, (_, row) in enumerate(kommuner.iterrows()):
        props.append(
            {
                "c": int(cls_idx[i]) if cls_idx[i] >= 0 else len(classes),
                "g": int(outline[i]),
                "t": municipality_tooltip(row, rules, bool(gap[i]), bool(other[i])),
                "p": municipality_popup(row, rules, has),
            }
        )
    # Heavy outlines drawn last so neighbours do not paint over them.
    order = np.concatenate([np.flatnonzero(outline == k) for k in (0, 2, 1)])
    geoms = to_lonlat(kommuner, simplify=True)
    fc = feature_collection(geoms[order], [props[i] for i in order])
    fills = [{"fillColor": c.colour, "fillOpacity": fill_opacity} for c in classes]
    fills.append({"fillColor": MISSING_COLOUR, "fillOpacity": fill_opacity})
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
    elements()["ScriptLayer"]("choropleth", script_json(data), name="Restid per kommun").add_to(m)
    return cls_idx, gap, other


def boundaries(m: Any, fa: gpd.GeoDataFrame | None, lan: gpd.GeoDataFrame | None) -> None:
    """FA-region boundaries (on) and county boundaries (off by default)."""
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
        lines = feature_collection(to_lonlat(frame, simplify=True), [{}] * len(frame))
        elements()["ScriptLayer"](
            "lines", script_json({"fc": lines, "style": style}), name=label, show=show
        ).add_to(m)


def meeting_points(m: Any, points: gpd.GeoDataFrame, rules: Rules) -> dict[str, str]:
    """One layer of circles per meeting-point kind; return the legend label per kind."""
    kind_labels: dict[str, str] = {}
    if not len(points):
        return kind_labels
    lat, lon = point_latlon(points)
    for kind, colour in KIND_COLOURS.items():
        mask = (points["kind"].astype(str) == kind).to_numpy()
        if not mask.any():
            continue
        sub = points[mask]
        label = KIND_LABEL_SV[kind]
        if "kind_sv" in sub.columns:
            given = sub["kind_sv"].dropna().astype(str)
            label = esc(given.iloc[0]) if len(given) and given.iloc[0].strip() else label
        kind_labels[kind] = label
        rows = []
        for (_, row), y, x in zip(sub.iterrows(), lat[mask], lon[mask], strict=True):
            if np.isnan(y):
                continue
            tip, pop = point_popup(row, label, rules.threshold_min, rules.rule)
            rows.append([float(y), float(x), tip, pop])
        style = {
            "radius": KIND_RADIUS.get(kind, 5),
            "color": "#1a1a1a",
            "weight": 1,
            "opacity": 1,
            "fillColor": colour,
            "fillOpacity": 1,
        }
        elements()["ScriptLayer"](
            "points",
            script_json({"pts": rows, "style": style}),
            name=f'<span class="tg-dot tg-dot-lc" style="background:{colour}"></span>{label}',
        ).add_to(m)
    return kind_labels


def service_offices(m: Any, offices: gpd.GeoDataFrame) -> None:
    """Statens servicecenter's offices as white squares."""
    lat, lon = point_latlon(offices)
    rows = []
    for (_, row), y, x in zip(offices.iterrows(), lat, lon, strict=True):
        if np.isnan(y):
            continue
        tip, pop = service_popup(row)
        rows.append([float(y), float(x), tip, pop])
    elements()["ScriptLayer"](
        "squares",
        script_json({"pts": rows, "size": 10}),
        name='<span class="tg-sq tg-sq-legend tg-dot-lc"></span>SSC servicekontor med kundtorg',
    ).add_to(m)
