"""Displayed minutes and shares never contradict the guideline flag beside them."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillganglighet.report.maps.format import excess_sv, minutes_sv, share_sv

NBSP = "\u00a0"


def _read(text: str) -> tuple[float, bool]:
    found = re.fullmatch(r"(>\s)?(\d+(?:,\d+)?)\smin", text.replace(NBSP, " "))
    assert found, text
    return float(found.group(2).replace(",", ".")), bool(found.group(1))


@pytest.mark.parametrize(
    ("value", "threshold", "shown"),
    [
        (42.4, 60, "42 min"),
        (7.45, 60, "7,5 min"),  # one decimal below 10 minutes
        (60.0, 60, "60 min"),  # exactly the threshold is within
        (59.7, 60, "60 min"),  # within, and reads as within
        (60.2, 60, "60,2 min"),  # over: never "60 min"
        (60.04, 60, "> 60 min"),  # over by less than the display can show
        (60.5, 60, "60,5 min"),  # round-half-even would give 60
        (60.6, 60, "61 min"),
        (22.52, 22.5, "23 min"),  # whole minutes: 23 > 22,5
        (7.52, 7.5, "> 7,5 min"),
        (math.inf, 60, "ej nåbar"),
        (math.nan, 60, "uppgift saknas"),
        (None, 60, "uppgift saknas"),
    ],
)
def test_minutes_hand_worked(value, threshold, shown):
    assert minutes_sv(value, threshold).replace(NBSP, " ") == shown


@given(
    st.floats(min_value=0, max_value=600, allow_nan=False),
    st.sampled_from([20, 22.5, 30, 45, 60, 90]),
)
def test_minutes_agree_with_the_flag(value, threshold):
    number, lower_bound = _read(minutes_sv(value, threshold))
    over = value > threshold
    assert (lower_bound or number > threshold) == over, (value, threshold)
    if lower_bound:
        assert number == threshold


def test_excess_is_never_zero_and_shares_never_round_to_the_ends():
    assert excess_sv(0.2).replace(NBSP, " ") == "0,2 min"
    assert excess_sv(0.04).replace(NBSP, " ") == "< 0,1 min"
    assert excess_sv(12.4).replace(NBSP, " ") == "12 min"
    assert share_sv(0.996).replace(NBSP, " ") == "> 99 %"
    assert share_sv(0.004).replace(NBSP, " ") == "< 1 %"
    assert share_sv(1.0).replace(NBSP, " ") == "100 %"
    assert share_sv(0.0).replace(NBSP, " ") == "0 %"
    assert share_sv(0.5).replace(NBSP, " ") == "50 %"
