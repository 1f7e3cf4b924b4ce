"""Road shortest-path kernels on a :class:`~tillganglighet.networks.graph.Network` (no I/O).

All times are in seconds, all distances in metres, all coordinates in EPSG:3006.
Unreachable is ``inf`` (time) and ``-1`` (node / facility index); never 0, never dropped.

- :mod:`.snapping` — points to nodes, with a straight-line access leg;
- :mod:`.nearest` — nearest facility for every node in one multi-source search
  (overall, per group, k nearest);
- :mod:`.matrix` — origins x candidates matrices;
- :mod:`.searches` — bounded single-source searches kept per point (cacheable);
- :mod:`.travel` — door-to-door matrices from them, and nearest points exact beyond
  the bound;
- :mod:`.nearest_points` — the k nearest points of each query, door to door, by
  multi-source searches (no matrix).
"""

from tillganglighet.routing.matrix import PARALLEL_MIN_WORK, od_matrix
from tillganglighet.routing.nearest import (
    KNearestResult,
    NearestResult,
    k_nearest_facilities,
    nearest_facility,
    nearest_facility_within_groups,
)
from tillganglighet.routing.nearest_points import (
    KNearestPoints,
    nearest_in_own_group,
    nearest_points,
)
from tillganglighet.routing.searches import PointSearches, point_searches
from tillganglighet.routing.snapping import (
    DEFAULT_ACCESS_SPEED_KPH,
    DEFAULT_MAX_SNAP_M,
    SnapResult,
    snap_points,
)

__all__ = [
    "DEFAULT_ACCESS_SPEED_KPH",
    "DEFAULT_MAX_SNAP_M",
    "PARALLEL_MIN_WORK",
    "KNearestPoints",
    "KNearestResult",
    "NearestResult",
    "PointSearches",
    "SnapResult",
    "k_nearest_facilities",
    "nearest_facility",
    "nearest_facility_within_groups",
    "nearest_in_own_group",
    "nearest_points",
    "od_matrix",
    "point_searches",
    "snap_points",
]
