"""``summary.md``: the analysis in a page of Markdown (English; minutes and persons)."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from tillganglighet.accessibility import MAX_UNREACHABLE_SHARE
from tillganglighet.analysis import AnalysisResult

__all__ = ["ATTRIBUTION", "md_escape", "summary_markdown"]

ATTRIBUTION = (
    "Boundaries: SCB and Tillväxtverket. Settlements: GeoNames (CC BY 4.0). "
    "Offices: Arbetsförmedlingen, Slutredovisning lokal närvaro 2020-10-23."
)


_MD_SPECIAL = re.compile(r"([\\`*{}\[\]#+!|~]|(?<![^\W_])_|_(?![^\W_]))")
_LINE_START = re.compile(r"^(\s*)([-=>])")
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def md_escape(value: object) -> str:
    """Return ``value`` as literal text for Markdown that may be rendered as HTML.

    Everything a summary copies from its inputs (file names, place and point names,
    labels from a network file) goes through here: ``<``, ``>``, ``&`` and quotes
    become HTML entities (no tag can be injected, e.g. ``<img onerror=...>`` from a
    PBF file name), Markdown punctuation gets a backslash (no links, emphasis, table
    cells or headings; an underscore inside a word, as in ``user_grid``, cannot start
    emphasis and is kept), line breaks and control characters become one space.
    """
    text = _CONTROL.sub(" ", str(value))
    text = html.escape(text, quote=True)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _LIST_NUMBER.sub(r"\1\\\2", text)
    return _LINE_START.sub(r"\1\\\2", text)


def _flag(muni: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column of ``muni``, all False if absent."""
    if column not in muni.columns:
        return pd.Series(False, index=muni.index)
    return muni[column].fillna(False).astype(bool)


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
        f"- Date of the office network: **{md_escape(meta.as_of)}**",
        f"- Threshold: **{thr:g} minutes** one way (report, Bilaga 2)",
        f"- Mode: **{md_escape(meta.mode)}**; network: **{md_escape(net.label_en)}**",
        (
            f"- Origins: {meta.n_origins} (population source: "
            f"{md_escape(meta.population_source)}); booked-meeting points: {meta.n_points}"
        ),
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
            f"| municipalities beyond {thr:g} min (population-weighted mean, or mostly "
            f"unreachable) | {len(gaps)} | {len(gaps_fa)} |"
        ),
        (
            "| of which mostly unreachable (insufficient coverage: over "
            f"{MAX_UNREACHABLE_SHARE:.0%} of people without a route) | "
            f"{int(_flag(muni, 'insufficient_coverage').sum())} | "
            f"{int(_flag(muni, 'insufficient_coverage_fa').sum())} |"
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
            suffix = "" if r["gap"] else "_fa"
            over = _fmt_min(r[f"exceeds_by{suffix}_min"])
            if bool(r.get(f"insufficient_coverage{suffix}", False)) and over == "–":
                over = f"mostly unreachable ({r[f'unreachable_share{suffix}']:.0%})"
            lines.append(
                f"| {md_escape(r['kommun'])} | {md_escape(r['lan'])} | "
                f"{_fmt_min(r['mean_time_min'])} | "
                f"{over} | {_fmt_min(r['mean_time_fa_min'])} | {int(r['population']):,} |"
            )
    else:
        lines.append("None.")
    thin = muni[_flag(muni, "insufficient_coverage") | _flag(muni, "insufficient_coverage_fa")]
    lines += ["", "## Municipalities mostly unreachable on this network", ""]
    if len(thin):
        lines += [
            f"More than {MAX_UNREACHABLE_SHARE:.0%} of the people of these municipalities have "
            "no route to any booked-meeting point on this network, so their mean travel "
            "time describes a minority; they count as beyond the threshold "
            "(column `insufficient_coverage`):",
            "",
            "| municipality | county | unreachable | mean min of the rest | people |",
            "|---|---|---:|---:|---:|",
        ]
        for _, r in thin.sort_values("unreachable_share", ascending=False).iterrows():
            lines.append(
                f"| {md_escape(r['kommun'])} | {md_escape(r['lan'])} | "
                f"{r['unreachable_share']:.0%} | {_fmt_min(r['mean_time_min'])} | "
                f"{int(r['population']):,} |"
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
            lines.append(
                f"- {md_escape(r['name'])} ({md_escape(r['kommun'])}), "
                f"{int(r['population']):,} people"
            )
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
            f"{int(nearby['within_threshold'].sum())} of {len(nearby)} places reach a "
            f"booked-meeting point within {thr:g} minutes."
        ),
        "",
        "| place | municipality | nearest point | minutes |",
        "|---|---|---|---:|",
    ]
    for _, r in nearby.sort_values("time_min", ascending=False).iterrows():
        lines.append(
            f"| {md_escape(r['place'])} | {md_escape(r['kommun'])} | "
            f"{md_escape(r['nearest_point']) if r['nearest_point'] else '-'} | "
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
    out = ["| " + " | ".join(md_escape(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            cells.append(_fmt_min(v) if isinstance(v, float) else md_escape(v))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
