"""Snapping points to network nodes, with a straight-line access leg (no I/O).

Coordinates in EPSG:3006 metres; access times in seconds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from tillganglighet.errors import InputValidationError
from tillganglighet.networks.graph import Network

__all__ = ["DEFAULT_ACCESS_SPEED_KPH", "DEFAULT_MAX_SNAP_M", "SnapResult", "snap_points"]

#: Straight-line speed (km/h) used for the access leg from a point to its snapped
#: node: 30 km/h for car (slow local roads/driveways not in the network), 5 km/h walk.
DEFAULT_ACCESS_SPEED_KPH: dict[str, float] = {"car": 30.0, "walk": 5.0}
#: Points farther than this (metres) from any node are not snapped (node -1, time inf).
DEFAULT_MAX_SNAP_M = 3000.0


@dataclass(frozen=True)
class SnapResult:
    """Points snapped to network nodes.

    Attributes
    ----------
    node
        Node index per point (int64), ``-1`` where the point is beyond ``max_snap_m``.
    distance_m
        Straight-line distance (metres, EPSG:3006) to the nearest eligible node, also
        for points beyond the limit.
    access_time_s
        ``distance_m`` at the access speed, in seconds; ``inf`` beyond the limit.
    beyond_max
        True where the point was not snapped.
    """

    node: np.ndarray
    distance_m: np.ndarray
    access_time_s: np.ndarray
    beyond_max: np.ndarray

    def to_frame(self) -> Any:
        """Return the result as a :class:`pandas.DataFrame` (one row per point)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "node": self.node,
                "snap_distance_m": self.distance_m,
                "access_time_s": self.access_time_s,
                "beyond_max_snap": self.beyond_max,
            }
        )


def snap_points(
    network: Network,
    x_m: Any,
    y_m: Any,
    *,
    access_speed_kph: float | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    largest_component_only: bool = False,
) -> SnapResult:
    """Snap points to their nearest network node (straight line, KD-tree).

    Parameters
    ----------
    network
        The network.
    x_m, y_m
        Point coordinates in EPSG:3006 metres.
    access_speed_kph
        Speed (km/h) of the straight-line access leg; default
        :data:`DEFAULT_ACCESS_SPEED_KPH` for the network's mode (car 30, walk 5).
    max_snap_m
        Points farther than this (metres) from every eligible node are not snapped:
        node ``-1``, access time ``inf``, and a :class:`UserWarning` is raised. This
        keeps a point on an island from snapping across water to the mainland.
    largest_component_only
        Snap only to nodes of the largest strongly connected component, so that a
        snapped point can reach, and be reached from, the bulk of the network.

    Returns
    -------
    SnapResult
        Node index, distance (metres), access time (seconds) and the beyond-limit flag.
    """
    x = np.asarray(x_m, dtype=np.float64).ravel()
    y = np.asarray(y_m, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise InputValidationError(f"`x_m` ({x.size}) and `y_m` ({y.size}) differ in length.")
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValidationError(
            f"{int(bad.sum())} point(s) have non-finite coordinates; e.g. point {i}."
        )
    speed = DEFAULT_ACCESS_SPEED_KPH[network.mode] if access_speed_kph is None else access_speed_kph
    if not (np.isfinite(speed) and speed > 0):
        raise InputValidationError(f"`access_speed_kph` must be > 0 km/h, got {speed!r}.")
    if not max_snap_m >= 0:
        raise InputValidationError(f"`max_snap_m` must be >= 0 metres, got {max_snap_m!r}.")
    if largest_component_only:
        eligible = np.flatnonzero(network.largest_component_mask("strong"))
        tree = cKDTree(np.column_stack([network.node_x[eligible], network.node_y[eligible]]))
    else:
        eligible = None
        tree = _node_tree(network)
    if x.size == 0:
        empty = np.empty(0)
        return SnapResult(empty.astype(np.int64), empty, empty, empty.astype(bool))
    dist, idx = tree.query(np.column_stack([x, y]), k=1)
    node = idx.astype(np.int64) if eligible is None else eligible[idx].astype(np.int64)
    beyond = dist > max_snap_m
    node[beyond] = -1
    access = dist / (speed / 3.6)
    access[beyond] = np.inf
    if beyond.any():
        warnings.warn(
            f"{int(beyond.sum())} of {x.size} point(s) lie more than {max_snap_m:g} m from "
            f"the network (e.g. point {int(np.flatnonzero(beyond)[0])}); they are not snapped "
            "(node -1) and will be unreachable (inf).",
            UserWarning,
            stacklevel=2,
        )
    return SnapResult(node=node, distance_m=dist, access_time_s=access, beyond_max=beyond)


def _node_tree(network: Network) -> cKDTree:
    tree = network.__dict__.get("_kdtree")
    if tree is None:
        tree = cKDTree(np.column_stack([network.node_x, network.node_y]))
        network.__dict__["_kdtree"] = tree  # cache on the (frozen) instance
    return tree
