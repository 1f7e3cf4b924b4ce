"""The per-file writers: CSV for Swedish Excel, GeoPackage and Parquet types.

Each writer gets a small hand-made table with the awkward cases (unreachable ``inf``,
unknown NaN, dates, formula-like names, negative numbers) and the file is read back
with a reader that knows nothing of the writer (csv module, sqlite3, pyarrow).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from tillganglighet.report import tables

EVIL = ['=HYPERLINK("http://x.invalid","klick")', "+cmd|' /C calc'!A0", "@x", "-x"]


def _frame() -> gpd.GeoDataFrame:
    n = 6
    return gpd.GeoDataFrame(
        {
            "kommun_kod": ["0114", "0115", "0117", "0120", "0123", "0125"],
            "kommun": [*EVIL, "Malung-Sälen", "Åre"],
            "mean_time_min": [12.3456, math.inf, np.nan, -3.5, 60.0, 0.0],
            "mean_time_fa_min": [12.3456, math.inf, math.inf, 1.0, 61.25, 0.0],
            "population": np.arange(n, dtype="int64") * 1000,
            "gap": [False, True, False, False, False, False],
            "as_of": ["2020-12-31"] * n,
            "closure_date": ["2019-05-31", None, "2020-12-01", "", None, "2020-01-01"],
            "rollout_month": ["2020-04"] * n,
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs="EPSG:3006",
    )


def _csv_rows(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_csv_for_swedish_excel(tmp_path):
    path = tmp_path / "t.csv"
    tables._write_csv(_frame(), path)
    rows = _csv_rows(path)
    head, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(head)}
    assert "geometry" not in col
    # Unreachable: empty cell, with an explicit flag right after the time column.
    assert head[col["mean_time_min"] + 1] == "reachable"
    assert head[col["mean_time_fa_min"] + 1] == "reachable_fa"
    assert [r[col["mean_time_min"]] for r in body] == [
        "12,346",
        "",
        "",
        "-3,500",
        "60,000",
        "0,000",
    ]
    assert [r[col["reachable"]] for r in body] == ["True", "False", "True", "True", "True", "True"]
    assert [r[col["reachable_fa"]] for r in body][:3] == ["True", "False", "False"]
    assert "inf" not in path.read_text(encoding="utf-8-sig").lower()
    # Formula-like text is neutralised with a leading quote; numbers are left alone.
    assert [r[col["kommun"]] for r in body] == ["'" + e for e in EVIL] + ["Malung-Sälen", "Åre"]
    assert body[3][col["mean_time_min"]] == "-3,500"
    assert [r[col["as_of"]] for r in body] == ["2020-12-31"] * 6
    # The documented reader gives the values back.
    back = tables.read_output_csv(path)
    assert back["kommun_kod"].tolist() == _frame()["kommun_kod"].tolist()
    assert back["mean_time_min"].iloc[0] == pytest.approx(12.346)
    assert back["reachable"].tolist() == [True, False, True, True, True, True]


def test_gpkg_types_dates_and_null_for_unreachable(tmp_path):
    path = tmp_path / "t.gpkg"
    tables._write_gpkg(_frame(), path, timestamp="2020-12-31T00:00:00Z")
    con = sqlite3.connect(path)
    (sql,) = con.execute("select sql from sqlite_master where name='municipalities'").fetchone()
    assert '"as_of" DATE' in sql and '"closure_date" DATE' in sql
    assert '"reachable" BOOLEAN' in sql and '"mean_time_min" REAL' in sql
    assert '"rollout_month" TEXT' in sql  # a month, not a date
    got = con.execute(
        "select kommun, mean_time_min, reachable, as_of, closure_date from municipalities"
        " order by fid"
    ).fetchall()
    assert got[0] == (EVIL[0], 12.3456, 1, "2020-12-31", "2019-05-31")
    assert got[1][1:3] == (None, 0)  # inf -> NULL, not reachable
    assert got[2][1:3] == (None, 1)  # unknown (NaN) -> NULL, but not unreachable
    assert [g[4] for g in got] == ["2019-05-31", None, "2020-12-01", None, None, "2020-01-01"]
    assert "inf" not in {str(v).lower() for row in got for v in row}


def test_parquet_dates_and_inf(tmp_path):
    path = tmp_path / "t.parquet"
    tables._write_parquet(_frame(), path)
    schema = pq.read_schema(path)
    assert str(schema.field("as_of").type) == "date32[day]"
    assert str(schema.field("closure_date").type) == "date32[day]"
    assert str(schema.field("rollout_month").type) in {"string", "large_string"}
    back = pq.read_table(path).to_pandas()
    assert back["as_of"].iloc[0] == dt.date(2020, 12, 31)
    assert math.isinf(back["mean_time_min"].iloc[1])  # Parquet keeps inf
    assert "reachable" not in back.columns
    assert pd.isna(back["closure_date"].iloc[3])


def test_outputs_of_an_analysis(tmp_path):
    from tillganglighet.analysis import analyze

    result = analyze(threshold_min=30)
    tables.write_outputs(result, tmp_path)
    for name in tables.OUTPUT_FILES:
        if name.endswith(".csv"):
            rows = _csv_rows(tmp_path / name)
            assert len({len(r) for r in rows}) == 1, name  # rectangular with ';'
    muni = tables.read_output_csv(tmp_path / "municipalities.csv")
    expected = result.municipalities.sort_values("kommun_kod")
    np.testing.assert_allclose(
        muni["mean_time_min"], expected["mean_time_min"].round(3), rtol=0, atol=5e-4
    )
    assert (muni["reachable"] == np.isfinite(expected["mean_time_min"].to_numpy())).all()


def _documented() -> dict[str, set[str]]:
    """Columns per table stem from docs/columns.md (sections '## stem, stem (...)')."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "columns.md").read_text("utf-8")
    out: dict[str, set[str]] = {}
    for section in text.split("\n## ")[1:]:
        heading, _, body = section.partition("\n")
        stems = [s.strip() for s in heading.split("(")[0].split(",")]
        cols = set(re.findall(r"^\| `([a-z_]+)` \|", body, re.MULTILINE))
        for stem in stems:
            out[stem] = cols
    return out


def test_every_column_is_documented(tmp_path):
    """docs/columns.md lists exactly the columns of every file written (road and PT)."""
    from test_analysis_pt import _feed

    from tillganglighet.analysis import analyze

    tables.write_outputs(analyze(), tmp_path / "road")
    pt = analyze(gtfs=str(_feed(tmp_path)), pt_date="2026-12-08")
    tables.write_outputs(pt, tmp_path / "pt")
    documented = _documented()
    seen = set()
    for name, path in [
        (n, tmp_path / run / n) for run in ("road", "pt") for n in tables.OUTPUT_FILES
    ]:
        stem, ext = name.split(".")
        if ext == "parquet":
            cols = pq.read_schema(path).names
        elif ext == "csv":
            cols = _csv_rows(path)[0]
        elif ext == "gpkg":
            con = sqlite3.connect(path)
            cols = [r[1] for r in con.execute("pragma table_info('municipalities')")]
            cols = ["geometry" if c == "geom" else c for c in cols if c != "fid"]
        else:
            assert name in ("summary.md", "map.html")
            continue
        assert stem in documented, f"{name}: no section in docs/columns.md"
        missing = [c for c in cols if c not in documented[stem]]
        assert not missing, f"{name}: columns not in docs/columns.md: {missing}"
        seen |= {(stem, c) for c in cols}
    stale = {(s, c) for s, cols in documented.items() for c in cols} - seen
    stale = {(s, c) for s, c in stale if not (s == "by_county" and c == "fa_namn")}
    stale = {(s, c) for s, c in stale if not (s == "by_fa_region" and c == "lan")}
    assert not stale, f"docs/columns.md lists columns no file has: {sorted(stale)}"


def test_readme_and_help_name_every_file():
    from pathlib import Path

    from typer.testing import CliRunner

    from tillganglighet.cli import app

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    help_text = CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"}).output
    for name in tables.OUTPUT_FILES:
        assert name in readme, f"README does not name {name}"
        assert name in help_text, f"analyze --help does not name {name}"
