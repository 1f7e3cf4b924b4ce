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
  municipalities, ≤ 85 km); and two overlays, trunk links (Delaunay among places
  ≥ 6,500 inhabitants) and city links (among places ≥ 30,000), ≤ 220 km, keeping only
  links whose straight segment stays on land (the municipality polygons
  widened by 500 m) and does not cross the open water of Vänern, Vättern, Mälaren,
  Storsjön, Siljan or Hjälmaren (Natural Earth lakes, ``geodata/lakes.parquet``);
* **travel time** of a link (seconds) = straight length × :data:`DETOUR_FACTOR` /
  class speed + a per-link delay + half the urban delay of each end; ferries have a fixed
  crossing + waiting time. A link with a grid-node end is a *terrain* link, timed at
  :data:`TERRAIN_SPEED_KPH`, and when its ends lie in different municipalities (across
  a watershed in the mountains) at :data:`TERRAIN_BORDER_DETOUR_FACTOR` × its straight
  length, so that roadless land is no shortcut. The six parameters in
  :data:`FITTED_PARAMS` were fitted by least squares on log travel time against
  :data:`CALIBRATION_PAIRS`; the two terrain constants are set by hand from mountain
  road trips (no calibration pair runs over the grid).

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
from scipy.sparse.csgraph import dijkstra

from tillganglighet.networks.modelled import geometry as geom
from tillganglighet.networks.cache import file_sha256
from tillganglighet.networks.modelled.geometry import FixedLink, Topology, build_topology
from tillganglighet._resources import geodata_path
from tillganglighet.networks.graph import Network
from tillganglighet.progress import ProgressCallback, report

__all__ = [
    "CALIBRATION_PAIRS",
    "DETOUR_FACTOR",
    "FITTED_PARAMS",
    "FIXED_LINKS",
    "HOW_TO_USE_OSM",
    "MODELLED_LABEL_EN",
    "MODELLED_LABEL_SV",
    "TERRAIN_BORDER_DETOUR_FACTOR",
    "TERRAIN_SPEED_KPH",
    "CalibrationPair",
    "FixedLink",
    "ModelParams",
    "calibration_table",
    "fit_parameters",
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
#: Build-time version of the method; bump when the topology rules change.
METHOD_VERSION = 2


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


# Fitted once with `fit_parameters()`: scipy.optimize.least_squares on log(modelled /
# reference time) over CALIBRATION_PAIRS, within `_BOUNDS`, from several starts; the
# best optimum (cost ½ Σ log² = 0.064, largest residual 13.1 %) rounded to 0.1. Refitted
# for METHOD_VERSION 2 (terrain links and place links); five starts, including
# (110, 95, 85, 75, 30, 60) and (120, 95, 85, 75, 30, 60), all end at the same optimum.
# The shortest paths change in steps, so the cost surface can have shallow local optima.
# v_city_link_kph and urban_delay_s sit on their lower bounds, v_trunk_kph on its upper.
# tests/test_modelled.py::test_fitted_params_are_least_squares_optimum refits and checks
# that these constants are still an optimum within tolerance.
FITTED_PARAMS = ModelParams(
    v_city_link_kph=90.0,
    v_trunk_kph=115.0,
    v_trunk_north_kph=82.2,
    v_local_kph=82.2,
    link_delay_s=127.9,
    urban_delay_s=0.0,
)

_START = ModelParams(110.0, 95.0, 90.0, 75.0, 60.0, 120.0)
#: Plausible ranges: speeds in km/h of modelled road length, delays in seconds.
_BOUNDS = (
    np.array([90.0, 70.0, 70.0, 45.0, 0.0, 0.0]),
    np.array([130.0, 115.0, 115.0, 100.0, 600.0, 1200.0]),
)

_HOUR = 3600.0
#: Check-in / boarding / average waiting time added to every Gotland ferry crossing (s).
GOTLAND_FERRY_WAIT_S = 45 * 60.0

#: Bridges and ferries (see docs/methodology.md for why each one is here).
FIXED_LINKS: tuple[FixedLink, ...] = (
    FixedLink(
        "Gotland ferry Visby–Nynäshamn",
        "ferry",
        (18.284, 57.643),
        (17.955, 58.902),
        length_m=150_000.0,
        crossing_s=3 * _HOUR + 15 * 60,
        wait_s=GOTLAND_FERRY_WAIT_S,
        source="Destination Gotland timetable: 3 h 15 min crossing",
    ),
    FixedLink(
        "Gotland ferry Visby–Oskarshamn",
        "ferry",
        (18.284, 57.643),
        (16.455, 57.262),
        length_m=140_000.0,
        crossing_s=3 * _HOUR,
        wait_s=GOTLAND_FERRY_WAIT_S,
        source="Destination Gotland timetable: 3 h 00 min crossing",
    ),
    FixedLink(
        "Hönöleden ferry (Öckerö–Hisingen)",
        "ferry",
        (11.664, 57.696),
        (11.712, 57.718),
        length_m=2_500.0,
        crossing_s=10 * 60,
        wait_s=10 * 60,
        source="Trafikverket Färjerederiet road ferry, about 10 min, departures every "
        "15-30 min (average wait 10 min assumed)",
    ),
    FixedLink(
        "Ölandsbron",
        "bridge",
        (16.333, 56.676),
        (16.425, 56.690),
        length_m=6_072.0,
        source="Ölandsbron, Kalmar (Svinö) – Möllstorp, 6,072 m",
    ),
    FixedLink(
        "Tjörnbron",
        "bridge",
        (11.805, 58.068),
        (11.752, 58.060),
        length_m=3_000.0,
        source="Tjörnbron (Almöbron and Källösundsbron), Stenungsön – Tjörn",
    ),
    FixedLink(
        "Höga Kusten-bron",
        "bridge",
        (17.937, 62.789),
        (17.943, 62.808),
        length_m=1_867.0,
        source="Högakustenbron (E4) over Ångermanälven, 1,867 m",
    ),
    FixedLink(
        "Lidingöbron",
        "bridge",
        (18.102, 59.357),
        (18.117, 59.362),
        length_m=1_000.0,
        source="Lidingöbron, Ropsten – Torsvik",
    ),
)


@dataclass(frozen=True)
class CalibrationPair:
    """A city pair with a reference car travel time.

    Attributes
    ----------
    origin, destination
        Place names (GeoNames).
    origin_id, destination_id
        GeoNames ids of the two places; their coordinates are snapped to the nearest node.
    reference_min
        Typical route-planner car time between the centres, minutes (approximate).
    reference_km
        Typical route-planner road distance, km (approximate; information only).
    kind
        Kind of trip: ``long``, ``regional``, ``rural``, ``island``.
    note
        Source / composition of the reference time.
    """

    origin: str
    origin_id: int
    destination: str
    destination_id: int
    reference_min: float
    reference_km: float
    kind: str
    note: str = "typical route-planner car time"


_RP = "typical route-planner car time, centre to centre"
#: Calibration set: reference car times between well-known places (approximate).
CALIBRATION_PAIRS: tuple[CalibrationPair, ...] = (
    CalibrationPair("Göteborg", 2711537, "Stockholm", 2673730, 305, 473, "long", _RP),
    CalibrationPair("Stockholm", 2673730, "Uppsala", 2666199, 60, 71, "regional", _RP),
    CalibrationPair("Örnsköldsvik", 2686469, "Stockholm", 2673730, 360, 530, "long", _RP),
    CalibrationPair("Malmö", 2692969, "Stockholm", 2673730, 370, 613, "long", _RP),
    CalibrationPair("Göteborg", 2711537, "Malmö", 2692969, 170, 272, "long", _RP),
    CalibrationPair("Umeå", 602150, "Luleå", 604490, 180, 264, "long", _RP),
    CalibrationPair("Kiruna", 605155, "Luleå", 604490, 230, 341, "long", _RP),
    CalibrationPair("Östersund", 2685750, "Sundsvall", 2670781, 135, 184, "long", _RP),
    CalibrationPair(
        "Sundsvall",
        2670781,
        "Örnsköldsvik",
        2686469,
        125,
        188,
        "long",
        _RP + " (E4 over Höga Kusten-bron)",
    ),
    CalibrationPair("Norrköping", 2688368, "Stockholm", 2673730, 105, 163, "regional", _RP),
    CalibrationPair("Karlstad", 2701680, "Örebro", 2686657, 75, 112, "regional", _RP),
    CalibrationPair("Jönköping", 2702979, "Linköping", 2694762, 80, 129, "regional", _RP),
    CalibrationPair("Borås", 2720501, "Göteborg", 2711537, 50, 64, "regional", _RP),
    CalibrationPair("Karlskrona", 2701713, "Kalmar", 2702261, 65, 89, "regional", _RP),
    CalibrationPair("Mora", 2691400, "Falun", 2715459, 65, 85, "regional", _RP),
    CalibrationPair("Haparanda", 605859, "Luleå", 604490, 90, 130, "regional", _RP),
    CalibrationPair(
        "Visby",
        2662689,
        "Stockholm",
        2673730,
        295,
        210,
        "island",
        "45 min check-in and waiting (assumed) + 3 h 15 min ferry Visby–Nynäshamn "
        "(timetable) + 55 min Nynäshamn–Stockholm (route planner)",
    ),
    CalibrationPair(
        "Kalmar", 2702261, "Borgholm", 2720437, 35, 40, "island", _RP + " (Ölandsbron)"
    ),
    CalibrationPair(
        "Skärhamn", 2678129, "Stenungsund", 2673875, 25, 22, "island", _RP + " (Tjörnbron)"
    ),
    CalibrationPair("Arvidsjaur", 2725136, "Arjeplog", 2725372, 65, 86, "rural", _RP),
    CalibrationPair("Vilhelmina", 2662935, "Storuman", 2671530, 55, 72, "rural", _RP),
    CalibrationPair("Gällivare", 606086, "Jokkmokk", 2702997, 70, 94, "rural", _RP),
    CalibrationPair("Ljusdal", 2694503, "Hudiksvall", 2704613, 55, 62, "rural", _RP),
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
    t = (
        road_m / (speed_kph / 3.6)
        + params.link_delay_s
        + 0.5 * (urban[topo.edge_u] + urban[topo.edge_v])
    )
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
        "trunk_water_gap_fraction": geom.TRUNK_WATER_GAP_FRACTION,
        "fixed_links": [asdict(link) for link in FIXED_LINKS],
    }


def modelled_builder_key() -> dict[str, Any]:
    """Return the cache key of the modelled network for :func:`tillganglighet.networks.cache.cached_network`.

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


# --------------------------------------------------------------------------- calibration
def _pair_nodes(topo: Topology) -> tuple[np.ndarray, np.ndarray]:
    from tillganglighet.data import geodata

    st = geodata.settlements().set_index("geonameid")
    xy = np.column_stack([topo.node_x, topo.node_y])

    def snap(gid: int) -> int:
        x, y = st.loc[gid, ["x_m", "y_m"]].to_numpy(float)
        return int(np.argmin(np.hypot(xy[:, 0] - x, xy[:, 1] - y)))

    o = np.array([snap(p.origin_id) for p in CALIBRATION_PAIRS])
    d = np.array([snap(p.destination_id) for p in CALIBRATION_PAIRS])
    return o, d


def _pair_times_s(topo: Topology, params: ModelParams, o: np.ndarray, d: np.ndarray) -> np.ndarray:
    g = _network(topo, params, with_sha=False).csr()  # min over parallel links
    src, inv = np.unique(o, return_inverse=True)
    dist = dijkstra(g, directed=True, indices=src)
    return dist[inv, d]


def calibration_table(params: ModelParams | None = None) -> pd.DataFrame:
    """Return modelled vs reference travel time for every calibration pair.

    Parameters
    ----------
    params
        Parameters to evaluate; default :data:`FITTED_PARAMS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination``, ``kind``, ``reference_min``,
        ``modelled_min``, ``residual_min`` (modelled − reference, minutes),
        ``residual_pct`` (percent of the reference), ``straight_km`` (crow-fly km
        between the snapped nodes), ``note``.
    """
    params = params or FITTED_PARAMS
    topo = _topology()
    o, d = _pair_nodes(topo)
    mod = _pair_times_s(topo, params, o, d) / 60.0
    ref = np.array([p.reference_min for p in CALIBRATION_PAIRS], float)
    straight = np.hypot(topo.node_x[o] - topo.node_x[d], topo.node_y[o] - topo.node_y[d]) / 1e3
    return pd.DataFrame(
        {
            "origin": [p.origin for p in CALIBRATION_PAIRS],
            "destination": [p.destination for p in CALIBRATION_PAIRS],
            "kind": [p.kind for p in CALIBRATION_PAIRS],
            "reference_min": ref,
            "modelled_min": mod.round(1),
            "residual_min": (mod - ref).round(1),
            "residual_pct": (100 * (mod - ref) / ref).round(1),
            "straight_km": straight.round(1),
            "note": [p.note for p in CALIBRATION_PAIRS],
        }
    )


def calibration_cost(params: ModelParams) -> float:
    """Return the least-squares cost: ½ Σ log(modelled / reference)² over the pairs."""
    topo = _topology()
    o, d = _pair_nodes(topo)
    ref = np.array([p.reference_min * 60.0 for p in CALIBRATION_PAIRS])
    r = np.log(_pair_times_s(topo, params, o, d) / ref)
    return float(0.5 * np.sum(r * r))


def fit_parameters(start: ModelParams | None = None) -> ModelParams:
    """Fit the six speed and delay parameters on :data:`CALIBRATION_PAIRS`.

    Minimises Σ log(modelled / reference)² with ``scipy.optimize.least_squares``
    (trust-region reflective, bounded; finite-difference steps of 1 % because shortest
    paths change in steps).

    Parameters
    ----------
    start
        Starting point; default :data:`FITTED_PARAMS`.

    Returns
    -------
    ModelParams
        The fitted parameters (not rounded).
    """
    from scipy.optimize import least_squares

    topo = _topology()
    o, d = _pair_nodes(topo)
    ref = np.array([p.reference_min * 60.0 for p in CALIBRATION_PAIRS])

    def resid(x: np.ndarray) -> np.ndarray:
        return np.log(_pair_times_s(topo, ModelParams(*x), o, d) / ref)

    x0 = np.clip((start or FITTED_PARAMS).as_vector(), _BOUNDS[0], _BOUNDS[1])
    res = least_squares(resid, x0, bounds=_BOUNDS, diff_step=1e-2, x_scale=x0 + 1.0)
    return ModelParams(*res.x)
