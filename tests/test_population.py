"""User population data feeding the analysis (SCB grid and per-municipality totals)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tillganglighet.analysis import analyze
from tillganglighet.cli import app
from tillganglighet.data.geodata import origins, settlements
from tillganglighet.data.population import origins_from_population
from tillganglighet.data.userdata import read_population


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
    org = origins_from_population(read_population(grid_csv))
    kiruna = org[org["kommun_kod"] == "2584"]
    assert len(kiruna) == 2 and kiruna["population"].sum() == 18_000
    assert set(kiruna["origin_kind"]) == {"grid_cell"}
    assert kiruna["name"].str.startswith("Kiruna (ruta ").all()
    assert kiruna["is_largest"].sum() == 1
    # Municipalities the grid does not cover keep their GeoNames origins.
    others = org[~org["kommun_kod"].isin({"2584", "2510"})]
    assert set(others["population_source"]) <= {"geonames", "unknown"}
    assert org["kommun_kod"].nunique() == 290


def test_table_rescales_geonames_shares(tmp_path):
    path = tmp_path / "kommuner.csv"
    path.write_text("kommun_kod,population\n2584,22000\n180,1000000\n")
    org = origins_from_population(read_population(path))
    base = origins()
    kiruna, kiruna0 = org[org["kommun_kod"] == "2584"], base[base["kommun_kod"] == "2584"]
    assert kiruna["population"].sum() == 22_000  # largest-remainder rounding keeps totals
    # Proportions of the GeoNames populations are kept.
    share = kiruna.set_index("origin_id")["population"] / 22_000
    share0 = kiruna0.set_index("origin_id")["population"] / kiruna0["population"].sum()
    assert np.allclose(share.sort_index(), share0.sort_index(), atol=1e-3)
    assert set(kiruna["population_source"]) == {"user_table_scaled"}
    assert org.loc[org["kommun_kod"] == "0180", "population"].sum() == 1_000_000
    untouched = org[org["kommun_kod"] == "1480"].set_index("origin_id")["population"]
    assert untouched.equals(base[base["kommun_kod"] == "1480"].set_index("origin_id")["population"])


def test_analysis_with_grid_population(grid_csv):
    res = analyze(population=read_population(grid_csv))
    m = res.municipalities.set_index("kommun_kod")
    assert m.loc["2584", "population"] == 18_000
    assert m.loc["2584", "largest_settlement"].startswith("Kiruna (ruta ")
    assert "user_grid" in res.meta.population_source


def test_cli_population_option(grid_csv, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["analyze", "--population", str(grid_csv), "--out", str(out)], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert "user_grid" in (out / "summary.md").read_text()


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
        org = origins_from_population(read_population(path))
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
