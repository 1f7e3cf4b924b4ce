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

from tillganglighet._atomic import atomic_path, atomic_write_text
from tillganglighet.errors import InputValidationError, OutputWriteError
from tillganglighet.progress import ProgressCallback, report
from tillganglighet.analysis import AnalysisResult
from tillganglighet.report.board_map import write_map
from tillganglighet.report.summary import summary_markdown

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
    out["mode"] = result.meta.mode
    out["as_of"] = result.meta.as_of
    out["threshold_min"] = result.meta.threshold_min
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


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


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


def write_outputs(
    result: AnalysisResult,
    out_dir: str | os.PathLike[str],
    *,
    offline: bool = True,
    tiles: bool = False,
    rule: str = "nearest",
    progress: ProgressCallback | None = None,
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
        Called as ``progress("writing <file>", i, n)`` before each file is written
        (:mod:`tillganglighet.progress`).

    Returns
    -------
    list of Path
        The files written.
    """
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
        report(progress, f"writing {name}", len(names), len(OUTPUT_FILES))
        names.append(name)
        return staging / name

    try:
        _write_all(
            result, target, muni, origins, points, offices, offline=offline, tiles=tiles, rule=rule
        )
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
    _write_gpkg(muni, target("municipalities.gpkg"), timestamp=f"{result.meta.as_of}T00:00:00Z")
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
