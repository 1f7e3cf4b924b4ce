"""The office network month by month, January 2019 – December 2021, with gap figures.

Each month is scored at its last day with :func:`tillganglighet.meeting_points` (the
report's dates: Bilaga 5 closure dates, cooperation solutions from the report's date or
2020-12-31, Bilaga 4 offices throughout). Events are listed per month from the report:

* closures (Bilaga 5 ``closure_date``);
* re-establishment decisions (Bilaga 4 ``decision_date``). *Assumption*: the presence
  model keeps the six re-established offices open throughout (they were never closed;
  the report gives the decision dates only), so these decisions do not change the
  network;
* Statens servicecenter rollout (Bilaga 3 ``rollout_month``). SSC service offices give
  spontaneous visits (kundtorg), not booked meetings, so they are counted but do not
  change the booked-meeting network;
* cooperation solutions becoming available (from the presence model's dating rules).

After 2020-12-31 the report has no dates: the network is held at its end-2020 state
(stated in every output).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd

from . import _adapters as ad
from .matrix import Matrices
from .model import STAFFED, ResolvedScenario, base_network
from .scoring import score_batch

ASSUMPTIONS = (
    "Month figures are for the last day of each month.",
    "The six offices re-established by 2020 decisions (Bilaga 4) are open throughout; "
    "their decision dates are listed as events only.",
    "SSC service offices (Bilaga 3) offer kundtorg, not booked meetings: listed as events, "
    "no change to the booked-meeting network.",
    "Cooperation solutions called ready count from the later of the closure date and "
    "2020-10-23, the others from 2020-12-31 (report footnote 44).",
    "The report gives no dates after 2020-12-31: 2021 keeps the end-2020 network.",
)


def month_ends(start: dt.date = ad.MODEL_START, end: dt.date = ad.MODEL_END) -> list[dt.date]:
    """Last day of every month from ``start`` to ``end``."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
        y, m = nxt.year, nxt.month
    return out


def events() -> pd.DataFrame:
    """Dated events of the report: ``month`` (YYYY-MM), ``date``, ``event``, ``place``,
    ``source``."""
    rows = []
    for r in ad.report_table("closures_bilaga5.csv").itertuples(index=False):
        rows.append((r.closure_date[:7], r.closure_date, "closure", r.place, r.source))
    for r in ad.report_table("offices_bilaga4.csv").itertuples(index=False):
        if r.decision_date:
            rows.append(
                (
                    r.decision_date[:7],
                    r.decision_date,
                    "re-establishment decision",
                    r.place,
                    r.source,
                )
            )
    for r in ad.report_table("ssc_rollout_bilaga3.csv").itertuples(index=False):
        rows.append(
            (r.rollout_month, f"{r.rollout_month}-01", "SSC service office", r.place, r.source)
        )
    tl = ad.presence_timeline()
    coop = tl[tl["kind"].str.startswith("cooperation")]
    for r in coop.itertuples(index=False):
        d = r.available_from
        if d > ad.MODEL_START:
            rows.append(
                (
                    d.isoformat()[:7],
                    d.isoformat(),
                    "cooperation solution available",
                    r.place,
                    r.source,
                )
            )
    out = pd.DataFrame(rows, columns=["month", "date", "event", "place", "source"])
    return out.sort_values(["date", "event", "place"]).reset_index(drop=True)


def monthly_networks(matrices: Matrices) -> list[ResolvedScenario]:
    """The network of each month end as a resolved scenario named ``YYYY-MM``."""
    out = []
    for day in month_ends():
        b = base_network(day, matrices.candidates)
        out.append(ResolvedScenario(day.isoformat()[:7], b.active, b.kind, b.name))
    return out


def timeline_table(matrices: Matrices, threshold_min: float = 60.0) -> pd.DataFrame:
    """Gap figures per month, January 2019 – December 2021.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``date`` (month end), ``points`` (booked-meeting points),
        ``staffed_offices``, ``municipalities_beyond`` / ``_fa``,
        ``population_beyond`` / ``_fa``, ``mean_time_min`` / ``_fa``,
        ``p90_time_min``, ``worst_municipality``, ``worst_time_min``, and per event type
        the number of events in the month (``closures``,
        ``re_establishment_decisions``, ``ssc_service_offices``,
        ``cooperation_solutions_available``).
    """
    nets = monthly_networks(matrices)
    active = np.stack([n.active for n in nets])
    kind = np.stack([n.kind for n in nets])
    s = score_batch(matrices.problem, active, kind, threshold_min)
    kommun = matrices.municipalities["kommun"].to_numpy()
    df = pd.DataFrame(
        {
            "month": [n.name for n in nets],
            "date": [d.isoformat() for d in month_ends()],
            "points": active.sum(axis=1),
            "staffed_offices": (active & (kind == STAFFED)).sum(axis=1),
        }
    )
    for col in (
        "municipalities_beyond",
        "municipalities_beyond_fa",
        "population_beyond",
        "population_beyond_fa",
        "mean_time_min",
        "mean_time_min_fa",
        "p90_time_min",
        "worst_time_min",
    ):
        df[col] = s.summary[col]
    df["worst_municipality"] = kommun[s.summary["worst_municipality"]]
    ev = events()
    names = {
        "closure": "closures",
        "re-establishment decision": "re_establishment_decisions",
        "SSC service office": "ssc_service_offices",
        "cooperation solution available": "cooperation_solutions_available",
    }
    counts = ev.groupby(["month", "event"]).size().unstack(fill_value=0)
    for event, col in names.items():
        df[col] = df["month"].map(counts.get(event, {})).fillna(0)
        df[col] = df[col].astype(int)
    df["threshold_min"] = threshold_min
    return df


def milestones(table: pd.DataFrame) -> list[str]:
    """Months where the network changed (points or staffed offices), plus the first."""
    changed = table["points"].diff().fillna(1).ne(0) | table["staffed_offices"].diff().ne(0)
    return table.loc[changed, "month"].tolist()


def timeline_map(
    matrices: Matrices,
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    threshold_min: float = 60.0,
) -> Path:
    """One offline HTML page with a month slider over the municipality mean times.

    The page holds the municipality polygons once and each milestone month's mean
    minutes; moving the slider recolours the map (no internet needed).
    """
    import json

    nets = {n.name: n for n in monthly_networks(matrices)}
    months = milestones(table)
    active = np.stack([nets[m].active for m in months])
    kind = np.stack([nets[m].kind for m in months])
    s = score_batch(matrices.problem, active, kind, threshold_min)
    assert s.municipality_mean_min is not None
    kommuner = ad.municipalities()
    geoms = ad.to_lonlat(kommuner, simplify=True)
    names = [ad.html_escape(n) for n in kommuner["kommun"]]
    fc = ad.feature_collection(geoms, [{"n": n, "i": i} for i, n in enumerate(names)])
    values = [
        [None if not np.isfinite(v) else round(float(v), 1) for v in row]
        for row in s.municipality_mean_min
    ]
    info = [
        {
            "m": m,
            "p": int(table.loc[table["month"] == m, "points"].iloc[0]),
            "g": int(table.loc[table["month"] == m, "municipalities_beyond"].iloc[0]),
        }
        for m in months
    ]
    js, css = ad.leaflet_assets()
    data = json.dumps(
        {"fc": fc, "v": values, "info": info, "thr": threshold_min}, ensure_ascii=False
    ).replace("</", "<\\/")
    assumptions = "".join(f"<li>{ad.html_escape(a)}</li>" for a in ASSUMPTIONS)
    page = _PAGE.format(
        css=css,
        js=js,
        data=data,
        assumptions=assumptions,
        network=ad.html_escape(matrices.network_label_sv),
        thr=f"{threshold_min:g}",
        last=len(months) - 1,
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ad.atomic.atomic_write_text(target, page)
    return target


_PAGE = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<title>Förbokade fysiska möten månad för månad 2019–2021</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style>
<style>html,body{{height:100%;margin:0;font-family:system-ui,Arial,sans-serif}}
#map{{position:absolute;top:0;bottom:0;left:0;right:0;background:#e9eef2}}
.box{{position:absolute;z-index:1000;background:rgba(255,255,255,.95);padding:8px 12px;
border-radius:6px;box-shadow:0 1px 6px rgba(0,0,0,.35);font-size:13px;max-width:340px}}
#ctl{{top:10px;left:50px}} #leg{{bottom:20px;right:10px}}
.sw{{display:inline-block;width:22px;height:13px;margin-right:6px;vertical-align:-2px}}
</style></head><body><div id="map"></div>
<div class="box" id="ctl"><b>Restid till närmaste förbokade fysiska möte</b><br>
Månad: <b id="mon"></b> · mötesplatser: <b id="pts"></b> · kommuner över {thr} min:
<b id="gap"></b><br><input id="sl" type="range" min="0" max="{last}" value="0"
style="width:300px" aria-label="Månad"><br><small>Nätverk: {network}. Bil, befolkningsviktat
medel per kommun.</small><details><summary>Antaganden</summary><ul>{assumptions}</ul>
</details></div>
<div class="box" id="leg"></div>
<script>{js}</script>
<script>
var D = {data};
var cls = [[15,"#c6dbef","under 15 min"],[30,"#6baed6","15–30 min"],[45,"#2171b5","30–45 min"],
  [D.thr,"#fd8d3c","45–" + D.thr + " min"],[1e9,"#d62728","över " + D.thr + " min"]];
function col(v){{ if (v === null) return "#4d4d4d";
  for (var i=0;i<cls.length;i++) if (v <= cls[i][0]) return cls[i][1]; return "#67000d"; }}
var map = L.map("map", {{zoomSnap: 0.1, attributionControl: false}});
var k = 0;
var layer = L.geoJSON(D.fc, {{style: function(f){{ return {{fillColor: col(D.v[k][f.properties.i]),
  fillOpacity: 1, color: "#fff", weight: 0.5}}; }},
  onEachFeature: function(f, l){{ l.bindTooltip(function(){{ var v = D.v[k][f.properties.i];
  return "<b>" + f.properties.n + "</b><br>" + (v === null ? "ingen nåbar mötesplats" :
  String(v).replace(".", ",") + " min"); }}, {{sticky: true}}); }}}}).addTo(map);
map.fitBounds(layer.getBounds());
function show(i){{ k = i; layer.setStyle(layer.options.style);
  document.getElementById("mon").textContent = D.info[i].m;
  document.getElementById("pts").textContent = D.info[i].p;
  document.getElementById("gap").textContent = D.info[i].g; }}
document.getElementById("sl").addEventListener("input", function(e){{ show(+e.target.value); }});
document.getElementById("leg").innerHTML = cls.map(function(c){{
  return '<div><span class="sw" style="background:' + c[1] + '"></span>' + c[2] + '</div>';
}}).join("") + '<div><span class="sw" style="background:#4d4d4d"></span>ingen nåbar</div>';
show(0);
</script></body></html>
"""


def milestone_maps(
    matrices: Matrices,
    table: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    threshold_min: float = 60.0,
    fa_rule: str = "own_fa_region",
) -> list[Path]:
    """One offline Folium difference map per milestone month (change since the previous one).

    Parameters
    ----------
    matrices
        The matrices.
    table
        :func:`timeline_table` output.
    out_dir
        Folder for ``milestone-<YYYY-MM>.html``.
    threshold_min
        Minutes (outline of municipalities beyond it).
    fa_rule
        Reading mapped: ``own_fa_region`` or ``anywhere``.

    Returns
    -------
    list of Path
    """
    from .maps import difference_map, save_difference_map

    nets = {n.name: n for n in monthly_networks(matrices)}
    months = milestones(table)
    active = np.stack([nets[m].active for m in months])
    kind = np.stack([nets[m].kind for m in months])
    s = score_batch(matrices.problem, active, kind, threshold_min)
    means = s.municipality_mean_fa_min if fa_rule == "own_fa_region" else s.municipality_mean_min
    assert means is not None
    rule_sv = (
        "närmaste plats inom egen FA-region"
        if fa_rule == "own_fa_region"
        else "närmaste plats oavsett FA-region"
    )
    kommuner = ad.municipalities()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, month in enumerate(months):
        prev = max(i - 1, 0)
        m = difference_map(
            kommuner,
            means[i],
            means[prev],
            scenario=f"Nätverket {month}",
            reference=f"nätverket {months[prev]}",
            threshold_min=threshold_min,
            rule_sv=rule_sv,
            network_label_sv=matrices.network_label_sv,
            description="Månadens sista dag; antaganden i assumptions.txt",
        )
        out.append(save_difference_map(m, folder / f"milestone-{month}.html"))
    return out
