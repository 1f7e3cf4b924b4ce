"""Scoring named scenarios end to end, checked against the main analysis (re-routing)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tillganglighet as tg
from tillganglighet.cli import app
from tillganglighet.report.maps import external_references
from tillganglighet.scenarios import cost, files, model, run, timeline
from tillganglighet.scenarios.matrix import PTMatrixUnavailableError, build_matrices

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def scored():
    scenarios = files.load_scenarios(EXAMPLES)
    return run.score_scenarios(scenarios)


def test_scenario_means_equal_a_full_analysis(scored):
    """The matrix-once scores equal analyze(), which routes each network afresh (stored
    results keep 4 decimals of a minute)."""
    ref = tg.analyze(as_of="2020-12-31").municipalities
    sub = scored.municipalities[scored.municipalities["scenario"] == "natverk-slutet-2020"]
    np.testing.assert_allclose(sub["mean_time_min"], ref["mean_time_min"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        sub["mean_time_fa_min"], ref["mean_time_fa_min"], rtol=1e-5, atol=1e-4
    )
    # A scenario with closures: analyze() on the same points given explicitly.
    mp = tg.meeting_points("2020-12-31")
    pts = mp[mp["kind"] != "visiting_office"]
    ref = tg.analyze(as_of="2020-12-31", points=pts).municipalities
    sub = scored.municipalities[scored.municipalities["scenario"] == "utan-kontor-vi-reser-till"]
    np.testing.assert_allclose(sub["mean_time_min"], ref["mean_time_min"], rtol=1e-5, atol=1e-4)
    row = scored.ranking.set_index("scenario").loc["utan-kontor-vi-reser-till"]
    assert row["municipalities_beyond_fa"] == int(ref["gap_fa"].sum())
    assert row["population_beyond_fa"] == ref["population_beyond_threshold_fa"].sum()


def test_ranking_and_changes(scored):
    rk = scored.ranking.set_index("scenario")
    assert list(scored.ranking["rank"]) == list(range(1, len(rk) + 1))
    assert (np.diff(scored.ranking["municipalities_beyond_rule"]) >= 0).all()
    # Re-opening the six against the plan without them: same network as end-2020.
    six = rk.loc["sex-aterupprattade"]
    assert six["reference"] == "plan-2019-utan-aterupprattande"
    assert six["annual_cost_change_sek"] == pytest.approx(6 * 80e6 / 126)
    assert six["municipalities_worse"] == 0
    assert six["population_beyond_rule"] == rk.loc["natverk-slutet-2020", "population_beyond_rule"]
    plan = rk.loc["plan-2019-utan-aterupprattande"]
    assert plan["municipalities_worse"] > 0 and plan["max_loss_min"] > 0
    # Per-municipality change = new - reference.
    m = scored.municipalities
    sub = m[m["scenario"] == "plan-2019-utan-aterupprattande"]
    np.testing.assert_allclose(
        sub["change_min"], sub["mean_time_min"] - sub["reference_mean_time_min"]
    )
    ssc = rk.loc["alla-servicekontor-bokade-moten"]
    added = ssc["n_points"] - rk.loc["natverk-slutet-2020", "n_points"]
    assert ssc["annual_cost_change_sek"] == pytest.approx(added * 80_000)
    assert ssc["municipalities_worse"] == 0


def test_jobseeker_rule_in_ranking(tmp_path):
    p = tmp_path / "js.csv"
    # Arjeplog has no staffed office (a visiting office); Stockholm has staffed offices.
    p.write_text("kommun_kod,registered_jobseekers\n2506,4001\n0180,90000\n2584,10\n")
    js = cost.read_jobseekers(p)
    scenarios = files.load_scenarios(ROOT / "scenarios" / "network-end-2020.toml")
    result = run.score_scenarios(scenarios, jobseekers=js)
    row = result.ranking.iloc[0]
    assert row["jobseeker_rule_breaks"] == 1
    assert row["jobseeker_rule_break_municipalities"] == "Arjeplog"
    m = result.municipalities.set_index("kommun_kod")
    assert m.loc["2506", "jobseeker_rule_break"] and not m.loc["0180", "jobseeker_rule_break"]


def test_write_outputs_and_cli_rerun(tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(app, ["scenarios", "score", *map(str, EXAMPLES), "--out", str(out)])
    assert res.exit_code == 0, res.output
    ranking = pd.read_csv(out / "ranking.csv")
    assert len(ranking) == 7
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "ranking.parquet"), ranking, check_dtype=False
    )
    maps = sorted((out / "maps").glob("*.html"))
    assert len(maps) == 7
    page = maps[0].read_text(encoding="utf-8")
    assert external_references(page) == [] and 'lang="sv"' in page
    assert "Förändring av befolkningsviktad restid" in page
    summary = json.loads(next((out / "scenarios").glob("sex-*/summary.json")).read_text())
    assert summary["reference"] == "plan-2019-utan-aterupprattande"
    results = sorted((out / "results").glob("*.json"))
    stamps = {p.name: p.stat().st_mtime_ns for p in results}
    first = {p: (out / p).read_bytes() for p in ("ranking.csv", "municipalities.csv")}
    res = runner.invoke(
        app, ["scenarios", "score", *map(str, EXAMPLES), "--out", str(out), "--no-maps"]
    )
    assert res.exit_code == 0, res.output
    assert {p.name: p.stat().st_mtime_ns for p in results} == stamps  # reused, not rewritten
    assert {p: (out / p).read_bytes() for p in first} == first  # byte-identical tables


def test_cli_reports_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenario]]\nname = "x"\nclose = ["B4-9999"]\n')
    res = CliRunner().invoke(app, ["scenarios", "score", str(bad), "--out", str(tmp_path)])
    assert res.exit_code == 1
    assert f"{bad}:3: close: unknown point 'B4-9999'" in " ".join(res.output.split())


def test_difference_map_escapes_names(tmp_path):
    from tillganglighet.scenarios.maps import difference_map, save_difference_map

    kommuner = tg.municipalities()
    n = len(kommuner)
    m = difference_map(
        kommuner,
        np.full(n, 30.0),
        np.r_[np.full(n - 1, 20.0), np.inf],
        scenario="<script>alert(1)</script>",
        reference="base",
        threshold_min=25,
        rule_sv="närmaste plats",
        network_label_sv="x",
        description="a & b",
    )
    path = save_difference_map(m, tmp_path / "m.html")
    page = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page and "a &amp; b" in page
    assert external_references(page) == []


def test_pt_mode_is_a_clear_error():
    cands = model.candidate_set()
    with pytest.raises(PTMatrixUnavailableError, match="public-transport"):
        build_matrices(cands, mode="pt")


def test_timeline_matches_the_analysis_at_month_ends():
    mats = build_matrices(model.candidate_set())
    table = timeline.timeline_table(mats)
    assert len(table) == 36 and table["month"].iloc[0] == "2019-01"
    assert table["month"].iloc[-1] == "2021-12"
    for month, day in (("2019-11", "2019-11-30"), ("2020-06", "2020-06-30")):
        row = table.set_index("month").loc[month]
        ref = tg.analyze(as_of=day).municipalities
        assert row["points"] == len(tg.meeting_points(day))
        assert row["municipalities_beyond"] == int(ref["gap"].sum())
        assert row["municipalities_beyond_fa"] == int(ref["gap_fa"].sum())
        assert row["population_beyond_fa"] == ref["population_beyond_threshold_fa"].sum()
    assert table["closures"].sum() == 126  # every Bilaga 5 closure is dated
    assert table["re_establishment_decisions"].sum() == 6
    assert table["ssc_service_offices"].sum() == 121
    ev = timeline.events()
    assert set(ev["event"]) >= {"closure", "re-establishment decision", "SSC service office"}


def test_timeline_maps_are_offline(tmp_path):
    mats = build_matrices(model.candidate_set())
    table = timeline.timeline_table(mats)
    path = timeline.timeline_map(mats, table, tmp_path / "t.html")
    page = path.read_text(encoding="utf-8")
    assert external_references(page) == []
    assert 'type="range"' in page and "Antaganden" in page
    months = timeline.milestones(table)
    assert months[0] == "2019-01" and "2020-12" in months
    # The network changes only in milestone months.
    changed = set(table.loc[table["points"].diff().fillna(0) != 0, "month"])
    assert changed <= set(months)
    maps = timeline.milestone_maps(mats, table, tmp_path / "maps")
    assert [p.name for p in maps] == [f"milestone-{m}.html" for m in months]
    assert external_references(maps[-1].read_text(encoding="utf-8")) == []
