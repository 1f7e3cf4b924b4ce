"""``summary.md``: the analysis in a page of Markdown (English; minutes and persons)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tillganglighet.analysis import AnalysisResult

__all__ = ["ATTRIBUTION", "summary_markdown"]

ATTRIBUTION = (
    "Boundaries: SCB and Tillväxtverket. Settlements: GeoNames (CC BY 4.0). "
    "Offices: Arbetsförmedlingen, Slutredovisning lokal närvaro 2020-10-23."
)


#: Readable headings of the county table (column names as in by_county.csv).
COUNTY_HEADINGS = {
    "lan": "county",
    "municipalities": "municipalities",
    "population": "people",
    "gaps": "beyond threshold (nearest anywhere)",
    "gaps_fa_rule": "beyond threshold (own FA-region)",
    "population_beyond_threshold": "people in settlements beyond (nearest anywhere)",
    "population_beyond_threshold_fa": "people in settlements beyond (own FA-region)",
    "worst_mean_time_min": "slowest municipality, mean min",
}


def _fmt_min(value: float) -> str:
    if np.isnan(value):
        return "–"
    return "unreachable" if np.isinf(value) else f"{value:.0f}"


def summary_markdown(result: AnalysisResult) -> str:
    """Return the analysis summary as Markdown (English; numbers in minutes/persons)."""
    meta, muni = result.meta, result.municipalities
    thr = meta.threshold_min
    net = result.network
    lines = [
        "# Accessibility of booked meetings with Arbetsförmedlingen",
        "",
        f"- Date of the office network: **{meta.as_of}**",
        f"- Threshold: **{thr:g} minutes** one way (report, Bilaga 2)",
        f"- Mode: **{meta.mode}**; network: **{net.label_en}**",
        f"- Origins: {meta.n_origins} (population source: "
        f"{meta.population_source}); booked-meeting points: {meta.n_points}",
        "",
    ]
    if net.modelled:
        lines += [
            "> **Modelled road network.** " + net.how_to_use_osm,
            "",
        ]
    gaps = muni[muni["gap"]].sort_values("mean_time_min", ascending=False)
    gaps_fa = muni[muni["gap_fa"]].sort_values("mean_time_fa_min", ascending=False)
    lines += [
        "## National summary",
        "",
        "| measure | nearest point anywhere | nearest point in own FA-region |",
        "|---|---:|---:|",
        (
            f"| municipalities beyond {thr:g} min (population-weighted mean) | {len(gaps)} | "
            f"{len(gaps_fa)} |"
        ),
        (
            f"| people in those municipalities | {int(gaps['population'].sum()):,} | "
            f"{int(gaps_fa['population'].sum()):,} |"
        ),
        (
            f"| people in settlements beyond {thr:g} min | "
            f"{int(muni['population_beyond_threshold'].sum()):,} | "
            f"{int(muni['population_beyond_threshold_fa'].sum()):,} |"
        ),
        f"| people unreachable on this network | {int(muni['population_unreachable'].sum()):,} | |",
        "",
        "## Municipalities beyond the threshold",
        "",
    ]
    if len(gaps) or len(gaps_fa):
        lines += [
            "| municipality | county | mean min | over by | mean min, FA rule | people |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for _, r in pd.concat([gaps, gaps_fa]).drop_duplicates("kommun_kod").iterrows():
            over = r["exceeds_by_min"] if r["gap"] else r["exceeds_by_fa_min"]
            lines.append(
                f"| {r['kommun']} | {r['lan']} | {_fmt_min(r['mean_time_min'])} | "
                f"{_fmt_min(over)} | {_fmt_min(r['mean_time_fa_min'])} | {int(r['population']):,} |"
            )
    else:
        lines.append("None.")
    stranded = result.origins[~np.isfinite(result.origins["time_min"].to_numpy(float))]
    lines += ["", "## Origins unreachable on this network", ""]
    if len(stranded):
        lines.append(
            f"{len(stranded)} origins ({int(stranded['population'].sum()):,} people) have no "
            "connection to any booked-meeting point on this network (islands without a "
            "modelled bridge or ferry, or beyond the snapping distance):"
        )
        lines.append("")
        for _, r in stranded.sort_values(["kommun", "name"]).iterrows():
            lines.append(f"- {r['name']} ({r['kommun']}), {int(r['population']):,} people")
    else:
        lines.append("None.")
    nearby = result.nearby_replacements
    lines += [
        "",
        (
            "## Places whose replacement is a nearby office (report: reachable 'in most cases' "
            f"within {thr:g} minutes)"
        ),
        "",
        (
            f"{int(nearby['within_threshold'].sum())} of {len(nearby)} places reach a booked-meeting "
            f"point within {thr:g} minutes."
        ),
        "",
        "| place | municipality | nearest point | minutes |",
        "|---|---|---|---:|",
    ]
    for _, r in nearby.sort_values("time_min", ascending=False).iterrows():
        lines.append(
            f"| {r['place']} | {r['kommun']} | {r['nearest_point'] or '-'} | "
            f"{_fmt_min(r['time_min'])} |"
        )
    lines += [
        "",
        "## By county",
        "",
        _markdown_table(result.by_county.rename(columns=COUNTY_HEADINGS)),
        "",
        "## Attribution",
        "",
        ATTRIBUTION,
        "",
    ]
    return "\n".join(lines)


def _markdown_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            cells.append(_fmt_min(v) if isinstance(v, float) else f"{v}")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
