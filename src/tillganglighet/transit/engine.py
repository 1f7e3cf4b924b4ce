"""Arrive-by accessibility by public transport, for all origins at once.

The measure (issue 10): for a meeting at time ``T``, the travel time from an origin is
``T`` minus the latest departure from the origin that still reaches *some* meeting point
by ``T`` (walking the whole way counts when it is faster). Over a window of meeting
times (default 09:00-15:00 every 15 minutes: 25 times) each origin gets the median and
the worst travel time, how many meeting times are reachable within the threshold, the
point most often reached, and the number of departures per day from the origin whose
journey to a point takes at most the threshold.

Units: seconds internally and in every array returned here (``float64`` seconds, ``inf``
for unreachable); coordinates EPSG:3006 metres.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from ..errors import CRSError, InputValidationError
from . import kernel
from .car import AccessLegs, merge_access
from .service import ServiceDay
from .walk import (
    INF,
    Footpaths,
    WalkParams,
    access_csr,
    build_footpaths,
    direct_walk,
    egress_per_stop,
    walk_seconds_matrix,
)

Progress = Callable[[str, int, int], None]


def meeting_times(start: str = "09:00", end: str = "15:00", step_min: int = 15) -> np.ndarray:
    """Meeting times from ``start`` to ``end`` inclusive, every ``step_min`` minutes.

    Returns int32 seconds after midnight (default: 25 times, 09:00 ... 15:00).
    """

    def sec(s: str) -> int:
        h, m = s.split(":")
        return int(h) * 3600 + int(m) * 60

    a, b = sec(start), sec(end)
    if step_min <= 0 or b < a:
        raise InputValidationError("meeting_times: need start <= end and step_min > 0")
    return np.arange(a, b + 1, step_min * 60, dtype=np.int32)


def footpaths(sd: ServiceDay, walk: WalkParams) -> Footpaths:
    """The service day's closed footpaths for ``walk`` (cached on the service day)."""
    key = (walk.speed_m_s, walk.detour, walk.footpath_radius_m, walk.change_s)
    fp = sd._footpaths.get(key)
    if fp is None:
        fp = build_footpaths(
            sd.stop_x, sd.stop_y, sd.served, walk, sd.tr_from, sd.tr_to, sd.tr_type, sd.tr_min_s
        )
        sd._footpaths[key] = fp
    return fp


def _xy(obj: object, what: str, crs_name: str = "EPSG:3006") -> np.ndarray:
    """Coordinates (n, 2) in the service day's CRS from a GeoDataFrame/GeoSeries or array."""
    if hasattr(obj, "geometry") or hasattr(obj, "crs"):
        from pyproj import CRS

        crs = getattr(obj, "crs", None)
        if crs is None or CRS.from_user_input(crs) != CRS.from_user_input(crs_name):
            raise CRSError(f"{what} must be in {crs_name} (got {crs}); use .to_crs({crs_name!r})")
        geom: Any = obj.geometry if hasattr(obj, "geometry") else obj
        if not (geom.geom_type == "Point").all():
            geom = geom.representative_point()
        return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()]).astype(np.float64)
    arr = np.asarray(obj, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputValidationError(f"{what}: expected an (n, 2) array of x, y metres")
    if not np.isfinite(arr).all():
        row = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise InputValidationError(f"{what}: row {row + 1} has no finite coordinates")
    return arr


@dataclass
class ArriveByResult:
    """Arrive-by results per origin (seconds; ``inf`` = unreachable).

    Attributes
    ----------
    meeting_times_s
        The meeting times (seconds after midnight of the service date).
    travel_s
        (n_origins, n_times) float64: meeting time minus latest departure.
    point
        (n_origins, n_times) int: index of the meeting point reached (-1: none).
    median_s, worst_s
        Median and maximum of ``travel_s`` over the meeting times.
    n_reachable
        Meeting times reachable within ``threshold_s``.
    nearest_point
        The point reached most often over the window (-1: never reached).
    departures_per_day
        Distinct departure times over the whole service day from which some point is
        reached within ``threshold_s`` by public transport (``-1`` when not computed).
    walk_s
        Walking the whole way to the nearest point (inf when capped); origins with
        ``walk_s <= threshold_s`` need no departure at all.
    threshold_s, walk, date, booked, timings
        Parameters, and seconds spent per step.
    """

    meeting_times_s: np.ndarray
    travel_s: np.ndarray
    point: np.ndarray
    median_s: np.ndarray
    worst_s: np.ndarray
    n_reachable: np.ndarray
    nearest_point: np.ndarray
    departures_per_day: np.ndarray
    walk_s: np.ndarray
    threshold_s: float
    walk: WalkParams
    date: dt.date
    booked: object
    timings: dict[str, float] = field(default_factory=dict)

    def to_frame(self, index: Sequence[object] | None = None) -> pd.DataFrame:
        """Per-origin summary as a pandas DataFrame in *minutes* (user-facing units)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "median_min": self.median_s / 60.0,
                "worst_min": self.worst_s / 60.0,
                "n_reachable": self.n_reachable,
                "n_meeting_times": len(self.meeting_times_s),
                "nearest_point": self.nearest_point,
                "departures_per_day": self.departures_per_day,
                "walk_min": self.walk_s / 60.0,
            },
            index=index,
        )


def _summarise(travel: np.ndarray, point: np.ndarray, threshold_s: float) -> tuple[np.ndarray, ...]:
    median = np.median(travel, axis=1) if travel.shape[1] else np.full(len(travel), np.inf)
    worst = travel.max(axis=1) if travel.shape[1] else np.full(len(travel), np.inf)
    n_ok = (travel <= threshold_s).sum(axis=1)
    nearest = np.full(len(travel), -1, dtype=np.int64)
    for o in range(len(travel)):
        p = point[o][point[o] >= 0]
        if len(p):
            vals, counts = np.unique(p, return_counts=True)
            nearest[o] = vals[np.argmax(counts)]
    return median, worst, n_ok, nearest


def _prepare(
    sd: ServiceDay, origins_xy: np.ndarray, walk: WalkParams, extra: AccessLegs | None = None
) -> tuple[Footpaths, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    fp = footpaths(sd, walk)
    acc = access_csr(origins_xy, sd.stop_x, sd.stop_y, sd.served, walk)
    if extra is not None:
        if extra.n_origins != len(origins_xy):
            raise InputValidationError(
                f"access: legs for {extra.n_origins} origins, but {len(origins_xy)} origins given"
            )
        m = merge_access(AccessLegs(*acc), extra)
        acc = (m.indptr, m.stop, m.dur_s)
    return fp, acc


def arrive_by(
    sd: ServiceDay,
    origins: object,
    points: object,
    meeting_times_s: Sequence[int] | np.ndarray | None = None,
    *,
    walk: WalkParams | None = None,
    threshold_s: float = 3600.0,
    method: str = "profile",
    horizon_s: float | None = None,
    access: AccessLegs | None = None,
    progress: Progress | None = None,
) -> ArriveByResult:
    """Arrive-by travel times from every origin to the nearest meeting point.

    Parameters
    ----------
    sd
        The service day (:func:`~tillganglighet.transit.service_day`).
    origins, points
        GeoDataFrames in EPSG:3006 (points, or polygons via a representative point), or
        ``(n, 2)`` arrays of EPSG:3006 x, y metres.
    meeting_times_s
        Meeting times in seconds after midnight; default :func:`meeting_times` (25).
    walk
        Walking assumptions (:class:`WalkParams` defaults).
    threshold_s
        The guideline, 3,600 s (60 min).
    method
        ``"profile"`` (default): one backward profile scan over the whole day answers
        every meeting time and the departures-per-day count. ``"scan"``: one backward
        scan per meeting time (no departures count; ``departures_per_day`` is -1).
    horizon_s
        Drop journeys longer than this (seconds); they read as unreachable. ``None``: no
        limit. Speeds up the scans.
    access
        Extra origin -> stop legs besides walking, e.g. park and ride from
        :func:`~tillganglighet.transit.car_access` (a separate mode: label its results).
    progress
        Optional ``progress(step, done, total)``.
    """
    walk = walk or WalkParams()
    times = (
        meeting_times() if meeting_times_s is None else np.asarray(meeting_times_s, dtype=np.int32)
    )
    o_xy = _xy(origins, "origins", sd.crs)
    p_xy = _xy(points, "points", sd.crs)
    if not len(p_xy):
        raise InputValidationError("points: no meeting point given")
    timings: dict[str, float] = {}
    t0 = _time.perf_counter()
    fp, acc = _prepare(sd, o_xy, walk, access)
    eg_dur, eg_pt = egress_per_stop(p_xy, sd.stop_x, sd.stop_y, sd.served, walk, fp)
    w_dur, w_pt = direct_walk(o_xy, p_xy, walk)
    timings["walk_legs"] = _time.perf_counter() - t0
    horizon = np.int32(INF if horizon_s is None else min(int(horizon_s), INF - 1))
    n_o, n_t = len(o_xy), len(times)
    travel = np.empty((n_o, n_t), dtype=np.float64)
    point = np.empty((n_o, n_t), dtype=np.int32)
    departures = np.full(n_o, -1, dtype=np.int64)
    t0 = _time.perf_counter()
    if method == "profile":
        prof = profile(sd, fp, eg_dur, eg_pt, horizon=int(horizon), progress=progress)
        timings["scan"] = _time.perf_counter() - t0
        t0 = _time.perf_counter()
        out = fp.outgoing()
        kernel.origins_from_profile(
            *prof,
            out[0],
            out[1],
            out[2],
            acc[0],
            acc[1],
            acc[2],
            w_dur,
            w_pt,
            times.astype(np.int64),
            np.int64(threshold_s),
            travel,
            point,
            departures,
        )
        timings["origins"] = _time.perf_counter() - t0
    elif method == "scan":
        ws = _Workspace(sd)
        for q, T in enumerate(times):
            if progress:
                progress("scan", q, n_t)
            ws.scan(sd, fp, eg_dur, eg_pt, int(T), horizon_s)
            col = np.empty(n_o, dtype=np.float64)
            cpt = np.empty(n_o, dtype=np.int32)
            kernel.origins_from_ready(
                ws.ready, ws.ready_pt, acc[0], acc[1], acc[2], w_dur, w_pt, np.int32(T), col, cpt
            )
            if horizon_s is not None:
                col[col > horizon_s] = np.inf
            travel[:, q] = col
            point[:, q] = cpt
        if progress:
            progress("scan", n_t, n_t)
        timings["scan"] = _time.perf_counter() - t0
    else:
        raise ValueError(f"method must be 'profile' or 'scan', not {method!r}")
    if horizon_s is not None:
        point[travel > horizon_s] = -1
        travel[travel > horizon_s] = np.inf
    median, worst, n_ok, nearest = _summarise(travel, point, threshold_s)
    return ArriveByResult(
        meeting_times_s=times,
        travel_s=travel,
        point=point,
        median_s=median,
        worst_s=worst,
        n_reachable=n_ok,
        nearest_point=nearest,
        departures_per_day=departures,
        walk_s=np.where(w_dur >= INF, np.inf, w_dur.astype(np.float64)),
        threshold_s=float(threshold_s),
        walk=walk,
        date=sd.date,
        booked=sd.booked,
        timings=timings,
    )


class _Workspace:
    """Per-stop and per-trip arrays of one backward scan, reused across scans."""

    def __init__(self, sd: ServiceDay) -> None:
        self.ready = np.empty(sd.n_stops, dtype=np.int32)
        self.ready_pt = np.empty(sd.n_stops, dtype=np.int32)
        self.boarded = np.empty(sd.n_stops, dtype=np.bool_)
        self.trip_pt = np.empty(sd.n_trips, dtype=np.int32)

    def scan(
        self,
        sd: ServiceDay,
        fp: Footpaths,
        eg_dur: np.ndarray,
        eg_pt: np.ndarray,
        deadline_s: int,
        horizon_s: float | None,
    ) -> None:
        """One backward scan to ``deadline_s`` over the connections in the horizon."""
        lo, hi = _window(sd, deadline_s, horizon_s)
        kernel.scan_deadline(
            sd.dep_stop,
            sd.arr_stop,
            sd.dep_s,
            sd.arr_s,
            sd.trip,
            sd.flags,
            lo,
            hi,
            fp.indptr,
            fp.src,
            fp.dur,
            fp.change_s,
            eg_dur,
            eg_pt,
            np.int32(deadline_s),
            self.ready,
            self.ready_pt,
            self.boarded,
            self.trip_pt,
        )


def _window(sd: ServiceDay, deadline: int, horizon_s: float | None) -> tuple[int, int]:
    hi = int(np.searchsorted(sd.dep_s, deadline, side="right"))
    lo = (
        0
        if horizon_s is None
        else int(np.searchsorted(sd.dep_s, deadline - horizon_s, side="left"))
    )
    return lo, hi


def profile(
    sd: ServiceDay,
    fp: Footpaths,
    egress_dur: np.ndarray,
    egress_pt: np.ndarray,
    *,
    horizon: int = INF,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the backward profile scan.

    Returns ``(seg_start, seg_len, e_dep, e_arr, e_pt)``: stop ``s``'s Pareto profile is
    entries ``seg_start[s] .. seg_start[s] + seg_len[s] - 1`` (boarding time and earliest
    arrival at a point, int32 seconds, descending; ``e_pt`` the point).
    """
    if progress:
        progress("profile", 0, 1)
    seg_start = kernel.profile_segments(sd.dep_stop, sd.flags, sd.n_stops)
    cap = int(seg_start[-1])
    seg_len = np.zeros(sd.n_stops, dtype=np.int64)
    e_dep = np.empty(cap, dtype=np.int32)
    e_arr = np.empty(cap, dtype=np.int32)
    e_pt = np.empty(cap, dtype=np.int32)
    out = fp.outgoing()
    kernel.scan_profile(
        sd.dep_stop,
        sd.arr_stop,
        sd.dep_s,
        sd.arr_s,
        sd.trip,
        sd.flags,
        sd.n_trips,
        out[0],
        out[1],
        out[2],
        fp.change_s,
        egress_dur,
        egress_pt,
        np.int32(horizon),
        seg_start,
        seg_len,
        e_dep,
        e_arr,
        e_pt,
    )
    if progress:
        progress("profile", 1, 1)
    return seg_start, seg_len, e_dep, e_arr, e_pt


def deadline_scan(
    sd: ServiceDay,
    origins: object,
    points: object,
    deadline_s: int,
    *,
    walk: WalkParams | None = None,
    horizon_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One backward scan for one meeting time: (travel seconds, point) per origin."""
    res = arrive_by(
        sd, origins, points, [deadline_s], walk=walk, method="scan", horizon_s=horizon_s
    )
    return res.travel_s[:, 0], res.point[:, 0]


@dataclass
class ODMatrix:
    """Travel seconds origins x points x meeting times (float32, ``inf`` unreachable).

    Scenario scoring: for a set of active points, ``seconds[:, active, :].min(axis=1)``
    is each origin's travel time at each meeting time; :meth:`score` takes the median.
    """

    seconds: np.ndarray
    meeting_times_s: np.ndarray
    horizon_s: float | None

    def score(
        self, active: np.ndarray | Sequence[int] | None = None, *, statistic: str = "median"
    ) -> np.ndarray:
        """Per-origin median (or ``"worst"``) travel seconds with only ``active`` points."""
        m = self.seconds if active is None else self.seconds[:, np.asarray(active), :]
        best = m.min(axis=1)
        if statistic == "median":
            return np.median(best, axis=1)
        if statistic == "worst":
            return best.max(axis=1)
        raise ValueError("statistic must be 'median' or 'worst'")

    def median(self) -> np.ndarray:
        """(origins, points) median over meeting times, float32 seconds."""
        return np.median(self.seconds, axis=2).astype(np.float32)


def od_matrix(
    sd: ServiceDay,
    origins: object,
    points: object,
    meeting_times_s: Sequence[int] | np.ndarray | None = None,
    *,
    walk: WalkParams | None = None,
    horizon_s: float | None = 3 * 3600.0,
    access: AccessLegs | None = None,
    cache: bool = True,
    progress: Progress | None = None,
) -> ODMatrix:
    """Origins x points x meeting times matrix: one backward scan per point and time.

    Each scan is seeded at a single point. ``horizon_s`` (3 h by default) bounds each
    scan to connections departing within the horizon before the meeting; longer
    journeys read as ``inf``. Returns float32 seconds.

    Columns are cached on the service day (in memory), keyed by the origins, the
    point's coordinates, the meeting times, the walking parameters, the horizon and the
    extra access legs: scoring scenarios that add candidate points computes only the new
    columns (``cache=False`` turns this off).
    """
    walk = walk or WalkParams()
    times = (
        meeting_times() if meeting_times_s is None else np.asarray(meeting_times_s, dtype=np.int32)
    )
    o_xy = _xy(origins, "origins", sd.crs)
    p_xy = _xy(points, "points", sd.crs)
    fp, acc = _prepare(sd, o_xy, walk, access)
    walk_all = walk_seconds_matrix(o_xy, p_xy, walk) if len(o_xy) * len(p_xy) <= 5e7 else None
    out = np.empty((len(o_xy), len(p_xy), len(times)), dtype=np.float32)
    ws = _Workspace(sd)
    col = np.empty(len(o_xy), dtype=np.float64)
    cpt = np.empty(len(o_xy), dtype=np.int32)
    total = len(p_xy) * len(times)
    base_key = (
        hashlib.sha1(np.ascontiguousarray(o_xy).tobytes()).hexdigest(),
        times.tobytes(),
        walk,
        horizon_s,
        None
        if access is None
        else hashlib.sha1(
            access.indptr.tobytes() + access.stop.tobytes() + access.dur_s.tobytes()
        ).hexdigest(),
    )
    for j in range(len(p_xy)):
        key = (*base_key, p_xy[j].tobytes())
        hit = sd._od_cache.get(key) if cache else None
        if hit is not None:
            out[:, j, :] = hit
            continue
        eg_dur, eg_pt = egress_per_stop(p_xy[j : j + 1], sd.stop_x, sd.stop_y, sd.served, walk, fp)
        if walk_all is not None:
            w_dur = walk_all[:, j]
        else:
            w_dur = walk_seconds_matrix(o_xy, p_xy[j : j + 1], walk)[:, 0]
        w_pt = np.zeros(len(o_xy), dtype=np.int64)
        for q, T in enumerate(times):
            if progress:
                progress("od_matrix", j * len(times) + q, total)
            ws.scan(sd, fp, eg_dur, eg_pt, int(T), horizon_s)
            kernel.origins_from_ready(
                ws.ready,
                ws.ready_pt,
                acc[0],
                acc[1],
                acc[2],
                w_dur.astype(np.int64),
                w_pt,
                np.int32(T),
                col,
                cpt,
            )
            if horizon_s is not None:
                col[col > horizon_s] = np.inf
            out[:, j, q] = col
        if cache:
            sd._od_cache[key] = out[:, j, :].copy()
    if progress:
        progress("od_matrix", total, total)
    return ODMatrix(seconds=out, meeting_times_s=times, horizon_s=horizon_s)
