"""Accessibility metrics and the 60-minute guideline (pure computation, no I/O).

Inputs are travel-time matrices (seconds, origins × points) and plain tables; outputs
are new DataFrames. Times in user-facing columns are **minutes** (``*_min``); inputs
are **seconds** (``*_s``). Unreachable is ``inf`` — never 0, never dropped.

The guideline (report, Bilaga 2): *within an FA-region, customers should not have more
than one hour's one-way travel to booked visits*. A municipality is a **gap** when the
population-weighted mean travel time of its origins to the nearest booked-meeting point
exceeds the threshold. It is evaluated two ways: to the nearest point anywhere
(``gap``), and to the nearest point in the municipality's own FA-region (``gap_fa``,
the report's wording).

**The threshold rule** (one definition, :func:`beyond_threshold`): "at most one hour"
reads as *within* when the time is at most the threshold, so exactly 60.0 minutes is
within the guideline and anything above it (60.01 minutes) is beyond. Municipality gaps,
the share within the threshold, the people beyond it and the marginal value all use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tillganglighet.errors import InputValidationError

#: Relation of a municipality to the municipality of its nearest point.
RELATIONS = ("same_municipality", "neighbouring_municipality", "same_fa_region", "other")


def check_threshold(threshold_min: float) -> float:
    """Return ``threshold_min`` as float after checking it is a positive finite number."""
    try:
        value = float(threshold_min)
    except (TypeError, ValueError):
        raise InputValidationError(
            f"threshold_min: expected minutes as a number, got {threshold_min!r}"
        ) from None
    if not np.isfinite(value) or value <= 0:
        raise InputValidationError(
            f"threshold_min: must be a finite number of minutes > 0, got {threshold_min!r}"
        )
    return value


@dataclass(frozen=True)
class Nearest:
    """Nearest point per origin from a travel-time matrix.

    Attributes
    ----------
    time_s
        Seconds to the nearest allowed point (``inf`` if none is reachable).
    index
        Column index of that point (``-1`` if none); ties go to the lowest index.
    """

    time_s: np.ndarray
    index: np.ndarray


def nearest_in_matrix(times_s: np.ndarray, allowed: np.ndarray | None = None) -> Nearest:
    """Return the nearest allowed column of every row of a travel-time matrix.

    Parameters
    ----------
    times_s
        ``(n_origins, n_points)`` seconds, ``inf`` where unreachable.
    allowed
        Optional boolean mask of the same shape (or ``(n_points,)``): only these
        columns may be chosen.

    Returns
    -------
    Nearest
        Per origin, time (seconds) and column index; ties go to the lowest index.
    """
    t = np.asarray(times_s, dtype=np.float64)
    if t.ndim != 2:
        raise InputValidationError(f"times_s: expected a 2-D matrix, got shape {t.shape}")
    if allowed is not None:
        t = np.where(np.broadcast_to(allowed, t.shape), t, np.inf)
    if t.shape[1] == 0:
        return Nearest(np.full(t.shape[0], np.inf), np.full(t.shape[0], -1, dtype=np.int64))
    idx = np.argmin(t, axis=1).astype(np.int64)
    best = t[np.arange(t.shape[0]), idx]
    idx[~np.isfinite(best)] = -1
    return Nearest(best, idx)


def beyond_threshold(minutes: np.ndarray | float, threshold_min: float) -> np.ndarray:
    """True where a time (minutes) is beyond the guideline: ``minutes > threshold_min``.

    Exactly the threshold is within ("at most one hour"); ``inf`` (unreachable) is beyond;
    NaN is not beyond (unknown).
    """
    with np.errstate(invalid="ignore"):
        return np.asarray(minutes, dtype=np.float64) > threshold_min


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted mean of finite values; unweighted if the weights sum to 0."""
    finite = np.isfinite(values)
    if not finite.any():
        return float("inf")
    v, w = values[finite], weights[finite]
    if w.sum() <= 0:
        return float(v.mean())
    return float(np.average(v, weights=w))


def municipality_metrics(
    origins: pd.DataFrame,
    *,
    threshold_min: float,
) -> pd.DataFrame:
    """Aggregate origin travel times to municipality metrics.

    Parameters
    ----------
    origins
        One row per origin with ``kommun_kod``, ``name``, ``population`` (persons),
        ``is_largest`` (bool), ``time_s`` (seconds to the nearest point anywhere) and
        ``time_fa_s`` (seconds to the nearest point in the own FA-region).
    threshold_min
        The guideline's threshold in minutes (> 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``kommun_kod``: ``population``, ``n_origins``,
        ``population_unreachable``, ``mean_time_min`` (population-weighted mean over
        reachable origins; ``inf`` if none is reachable), ``worst_time_min`` (``inf`` if
        any origin is unreachable), ``largest_settlement``,
        ``largest_settlement_time_min``, ``share_within_threshold`` (population share,
        or origin share where population is unknown), ``population_beyond_threshold``,
        ``gap``, ``exceeds_by_min`` (NaN when no gap), and the same with suffix ``_fa``
        for the FA-region rule (``mean_time_fa_min``, ``worst_time_fa_min``,
        ``share_within_threshold_fa``, ``population_beyond_threshold_fa``, ``gap_fa``,
        ``exceeds_by_fa_min``).
    """
    threshold = check_threshold(threshold_min)
    required = {"kommun_kod", "name", "population", "is_largest", "time_s", "time_fa_s"}
    missing = required - set(origins.columns)
    if missing:
        raise InputValidationError(f"origins: missing columns {sorted(missing)}")
    rows = []
    for kommun, g in origins.groupby("kommun_kod", sort=True):
        pop = g["population"].to_numpy(dtype=np.float64)
        row: dict[str, object] = {
            "kommun_kod": kommun,
            "population": int(pop.sum()),
            "n_origins": len(g),
        }
        largest = g[g["is_largest"]]
        largest = largest.iloc[0] if len(largest) else g.iloc[0]
        row["largest_settlement"] = largest["name"]
        for suffix, column in (("", "time_s"), ("_fa", "time_fa_s")):
            minutes = g[column].to_numpy(dtype=np.float64) / 60.0
            reachable = np.isfinite(minutes)
            mean = _weighted_mean(minutes, pop)
            within = ~beyond_threshold(minutes, threshold)
            share = float(pop[within].sum() / pop.sum()) if pop.sum() > 0 else float(within.mean())
            gap = bool(beyond_threshold(mean, threshold))
            row[f"mean_time{suffix}_min"] = mean
            row[f"worst_time{suffix}_min"] = float(minutes.max()) if reachable.all() else np.inf
            row[f"share_within_threshold{suffix}"] = share
            row[f"population_beyond_threshold{suffix}"] = int(pop[~within].sum())
            row[f"gap{suffix}"] = gap
            row[f"exceeds_by{suffix}_min"] = (mean - threshold) if gap else np.nan
            if suffix == "":
                row["population_unreachable"] = int(pop[~reachable].sum())
                row["largest_settlement_time_min"] = float(largest[column]) / 60.0
        rows.append(row)
    return pd.DataFrame(rows).set_index("kommun_kod")


def relation_to_point(
    kommun_kod: pd.Series,
    point_kommun_kod: pd.Series,
    *,
    neighbours: set[tuple[str, str]],
    fa_of: dict[str, str],
) -> pd.Series:
    """Classify where each municipality's nearest point lies.

    Parameters
    ----------
    kommun_kod
        The municipality of each row.
    point_kommun_kod
        The municipality of its nearest point (NaN if none).
    neighbours
        Pairs of neighbouring municipality codes (both orders).
    fa_of
        FA-region code of every municipality.

    Returns
    -------
    pandas.Series
        One of :data:`RELATIONS`, or ``"none"`` where no point is reachable.
    """
    out = []
    for a, b in zip(kommun_kod, point_kommun_kod, strict=True):
        if not isinstance(b, str):
            out.append("none")
        elif a == b:
            out.append("same_municipality")
        elif (a, b) in neighbours:
            out.append("neighbouring_municipality")
        elif fa_of.get(a) == fa_of.get(b):
            out.append("same_fa_region")
        else:
            out.append("other")
    return pd.Series(out, index=kommun_kod.index, dtype="object")


def neighbour_pairs(
    municipalities: pd.DataFrame, *, tolerance_m: float = 500.0
) -> set[tuple[str, str]]:
    """Return the pairs of municipalities whose polygons touch (within a tolerance).

    Parameters
    ----------
    municipalities
        GeoDataFrame in a metric CRS (EPSG:3006) with ``kommun_kod``.
    tolerance_m
        Polygons closer than this (metres) count as neighbours: the simplified
        boundaries do not always touch exactly.

    Returns
    -------
    set of tuple
        ``(a, b)`` and ``(b, a)`` for each neighbouring pair.
    """
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(municipalities[["kommun_kod", "geometry"]])
    buffered = gdf.copy()
    buffered["geometry"] = gdf.geometry.buffer(tolerance_m / 2)
    joined = gpd.sjoin(buffered, buffered, predicate="intersects")
    pairs = {
        (a, b)
        for a, b in zip(joined["kommun_kod_left"], joined["kommun_kod_right"], strict=True)
        if a != b
    }
    return pairs | {(b, a) for a, b in pairs}


def marginal_value(
    times_s: np.ndarray,
    *,
    population: np.ndarray,
    kommun_kod: np.ndarray,
    threshold_min: float,
) -> pd.DataFrame:
    """What each point is worth: the effect of closing it alone.

    For every point (column), origins whose nearest point it is fall back to their
    second-nearest point; the municipality means are recomputed from that.

    Parameters
    ----------
    times_s
        ``(n_origins, n_points)`` seconds from origins to the active points.
    population
        Persons per origin.
    kommun_kod
        Municipality code per origin.
    threshold_min
        Threshold in minutes.

    Returns
    -------
    pandas.DataFrame
        One row per point (positional index ``point_index``): ``origins_served``,
        ``population_served`` (persons whose nearest point it is),
        ``population_newly_beyond`` (persons whose time crosses the threshold if it
        closed), ``municipalities_newly_gap`` (municipalities whose population-weighted
        mean crosses the threshold), ``mean_increase_min`` (population-weighted mean
        increase in minutes over the persons it serves).
    """
    threshold = check_threshold(threshold_min)
    t = np.asarray(times_s, dtype=np.float64)
    pop = np.asarray(population, dtype=np.float64)
    n_origins, n_points = t.shape
    if n_points == 0:
        return pd.DataFrame(
            columns=[
                "origins_served",
                "population_served",
                "population_newly_beyond",
                "municipalities_newly_gap",
                "mean_increase_min",
            ]
        )
    order = np.argsort(t, axis=1, kind="stable")
    best_idx = order[:, 0]
    rows_ = np.arange(n_origins)
    best = t[rows_, best_idx]
    second = t[rows_, order[:, 1]] if n_points > 1 else np.full(n_origins, np.inf)
    served = np.isfinite(best)
    base = pd.DataFrame({"kommun": kommun_kod, "pop": pop, "t": best / 60.0})
    base_mean = base.groupby("kommun").apply(
        lambda g: _weighted_mean(g["t"].to_numpy(), g["pop"].to_numpy()), include_groups=False
    )
    thr = threshold
    out = []
    for j in range(n_points):
        mask = served & (best_idx == j)
        if not mask.any():
            out.append((0, 0, 0, 0, 0.0))
            continue
        new_t = base["t"].to_numpy().copy()
        new_t[mask] = second[mask] / 60.0
        crossed = mask & (best / 60.0 <= thr) & (new_t > thr)
        affected = np.unique(np.asarray(kommun_kod)[mask])
        newly_gap = 0
        for k in affected:
            sel = np.asarray(kommun_kod) == k
            new_mean = _weighted_mean(new_t[sel], pop[sel])
            if base_mean[k] <= thr < new_mean:
                newly_gap += 1
        inc = new_t[mask] - best[mask] / 60.0
        w = pop[mask]
        if not np.isfinite(inc).all():
            mean_inc = float("inf")
        elif w.sum() > 0:
            mean_inc = float(np.average(inc, weights=w))
        else:
            mean_inc = float(inc.mean())
        out.append(
            (int(mask.sum()), int(pop[mask].sum()), int(pop[crossed].sum()), newly_gap, mean_inc)
        )
    df = pd.DataFrame(
        out,
        columns=[
            "origins_served",
            "population_served",
            "population_newly_beyond",
            "municipalities_newly_gap",
            "mean_increase_min",
        ],
    )
    df.index.name = "point_index"
    return df


@dataclass(frozen=True)
class TimeClass:
    """One travel-time class: ``lower_min < value <= upper_min`` (minutes).

    The classes are the one definition used by the tables (``time_class`` column) and
    by the map (its legend and colours add only presentation).

    Attributes
    ----------
    key
        Stable identifier: ``le_a``, ``a_b``, ``b_t``, ``t_c``, ``gt_c`` or ``unreachable``.
    label
        Short label for tables, e.g. ``"30–45"`` or ``"ej nåbar"``.
    lower_min, upper_min
        Interval in minutes; ``-inf`` below the first class, ``inf`` above the last
        finite one; both ``inf`` for ``unreachable``.
    """

    key: str
    label: str
    lower_min: float
    upper_min: float


#: Class edges as fractions of the threshold T: T/2, 3T/4, T and 1.5 T (30, 45, 60 and
#: 90 minutes for the report's 60-minute guideline).
TIME_CLASS_EDGE_FRACTIONS = (0.5, 0.75, 1.0, 1.5)


def time_classes(threshold_min: float = 60.0) -> list[TimeClass]:
    """Return the six travel-time classes for a guideline threshold (minutes).

    Edges scale with the threshold (:data:`TIME_CLASS_EDGE_FRACTIONS`); a time equal
    to an edge belongs to the class below it, so exactly T is within the guideline.

    Parameters
    ----------
    threshold_min
        The guideline (minutes, one way); positive and finite.

    Returns
    -------
    list of TimeClass
        ``≤ T/2``, ``T/2–3T/4``, ``3T/4–T``, ``T–1.5T``, ``> 1.5T``, ``ej nåbar``.
    """
    t = check_threshold(threshold_min)
    a, b, t, c = (t * f for f in TIME_CLASS_EDGE_FRACTIONS)
    inf = float("inf")
    return [
        TimeClass("le_a", f"≤ {a:g}", -inf, a),
        TimeClass("a_b", f"{a:g}–{b:g}", a, b),
        TimeClass("b_t", f"{b:g}–{t:g}", b, t),
        TimeClass("t_c", f"{t:g}–{c:g}", t, c),
        TimeClass("gt_c", f"> {c:g}", c, inf),
        TimeClass("unreachable", "ej nåbar", inf, inf),
    ]


def time_class_index(minutes: pd.Series | np.ndarray, classes: list[TimeClass]) -> np.ndarray:
    """Index into ``classes`` (from :func:`time_classes`) per value; -1 for NaN."""
    x = pd.to_numeric(pd.Series(np.asarray(minutes)), errors="coerce").to_numpy(dtype=float)
    finite_upper = np.array([c.upper_min for c in classes[:4]])
    idx = np.searchsorted(finite_upper, x, side="left")  # value <= upper -> that class
    idx = np.where(np.isposinf(x), len(classes) - 1, idx)
    return np.where(np.isnan(x), -1, idx).astype(int)


def time_class(minutes: pd.Series | np.ndarray, *, threshold_min: float) -> list[str]:
    """Label each travel time (minutes) with its class from :func:`time_classes`.

    Parameters
    ----------
    minutes
        Travel times in minutes (``inf`` = unreachable, labelled ``"ej nåbar"``).
    threshold_min
        Threshold in minutes.

    Returns
    -------
    list of str
        One label per value (NaN: ``"ej nåbar"`` as well, as before).
    """
    classes = time_classes(threshold_min)
    idx = time_class_index(minutes, classes)
    return [classes[i].label if i >= 0 else classes[-1].label for i in idx]
