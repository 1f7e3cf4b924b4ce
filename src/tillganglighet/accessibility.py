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

#: A municipality with more than this share of its population (persons; origins where
#: population is unknown) unreachable on the network gets ``insufficient_coverage`` and
#: counts as a gap: its mean travel time describes a minority of its people. "Mostly
#: unreachable" = more than half (issue 15 item 7: Strömstad, 86 % unreachable on an OSM
#: extract, showed a 0.675 min mean and no gap).
MAX_UNREACHABLE_SHARE = 0.5

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
    t = np.asarray(times_s)
    if t.ndim != 2:
        raise InputValidationError(f"times_s: expected a 2-D matrix, got shape {t.shape}")
    n = t.shape[0]
    if t.shape[1] == 0:
        return Nearest(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
    mask = None if allowed is None else np.broadcast_to(allowed, t.shape)
    best = np.full(n, np.inf)
    idx = np.full(n, -1, dtype=np.int64)
    for s in range(0, n, _ROW_BLOCK):  # row blocks: no copy of the whole matrix
        block = np.asarray(t[s : s + _ROW_BLOCK], dtype=np.float64)
        if mask is not None:
            block = np.where(mask[s : s + _ROW_BLOCK], block, np.inf)
        i = np.argmin(block, axis=1).astype(np.int64)
        best[s : s + block.shape[0]] = block[np.arange(block.shape[0]), i]
        idx[s : s + block.shape[0]] = i
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
        ``unreachable_share`` (population share, or origin share where population is
        unknown, with no route to any point), ``insufficient_coverage`` (more than
        :data:`MAX_UNREACHABLE_SHARE` of it unreachable: the mean describes too few
        people), ``gap`` (mean beyond the threshold, **or** insufficient coverage),
        ``exceeds_by_min`` (NaN when the mean is not beyond), and the same with suffix ``_fa``
        for the FA-region rule (``mean_time_fa_min``, ``worst_time_fa_min``,
        ``share_within_threshold_fa``, ``population_beyond_threshold_fa``,
        ``unreachable_share_fa``, ``insufficient_coverage_fa``, ``gap_fa``,
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
            unreachable = _unreachable_share(minutes, pop)
            insufficient = unreachable > MAX_UNREACHABLE_SHARE
            over = bool(beyond_threshold(mean, threshold))
            # A mean over the few reachable people says nothing about the rest: such a
            # municipality is flagged and counted as a gap, whatever its mean.
            gap = over or insufficient
            row[f"mean_time{suffix}_min"] = mean
            row[f"worst_time{suffix}_min"] = float(minutes.max()) if reachable.all() else np.inf
            row[f"share_within_threshold{suffix}"] = share
            row[f"population_beyond_threshold{suffix}"] = int(pop[~within].sum())
            row[f"unreachable_share{suffix}"] = unreachable
            row[f"insufficient_coverage{suffix}"] = insufficient
            row[f"gap{suffix}"] = gap
            row[f"exceeds_by{suffix}_min"] = (mean - threshold) if over else np.nan
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


_MV_COLUMNS = [
    "origins_served",
    "population_served",
    "population_newly_beyond",
    "municipalities_newly_gap",
    "mean_increase_min",
]

#: Rows per block when reducing a dense matrix (temporaries of ~block x points).
_ROW_BLOCK = 8192


def two_nearest_in_matrix(times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: smallest time, its column (ties: lowest index) and the second-smallest time.

    Partial selection (``argmin`` and ``np.partition`` for the 2 smallest) in row
    blocks: the matrix is neither sorted nor copied whole.

    Returns
    -------
    tuple of numpy.ndarray
        ``best_s`` (float64 seconds), ``best_index`` (int64; as ``np.argmin``, 0 for an
        all-``inf`` row) and ``second_s`` (``inf`` with fewer than 2 columns).
    """
    t = np.asarray(times_s)
    n, m = t.shape
    best = np.full(n, np.inf)
    idx = np.zeros(n, dtype=np.int64)
    second = np.full(n, np.inf)
    if m == 0:
        return best, idx, second
    for s in range(0, n, _ROW_BLOCK):
        block = np.asarray(t[s : s + _ROW_BLOCK], dtype=np.float64)
        i = np.argmin(block, axis=1)
        idx[s : s + block.shape[0]] = i
        best[s : s + block.shape[0]] = block[np.arange(block.shape[0]), i]
        if m > 1:
            second[s : s + block.shape[0]] = np.partition(block, 1, axis=1)[:, 1]
    return best, idx, second


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
        closed), ``municipalities_newly_gap`` (municipalities that become a gap, as
        :func:`municipality_metrics` defines it: population-weighted mean beyond the
        threshold, or mostly unreachable), ``mean_increase_min`` (population-weighted mean
        increase in minutes over the persons it serves).
    """
    t = np.asarray(times_s)
    if t.ndim != 2:
        raise InputValidationError(f"times_s: expected a 2-D matrix, got shape {t.shape}")
    best, idx, second = two_nearest_in_matrix(t)
    return marginal_value_from_nearest(
        best,
        idx,
        second,
        n_points=t.shape[1],
        population=population,
        kommun_kod=kommun_kod,
        threshold_min=threshold_min,
    )


def marginal_value_from_nearest(
    best_s: np.ndarray,
    best_index: np.ndarray,
    second_s: np.ndarray,
    *,
    n_points: int,
    population: np.ndarray,
    kommun_kod: np.ndarray,
    threshold_min: float,
) -> pd.DataFrame:
    """:func:`marginal_value` from each origin's nearest and second-nearest point.

    Parameters
    ----------
    best_s, best_index, second_s
        Per origin: seconds to the nearest point, its index (ignored where ``best_s``
        is ``inf``) and seconds to the second-nearest point (``inf`` if none), e.g.
        from :func:`two_nearest_in_matrix` or multi-source searches.
    n_points
        Number of points.
    population, kommun_kod, threshold_min
        As in :func:`marginal_value`.

    Returns
    -------
    pandas.DataFrame
        As :func:`marginal_value`.
    """
    threshold = check_threshold(threshold_min)
    pop = np.asarray(population, dtype=np.float64)
    best = np.asarray(best_s, dtype=np.float64)
    second = np.asarray(second_s, dtype=np.float64)
    best_idx = np.asarray(best_index, dtype=np.int64)
    kommun = np.asarray(kommun_kod)
    if n_points == 0:
        return pd.DataFrame(columns=_MV_COLUMNS)
    served = np.isfinite(best)
    base_t = best / 60.0
    # Origins per municipality, in their original order (the means below add the same
    # values in the same order as a boolean selection would).
    codes, kinv = np.unique(kommun, return_inverse=True)
    kinv = np.asarray(kinv).ravel()
    korder = np.argsort(kinv, kind="stable")
    kbounds = np.searchsorted(kinv[korder], np.arange(codes.size + 1))
    members = [korder[kbounds[c] : kbounds[c + 1]] for c in range(codes.size)]
    base_gap = np.array([_is_gap(base_t[m], pop[m], threshold) for m in members])
    # Served origins per point.
    sel = np.flatnonzero(served & (best_idx >= 0) & (best_idx < n_points))
    sorder = sel[np.argsort(best_idx[sel], kind="stable")]
    sbounds = np.searchsorted(best_idx[sorder], np.arange(n_points + 1))
    thr = threshold
    out = []
    for j in range(n_points):
        rows = sorder[sbounds[j] : sbounds[j + 1]]  # ascending origin order
        if rows.size == 0:
            out.append((0, 0, 0, 0, 0.0))
            continue
        new_rows = second[rows] / 60.0
        crossed = (base_t[rows] <= thr) & (new_rows > thr)
        newly_gap = 0
        for c in np.unique(kinv[rows]):
            m = members[c]
            new_t = base_t[m].copy()
            hit = np.isin(m, rows)
            new_t[hit] = second[m[hit]] / 60.0
            if not base_gap[c] and _is_gap(new_t, pop[m], thr):
                newly_gap += 1
        inc = new_rows - base_t[rows]
        w = pop[rows]
        if not np.isfinite(inc).all():
            mean_inc = float("inf")
        elif w.sum() > 0:
            mean_inc = float(np.average(inc, weights=w))
        else:
            mean_inc = float(inc.mean())
        out.append(
            (int(rows.size), int(w.sum()), int(pop[rows][crossed].sum()), newly_gap, mean_inc)
        )
    df = pd.DataFrame(out, columns=_MV_COLUMNS)
    df.index.name = "point_index"
    return df


def _unreachable_share(minutes: np.ndarray, pop: np.ndarray) -> float:
    """Population share (origin share where population is unknown) without a route."""
    unreachable = ~np.isfinite(minutes)
    if pop.sum() > 0:
        return float(pop[unreachable].sum() / pop.sum())
    return float(unreachable.mean())


def _is_gap(minutes: np.ndarray, pop: np.ndarray, threshold: float) -> bool:
    """The gap rule of :func:`municipality_metrics` for one municipality's origins."""
    over = bool(beyond_threshold(_weighted_mean(minutes, pop), threshold))
    return over or _unreachable_share(minutes, pop) > MAX_UNREACHABLE_SHARE


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
