"""The modelled national road network: the embedded default when no OSM file is given.

No Swedish road network can be had offline, so :func:`modelled_road_network` builds a
*modelled* one from data the package ships (``geodata/``):

* **nodes**: the 1,323 GeoNames places (settlements ≥ 500 inhabitants), a point for
  every municipality with no place within 5 km, a filler grid (20 km) where places are
  sparse (the mountains and the north; also Gotland and Öland), and the landings of the
  bridges and ferries listed in :data:`FIXED_LINKS`;
* **links**: a Delaunay triangulation plus the 8 nearest neighbours (≤ 60 km) of every
  node (also within each land part); place links (Delaunay among places only, between
  places of one municipality, ≤ 80 km, and between the main places of neighbouring
  municipalities, ≤ 110 km); and two overlays, trunk links (Delaunay among places
  ≥ 6,500 inhabitants) and city links (among places ≥ 30,000), ≤ 220 km. A link across
  the open water of a lake ≥ 20 km² (Natural Earth, ``geodata/lakes.parquet``) is replaced
  by the shortest path round it along the shore; no link leaves the land polygons (widened
  by 500 m) for more than 300 m of sea, except a trunk link replaced by the chain of place
  links along the coast, and the bridges and ferries of :data:`FIXED_LINKS`
  (:mod:`~tillganglighet.networks.modelled.geometry`);
* **travel time** of a link (seconds) = length × :data:`DETOUR_FACTOR` / class speed + a
  per-link delay (its share ``length / DELAY_FULL_M`` below :data:`DELAY_FULL_M`) + half
  the urban delay of each end; ferries have a fixed crossing + waiting time. A link with a
  grid-node end is a *terrain* link, timed at :data:`TERRAIN_SPEED_KPH`, and when its ends
  lie in different municipalities (across a watershed in the mountains) at
  :data:`TERRAIN_BORDER_DETOUR_FACTOR` × its length, so that roadless land is no
  shortcut. The six parameters in :data:`FITTED_PARAMS` were fitted by least squares on
  log travel time against :data:`calibration.FIT_PAIRS
  <tillganglighet.networks.modelled.calibration.FIT_PAIRS>` only; the held-out pairs and
  the sourced validation trips (``geodata/road_validation.csv``) are never fitted; the two
  terrain constants are set by hand from mountain road trips.

All coordinates are EPSG:3006 (SWEREF 99 TM, metres). The method, calibration table and
limits are documented in ``docs/methodology.md`` ("Modelled road network"). Outputs
computed on this network must say so: use :data:`MODELLED_LABEL_EN` /
:data:`MODELLED_LABEL_SV` and point users to :data:`HOW_TO_USE_OSM`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from tillganglighet._resources import geodata_path
from tillganglighet.networks.cache import file_sha256
from tillganglighet.networks.graph import Network
from tillganglighet.networks.modelled import geometry as geom
from tillganglighet.networks.modelled.geometry import (
    FIXED_LINKS,
    FixedLink,
    Topology,
    build_topology,
)
from tillganglighet.progress import ProgressCallback, report

__all__ = [
    "DETOUR_FACTOR",
    "FITTED_PARAMS",
    "FIXED_LINKS",
    "HOW_TO_USE_OSM",
    "MODELLED_LABEL_EN",
    "MODELLED_LABEL_SV",
    "TERRAIN_BORDER_DETOUR_FACTOR",
    "TERRAIN_SPEED_KPH",
    "FixedLink",
    "ModelParams",
    "modelled_builder_key",
    "modelled_nodes",
    "modelled_road_network",
]

#: Label to put on every output computed on the modelled network (English).
MODELLED_LABEL_EN = "modelled road network"
#: Label to put on every output computed on the modelled network (Swedish, for maps).
MODELLED_LABEL_SV = "modellerat vägnät"
#: How to run on a real road network instead.
HOW_TO_USE_OSM = (
    "Travel times come from a modelled road network (approximate; see "
    "docs/methodology.md). For real road travel times, download Sweden's OpenStreetMap "
    "extract from Geofabrik (sweden-latest.osm.pbf, "
    "https://download.geofabrik.de/europe/sweden.html), build a network once with "
    "`tillganglighet network build --osm sweden-latest.osm.pbf`, then pass the built "
    "file with `--network PATH` (or load it with `Network.load(PATH)` in Python)."
)

#: Road length / straight-line length assumed for every generated link (dimensionless).
DETOUR_FACTOR = 1.2
#: Speed on terrain links (a grid-node end, both ends in one municipality), km/h of
#: modelled road length. Not fitted (no calibration pair runs over the grid): set from
#: the E12 Tärnaby–Storuman (≈ 125 km, ≈ 1 h 40 by route planner, all on grid links in
#: the model), below the local speed because a grid link may as well stand for no road.
TERRAIN_SPEED_KPH = 75.0
#: Road length / straight length of a terrain link whose two ends lie in different
#: municipalities ("terrain_border"): in the mountains and the inland north the borders
#: follow the watersheds, and the real trip goes round through the valleys. Not fitted:
#: set so that Tärnaby → Sorsele (via Storuman, ≈ 200-230 km, ≈ 2 h 40 - 3 h) and
#: Sälen → Älvdalen (via Mora, ≈ 1 h 45 - 2 h) are no longer shortcuts.
TERRAIN_BORDER_DETOUR_FACTOR = 6.0
#: A link shorter than this (metres, straight) pays its share ``length / DELAY_FULL_M``
#: (at least 10 %)
#: of the per-link delay, a longer one all of it. Not fitted: set so that the chain of
#: two or three links inside a town (each 2-5 km) pays less than one link to the next
#: town (≥ 10 km), so that short trips do not favour a farther office (issue 13).
DELAY_FULL_M = 10_000.0
#: Build-time version of the method; bump when the topology rules change.
METHOD_VERSION = 3


@dataclass(frozen=True)
class ModelParams:
    """Speed and delay parameters of the modelled network.

    Attributes
    ----------
    v_city_link_kph
        Speed on city links (Delaunay overlay among places ≥ 30,000 inhabitants),
        km/h of modelled road length. Like all speeds here it is an effective
        parameter of the model (it absorbs how well the overlay follows real roads),
        not a posted speed.
    v_trunk_kph
        Speed on trunk links (Delaunay overlay among places ≥ 6,500 inhabitants), km/h.
    v_trunk_north_kph
        Speed on trunk and city links with both ends north of 6,800,000 m northing
        (EPSG:3006; about 61.3° N), km/h.
    v_local_kph
        Speed on all other links between places (small places, place links) and on
        bridges, km/h. Links with a grid-node end are timed at
        :data:`TERRAIN_SPEED_KPH` instead.
    link_delay_s
        Fixed time added to every road link (junctions, curves, villages), seconds.
    urban_delay_s
        Urban delay per decade of population above 1,000 inhabitants, seconds: a link
        gets half the delay of each end, ``urban_delay_s * log10(max(pop, 1000) / 1000)``.
    """

    v_city_link_kph: float
    v_trunk_kph: float
    v_trunk_north_kph: float
    v_local_kph: float
    link_delay_s: float
    urban_delay_s: float

    def as_vector(self) -> np.ndarray:
        """Return the parameters as a float array (the fitting space)."""
        return np.array(
            [
                self.v_city_link_kph,
                self.v_trunk_kph,
                self.v_trunk_north_kph,
                self.v_local_kph,
                self.link_delay_s,
                self.urban_delay_s,
            ]
        )


# Fitted with `calibration.fit_parameters()`: scipy.optimize.least_squares on
# log(modelled / reference time) over calibration.FIT_PAIRS (the held-out pairs and the
# validation set are never used), within `calibration.BOUNDS`, from four starts that all
# end at the same optimum, rounded to 0.1. The shortest paths change in steps, so the cost
# surface can have shallow local optima.
# tests/test_modelled.py::test_fitted_params_are_least_squares_optimum refits and checks
# that these constants are still an optimum within tolerance.
FITTED_PARAMS = ModelParams(
    v_city_link_kph=112.0,
    v_trunk_kph=88.3,
    v_trunk_north_kph=87.1,
    v_local_kph=80.8,
    link_delay_s=36.3,
    urban_delay_s=113.6,
)


def _log(progress: ProgressCallback | None, msg: str, t0: float) -> None:
    report(progress, f"modelled network: {msg} ({time.perf_counter() - t0:.1f} s)")


def _edge_times(topo: Topology, params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Return (travel_time_s, length_m) of every undirected link for ``params``."""
    cls = topo.edge_class
    detour = np.select(
        [(cls == geom.EDGE_BRIDGE) | (cls == geom.EDGE_FERRY), cls == geom.EDGE_TERRAIN_BORDER],
        [1.0, TERRAIN_BORDER_DETOUR_FACTOR],
        default=DETOUR_FACTOR,
    )
    road_m = topo.edge_straight_m * detour
    speed_kph = np.select(
        [
            cls == geom.EDGE_CITY_LINK,
            cls == geom.EDGE_TRUNK,
            cls == geom.EDGE_TRUNK_NORTH,
            (cls == geom.EDGE_TERRAIN) | (cls == geom.EDGE_TERRAIN_BORDER),
        ],
        [params.v_city_link_kph, params.v_trunk_kph, params.v_trunk_north_kph, TERRAIN_SPEED_KPH],
        default=params.v_local_kph,
    )
    urban = params.urban_delay_s * np.log10(np.maximum(topo.node_pop, 1000.0) / 1000.0)
    # the per-link delay (junctions, villages, curves) grows with the link up to
    # DELAY_FULL_M: a chain of short links in a town pays no more than one long link
    delay = params.link_delay_s * np.clip(topo.edge_straight_m / DELAY_FULL_M, 0.1, 1.0)
    t = road_m / (speed_kph / 3.6) + delay + 0.5 * (urban[topo.edge_u] + urban[topo.edge_v])
    t = np.where(cls == geom.EDGE_FERRY, topo.edge_fixed_s, t)
    return t, road_m


_TOPOLOGY: Topology | None = None


def _topology() -> Topology:
    global _TOPOLOGY  # in-process memo of a deterministic build
    if _TOPOLOGY is None:
        _TOPOLOGY = build_topology(FIXED_LINKS)
    return _TOPOLOGY


def _input_files() -> list[str]:
    return [
        str(geodata_path("municipalities.parquet")),
        str(geodata_path("settlements.csv")),
        str(geodata_path("lakes.parquet")),
    ]


def _build_params(params: ModelParams) -> dict[str, Any]:
    return {
        "method_version": METHOD_VERSION,
        "detour_factor": DETOUR_FACTOR,
        "terrain_speed_kph": TERRAIN_SPEED_KPH,
        "terrain_border_detour_factor": TERRAIN_BORDER_DETOUR_FACTOR,
        "delay_full_m": DELAY_FULL_M,
        "params": asdict(params),
        "land_buffer_m": geom.LAND_BUFFER_M,
        "max_offshore_m": geom.MAX_OFFSHORE_M,
        "grid_spacing_m": geom.GRID_SPACING_M,
        "grid_min_gap_m": geom.GRID_MIN_GAP_M,
        "knn_k": geom.KNN_K,
        "knn_max_m": geom.KNN_MAX_M,
        "place_link_max_m": geom.PLACE_LINK_MAX_M,
        "main_place_link_max_m": geom.MAIN_PLACE_LINK_MAX_M,
        "neighbour_gap_m": geom.NEIGHBOUR_GAP_M,
        "trunk_min_pop": geom.TRUNK_MIN_POP,
        "trunk_max_m": geom.TRUNK_MAX_M,
        "city_link_min_pop": geom.CITY_LINK_MIN_POP,
        "north_min_northing_m": geom.NORTH_MIN_NORTHING_M,
        "max_water_gap_m": geom.MAX_WATER_GAP_M,
        "barrier_min_km2": geom.BARRIER_MIN_KM2,
        "hole_share": geom.HOLE_SHARE,
        "rescue_tries": geom.RESCUE_TRIES,
        "rescue_max_gap_m": geom.RESCUE_MAX_GAP_M,
        "island_municipalities": sorted(geom.ISLAND_MUNICIPALITIES),
        "lake_shrink_m": geom.LAKE_SHRINK_M,
        "node_dry_radius_m": geom.NODE_DRY_RADIUS_M,
        "shore_offset_m": geom.SHORE_OFFSET_M,
        "shore_simplify_m": geom.SHORE_SIMPLIFY_M,
        "shore_vis_max_m": geom.SHORE_VIS_MAX_M,
        "shore_max_ratio": geom.SHORE_MAX_RATIO,
        "coast_max_ratio": geom.COAST_MAX_RATIO,
        "fixed_links": [asdict(link) for link in FIXED_LINKS],
    }


def modelled_builder_key() -> dict[str, Any]:
    """Return the cache key of the modelled network.

    For :func:`tillganglighet.networks.cache.cached_network`.

    Returns
    -------
    dict
        ``{"builder": "modelled", "input_files": [...], **build parameters}``.
    """
    return {"builder": "modelled", "input_files": _input_files(), **_build_params(FITTED_PARAMS)}


def _network(topo: Topology, params: ModelParams, *, with_sha: bool) -> Network:
    t, road_m = _edge_times(topo, params)
    u = np.concatenate([topo.edge_u, topo.edge_v])
    v = np.concatenate([topo.edge_v, topo.edge_u])
    files = _input_files()
    meta: dict[str, Any] = {
        "source": "modelled",
        "label_en": MODELLED_LABEL_EN,
        "label_sv": MODELLED_LABEL_SV,
        "source_file": [f.rsplit("/", 1)[-1] for f in files],
        "source_sha256": [file_sha256(f) for f in files] if with_sha else [],
        "build_params": _build_params(params),
        "modelled": True,
        "crs": "EPSG:3006",
    }
    return Network.from_edges(
        u,
        v,
        travel_time_s=np.concatenate([t, t]),
        length_m=np.concatenate([road_m, road_m]),
        node_x=topo.node_x,
        node_y=topo.node_y,
        node_id=topo.node_id,
        mode="car",
        metadata=meta,
    )


def modelled_road_network(*, progress: ProgressCallback | None = None) -> Network:
    """Build the modelled national road network of Sweden (car).

    Deterministic: the same shipped data give identical arrays. The build takes about
    1.5 s on a 2-core machine (the geometry is memoised in-process, so later calls only
    re-time it); cache it on disk with ``cached_network(modelled_builder_key(),
    modelled_road_network)`` from :mod:`tillganglighet.networks.cache` if needed.

    Parameters
    ----------
    progress
        Called as ``progress(step, None, None)`` for each build step
        (:mod:`tillganglighet.progress`).

    Returns
    -------
    Network
        Directed (symmetric) car network in EPSG:3006; ``travel_time_s`` in seconds,
        ``length_m`` the modelled road length in metres. ``node_id`` is the GeoNames id
        for settlement nodes and negative for synthetic nodes (see
        :func:`modelled_nodes`). ``metadata["source"] == "modelled"`` and
        ``metadata["modelled"] is True``.
    """
    t0 = time.perf_counter()
    _log(progress, "laying nodes and candidate links", t0)
    topo = _topology()
    _log(progress, f"{len(topo.node_x)} nodes, {len(topo.edge_u)} links; timing", t0)
    net = _network(topo, FITTED_PARAMS, with_sha=True)
    _log(progress, f"done: {net.n_nodes} nodes, {net.n_edges} directed edges", t0)
    return net


def modelled_nodes() -> pd.DataFrame:
    """Return the nodes of the modelled network with what they stand for.

    Returns
    -------
    pandas.DataFrame
        One row per node, in network order: ``node`` (index), ``node_id``, ``kind``
        (``settlement``, ``municipality_point``, ``grid``, ``link_end``), ``name``,
        ``population`` (persons; 0 for synthetic nodes), ``x_m``, ``y_m``
        (EPSG:3006 metres).
    """
    topo = _topology()
    return pd.DataFrame(
        {
            "node": np.arange(len(topo.node_x)),
            "node_id": topo.node_id,
            "kind": np.asarray(geom.NODE_KIND_NAMES, dtype=object)[topo.node_kind],
            "name": topo.node_name,
            "population": topo.node_pop.astype(np.int64),
            "x_m": topo.node_x,
            "y_m": topo.node_y,
        }
    )
