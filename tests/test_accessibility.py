"""Hand-worked tests of the accessibility metrics and the guideline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tillganglighet import InputValidationError
from tillganglighet.accessibility import (
    marginal_value,
    municipality_metrics,
    nearest_in_matrix,
    relation_to_point,
    time_class,
)

INF = np.inf


def _origins(rows):
    return pd.DataFrame(
        rows, columns=["kommun_kod", "name", "population", "is_largest", "time_s", "time_fa_s"]
    )


def test_nearest_in_matrix_ties_and_masks():
    t = np.array([[300.0, 200.0, 200.0], [INF, INF, INF], [50.0, 10.0, 90.0]])
    n = nearest_in_matrix(t)
    assert n.index.tolist() == [1, -1, 1]  # tie 200/200 -> lowest index
    assert n.time_s.tolist() == [200.0, INF, 10.0]
    allowed = np.array([True, False, True])
    m = nearest_in_matrix(t, allowed)
    assert m.index.tolist() == [2, -1, 0] and m.time_s.tolist() == [200.0, INF, 50.0]


def test_municipality_metrics_hand_worked():
    # Municipality A: town (900 persons) 40 min, village (100) 100 min away.
    # weighted mean = (900*40 + 100*100) / 1000 = 46 min -> no gap at 60.
    # FA rule: nearest in own FA region 70 and 100 min -> mean 73 -> gap by 13 min.
    # Municipality B: one origin 75 min -> gap by 15 min, 500 persons beyond.
    origins = _origins(
        [
            ("A", "Town", 900, True, 40 * 60, 70 * 60),
            ("A", "Village", 100, False, 100 * 60, 100 * 60),
            ("B", "Solo", 500, True, 75 * 60, 75 * 60),
        ]
    )
    m = municipality_metrics(origins, threshold_min=60)
    a, b = m.loc["A"], m.loc["B"]
    assert a["mean_time_min"] == pytest.approx(46.0)
    assert a["worst_time_min"] == pytest.approx(100.0)
    assert a["largest_settlement"] == "Town" and a["largest_settlement_time_min"] == 40
    assert a["share_within_threshold"] == pytest.approx(0.9)
    assert a["population_beyond_threshold"] == 100
    assert not a["gap"] and np.isnan(a["exceeds_by_min"])
    assert a["mean_time_fa_min"] == pytest.approx(73.0)
    assert a["gap_fa"] and a["exceeds_by_fa_min"] == pytest.approx(13.0)
    assert b["gap"] and b["exceeds_by_min"] == pytest.approx(15.0)
    assert b["population_beyond_threshold"] == 500
    # The threshold is configurable: at 45 minutes A becomes a gap by 1 minute.
    m45 = municipality_metrics(origins, threshold_min=45)
    assert m45.loc["A", "gap"] and m45.loc["A", "exceeds_by_min"] == pytest.approx(1.0)


def test_unreachable_is_inf_not_zero():
    origins = _origins(
        [
            ("C", "Mainland", 1000, True, 30 * 60, 30 * 60),
            ("C", "Island", 200, False, INF, INF),
            ("D", "Nowhere", 50, True, INF, INF),
        ]
    )
    m = municipality_metrics(origins, threshold_min=60)
    assert m.loc["C", "mean_time_min"] == pytest.approx(30.0)  # over reachable origins
    assert m.loc["C", "worst_time_min"] == INF
    assert m.loc["C", "population_unreachable"] == 200
    assert m.loc["C", "population_beyond_threshold"] == 200
    assert m.loc["D", "mean_time_min"] == INF and m.loc["D", "gap"]


def test_unknown_population_falls_back_to_unweighted():
    origins = _origins([("E", "Rep point", 0, True, 20 * 60, 20 * 60)])
    m = municipality_metrics(origins, threshold_min=60)
    assert m.loc["E", "mean_time_min"] == pytest.approx(20.0)
    assert m.loc["E", "share_within_threshold"] == 1.0


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), "abc"])
def test_threshold_must_be_positive(bad):
    with pytest.raises(InputValidationError, match="threshold_min"):
        municipality_metrics(_origins([("A", "x", 1, True, 1.0, 1.0)]), threshold_min=bad)


def test_relation_to_point():
    rel = relation_to_point(
        pd.Series(["A", "A", "A", "A", "A"]),
        pd.Series(["A", "B", "C", "D", np.nan]),
        neighbours={("A", "B"), ("B", "A")},
        fa_of={"A": "1", "B": "2", "C": "1", "D": "3"},
    )
    assert rel.tolist() == [
        "same_municipality",
        "neighbouring_municipality",
        "same_fa_region",
        "other",
        "none",
    ]


def test_marginal_value_hand_worked():
    # Origins o0..o2 in municipality K (pop 100 each), o3 in L (pop 50).
    # Points: P0 serves o0, o1; P1 serves o2, o3; P2 is far.
    t = (
        np.array(
            [
                [10.0, 50.0, 200.0],
                [20.0, 70.0, 200.0],
                [90.0, 30.0, 100.0],
                [80.0, 40.0, 65.0],
            ]
        )
        * 60
    )
    pop = np.array([100, 100, 100, 50])
    kommun = np.array(["K", "K", "K", "L"])
    mv = marginal_value(t, population=pop, kommun_kod=kommun, threshold_min=60)
    # Closing P0: o0 -> 50, o1 -> 70 (crosses 60): 100 persons newly beyond.
    # K's mean: before (10+20+30)/3 = 20, after (50+70+30)/3 = 50 -> no new gap.
    assert mv.loc[0].tolist() == [2, 200, 100, 0, pytest.approx(45.0)]
    # Closing P1: o2 -> 90 (crosses), o3 -> 65 (crosses). K: (10+20+90)/3 = 40; L: 65 -> gap.
    assert mv.loc[1, "population_newly_beyond"] == 150
    assert mv.loc[1, "municipalities_newly_gap"] == 1
    assert mv.loc[2, "origins_served"] == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.data())
def test_marginal_value_matches_brute_force(n_o, n_p, data):
    t = (
        np.array(
            data.draw(
                st.lists(
                    st.lists(
                        st.sampled_from([5.0, 30.0, 59.0, 61.0, 90.0, INF]),
                        min_size=n_p,
                        max_size=n_p,
                    ),
                    min_size=n_o,
                    max_size=n_o,
                )
            )
        )
        * 60
    )
    pop = np.array(data.draw(st.lists(st.integers(0, 1000), min_size=n_o, max_size=n_o)))
    kommun = np.array(data.draw(st.lists(st.sampled_from(["A", "B"]), min_size=n_o, max_size=n_o)))
    mv = marginal_value(t, population=pop, kommun_kod=kommun, threshold_min=60)

    def gaps(times):
        o = _origins(
            [
                (k, f"o{i}", p, False, s, s)
                for i, (k, p, s) in enumerate(zip(kommun, pop, times, strict=True))
            ]
        )
        return municipality_metrics(o, threshold_min=60)["gap"]

    base_best = nearest_in_matrix(t)
    base_gap = gaps(base_best.time_s)
    for j in range(n_p):
        keep = np.ones(n_p, bool)
        keep[j] = False
        after = nearest_in_matrix(t[:, keep]).time_s
        served = base_best.index == j
        crossed = served & (base_best.time_s <= 3600) & (after > 3600)
        assert mv.loc[j, "population_newly_beyond"] == pop[crossed].sum()
        new_gap = gaps(np.where(served, after, base_best.time_s))
        assert mv.loc[j, "municipalities_newly_gap"] == int((new_gap & ~base_gap).sum())


def test_time_classes_follow_threshold():
    assert time_class([10, 30, 31, 45, 60, 61, 90, 91, INF], threshold_min=60) == [
        "≤ 30",
        "≤ 30",
        "30–45",
        "30–45",
        "45–60",
        "60–90",
        "60–90",
        "> 90",
        "ej nåbar",
    ]
    assert time_class([29, 31], threshold_min=40) == ["20–30", "30–40"]


# ---------------------------------------------------------------- the threshold rule
@pytest.mark.parametrize(
    ("seconds", "gap", "share"),
    [
        (3600.0, False, 1.0),  # exactly 60.0 min: "at most one hour" -> within
        (3600.6, True, 0.0),  # 60.01 min -> beyond
        (3599.4, False, 1.0),
    ],
)
def test_exactly_on_the_threshold_is_within(seconds, gap, share):
    m = municipality_metrics(
        _origins([("0001", "A", 100, True, seconds, seconds)]), threshold_min=60
    ).loc["0001"]
    assert bool(m["gap"]) is gap and bool(m["gap_fa"]) is gap
    assert m["share_within_threshold"] == share
    assert m["population_beyond_threshold"] == (0 if share == 1.0 else 100)
    assert (m["exceeds_by_min"] > 0) if gap else np.isnan(m["exceeds_by_min"])


def test_marginal_value_uses_the_same_threshold_rule():
    # One origin, nearest point at 50 min, second-nearest at exactly 60 min: closing the
    # nearest leaves it within; at 60.01 min it crosses.
    for second_s, crosses in ((3600.0, 0), (3600.6, 100)):
        mv = marginal_value(
            np.array([[3000.0, second_s]]),
            population=np.array([100]),
            kommun_kod=np.array(["0001"]),
            threshold_min=60,
        )
        assert mv.loc[0, "population_newly_beyond"] == crosses
        assert mv.loc[0, "municipalities_newly_gap"] == (1 if crosses else 0)


# ------------------------------------------------------------------ the time classes
@pytest.mark.parametrize(
    ("threshold", "labels"),
    [
        (60, ["≤ 30", "30–45", "45–60", "60–90", "> 90", "ej nåbar"]),
        (30, ["≤ 15", "15–22.5", "22.5–30", "30–45", "> 45", "ej nåbar"]),
        (90, ["≤ 45", "45–67.5", "67.5–90", "90–135", "> 135", "ej nåbar"]),
        (120, ["≤ 60", "60–90", "90–120", "120–180", "> 180", "ej nåbar"]),
    ],
)
def test_time_classes_scale_with_the_threshold(threshold, labels):
    from tillganglighet.accessibility import time_classes

    classes = time_classes(threshold)
    assert [c.label for c in classes] == labels
    t = threshold
    # Hand-picked values: just inside each class, and exactly on each edge (edge -> class below).
    values = [0, t / 2, t / 2 + 0.1, 0.75 * t, t, t + 0.01, 1.5 * t, 1.5 * t + 1, INF]
    expected = [0, 0, 1, 1, 2, 3, 3, 4, 5]
    assert time_class(np.array(values), threshold_min=t) == [labels[i] for i in expected]


def test_time_class_of_35_min_at_threshold_90():
    """Found in review: the tables called 35 min '30–45' at T=90 while the map said ≤ 45."""
    assert time_class(np.array([35.0]), threshold_min=90) == ["≤ 45"]
