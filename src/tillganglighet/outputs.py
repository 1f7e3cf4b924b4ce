"""Write an :class:`~tillganglighet.analysis.AnalysisResult` to files (I/O only).

Every file is written to a temporary name in the target folder and renamed into place
(:func:`os.replace`), so a crash never leaves a half-written output. Tables are sorted
and carry the network, mode, date and threshold as columns, so each file says what it
was computed on; the same inputs give byte-identical CSV and Parquet files (the
GeoPackage's timestamp is pinned to the analysis date).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._atomic import atomic_path, atomic_write_text
from .errors import InputValidationError, OutputWriteError
from .analysis import AnalysisResult

#: Files written by :func:`write_outputs`, in order.
OUTPUT_FILES = (
    "municipalities.parquet",
    "municipalities.gpkg",
    "municipalities.csv",
    "origins.parquet",
    "meeting_points.parquet",
    "meeting_points.csv",
    "service_offices.parquet",
    "nearby_replacements.csv",
    "by_county.csv",
    "by_fa_region.csv",
    "summary.md",
    "map.html",
)

ATTRIBUTION = (
    "Boundaries: SCB and Tillväxtverket. Settlements: GeoNames (CC BY 4.0). "
    "Offices: Arbetsförmedlingen, Slutredovisning lokal närvaro 2020-10-23."
)


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Create ``out_dir`` if needed and check it is a writable folder; return it."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputValidationError(f"--out {out_dir}: cannot create the folder ({exc})") from None
    if not os.access(out_dir, os.W_OK):
        raise InputValidationError(f"--out {out_dir}: the folder is not writable")
    return out_dir


def _stamp(df: pd.DataFrame, result: AnalysisResult) -> pd.DataFrame:
    """Add the provenance columns every table carries."""
    out = df.copy()
    out["network"] = result.network.label_en
    out["mode"] = result.meta["mode"]
    out["as_of"] = result.meta["as_of"]
    out["threshold_min"] = result.meta["threshold_min"]
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(df.drop(columns="geometry", errors="ignore"))
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        _plain(df).to_csv(tmp, index=False, lineterminator="\n", float_format="%.3f")


def _write_parquet(gdf: pd.DataFrame, path: Path) -> None:
    frame = gdf.copy()
    for col in frame.columns:
        if col != "geometry" and frame[col].dtype == object:
            frame[col] = frame[col].map(
                lambda v: v.isoformat() if hasattr(v, "isoformat") else (None if v is None else v)
            )
    with atomic_path(path) as tmp:
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_parquet(tmp, index=False, write_covering_bbox=False)
        else:
            frame.to_parquet(tmp, index=False)


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, *, timestamp: str) -> None:
    import pyogrio

    frame = gdf.copy()
    for col in frame.columns:
        if col != "geometry" and frame[col].dtype == object:
            # Text, with missing values kept as NULL (not the strings "None"/"nan").
            frame[col] = frame[col].map(lambda v: None if _missing(v) else str(v))
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp})
    try:
        with atomic_path(path) as tmp:
            frame.to_file(tmp, driver="GPKG", layer="municipalities", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _fmt_min(value: float) -> str:
    if np.isnan(value):
        return "–"
    return "unreachable" if np.isinf(value) else f"{value:.0f}"


def summary_markdown(result: AnalysisResult) -> str:
    """Return the analysis summary as Markdown (English; numbers in minutes/persons)."""
    meta, muni = result.meta, result.municipalities
    thr = meta["threshold_min"]
    net = result.network
    lines = [
        "# Accessibility of booked meetings with Arbetsförmedlingen",
        "",
        f"- Date of the office network: **{meta['as_of']}**",
        f"- Threshold: **{thr:g} minutes** one way (report, Bilaga 2)",
        f"- Mode: **{meta['mode']}**; network: **{net.label_en}**",
        f"- Origins: {meta['n_origins']} (population source: "
        f"{meta.get('population_source', 'geonames')}); booked-meeting points: {meta['n_points']}",
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
        (f"| municipalities beyond {thr:g} min (population-weighted mean) | {len(gaps)} | "
        f"{len(gaps_fa)} |"),
        (f"| people in those municipalities | {int(gaps['population'].sum()):,} | "
        f"{int(gaps_fa['population'].sum()):,} |"),
        (f"| people in settlements beyond {thr:g} min | "
        f"{int(muni['population_beyond_threshold'].sum()):,} | "
        f"{int(muni['population_beyond_threshold_fa'].sum()):,} |"),
        f"| people unreachable on this network | {int(muni['population_unreachable'].sum()):,} | |",
        "",
        "## Municipalities beyond the threshold",
        "",
    ]
    if len(gaps) or len(gaps_fa):
        lines += ["| municipality | county | mean min | over by | mean min, FA rule | people |",
                  "|---|---|---:|---:|---:|---:|"]
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
        ("## Places whose replacement is a nearby office (report: reachable 'in most cases' "
        f"within {thr:g} minutes)"),
        "",
        (f"{int(nearby['within_threshold'].sum())} of {len(nearby)} places reach a booked-meeting "
        f"point within {thr:g} minutes."),
        "",
        "| place | municipality | nearest point | minutes |",
        "|---|---|---|---:|",
    ]
    for _, r in nearby.sort_values("time_min", ascending=False).iterrows():
        lines.append(
            f"| {r['place']} | {r['kommun']} | {r['nearest_point'] or '-'} | "
            f"{_fmt_min(r['time_min'])} |"
        )
    lines += ["", "## By county", "", _markdown_table(result.by_county), "",
              "## Attribution", "", ATTRIBUTION, ""]
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


def write_outputs(
    result: AnalysisResult,
    out_dir: str | os.PathLike[str],
    *,
    offline: bool = True,
    tiles: bool = False,
    rule: str = "nearest",
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write tables, summary and map of an analysis into ``out_dir``.

    Parameters
    ----------
    result
        The analysis.
    out_dir
        Output folder (created if missing).
    offline
        Write a self-contained map (all scripts and styles inlined; no CDN).
    tiles
        Add an online OpenStreetMap background to the map (needs internet to show).
    rule
        Which guideline evaluation the map colours: ``"nearest"`` (nearest point
        anywhere) or ``"fa_region"`` (nearest point in the own FA-region).
    progress
        Called with the name of each file before it is written.

    Returns
    -------
    list of Path
        The files written.
    """
    say = progress or (lambda _m: None)
    out = check_out_dir(Path(out_dir))
    muni = _stamp(result.municipalities, result).sort_values("kommun_kod")
    origins = _stamp(result.origins, result).sort_values(["kommun_kod", "origin_id"])
    points = _stamp(result.meeting_points, result).sort_values("point_id")
    offices = _stamp(result.service_offices, result)
    # All files are first written to a staging folder inside `out`, and moved into
    # place only when every one of them succeeded: a failure leaves the previous run's
    # files untouched instead of a mix of two runs.
    try:
        staging = Path(tempfile.mkdtemp(dir=out, prefix=".tmp-run-"))
    except OSError as exc:
        raise OutputWriteError(f"--out {out}: cannot write into the folder ({exc})") from None
    names: list[str] = []

    def target(name: str) -> Path:
        say(name)
        names.append(name)
        return staging / name

    try:
        _write_all(result, target, muni, origins, points, offices,
                   offline=offline, tiles=tiles, rule=rule)
        for name in names:
            os.replace(staging / name, out / name)
    except OSError as exc:
        failed = names[-1] if names else "?"
        raise OutputWriteError(f"--out {out}: could not write {failed}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in names]


def _write_all(
    result: AnalysisResult,
    target: Callable[[str], Path],
    muni: pd.DataFrame,
    origins: pd.DataFrame,
    points: pd.DataFrame,
    offices: pd.DataFrame,
    *,
    offline: bool,
    tiles: bool,
    rule: str,
) -> None:
    _write_parquet(muni, target("municipalities.parquet"))
    _write_gpkg(muni, target("municipalities.gpkg"), timestamp=f"{result.meta['as_of']}T00:00:00Z")
    _write_csv(muni, target("municipalities.csv"))
    _write_parquet(origins, target("origins.parquet"))
    _write_parquet(points, target("meeting_points.parquet"))
    _write_csv(points, target("meeting_points.csv"))
    _write_parquet(offices, target("service_offices.parquet"))
    _write_csv(_stamp(result.nearby_replacements, result), target("nearby_replacements.csv"))
    _write_csv(_stamp(result.by_county, result), target("by_county.csv"))
    _write_csv(_stamp(result.by_fa_region, result), target("by_fa_region.csv"))
    atomic_write_text(target("summary.md"), summary_markdown(result))
    write_map(result, target("map.html"), offline=offline, tiles=tiles, rule=rule)


def _map_note_sv(result: AnalysisResult, rule: str) -> str:
    """The caveats a board member must read with the map (Swedish)."""
    parts = []
    if rule == "fa_region":
        parts.append("Färgerna visar FA-regeln: närmaste mötesplats i kommunens egen FA-region.")
    if result.meta["mode"] == "car":
        parts.append(
            "Riktvärdet gäller resa med kollektiva färdmedel; restider med bil är "
            "kortare och visar en nedre gräns."
        )
    if result.network.modelled:
        parts.append(
            "Restiderna kommer från ett modellerat vägnät (ungefärliga); kör med "
            "OpenStreetMap för verkliga vägar."
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
    result: AnalysisResult, path: str | os.PathLike[str], *, offline: bool = True,
    tiles: bool = False, rule: str = "nearest",
) -> Path:
    """Render the board map of ``result`` to ``path`` (atomic).

    With ``rule="fa_region"`` the choropleth shows the FA-region rule's times.
    """
    from .accessibility import time_class
    from .geodata import counties, fa_regions
    from .maps import accessibility_map, save_map

    if rule not in {"nearest", "fa_region"}:
        raise InputValidationError(f"rule: expected 'nearest' or 'fa_region', got {rule!r}")
    muni = result.municipalities.copy()
    if rule == "fa_region":
        for plain, fa in _FA_COLUMNS.items():
            muni[plain] = muni[fa]
        muni["gap"] = muni["gap_fa"]
        muni["time_class"] = time_class(
            muni["mean_time_min"], threshold_min=result.meta["threshold_min"]
        )
    m = accessibility_map(
        muni,
        result.meeting_points,
        result.service_offices,
        fa_regions=fa_regions(),
        counties=counties(),
        threshold_min=result.meta["threshold_min"],
        as_of=result.meta["as_of"],
        network_label_sv=result.network.label_sv,
        mode_label_sv=_MODE_SV.get(result.meta["mode"], result.meta["mode"]),
        note_sv=_map_note_sv(result, rule),
        tiles=tiles,
    )
    return save_map(m, path, offline=offline)
