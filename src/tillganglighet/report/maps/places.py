"""Origin and closure layers: settlements/dispersed population and closed offices.

Origins can number in the hundreds of thousands (a population grid), so they are not
folium markers: one JSON blob of compact parallel arrays (coordinates, population,
indices into tables of distinct names and texts) is drawn on one shared canvas by
``tgMaps.origins`` in ``static/map.js``, the markers created only when a layer is
first switched on. Two layers read the blob: origins beyond the threshold or
unreachable (on by default) and all origins (off by default).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from tillganglighet.report.maps.elements import elements
from tillganglighet.report.maps.format import esc, minutes_sv, script_json, threshold_sv
from tillganglighet.report.maps.geo import point_latlon
from tillganglighet.report.maps.style import (
    COORDINATE_DECIMALS,
    MISSING_COLOUR,
    TimeClass,
    class_index,
)

ORIGIN_KIND_SV = {
    "settlement": "Ort",
    "section": "Del av ort",
    "dispersed": "Glesbygd (befolkning utanför orter)",
}
CLOSURE_COLOUR = "#4d4d4d"
CLOSURES_LABEL_SV = "Avvecklade kontor (Bilaga 5)"


def _codes(values: pd.Series) -> tuple[list[int], list[str]]:
    """Indices into a sorted table of the distinct escaped values."""
    text = values.map(esc).astype(str)
    table = sorted(set(text))
    where = {t: i for i, t in enumerate(table)}
    return [where[t] for t in text], table


def origins(
    m: Any, org: gpd.GeoDataFrame, classes: list[TimeClass], threshold_min: float
) -> tuple[int, int]:
    """Add the origin layers; return (origins beyond the threshold, unreachable origins).

    ``org`` columns: ``name``, ``time_min`` (minutes, ``inf`` = unreachable), optional
    ``population``, ``kommun``, ``origin_kind``, ``nearest_point_name``; points.
    """
    lat, lon = point_latlon(org, decimals=COORDINATE_DECIMALS)
    keep = ~np.isnan(lat)
    org, lat, lon = org[keep], lat[keep], lon[keep]
    n = len(org)
    time = pd.to_numeric(org["time_min"], errors="coerce").to_numpy(dtype=float)
    unreachable = np.isposinf(time)
    beyond = (time > threshold_min) & ~unreachable
    cls = class_index(time, classes)
    colours = [c.colour for c in classes] + [MISSING_COLOUR]
    empty = pd.Series([""] * n, index=org.index)
    name, names = _codes(org["name"])
    kommun, kommuner = _codes(org.get("kommun", empty))
    kinds_raw = org.get("origin_kind", empty)
    kind, kinds = _codes(kinds_raw.map(lambda k: ORIGIN_KIND_SV.get(str(k), k)))
    point, points = _codes(org.get("nearest_point_name", empty))
    minutes, minute_texts = _codes(pd.Series([minutes_sv(t, threshold_min) for t in time]))
    pop = (
        pd.to_numeric(org["population"], errors="coerce").fillna(0).to_numpy()
        if "population" in org
        else np.zeros(n)
    )
    data = {
        "lat": lat.tolist(),
        "lon": lon.tolist(),
        "pop": [int(p) for p in pop],
        "c": [int(c) if c >= 0 else len(classes) for c in cls],
        "flag": (beyond * 1 + unreachable * 2).astype(int).tolist(),
        "name": name,
        "names": names,
        "kommun": kommun,
        "kommuner": kommuner,
        "kind": kind,
        "kinds": kinds,
        "point": point,
        "points": points,
        "minutes": minutes,
        "minuteTexts": minute_texts,
        "colours": colours,
        "threshold": threshold_sv(threshold_min),
    }
    el = elements()
    el["Call"]("store", script_json({"key": "origins", "value": data})).add_to(m)
    n_beyond, n_unreach = int(beyond.sum()), int(unreachable.sum())
    thr = threshold_sv(threshold_min)
    el["ScriptLayer"](
        "origins",
        script_json({"key": "origins", "only": "flagged"}),
        name=f'<span class="tg-ring tg-dot-lc"></span>Orter bortom {thr} min eller ej nåbara '
        f"({n_beyond + n_unreach})",
        show=True,
    ).add_to(m)
    el["ScriptLayer"](
        "origins",
        script_json({"key": "origins", "only": "all"}),
        name=f'<span class="tg-dot tg-dot-lc tg-dot-small"></span>Alla orter och glesbygd ({n})',
        show=False,
    ).add_to(m)
    return n_beyond, n_unreach


def _closure_popup(row: pd.Series, as_of: str, threshold_min: float) -> tuple[str, str]:
    name = esc(row["office_name"])
    date = esc(row["closure_date"])
    closed = str(row["closure_date"]) <= as_of
    rows = [
        ("Ort", esc(row.get("place"))),
        ("Kommun", esc(row.get("kommun"))),
        ("Avvecklat" if closed else "Avvecklas", date),
    ]
    if row.get("replacement") == "nearby_office":
        target = esc(row.get("nearest_point")) or "uppgift saknas"
        time = row.get("time_min")
        text = f"närliggande kontor: {target}"
        if time is not None and not (isinstance(time, float) and math.isnan(time)):
            text += f", {minutes_sv(time, threshold_min)}"
        rows.append(("Ersätts av", text))
    else:
        raw = esc(row.get("cooperation_raw"))
        rows.append(("Ersätts av", "samarbetslösning" + (f" (Bilaga 5: {raw})" if raw else "")))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows if v)
    verb = "avvecklat" if closed else "avvecklas"
    return (
        f"<b>{name}</b><br>{verb} {date}",
        f"<h3>{name}</h3><table>{table}</table>",
    )


def closures(m: Any, frame: gpd.GeoDataFrame, *, as_of: str, threshold_min: float) -> int:
    """The closed offices of Bilaga 5 as crosses, with closure date and replacement.

    ``frame`` columns: ``office_name``, ``closure_date`` (``YYYY-MM-DD``),
    ``replacement`` (``cooperation`` / ``nearby_office``), optional ``place``,
    ``kommun``, ``cooperation_raw``, ``nearest_point``, ``time_min``; points.
    """
    lat, lon = point_latlon(frame)
    rows = []
    for (_, row), y, x in zip(frame.iterrows(), lat, lon, strict=True):
        if np.isnan(y):
            continue
        tip, pop = _closure_popup(row, as_of, threshold_min)
        rows.append([float(y), float(x), tip, pop])
    elements()["ScriptLayer"](
        "crosses",
        script_json({"pts": rows, "colour": CLOSURE_COLOUR}),
        name=f'<span class="tg-x tg-dot-lc">×</span>{CLOSURES_LABEL_SV} ({len(rows)})',
        show=True,
    ).add_to(m)
    return len(rows)


def origins_legend(threshold_min: float) -> str:
    """Legend rows of the origin layers."""
    thr = threshold_sv(threshold_min)
    return (
        "<h2>Orter och glesbygd</h2>"
        '<div class="tg-row"><span class="tg-ring"></span>'
        f"Bortom {thr} min (svart ring; streckad: ej nåbar)</div>"
        '<div class="tg-row"><span class="tg-dot tg-dot-small"></span>'
        "Övriga (lager av från början)</div>"
    )


def closures_legend() -> str:
    """Legend row of the closure layer."""
    return (
        '<div class="tg-row"><span class="tg-x">×</span>'
        "Avvecklat kontor (Bilaga 5), med datum och ersättning</div>"
    )
