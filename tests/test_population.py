"""User population data feeding the analysis (SCB grid, points, per-municipality totals)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tillganglighet.analysis import analyze
from tillganglighet.cli import app
from tillganglighet.data.geodata import (
    DEFAULT_POPULATION_SOURCE,
    official_population,
    origins,
    settlements,
)
from tillganglighet.data.population import origins_from_population
from tillganglighet.data.userdata import read_population
from tillganglighet.errors import InputValidationError
from tillganglighet.report.tables import read_output_csv


def _cell_id(x: float, y: float, size: int = 1000) -> str:
    return f"{int(x // size * size):06d}{int(y // size * size):07d}"


@pytest.fixture()
def grid_csv(tmp_path):
    st = settlements().set_index("name")
    rows = ["Ruta,Pop"]
    kiruna = st.loc["Kiruna"]
    for dx, pop in ((0, 15000), (2000, 3000), (-3000, 0)):  # a 0-population cell is dropped
        rows.append(f"{_cell_id(kiruna['x_m'] + dx, kiruna['y_m'])},{pop}")
    jokk = st.loc["Jokkmokk"]
    rows.append(f"{_cell_id(jokk['x_m'], jokk['y_m'])},2500")
    path = tmp_path / "grid.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_grid_cells_replace_origins_of_their_municipalities(grid_csv):
    org = origins_from_population(read_population(grid_csv), fill_missing="default")
    kiruna = org[org["kommun_kod"] == "2584"]
    assert len(kiruna) == 2 and kiruna["population"].sum() == 18_000
    assert set(kiruna["origin_kind"]) == {"grid_cell"}
    assert kiruna["name"].str.startswith("Kiruna (ruta ").all()
    assert kiruna["is_largest"].sum() == 1
    # Municipalities the grid does not cover get the default model.
    others = org[~org["kommun_kod"].isin({"2584", "2510"})]
    assert set(others["population_source"]) == {DEFAULT_POPULATION_SOURCE}
    official = official_population().set_index("kommun_kod")["population"]
    sums = others.groupby("kommun_kod")["population"].sum()
    assert sums.equals(official.drop(["2584", "2510"]).rename(sums.name))
    assert org["kommun_kod"].nunique() == 290


def test_partial_grid_is_refused_naming_the_missing_municipalities(grid_csv):
    with pytest.raises(InputValidationError, match=r"288 of 290 municipalities \(0114 Upplands"):
        origins_from_population(read_population(grid_csv))
    with pytest.raises(InputValidationError, match="fill_missing"):
        origins_from_population(read_population(grid_csv), fill_missing="nope")


def test_table_reruns_the_model_with_the_user_totals(tmp_path):
    path = tmp_path / "kommuner.csv"
    path.write_text("kommun_kod,population\n2584,22000\n180,1000000\n")
    with pytest.raises(InputValidationError, match="no population for 288 of 290"):
        origins_from_population(read_population(path))
    org = origins_from_population(read_population(path), fill_missing="default")
    base = origins()
    sums = org.groupby("kommun_kod")["population"].sum()
    assert sums["2584"] == 22_000 and sums["0180"] == 1_000_000
    src = org.groupby("kommun_kod")["population_source"].agg(set)
    assert src["2584"] == {"user_table"} and src["0180"] == {"user_table"}
    assert src.drop(["2584", "0180"]).map(lambda s: s == {DEFAULT_POPULATION_SOURCE}).all()
    # Municipalities not in the table are the default model, origin for origin.
    untouched = org[org["kommun_kod"] == "1480"].set_index("origin_id")["population"]
    assert untouched.equals(base[base["kommun_kod"] == "1480"].set_index("origin_id")["population"])
    # Kiruna's places hold less than 22,000: they keep their GeoNames figures and the
    # rest is dispersed.
    st = settlements()
    gn = st.loc[(st["kommun_kod"] == "2584") & st["section_of"].isna(), "population"]
    kir = org[org["kommun_kod"] == "2584"]
    in_places = kir.loc[kir["origin_kind"] == "settlement", "population"].sum()
    assert abs(in_places - gn.clip(lower=500).sum()) <= len(kir)
    assert kir.loc[kir["origin_kind"] == "dispersed", "population"].sum() == 22_000 - in_places


def test_analysis_with_grid_population(grid_csv):
    res = analyze(population=read_population(grid_csv), fill_missing_population="default")
    m = res.municipalities.set_index("kommun_kod")
    assert m.loc["2584", "population"] == 18_000
    assert m.loc["2584", "largest_settlement"].startswith("Kiruna (ruta ")
    assert m.loc["2584", "population_source"] == "user_grid"
    assert m.loc["0180", "population_source"] == DEFAULT_POPULATION_SOURCE
    assert "user_grid" in res.meta.population_source


def test_cli_population_option(grid_csv, tmp_path):
    out = tmp_path / "out"
    args = ["analyze", "--population", str(grid_csv), "--out", str(out)]
    refused = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert refused.exit_code == 1 and "288 of 290" in refused.output
    res = CliRunner().invoke(app, [*args, "--fill-missing-population"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "user_grid" in (out / "summary.md").read_text()

    muni = read_output_csv(out / "municipalities.csv")
    by = muni.set_index("kommun_kod")["population_source"]
    assert by["2584"] == "user_grid" and by["1480"] == DEFAULT_POPULATION_SOURCE


def test_cli_population_bad_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Ruta,Pop\n12345,10\n")
    res = CliRunner().invoke(
        app,
        ["analyze", "--population", str(bad), "--out", str(tmp_path / "o")],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 1
    assert "bad.csv" in res.output and "line 2" in res.output


def test_grid_covering_a_sliver_of_a_municipality_warns(tmp_path):
    st = settlements().set_index("name")
    sthlm = st.loc["Stockholm"]
    path = tmp_path / "sliver.csv"
    path.write_text(f"Ruta,Pop\n{_cell_id(sthlm['x_m'], sthlm['y_m'])},3\n")
    with pytest.warns(UserWarning, match="clipped"):
        org = origins_from_population(read_population(path), fill_missing="default")
    assert org.loc[org["kommun_kod"] == "0180", "population"].sum() == 3


def test_largest_remainder_rounding_hand_worked():
    """Each municipality keeps its rounded total; leftover persons go to the largest
    remainders, ties to the first row."""
    import pandas as pd

    from tillganglighet.data.population import _largest_remainder

    values = pd.Series([1.5, 1.5, 1.2, 0.9, 2.05, 0.05])
    groups = pd.Series(["A", "A", "A", "B", "B", "B"])
    # A: total 4.2 -> 4; floors 1+1+1 = 3, one person left: remainders .5, .5, .2 -> the
    #    tie between rows 0 and 1 goes to row 0.
    # B: total 3.0 -> 3; floors 0+2+0 = 2, one left: remainders .9, .05, .05 -> row 3.
    out = _largest_remainder(values, groups)
    assert out.tolist() == [2, 1, 1, 1, 2, 0]
