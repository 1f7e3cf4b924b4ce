"""Location MILPs (HiGHS) against brute-force enumeration on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tillganglighet.scenarios import optimise as op
from tillganglighet.scenarios.scoring import ScoringProblem, score_reference

pytest.importorskip("highspy")


def instance(seed: int, n_o: int = 30, n_c: int = 9, n_m: int = 5):
    rng = np.random.default_rng(seed)
    # Points on a plane; minutes = distance. Some origins unreachable from some points.
    o = rng.uniform(0, 100, (n_o, 2))
    c = rng.uniform(0, 100, (n_c, 2))
    times = np.hypot(o[:, None, 0] - c[None, :, 0], o[:, None, 1] - c[None, :, 1])
    times[rng.random(times.shape) < 0.08] = np.inf
    muni = np.concatenate([np.arange(n_m), rng.integers(0, n_m, n_o - n_m)])
    pop = rng.integers(1, 1000, n_o).astype(float)
    fixed = np.zeros(n_c, bool)
    fixed[rng.choice(n_c, 2, replace=False)] = True
    return times, pop, muni, fixed, ~fixed


def scores(times, pop, muni, open_mask, thr):
    """Independent evaluation through the scoring definition."""
    n_m = int(muni.max()) + 1
    p = ScoringProblem(
        times.astype(np.float32),
        pop,
        muni,
        np.zeros(len(pop), int),
        np.zeros(times.shape[1], int),
        n_m,
        np.zeros(n_m, int),
    )
    return score_reference(p, open_mask, np.zeros(times.shape[1], np.int8), thr)


def subsets(idx, max_size=None):
    for r in range(len(idx) + 1 if max_size is None else max_size + 1):
        yield from itertools.combinations(idx, r)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("thr", [20.0, 24.0, 35.0])
def test_set_cover_is_the_smallest_fixing_set(seed, thr):
    times, pop, muni, fixed, eligible = instance(seed)
    sol = op.set_cover(times, pop, muni, fixed, eligible, thr)
    assert sol.optimal and sol.mip_gap == 0.0
    cand = np.flatnonzero(eligible)
    all_open = fixed | eligible
    fixable = scores(times, pop, muni, all_open, thr)["municipality_mean_min"] <= thr
    # Municipalities within before must stay within (a newly reachable origin can raise
    # a mean).
    fixable |= scores(times, pop, muni, fixed, thr)["municipality_mean_min"] <= thr
    best = None
    for sub in subsets(cand):
        mask = fixed.copy()
        mask[list(sub)] = True
        means = scores(times, pop, muni, mask, thr)["municipality_mean_min"]
        if np.all(means[fixable] <= thr):
            best = len(sub)
            break
    assert best is not None
    assert len(sol.added) == best
    mask = fixed.copy()
    mask[sol.added] = True
    means = scores(times, pop, muni, mask, thr)["municipality_mean_min"]
    assert np.all(means[fixable] <= thr)
    assert sorted(sol.details["infeasible_municipalities"]) == sorted(
        np.flatnonzero(~fixable).tolist()
    )
    assert set(sol.details["gap_municipalities"]) >= set(sol.details["infeasible_municipalities"])


@pytest.mark.parametrize("seed", range(6))
def test_weighted_set_cover_is_the_cheapest(seed):
    times, pop, muni, fixed, eligible = instance(seed)
    thr = 24.0
    cost = np.random.default_rng(seed).integers(1, 10, times.shape[1]).astype(float)
    sol = op.set_cover(times, pop, muni, fixed, eligible, thr, cost=cost)
    fixable = scores(times, pop, muni, fixed | eligible, thr)["municipality_mean_min"] <= thr
    fixable |= scores(times, pop, muni, fixed, thr)["municipality_mean_min"] <= thr
    best = np.inf
    for sub in subsets(np.flatnonzero(eligible)):
        mask = fixed.copy()
        mask[list(sub)] = True
        if np.all(scores(times, pop, muni, mask, thr)["municipality_mean_min"][fixable] <= thr):
            best = min(best, cost[list(sub)].sum())
    assert sol.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_max_cover_is_the_best_k(seed, k):
    times, pop, muni, fixed, eligible = instance(seed)
    thr = 25.0
    sol = op.max_cover(times, pop, fixed, eligible, thr, k)
    assert sol.optimal
    best = 0.0
    for sub in subsets(np.flatnonzero(eligible), k):
        mask = fixed.copy()
        mask[list(sub)] = True
        beyond = scores(times, pop, muni, mask, thr)["population_beyond"]
        best = max(best, pop.sum() - beyond)
    assert sol.details["covered_after"] == pytest.approx(best)
    assert len(sol.added) <= k


@pytest.mark.parametrize("seed", range(6))
def test_p_median_is_the_best_k_for_mean_time(seed):
    times, pop, _muni, fixed, eligible = instance(seed)
    t0 = np.where(fixed[None], times, np.inf).min(axis=1)
    keep = np.isfinite(t0)
    k = 2
    sol = op.p_median(times, pop, fixed, eligible, k)
    assert sol.optimal
    best = np.inf
    for sub in subsets(np.flatnonzero(eligible), k):
        mask = fixed.copy()
        mask[list(sub)] = True
        t = np.where(mask[None], times, np.inf).min(axis=1)
        best = min(best, float((pop[keep] * t[keep]).sum()))
    assert sol.objective == pytest.approx(best)


def test_pareto_front_is_monotone_and_plots():
    times, pop, muni, fixed, eligible = instance(3)
    front = op.pareto_front(
        times, pop, muni, fixed, eligible, 25.0, 4, cost=np.full(times.shape[1], 80_000.0)
    )
    assert list(front["k"]) == [0, 1, 2, 3, 4]
    assert (np.diff(front["population_within"]) >= 0).all()
    assert front["added_cost"].iloc[2] == pytest.approx(
        80_000.0 * len(front["added"].iloc[2].split(", "))
    )
    svg = op.pareto_svg(front, title="<test>")
    assert svg.startswith("<svg") and "&lt;test&gt;" in svg
