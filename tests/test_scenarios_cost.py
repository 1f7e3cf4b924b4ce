"""Cost model (report figures per point) and the jobseeker rule of Bilaga 2."""

from __future__ import annotations

import numpy as np
import pytest

from tillganglighet.errors import InputValidationError, MissingColumnError
from tillganglighet.scenarios import cost
from tillganglighet.scenarios.model import KIND_CODE, STAFFED


def test_default_figures_are_derived_from_the_report():
    m = cost.CostModel()
    # Footnote 39: ca 8 mkr/year for ca 100 solutions; 80 mkr/year of rent for 126 places.
    assert m.annual_sek["cooperation_municipal"] == pytest.approx(8_000_000 / 100)
    assert m.annual_sek["cooperation_ssc"] == pytest.approx(80_000.0)
    assert m.annual_sek["staffed_office"] == pytest.approx(80_000_000 / 126)
    assert m.annual_sek["visiting_office"] == pytest.approx(634_920.63, abs=0.01)
    assert "footnote 39" in m.sources["staffed_office"]
    table = m.table()
    assert set(table["kind"]) == set(m.annual_sek)


def test_annual_cost_sums_active_points_by_kind():
    m = cost.CostModel()
    kind = np.array([STAFFED, KIND_CODE["cooperation_ssc"], KIND_CODE["visiting_office"]], np.int8)
    active = np.array([[True, True, False], [False, True, True]])
    got = m.annual_cost(active, kind)
    np.testing.assert_allclose(got, [80e6 / 126 + 80_000, 80_000 + 80e6 / 126])


def test_cost_file_overrides_and_errors(tmp_path):
    p = tmp_path / "cost.toml"
    p.write_text("[cost]\nstaffed_office = 1200000\n")
    m = cost.CostModel.from_toml(p)
    assert m.annual_sek["staffed_office"] == 1_200_000
    assert m.sources["staffed_office"] == str(p)
    assert m.annual_sek["visiting_office"] == pytest.approx(80e6 / 126)
    p.write_text("[cost]\nstaffed = 1\n")
    with pytest.raises(InputValidationError, match="unknown kind"):
        cost.CostModel.from_toml(p)
    p.write_text("[cost]\nstaffed_office = -1\n")
    with pytest.raises(InputValidationError, match=">= 0"):
        cost.CostModel.from_toml(p)


def test_jobseeker_rule_flags_municipalities_without_staffed_office(tmp_path):
    # Municipalities 0..2; candidates 0 (muni 0) and 1 (muni 1) and 2 (muni 1).
    kind = np.array([STAFFED, STAFFED, KIND_CODE["cooperation_ssc"]], np.int8)
    active = np.array([[True, False, True], [True, True, True]])
    cand_muni = np.array([0, 1, 1])
    jobseekers = np.array([4001, 5000, 4000])  # more than 4,000 -> needs an office
    breaks = cost.jobseeker_breaks(active, kind, cand_muni, jobseekers)
    assert breaks.tolist() == [[False, True, False], [False, False, False]]


def test_read_jobseekers_names_lines(tmp_path):
    p = tmp_path / "js.csv"
    p.write_text(
        "kommun_kod,kommun,registered_jobseekers\n0180,,45000\n,Arjeplog,120\n"
        "9999,,1\n,Nowhere,2\n0114,,many\n0180,,3\n"
    )
    with pytest.raises(InputValidationError) as exc:
        cost.read_jobseekers(p)
    text = str(exc.value)
    assert f"{p}:4: kommun_kod '9999'" in text
    assert f"{p}:5: kommun 'Nowhere'" in text
    assert f"{p}:6: registered_jobseekers 'many'" in text
    assert f"{p}:7: municipality 0180 listed twice (lines 2, 7)" in text
    p.write_text("kommun_kod,jobseekers\n0180,1\n")
    with pytest.raises(MissingColumnError, match="registered_jobseekers"):
        cost.read_jobseekers(p)
    p.write_text("kommun_kod,kommun,registered_jobseekers\n180,,45000\n,Arjeplog,120\n")
    s = cost.read_jobseekers(p)
    assert s.to_dict() == {"0180": 45000, "2506": 120}
