"""Calibration of the modelled timetable: reference journeys, fit, Kolada comparison.

* :func:`reference_journeys` reads ``geodata/pt_reference_journeys.csv`` (25 sourced
  journeys, each with its source; ``set`` = ``fit`` or ``held_out``);
* :func:`journey_measures` computes on the model what the references measure, in the
  reference's mode (rail-like lines for a train reference, bus lines for a bus
  reference, if the model has such a direct trip): the number of **direct** trips per
  weekday from the origin's stop to the destination's stop (trips serving the origin
  before the destination, as the GTFS-NB figures were derived), and the **median
  scheduled time** of those trips that a journey planner would offer (no other trip
  leaves no earlier and arrives earlier); where the model has no direct trip,
  the journeys with changes (at least :data:`TRANSFER_S` at the same stop; found by a
  connection scan) that no other journey dominates (leaves later and arrives no later)
  are counted instead;
* :func:`calibration_table` sets both side by side with log residuals; lower/upper bounds
  count only when the model falls on the wrong side;
* :func:`fit_rules` fits the running-time and departure parameters on the ``fit`` set;
* :func:`kolada_share` computes the share of residents within 500 m of a stop with at
  least one departure in every hour 06-20 on a weekday (Kolada N07418's definition).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from tillganglighet._resources import geodata_path
from tillganglighet.transit.modelled import rules as R
from tillganglighet.transit.modelled.build import (
    Model,
    build_model,
    timed_patterns,
    trip_departures,
)
from tillganglighet.transit.modelled.rules import FITTED_RULES, Rules

__all__ = [
    "KOLADA_N07418_RIKET",
    "SWEDEN_POPULATION_2020",
    "TRANSFER_S",
    "calibration_table",
    "fit_rules",
    "journey_measures",
    "kolada_share",
    "qualifying_stops",
    "reference_journeys",
    "town_headway_table",
]

#: Minimum change time at a stop in the calibration's one-change journeys (seconds).
#: Sourced: Din Tur (Västernorrland) "Generellt gäller att bytestid mellan buss och tåg
#: ... är 10 minuter" (https://www.dintur.se/begrepp-som-anvands-i-tidtabellerna/).
TRANSFER_S = 600
#: Kolada N07418 "Befolkning i kollektivtrafiknära läge, andel (%)", riket: 81.1 % (2020)
#: and 80.9 % (2021). Source: https://mal2040.lulea.se/vardag/tillgang-till-kollektivtrafik/compare/
#: (datakälla Kolada/SCB). Definition: a stop with ≥ 1 departure per hour weekdays
#: 06-20 within 500 m straight-line of the address.
KOLADA_N07418_RIKET = {2020: 81.1, 2021: 80.9}
#: Sweden's population on 31 December 2020 (SCB, "Befolkningsstatistik i sammandrag
#: 1960-2020", https://www.scb.se/hitta-statistik/statistik-efter-amne/befolkning/
#: befolkningens-sammansattning/befolkningsstatistik/pong/tabell-och-diagram/
#: helarsstatistik--riket/befolkningsstatistik-i-sammandrag/).
SWEDEN_POPULATION_2020 = 10_379_295
#: Kolada's window: every hour from 06:00 to 20:00 must have a departure.
KOLADA_HOURS = tuple(range(6, 20))


def reference_journeys() -> pd.DataFrame:
    """Return the sourced reference journeys (``geodata/pt_reference_journeys.csv``).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``origin``, ``origin_id``, ``destination``, ``destination_id`` (origin ids
        of :func:`tillganglighet.data.geodata.origins`), ``kind``, ``time_min``
        (scheduled time, minutes; NaN where not sourced), ``time_bound`` (``typical``,
        ``lower``, ``upper``), ``departures`` (per weekday and direction), ``departures_bound``,
        ``set`` (``fit`` / ``held_out``), ``mode``, ``source_time``, ``source_departures``,
        ``note``.
    """
    return pd.read_csv(
        geodata_path("pt_reference_journeys.csv"),
        keep_default_na=False,
        na_values={"time_min": [""], "departures": [""]},
    )


class _Timetable:
    """Trips of timed patterns indexed by stop (for the calibration searches)."""

    def __init__(self, model: Model, rules: Rules) -> None:
        self.stop_pos = {s: i for i, s in enumerate(model.stops["stop_id"])}
        self.at: dict[int, list[tuple[int, int]]] = defaultdict(list)  # stop -> (pd, pos)
        self.seq: list[np.ndarray] = []
        self.times: list[np.ndarray] = []  # (n_trips, n_stops) seconds
        self.n_cont: list[float] = []  # unrounded departures (for fitting)
        self.is_rail: list[bool] = []
        self.n_stops = len(model.stops)
        self._conn: tuple[tuple[np.ndarray, ...], int] | None = None
        for pat in timed_patterns(model, rules):
            offs = np.round(pat["offset_s"] / 60.0) * 60.0
            for direction in (0, 1):
                idx = pat["stop_idx"] if direction == 0 else pat["stop_idx"][::-1]
                off = offs if direction == 0 else offs[-1] - offs[::-1]
                deps = trip_departures(pat, direction)
                k = len(self.seq)
                self.seq.append(idx)
                self.times.append(deps[:, None] + off[None, :])
                self.n_cont.append(float(pat.get("n_continuous", len(deps))))
                self.is_rail.append(pat["kind"] == "rail")
                for pos, s in enumerate(idx):
                    self.at[int(s)].append((k, pos))

    def direct(self, o: int, d: int, mode: str = "any") -> tuple[list[tuple[float, float]], float]:
        """(departure at o, arrival at d) of every trip serving o before d; also the
        unrounded number of such trips. ``mode``: ``rail``, ``bus`` or ``any``."""
        out: list[tuple[float, float]] = []
        n_cont = 0.0
        d_at = dict(self.at.get(d, []))
        for k, pos in self.at.get(o, []):
            if mode != "any" and self.is_rail[k] != (mode == "rail"):
                continue
            pd_ = d_at.get(k)
            if pd_ is not None and pd_ > pos:
                t = self.times[k]
                out.extend(zip(t[:, pos], t[:, pd_], strict=True))
                n_cont += self.n_cont[k]
        return sorted(out), n_cont

    def connections(self) -> tuple[tuple[np.ndarray, ...], int]:
        """All connections sorted by departure (dep_stop, arr_stop, dep_s, arr_s, trip),
        and the number of trips."""
        if self._conn is None:
            ds, as_, dt, at, tr = [], [], [], [], []
            trip0 = 0
            for seq, t in zip(self.seq, self.times, strict=True):
                n_t, n_s = t.shape
                if n_s < 2:
                    continue
                ds.append(np.tile(seq[:-1], n_t))
                as_.append(np.tile(seq[1:], n_t))
                dt.append(t[:, :-1].ravel())
                at.append(t[:, 1:].ravel())
                tr.append(np.repeat(np.arange(trip0, trip0 + n_t), n_s - 1))
                trip0 += n_t
            c = [np.concatenate(x) for x in (ds, as_, dt, at, tr)]
            order = np.lexsort((c[3], c[2]))
            self._conn = (tuple(x[order] for x in c), trip0)
        return self._conn

    def earliest(self, o: int, d: int) -> list[tuple[float, float]]:
        """Non-dominated journeys o -> d with any number of changes (each change at least
        :data:`TRANSFER_S` at the same stop), one per departure of a trip from o."""
        (ds, as_, dt, at, tr), n_trips = self.connections()
        starts = np.unique(dt[ds == o])
        n_stops = self.n_stops
        best: dict[float, float] = {}
        for t0 in starts:
            arr = _csa(ds, as_, dt, at, tr, n_stops, n_trips, o, float(t0), d, float(TRANSFER_S))
            if np.isfinite(arr):
                best[float(t0)] = arr
        return _non_dominated(list(best.items()))


def _non_dominated(js: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Journeys (dep, arr) that no other journey dominates (leaves no earlier and
    arrives earlier, or leaves later and arrives no later): what a planner offers."""
    out: list[tuple[float, float]] = []
    latest_arr = np.inf
    for dep, arr in sorted(js, key=lambda j: (-j[0], j[1])):
        if arr < latest_arr:
            out.append((dep, arr))
            latest_arr = arr
    return sorted(out)


def _csa_py(
    ds: np.ndarray,
    as_: np.ndarray,
    dt: np.ndarray,
    at: np.ndarray,
    tr: np.ndarray,
    n_stops: int,
    n_trips: int,
    o: int,
    t0: float,
    d: int,
    change_s: float,
) -> float:
    """Connection scan: earliest arrival at d leaving o at t0 or later (seconds)."""
    ea = np.full(n_stops, np.inf)
    ea[o] = t0 - change_s  # no change time at the origin
    on = np.zeros(n_trips, np.bool_)
    first = np.searchsorted(dt, t0)
    for i in range(first, len(dt)):
        if dt[i] > ea[d]:
            break
        if on[tr[i]] or ea[ds[i]] + change_s <= dt[i]:
            on[tr[i]] = True
            ea[as_[i]] = min(ea[as_[i]], at[i])
    return float(ea[d])


try:
    import numba

    _csa: Any = numba.njit(cache=False)(_csa_py)
except ImportError:  # pragma: no cover - numba is a dependency
    _csa = _csa_py


def mode_class(mode: str) -> str:
    """``rail`` for a reference by train, ``bus`` by bus, else ``any``."""
    m = mode.strip().lower()
    return "rail" if m.startswith("train") else "bus" if m.startswith("bus") else "any"


def journey_measures(
    refs: pd.DataFrame | None = None,
    *,
    rules: Rules = FITTED_RULES,
    model: Model | None = None,
    changes: bool = True,
) -> pd.DataFrame:
    """Modelled departures and median time for each reference journey.

    Parameters
    ----------
    refs
        Reference journeys (default :func:`reference_journeys`).
    rules
        Rules to evaluate.
    model
        Model to evaluate (default ``build_model(towns=False)``: town lines do not
        change trips between places).
    changes
        Search journeys with changes where no direct trip exists (else ``none``).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``modelled_departures`` (per weekday, origin → destination),
        ``departures_unrounded`` (the sum of the lines' unrounded departures, used by the
        fit), ``modelled_time_min`` (median; NaN if no journey), ``journey`` (``direct``,
        ``with_changes`` or ``none``).
    """
    refs = reference_journeys() if refs is None else refs
    model = build_model(towns=False) if model is None else model
    tt = _Timetable(model, rules)
    rows = []
    for r in refs.itertuples():
        o, d = tt.stop_pos[r.origin_id], tt.stop_pos[r.destination_id]
        mode = mode_class(r.mode)
        js, n_cont = tt.direct(o, d, mode)
        kind = "direct" if mode == "any" else f"direct_{mode}"
        if not js and mode != "any":
            js, n_cont = tt.direct(o, d)
            kind = "direct"
        if not js and changes:
            js = tt.earliest(o, d)
            kind = "with_changes" if js else "none"
            n_cont = float(len(js))
        if not js:
            kind = "none"
        dur = np.array([b - a for a, b in _non_dominated(js)]) / 60.0
        rows.append(
            {
                "id": r.id,
                "modelled_departures": len(js),
                "departures_unrounded": n_cont,
                "modelled_time_min": float(np.median(dur)) if len(dur) else np.nan,
                "journey": kind,
            }
        )
    return pd.DataFrame(rows)


def _bounded_log_residual(model: np.ndarray, ref: np.ndarray, bound: np.ndarray) -> np.ndarray:
    r = np.log(np.maximum(model, 1e-9) / ref)
    r = np.where((bound == "lower") & (r > 0), 0.0, r)
    r = np.where((bound == "upper") & (r < 0), 0.0, r)
    return r


def calibration_table(rules: Rules = FITTED_RULES, *, model: Model | None = None) -> pd.DataFrame:
    """Return modelled vs reference time and departures for every reference journey.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``set``, ``origin``, ``destination``, ``kind``, ``reference_time_min``,
        ``time_bound``, ``modelled_time_min``, ``time_residual_pct`` (100 × (model −
        reference) / reference; 0 where a bound is satisfied), ``reference_departures``,
        ``departures_bound``, ``modelled_departures``, ``departures_residual_pct``,
        ``journey``.
    """
    refs = reference_journeys()
    m = journey_measures(refs, rules=rules, model=model)
    t = refs.merge(m, on="id")
    rt = _bounded_log_residual(
        t["modelled_time_min"].to_numpy(float),
        t["time_min"].to_numpy(float),
        t["time_bound"].to_numpy(),
    )
    rd = _bounded_log_residual(
        t["modelled_departures"].to_numpy(float),
        t["departures"].to_numpy(float),
        t["departures_bound"].to_numpy(),
    )
    return pd.DataFrame(
        {
            "id": t["id"],
            "set": t["set"],
            "origin": t["origin"],
            "destination": t["destination"],
            "kind": t["kind"],
            "reference_time_min": t["time_min"],
            "time_bound": t["time_bound"],
            "modelled_time_min": t["modelled_time_min"].round(1),
            "time_residual_pct": (100 * np.expm1(rt)).round(1),
            "reference_departures": t["departures"],
            "departures_bound": t["departures_bound"],
            "modelled_departures": t["modelled_departures"],
            "departures_residual_pct": (100 * np.expm1(rd)).round(1),
            "journey": t["journey"],
        }
    )


def residual_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median and largest absolute residual (%) of time and departures, per set."""
    rows = []
    for s, sub in table.groupby("set", sort=True):
        for what in ("time", "departures"):
            v = sub[f"{what}_residual_pct"].dropna().abs()
            rows.append(
                {
                    "set": s,
                    "measure": what,
                    "n": len(v),
                    "median_abs_pct": round(float(v.median()), 1) if len(v) else np.nan,
                    "max_abs_pct": round(float(v.max()), 1) if len(v) else np.nan,
                }
            )
    return pd.DataFrame(rows)


#: Fitted running-time parameters. The rail-like parameters are set, not fitted: of the
#: train references only J01 (a lower bound) and J03 (held out) have a direct rail-like
#: trip in the model, so the fit set cannot identify them.
_TIME_PARAMS = ("bus_factor", "bus_dwell_s", "bus_town_s")
_DEP_PARAMS = ("local_a", "local_e", "regional_a", "regional_e", "regional_g", "rail_a", "rail_e")


def fit_rules(start: Rules = FITTED_RULES, *, maxiter: int = 80) -> Rules:
    """Fit the running-time and the departure parameters on the ``fit`` journeys.

    Two Nelder-Mead searches (``scipy.optimize.minimize``; the measures change in steps,
    so no gradients): Σ (bounded log residual)² of the median times of the journeys with
    a direct trip (journeys with changes depend on the departures too) over the five
    running-time parameters, then of the departures (the lines' unrounded departures
    summed) over the seven departure parameters. Parameters are kept within plausible
    ranges by clipping. Held-out journeys are not used.

    Returns
    -------
    Rules
        Fitted (unrounded) parameters.
    """
    from scipy.optimize import minimize

    refs = reference_journeys()
    refs = refs[refs["set"] == "fit"].reset_index(drop=True)
    model = build_model(towns=False)
    direct = journey_measures(refs, rules=start, model=model, changes=False)["journey"]
    time_refs = refs[(direct != "none").to_numpy()].reset_index(drop=True)
    lo = {
        "bus_factor": 0.6,
        "bus_dwell_s": 0.0,
        "bus_town_s": 0.0,
        "rail_factor": 0.4,
        "rail_dwell_s": 0.0,
        "local_a": 0.2,
        "local_e": 0.0,
        "regional_a": 0.2,
        "regional_e": 0.0,
        "regional_g": 0.0,
        "rail_a": 1.0,
        "rail_e": 0.0,
    }
    hi = {
        "bus_factor": 2.0,
        "bus_dwell_s": 600.0,
        "bus_town_s": 1800.0,
        "rail_factor": 1.2,
        "rail_dwell_s": 600.0,
        "local_a": 20.0,
        "local_e": 1.5,
        "regional_a": 30.0,
        "regional_e": 1.5,
        "regional_g": 2.0,
        "rail_a": 60.0,
        "rail_e": 1.0,
    }

    def cost(x: np.ndarray, names: tuple[str, ...], base: Rules, what: str) -> float:
        x = np.clip(x, [lo[n] for n in names], [hi[n] for n in names])
        r = base.with_(**{n: float(v) for n, v in zip(names, x, strict=True)})
        if what == "time":
            ref = time_refs["time_min"].to_numpy(float)
            m = journey_measures(time_refs, rules=r, model=model, changes=False)
            res = _bounded_log_residual(
                m["modelled_time_min"].to_numpy(float), ref, time_refs["time_bound"].to_numpy()
            )
        else:
            m = journey_measures(refs, rules=r, model=model)
            ref = refs["departures"].to_numpy(float)
            res = _bounded_log_residual(
                m["departures_unrounded"].to_numpy(float), ref, refs["departures_bound"].to_numpy()
            )
        res = np.nan_to_num(res[np.isfinite(ref)], nan=2.0)
        return float(np.sum(res * res))

    rules = start
    for names, what in ((_TIME_PARAMS, "time"), (_DEP_PARAMS, "departures")):
        x0 = np.array([getattr(rules, n) for n in names], float)
        # a wide first simplex (+30 % per parameter): the cost changes in steps
        simplex = np.vstack(
            [x0] + [x0 + np.eye(len(x0))[k] * np.maximum(0.3 * x0, 0.1) for k in range(len(x0))]
        )
        res = minimize(
            cost,
            x0,
            args=(names, rules, what),
            method="Nelder-Mead",
            options={"maxiter": maxiter, "xatol": 1e-3, "fatol": 1e-4, "initial_simplex": simplex},
        )
        x = np.clip(res.x, [lo[n] for n in names], [hi[n] for n in names])
        rules = rules.with_(**{n: float(v) for n, v in zip(names, x, strict=True)})
    return rules


def fit_cost(rules: Rules = FITTED_RULES) -> dict[str, float]:
    """Σ squared bounded log residuals of times and departures on the ``fit`` set."""
    t = calibration_table(rules)
    t = t[t["set"] == "fit"]
    out = {}
    for what in ("time", "departures"):
        r = np.log1p(t[f"{what}_residual_pct"].dropna().to_numpy() / 100.0)
        out[what] = float(np.sum(r * r))
    return out


def qualifying_stops(tables: dict[str, pd.DataFrame]) -> np.ndarray:
    """Boolean per row of ``tables["stops"]``: a departure in every hour 06:00-19:59.

    A departure is a stop time that is not its trip's last (stop times sorted by trip
    and sequence, as :func:`~tillganglighet.transit.modelled.build.build_feed` writes
    them). Kolada N07418's "trafikerad hållplats": at least one departure per hour,
    weekdays 06-20.
    """
    st = tables["stop_times"]
    trip = st["trip_id"].to_numpy()
    last = np.ones(len(st), bool)
    last[:-1] = trip[1:] != trip[:-1]
    dep = st.loc[~last, ["stop_id", "departure_time"]]
    hour = pd.to_numeric(dep["departure_time"].str.slice(0, 2)).to_numpy()
    in_window = (hour >= KOLADA_HOURS[0]) & (hour <= KOLADA_HOURS[-1])
    d = pd.DataFrame(
        {"stop_id": dep["stop_id"].to_numpy()[in_window], "hour": hour[in_window]}
    ).drop_duplicates()
    hours_served = d.groupby("stop_id").size()
    ok_ids = hours_served.index[hours_served >= len(KOLADA_HOURS)]
    return tables["stops"]["stop_id"].isin(ok_ids).to_numpy()


def kolada_share(
    tables: dict[str, pd.DataFrame],
    *,
    population: object | None = None,
    total_population: float = SWEDEN_POPULATION_2020,
    radius_m: float = 500.0,
) -> dict[str, float | str]:
    """Share of residents near a stop with ≥ 1 departure in every hour 06-20 (Kolada N07418).

    Parameters
    ----------
    tables
        GTFS tables from :func:`~tillganglighet.transit.modelled.build.build_feed`
        (``stops`` with ``x_m``, ``y_m`` and ``population``, ``stop_times``).
    population
        Residents as points: a GeoDataFrame in EPSG:3006 with a ``population`` column
        (persons), e.g. population-grid cell centres. A point is covered when a
        qualifying stop lies within ``radius_m`` (straight line, as Kolada measures).
        Default: the settlement proxy below.
    total_population
        Denominator of ``share_national_pct`` (default SCB 31 Dec 2020).
    radius_m
        Kolada's distance, metres.

    Notes
    -----
    Settlement proxy (until a population model is wired in): each settlement's GeoNames
    population sits at its stop; in towns with a stop grid it is spread evenly over the
    grid stops (every point of the town disc is within 424 m < 500 m of a grid stop, so a
    grid stop's residents count as covered when that stop qualifies). Residents outside
    the GeoNames settlements (``total_population`` minus their sum) have no modelled stop
    and count as not covered.

    Returns
    -------
    dict
        ``share_national_pct`` (covered / total_population), ``share_modelled_pct``
        (covered / the population counted: settlements, or the points given),
        ``covered``, ``population_counted``, ``qualifying_stops``, ``stops``,
        ``kolada_riket_2020_pct``, ``proxy`` (``settlements`` or ``points``).
    """
    stops = tables["stops"]
    ok = qualifying_stops(tables)
    if population is None:
        pop = stops["population"].to_numpy(float)
        covered = float(pop[ok].sum())
        counted = float(pop.sum())
        proxy = "settlements"
    else:
        from scipy.spatial import cKDTree

        from tillganglighet.errors import CRSError

        crs = getattr(population, "crs", None)
        if crs is None or crs.to_epsg() != 3006:
            raise CRSError(f"population must be in EPSG:3006 (got {crs}); use .to_crs(3006)")
        geom = population.geometry  # type: ignore[attr-defined]
        xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
        pop = population["population"].to_numpy(float)  # type: ignore[index]
        sxy = stops.loc[ok, ["x_m", "y_m"]].to_numpy(float)
        if len(sxy):
            # within = at most radius_m (cKDTree's bound is strict)
            dist, _ = cKDTree(sxy).query(xy, distance_upper_bound=radius_m * (1 + 1e-9))
            near = dist <= radius_m * (1 + 1e-12)
        else:
            near = np.zeros(len(xy), bool)
        covered = float(pop[near].sum())
        counted = float(pop.sum())
        proxy = "points"
    return {
        "share_national_pct": round(100 * covered / total_population, 1),
        "share_modelled_pct": round(100 * covered / counted, 1) if counted else float("nan"),
        "covered": round(covered),
        "population_counted": round(counted),
        "qualifying_stops": int(ok.sum()),
        "stops": len(stops),
        "kolada_riket_2020_pct": KOLADA_N07418_RIKET[2020],
        "proxy": proxy,
    }


#: Sourced town headways for :func:`town_headway_table` (place, minutes low-high, source).
TOWN_HEADWAYS: tuple[tuple[str, float, float, str], ...] = (
    ("Boden", 13, 30, "GTFS-NB lines 1-3, median headway 07-18"),
    ("Kiruna", 35, 35, "GTFS-NB lines Röd/Gul/Lila"),
    ("Piteå", 30, 60, "GTFS-NB lines 1, 3, 4"),
    ("Östersund", 10, 20, "ostersund.se 2024-05-13: regular 10- or 20-min intervals"),
    ("Uddevalla", 10, 10, "mynewsdesk 2014: line 1 every 10 min"),
    ("Borås", 6, 6, "mynewsdesk 2011: line 1 every 6 min in peak"),
)


def town_headway_table() -> pd.DataFrame:
    """Modelled town-line headway vs the sourced headways (minutes), with the place's
    population as the feed sees it (its origins gathered back into one place)."""
    from tillganglighet.transit.modelled.build import _places

    o = _places()
    rows = []
    for place, lo, hi, src in TOWN_HEADWAYS:
        p = float(o.loc[o["name"] == place, "population"].max())
        hw = R.TOWN_HEADWAY_REF_MIN * (p / R.TOWN_HEADWAY_REF_POP) ** (-R.TOWN_HEADWAY_EXPONENT)
        hw = float(np.clip(hw, R.TOWN_HEADWAY_MIN_MIN, R.TOWN_HEADWAY_MAX_MIN))
        rows.append(
            {
                "place": place,
                "population": int(p),
                "modelled_headway_min": round(hw, 1),
                "sourced_low_min": lo,
                "sourced_high_min": hi,
                "source": src,
            }
        )
    return pd.DataFrame(rows)


def rules_table(rules: Rules = FITTED_RULES) -> pd.DataFrame:
    """The fitted parameters as a table (name, value)."""
    return pd.DataFrame(
        [(f.name, getattr(rules, f.name)) for f in fields(rules)], columns=["parameter", "value"]
    )
