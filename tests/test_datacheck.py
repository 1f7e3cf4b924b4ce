"""Tests of `tillganglighet data check` and the figure checks behind it."""

from __future__ import annotations

from typer.testing import CliRunner

from tillganglighet.cli import app
from tillganglighet.data.check import _check, all_passed, run_data_check


def test_check_statuses():
    assert _check("x", 5, 5, source="").status == "OK"
    assert _check("x", 5, 4, source="").status == "FAIL"
    documented = _check("x", 5, 4, source="", explained_by=(5, "why"))
    assert documented.status == "DOCUMENTED" and documented.note == "why"
    # An explanation that does not reproduce the report's figure does not excuse it.
    assert _check("x", 5, 4, source="", explained_by=(6, "why")).status == "FAIL"


def test_data_check_reproduces_the_report():
    results = {r.figure: r for r in run_data_check()}
    assert all_passed(list(results.values()))
    assert results["Remaining offices (Bilaga 4)"].found_value == 112
    assert results["Staffed offices (fast bemannade)"].found_value == 88
    assert results["SSC offices with kundtorg by end of 2020"].found_value == 81
    booked = results["Municipalities with booked meetings, end of 2020"]
    assert (booked.report_value, booked.found_value, booked.status) == (208, 207, "DOCUMENTED")
    assert "Sysslebäck" in booked.note
    assert results["Closure places with a service office"].status == "DOCUMENTED"


def test_cli_data_check_exits_zero_and_prints_table():
    result = CliRunner().invoke(app, ["data", "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Remaining offices (Bilaga 4)" in result.output
    assert "0 FAIL" in result.output


def test_cli_help_reads_well():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "data" in result.output


def test_cli_data_check_fails_on_a_failed_figure(monkeypatch):
    from tillganglighet.data import check as datacheck

    def broken():
        return [datacheck.FigureCheck("Remaining offices", 112, 111, "FAIL", "lost a row")]

    monkeypatch.setattr(datacheck, "run_data_check", broken)
    result = CliRunner().invoke(app, ["data", "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "FAIL" in result.output and "lost a row" in result.output


def test_wheel_ships_the_embedded_data(tmp_path):
    """The wheel must carry geodata/ so the default data work outside the checkout."""
    import zipfile
    from pathlib import Path

    import pytest

    builder = pytest.importorskip("hatchling.builders.wheel")
    root = Path(__file__).resolve().parents[1]
    wheel = builder.WheelBuilder(str(root))
    path = next(iter(wheel.build(directory=str(tmp_path), versions=["standard"])))
    names = set(zipfile.ZipFile(path).namelist())
    for required in (
        "tillganglighet/_geodata/README.md",
        "tillganglighet/_geodata/municipalities.parquet",
        "tillganglighet/_geodata/settlements.csv",
        "tillganglighet/_geodata/geocoding_overrides.csv",
        "tillganglighet/_geodata/report/offices_bilaga4.csv",
        "tillganglighet/_geodata/report/closures_bilaga5.csv",
        "tillganglighet/_geodata/report/ssc_rollout_bilaga3.csv",
        "tillganglighet/cli/__init__.py",
        "tillganglighet/py.typed",
    ):
        assert required in names, required


def test_population_rows_check_the_national_and_county_totals(monkeypatch):
    from tillganglighet.data import check as datacheck
    from tillganglighet.data.geodata import official_population

    rows = {r.figure: r for r in datacheck.population_checks()}
    sweden = rows["Population 2020-12-31: Sweden"]
    assert (sweden.report_value, sweden.found_value, sweden.status) == (
        10_379_295,
        10_379_295,
        "OK",
    )
    assert sweden.source.startswith("SCB, Befolkningsstatistik helåret 2020")
    assert rows["Population 2020-12-31: Norrbottens län"].found_value == 249_614
    assert len(rows) == 14 and all(r.status == "OK" for r in rows.values())
    sums = rows["Municipalities whose default origins sum to their population"]
    assert (sums.report_value, sums.found_value) == (290, 290)

    # One person more in Kiruna (county 25) must fail Sweden and Norrbotten, and the
    # origins (built from the untampered file) no longer match Kiruna's figure.
    def tampered():
        pop = official_population()
        pop.loc[pop["kommun_kod"] == "2584", "population"] += 1
        return pop

    monkeypatch.setattr(datacheck, "official_population", tampered)
    failed = {r.figure for r in datacheck.population_checks() if r.status == "FAIL"}
    assert failed == {
        "Population 2020-12-31: Sweden",
        "Population 2020-12-31: Norrbottens län",
        "Municipalities whose default origins sum to their population",
    }
