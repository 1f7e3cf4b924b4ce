"""The location problems on the national data: tables in, tables out.

Adapters around the array solvers of :mod:`~tillganglighet.scenarios.optimise`: pick
the matrix reading (nearest anywhere, or within the own FA-region), the fixed points (a
base network) and the candidate pool (closed offices, SSC service offices, settlements
above a size), solve, and name the chosen candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _adapters as ad
from . import optimise as op
from .cost import CostModel
from .matrix import Matrices
from .model import ResolvedScenario
from .sweeps import candidate_pool

PROBLEMS = ("set-cover", "max-cover", "p-median", "pareto")


@dataclass(frozen=True)
class Plan:
    """A solved problem with its chosen candidates named.

    Attributes
    ----------
    solution
        The solver's :class:`~tillganglighet.scenarios.optimise.Solution` (None for the
        Pareto table).
    additions
        One row per chosen candidate: ``candidate_id``, ``name``, ``place``,
        ``kommun_kod``, ``kommun``, ``origin``, ``kind``, ``annual_sek``.
    table
        The Pareto table (``pareto``) or a one-row summary.
    """

    solution: op.Solution | None
    additions: pd.DataFrame
    table: pd.DataFrame


def plan(
    matrices: Matrices,
    base: ResolvedScenario,
    problem: str,
    *,
    threshold_min: float = 60.0,
    fa_rule: str = "own_fa_region",
    k: int = 5,
    pool: np.ndarray | None = None,
    cost_model: CostModel | None = None,
    weight_by_cost: bool = False,
    time_limit: float = 300.0,
) -> Plan:
    """Solve one location problem for a base network.

    Parameters
    ----------
    matrices
        The matrices (their candidates include the pool).
    base
        Points that stay open.
    problem
        ``"set-cover"``, ``"max-cover"``, ``"p-median"`` or ``"pareto"`` (k = 0 … k).
    threshold_min
        Minutes.
    fa_rule
        ``"own_fa_region"`` uses only points in the origin's FA-region; ``"anywhere"``.
    k
        Additions for max-cover / p-median; the largest k of the Pareto table.
    pool
        Bool mask of addable candidates (default :func:`~.sweeps.candidate_pool`).
    cost_model
        Annual cost per kind for the additions (default report figures).
    weight_by_cost
        Set cover minimises annual cost instead of the number of additions.
    time_limit
        HiGHS time limit per solve (seconds).

    Returns
    -------
    Plan
    """
    if problem not in PROBLEMS:
        raise ad.InputValidationError(f"problem {problem!r}: use one of {list(PROBLEMS)}")
    p = matrices.problem
    times = p.times_fa_min if fa_rule == "own_fa_region" else p.times_min
    eligible = candidate_pool(matrices.candidates, base) if pool is None else pool & ~base.active
    cm = cost_model or CostModel()
    cost = cm.vector()[matrices.candidates.default_kind_codes()]
    frame = matrices.candidates.frame
    names = frame["name"].tolist()
    if problem == "pareto":
        table = op.pareto_front(
            times,
            p.population,
            p.municipality,
            base.active,
            eligible,
            threshold_min,
            k,
            cost=cost,
            names=names,
            time_limit=time_limit,
        )
        return Plan(None, _additions(matrices, np.zeros(0, np.int64), cost), table)
    if problem == "set-cover":
        sol = op.set_cover(
            times,
            p.population,
            p.municipality,
            base.active,
            eligible,
            threshold_min,
            cost=cost if weight_by_cost else None,
            time_limit=time_limit,
        )
    elif problem == "max-cover":
        sol = op.max_cover(
            times, p.population, base.active, eligible, threshold_min, k, time_limit=time_limit
        )
    else:
        sol = op.p_median(times, p.population, base.active, eligible, k, time_limit=time_limit)
    kommun = matrices.municipalities["kommun"].tolist()
    summary = {
        "problem": problem,
        "fa_rule": fa_rule,
        "threshold_min": threshold_min,
        "k": k if problem != "set-cover" else len(sol.added),
        "additions": len(sol.added),
        "objective": sol.objective,
        "status": sol.status,
        "optimal": sol.optimal,
        "mip_gap": sol.mip_gap,
        "bound": sol.bound,
        "seconds": sol.seconds,
        "annual_cost_sek": float(cost[sol.added].sum()),
        "eligible_candidates": int(eligible.sum()),
    }
    for key in ("gap_municipalities", "infeasible_municipalities"):
        if key in sol.details:
            summary[key] = ", ".join(kommun[m] for m in sol.details[key])
    for key in ("covered_before", "covered_after", "mean_time_min", "variables", "constraints"):
        if key in sol.details:
            summary[key] = sol.details[key]
    return Plan(sol, _additions(matrices, sol.added, cost), pd.DataFrame([summary]))


def _additions(matrices: Matrices, added: np.ndarray, cost: np.ndarray) -> pd.DataFrame:
    frame = matrices.candidates.frame.iloc[added]
    kommun = dict(
        zip(matrices.municipalities["kommun_kod"], matrices.municipalities["kommun"], strict=True)
    )
    return pd.DataFrame(
        {
            "candidate_id": frame["candidate_id"].to_numpy(),
            "name": frame["name"].to_numpy(),
            "place": frame["place"].to_numpy(),
            "kommun_kod": frame["kommun_kod"].to_numpy(),
            "kommun": frame["kommun_kod"].map(kommun).to_numpy(),
            "origin": frame["origin"].to_numpy(),
            "kind": frame["default_kind"].to_numpy(),
            "annual_sek": cost[added],
        }
    )
