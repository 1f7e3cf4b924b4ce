"""Loaders of user-supplied data: meeting points, scenario candidates and population.

Every loader validates its input at once and raises an
:class:`~tillganglighet.InputValidationError` (or :class:`~tillganglighet.MissingColumnError`,
:class:`~tillganglighet.CRSError`) whose message starts with the file path, names the
field and lists the offending rows: for CSV the **line in the file** as a text editor
shows it (header = line 1, first data row = line 2), for GeoPackage the feature's
**fid**, for GeoParquet the 1-based row. Up to 10 problems of one kind are listed.

Conventions:

* Results are new frames in **EPSG:3006** (SWEREF 99 TM, metres); loaders never write.
* CSV files may be separated by ``,``, ``;`` or tab (detected from the header) and be
  UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text") or
  Windows-1252. Binary files under a CSV name (an Excel workbook renamed ``.csv``),
  UTF-16 without a BOM and bytes valid in none of these encodings are refused with a
  message saying how to save the file.
* Numbers must use ``.`` as decimal separator and no thousands separators. A value such
  as ``"12 000"`` or ``"1,5"`` is **rejected** with an error naming the line (with a
  hint), not guessed: ``"1,500"`` could mean 1.5 or 1500.
* Municipality codes (SCB kommunkod) may be integers or strings; they are zero-padded
  to 4 digits (``180`` -> ``"0180"``).
* Points must lie in Sweden: in a municipality polygon, on Swedish land (Natural Earth
  1:10m), or at sea within 10 km of the polygons; points on Norwegian, Finnish or Danish
  land (more than 500 m from Swedish land) are refused (``_validate.outside_sweden``).
* Points without a municipality column get one by point-in-polygon; points just outside
  every polygon (coast, islands) get the nearest municipality within 10 km. A given
  municipality code must match the point's location within 10 km.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from tillganglighet.data import _validate as v
from tillganglighet.errors import CRSError, InputValidationError, MissingColumnError, os_reason

__all__ = ["read_points", "read_population"]

#: Accepted names (case-insensitive) of SCB's grid cell id column, in order of preference.
CELL_COLUMNS = ("Ruta", "rut_id", "RutID")
#: Accepted names (case-insensitive) of the population column, in order of preference.
POPULATION_COLUMNS = ("population", "Pop", "befolkning")
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_GEO_SUFFIXES = {".gpkg", ".parquet", ".geoparquet"}
_SCB_CELL_EXAMPLE = "'4810006589000'"

#: Most people a municipality (a table row, or the cells/points in one municipality)
#: may hold: about twice GeoNames' population for Stockholm, Sweden's largest place
#: (1,515,017 in geodata/settlements.csv, GeoNames cities500). A guard against wrong
#: units, misplaced columns and overflow (1e20 would wrap to a negative int64), not a
#: statistic.
MAX_MUNICIPALITY_POPULATION = 3_000_000
#: Most people per km² a grid cell may hold: about 12 times the density GeoNames'
#: Stockholm (1,515,017) gives over Stockholm municipality's polygon (176 km² in
#: geodata/municipalities.parquet, about 8,600 per km²). A 1 km cell may hold at most
#: 100,000 people, a 250 m cell 6,250. A guard, not a statistic.
MAX_DENSITY_PER_KM2 = 100_000


def read_points(
    path: str | os.PathLike[str],
    *,
    id_column: str = "id",
    name_column: str = "name",
    kommun_column: str = "kommun_kod",
    crs: str | int | pyproj.CRS | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read meeting points or scenario candidate sites from a file.

    Parameters
    ----------
    path
        A CSV file with coordinates in columns ``x``, ``y`` (in the CRS given by ``crs``,
        e.g. ``"EPSG:3006"`` for SWEREF 99 TM metres) or ``lon``, ``lat`` (WGS 84
        degrees); or a GeoPackage (``.gpkg``) or GeoParquet (``.parquet``) file with point
        geometry and a CRS.
    id_column
        Column of unique point ids (compared as text, so ``"007"`` stays ``"007"``).
    name_column
        Column of display names; if absent, the id is used as name.
    kommun_column
        Column of SCB municipality codes. If absent, each point gets the municipality it
        lies in (or the nearest one within 10 km).
    crs
        CRS of the ``x``, ``y`` columns of a CSV file (required for them); not allowed
        with ``lon``, ``lat`` or geometry files, which carry their own.
    layer
        Layer of a GeoPackage; required when the file holds more than one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``point_id`` (str), ``name`` (str), ``kommun_kod`` (4-digit str), then the file's
        other columns unchanged, and ``geometry`` (Point, EPSG:3006 metres). The columns
        used for id, name, municipality and coordinates are consumed. Index 0..n-1.

    Raises
    ------
    MissingColumnError
        A required column (id, coordinates) is missing.
    CRSError
        No CRS: a geometry file without one, or CSV ``x``, ``y`` without ``crs``.
    InputValidationError
        The file is missing, a folder, unreadable or has no data rows; duplicated or
        empty ids, invalid municipality codes, non-numeric coordinates,
        missing, invalid or non-point geometries, points outside Sweden, points more
        than 10 km from every municipality, or a municipality code that does not
        match the point's location.
    """
    path = Path(path)
    kind = _file_kind(path)
    text_columns = {id_column, name_column, kommun_column, "kommun", "x", "y", "lon", "lat"}
    if kind == "csv":
        df, where = _read_csv(path, text_columns=text_columns)
        v.require_columns(df, [id_column], where=where)
        point_ids = v.ids(df[id_column], where=where)
        gdf = _csv_points(df, where=where, crs=crs)
    else:
        gdf, where = _read_geo(path, crs=crs, layer=layer)
        v.require_columns(gdf, [id_column], where=where)
        point_ids = v.ids(gdf[id_column], where=where)
        gdf = _geo_points(gdf, where=where, polygons="error")
    if name_column in gdf.columns:
        names = gdf[name_column].where(gdf[name_column].notna(), point_ids).astype(str)
    else:
        names = point_ids
    codes = _kommun(gdf, kommun_column, where=where)
    consumed = [id_column, name_column, kommun_column]
    return _assemble(gdf, {"point_id": point_ids, "name": names, "kommun_kod": codes}, consumed)


def check_meeting_points(points: gpd.GeoDataFrame, *, name: str = "points") -> gpd.GeoDataFrame:
    """Validate booked-meeting points given in memory (the one check of user points).

    Files go through :func:`read_points`; a frame built in Python (a scenario) comes
    here. Both use the checks of :mod:`tillganglighet.data._validate`.

    Parameters
    ----------
    points
        ``point_id``, ``name``, ``kommun_kod`` (SCB code), ``kind`` (a key of
        :data:`tillganglighet.data.presence.KIND_LABEL_SV`) and point geometry; CRS
        required (any; transformed to EPSG:3006).
    name
        What to call the frame in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:3006 with ``point_id`` as text and ``kommun_kod`` as 4-digit
        codes; row labels unchanged.

    Raises
    ------
    MissingColumnError, CRSError, InputValidationError
        Naming the row and the field of each problem.
    """
    from tillganglighet.data.presence import KIND_LABEL_SV

    where = v.Where(name, "row")
    v.require_columns(points, ["point_id", "name", "kommun_kod", "kind"], where=where)
    v.require_crs(points, where=where)
    out = points.copy()
    out["point_id"] = v.ids(out["point_id"], where=where)
    out["kommun_kod"] = v.kommun_codes(out["kommun_kod"], where=where)
    kinds = out["kind"].astype(str)
    bad = kinds[~kinds.isin(list(KIND_LABEL_SV))]
    if len(bad):
        v.fail(
            InputValidationError,
            where,
            f"column 'kind': {len(bad)} unknown kind(s); use one of {sorted(KIND_LABEL_SV)}:",
            [f"{where.row(label)}: {value!r}" for label, value in bad.items()],
        )
    out = out.set_geometry(v.points(out, where=where))
    return v.to_sweref_in_sweden(out, where=where)


def read_population(
    path: str | os.PathLike[str],
    *,
    kind: Literal["auto", "table", "grid", "points"] = "auto",
    cell_size_m: int = 1000,
    population_column: str | None = None,
    jobseekers_column: str = "jobseekers",
    kommun_column: str = "kommun_kod",
    cell_column: str | None = None,
    crs: str | int | pyproj.CRS | None = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Read population per municipality, per SCB grid cell, or at points.

    Three kinds are recognised (``kind="auto"`` picks from the extension and columns,
    in this order: GeoPackage/GeoParquet -> ``"points"``; CSV with a cell id column ->
    ``"grid"``; CSV with coordinate columns -> ``"points"`` (even if it also has
    ``kommun_column``); CSV with ``kommun_column`` and no coordinates -> ``"table"``).
    The kind used is stored in the result's ``attrs["population_kind"]``, e.g.
    ``"points (detected from the columns)"``, and printed by the command line:

    ``"table"``
        Population per municipality: CSV with ``kommun_column``, a population column and
        optionally ``jobseekers_column`` (inskrivna arbetssökande, persons).
    ``"grid"``
        SCB's population grid: CSV with a cell id column (``Ruta``, ``rut_id`` or
        ``RutID``) and a population column. SCB cell ids have 13 digits: the first 6 are
        the easting and the last 7 the northing (SWEREF 99 TM metres) of the cell's
        lower-left corner, e.g. ``"4810006589000"`` -> (481000, 6589000). Each cell
        becomes its centre point.
    ``"points"``
        GeoPackage/GeoParquet of points or polygons (with a CRS), or a CSV with ``x``,
        ``y`` (+ ``crs``) or ``lon``, ``lat``, with a population column. Polygons are
        replaced by a representative point (a point guaranteed to lie inside).

    Parameters
    ----------
    path
        CSV, GeoPackage (``.gpkg``) or GeoParquet (``.parquet``) file.
    kind
        Force the kind of data instead of detecting it.
    cell_size_m
        Side of a grid cell in metres: 1000 for SCB's national grid, 250 in urban grids.
    population_column
        Population column (persons); by default the first of ``population``, ``Pop``,
        ``befolkning`` (case-insensitive).
    jobseekers_column
        Optional column of registered jobseekers (persons), kept as ``jobseekers``.
    kommun_column
        SCB municipality code column. Required for tables; for grids and points it is
        assigned by location (nearest municipality within 10 km) when absent, and
        checked against the location (10 km) when given.
    cell_column
        Grid cell id column; by default the first of ``Ruta``, ``rut_id``, ``RutID``
        (case-insensitive).
    crs
        CRS of CSV ``x``, ``y`` columns (kind ``"points"`` only).
    layer
        Layer of a GeoPackage; required when the file holds more than one (the
        command line's ``--layer``).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        ``"table"``: a DataFrame indexed by ``kommun_kod`` (4-digit str) with
        ``population`` (persons, float), ``jobseekers`` (persons, float; if present) and
        the other columns. ``"grid"``: a GeoDataFrame with ``cell_id`` (str),
        ``population`` (persons, float), ``kommun_kod``, the other columns and
        ``geometry`` (cell-centre Point, EPSG:3006). ``"points"``: a GeoDataFrame with
        ``population``, ``kommun_kod``, the other columns and ``geometry`` (Point,
        EPSG:3006).

    Raises
    ------
    MissingColumnError
        A required column is missing, or the kind cannot be detected.
    CRSError
        A geometry file without CRS, or CSV ``x``, ``y`` without ``crs``.
    InputValidationError
        The file is missing, a folder, unreadable or has no data rows; negative,
        missing or non-numeric population, malformed cell ids, invalid municipality
        codes, duplicated cells or municipalities, invalid geometries, or points outside
        Sweden.
    """
    if kind not in ("auto", "table", "grid", "points"):
        raise ValueError(f"kind must be 'auto', 'table', 'grid' or 'points', not {kind!r}")
    path = Path(path)
    file_kind = _file_kind(path)
    text_columns = {kommun_column, "kommun", jobseekers_column, "x", "y", "lon", "lat"}
    text_columns |= set(CELL_COLUMNS) | set(POPULATION_COLUMNS)
    text_columns |= {c for c in (population_column, cell_column) if c}
    if file_kind == "csv":
        df, where = _read_csv(path, text_columns=text_columns)
    else:
        df, where = _read_geo(path, crs=crs, layer=layer)
    if kind == "auto":
        kind = _detect_population_kind(df, file_kind, where, kommun_column, cell_column)
        detected = True
    else:
        detected = False
    if file_kind == "geo" and kind != "points":
        raise InputValidationError(
            f"{path}: kind={kind!r} needs a CSV file; GeoPackage/GeoParquet hold points"
        )
    pop_col = population_column or _find_column(df, POPULATION_COLUMNS, where, "population_column")
    v.require_columns(df, [pop_col], where=where)
    if kind == "table":
        table = _population_table(df, where, pop_col, kommun_column, jobseekers_column)
        v.at_most(
            table["population"].set_axis(df.index).rename(pop_col),
            MAX_MUNICIPALITY_POPULATION,
            where=where,
            why="people in one municipality",
        )
        table.attrs["population_kind"] = _kind_note(kind, detected)
        return table
    if kind == "grid":
        cell_col = cell_column or _find_column(df, CELL_COLUMNS, where, "cell_column")
        gdf, cells = _grid_points(df, where, cell_col, cell_size_m)
        consumed = [cell_col]
        first = {"cell_id": cells}
    else:
        v.duplicated_features(df, where=where)
        if file_kind == "csv":
            gdf = _csv_points(df, where=where, crs=crs)
        else:
            gdf = _geo_points(df, where=where, polygons="representative_point")
        consumed, first = [], {}
    counts = v.numbers(gdf[pop_col], where=where, non_negative=True, integer=True)
    if kind == "grid":
        cell_max = MAX_DENSITY_PER_KM2 * (cell_size_m / 1000) ** 2
        v.at_most(counts, cell_max, where=where, why=f"people in one {cell_size_m} m cell")
    else:
        v.at_most(counts, MAX_MUNICIPALITY_POPULATION, where=where, why="people at one point")
    first["population"] = counts
    first["kommun_kod"] = _kommun(gdf, kommun_column, where=where)
    _municipality_totals(counts, first["kommun_kod"], where)
    out = _assemble(gdf, first, [*consumed, pop_col, kommun_column])
    out.attrs["population_kind"] = _kind_note(kind, detected)
    return out


def _municipality_totals(counts: pd.Series, codes: pd.Series, where: v.Where) -> None:
    totals = counts.groupby(codes.to_numpy()).sum()
    over = totals[totals > MAX_MUNICIPALITY_POPULATION]
    if len(over):
        v.fail(
            InputValidationError,
            where,
            f"column {counts.name!r}: {len(over)} municipalit(y/ies) would hold an "
            f"implausible population, above {MAX_MUNICIPALITY_POPULATION:,} (sum of "
            "their cells or points):",
            [f"kommun_kod {code}: {total:,.0f}" for code, total in over.items()],
        )


def _kind_note(kind: str, detected: bool) -> str:
    how = "detected from the columns" if detected else "as requested"
    return f"{kind} ({how})"


# --- reading files -----------------------------------------------------------------


def _file_kind(path: Path) -> Literal["csv", "geo"]:
    suffix = path.suffix.lower()
    if suffix not in _CSV_SUFFIXES | _GEO_SUFFIXES:
        raise InputValidationError(
            f"{path}: unsupported file type {suffix!r}; use CSV (.csv), GeoPackage (.gpkg) "
            "or GeoParquet (.parquet)"
        )
    if path.is_dir():
        raise InputValidationError(f"{path}: is a folder, not a file")
    if not path.is_file():
        raise InputValidationError(f"{path}: file not found")
    return "csv" if suffix in _CSV_SUFFIXES else "geo"


def _read_csv(path: Path, *, text_columns: set[str]) -> tuple[pd.DataFrame, v.Where]:
    """Read a CSV file; the index holds each record's line number in the file.

    Columnar: pyarrow's CSV reader parses the bytes into typed columns (about 50 bytes
    per row of two columns), and line numbers come from the newline positions, so a
    2,000,000-row file needs a few hundred MB (benchmarks/bench_population_read.py).
    A file with a quoted line break in a value falls back to Python's csv module.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputValidationError(f"{path}: cannot read the file: {os_reason(exc)}") from None
    data, text = _utf8_csv(path, raw)
    del raw
    end = data.find(b"\n")
    header = (data if end < 0 else data[:end]).decode("utf-8")
    sep = max([",", ";", "\t"], key=header.count)
    if not data.strip():
        raise InputValidationError(f"{path}: the file is empty")
    names = next(csv.reader([header.rstrip("\r")], delimiter=sep), [])
    lowered = {c.lower() for c in text_columns}
    text_cols = [c for c in names if c.lower() in lowered]
    try:
        df = _arrow_csv(data, sep, text_cols)
    except _ArrowFallback:
        df = None
    except ValueError as exc:  # pyarrow.ArrowInvalid: rows with another number of fields
        raise InputValidationError(f"{path}: cannot parse the CSV file: {exc}") from None
    if df is None:
        return _read_csv_python(path, text if text is not None else data.decode(), sep, text_cols)
    if df.empty:
        raise InputValidationError(f"{path}: no data rows")
    lines = _record_lines(data)
    if len(df) == len(lines) - 1:
        df.index = pd.Index(lines[1:], name="line")
        return df, v.Where(str(path), "line")
    # Records and lines differ (a quoted line break): count records with csv instead.
    return _read_csv_python(path, text if text is not None else data.decode(), sep, text_cols)


class _ArrowFallback(Exception):
    """pyarrow cannot read this file line by line (a quoted line break in a value)."""


def _utf8_csv(path: Path, raw: bytes) -> tuple[bytes, str | None]:
    """The file as UTF-8 bytes without BOM, and its text if it had to be decoded.

    Every byte is checked (:func:`_decode_csv` raises on unreadable files).
    """
    head = raw[:4096]
    if raw.startswith(tuple(_BINARY_SIGNATURES)) or (head and head.count(0) >= len(head) // 4):
        _decode_csv(path, raw)  # raises, naming what the file is
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_csv(path, raw)
        return text.encode("utf-8"), text
    return data, None


def _arrow_csv(data: bytes, sep: str, text_cols: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in text_cols},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        if b'"' in data and "Expected" in str(exc):
            raise _ArrowFallback from None  # maybe a quoted line break: let csv decide
        raise ValueError(str(exc).removeprefix("CSV parse error: ")) from None
    if len(set(table.column_names)) != len(table.column_names):
        raise _ArrowFallback  # duplicated column names: pandas' renaming (a, a.1)
    return table.to_pandas()


def _record_lines(data: bytes) -> np.ndarray:
    """1-based line number of each non-blank line (as pyarrow and pandas skip blanks)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [len(buf)]])
    length = ends - starts
    cr_only = (length == 1) & (buf[np.minimum(starts, max(len(buf) - 1, 0))] == 13)
    blank = (length == 0) | cr_only
    return np.flatnonzero(~blank) + 1


def _read_csv_python(
    path: Path, text: str, sep: str, text_cols: list[str]
) -> tuple[pd.DataFrame, v.Where]:
    """The general reader: Python's csv module for line numbers, pandas for the values."""
    # Line where each non-blank record starts (pandas skips blank lines, as we do here).
    lines, start = [], 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    n_records = 0
    for record in reader:
        if record:
            lines.append(start)
            n_records += 1
        start = reader.line_num + 1
    if not n_records:
        raise InputValidationError(f"{path}: the file is empty")
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=dict.fromkeys(text_cols, str))
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputValidationError(f"{path}: cannot parse the CSV file: {exc}") from None
    if df.empty:
        raise InputValidationError(f"{path}: no data rows")
    if len(df) == len(lines) - 1:
        df.index = pd.Index(lines[1:], name="line")
        return df, v.Where(str(path), "line")
    df.index = pd.RangeIndex(1, len(df) + 1, name="row")  # unusual quoting: data row
    return df, v.Where(str(path), "data row")


#: Signatures of binary formats users save by mistake under a .csv name.
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"SQLite format 3\x00": "a GeoPackage/SQLite database",
    b"PAR1": "a Parquet file",
}


def _decode_csv(path: Path, raw: bytes) -> str:
    """Decode a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, or Windows-1252.

    Raises InputValidationError for binary files (Excel workbooks renamed .csv),
    UTF-16 without a BOM, and bytes that are neither UTF-8 nor Windows-1252.
    """
    for signature, what in _BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise InputValidationError(
                f"{path}: this is {what}, not a CSV text file; in Excel use "
                "File > Save As > 'CSV UTF-8 (comma delimited) (*.csv)'"
            )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputValidationError(
                f"{path}: starts with a UTF-16 byte order mark but is not valid UTF-16 "
                f"(byte {exc.start}); save it as UTF-8"
            ) from None
    head = raw[:4096]
    if head and head.count(0) >= len(head) // 4:
        raise InputValidationError(
            f"{path}: looks like UTF-16 text without a byte order mark (every other byte "
            "is 0); save it as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)'), or as "
            "UTF-16 with a byte order mark"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise InputValidationError(
            f"{path}: line {line}: byte 0x{bad} is neither UTF-8 (invalid at byte "
            f"{utf8_error.start}) nor Windows-1252 text; save the file as UTF-8 "
            "(in Excel: 'CSV UTF-8 (comma delimited)')"
        ) from None


def _read_geo(
    path: Path, *, crs: str | int | pyproj.CRS | None, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, v.Where]:
    if crs is not None:
        raise CRSError(
            f"{path}: crs={crs!r} applies only to CSV x/y columns; a geometry file carries "
            "its own CRS (fix a wrong one with gdf.set_crs(..., allow_override=True))"
        )
    is_gpkg = path.suffix.lower() == ".gpkg"
    if layer is not None and not is_gpkg:
        raise InputValidationError(
            f"{path}: layer={layer!r} (--layer) applies only to GeoPackage files"
        )
    try:
        if is_gpkg:
            layer = _gpkg_layer(path, layer)
            gdf = gpd.read_file(path, engine="pyogrio", fid_as_index=True, layer=layer)
        else:
            gdf = gpd.read_parquet(path)
    except (ValueError, OSError, RuntimeError) as exc:
        # pyogrio's DataSourceError/DataLayerError are RuntimeErrors, pyarrow's are
        # ValueErrors (ArrowInvalid) or OSErrors.
        fmt = "GeoPackage" if is_gpkg else "GeoParquet"
        reason = os_reason(exc) if isinstance(exc, OSError) else str(exc).strip()
        reason = reason.splitlines()[0] if reason else type(exc).__name__
        reason = reason.split("; It might help to specify the correct driver")[0]  # GDAL hint
        raise InputValidationError(f"{path}: not a readable {fmt} file ({reason})") from None
    if len(gdf) == 0:
        raise InputValidationError(f"{path}: no data rows")
    if is_gpkg:
        gdf.index = gdf.index.rename("fid")
        return gdf, v.Where(str(path), "fid")
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    return gdf, v.Where(str(path), "row")


def _gpkg_layer(path: Path, layer: str | None) -> str:
    """The layer to read: ``layer`` if the file has it, else the file's only layer."""
    import pyogrio

    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    if layer is not None:
        if layer not in names:
            raise InputValidationError(
                f"{path}: no layer {layer!r}; the file's layers: "
                f"{', '.join(repr(n) for n in names) or 'none'}"
            )
        return layer
    if len(names) != 1:
        raise InputValidationError(
            f"{path}: the GeoPackage holds {len(names)} layers "
            f"({', '.join(repr(n) for n in names)}); choose one with layer=... "
            "(command line: --layer NAME)"
        )
    return names[0]


def _csv_points(
    df: pd.DataFrame, *, where: v.Where, crs: str | int | pyproj.CRS | None
) -> gpd.GeoDataFrame:
    """Build points from CSV coordinate columns and return them in EPSG:3006."""
    if {"x", "y"} <= set(df.columns):
        if crs is None:
            raise CRSError(
                f"{where.prefix()}columns 'x', 'y' have no coordinate reference system; pass "
                "crs=..., e.g. crs='EPSG:3006' for SWEREF 99 TM metres (command line: "
                "--population-crs EPSG:3006), or name the columns 'lon', 'lat' for WGS 84 "
                "degrees"
            )
        xcol, ycol = "x", "y"
        try:
            source_crs = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise CRSError(f"{where.prefix()}crs={crs!r} is not a valid CRS: {exc}") from None
    elif {"lon", "lat"} <= set(df.columns):
        if crs is not None:
            raise CRSError(
                f"{where.prefix()}columns 'lon', 'lat' are always WGS 84 (EPSG:4326); "
                f"crs={crs!r} applies only to columns 'x', 'y'"
            )
        xcol, ycol, source_crs = "lon", "lat", pyproj.CRS("EPSG:4326")
    else:
        v.require_columns(df, ["x", "y"], where=where, purpose=" (or 'lon', 'lat')")
        raise AssertionError  # unreachable: require_columns raised
    x = v.numbers(df[xcol], where=where)
    y = v.numbers(df[ycol], where=where)
    gdf = gpd.GeoDataFrame(
        df.drop(columns=[xcol, ycol]), geometry=gpd.points_from_xy(x, y), crs=source_crs
    )
    return v.to_sweref_in_sweden(gdf, where=where, field=f"columns {xcol!r}, {ycol!r}")


def _geo_points(
    gdf: gpd.GeoDataFrame,
    *,
    where: v.Where,
    polygons: Literal["error", "representative_point"],
) -> gpd.GeoDataFrame:
    v.require_crs(gdf, where=where)
    gdf = gdf.set_geometry(v.points(gdf, where=where, polygons=polygons))
    return v.to_sweref_in_sweden(gdf, where=where)


def _kommun(gdf: gpd.GeoDataFrame, column: str, *, where: v.Where) -> pd.Series:
    if column not in gdf.columns:
        return v.assign_kommun(gdf.geometry, where=where, field=column)
    names = gdf["kommun"] if "kommun" in gdf.columns and column != "kommun" else None
    codes = v.kommun_codes(gdf[column], where=where, names=names)
    v.check_kommun_location(gdf.geometry, codes, where=where, field=column)
    return codes


def _assemble(
    gdf: gpd.GeoDataFrame, first: dict[str, pd.Series], consumed: list[str]
) -> gpd.GeoDataFrame:
    """Return new columns ``first``, then the unconsumed ones, then geometry (EPSG:3006)."""
    geometry_name = gdf.geometry.name
    drop = {geometry_name, *consumed, *first}
    rest = gdf[[c for c in gdf.columns if c not in drop]]
    out = pd.concat([pd.DataFrame(first, index=gdf.index), pd.DataFrame(rest)], axis=1)
    return gpd.GeoDataFrame(
        out.reset_index(drop=True), geometry=gdf.geometry.to_numpy(), crs=v.SWEREF99TM
    )


# --- population ----------------------------------------------------------------------


def _find_column(
    df: pd.DataFrame, candidates: tuple[str, ...], where: v.Where, keyword: str
) -> str:
    """Return the first column matching ``candidates`` (case-insensitive)."""
    by_lower = {str(c).lower(): c for c in df.columns}
    for name in candidates:
        if name.lower() in by_lower:
            return str(by_lower[name.lower()])
    also = ", ".join(repr(c) for c in candidates[1:])
    option = {"population_column": "--population-column"}.get(keyword)
    cli = f"; command line: {option} NAME" if option else ""
    purpose = f" (also accepted: {also}; or pass {keyword}=...{cli})"
    v.require_columns(df, [candidates[0]], where=where, purpose=purpose)
    raise AssertionError  # unreachable: require_columns raised


def _detect_population_kind(
    df: pd.DataFrame,
    file_kind: str,
    where: v.Where,
    kommun_column: str,
    cell_column: str | None,
) -> Literal["table", "grid", "points"]:
    if file_kind == "geo":
        return "points"
    lower = {str(c).lower() for c in df.columns}
    cells = {c.lower() for c in ((cell_column,) if cell_column else CELL_COLUMNS)}
    if lower & cells:
        return "grid"
    # Coordinates win over a municipality column: a points file that also carries
    # kommun_kod is points (whose codes are checked against their location), never a
    # table whose coordinates would be ignored.
    if {"x", "y"} <= lower or {"lon", "lat"} <= lower:
        return "points"
    if kommun_column in df.columns:
        return "table"
    raise MissingColumnError(
        f"{where.prefix()}cannot tell the kind of population data: expected a grid cell id "
        f"column ({', '.join(repr(c) for c in CELL_COLUMNS)}), a {kommun_column!r} column "
        "(table per municipality) or coordinate columns ('x', 'y' or 'lon', 'lat'); "
        f"available columns: {', '.join(repr(str(c)) for c in df.columns)}; or pass kind=... "
        "(command line: --population-kind grid|table|points)"
    )


def _population_table(
    df: pd.DataFrame, where: v.Where, pop_col: str, kommun_column: str, jobseekers: str
) -> pd.DataFrame:
    v.require_columns(df, [kommun_column, pop_col], where=where)
    names = df["kommun"] if "kommun" in df.columns and kommun_column != "kommun" else None
    codes = v.kommun_codes(df[kommun_column], where=where, names=names)
    v.unique(codes, where=where)
    out = pd.DataFrame(
        {"population": v.numbers(df[pop_col], where=where, non_negative=True, integer=True)}
    )
    if jobseekers in df.columns:
        out["jobseekers"] = v.numbers(df[jobseekers], where=where, non_negative=True, integer=True)
        v.at_most(
            out["jobseekers"].set_axis(df.index).rename(jobseekers),
            MAX_MUNICIPALITY_POPULATION,
            where=where,
            why="people in one municipality",
        )
    rest = df.drop(columns=[kommun_column, pop_col, jobseekers], errors="ignore")
    out = pd.concat([out, rest.drop(columns=list(out.columns), errors="ignore")], axis=1)
    out.index = pd.Index(codes.to_numpy(), name="kommun_kod")
    return out


def _grid_points(
    df: pd.DataFrame, where: v.Where, cell_col: str, cell_size_m: int
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Return cell-centre points (EPSG:3006) and the cell ids of an SCB grid table."""
    if cell_size_m <= 0:
        raise ValueError(f"cell_size_m must be positive, not {cell_size_m!r}")
    column = df[cell_col]
    if pd.api.types.is_numeric_dtype(column):
        cells = column.map(v.as_text, na_action="ignore").astype(str)
    else:  # read as text (the usual case): vectorised
        cells = column.astype("string").str.strip().fillna("nan").astype(str)
    well_formed = cells.str.fullmatch(r"\d{13}") & df[cell_col].notna()
    east = pd.to_numeric(cells.where(well_formed).str[:6]).fillna(0).astype("int64")
    north = pd.to_numeric(cells.where(well_formed).str[6:]).fillna(0).astype("int64")
    on_grid = (east % cell_size_m == 0) & (north % cell_size_m == 0)
    items = []
    for label in df.index[~(well_formed & on_grid)]:
        value = df[cell_col][label]
        if not well_formed[label]:
            problem = "missing" if pd.isna(value) else f"{value!r} is not 13 digits"
        else:
            problem = (
                f"{value!r}: corner ({east[label]}, {north[label]}) is not a multiple of "
                f"the cell size {cell_size_m} m (check cell_size_m, on the command line "
                "--cell-size: 1000 nationally, 250 in urban grids)"
            )
        items.append(f"{where.row(label)}: {problem}")
    if items:
        v.fail(
            InputValidationError,
            where,
            f"column {cell_col!r}: {len(items)} invalid SCB grid cell id(s) (13 digits: "
            "6 for the easting and 7 for the northing of the lower-left corner in "
            f"SWEREF 99 TM metres, e.g. {_SCB_CELL_EXAMPLE}):",
            items,
        )
    v.unique(cells.rename(cell_col), where=where)
    half = cell_size_m / 2
    gdf = gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(east + half, north + half), crs=v.SWEREF99TM
    )
    gdf = v.to_sweref_in_sweden(gdf, where=where, field=f"column {cell_col!r}")
    return gdf, cells
