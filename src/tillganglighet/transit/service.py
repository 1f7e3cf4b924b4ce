"""The service day: every vehicle movement (connection) that runs on one date, as arrays.

A *connection* is one vehicle going from one stop to the next: ``dep_stop`` at
``dep_s`` to ``arr_stop`` at ``arr_s``, on trip instance ``trip``. Times are seconds
after midnight of the chosen date (GTFS measures from "noon minus 12 h", which is
midnight except on the two daylight-saving change days; the offset of one hour on those
days is not corrected). Trips of the *previous* service day that run past midnight
(GTFS times of 24:00:00 and later) are included with their times shifted by -24 h, so
times can be negative.

Frequency-based trips (frequencies.txt) are expanded into one trip instance per
departure ``start_time + k * headway_secs < end_time``, for both ``exact_times`` values:
with ``exact_times=0`` the feed promises only the headway, and the expansion places the
vehicles on the same grid as ``exact_times=1`` would (the usual approximation, also
made by OpenTripPlanner and R5 in their "scheduled" modes).

Booked services: Swedish feeds mark *förbeställningstrafik* (rides that must be booked
ahead) with route type 1501. A customer cannot rely on them without booking, so they are
excluded by default (``booked_services="exclude"``); ``"include"`` keeps them. The
:attr:`ServiceDay.booked` summary says how many trips and stops that decision touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import Transformer

from .gtfs import Feed, GTFSError

#: Route types treated as booked-ahead services (Samtrafiken: förbeställningstrafik).
BOOKED_ROUTE_TYPES: tuple[int, ...] = (1501,)
DAY_S = 86400

#: Connection flag bits: boarding allowed at the departure stop / alighting at the arrival.
CAN_BOARD = np.int8(1)
CAN_ALIGHT = np.int8(2)


@dataclass(frozen=True)
class BookedSummary:
    """How the booked-service choice changed the day.

    Attributes
    ----------
    policy
        ``"exclude"`` or ``"include"``.
    route_types
        The route types counted as booked services.
    trips
        Trip instances of booked routes running on the day.
    stops
        Stops served on the day *only* by booked trips (they lose all service when
        booked trips are excluded).
    """

    policy: str
    route_types: tuple[int, ...]
    trips: int
    stops: int


@dataclass
class ServiceDay:
    """Connections of one date, sorted by departure time, plus stop coordinates.

    Attributes
    ----------
    date
        The service date.
    dep_stop, arr_stop
        int32 stop indices (into the feed's stops) of each connection.
    dep_s, arr_s
        int32 seconds after midnight of ``date``; sorted by (dep_s, arr_s, trip, order).
    trip
        int32 trip-instance index; ``instance_trip[trip]`` is the GTFS trip index.
    flags
        int8 bits: 1 = boarding allowed at ``dep_stop`` (pickup_type != 1), 2 = alighting
        allowed at ``arr_stop`` (drop_off_type != 1).
    stop_x, stop_y
        float64 stop coordinates in metres of ``crs`` (EPSG:3006 unless chosen otherwise;
        ``nan`` when the feed has none).
    stop_id
        Stop ids (feed order).
    served
        bool per stop: some connection departs or arrives there on the day.
    booked
        :class:`BookedSummary`.
    """

    date: dt.date
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_s: np.ndarray
    arr_s: np.ndarray
    trip: np.ndarray
    flags: np.ndarray
    instance_trip: np.ndarray
    stop_x: np.ndarray
    stop_y: np.ndarray
    stop_id: np.ndarray
    served: np.ndarray
    booked: BookedSummary
    tr_from: np.ndarray
    tr_to: np.ndarray
    tr_type: np.ndarray
    tr_min_s: np.ndarray
    crs: str = "EPSG:3006"
    _footpaths: dict = field(default_factory=dict, repr=False)
    _od_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_connections(self) -> int:
        return len(self.dep_s)

    @property
    def n_stops(self) -> int:
        return len(self.stop_x)

    @property
    def n_trips(self) -> int:
        return len(self.instance_trip)


def active_services(feed: Feed, date: dt.date) -> np.ndarray:
    """Boolean mask over ``feed.service_id``: services running on ``date``."""
    d = date.year * 10000 + date.month * 100 + date.day
    on = np.zeros(len(feed.service_id), dtype=bool)
    wd = date.weekday()
    m = (feed.cal_start <= d) & (d <= feed.cal_end) & (feed.cal_days[:, wd] == 1)
    on[feed.cal_service[m]] = True
    ex = feed.cd_date == d
    on[feed.cd_service[ex & (feed.cd_type == 1)]] = True
    on[feed.cd_service[ex & (feed.cd_type == 2)]] = False
    return on


def _expand(feed: Feed, trips: np.ndarray, shift: int, min_arr: int) -> tuple[np.ndarray, ...]:
    """Connections of the given GTFS trips (frequency trips expanded), times + ``shift``.

    Only connections arriving at or after ``min_arr`` (after the shift) are kept.
    Returns (dep_stop, arr_stop, dep, arr, instance, order, flags, instance_trip).
    """
    start = feed.st_trip_start
    n_rows = (start[trips + 1] - start[trips]).astype(np.int64)
    ride = trips[n_rows >= 2]
    n_rows = n_rows[n_rows >= 2]
    freq_trip = np.zeros(feed.n_trips, dtype=bool)
    freq_trip[feed.fq_trip] = True
    plain = ride[~freq_trip[ride]]
    freq = ride[freq_trip[ride]]

    # plain trips: one instance each
    rows = _rows_of(start, plain)
    inst_trips = [plain]
    # frequency trips: instances start + k*headway, template shifted to begin there
    fq_rows: list[np.ndarray] = []
    fq_offset: list[np.ndarray] = []
    fq_inst: list[np.ndarray] = []
    next_inst = len(plain)
    if len(freq):
        sel = np.isin(feed.fq_trip, freq)
        for t, s, e, h in zip(
            feed.fq_trip[sel],
            feed.fq_start[sel],
            feed.fq_end[sel],
            feed.fq_headway[sel],
            strict=False,
        ):
            begins = np.arange(int(s), int(e), int(h), dtype=np.int64)
            if not len(begins):
                continue
            r = np.arange(start[t], start[t + 1])
            first = int(feed.st_dep[r[0]])
            fq_rows.append(np.tile(r, len(begins)))
            fq_offset.append(np.repeat(begins - first, len(r)))
            fq_inst.append(np.repeat(np.arange(next_inst, next_inst + len(begins)), len(r)))
            inst_trips.append(np.full(len(begins), t, dtype=np.int64))
            next_inst += len(begins)
    plain_inst = np.repeat(np.arange(len(plain)), start[plain + 1] - start[plain])
    all_rows = np.concatenate([rows, *fq_rows]) if fq_rows else rows
    offset = (
        np.concatenate([np.zeros(len(rows), np.int64), *fq_offset])
        if fq_rows
        else np.zeros(len(rows), np.int64)
    )
    inst = np.concatenate([plain_inst, *fq_inst]) if fq_inst else plain_inst
    instance_trip = np.concatenate(inst_trips).astype(np.int64)

    # consecutive rows of the same instance form a connection
    a, b = all_rows[:-1], all_rows[1:]
    same = inst[:-1] == inst[1:]
    a, b, off, ins = a[same], b[same], offset[:-1][same], inst[:-1][same]
    dep = feed.st_dep[a].astype(np.int64) + off + shift
    arr = feed.st_arr[b].astype(np.int64) + off + shift
    keep = arr >= min_arr
    a, b, dep, arr, ins = a[keep], b[keep], dep[keep], arr[keep], ins[keep]
    flags = np.where(feed.st_pickup[a] != 1, CAN_BOARD, 0) | np.where(
        feed.st_dropoff[b] != 1, CAN_ALIGHT, 0
    )
    return (
        feed.st_stop[a],
        feed.st_stop[b],
        dep,
        arr,
        ins,
        a,
        flags.astype(np.int8),
        instance_trip,
    )


def _rows_of(start: np.ndarray, trips: np.ndarray) -> np.ndarray:
    if not len(trips):
        return np.zeros(0, np.int64)
    lens = start[trips + 1] - start[trips]
    base = np.repeat(start[trips] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
    return base + np.arange(int(lens.sum()))


_TO_3006 = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


def service_day(
    feed: Feed,
    date: dt.date | str,
    *,
    booked_services: str = "exclude",
    booked_route_types: Sequence[int] = BOOKED_ROUTE_TYPES,
    crs: str = "EPSG:3006",
) -> ServiceDay:
    """Build the connections running on ``date``.

    Parameters
    ----------
    feed
        From :func:`~tillganglighet.transit.read_gtfs`.
    date
        The service date (``datetime.date`` or ISO ``"YYYY-MM-DD"``).
    booked_services
        ``"exclude"`` (default) drops trips of booked-ahead routes; ``"include"`` keeps
        them as if they ran to timetable.
    booked_route_types
        Route types that mark booked services (default ``(1501,)``).
    crs
        Projected (metric) CRS for the stops: EPSG:3006 (SWEREF 99 TM) for Sweden; feeds
        elsewhere need their own (e.g. a UTM zone).

    Raises
    ------
    GTFSError
        When no trip runs on ``date`` (the message names the feed's date range).
    """
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    if booked_services not in ("exclude", "include"):
        raise ValueError(f"booked_services must be 'exclude' or 'include', not {booked_services!r}")
    today = active_services(feed, date)
    yesterday = active_services(feed, date - dt.timedelta(days=1))
    booked_trip = np.isin(feed.route_type[feed.trip_route], np.asarray(booked_route_types))
    run_today = today[feed.trip_service]
    run_yday = yesterday[feed.trip_service]
    if not run_today.any():
        rng = feed.date_range()
        span = f"{rng[0]}..{rng[1]}" if rng else "no dates"
        raise GTFSError(
            f"{', '.join(feed.sources)}: calendar.txt/calendar_dates.txt: no service runs on "
            f"{date.isoformat()} (the feed's calendar covers {span})"
        )

    parts = []
    # yesterday's trips matter only if they run past midnight (or are frequency based)
    start = feed.st_trip_start
    has_rows = start[1:] > start[:-1]
    last_arr = np.where(has_rows, feed.st_arr[np.maximum(start[1:] - 1, 0)], -1)
    late = last_arr >= DAY_S
    late[feed.fq_trip] = True
    for run, shift, min_arr in ((run_today, 0, -(10**9)), (run_yday & late, -DAY_S, 0)):
        trips = np.flatnonzero(run).astype(np.int64)
        parts.append(_expand(feed, trips, shift, min_arr))
    dep_stop = np.concatenate([p[0] for p in parts])
    arr_stop = np.concatenate([p[1] for p in parts])
    dep = np.concatenate([p[2] for p in parts])
    arr = np.concatenate([p[3] for p in parts])
    n0 = len(parts[0][7])
    inst = np.concatenate([parts[0][4], parts[1][4] + n0])
    row = np.concatenate([p[5] for p in parts])
    flags = np.concatenate([p[6] for p in parts])
    instance_trip = np.concatenate([parts[0][7], parts[1][7]])

    inst_booked = booked_trip[instance_trip]
    conn_booked = inst_booked[inst]
    n_booked_trips = int(np.unique(inst[conn_booked]).size)
    n_stops = feed.n_stops
    served_all = np.zeros(n_stops, dtype=bool)
    served_all[dep_stop] = True
    served_all[arr_stop] = True
    served_plain = np.zeros(n_stops, dtype=bool)
    served_plain[dep_stop[~conn_booked]] = True
    served_plain[arr_stop[~conn_booked]] = True
    only_booked = int((served_all & ~served_plain).sum())
    summary = BookedSummary(
        booked_services, tuple(int(x) for x in booked_route_types), n_booked_trips, only_booked
    )
    if booked_services == "exclude" and conn_booked.any():
        k = ~conn_booked
        dep_stop, arr_stop, dep, arr = dep_stop[k], arr_stop[k], dep[k], arr[k]
        inst, row, flags = inst[k], row[k], flags[k]
        served = served_plain
    else:
        served = served_all
    if not len(dep):
        raise GTFSError(
            f"{', '.join(feed.sources)}: no connection runs on {date.isoformat()}"
            + (" once booked services are excluded" if n_booked_trips else "")
        )
    # drop instances with no connection left; inst is non-decreasing here, so the
    # distinct values come from its steps (np.unique would sort 6 M values again)
    step = np.concatenate([[True], inst[1:] != inst[:-1]])
    used = inst[step]
    inst = np.cumsum(step) - 1
    instance_trip = instance_trip[used]
    # sort by (dep, arr); a stable sort keeps (trip instance, stop order) for ties
    dur = arr - dep
    key = (dep - int(dep.min())) * (1 << 24) + dur
    order = np.argsort(key, kind="stable")
    tf = _TO_3006 if crs == "EPSG:3006" else Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tf.transform(feed.stop_lon, feed.stop_lat)
    x = np.where(np.isfinite(x), x, np.nan)
    y = np.where(np.isfinite(y), y, np.nan)
    return ServiceDay(
        date=date,
        dep_stop=dep_stop[order].astype(np.int32),
        arr_stop=arr_stop[order].astype(np.int32),
        dep_s=dep[order].astype(np.int32),
        arr_s=arr[order].astype(np.int32),
        trip=inst[order].astype(np.int32),
        flags=flags[order].astype(np.int8),
        instance_trip=instance_trip.astype(np.int32),
        stop_x=np.asarray(x, dtype=np.float64),
        stop_y=np.asarray(y, dtype=np.float64),
        stop_id=feed.stop_id,
        served=served,
        booked=summary,
        tr_from=feed.tr_from,
        tr_to=feed.tr_to,
        tr_type=feed.tr_type,
        tr_min_s=feed.tr_min_s,
        crs=crs,
    )
