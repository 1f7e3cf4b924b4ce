"""Location problems on the scenario matrix, solved as MILPs with HiGHS (highspy).

Models are built directly from the arrays (no modelling layer): the origins ×
candidates matrix in minutes, origin population, the municipality of each origin, the
points that stay open (fixed) and the candidates that may be added.

* :func:`set_cover` — **fewest additions** (or cheapest, with costs) so that every
  municipality's population-weighted mean time is within the threshold. Exact for the
  scoring's definition: each origin of a municipality beyond the threshold is assigned
  to an open point no farther than its current nearest (assignment variables ``x``),
  and the mean is linearised as ``sum_i w_i (t_i - T) <= 0`` over the reachable
  origins. Municipalities no candidate set can fix are reported, not forced.
* :func:`max_cover` — **best k additions** (maximal covering): the most people within
  the threshold (origins with time ``<= T``) with at most ``k`` additions.
* :func:`p_median` — optionally, the lowest population-weighted mean time with at
  most ``k`` additions (origins unreachable from every point are left out).
* :func:`pareto_front` — the cost–coverage table for ``k = 0 … K`` (maximal covering
  per ``k``) and :func:`plot_pareto`.

Every result states HiGHS' status and the relative MIP gap (0 when optimal).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _adapters as ad


@dataclass(frozen=True)
class Solution:
    """One solved location problem.

    Attributes
    ----------
    problem
        ``"set_cover"``, ``"max_cover"`` or ``"p_median"``.
    added
        Candidate column indices chosen (sorted).
    objective
        Objective value (additions or SEK; persons covered; person-minutes).
    status
        HiGHS' model status (e.g. ``"Optimal"``, ``"Time limit reached"``).
    optimal
        True when HiGHS proved optimality (within ``mip_rel_gap``).
    mip_gap
        Relative gap between the solution and the bound (0 when optimal).
    bound
        HiGHS' dual bound of the objective.
    seconds
        Wall time to build and solve.
    details
        Problem-specific figures (e.g. ``infeasible_municipalities``).
    """

    problem: str
    added: np.ndarray
    objective: float
    status: str
    optimal: bool
    mip_gap: float
    bound: float
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


_BANNER_DONE: list[bool] = []


def _highs() -> Any:
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Optimisation needs HiGHS: `pip install highspy`") from exc
    if not _BANNER_DONE:
        # HiGHS prints its banner on standard output when the first solver object is
        # created; create that one with file descriptor 1 pointed at /dev/null.
        _BANNER_DONE.append(True)
        _quietly(highspy.Highs)
    return highspy


def _quietly(make: Any) -> None:
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    try:
        saved = os.dup(fd)
    except OSError:
        make()
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        make()
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _solve(
    cost: np.ndarray,
    rows: list[np.ndarray],
    cols: list[np.ndarray],
    vals: list[np.ndarray],
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_hi: np.ndarray,
    integer: np.ndarray,
    *,
    maximise: bool,
    time_limit: float,
    mip_rel_gap: float,
) -> tuple[np.ndarray, float, str, bool, float, float]:
    """Solve ``min/max cost·x`` s.t. ``row_lo <= A x <= row_hi``, ``0 <= x <= col_hi``."""
    import scipy.sparse as sp

    highspy = _highs()
    n_col, n_row = len(cost), len(row_lo)
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    v = np.concatenate(vals) if vals else np.zeros(0)
    a = sp.csc_matrix((v, (r, c)), shape=(n_row, n_col))
    a.sum_duplicates()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.asarray(col_hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_hi, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
    ]
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    h.passModel(lp)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if x.size != n_col:
        x = np.zeros(n_col)
    obj = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if integer.any() else obj
    gap = float(info.mip_gap) if integer.any() else 0.0
    if not np.isfinite(gap) or status == "Optimal":
        gap = 0.0 if status == "Optimal" else gap
    return x, obj, status, status == "Optimal", gap, bound


def _current(times: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    return np.where(fixed[None, :], times, np.inf).min(axis=1, initial=np.inf).astype(float)


def _effective_weights(population: np.ndarray, municipality: np.ndarray) -> np.ndarray:
    pop = np.asarray(population, dtype=float)
    n_m = int(municipality.max()) + 1
    muni_pop = np.bincount(municipality, pop, n_m)
    return np.where(muni_pop[municipality] > 0, pop, 1.0)


def municipality_means(
    times: np.ndarray,
    population: np.ndarray,
    municipality: np.ndarray,
    open_mask: np.ndarray,
    n_municipalities: int,
) -> np.ndarray:
    """Population-weighted mean time (minutes) per municipality with ``open_mask`` open."""
    t = _current(times, np.asarray(open_mask, dtype=bool))
    w = _effective_weights(population, municipality)
    fin = np.isfinite(t)
    s = np.bincount(municipality, np.where(fin, w * t, 0.0), n_municipalities)
    d = np.bincount(municipality, np.where(fin, w, 0.0), n_municipalities)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = s / d
    out[d == 0] = np.inf
    return out


def set_cover(
    times: np.ndarray,
    population: np.ndarray,
    municipality: np.ndarray,
    fixed: np.ndarray,
    eligible: np.ndarray,
    threshold_min: float,
    *,
    cost: np.ndarray | None = None,
    time_limit: float = 300.0,
    mip_rel_gap: float = 0.0,
) -> Solution:
    """Fewest (or cheapest) additions bringing every municipality within the threshold.

    Parameters
    ----------
    times
        ``(n_origins, n_candidates)`` minutes (use the FA-masked matrix for the FA rule).
    population
        ``(n_origins,)`` persons.
    municipality
        ``(n_origins,)`` municipality index.
    fixed
        ``(n_candidates,)`` bool: points open in any case.
    eligible
        ``(n_candidates,)`` bool: candidates that may be added.
    threshold_min
        Minutes; a municipality is within when its mean is ``<=`` this.
    cost
        Optional ``(n_candidates,)`` cost per addition (e.g. SEK per year); default 1.
    time_limit, mip_rel_gap
        HiGHS limits (seconds; relative gap accepted as optimal).

    Returns
    -------
    Solution
        ``details``: ``gap_municipalities`` (indices beyond the threshold before),
        ``constrained_municipalities`` (the gaps plus those whose unreachable origins an
        addition would make reachable, which could raise their mean),
        ``infeasible_municipalities`` (no candidate set brings them within),
        ``variables``, ``constraints``.
    """
    start = time.perf_counter()
    times = np.asarray(times, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    eligible = np.asarray(eligible, dtype=bool) & ~fixed
    thr = ad.check_threshold(threshold_min)
    n_m = int(municipality.max()) + 1
    w = _effective_weights(population, municipality)
    t0 = _current(times, fixed)
    means = municipality_means(times, population, municipality, fixed, n_m)
    gaps = np.flatnonzero(means > thr)
    best_all = municipality_means(times, population, municipality, fixed | eligible, n_m)
    infeasible = [int(m) for m in gaps if not best_all[m] <= thr]
    targets = [int(m) for m in gaps if best_all[m] <= thr]
    cand = np.flatnonzero(eligible)
    # The mean is over reachable origins, so an addition that makes an unreachable
    # origin reachable can raise a municipality's mean: constrain those too.
    newly = ~np.isfinite(t0) & np.isfinite(times[:, cand]).any(axis=1)
    risky = set(np.unique(municipality[newly]).tolist()) - set(gaps.tolist())
    targets += sorted(int(m) for m in risky)
    col_of = {int(j): k for k, j in enumerate(cand)}
    n_y = len(cand)
    costs = [np.ones(n_y) if cost is None else np.asarray(cost, float)[cand]]
    col_hi = [np.ones(n_y)]
    integer = [np.ones(n_y, dtype=bool)]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lo: list[float] = []
    row_hi: list[float] = []
    n_col = n_y
    for m in targets:
        mean_row = len(row_lo)
        row_lo.append(-np.inf)
        row_hi.append(0.0)
        for i in np.flatnonzero(municipality == m):
            better = cand[times[i, cand] < t0[i]]
            if better.size == 0 and not np.isfinite(t0[i]):
                continue  # unreachable whatever is added: not in the mean
            k = better.size
            x_cols = n_col + np.arange(k)
            z_col = n_col + k
            n_col += k + 1
            costs.append(np.zeros(k + 1))
            col_hi.append(np.ones(k + 1))
            integer.append(np.zeros(k + 1, dtype=bool))
            # assignment: sum x + z = 1
            r = len(row_lo)
            row_lo.append(1.0)
            row_hi.append(1.0)
            rows.append(np.full(k + 1, r))
            cols.append(np.append(x_cols, z_col))
            vals.append(np.ones(k + 1))
            # x_ij <= y_j
            for jj, xc in zip(better, x_cols, strict=True):
                r = len(row_lo)
                row_lo.append(-np.inf)
                row_hi.append(0.0)
                rows.append(np.array([r, r]))
                cols.append(np.array([xc, col_of[int(jj)]]))
                vals.append(np.array([1.0, -1.0]))
            # mean: w_i (t - thr) per assignment; an unreachable origin left unassigned
            # does not count in the mean, but must be assigned once a point reaches it.
            coef = list(w[i] * (times[i, better] - thr))
            coef.append(w[i] * (t0[i] - thr) if np.isfinite(t0[i]) else 0.0)
            rows.append(np.full(k + 1, mean_row))
            cols.append(np.append(x_cols, z_col))
            vals.append(np.array(coef))
            if not np.isfinite(t0[i]):
                for jj in better:
                    r = len(row_lo)
                    row_lo.append(-np.inf)
                    row_hi.append(1.0)
                    rows.append(np.array([r, r]))
                    cols.append(np.array([z_col, col_of[int(jj)]]))
                    vals.append(np.array([1.0, 1.0]))
    details = {
        "gap_municipalities": [int(m) for m in gaps],
        "constrained_municipalities": targets,
        "infeasible_municipalities": infeasible,
        "variables": n_col,
        "constraints": len(row_lo),
    }
    if not targets:
        return Solution(
            "set_cover",
            np.zeros(0, np.int64),
            0.0,
            "Optimal",
            True,
            0.0,
            0.0,
            time.perf_counter() - start,
            details,
        )
    x, obj, status, optimal, gap, bound = _solve(
        np.concatenate(costs),
        rows,
        cols,
        vals,
        np.array(row_lo),
        np.array(row_hi),
        np.concatenate(col_hi),
        np.concatenate(integer),
        maximise=False,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
    )
    added = np.sort(cand[x[:n_y] > 0.5])
    return Solution(
        "set_cover", added, obj, status, optimal, gap, bound, time.perf_counter() - start, details
    )


def max_cover(
    times: np.ndarray,
    population: np.ndarray,
    fixed: np.ndarray,
    eligible: np.ndarray,
    threshold_min: float,
    k: int,
    *,
    cost: np.ndarray | None = None,
    budget: float | None = None,
    time_limit: float = 300.0,
    mip_rel_gap: float = 0.0,
) -> Solution:
    """Best ``k`` additions: the most people within the threshold (maximal covering).

    Parameters
    ----------
    times, population, fixed, eligible, threshold_min
        As :func:`set_cover`; an origin is covered when its time is ``<=`` the threshold.
    k
        At most this many additions.
    cost, budget
        Optionally also keep ``sum cost <= budget``.
    time_limit, mip_rel_gap
        HiGHS limits.

    Returns
    -------
    Solution
        ``objective``: persons newly covered; ``details``: ``covered_before``,
        ``covered_after`` (persons), ``variables``, ``constraints``.
    """
    start = time.perf_counter()
    times = np.asarray(times, dtype=np.float64)
    pop = np.asarray(population, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    eligible = np.asarray(eligible, dtype=bool) & ~fixed
    thr = ad.check_threshold(threshold_min)
    if k < 0:
        raise ad.InputValidationError(f"k: must be >= 0, got {k}")
    t0 = _current(times, fixed)
    covered0 = t0 <= thr
    cand = np.flatnonzero(eligible)
    n_y = len(cand)
    reach = times[:, cand] <= thr  # (O, n_y)
    need = np.flatnonzero(~covered0 & reach.any(axis=1) & (pop > 0))
    n_c = len(need)
    cost_vec = np.concatenate([np.zeros(n_y), pop[need]])
    rows, cols, vals = [], [], []
    row_lo, row_hi = [], []
    # c_i - sum_{j covers i} y_j <= 0
    sub = reach[need]
    ii, jj = np.nonzero(sub)
    r_idx = np.arange(n_c)
    rows += [r_idx, ii]
    cols += [n_y + r_idx, jj]
    vals += [np.ones(n_c), -np.ones(ii.size)]
    row_lo += [-np.inf] * n_c
    row_hi += [0.0] * n_c
    r = n_c
    rows.append(np.full(n_y, r))
    cols.append(np.arange(n_y))
    vals.append(np.ones(n_y))
    row_lo.append(-np.inf)
    row_hi.append(float(k))
    if budget is not None:
        r += 1
        rows.append(np.full(n_y, r))
        cols.append(np.arange(n_y))
        vals.append(np.ones(n_y) if cost is None else np.asarray(cost, float)[cand])
        row_lo.append(-np.inf)
        row_hi.append(float(budget))
    integer = np.concatenate([np.ones(n_y, bool), np.zeros(n_c, bool)])
    details: dict[str, Any] = {
        "covered_before": float(pop[covered0].sum()),
        "variables": n_y + n_c,
        "constraints": len(row_lo),
    }
    if n_c == 0 or k == 0 or n_y == 0:
        details["covered_after"] = details["covered_before"]
        return Solution(
            "max_cover",
            np.zeros(0, np.int64),
            0.0,
            "Optimal",
            True,
            0.0,
            0.0,
            time.perf_counter() - start,
            details,
        )
    x, obj, status, optimal, gap, bound = _solve(
        cost_vec,
        rows,
        cols,
        vals,
        np.array(row_lo),
        np.array(row_hi),
        np.ones(n_y + n_c),
        integer,
        maximise=True,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
    )
    added = np.sort(cand[x[:n_y] > 0.5])
    t1 = _current(times, fixed | np.isin(np.arange(times.shape[1]), added))
    details["covered_after"] = float(pop[t1 <= thr].sum())
    return Solution(
        "max_cover", added, obj, status, optimal, gap, bound, time.perf_counter() - start, details
    )


def p_median(
    times: np.ndarray,
    population: np.ndarray,
    fixed: np.ndarray,
    eligible: np.ndarray,
    k: int,
    *,
    time_limit: float = 300.0,
    mip_rel_gap: float = 0.0,
) -> Solution:
    """At most ``k`` additions minimising total person-minutes to the nearest point.

    Origins with no reachable point before the additions are left out (their mean
    contribution is undefined). ``objective``: person-minutes after the additions;
    ``details["mean_time_min"]``: population-weighted mean time of the included origins.
    """
    start = time.perf_counter()
    times = np.asarray(times, dtype=np.float64)
    pop = np.asarray(population, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    eligible = np.asarray(eligible, dtype=bool) & ~fixed
    t0 = _current(times, fixed)
    cand = np.flatnonzero(eligible)
    col_of = {int(j): q for q, j in enumerate(cand)}
    n_y = len(cand)
    included = np.isfinite(t0) & (pop > 0)
    constant = float((pop[included] * t0[included]).sum())
    costs = [np.zeros(n_y)]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lo: list[float] = []
    row_hi: list[float] = []
    n_col = n_y
    for i in np.flatnonzero(included):
        better = cand[times[i, cand] < t0[i]]
        if better.size == 0:
            continue
        kk = better.size
        x_cols = n_col + np.arange(kk)
        n_col += kk
        # sum x <= 1 ; saving (t0 - t_ij) per assignment
        costs.append(pop[i] * (times[i, better] - t0[i]))
        r = len(row_lo)
        rows.append(np.full(kk, r))
        cols.append(x_cols)
        vals.append(np.ones(kk))
        row_lo.append(-np.inf)
        row_hi.append(1.0)
        for jj, xc in zip(better, x_cols, strict=True):
            r = len(row_lo)
            rows.append(np.array([r, r]))
            cols.append(np.array([xc, col_of[int(jj)]]))
            vals.append(np.array([1.0, -1.0]))
            row_lo.append(-np.inf)
            row_hi.append(0.0)
    r = len(row_lo)
    rows.append(np.full(n_y, r))
    cols.append(np.arange(n_y))
    vals.append(np.ones(n_y))
    row_lo.append(-np.inf)
    row_hi.append(float(k))
    integer = np.concatenate([np.ones(n_y, bool), np.zeros(n_col - n_y, bool)])
    details: dict[str, Any] = {
        "variables": n_col,
        "constraints": len(row_lo),
        "person_minutes_before": constant,
    }
    if n_col == n_y or k == 0:
        details["mean_time_min"] = constant / pop[included].sum()
        return Solution(
            "p_median",
            np.zeros(0, np.int64),
            constant,
            "Optimal",
            True,
            0.0,
            constant,
            time.perf_counter() - start,
            details,
        )
    x, obj, status, optimal, gap, bound = _solve(
        np.concatenate(costs),
        rows,
        cols,
        vals,
        np.array(row_lo),
        np.array(row_hi),
        np.ones(n_col),
        integer,
        maximise=False,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
    )
    added = np.sort(cand[x[:n_y] > 0.5])
    details["mean_time_min"] = (constant + obj) / pop[included].sum()
    return Solution(
        "p_median",
        added,
        constant + obj,
        status,
        optimal,
        gap,
        constant + bound,
        time.perf_counter() - start,
        details,
    )


def pareto_front(
    times: np.ndarray,
    population: np.ndarray,
    municipality: np.ndarray,
    fixed: np.ndarray,
    eligible: np.ndarray,
    threshold_min: float,
    k_max: int,
    *,
    cost: np.ndarray | None = None,
    names: list[str] | None = None,
    time_limit: float = 120.0,
) -> pd.DataFrame:
    """Cost–coverage trade-off: the best ``k`` additions for ``k = 0 … k_max``.

    Returns
    -------
    pandas.DataFrame
        One row per ``k``: ``k``, ``population_within`` and ``population_beyond``
        (persons), ``municipalities_beyond`` (mean time above the threshold, computed on
        the chosen network), ``added_cost`` (sum of ``cost`` of the additions, e.g.
        SEK per year), ``added`` (names or indices), ``status``, ``mip_gap``,
        ``seconds``. A row is on the Pareto front when no smaller ``k`` covers as many.
    """
    pop = np.asarray(population, dtype=float)
    n_m = int(municipality.max()) + 1
    rows = []
    for k in range(k_max + 1):
        sol = max_cover(times, pop, fixed, eligible, threshold_min, k, time_limit=time_limit)
        open_mask = fixed.copy()
        open_mask[sol.added] = True
        means = municipality_means(times, pop, municipality, open_mask, n_m)
        t = _current(np.asarray(times, float), open_mask)
        within = float(pop[t <= threshold_min].sum())
        rows.append(
            {
                "k": k,
                "population_within": within,
                "population_beyond": float(pop.sum() - within),
                "municipalities_beyond": int((means > threshold_min).sum()),
                "added_cost": float(0.0 if cost is None else np.asarray(cost)[sol.added].sum()),
                "added": ", ".join(names[j] if names else str(j) for j in sol.added),
                "status": sol.status,
                "mip_gap": sol.mip_gap,
                "seconds": sol.seconds,
            }
        )
    out = pd.DataFrame(rows)
    out["on_front"] = out["population_within"] > out["population_within"].shift(1, fill_value=-1.0)
    return out


def plot_pareto(front: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Plot people beyond the threshold against the number of additions.

    Uses matplotlib (imported here, optional). Without matplotlib, returns an SVG
    document (str) of the same plot, which notebooks show with ``IPython.display.SVG``.
    """
    title = title or "Fler platser, färre personer över riktvärdet"
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return pareto_svg(front, title=title)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(front["k"], front["population_beyond"], marker="o")
    ax.set_xlabel("Antal nya platser (k)")
    ax.set_ylabel("Personer över riktvärdet")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return ax


def pareto_svg(front: pd.DataFrame, *, title: str = "", width: int = 480, height: int = 300) -> str:
    """The Pareto front as a small self-contained SVG (no plotting library needed)."""
    import html

    k = front["k"].to_numpy(dtype=float)
    y = front["population_beyond"].to_numpy(dtype=float)
    left, right, top, bottom = 70, 20, 30, 40
    kx = max(k.max(), 1.0)
    ymax = max(y.max(), 1.0)

    def px(a: float) -> float:
        return left + a / kx * (width - left - right)

    def py(b: float) -> float:
        return height - bottom - b / ymax * (height - top - bottom)

    pts = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(k, y, strict=True))
    dots = "".join(
        f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="3"/>' for a, b in zip(k, y, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">'
        f'<text x="{width / 2}" y="16" text-anchor="middle">{html.escape(title)}</text>'
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" stroke="#000"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#000"/>'
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">Antal nya platser '
        f"(k = 0…{int(kx)})</text>"
        f'<text x="{left - 6}" y="{py(ymax):.1f}" text-anchor="end">{ymax:,.0f}</text>'
        f'<text x="{left - 6}" y="{py(0):.1f}" text-anchor="end">0</text>'
        f'<text x="12" y="{height / 2}" transform="rotate(-90 12 {height / 2})" '
        f'text-anchor="middle">Personer över riktvärdet</text>'
        f'<polyline fill="none" stroke="#2171b5" stroke-width="2" points="{pts}"/>'
        f'<g fill="#2171b5">{dots}</g></svg>'
    )
