"""Write the modelled timetable as a deterministic GTFS zip, and cache it on disk.

Determinism: the files are written in sorted name order, each member with the fixed
timestamp 1980-01-01 00:00:00, fixed permissions and DEFLATE level 6; the CSV text has
``\\n`` line ends, no index and fixed float formatting. The same tables give a
byte-identical zip (with the same zlib).

Cache: ``modelled_feed_path()`` stores the zip under the package cache folder
(:func:`tillganglighet.networks.cache.default_cache_dir`) named by a sha256 of the input
files' contents (the shipped geodata the road network and the places are built from),
the generator version, every rule constant, the fitted rules, the density and the
package version.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from tillganglighet._atomic import atomic_path
from tillganglighet.errors import OutputWriteError, os_reason
from tillganglighet.transit.modelled import rules as R
from tillganglighet.transit.modelled.rules import FITTED_RULES, Rules

__all__ = ["feed_cache_key", "modelled_feed_path", "write_feed"]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Standard GTFS files written, in this order (sorted by name in the archive).
_ORDER = ("agency", "calendar", "feed_info", "routes", "stop_times", "stops", "trips")


def _csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", float_format="%.6f")
    text = buf.getvalue()
    return text.encode("utf-8")


def _csv_fast(df: pd.DataFrame) -> bytes:
    """CSV via pyarrow (for large tables): the same text as pandas writes for str/int
    columns without commas or quotes (no quoting); quoted where a value needs it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if any(df[c].dtype.kind == "f" for c in df.columns):
        return _csv_bytes(df)
    table = pa.Table.from_pandas(df, preserve_index=False)
    header = _csv_bytes(df.iloc[:0])  # the header line as pandas writes it
    for style in ("none", "needed"):
        sink = io.BytesIO()
        sink.write(header)
        opts = pacsv.WriteOptions(quoting_style=style, include_header=False)
        try:
            pacsv.write_csv(table, sink, write_options=opts)
        except pa.ArrowInvalid:  # a value holds a comma or quote: quote as needed
            continue
        return sink.getvalue()
    raise AssertionError("unreachable: quoting_style='needed' always succeeds")


def write_feed(tables: dict[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write GTFS tables to a zip archive, deterministically and atomically.

    Parameters
    ----------
    tables
        GTFS tables keyed by file name without ``.txt`` (as from
        :func:`~tillganglighet.transit.modelled.build.build_feed`).
    path
        Target ``.zip`` file; its folder must exist.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputWriteError
        If the file cannot be written.
    """
    target = Path(path)
    names = sorted(tables)
    try:
        with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w") as zf:
            for name in names:
                df = tables[name]
                data = _csv_fast(df) if len(df) > 100_000 else _csv_bytes(df)
                info = zipfile.ZipInfo(f"{name}.txt", date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 3
                zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    except OSError as exc:
        raise OutputWriteError(
            f"cannot write the modelled GTFS feed {target}: {os_reason(exc)}"
        ) from exc
    return target


def _input_files() -> list[str]:
    from tillganglighet._resources import geodata_path

    return [
        str(geodata_path("municipalities.parquet")),
        str(geodata_path("settlements.csv")),
        str(geodata_path("lakes.parquet")),
        # the population model (places and dispersed cells are its origins)
        str(geodata_path("population_2020.csv")),
        str(geodata_path("dispersed_grid.csv")),
    ]


def feed_cache_key(*, density: float = 1.0, rules: Rules = FITTED_RULES) -> dict[str, Any]:
    """The description of a feed build that names its cache entry (JSON-serialisable)."""
    from tillganglighet.networks.modelled.build import modelled_builder_key

    consts = {k: v for k, v in R.all_constants().items() if not callable(v)}
    road = {k: v for k, v in modelled_builder_key().items() if k != "input_files"}
    return {
        "builder": "modelled_gtfs",
        "generator_version": R.GENERATOR_VERSION,
        "density": float(density),
        "rules": rules.as_dict(),
        "constants": consts,
        "road_network": road,
        "input_files": _input_files(),
    }


def _digest(key: dict[str, Any]) -> str:
    from tillganglighet import __version__
    from tillganglighet.networks.cache import file_sha256

    k = dict(key)
    files = k.pop("input_files", [])
    material = {
        "key": k,
        "input_sha256": [file_sha256(f) for f in files],
        "package_version": __version__,
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def modelled_feed_path(
    *,
    use_cache: bool = True,
    density: float = 1.0,
    rules: Rules = FITTED_RULES,
    cache_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Return the path of the modelled national GTFS feed (zip), generating it if needed.

    Parameters
    ----------
    use_cache
        Read and write the on-disk cache. With ``False`` the feed is generated anew and
        written to ``out`` (or to the cache folder, replacing any entry).
    density
        Density knob (1.0: the calibrated model; see :func:`build_feed`).
    rules
        Fitted parameters.
    cache_dir
        Cache folder; default :func:`tillganglighet.networks.cache.default_cache_dir`.
    out
        Write the feed here instead of the cache folder (it is then not cached).

    Returns
    -------
    Path
        A GTFS zip that :func:`tillganglighet.transit.read_gtfs` (and any GTFS tool) reads.
    """
    from tillganglighet.networks.cache import default_cache_dir
    from tillganglighet.transit.modelled.build import build_feed

    if out is not None:
        target = Path(out)
    else:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        digest = _digest(feed_cache_key(density=density, rules=rules))
        target = folder / f"gtfs-modelled-{digest[:40]}.zip"
        if use_cache and target.is_file():
            try:
                with zipfile.ZipFile(target) as zf:
                    if zf.testzip() is None and "stop_times.txt" in zf.namelist():
                        return target
            except (zipfile.BadZipFile, OSError) as exc:
                warnings.warn(
                    f"Ignoring unreadable cache entry {target}: {exc}; rebuilding",
                    UserWarning,
                    stacklevel=2,
                )
    t0 = time.perf_counter()
    tables = build_feed(density=density, rules=rules)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_feed(tables, target)
    except (OSError, OutputWriteError) as exc:
        if out is not None:
            raise
        # a cache that cannot be written never stops a run: write to a temporary folder
        import tempfile

        warnings.warn(
            f"could not write the cache entry {target}: {exc}; using a temporary "
            "file (set TILLGANGLIGHET_CACHE_DIR to a writable folder)",
            UserWarning,
            stacklevel=2,
        )
        target = Path(tempfile.mkdtemp(prefix="tillganglighet-gtfs-")) / "modelled.zip"
        write_feed(tables, target)
    modelled_feed_path.last_build_s = time.perf_counter() - t0  # type: ignore[attr-defined]
    return target
