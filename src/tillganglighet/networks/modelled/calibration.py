"""Reference trips of the modelled road network: calibration, held-out and validation sets.

Three disjoint sets of reference trips judge the modelled network
(:mod:`tillganglighet.networks.modelled.build`):

* :data:`FIT_PAIRS` — typical route-planner car times the six speed and delay
  parameters are fitted on (:func:`fit_parameters`);
* :data:`HOLDOUT_PAIRS` — pairs of the same kind and origin, kept out of the fit to
  show how the fit does on trips it has not seen;
* the **validation set** (``geodata/road_validation.csv``, :func:`validation_trips`) —
  car times and road lengths from published sources (one source per row), compiled
  after the model was built and never used to fit or tune it: mountain, lake, coast,
  island and corridor trips.

Modelled times are shortest paths (scipy's Dijkstra) between the nodes nearest to each
place's GeoNames coordinates (EPSG:3006 metres); times are in minutes in the tables,
seconds internally.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from tillganglighet._resources import geodata_path
from tillganglighet.errors import DataIntegrityError
from tillganglighet.networks.modelled.build import (
    FITTED_PARAMS,
    ModelParams,
    _network,
    _topology,
)
from tillganglighet.networks.modelled.geometry import Topology

__all__ = [
    "BOUNDS",
    "CALIBRATION_PAIRS",
    "FIT_PAIRS",
    "HOLDOUT_PAIRS",
    "CalibrationPair",
    "ValidationTrip",
    "calibration_cost",
    "calibration_table",
    "fit_parameters",
    "validation_table",
    "validation_trips",
]

#: Plausible ranges of the fitted parameters (order of :meth:`ModelParams.as_vector`):
#: speeds in km/h of modelled road length, delays in seconds.
BOUNDS = (
    np.array([90.0, 70.0, 70.0, 45.0, 0.0, 0.0]),
    np.array([130.0, 115.0, 115.0, 100.0, 600.0, 1200.0]),
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
    held_out
        True for the pairs kept out of the fit (:data:`HOLDOUT_PAIRS`).
    """

    origin: str
    origin_id: int
    destination: str
    destination_id: int
    reference_min: float
    reference_km: float
    kind: str
    note: str = "typical route-planner car time"
    held_out: bool = False


_RP = "typical route-planner car time, centre to centre"
#: Fitting set: reference car times between well-known places (approximate). The first
#: three are the anchor trips of the original issue.
FIT_PAIRS: tuple[CalibrationPair, ...] = (
    CalibrationPair("Göteborg", 2711537, "Stockholm", 2673730, 305, 473, "long", _RP),
    CalibrationPair("Stockholm", 2673730, "Uppsala", 2666199, 60, 71, "regional", _RP),
    CalibrationPair("Örnsköldsvik", 2686469, "Stockholm", 2673730, 360, 530, "long", _RP),
    CalibrationPair("Göteborg", 2711537, "Malmö", 2692969, 170, 272, "long", _RP),
    CalibrationPair("Umeå", 602150, "Luleå", 604490, 180, 264, "long", _RP),
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
    CalibrationPair("Jönköping", 2702979, "Linköping", 2694762, 80, 129, "regional", _RP),
    CalibrationPair("Borås", 2720501, "Göteborg", 2711537, 50, 64, "regional", _RP),
    CalibrationPair("Mora", 2691400, "Falun", 2715459, 65, 85, "regional", _RP),
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
    CalibrationPair("Arvidsjaur", 2725136, "Arjeplog", 2725372, 65, 86, "rural", _RP),
    CalibrationPair("Gällivare", 606086, "Jokkmokk", 2702997, 70, 94, "rural", _RP),
)
#: Held-out set: pairs of the same provenance as :data:`FIT_PAIRS`, one or two of each
#: kind, not used by :func:`fit_parameters`.
HOLDOUT_PAIRS: tuple[CalibrationPair, ...] = tuple(
    replace(p, held_out=True)
    for p in (
        CalibrationPair("Malmö", 2692969, "Stockholm", 2673730, 370, 613, "long", _RP),
        CalibrationPair("Kiruna", 605155, "Luleå", 604490, 230, 341, "long", _RP),
        CalibrationPair("Karlstad", 2701680, "Örebro", 2686657, 75, 112, "regional", _RP),
        CalibrationPair("Karlskrona", 2701713, "Kalmar", 2702261, 65, 89, "regional", _RP),
        CalibrationPair("Haparanda", 605859, "Luleå", 604490, 90, 130, "regional", _RP),
        CalibrationPair(
            "Skärhamn", 2678129, "Stenungsund", 2673875, 25, 22, "island", _RP + " (Tjörnbron)"
        ),
        CalibrationPair("Vilhelmina", 2662935, "Storuman", 2671530, 55, 72, "rural", _RP),
        CalibrationPair("Ljusdal", 2694503, "Hudiksvall", 2704613, 55, 62, "rural", _RP),
    )
)
#: All reference pairs: the fitting set, then the held-out set.
CALIBRATION_PAIRS: tuple[CalibrationPair, ...] = FIT_PAIRS + HOLDOUT_PAIRS


def _snap_ids(topo: Topology, ids: list[int]) -> np.ndarray:
    """Return the node nearest to each GeoNames place (EPSG:3006 straight-line distance)."""
    from tillganglighet.data import geodata

    st = geodata.settlements().set_index("geonameid")
    missing = [gid for gid in ids if gid not in st.index]
    if missing:
        raise DataIntegrityError(f"GeoNames id(s) {missing} are not in geodata/settlements.csv.")
    xy = st.loc[ids, ["x_m", "y_m"]].to_numpy(float)
    d = np.hypot(topo.node_x[None, :] - xy[:, :1], topo.node_y[None, :] - xy[:, 1:])
    return np.argmin(d, axis=1)


def _pair_nodes(
    topo: Topology, pairs: tuple[CalibrationPair, ...]
) -> tuple[np.ndarray, np.ndarray]:
    o = _snap_ids(topo, [p.origin_id for p in pairs])
    d = _snap_ids(topo, [p.destination_id for p in pairs])
    return o, d


def _pair_times_s(topo: Topology, params: ModelParams, o: np.ndarray, d: np.ndarray) -> np.ndarray:
    g = _network(topo, params, with_sha=False).csr()
    src, inv = np.unique(o, return_inverse=True)
    dist = dijkstra(g, directed=True, indices=src)
    return dist[inv, d]


def calibration_table(
    params: ModelParams | None = None, pairs: tuple[CalibrationPair, ...] | None = None
) -> pd.DataFrame:
    """Return modelled vs reference travel time for the calibration pairs.

    Parameters
    ----------
    params
        Parameters to evaluate; default :data:`FITTED_PARAMS`.
    pairs
        Pairs to evaluate; default :data:`CALIBRATION_PAIRS` (fitting and held-out sets).

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination``, ``kind``, ``set`` (``fit`` or
        ``held_out``), ``reference_min``, ``modelled_min``, ``residual_min`` (modelled −
        reference, minutes), ``residual_pct`` (percent of the reference), ``straight_km``
        (crow-fly km between the snapped nodes), ``note``.
    """
    params = params or FITTED_PARAMS
    pairs = CALIBRATION_PAIRS if pairs is None else pairs
    topo = _topology()
    o, d = _pair_nodes(topo, pairs)
    mod = _pair_times_s(topo, params, o, d) / 60.0
    ref = np.array([p.reference_min for p in pairs], float)
    straight = np.hypot(topo.node_x[o] - topo.node_x[d], topo.node_y[o] - topo.node_y[d]) / 1e3
    return pd.DataFrame(
        {
            "origin": [p.origin for p in pairs],
            "destination": [p.destination for p in pairs],
            "kind": [p.kind for p in pairs],
            "set": ["held_out" if p.held_out else "fit" for p in pairs],
            "reference_min": ref,
            "modelled_min": mod.round(1),
            "residual_min": (mod - ref).round(1),
            "residual_pct": (100 * (mod - ref) / ref).round(1),
            "straight_km": straight.round(1),
            "note": [p.note for p in pairs],
        }
    )


def calibration_cost(params: ModelParams, pairs: tuple[CalibrationPair, ...] = FIT_PAIRS) -> float:
    """Return the least-squares cost ½ Σ log(modelled / reference)² over ``pairs``.

    Parameters
    ----------
    params
        Parameters to evaluate.
    pairs
        Pairs to sum over; default the fitting set :data:`FIT_PAIRS`.

    Returns
    -------
    float
        The cost (dimensionless).
    """
    topo = _topology()
    o, d = _pair_nodes(topo, pairs)
    ref = np.array([p.reference_min * 60.0 for p in pairs])
    r = np.log(_pair_times_s(topo, params, o, d) / ref)
    return float(0.5 * np.sum(r * r))


def fit_parameters(
    start: ModelParams | None = None, pairs: tuple[CalibrationPair, ...] = FIT_PAIRS
) -> ModelParams:
    """Fit the six speed and delay parameters on the fitting set.

    Minimises Σ log(modelled / reference)² with ``scipy.optimize.least_squares``
    (trust-region reflective, bounded by :data:`BOUNDS`; finite-difference steps of 1 %
    because shortest paths change in steps).

    Parameters
    ----------
    start
        Starting point; default :data:`FITTED_PARAMS`.
    pairs
        Pairs to fit on; default :data:`FIT_PAIRS` (never the held-out or validation sets).

    Returns
    -------
    ModelParams
        The fitted parameters (not rounded).
    """
    from scipy.optimize import least_squares

    topo = _topology()
    o, d = _pair_nodes(topo, pairs)
    ref = np.array([p.reference_min * 60.0 for p in pairs])

    def resid(x: np.ndarray) -> np.ndarray:
        return np.log(_pair_times_s(topo, ModelParams(*x), o, d) / ref)

    x0 = np.clip((start or FITTED_PARAMS).as_vector(), BOUNDS[0], BOUNDS[1])
    res = least_squares(resid, x0, bounds=BOUNDS, diff_step=1e-2, x_scale=x0 + 1.0)
    return ModelParams(*res.x)


# --------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class ValidationTrip:
    """A sourced car trip the model is never fitted or tuned on.

    Attributes
    ----------
    trip_id
        Row id in ``geodata/road_validation.csv`` (e.g. ``V01``).
    origin, destination
        Place names; ``origin_id`` / ``destination_id`` their GeoNames ids.
    kind
        ``corridor``, ``rural``, ``mountain``, ``lake``, ``coast`` or ``island_ferry``.
    road_km
        Published road length, km (NaN when only a time is published).
    car_time_min
        Published car time, minutes (NaN when only a length is published).
    route
        The road(s) the source names.
    source
        URL(s) of the source.
    """

    trip_id: str
    origin: str
    origin_id: int
    destination: str
    destination_id: int
    kind: str
    road_km: float
    car_time_min: float
    route: str
    source: str


def validation_trips() -> tuple[ValidationTrip, ...]:
    """Read the validation set from ``geodata/road_validation.csv``.

    Returns
    -------
    tuple of ValidationTrip

    Raises
    ------
    DataIntegrityError
        If a row lacks a source, both references, or a GeoNames id.
    """
    path = geodata_path("road_validation.csv")
    trips = []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for n, row in enumerate(rows, start=2):
            try:
                km = float(row["road_km"]) if row["road_km"] else float("nan")
                tm = float(row["car_time_min"]) if row["car_time_min"] else float("nan")
                trip = ValidationTrip(
                    row["id"],
                    row["origin"],
                    int(row["origin_geonameid"]),
                    row["destination"],
                    int(row["destination_geonameid"]),
                    row["kind"],
                    km,
                    tm,
                    row["route"],
                    row["source"],
                )
            except (KeyError, ValueError) as exc:
                raise DataIntegrityError(f"{path}, row {n}: {exc}") from exc
            if not trip.source.strip():
                raise DataIntegrityError(f"{path}, row {n}, field 'source': empty")
            if np.isnan(km) and np.isnan(tm):
                raise DataIntegrityError(
                    f"{path}, row {n}: neither 'road_km' nor 'car_time_min' is given"
                )
            trips.append(trip)
    return tuple(trips)


def _path_lengths_m(g_time: object, g_len: object, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Return the road length (m) of the fastest path from each ``src`` to its ``dst``."""
    import scipy.sparse as sp

    assert isinstance(g_len, sp.csr_matrix)
    uniq, inv = np.unique(src, return_inverse=True)
    _, pred = dijkstra(g_time, directed=True, indices=uniq, return_predecessors=True)
    out = np.empty(len(src))
    for k, (row, target) in enumerate(zip(inv, dst, strict=True)):
        total, node = 0.0, int(target)
        while node != uniq[row]:
            p = int(pred[row, node])
            if p < 0:
                total = float("inf")
                break
            total += float(g_len[p, node])
            node = p
        out[k] = total
    return out


def validation_table(params: ModelParams | None = None) -> pd.DataFrame:
    """Return modelled vs published time and road length for the validation set.

    Parameters
    ----------
    params
        Parameters to evaluate; default :data:`FITTED_PARAMS`.

    Returns
    -------
    pandas.DataFrame
        One row per trip: ``trip_id``, ``origin``, ``destination``, ``kind``, ``route``,
        ``road_km`` (published), ``modelled_km`` (modelled road length of the fastest
        path), ``km_residual_pct``, ``car_time_min`` (published), ``modelled_min``,
        ``time_residual_pct``, ``straight_km`` (between the snapped nodes), ``source``.
        Residuals are ``100 × (modelled − published) / published``; NaN where the source
        gives no such figure.
    """
    params = params or FITTED_PARAMS
    trips = validation_trips()
    topo = _topology()
    o = _snap_ids(topo, [t.origin_id for t in trips])
    d = _snap_ids(topo, [t.destination_id for t in trips])
    net = _network(topo, params, with_sha=False)
    g_time, g_len = net.csr(), net.csr("length_m")
    src, inv = np.unique(o, return_inverse=True)
    t_min = dijkstra(g_time, directed=True, indices=src)[inv, d] / 60.0
    km = _path_lengths_m(g_time, g_len, o, d) / 1e3
    ref_km = np.array([t.road_km for t in trips])
    ref_min = np.array([t.car_time_min for t in trips])
    straight = np.hypot(topo.node_x[o] - topo.node_x[d], topo.node_y[o] - topo.node_y[d]) / 1e3
    return pd.DataFrame(
        {
            "trip_id": [t.trip_id for t in trips],
            "origin": [t.origin for t in trips],
            "destination": [t.destination for t in trips],
            "kind": [t.kind for t in trips],
            "route": [t.route for t in trips],
            "road_km": ref_km,
            "modelled_km": km.round(1),
            "km_residual_pct": (100 * (km - ref_km) / ref_km).round(1),
            "car_time_min": ref_min,
            "modelled_min": t_min.round(1),
            "time_residual_pct": (100 * (t_min - ref_min) / ref_min).round(1),
            "straight_km": straight.round(1),
            "source": [t.source for t in trips],
        }
    )
