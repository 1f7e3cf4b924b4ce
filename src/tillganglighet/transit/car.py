"""Car access to public transport (park and ride): a separate, documented mode.

The default public-transport measure walks to the stop. In the park-and-ride mode an
origin may also drive to a stop, park and walk to the platform, then continue by
public transport (driving the whole way is the road mode, not counted here). The car
leg of origin *o* to stop *s* takes::

    snap(o) + drive(node(o) -> node(s)) + park_s + walk(node(s) -> s)

where ``snap`` is the straight-line leg from the origin to its nearest road node at the
network's access speed (:func:`tillganglighet.routing.snap_points`), ``drive`` the
shortest road time, ``park_s`` a fixed time to park and reach the platform (300 s by
default; an assumption) and ``walk`` the stop's distance from its road node at walking
speed (:class:`~tillganglighet.transit.WalkParams`). Only legs up to ``max_drive_s``
(20 min by default) are kept; stops can be restricted to park-and-ride candidates
(``stops``), by default every stop with at least ``min_departures`` boardable
departures on the day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputValidationError
from .service import ServiceDay
from .walk import WalkParams

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class AccessLegs:
    """Origin -> stop legs as CSR over the origins: ``stop[indptr[o]:indptr[o+1]]``.

    ``dur_s`` are int32 seconds.
    """

    indptr: np.ndarray
    stop: np.ndarray
    dur_s: np.ndarray

    @property
    def n_origins(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_legs(self) -> int:
        return len(self.stop)


def merge_access(a: AccessLegs, b: AccessLegs) -> AccessLegs:
    """Both sets of legs per origin, keeping the shorter leg to a stop named twice."""
    if a.n_origins != b.n_origins:
        raise InputValidationError("merge_access: the two sets have different origins")
    owner = np.concatenate(
        [
            np.repeat(np.arange(a.n_origins), np.diff(a.indptr)),
            np.repeat(np.arange(b.n_origins), np.diff(b.indptr)),
        ]
    )
    stop = np.concatenate([a.stop, b.stop]).astype(np.int64)
    dur = np.concatenate([a.dur_s, b.dur_s]).astype(np.int64)
    order = np.lexsort((dur, stop, owner))
    owner, stop, dur = owner[order], stop[order], dur[order]
    first = np.concatenate([[True], (owner[1:] != owner[:-1]) | (stop[1:] != stop[:-1])])
    owner, stop, dur = owner[first], stop[first], dur[first]
    indptr = np.zeros(a.n_origins + 1, dtype=np.int64)
    np.add.at(indptr, owner + 1, 1)
    return AccessLegs(np.cumsum(indptr), stop.astype(np.int32), dur.astype(np.int32))


def car_access(
    sd: ServiceDay,
    network: Any,
    origins_xy: np.ndarray,
    *,
    max_drive_s: float = 1200.0,
    park_s: int = 300,
    stops: np.ndarray | None = None,
    min_departures: int = 1,
    walk: WalkParams | None = None,
    max_snap_m: float | None = None,
) -> AccessLegs:
    """Park-and-ride legs from every origin to the stops it can drive to.

    Parameters
    ----------
    sd
        The service day.
    network
        A car :class:`~tillganglighet.Network` in EPSG:3006.
    origins_xy
        (n, 2) origin coordinates, EPSG:3006 metres.
    max_drive_s
        Longest car leg kept (seconds, parking and walking included).
    park_s
        Time to park and walk to the platform (seconds).
    stops
        Candidate park-and-ride stops (indices); default: served stops with at least
        ``min_departures`` boardable departures on the day.
    walk
        Walking speed and detour for the last metres (node -> stop).
    max_snap_m
        Passed to :func:`~tillganglighet.routing.snap_points` (its default if ``None``).
    """
    from tillganglighet.routing import od_matrix, snap_points

    walk = walk or WalkParams()
    origins_xy = np.asarray(origins_xy, dtype=np.float64)
    if stops is None:
        board = np.bincount(sd.dep_stop[(sd.flags & 1) > 0], minlength=sd.n_stops)
        stops = np.flatnonzero(sd.served & (board >= min_departures) & np.isfinite(sd.stop_x))
    stops = np.asarray(stops, dtype=np.int64)
    if max_snap_m is None:
        so = snap_points(network, origins_xy[:, 0], origins_xy[:, 1])
        ss = snap_points(network, sd.stop_x[stops], sd.stop_y[stops])
    else:
        so = snap_points(network, origins_xy[:, 0], origins_xy[:, 1], max_snap_m=max_snap_m)
        ss = snap_points(network, sd.stop_x[stops], sd.stop_y[stops], max_snap_m=max_snap_m)
    last = walk.seconds(ss.distance_m)
    reach = od_matrix(network, so.node, ss.node, max_time_s=max_drive_s)
    total = so.access_time_s[:, None] + reach + (park_s + last)[None, :]
    total[:, ss.node < 0] = np.inf
    ok = np.isfinite(total) & (total <= max_drive_s)
    owner, col = np.nonzero(ok)
    dur = np.ceil(total[owner, col] - 1e-9).astype(np.int32)
    indptr = np.zeros(len(origins_xy) + 1, dtype=np.int64)
    np.add.at(indptr, owner + 1, 1)
    return AccessLegs(np.cumsum(indptr), stops[col].astype(np.int32), dur)
