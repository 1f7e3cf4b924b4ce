"""Public transport: GTFS reading, the service day as arrays, footpaths, arrive-by engine.

Typical use (coordinates EPSG:3006 metres, times seconds)::

    from tillganglighet import transit

    feed = transit.read_gtfs("sweden.zip")
    day = transit.service_day(feed, "2026-12-08")          # booked services excluded
    res = transit.arrive_by(day, origins_gdf, points_gdf)  # 09:00-15:00 every 15 min
    res.to_frame()                                          # minutes per origin

Modules: :mod:`.gtfs` (reading, validation), :mod:`.service` (the service day),
:mod:`.walk` (footpaths, access, egress), :mod:`.kernel` (numba scans),
:mod:`.engine` (arrive-by API, origins x points matrix), :mod:`.car` (park and ride,
a separate mode), :mod:`.fetch` (Trafiklab downloads). See docs/transit.md.
"""

from __future__ import annotations

from .car import AccessLegs, car_access, merge_access
from .engine import (
    ArriveByResult,
    ODMatrix,
    arrive_by,
    deadline_scan,
    footpaths,
    meeting_times,
    od_matrix,
)
from .gtfs import Feed, GTFSError, Issue, read_gtfs
from .service import BOOKED_ROUTE_TYPES, BookedSummary, ServiceDay, active_services, service_day
from .walk import Footpaths, WalkParams

__all__ = [
    "BOOKED_ROUTE_TYPES",
    "AccessLegs",
    "ArriveByResult",
    "BookedSummary",
    "Feed",
    "Footpaths",
    "GTFSError",
    "Issue",
    "ODMatrix",
    "ServiceDay",
    "WalkParams",
    "active_services",
    "arrive_by",
    "car_access",
    "deadline_scan",
    "footpaths",
    "meeting_times",
    "merge_access",
    "od_matrix",
    "read_gtfs",
    "service_day",
]
