"""Write an :class:`~tillganglighet.analysis.AnalysisResult` to files (I/O only).

All files of a run are written into a new run folder and published together with one
atomic switch (:mod:`tillganglighet.report.publish`), so a crash, a kill or a failed
write never leaves a half-written output nor a mix of two runs. Tables are sorted
and carry the network, mode, date and threshold as columns, so each file says what it
was computed on; the same inputs give byte-identical CSV and Parquet files (the
GeoPackage's timestamp is pinned to the analysis date).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from tillganglighet._atomic import atomic_path, atomic_write_text
from tillganglighet.analysis import AnalysisResult
from tillganglighet.errors import InputValidationError, OutputWriteError, os_reason
from tillganglighet.progress import ProgressCallback, report
from tillganglighet.report.board_map import write_map
from tillganglighet.report.publish import LOCK_TIMEOUT_S, check_targets, publish
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
    """Create ``out_dir`` if needed and check it is a writable folder; return it.

    Also checks that no output name is taken by a folder (raises OutputWriteError).
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputValidationError(f"--out {out_dir}: cannot create the folder ({exc})") from None
    if not os.access(out_dir, os.W_OK):
        raise InputValidationError(f"--out {out_dir}: the folder is not writable")
    check_targets(out_dir, OUTPUT_FILES)  # e.g. summary.md is a folder: fail before computing
    return out_dir


def _stamp(df: pd.DataFrame, result: AnalysisResult) -> pd.DataFrame:
    """Add the provenance columns every table carries."""
    out = df.copy()
    out["network"] = result.network.label_en
    out["mode"] = result.meta.mode
    out["as_of"] = result.meta.as_of
    out["threshold_min"] = result.meta.threshold_min
    return out


#: Columns holding calendar dates (``YYYY-MM-DD``): stored as dates in Parquet and
#: GeoPackage, as ISO text in CSV. (``rollout_month``, ``YYYY-MM``, is a month: text.)
DATE_COLUMNS = ("as_of", "available_from", "available_until", "closure_date")

#: Explicit reachability columns of the CSV and GeoPackage files, where an infinite
#: time (unreachable) is written as an empty cell / NULL: column -> the time column it
#: describes (the first one present in the table). Parquet keeps ``inf``.
REACHABLE_COLUMNS = {
    "reachable": ("mean_time_min", "time_min", "worst_mean_time_min"),
    "reachable_fa": ("mean_time_fa_min",),
    "pt_reachable": ("pt_mean_time_min",),
    "staff_reachable": ("staff_travel_min",),
}

#: Cells starting with these are read as formulas by spreadsheet programs (OWASP
#: "CSV injection"); text cells starting with one get a leading single quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: CSV dialect for Swedish Excel: UTF-8 with byte-order mark, ``;`` between fields,
#: decimal comma (Excel in a Swedish locale opens such a file by double-click).
CSV_ENCODING = "utf-8-sig"
CSV_SEPARATOR = ";"
CSV_DECIMAL = ","


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _with_reachable(df: pd.DataFrame) -> pd.DataFrame:
    """Add the ``reachable`` columns and turn infinite times into missing values."""
    out = df.copy()
    for flag, sources in REACHABLE_COLUMNS.items():
        source = next((c for c in sources if c in out.columns), None)
        if source is None or flag in out.columns:
            continue
        values = pd.to_numeric(out[source], errors="coerce")
        reachable = ~np.isposinf(values.to_numpy(dtype=float))
        out.insert(out.columns.get_loc(source) + 1, flag, reachable)
    for col in out.columns:
        if col != "geometry" and pd.api.types.is_float_dtype(out[col].dtype):
            out[col] = out[col].where(np.isfinite(out[col].to_numpy(dtype=float)))
    return out


def _neutralise_formula(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """The table as CSV cells: no geometry, ISO dates, no inf, no formula-like text."""
    out = _with_reachable(pd.DataFrame(df.drop(columns="geometry", errors="ignore")))
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(_iso).map(_neutralise_formula)
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV for Swedish Excel (see :data:`CSV_SEPARATOR`); inf as empty, ``reachable``."""
    with atomic_path(path) as tmp:
        _plain(df).to_csv(
            tmp,
            index=False,
            lineterminator="\n",
            float_format="%.3f",
            sep=CSV_SEPARATOR,
            decimal=CSV_DECIMAL,
            encoding=CSV_ENCODING,
        )


_CODE_COLUMNS = ("kommun_kod", "lan_kod", "fa_kod", "nearest_point_kommun_kod", "point_kommun_kod")


def read_output_csv(path: str | os.PathLike[str], **kwargs: object) -> pd.DataFrame:
    """Read a CSV written here back into pandas (``;``, decimal comma, BOM, codes as text).

    Empty time cells are unreachable when the row's ``reachable`` column is False.
    Text cells that began with ``=``, ``+``, ``-`` or ``@`` carry a leading ``'``.
    """
    options: dict[str, object] = {
        "sep": CSV_SEPARATOR,
        "decimal": CSV_DECIMAL,
        "encoding": CSV_ENCODING,
        "dtype": dict.fromkeys(_CODE_COLUMNS, str),
    }
    options.update(kwargs)
    return pd.read_csv(path, **options)


def _as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """ISO date text (or date objects) in :data:`DATE_COLUMNS` as Arrow ``date32``."""
    import datetime as dt

    import pyarrow as pa

    out = frame.copy()
    for col in DATE_COLUMNS:
        if col not in out.columns:
            continue

        def to_date(v: object) -> dt.date | None:
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
                return None
            if isinstance(v, dt.datetime):
                return v.date()
            if isinstance(v, dt.date):
                return v
            return dt.date.fromisoformat(str(v)) if str(v).strip() else None

        out[col] = pd.array(out[col].map(to_date), dtype=pd.ArrowDtype(pa.date32()))
    return out


def _write_parquet(gdf: pd.DataFrame, path: Path) -> None:
    """Parquet: dates as ``date32``, ``inf`` kept for unreachable times."""
    frame = _as_dates(gdf)
    for col in frame.columns:
        if col != "geometry" and frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: _iso(v) if v is not None else None)
    with atomic_path(path) as tmp:
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_parquet(tmp, index=False, write_covering_bbox=False)
        else:
            frame.to_parquet(tmp, index=False)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _write_gpkg(gdf: gpd.GeoDataFrame, path: Path, *, timestamp: str) -> None:
    """GeoPackage: dates as DATE, unreachable times as NULL with ``reachable`` columns."""
    import pyogrio

    frame = _as_dates(_with_reachable(gdf))
    for col in frame.columns:
        if col != "geometry" and frame[col].dtype == object:
            # Text, with missing values kept as NULL (not the strings "None"/"nan").
            frame[col] = frame[col].map(lambda v: None if _missing(v) else str(v))
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp})
    try:
        with atomic_path(path) as tmp:
            frame.to_file(
                tmp, driver="GPKG", layer="municipalities", engine="pyogrio", use_arrow=True
            )
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
    lock_timeout_s: float = LOCK_TIMEOUT_S,
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
    lock_timeout_s
        Seconds to wait while another run publishes into ``out_dir``.

    Returns
    -------
    list of Path
        ``out_dir/<name>`` of the files written: symlinks into the run folder
        ``out_dir/.runs/<id>/`` (see :mod:`tillganglighet.report.publish`).

    Raises
    ------
    OutputWriteError
        A file cannot be written or the set cannot be published (the message names
        the file); the previously published set stays complete and unchanged.
    """
    out = check_out_dir(Path(out_dir))
    muni = _stamp(result.municipalities, result).sort_values("kommun_kod")
    origins = _stamp(result.origins, result).sort_values(["kommun_kod", "origin_id"])
    points = _stamp(result.meeting_points, result).sort_values("point_id")
    offices = _stamp(result.service_offices, result)

    def write(folder: Path) -> None:
        # All files go into a new run folder; publish() switches the whole set in at
        # once (report/publish.py), so the folder never holds files of two runs.
        names: list[str] = []

        def target(name: str) -> Path:
            report(progress, f"writing {name}", len(names), len(OUTPUT_FILES))
            names.append(name)
            return folder / name

        try:
            _write_all(
                result, target, muni, origins, points, offices, offline=offline, tiles=tiles,
                rule=rule,
            )  # fmt: skip
        except (OSError, RuntimeError) as exc:
            # RuntimeError: GDAL/pyogrio's errors (e.g. a full disk while the GeoPackage
            # is written) are RuntimeErrors.
            if isinstance(exc, OutputWriteError):
                raise
            failed = names[-1] if names else "?"
            reason = os_reason(exc) if isinstance(exc, OSError) else _first_line(exc)
            raise OutputWriteError(f"--out {out}: could not write {failed}: {reason}") from None

    return publish(out, OUTPUT_FILES, write, lock_timeout_s=lock_timeout_s)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
