"""Scenario scoring: the compiled kernel, the numpy engine and the definition agree,
and all three match the project's own municipality metrics and hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tillganglighet.accessibility import municipality_metrics
from tillganglighet.errors import InputValidationError
from tillganglighet.scenarios.model import KIND_CODE, STAFFED
from tillganglighet.scenarios.scoring import ScoringProblem, score_batch, score_reference

COOP = KIND_CODE["cooperation_municipal"]


def hand_problem() -> ScoringProblem:
    # 4 origins in 2 municipalities (0: origins 0,1; 1: origins 2,3), 3 candidates.
    # FA-regions: municipality 0 in FA 0, municipality 1 in FA 1; candidates 0,1 in FA 0,
    # candidate 2 in FA 1.
    times = np.array(
        [
            [10.0, 50.0, 70.0],
            [30.0, 20.0, 90.0],
            [80.0, 40.0, 65.0],
            [np.inf, 100.0, 5.0],
        ],
        dtype=np.float32,
    )
    staff = np.array([[0.0, 25.0, 80.0], [25.0, 0.0, 61.0], [80.0, 61.0, 0.0]], np.float32)
    return ScoringProblem(
        times_min=times,
        population=np.array([100.0, 300.0, 50.0, 150.0]),
        municipality=np.array([0, 0, 1, 1]),
        origin_fa=np.array([0, 0, 1, 1]),
        candidate_fa=np.array([0, 0, 1]),
        n_municipalities=2,
        municipality_fa=np.array([0, 1]),
        staff_min=staff,
    )


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_hand_worked_example(engine):
    if engine == "numba":
        pytest.importorskip("numba")
    p = hand_problem()
    active = np.array([[True, False, True], [True, True, False]])
    kind = np.array([[STAFFED, COOP, COOP], [STAFFED, COOP, COOP]], dtype=np.int8)
    out = score_batch(p, active, kind, 60.0, engine=engine)
    s = out.summary
    # Scenario 0 (candidates 0 and 2): origin times 10, 30, 65, 5.
    # Municipality 0: (100*10 + 300*30) / 400 = 25; municipality 1: (50*65+150*5)/200 = 20.
    np.testing.assert_allclose(out.municipality_mean_min[0], [25.0, 20.0])
    assert s["municipalities_beyond"][0] == 0
    assert s["population_beyond"][0] == 50.0  # origin 2 at 65 min
    np.testing.assert_allclose(s["mean_time_min"][0], (1000 + 9000 + 3250 + 750) / 600)
    # Sorted times 5(150), 10(100), 30(300), 65(50): cumulative 150, 250, 550 >= 540.
    assert s["p90_time_min"][0] == 30.0
    assert s["worst_municipality"][0] == 0 and s["worst_time_min"][0] == 25.0
    # Staff travel: from candidate 0 (staffed) to candidate 2: 80 min, beyond 60.
    assert s["staff_mean_min"][0] == 80.0 and s["staff_points_beyond"][0] == 1
    # Scenario 1 (candidates 0 and 1): times 10, 20, 40, 100.
    # Municipality 1: (50*40 + 150*100)/200 = 85 > 60.
    np.testing.assert_allclose(out.municipality_mean_min[1], [17.5, 85.0])
    assert s["municipalities_beyond"][1] == 1 and s["worst_municipality"][1] == 1
    assert s["population_beyond"][1] == 150.0
    # FA rule, scenario 1: municipality 1 may only use candidate 2, which is closed:
    # unreachable, infinite mean, all its 200 people beyond.
    assert np.isinf(out.municipality_mean_fa_min[1, 1])
    assert s["population_beyond_fa"][1] == 200.0
    assert s["population_unreachable_fa"][1] == 200.0
    assert s["fa_regions_within_fa"][1] == 1 and s["fa_regions_within"][1] == 1
    assert s["staff_mean_min"][1] == 25.0 and s["staff_max_min"][1] == 25.0


def test_threshold_is_inclusive():
    p = hand_problem()
    active = np.array([True, False, True])
    out = score_batch(p, active, np.zeros(3, np.int8), 65.0)
    assert out.summary["population_beyond"][0] == 0.0  # 65 <= 65 is within
    out = score_batch(p, active, np.zeros(3, np.int8), 64.999)
    assert out.summary["population_beyond"][0] == 50.0


def random_problem(seed: int, n_o: int = 60, n_c: int = 12, n_m: int = 7, n_fa: int = 3):
    rng = np.random.default_rng(seed)
    times = rng.uniform(0, 120, (n_o, n_c)).astype(np.float32)
    times[rng.random((n_o, n_c)) < 0.1] = np.inf
    times = np.round(times, 1)  # ties
    muni = np.concatenate([np.arange(n_m), rng.integers(0, n_m, n_o - n_m)])
    pop = rng.integers(0, 2000, n_o).astype(float)
    pop[muni == 0] = 0.0  # a municipality with unknown population: unweighted mean
    muni_fa = rng.integers(0, n_fa, n_m)
    staff = rng.uniform(0, 90, (n_c, n_c)).astype(np.float32)
    np.fill_diagonal(staff, 0.0)
    return ScoringProblem(
        times_min=times,
        population=pop,
        municipality=muni,
        origin_fa=muni_fa[muni],
        candidate_fa=rng.integers(0, n_fa, n_c),
        n_municipalities=n_m,
        municipality_fa=muni_fa,
        staff_min=staff,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_c", [12, 50])
def test_engines_agree_with_definition(seed, n_c):
    """With 50 candidates the nearest open one often lies beyond the kernel's sorted
    prefix (PREFIX = 16), so its fallback walk is exercised too."""
    pytest.importorskip("numba")
    p = random_problem(seed, n_c=n_c)
    rng = np.random.default_rng(100 + seed)
    active = rng.random((25, p.n_candidates)) < rng.uniform(0.02, 0.9, (25, 1))
    active[0] = False  # nothing open
    kind = rng.choice([STAFFED, COOP], size=active.shape).astype(np.int8)
    thr = rng.uniform(20, 80, 25)
    fast = score_batch(p, active, kind, thr, engine="numba")
    slow = score_batch(p, active, kind, thr, engine="numpy")
    for s in range(25):
        ref = score_reference(p, active[s], kind[s], thr[s])
        for name, col in fast.summary.items():
            np.testing.assert_allclose(col[s], ref[name], rtol=1e-6, err_msg=name)
            np.testing.assert_allclose(slow.summary[name][s], ref[name], rtol=1e-6, err_msg=name)
        np.testing.assert_allclose(
            fast.municipality_mean_min[s], ref["municipality_mean_min"], rtol=1e-5
        )
        np.testing.assert_allclose(
            fast.municipality_mean_fa_min[s], ref["municipality_mean_fa_min"], rtol=1e-5
        )


@pytest.mark.parametrize("seed", range(4))
def test_matches_project_municipality_metrics(seed):
    """The batch scores equal accessibility.municipality_metrics on the same times."""
    p = random_problem(seed)
    rng = np.random.default_rng(seed)
    active = rng.random(p.n_candidates) < 0.5
    out = score_batch(p, active[None], np.zeros(p.n_candidates, np.int8), 45.0)
    t_any = np.where(active[None], p.times_min, np.inf).min(axis=1).astype(float)
    t_fa = np.where(active[None], p.times_fa_min, np.inf).min(axis=1).astype(float)
    origins = pd.DataFrame(
        {
            "kommun_kod": [f"{m:04d}" for m in p.municipality],
            "name": "x",
            "population": p.population,
            "is_largest": False,
            "time_s": t_any * 60.0,
            "time_fa_s": t_fa * 60.0,
        }
    )
    metrics = municipality_metrics(origins, threshold_min=45.0)
    np.testing.assert_allclose(out.municipality_mean_min[0], metrics["mean_time_min"], rtol=1e-5)
    np.testing.assert_allclose(
        out.municipality_mean_fa_min[0], metrics["mean_time_fa_min"], rtol=1e-5
    )
    assert out.summary["municipalities_beyond"][0] == metrics["gap"].sum()
    assert out.summary["municipalities_beyond_fa"][0] == metrics["gap_fa"].sum()
    assert out.summary["population_beyond"][0] == metrics["population_beyond_threshold"].sum()
    assert out.summary["population_beyond_fa"][0] == metrics["population_beyond_threshold_fa"].sum()


@pytest.mark.parametrize("seed", range(4))
def test_p90_is_the_individual_level_percentile(seed):
    """Expanding each origin into its inhabitants gives numpy's inverted-CDF percentile."""
    rng = np.random.default_rng(seed)
    p = random_problem(seed, n_o=40)
    pop = rng.integers(0, 30, p.n_origins).astype(float)
    p = ScoringProblem(
        p.times_min,
        pop,
        p.municipality,
        p.origin_fa,
        p.candidate_fa,
        p.n_municipalities,
        p.municipality_fa,
    )
    active = rng.random(p.n_candidates) < 0.6
    out = score_batch(p, active[None], np.zeros(p.n_candidates, np.int8), 60.0)
    t = np.where(active[None], p.times_min, np.inf).min(axis=1).astype(float)
    people = np.repeat(t, pop.astype(int))
    expected = np.percentile(people, 90, method="inverted_cdf")
    assert out.summary["p90_time_min"][0] == pytest.approx(expected)


def test_rejects_bad_inputs():
    p = hand_problem()
    with pytest.raises(InputValidationError, match="columns"):
        score_batch(p, np.ones((1, 4), bool), np.zeros(4, np.int8), 60.0)
    with pytest.raises(InputValidationError, match="threshold"):
        score_batch(p, np.ones((1, 3), bool), np.zeros(3, np.int8), 0.0)
    with pytest.raises(InputValidationError, match="NaN"):
        ScoringProblem(np.full((1, 1), np.nan), [1.0], [0], [0], [0], 1, [0])
    with pytest.raises(InputValidationError, match="every municipality"):
        ScoringProblem(np.ones((1, 1)), [1.0], [0], [0], [0], 2, [0, 0])
