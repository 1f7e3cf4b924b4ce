"""Read GTFS feeds (zip or folder, one or several) into compact arrays, with validation.

The CSV files are parsed by pyarrow's multi-threaded reader; ids are mapped to integer
indices with hash lookups, times are parsed vectorised. Nothing here knows about dates
or routing: :mod:`tillganglighet.transit.service` builds the service day.

Row numbers in messages are 1-based *line numbers of the file* (the header is line 1),
assuming no quoted field spans several lines (GTFS ids and times never do).

Input safety: zip members are read with a cap on the uncompressed size (total and per
file) and on the compression ratio, enforced on the bytes actually inflated, not on the
sizes the archive declares. A UTF-8 byte order mark is dropped; other encodings must be
named (``encoding="cp1252"``) or the read fails with the file and line of the first
undecodable byte.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputValidationError, MissingColumnError
from . import _parse

Progress = Callable[[str, int, int], None]

#: Default cap on the uncompressed bytes read from one feed (all files we read, summed).
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
#: Default cap on one zip member's compression ratio (uncompressed / compressed).
MAX_COMPRESSION_RATIO = 200.0

REQUIRED_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"),
    "stop_times.txt": ("pickup_type", "drop_off_type"),
    "frequencies.txt": ("exact_times",),
    "transfers.txt": ("min_transfer_time",),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MAX_LISTED = 20  # issues listed per (file, field, kind); the rest are counted
_NUM_RE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


class GTFSError(InputValidationError):
    """A GTFS feed cannot be read or makes routing meaningless (message names file/row/field)."""


@dataclass(frozen=True)
class Issue:
    """One validation finding.

    Attributes
    ----------
    severity
        ``"error"`` (the rows were dropped) or ``"warning"`` (kept, or merely noted).
    file, line, field
        Where: file name (prefixed with the feed's label when several feeds are merged),
        1-based line number in that file (``0`` when the whole file is meant) and column.
    message
        What is wrong and what was done about it.
    """

    severity: str
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{self.severity}: {where}, field {self.field!r}: {self.message}"


class _Issues:
    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[Issue] = []
        self._counts: dict[tuple[str, str, str], int] = {}

    def add(
        self, severity: str, file: str, line: int, fld: str, message: str, kind: str | None = None
    ) -> None:
        key = (file, fld, kind or message)
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        if n < _MAX_LISTED:
            self.items.append(Issue(severity, self.label + file, line, fld, message))

    def add_rows(self, severity: str, file: str, lines: np.ndarray, fld: str, message: str) -> None:
        lines = np.asarray(lines)
        for ln in lines[:_MAX_LISTED]:
            self.add(severity, file, int(ln), fld, message)
        if len(lines) > _MAX_LISTED:
            self.items.append(
                Issue(
                    severity,
                    self.label + file,
                    int(lines[_MAX_LISTED]),
                    fld,
                    f"{message} (and {len(lines) - _MAX_LISTED - 1:,} more rows)",
                )
            )


@dataclass
class Feed:
    """A GTFS feed (or several merged) as arrays; indices are 0-based positions.

    Times are seconds after midnight of the service day (GTFS "noon minus 12 h"),
    ``-1`` where the feed leaves a time blank and it could not be interpolated.
    Coordinates are WGS84 degrees (``nan`` when missing); projection to EPSG:3006 is
    done when the service day is built.

    Attributes
    ----------
    stop_id, stop_name, stop_lat, stop_lon, stop_parent, stop_location_type
        Stops (``stop_parent`` is the parent station's index or -1).
    route_id, route_type
        Routes.
    trip_id, trip_route, trip_service
        Trips: route index and service index.
    service_id
        Distinct service ids from trips, calendar and calendar_dates.
    cal_service, cal_days, cal_start, cal_end
        calendar.txt: service index, (n, 7) weekday flags Monday..Sunday, dates as
        ``YYYYMMDD`` integers.
    cd_service, cd_date, cd_type
        calendar_dates.txt (exception type 1 = added, 2 = removed).
    st_trip, st_stop, st_arr, st_dep, st_pickup, st_dropoff
        stop_times sorted by trip then stop_sequence; ``st_trip_start`` (length
        ``n_trips + 1``) delimits each trip's rows.
    fq_trip, fq_start, fq_end, fq_headway, fq_exact
        frequencies.txt.
    tr_from, tr_to, tr_type, tr_min_s
        transfers.txt (min_transfer_time ``-1`` when blank).
    issues
        Validation findings; ``sources`` the files or folders read.
    """

    stop_id: np.ndarray
    stop_name: np.ndarray
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    stop_parent: np.ndarray
    stop_location_type: np.ndarray
    route_id: np.ndarray
    route_type: np.ndarray
    trip_id: np.ndarray
    trip_route: np.ndarray
    trip_service: np.ndarray
    service_id: np.ndarray
    cal_service: np.ndarray
    cal_days: np.ndarray
    cal_start: np.ndarray
    cal_end: np.ndarray
    cd_service: np.ndarray
    cd_date: np.ndarray
    cd_type: np.ndarray
    st_trip: np.ndarray
    st_stop: np.ndarray
    st_arr: np.ndarray
    st_dep: np.ndarray
    st_pickup: np.ndarray
    st_dropoff: np.ndarray
    st_trip_start: np.ndarray
    fq_trip: np.ndarray
    fq_start: np.ndarray
    fq_end: np.ndarray
    fq_headway: np.ndarray
    fq_exact: np.ndarray
    tr_from: np.ndarray
    tr_to: np.ndarray
    tr_type: np.ndarray
    tr_min_s: np.ndarray
    issues: list[Issue] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def n_stops(self) -> int:
        return len(self.stop_id)

    @property
    def n_trips(self) -> int:
        return len(self.trip_id)

    @property
    def n_stop_times(self) -> int:
        return len(self.st_trip)

    def date_range(self) -> tuple[int, int] | None:
        """First and last date (``YYYYMMDD``) named by calendar or calendar_dates."""
        dates = np.concatenate([self.cal_start, self.cal_end, self.cd_date])
        return (int(dates.min()), int(dates.max())) if len(dates) else None


# --------------------------------------------------------------------------- sources


class _Source:
    """Files of one feed: a zip archive or a folder, read with size caps."""

    def __init__(self, path: Path, max_bytes: int, max_ratio: float) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.read_bytes = 0
        self.zip: zipfile.ZipFile | None = None
        self.members: dict[str, str] = {}
        if path.is_dir():
            self.members = {p.name: p.name for p in path.iterdir() if p.is_file()}
        elif path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
                names = self.zip.namelist()
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise GTFSError(f"{path}: not a readable zip archive ({exc})") from exc
            for name in names:
                base = name.rsplit("/", 1)[-1]
                if base and not name.endswith("/") and base not in self.members:
                    self.members[base] = name
        else:
            raise GTFSError(f"{path}: no such file or folder")

    def has(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str) -> bytes:
        if self.zip is None:
            fp = self.path / self.members[name]
            size = fp.stat().st_size
            self._account(name, size)
            return fp.read_bytes()
        info = self.zip.getinfo(self.members[name])
        if info.compress_size and info.file_size / max(info.compress_size, 1) > self.max_ratio:
            raise GTFSError(
                f"{self.path}: {name} declares a compression ratio of "
                f"{info.file_size / info.compress_size:,.0f}:1, above the cap of "
                f"{self.max_ratio:,.0f}:1 (possible zip bomb)"
            )
        limit = self.max_bytes - self.read_bytes
        chunks: list[bytes] = []
        total = 0
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 22)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        self._account(name, total)
                    if info.compress_size and total > self.max_ratio * max(info.compress_size, 1):
                        raise GTFSError(
                            f"{self.path}: {name} inflates beyond {self.max_ratio:,.0f} times "
                            "its compressed size (possible zip bomb)"
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise GTFSError(f"{self.path}: {name} is corrupt in the zip archive ({exc})") from exc
        self.read_bytes += total
        return b"".join(chunks)

    def _account(self, name: str, size: int) -> None:
        if self.read_bytes + size > self.max_bytes:
            raise GTFSError(
                f"{self.path}: reading {name} would exceed the cap of {self.max_bytes:,} "
                "uncompressed bytes (raise max_uncompressed_bytes if the feed is genuine)"
            )
        if self.zip is None:
            self.read_bytes += size

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


class _Table:
    """One parsed CSV file: string columns plus the means to name line numbers."""

    def __init__(
        self, name: str, raw: bytes, columns: Sequence[str], encoding: str, issues: _Issues
    ) -> None:
        self.name = name
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise GTFSError(
                f"{name}, line 1: the file is UTF-16 encoded; GTFS requires UTF-8 "
                "(re-save it as UTF-8)"
            )
        if encoding.lower().replace("-", "").replace("_", "") != "utf8":
            try:
                raw = raw.decode(encoding).encode("utf-8")
            except (UnicodeDecodeError, LookupError) as exc:
                raise GTFSError(f"{name}: cannot decode as {encoding} ({exc})") from exc
        self.raw = raw
        nl = raw.find(b"\n")
        first = (raw if nl < 0 else raw[:nl]).decode("utf-8", errors="replace").rstrip("\r")
        header = [h.strip() for h in next(csv.reader([first]))] if first.strip() else []
        self.header = header
        self._blank_lines = (b"\n\n" in raw) or (b"\n\r\n" in raw)
        wanted = [c for c in columns if c in header]
        if not header:
            raise GTFSError(f"{name}, line 1: the file is empty (no header)")
        if len(set(header)) != len(header):
            dup = sorted({h for h in header if header.count(h) > 1})
            raise GTFSError(f"{name}, line 1: duplicate column(s) {dup}")
        self.n = 0
        self.cols: dict[str, pa.Array] = {}
        rest = len(raw) - nl - 1 if nl >= 0 else 0
        if rest <= 0 or (rest < 4096 and not raw[nl + 1 :].strip()):
            self.cols = {c: pa.array([], type=pa.string()) for c in wanted}
            return
        try:
            table = pacsv.read_csv(
                io.BytesIO(raw),
                read_options=pacsv.ReadOptions(
                    use_threads=True, block_size=1 << 24, column_names=header, skip_rows=1
                ),
                parse_options=pacsv.ParseOptions(newlines_in_values=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in header},
                    include_columns=wanted,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            msg = str(exc)
            if "utf8" in msg.lower() or "utf-8" in msg.lower():
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as uexc:
                    line = raw.count(b"\n", 0, uexc.start) + 1
                    raise GTFSError(
                        f"{name}, line {line}: byte 0x{raw[uexc.start]:02x} is not valid "
                        "UTF-8; GTFS requires UTF-8 (or pass encoding='cp1252' / 'latin-1' if "
                        "the publisher used another encoding)"
                    ) from None
            m = re.search(r"Row #(\d+)", msg)
            where = f", line {m.group(1)}" if m else ""
            raise GTFSError(f"{name}{where}: malformed CSV ({msg.splitlines()[0]})") from None
        self.n = table.num_rows
        for c in wanted:
            col = table.column(c).combine_chunks()
            if _parse.has_padding(col):
                col = pc.utf8_trim_whitespace(col)
            self.cols[c] = col
        self.issues = issues

    def lines(self, rows: np.ndarray) -> np.ndarray:
        """1-based file line numbers of 0-based data rows."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self._blank_lines:
            return rows + 2
        data = np.frombuffer(self.raw, dtype=np.uint8)
        nl = np.flatnonzero(data == 10)
        starts = np.concatenate([[0], nl + 1])
        ends = np.concatenate([nl, [len(data)]])
        length = ends - starts
        cr = (length > 0) & (data[np.maximum(ends - 1, 0)] == 13)
        nonempty = np.flatnonzero((length - cr) > 0)  # 0-based line indices
        return nonempty[1 + rows] + 1

    def has(self, column: str) -> bool:
        return column in self.cols

    def text(self, column: str) -> pa.Array:
        if column in self.cols:
            return self.cols[column]
        return pa.array([""] * self.n, type=pa.string())

    def ints(
        self, column: str, *, default: int, required: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Integers (blank -> default); also the mask of rows that did not parse."""
        if column not in self.cols:
            return np.full(self.n, default, dtype=np.int64), np.zeros(self.n, dtype=bool)
        values, status = _parse.parse_ints(self.cols[column])
        values[status == 1] = default
        bad = status == 2
        if required:
            bad |= status == 1
        return values, bad

    def floats(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self.cols:
            return np.full(self.n, np.nan), np.zeros(self.n, dtype=bool)
        col = self.cols[column]
        blank = np.asarray(pc.equal(col, "").to_numpy(zero_copy_only=False), dtype=bool)
        ok = np.asarray(
            pc.match_substring_regex(col, _NUM_RE).to_numpy(zero_copy_only=False), dtype=bool
        )
        values = np.full(self.n, np.nan)
        if ok.any():
            values[ok] = pc.cast(pc.filter(col, pa.array(ok)), pa.float64()).to_numpy()
        return values, ~ok & ~blank

    def times(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``H:MM:SS`` (hours may exceed 24) to seconds; blank -> -1; mask of bad rows."""
        values, status = _parse.parse_times(self.cols[column])
        return values, status == 2


def _index_in(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent)."""
    if len(values) > 100_000:
        # many repeats (stop_times): look up each distinct value once
        enc = pc.dictionary_encode(values)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        if len(enc.dictionary) < len(values) // 2:
            look = _lookup(enc.dictionary, keys)
            return look[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    return _lookup(values, keys)


def _lookup(values: pa.Array, keys: pa.Array) -> np.ndarray:
    idx = pc.index_in(values, value_set=keys)
    return np.asarray(pc.fill_null(idx, -1).to_numpy(), dtype=np.int64)


def _strings(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


# ------------------------------------------------------------------------------ read


def read_gtfs(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_compression_ratio: float = MAX_COMPRESSION_RATIO,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> Feed:
    """Read one or several GTFS feeds (zip archives or folders) into a :class:`Feed`.

    Several feeds are merged with their ids kept apart: every stop, route, trip and
    service id of the *n*-th feed (1-based) gets the prefix ``"feed{n}:"``. A single feed
    keeps its ids unchanged.

    Parameters
    ----------
    paths
        A zip file or folder, or a sequence of them.
    max_uncompressed_bytes
        Cap on the bytes inflated from one feed (the files read, summed); guards against
        zip bombs. 4 GiB by default (the national Swedish feed is far below).
    max_compression_ratio
        Cap on any member's uncompressed/compressed size ratio (200 by default; CSV text
        compresses 5-30 times).
    encoding
        Text encoding of the files (GTFS prescribes UTF-8; a UTF-8 BOM is accepted).
    progress
        Optional callback ``progress(step, done, total)``.

    Returns
    -------
    Feed
        Arrays plus validation ``issues``. Rows that cannot be used (unknown ids,
        unparsable or backward times) are dropped and reported.

    Raises
    ------
    GTFSError
        Corrupt or oversized archive, missing required file or column, bad encoding, or a
        feed with nothing to route on (no stop with coordinates, no trip with two stops).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    folders = [Path(p) for p in paths]
    if not folders:
        raise GTFSError("read_gtfs: no feed given")
    feeds = []
    for n, path in enumerate(folders, start=1):
        label = f"feed{n}:" if len(folders) > 1 else ""
        feeds.append(
            _read_one(
                path, label, max_uncompressed_bytes, max_compression_ratio, encoding, progress
            )
        )
    feed = (
        feeds[0]
        if len(feeds) == 1
        else _merge(feeds, [f"feed{n}:" for n in range(1, len(feeds) + 1)])
    )
    _check_meaningful(feed)
    return feed


def _read_one(
    path: Path,
    label: str,
    max_bytes: int,
    max_ratio: float,
    encoding: str,
    progress: Progress | None,
) -> Feed:
    src = _Source(path, max_bytes, max_ratio)
    issues = _Issues(label)
    try:
        missing = [f for f in REQUIRED_FILES if not src.has(f)]
        if missing:
            raise GTFSError(f"{path}: required GTFS file(s) missing: {', '.join(missing)}")
        if not (src.has("calendar.txt") or src.has("calendar_dates.txt")):
            raise GTFSError(
                f"{path}: neither calendar.txt nor calendar_dates.txt is present "
                "(one is required to know on which dates trips run)"
            )
        names = [
            "stops.txt",
            "routes.txt",
            "trips.txt",
            "calendar.txt",
            "calendar_dates.txt",
            "frequencies.txt",
            "transfers.txt",
            "stop_times.txt",
        ]
        tables: dict[str, _Table | None] = {}
        for i, name in enumerate(names):
            if progress:
                progress("read", i, len(names))
            if not src.has(name):
                tables[name] = None
                continue
            cols = REQUIRED_COLUMNS[name] + OPTIONAL_COLUMNS.get(name, ())
            t = _Table(label + name, src.read(name), cols, encoding, issues)
            miss = [c for c in REQUIRED_COLUMNS[name] if c not in t.header]
            if miss:
                raise MissingColumnError(
                    f"{path}: {name}, line 1: required column(s) missing: {', '.join(miss)}"
                )
            tables[name] = t
        if progress:
            progress("read", len(names), len(names))
        feed = _build(tables, issues)
        feed.sources = [str(path)]
        return feed
    finally:
        src.close()


def _build(tables: dict[str, _Table | None], iss: _Issues) -> Feed:
    def t(name: str) -> _Table:
        tab = tables[name]
        assert tab is not None
        return tab

    # --- stops
    stops = t("stops.txt")
    stop_keys = stops.text("stop_id")
    dup = _duplicates(stop_keys)
    if len(dup):
        iss.add_rows(
            "error",
            "stops.txt",
            stops.lines(dup),
            "stop_id",
            "duplicate stop_id; the first row is used",
        )
    lat, bad_lat = stops.floats("stop_lat")
    lon, bad_lon = stops.floats("stop_lon")
    for bad, fld in ((bad_lat, "stop_lat"), (bad_lon, "stop_lon")):
        if bad.any():
            iss.add_rows(
                "error",
                "stops.txt",
                stops.lines(np.flatnonzero(bad)),
                fld,
                "not a number; treated as missing",
            )
    out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    lat[out_of_range] = np.nan
    lon[out_of_range] = np.nan
    loc_type, _ = stops.ints("location_type", default=0)
    parent = _index_in(stops.text("parent_station"), stop_keys)
    has_parent_ref = np.asarray(
        pc.not_equal(stops.text("parent_station"), "").to_numpy(zero_copy_only=False), dtype=bool
    )
    bad_parent = has_parent_ref & (parent < 0)
    if bad_parent.any():
        iss.add_rows(
            "warning",
            "stops.txt",
            stops.lines(np.flatnonzero(bad_parent)),
            "parent_station",
            "unknown parent station; ignored",
        )
    no_xy = np.isnan(lat) | np.isnan(lon)
    inherit = no_xy & (parent >= 0)
    if inherit.any():
        p = parent[inherit]
        lat[inherit] = lat[p]
        lon[inherit] = lon[p]
        iss.add_rows(
            "warning",
            "stops.txt",
            stops.lines(np.flatnonzero(inherit)),
            "stop_lat",
            "no coordinates; the parent station's are used",
        )
    still = (np.isnan(lat) | np.isnan(lon)) & (loc_type <= 2)
    if still.any():
        iss.add_rows(
            "warning",
            "stops.txt",
            stops.lines(np.flatnonzero(still)),
            "stop_lat",
            "stop without coordinates: it can be ridden through but not walked to",
        )

    # --- routes
    routes = t("routes.txt")
    route_keys = routes.text("route_id")
    route_type, bad_rt = routes.ints("route_type", default=3, required=True)
    if bad_rt.any():
        iss.add_rows(
            "error",
            "routes.txt",
            routes.lines(np.flatnonzero(bad_rt)),
            "route_type",
            "not an integer; bus (3) assumed",
        )

    # --- trips
    trips = t("trips.txt")
    trip_keys = trips.text("trip_id")
    dup = _duplicates(trip_keys)
    if len(dup):
        iss.add_rows(
            "error",
            "trips.txt",
            trips.lines(dup),
            "trip_id",
            "duplicate trip_id; the first row is used",
        )
    trip_route = _index_in(trips.text("route_id"), route_keys)
    bad = trip_route < 0
    if bad.any():
        iss.add_rows(
            "error",
            "trips.txt",
            trips.lines(np.flatnonzero(bad)),
            "route_id",
            "unknown route_id; trip dropped",
        )

    # --- services
    service_names: list[pa.Array] = [trips.text("service_id")]
    cal, cd = tables["calendar.txt"], tables["calendar_dates.txt"]
    if cal is not None:
        service_names.append(cal.text("service_id"))
    if cd is not None:
        service_names.append(cd.text("service_id"))
    service_keys = pc.unique(pa.concat_arrays(service_names))
    trip_service = _index_in(trips.text("service_id"), service_keys)

    if cal is not None and cal.n:
        cal_service = _index_in(cal.text("service_id"), service_keys)
        days = np.zeros((cal.n, 7), dtype=np.int8)
        ok = np.ones(cal.n, dtype=bool)
        for j, d in enumerate(WEEKDAYS):
            v, b = cal.ints(d, default=0, required=True)
            b |= (v != 0) & (v != 1)
            if b.any():
                iss.add_rows(
                    "error",
                    "calendar.txt",
                    cal.lines(np.flatnonzero(b)),
                    d,
                    "must be 0 or 1; row dropped",
                )
            ok &= ~b
            days[:, j] = v
        cal_start, b1 = cal.ints("start_date", default=0, required=True)
        cal_end, b2 = cal.ints("end_date", default=0, required=True)
        for b, fld in (
            (b1 | ~_valid_dates(cal_start), "start_date"),
            (b2 | ~_valid_dates(cal_end), "end_date"),
        ):
            if b.any():
                iss.add_rows(
                    "error",
                    "calendar.txt",
                    cal.lines(np.flatnonzero(b)),
                    fld,
                    "not a YYYYMMDD date; row dropped",
                )
            ok &= ~b
        cal_service, days, cal_start, cal_end = (
            cal_service[ok],
            days[ok],
            cal_start[ok],
            cal_end[ok],
        )
    else:
        cal_service = np.zeros(0, np.int64)
        days = np.zeros((0, 7), np.int8)
        cal_start = cal_end = np.zeros(0, np.int64)
    if cd is not None and cd.n:
        cd_service = _index_in(cd.text("service_id"), service_keys)
        cd_date, b1 = cd.ints("date", default=0, required=True)
        cd_type, b2 = cd.ints("exception_type", default=0, required=True)
        b1 |= ~_valid_dates(cd_date)
        b2 |= (cd_type != 1) & (cd_type != 2)
        if b1.any():
            iss.add_rows(
                "error",
                "calendar_dates.txt",
                cd.lines(np.flatnonzero(b1)),
                "date",
                "not a YYYYMMDD date; row dropped",
            )
        if b2.any():
            iss.add_rows(
                "error",
                "calendar_dates.txt",
                cd.lines(np.flatnonzero(b2)),
                "exception_type",
                "must be 1 or 2; row dropped",
            )
        ok = ~(b1 | b2)
        cd_service, cd_date, cd_type = cd_service[ok], cd_date[ok], cd_type[ok]
    else:
        cd_service = cd_date = cd_type = np.zeros(0, np.int64)

    # --- stop_times
    st = t("stop_times.txt")
    st_trip = _index_in(st.text("trip_id"), trip_keys)
    st_stop = _index_in(st.text("stop_id"), stop_keys)
    seq, bad_seq = st.ints("stop_sequence", default=-1, required=True)
    arr, bad_arr = st.times("arrival_time")
    dep, bad_dep = st.times("departure_time")
    pickup, _ = st.ints("pickup_type", default=0)
    dropoff, _ = st.ints("drop_off_type", default=0)
    drop = np.zeros(st.n, dtype=bool)
    for mask, fld, msg in (
        (st_trip < 0, "trip_id", "unknown trip_id; row dropped"),
        (st_stop < 0, "stop_id", "unknown stop_id; row dropped"),
        (bad_seq, "stop_sequence", "not a non-negative integer; row dropped"),
        (bad_arr, "arrival_time", "not a H:MM:SS time; row dropped"),
        (bad_dep, "departure_time", "not a H:MM:SS time; row dropped"),
    ):
        if mask.any():
            iss.add_rows("error", "stop_times.txt", st.lines(np.flatnonzero(mask)), fld, msg)
        drop |= mask
    keep = np.flatnonzero(~drop)
    key = st_trip[keep].astype(np.int64) * (1 << 32) + (seq[keep] & 0xFFFFFFFF)
    # already in trip, stop_sequence order (typical of exports): no sort needed
    presorted = len(key) and (np.diff(key) > 0).all()
    order = keep if presorted else keep[np.argsort(key, kind="stable")]
    st_trip, st_stop, seq = st_trip[order], st_stop[order], seq[order]
    arr, dep, pickup, dropoff = arr[order], dep[order], pickup[order], dropoff[order]
    # blank times: one of the two -> copy the other; both -> interpolate within the trip
    only_a = (arr < 0) & (dep >= 0)
    arr[only_a] = dep[only_a]
    only_d = (dep < 0) & (arr >= 0)
    dep[only_d] = arr[only_d]
    same_trip_prev = np.concatenate([[False], st_trip[1:] == st_trip[:-1]])
    dup_seq = same_trip_prev & np.concatenate([[False], seq[1:] == seq[:-1]])
    if dup_seq.any():
        iss.add_rows(
            "error",
            "stop_times.txt",
            st.lines(order[np.flatnonzero(dup_seq)]),
            "stop_sequence",
            "repeated stop_sequence in the trip; row dropped",
        )
        k = ~dup_seq
        st_trip, st_stop, seq, arr, dep = st_trip[k], st_stop[k], seq[k], arr[k], dep[k]
        pickup, dropoff, order = pickup[k], dropoff[k], order[k]
    arr, dep, n_interp, bad_trip_ends = _interpolate(st_trip, arr, dep)
    if n_interp:
        iss.add(
            "warning",
            "stop_times.txt",
            0,
            "arrival_time",
            f"{n_interp:,} stop times without times interpolated linearly by stop order",
        )
    # times going backwards: dep < arr at a stop, or arr < previous dep
    n_trips = len(trip_keys)
    back = dep < arr
    same_prev = np.concatenate([[False], st_trip[1:] == st_trip[:-1]])
    back_prev = same_prev & np.concatenate([[False], arr[1:] < dep[:-1]])
    bad_rows = np.flatnonzero(back | back_prev | bad_trip_ends)
    bad_trips = np.unique(st_trip[bad_rows])
    if len(bad_rows):
        fields = np.where(back[bad_rows], "departure_time", "arrival_time")
        for r, f in list(zip(bad_rows, fields, strict=False))[:_MAX_LISTED]:
            msg = (
                "time goes backwards in the trip; the trip is dropped"
                if not bad_trip_ends[r]
                else "the first or last stop of the trip has no time; the trip is dropped"
            )
            iss.add(
                "error",
                "stop_times.txt",
                int(st.lines(np.array([order[r]]))[0]),
                str(f),
                msg,
                kind="backwards",
            )
        if len(bad_trips) > _MAX_LISTED:
            iss.add(
                "error",
                "stop_times.txt",
                0,
                "arrival_time",
                f"{len(bad_trips):,} trips dropped in all for times going backwards",
            )
    trip_ok = (trip_route >= 0) & (trip_service >= 0)
    trip_ok[bad_trips] = False
    trip_ok[_duplicates(trip_keys)] = False
    k = trip_ok[st_trip]
    st_trip, st_stop, arr, dep = st_trip[k], st_stop[k], arr[k], dep[k]
    pickup, dropoff = pickup[k], dropoff[k]
    counts = np.bincount(st_trip, minlength=n_trips)
    empty = np.flatnonzero((counts == 0) & trip_ok)
    if len(empty):
        iss.add_rows(
            "warning", "trips.txt", trips.lines(empty), "trip_id", "trip has no stop_times; ignored"
        )
    single = np.flatnonzero(counts == 1)
    if len(single):
        iss.add_rows(
            "warning",
            "trips.txt",
            trips.lines(single),
            "trip_id",
            "trip has a single stop time; it cannot be ridden",
        )
    trip_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    # --- frequencies
    fq = tables["frequencies.txt"]
    if fq is not None and fq.n:
        fq_trip = _index_in(fq.text("trip_id"), trip_keys)
        fq_start, b1 = fq.times("start_time")
        fq_end, b2 = fq.times("end_time")
        fq_head, b3 = fq.ints("headway_secs", default=-1, required=True)
        fq_exact, _ = fq.ints("exact_times", default=0)
        bad = (fq_trip < 0) | b1 | b2 | b3 | (fq_head <= 0) | (fq_start < 0) | (fq_end < 0)
        bad |= fq_end < fq_start
        if bad.any():
            iss.add_rows(
                "error",
                "frequencies.txt",
                fq.lines(np.flatnonzero(bad)),
                "trip_id",
                "unknown trip, bad time or non-positive headway; row dropped",
            )
        ok = ~bad
        fq_trip, fq_start, fq_end = fq_trip[ok], fq_start[ok], fq_end[ok]
        fq_head, fq_exact = fq_head[ok], fq_exact[ok]
    else:
        fq_trip = fq_head = fq_exact = np.zeros(0, np.int64)
        fq_start = fq_end = np.zeros(0, np.int32)

    # --- transfers
    tr = tables["transfers.txt"]
    if tr is not None and tr.n:
        tr_from = _index_in(tr.text("from_stop_id"), stop_keys)
        tr_to = _index_in(tr.text("to_stop_id"), stop_keys)
        tr_type, b1 = tr.ints("transfer_type", default=0)
        tr_min, b2 = tr.ints("min_transfer_time", default=-1)
        bad = (tr_from < 0) | (tr_to < 0) | b1 | b2 | (tr_type < 0) | (tr_type > 5)
        bad |= (tr_type == 2) & (tr_min < 0)
        if bad.any():
            iss.add_rows(
                "warning",
                "transfers.txt",
                tr.lines(np.flatnonzero(bad)),
                "from_stop_id",
                "unknown stop, bad type or type 2 without min_transfer_time; row ignored",
            )
        ok = ~bad
        tr_from, tr_to, tr_type, tr_min = tr_from[ok], tr_to[ok], tr_type[ok], tr_min[ok]
    else:
        tr_from = tr_to = tr_type = tr_min = np.zeros(0, np.int64)

    names = (
        _strings(stops.text("stop_name"))
        if stops.has("stop_name")
        else np.full(stops.n, "", dtype=object)
    )
    return Feed(
        stop_id=_strings(stop_keys),
        stop_name=names,
        stop_lat=lat,
        stop_lon=lon,
        stop_parent=parent.astype(np.int32),
        stop_location_type=loc_type.astype(np.int8),
        route_id=_strings(route_keys),
        route_type=route_type.astype(np.int32),
        trip_id=_strings(trip_keys),
        trip_route=trip_route.astype(np.int32),
        trip_service=trip_service.astype(np.int32),
        service_id=_strings(service_keys),
        cal_service=cal_service.astype(np.int32),
        cal_days=days,
        cal_start=cal_start.astype(np.int64),
        cal_end=cal_end.astype(np.int64),
        cd_service=cd_service.astype(np.int32),
        cd_date=cd_date.astype(np.int64),
        cd_type=cd_type.astype(np.int8),
        st_trip=st_trip.astype(np.int32),
        st_stop=st_stop.astype(np.int32),
        st_arr=arr.astype(np.int32),
        st_dep=dep.astype(np.int32),
        st_pickup=pickup.astype(np.int8),
        st_dropoff=dropoff.astype(np.int8),
        st_trip_start=trip_start,
        fq_trip=fq_trip.astype(np.int32),
        fq_start=fq_start.astype(np.int32),
        fq_end=fq_end.astype(np.int32),
        fq_headway=fq_head.astype(np.int32),
        fq_exact=fq_exact.astype(np.int8),
        tr_from=tr_from.astype(np.int32),
        tr_to=tr_to.astype(np.int32),
        tr_type=tr_type.astype(np.int8),
        tr_min_s=tr_min.astype(np.int32),
        issues=iss.items,
    )


def _duplicates(keys: pa.Array) -> np.ndarray:
    # index_in finds a key's first occurrence; rows pointing elsewhere are repeats
    idx = _index_in(keys, keys)
    return np.flatnonzero(idx != np.arange(len(idx)))


def _valid_dates(d: np.ndarray) -> np.ndarray:
    y, m, day = d // 10000, (d // 100) % 100, d % 100
    return (y >= 1900) & (y <= 2200) & (m >= 1) & (m <= 12) & (day >= 1) & (day <= 31)


def _interpolate(
    trip: np.ndarray, arr: np.ndarray, dep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Fill stop times blank in both fields linearly between the known neighbours.

    Returns the filled arrays, how many rows were filled, and a mask of rows in trips
    whose first or last stop has no time (those trips are unusable).
    """
    missing = arr < 0
    n = len(arr)
    first = np.concatenate([[True], trip[1:] != trip[:-1]]) if n else np.zeros(0, bool)
    last = np.concatenate([trip[1:] != trip[:-1], [True]]) if n else np.zeros(0, bool)
    bad_ends = np.zeros(n, dtype=bool)
    if not missing.any():
        return arr, dep, 0, bad_ends
    end_missing = missing & (first | last)
    bad_trip = np.zeros(int(trip.max()) + 1 if n else 0, dtype=bool)
    bad_trip[trip[end_missing]] = True
    bad_ends = bad_trip[trip] & (first | last) & missing
    idx = np.arange(n)
    known = ~missing
    prev_known = np.maximum.accumulate(np.where(known, idx, -1))
    next_known = np.minimum.accumulate(np.where(known, idx, n)[::-1])[::-1]
    fill = missing & (prev_known >= 0) & (next_known < n) & ~bad_trip[trip]
    fill &= trip[np.clip(prev_known, 0, n - 1)] == trip[np.clip(next_known, 0, n - 1)]
    i = np.flatnonzero(fill)
    p, q = prev_known[i], next_known[i]
    t0, t1 = dep[p].astype(np.float64), arr[q].astype(np.float64)
    frac = (i - p) / (q - p)
    val = np.round(t0 + frac * (t1 - t0)).astype(np.int32)
    arr = arr.copy()
    dep = dep.copy()
    arr[i] = val
    dep[i] = val
    return arr, dep, len(i), bad_ends


def _merge(feeds: list[Feed], labels: list[str]) -> Feed:
    """Concatenate feeds, prefixing ids with their labels and offsetting indices."""

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(f, name) for f in feeds])

    def ids(name: str) -> np.ndarray:
        return np.concatenate(
            [
                np.array([lab + s for s in getattr(f, name)], dtype=object)
                for f, lab in zip(feeds, labels, strict=False)
            ]
        )

    def off(name: str, size: str) -> np.ndarray:
        parts, o = [], 0
        for f in feeds:
            a = getattr(f, name).astype(np.int64)
            parts.append(np.where(a >= 0, a + o, -1))
            o += len(getattr(f, size))
        return np.concatenate(parts)

    st_counts = np.concatenate([np.diff(f.st_trip_start) for f in feeds])
    return Feed(
        stop_id=ids("stop_id"),
        stop_name=cat("stop_name"),
        stop_lat=cat("stop_lat"),
        stop_lon=cat("stop_lon"),
        stop_parent=off("stop_parent", "stop_id").astype(np.int32),
        stop_location_type=cat("stop_location_type"),
        route_id=ids("route_id"),
        route_type=cat("route_type"),
        trip_id=ids("trip_id"),
        trip_route=off("trip_route", "route_id").astype(np.int32),
        trip_service=off("trip_service", "service_id").astype(np.int32),
        service_id=ids("service_id"),
        cal_service=off("cal_service", "service_id").astype(np.int32),
        cal_days=cat("cal_days"),
        cal_start=cat("cal_start"),
        cal_end=cat("cal_end"),
        cd_service=off("cd_service", "service_id").astype(np.int32),
        cd_date=cat("cd_date"),
        cd_type=cat("cd_type"),
        st_trip=off("st_trip", "trip_id").astype(np.int32),
        st_stop=off("st_stop", "stop_id").astype(np.int32),
        st_arr=cat("st_arr"),
        st_dep=cat("st_dep"),
        st_pickup=cat("st_pickup"),
        st_dropoff=cat("st_dropoff"),
        st_trip_start=np.concatenate([[0], np.cumsum(st_counts)]).astype(np.int64),
        fq_trip=off("fq_trip", "trip_id").astype(np.int32),
        fq_start=cat("fq_start"),
        fq_end=cat("fq_end"),
        fq_headway=cat("fq_headway"),
        fq_exact=cat("fq_exact"),
        tr_from=off("tr_from", "stop_id").astype(np.int32),
        tr_to=off("tr_to", "stop_id").astype(np.int32),
        tr_type=cat("tr_type"),
        tr_min_s=cat("tr_min_s"),
        issues=[i for f in feeds for i in f.issues],
        sources=[s for f in feeds for s in f.sources],
    )


def _check_meaningful(feed: Feed) -> None:
    """Raise when nothing can be routed: better a clear error than an empty result."""
    has_xy = ~(np.isnan(feed.stop_lat) | np.isnan(feed.stop_lon))
    if not has_xy.any():
        raise GTFSError(
            f"{', '.join(feed.sources)}: stops.txt, field 'stop_lat': no stop has "
            "coordinates, so no stop can be walked to"
        )
    counts = np.diff(feed.st_trip_start)
    if not (counts >= 2).any():
        errors = [str(i) for i in feed.issues if i.severity == "error"][:5]
        raise GTFSError(
            f"{', '.join(feed.sources)}: stop_times.txt: no trip has two usable "
            "stop times, so nothing can be ridden"
            + ("; first problems: " + "; ".join(errors) if errors else "")
        )
