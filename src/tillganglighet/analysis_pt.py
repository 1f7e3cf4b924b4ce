"""Public transport in the main job: the guideline's own mode (orchestration only).

The report's guideline (Bilaga 2) is about public transport: "inom en FA-region bör
Arbetsförmedlingens kunder inte ha mer än en timmes enkel resväg med kollektiva
färdmedel till bokade besök". For a meeting at time T the travel time from an origin is
T minus the latest departure from the origin that still reaches a booked-meeting point
by T, walks included (:func:`tillganglighet.transit.arrive_by`). Over the window of
meeting times (default weekdays 09:00-15:00 every 15 minutes) each origin gets:

- ``pt_median_min`` / ``pt_worst_min`` — median and worst over the window (minutes,
  ``inf`` = no meeting time reachable);
- ``pt_meetings_within`` of ``pt_n_meetings`` — meeting times reachable within the
  threshold;
- ``pt_departures_per_day`` — departures over the service day from which some point is
  reached within the threshold (the report's "frekvensen på avgångar");
- ``pt_nearest_point_id`` — the point reached most often;

and the same median under the FA-region rule (``pt_median_fa_min``: only points in the
origin's own FA-region). The FA-region rule is exact without a scan per region: where
the point reached at a meeting time already lies in the origin's FA-region, the
restricted time is the same; only the remaining (origin, meeting time) pairs are scanned
again with the region's points (:func:`_fa_region_times`). The municipality figures
apply the same metric as the road mode
(:func:`tillganglighet.accessibility.municipality_metrics`) to the per-origin median.

Bound: journeys longer than :data:`PT_HORIZON_S` are not searched and read as
unreachable ("beyond X min", X = PT_HORIZON_S / 60); ``None`` searches the whole day.

The service day (the connections of the date, as arrays) is cached on disk
(:func:`cached_service_day`), so a warm run does not read the GTFS zip again.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from tillganglighet.accessibility import municipality_metrics
from tillganglighet.errors import InputValidationError
from tillganglighet.progress import ProgressCallback, report

if TYPE_CHECKING:
    from tillganglighet.transit import ServiceDay

__all__ = [
    "DEFAULT_MEETINGS",
    "TransitInfo",
    "TransitOptions",
    "parse_meetings",
    "public_transport_times",
]

#: Default window of meeting times: weekdays 09:00-15:00 every 15 minutes (25 times).
DEFAULT_MEETINGS = "09:00-15:00/15"

#: Walking the whole way counts up to this straight-line distance (metres): 5 km is
#: about 1 h 25 min at 1.3 m/s with the 1.3 detour factor, already beyond the 60-minute
#: guideline. Farther origins without a stop are unreachable (``inf``), not "an 8-hour
#: walk"; the engine itself has no cap (:class:`tillganglighet.transit.WalkParams`).
MAX_DIRECT_WALK_M = 5_000.0

#: Longest journey searched (seconds); longer ones read as unreachable ("beyond X
#: min"). ``None``: no bound. The default is no bound: an arrive-by search over the whole
#: day takes a few seconds on the national modelled feed, and a bound would drop the
#: rural origins with a morning bus from the municipality means (which average over
#: the reachable origins) and so make rural municipalities look faster.
PT_HORIZON_S: float | None = None

#: Threads for the FA-region rule's scans (the numba kernels release the GIL).
FA_WORKERS = max(1, min(4, os.cpu_count() or 1))

#: Version of the cached service-day format (part of the cache key, with the content
#: hash of the engine's reader modules, so a changed reader never loads an old entry).
SERVICE_DAY_CACHE_VERSION = 1
_SD_ARRAYS = (
    "dep_stop",
    "arr_stop",
    "dep_s",
    "arr_s",
    "trip",
    "flags",
    "instance_trip",
    "stop_x",
    "stop_y",
    "stop_id",
    "served",
    "tr_from",
    "tr_to",
    "tr_type",
    "tr_min_s",
)

_MEETINGS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*/\s*(\d+)\s*$")


def parse_meetings(text: str) -> np.ndarray:
    """Parse ``"HH:MM-HH:MM/STEP"`` into meeting times (int seconds after midnight).

    Raises
    ------
    InputValidationError
        Naming the expected form, e.g. ``09:00-15:00/15``.
    """
    m = _MEETINGS_RE.match(str(text))
    if not m:
        raise InputValidationError(
            f"--meetings {text!r}: expected START-END/STEP with times HH:MM and a step in "
            "minutes, e.g. 09:00-15:00/15"
        )
    h1, m1, h2, m2, step = (int(g) for g in m.groups())
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if m1 > 59 or m2 > 59 or h1 > 47 or h2 > 47 or end < start or step <= 0:
        raise InputValidationError(
            f"--meetings {text!r}: need START <= END (HH:MM, minutes < 60) and a positive step"
        )
    return np.arange(start, end + 1, step * 60, dtype=np.int32)


@dataclass(frozen=True)
class TransitOptions:
    """How public transport is evaluated.

    Attributes
    ----------
    feeds
        GTFS zip files or folders (several are merged, ids kept apart).
    date
        Service date; ``None``: the first Tuesday on or after the feed's first service
        date that has service (a typical weekday).
    meetings
        Meeting-time window ``"HH:MM-HH:MM/STEP"`` (:data:`DEFAULT_MEETINGS`).
    booked_services
        ``"exclude"`` (default) leaves out booked rural services (route type 1501,
        förbeställningstrafik), which a customer cannot rely on without booking ahead;
        ``"include"`` treats them as running to timetable.
    label_en, label_sv
        Names of the timetable for outputs; default from the feed file names.
    modelled
        True for the modelled national timetable (labels and caveats say so).
    """

    feeds: tuple[str | os.PathLike[str], ...]
    date: dt.date | None = None
    meetings: str = DEFAULT_MEETINGS
    booked_services: str = "exclude"
    label_en: str | None = None
    label_sv: str | None = None
    modelled: bool = False


@dataclass(frozen=True)
class TransitInfo:
    """What the public-transport times were computed on (carried in the meta)."""

    label_en: str
    label_sv: str
    modelled: bool
    date: str
    meetings: str
    n_meetings: int
    booked_services: str
    booked_trips_excluded: int
    n_stops: int
    n_connections: int


def _first_service_date(feed: object) -> dt.date:
    from tillganglighet.transit import active_services

    span = feed.date_range()  # type: ignore[attr-defined]
    if span is None:
        raise InputValidationError(
            "the GTFS feed gives no service dates; pass --date YYYY-MM-DD (a weekday)"
        )
    first = str(span[0])
    day = dt.date(int(first[:4]), int(first[4:6]), int(first[6:8]))
    for _ in range(400):
        if day.weekday() == 1 and active_services(feed, day).any():  # type: ignore[arg-type]
            return day
        day += dt.timedelta(days=1)
    raise InputValidationError(
        "the GTFS feed has no Tuesday with service in its first year; pass --date YYYY-MM-DD"
    )


def _feed_files(feeds: Sequence[str | os.PathLike[str]]) -> list[Path]:
    files: list[Path] = []
    for f in feeds:
        p = Path(f)
        files.extend(sorted(q for q in p.iterdir() if q.is_file()) if p.is_dir() else [p])
    return files


def service_day_cache_key(
    feeds: Sequence[str | os.PathLike[str]], date: dt.date | None, booked_services: str
) -> str:
    """sha256 naming the cached service day of ``feeds`` on ``date`` (``None``: the
    default date) with the booked-service policy: the content hash of every feed file,
    the date, the policy, :data:`SERVICE_DAY_CACHE_VERSION`, the package version and
    the content hash of the engine's reader modules (``transit/gtfs.py``,
    ``transit/service.py``)."""
    import hashlib
    import json

    from tillganglighet import __version__
    from tillganglighet.networks.cache import file_sha256
    from tillganglighet.transit import gtfs as _gtfs
    from tillganglighet.transit import service as _service

    material = {
        "kind": "service_day",
        "version": SERVICE_DAY_CACHE_VERSION,
        "feeds": [file_sha256(f) for f in _feed_files(feeds)],
        "date": date.isoformat() if date is not None else "first-tuesday",
        "booked_services": booked_services,
        "package_version": __version__,
        "engine": [file_sha256(str(m.__file__)) for m in (_gtfs, _service)],
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _save_service_day(sd: object, path: Path) -> None:
    from tillganglighet._atomic import atomic_path

    arrays = {name: np.asarray(getattr(sd, name)) for name in _SD_ARRAYS}
    arrays["stop_id"] = arrays["stop_id"].astype(str)
    b = sd.booked  # type: ignore[attr-defined]
    meta = {
        "date": sd.date.isoformat(),  # type: ignore[attr-defined]
        "crs": sd.crs,  # type: ignore[attr-defined]
        "booked_policy": b.policy,
        "booked_route_types": list(b.route_types),
        "booked_trips": int(b.trips),
        "booked_stops": int(b.stops),
    }
    import json

    arrays["meta"] = np.asarray(json.dumps(meta))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]


def _load_service_day(path: Path) -> ServiceDay:
    import json

    from tillganglighet.transit import BookedSummary, ServiceDay

    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in _SD_ARRAYS}
        meta = json.loads(str(z["meta"]))
    arrays["stop_id"] = arrays["stop_id"].astype(object)
    booked = BookedSummary(
        policy=meta["booked_policy"],
        route_types=tuple(meta["booked_route_types"]),
        trips=meta["booked_trips"],
        stops=meta["booked_stops"],
    )
    return ServiceDay(
        date=dt.date.fromisoformat(meta["date"]), booked=booked, crs=meta["crs"], **arrays
    )


def cached_service_day(
    feeds: Sequence[str | os.PathLike[str]],
    date: dt.date | None = None,
    *,
    booked_services: str = "exclude",
    use_cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[ServiceDay, bool]:
    """The service day of ``feeds`` on ``date`` (default: the first Tuesday with
    service), from the on-disk cache when it holds it.

    The entry is an ``.npz`` of the :class:`~tillganglighet.transit.ServiceDay` arrays
    under the cache folder (:func:`tillganglighet.networks.cache.default_cache_dir`),
    named by :func:`service_day_cache_key`. As for the network cache, a cache problem
    never stops a run: an unreadable entry is rebuilt and one that cannot be written is
    skipped, each with a ``UserWarning``.

    Returns
    -------
    (ServiceDay, bool)
        The service day and whether it came from the cache.
    """
    import warnings

    from tillganglighet.networks.cache import default_cache_dir
    from tillganglighet.transit import read_gtfs, service_day

    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = service_day_cache_key(feeds, date, booked_services)
    target = folder / f"serviceday-{key[:40]}.npz"
    if use_cache and target.is_file():
        try:
            return _load_service_day(target), True
        except Exception as exc:  # any unreadable entry is rebuilt
            warnings.warn(
                f"Ignoring unreadable cache entry {target}: {exc}; rebuilding",
                UserWarning,
                stacklevel=2,
            )
    names = [Path(p).name for p in feeds]
    report(progress, f"reading GTFS {', '.join(names)}")
    feed = read_gtfs(list(feeds) if len(feeds) > 1 else feeds[0])
    day = date or _first_service_date(feed)
    report(progress, f"public transport: service day {day.isoformat()}")
    sd = service_day(feed, day, booked_services=booked_services)
    if use_cache:
        try:
            _save_service_day(sd, target)
        except OSError as exc:
            warnings.warn(
                f"could not write the cache entry {target}: {exc}",
                UserWarning,
                stacklevel=2,
            )
    return sd, False


def _most_frequent(point: np.ndarray) -> np.ndarray:
    """Per row, the point index occurring most often (smallest on ties; -1: none)."""
    out = np.full(len(point), -1, dtype=np.int64)
    for o in range(len(point)):
        p = point[o][point[o] >= 0]
        if len(p):
            vals, counts = np.unique(p, return_counts=True)
            out[o] = vals[np.argmax(counts)]
    return out


def _fa_region_times(
    sd: object,
    origins: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    times: np.ndarray,
    res: object,
    origin_fa: np.ndarray,
    point_fa: np.ndarray,
    *,
    threshold_s: float,
    walk: object,
    horizon_s: float | None,
    progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Travel seconds and points (origins × meeting times) under the FA-region rule.

    Exact: the best time to a point of the origin's own FA-region is at least the best
    time to any point, and equal to it when the point reached lies in the region; an
    origin that reaches no point reaches none in its region. Only the other (origin,
    meeting time) pairs are searched again, one backward scan per FA-region and meeting
    time needed, seeded at the region's points (up to ``horizon_s``: the same bound as
    the unrestricted search).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, int)
        Seconds (``inf`` unreachable), point indices (-1 none), and the number of scans.
    """
    from tillganglighet.transit import arrive_by

    travel = np.asarray(res.travel_s, dtype=np.float64)  # type: ignore[attr-defined]
    point = np.asarray(res.point, dtype=np.int64)  # type: ignore[attr-defined]
    ofa = np.asarray(origin_fa, dtype=object)
    pfa = np.asarray(point_fa, dtype=object)
    reached_fa = pfa[np.maximum(point, 0)]
    same = (point >= 0) & (reached_fa == ofa[:, None])
    fa_travel = np.where(same, travel, np.inf)
    fa_point = np.where(same, point, -1)
    redo = (point >= 0) & ~same
    no_region = np.array([not isinstance(f, str) for f in ofa])
    redo[no_region] = False
    regions = sorted(set(ofa[redo.any(axis=1)]))
    jobs = []
    for fa in regions:
        p = np.flatnonzero(pfa == fa)
        o = np.flatnonzero((ofa == fa) & redo.any(axis=1))
        if len(p) and len(o):
            jobs.append((o, p, np.flatnonzero(redo[o].any(axis=0))))

    def run(job: tuple[np.ndarray, np.ndarray, np.ndarray]) -> object:
        o, p, q = job
        return arrive_by(
            sd,  # type: ignore[arg-type]
            origins.iloc[o],
            points.iloc[p],
            times[q],
            threshold_s=threshold_s,
            walk=walk,  # type: ignore[arg-type]
            method="scan",
            horizon_s=horizon_s,
        )

    # the scan kernels release the GIL: regions run on FA_WORKERS threads; each writes
    # its own rows, so the result does not depend on the order they finish in
    from concurrent.futures import ThreadPoolExecutor

    scans = 0
    with ThreadPoolExecutor(max_workers=FA_WORKERS) as pool:
        for i, ((o, p, q), sub) in enumerate(zip(jobs, pool.map(run, jobs), strict=True)):
            report(progress, "public transport: FA-region rule", i, len(jobs))
            scans += len(q)
            block = redo[np.ix_(o, q)]
            sub_pt = np.where(sub.point >= 0, p[np.maximum(sub.point, 0)], -1)  # type: ignore[attr-defined]
            rows, cols = np.nonzero(block)
            fa_travel[o[rows], q[cols]] = sub.travel_s[rows, cols]  # type: ignore[attr-defined]
            fa_point[o[rows], q[cols]] = sub_pt[rows, cols]
    return fa_travel, fa_point, scans


def _per_origin(result: object, point_ids: np.ndarray) -> dict[str, np.ndarray]:
    nearest = result.nearest_point  # type: ignore[attr-defined]
    ids = np.full(len(nearest), None, dtype=object)
    ok = nearest >= 0
    ids[ok] = point_ids[nearest[ok]]
    return {
        "pt_median_min": result.median_s / 60.0,  # type: ignore[attr-defined]
        "pt_worst_min": result.worst_s / 60.0,  # type: ignore[attr-defined]
        "pt_meetings_within": np.asarray(result.n_reachable, dtype=np.int64),  # type: ignore[attr-defined]
        "pt_departures_per_day": np.asarray(result.departures_per_day, dtype=np.int64),  # type: ignore[attr-defined]
        "pt_nearest_point_id": ids,
    }


def public_transport_times(
    options: TransitOptions,
    origins: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    origin_fa: np.ndarray,
    point_fa: np.ndarray,
    threshold_min: float,
    progress: ProgressCallback | None = None,
) -> tuple[pd.DataFrame, TransitInfo]:
    """Arrive-by public-transport times of every origin (both readings of the guideline).

    Parameters
    ----------
    options
        Feeds, date, meeting window, booked services.
    origins, points
        Point GeoDataFrames in EPSG:3006; ``points`` has ``point_id``.
    origin_fa, point_fa
        FA-region code per origin and per point (the FA-region rule).
    threshold_min
        The guideline (minutes).
    progress
        ``progress(step, done, total)``.

    Returns
    -------
    (pandas.DataFrame, TransitInfo)
        One row per origin (same order) with the ``pt_*`` columns of the module
        docstring, and what the times were computed on.
    """
    from tillganglighet.transit import WalkParams, arrive_by

    walk = WalkParams(max_direct_walk_m=MAX_DIRECT_WALK_M)

    if not options.feeds:
        raise InputValidationError("--gtfs: no feed given")
    names = [Path(p).name for p in options.feeds]
    sd, hit = cached_service_day(
        list(options.feeds),
        options.date,
        booked_services=options.booked_services,
        progress=progress,
    )
    if hit:
        report(progress, f"public transport: service day {sd.date.isoformat()} (cached)")
    date = sd.date
    times = parse_meetings(options.meetings)
    threshold_s = float(threshold_min) * 60.0
    point_ids = points["point_id"].to_numpy()
    report(progress, f"public transport: {len(origins)} origins, {len(times)} meeting times")
    res = arrive_by(
        sd,
        origins,
        points,
        times,
        threshold_s=threshold_s,
        walk=walk,
        horizon_s=PT_HORIZON_S,
    )
    out = pd.DataFrame(_per_origin(res, point_ids), index=origins.index)
    out["pt_n_meetings"] = len(times)
    fa_travel, fa_point, _ = _fa_region_times(
        sd,
        origins,
        points,
        times,
        res,
        np.asarray(origin_fa, dtype=object),
        np.asarray(point_fa, dtype=object),
        threshold_s=threshold_s,
        walk=walk,
        horizon_s=PT_HORIZON_S,
        progress=progress,
    )
    fa_median = np.median(fa_travel, axis=1) if len(times) else np.full(len(origins), np.inf)
    fa_near = _most_frequent(fa_point)
    fa_nearest = np.full(len(origins), None, dtype=object)
    ok = fa_near >= 0
    fa_nearest[ok] = point_ids[fa_near[ok]]
    out["pt_median_fa_min"] = fa_median / 60.0
    out["pt_nearest_fa_point_id"] = fa_nearest
    booked = getattr(sd, "booked", None)
    label_en = options.label_en or f"GTFS timetable ({', '.join(names)})"
    label_sv = options.label_sv or f"GTFS-tidtabell ({', '.join(names)})"
    info = TransitInfo(
        label_en=label_en,
        label_sv=label_sv,
        modelled=options.modelled,
        date=date.isoformat(),
        meetings=options.meetings,
        n_meetings=len(times),
        booked_services=options.booked_services,
        booked_trips_excluded=(
            int(getattr(booked, "trips", 0) or 0) if options.booked_services == "exclude" else 0
        ),
        n_stops=len(sd.stop_x),
        n_connections=len(sd.dep_s),
    )
    return out, info


def municipality_pt_metrics(
    origins: pd.DataFrame, pt: pd.DataFrame, *, threshold_min: float
) -> pd.DataFrame:
    """Municipality metrics of the public-transport median, columns prefixed ``pt_``.

    Same definitions as the road mode (:func:`~tillganglighet.accessibility.municipality_metrics`)
    applied to the per-origin median over the meeting window; plus
    ``pt_mean_worst_min`` (population-weighted mean of each origin's worst time) and
    ``pt_departures_per_day_largest`` (of the largest settlement).
    """
    frame = pd.DataFrame(
        {
            "kommun_kod": origins["kommun_kod"].to_numpy(),
            "name": origins["name"].to_numpy(),
            "population": origins["population"].to_numpy(),
            "is_largest": origins["is_largest"].to_numpy(),
            "time_s": pt["pt_median_min"].to_numpy() * 60.0,
            "time_fa_s": pt["pt_median_fa_min"].to_numpy() * 60.0,
        }
    )
    m = municipality_metrics(frame, threshold_min=threshold_min)
    keep = [
        "mean_time_min",
        "worst_time_min",
        "largest_settlement_time_min",
        "share_within_threshold",
        "population_beyond_threshold",
        "population_unreachable",
        "gap",
        "exceeds_by_min",
        "mean_time_fa_min",
        "worst_time_fa_min",
        "share_within_threshold_fa",
        "population_beyond_threshold_fa",
        "gap_fa",
        "exceeds_by_fa_min",
    ]
    out = m[keep].add_prefix("pt_")
    worst = pd.DataFrame(
        {
            "k": frame["kommun_kod"],
            "w": pt["pt_worst_min"].to_numpy(),
            "p": frame["population"].to_numpy(dtype=float),
        }
    )
    fin = worst[np.isfinite(worst["w"])]
    wmean = fin.groupby("k").apply(
        lambda g: (
            float(np.average(g["w"], weights=g["p"])) if g["p"].sum() > 0 else float(g["w"].mean())
        ),
        include_groups=False,
    )
    out["pt_mean_worst_min"] = out.index.map(wmean).astype(float)
    any_inf = worst.groupby("k")["w"].apply(lambda s: bool(np.isinf(s).all()))
    out.loc[any_inf[any_inf].index.intersection(out.index), "pt_mean_worst_min"] = np.inf
    largest = frame[frame["is_largest"]].drop_duplicates("kommun_kod")
    dep = pd.Series(pt["pt_departures_per_day"].to_numpy(), index=frame.index)
    out["pt_departures_per_day_largest"] = (
        largest.set_index("kommun_kod")
        .index.to_series()
        .map(dict(zip(largest["kommun_kod"], dep[largest.index], strict=True)))
        .reindex(out.index)
    )
    return out


def as_options(
    gtfs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | TransitOptions | None,
    *,
    date: dt.date | str | None = None,
    meetings: str = DEFAULT_MEETINGS,
    booked_services: str = "exclude",
) -> TransitOptions | None:
    """Normalise the ``gtfs`` argument of :func:`~tillganglighet.analysis.analyze`."""
    if gtfs is None or isinstance(gtfs, TransitOptions):
        return gtfs
    if booked_services not in ("exclude", "include"):
        raise InputValidationError(
            f"booked_services: expected 'exclude' or 'include', got {booked_services!r}"
        )
    parse_meetings(meetings)
    day: dt.date | None
    if date is None or isinstance(date, dt.date):
        day = date
    else:
        try:
            day = dt.date.fromisoformat(str(date))
        except ValueError:
            raise InputValidationError(f"--date {date!r}: expected a date YYYY-MM-DD") from None
    if isinstance(gtfs, (str, os.PathLike)):
        parts: list[str | os.PathLike[str]] = (
            [p for p in str(gtfs).split(",") if p.strip()] if isinstance(gtfs, str) else [gtfs]
        )
    else:
        parts = list(gtfs)
    if str(parts[0]) == "modelled" if parts else False:
        from tillganglighet.transit.modelled import (
            MODELLED_PT_LABEL_EN,
            MODELLED_PT_LABEL_SV,
            modelled_feed_path,
        )

        return TransitOptions(
            feeds=(modelled_feed_path(),),
            date=day,
            meetings=meetings,
            booked_services=booked_services,
            label_en=MODELLED_PT_LABEL_EN,
            label_sv=MODELLED_PT_LABEL_SV,
            modelled=True,
        )
    for p in parts:
        if not Path(p).exists():
            raise InputValidationError(f"--gtfs {str(p)!r}: no such file or folder")
    return TransitOptions(
        feeds=tuple(parts), date=day, meetings=meetings, booked_services=booked_services
    )
