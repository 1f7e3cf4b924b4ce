"""The CLI turns bad input files and file-system problems into ``Error: ...``, exit 1.

Every case checks: exit code 1, the offending file named in the output, no exception
escaping the command (``CliRunner`` would swallow a traceback, so the exception object
is checked too), and, for ``analyze``, nothing written to ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tillganglighet.cli import app
from tillganglighet.networks.graph import Network

ENV = {"COLUMNS": "200"}


def _flat(text: str) -> str:
    """The output without whitespace: rich wraps long paths across lines."""
    return "".join(text.split())


def _flat_spaces(text: str) -> str:
    """The output with every run of whitespace (line wraps included) as one space."""
    return " ".join(text.split())


def _assert_clean_failure(res, name: str) -> None:
    assert res.exit_code == 1, res.output
    assert type(res.exception) is SystemExit, repr(res.exception)  # no uncaught exception
    assert "Traceback" not in res.output
    assert "Error:" in res.output
    assert _flat(name) in _flat(res.output), res.output


def _analyze(tmp_path: Path, *args: str):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", "--gtfs", "none", "--out", str(out), *args], env=ENV)
    return res, out


def _assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir())


def _empty_gpkg(path: Path) -> Path:
    gpd.GeoDataFrame(
        {"population": pd.Series([], dtype=float)}, geometry=gpd.GeoSeries([]), crs="EPSG:3006"
    ).to_file(path, driver="GPKG")
    return path


def _bad_population(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "nonexist.csv"
    if kind == "folder":
        (tmp_path / "d.csv").mkdir()
        return tmp_path / "d.csv"
    if kind == "text_gpkg":
        (tmp_path / "bad.gpkg").write_text("not a geopackage\n")
        return tmp_path / "bad.gpkg"
    if kind == "header_only_table":
        (tmp_path / "table.csv").write_text("kommun_kod,population\n")
        return tmp_path / "table.csv"
    if kind == "header_only_grid":
        (tmp_path / "grid.csv").write_text("Ruta,Pop\n")
        return tmp_path / "grid.csv"
    assert kind == "empty_gpkg"
    return _empty_gpkg(tmp_path / "empty.gpkg")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "file not found"),
        ("folder", "is a folder, not a file"),
        ("text_gpkg", "not a readable GeoPackage file"),
        ("header_only_table", "no data rows"),
        ("header_only_grid", "no data rows"),
        ("empty_gpkg", "no data rows"),
    ],
)
def test_analyze_bad_population_file(tmp_path, kind, message):
    path = _bad_population(tmp_path, kind)
    res, out = _analyze(tmp_path, "--population", str(path))
    _assert_clean_failure(res, path.name)
    assert _flat(message) in _flat(res.output)
    _assert_nothing_written(out)


def _bad_network(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "obj.npz"
    if kind == "text":
        path.write_text("this is not a network\n")
        return path
    good = Network.from_edges(
        [0, 1],
        [1, 0],
        travel_time_s=[1.0, 1.0],
        length_m=[1.0, 1.0],
        node_x=[0.0, 1.0],
        node_y=[0.0, 0.0],
        mode="car",
    ).save(tmp_path / "good.npz")
    with np.load(good) as z:
        arrays = dict(z)
    if kind == "float_indices":
        arrays["indices"] = arrays["indices"].astype(float)
    else:
        assert kind == "pickled"
        arrays["indices"] = np.array([object(), object()], dtype=object)
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("kind", ["float_indices", "text", "pickled"])
def test_analyze_bad_network_file(tmp_path, kind):
    path = _bad_network(tmp_path, kind)
    res, out = _analyze(tmp_path, "--network", str(path))
    _assert_clean_failure(res, path.name)
    assert "is not a tillganglighet network file" in _flat_spaces(res.output)
    assert "allow_pickle" not in res.output and "unsafe" not in res.output
    _assert_nothing_written(out)


def test_analyze_os_error_is_reported_without_traceback(tmp_path, monkeypatch):
    def unreadable(path, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("tillganglighet.data.userdata.read_population", unreadable)
    pop = tmp_path / "secret.csv"
    pop.write_text("kommun_kod,population\n0180,1\n")
    res, out = _analyze(tmp_path, "--population", str(pop))
    _assert_clean_failure(res, "secret.csv")
    assert "Permission denied" in res.output
    _assert_nothing_written(out)


def test_analyze_with_cache_dir_that_is_a_file_warns_and_succeeds(tmp_path, monkeypatch):
    cache_file = tmp_path / "cachefile"
    cache_file.write_text("x")
    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(cache_file))
    with pytest.warns(UserWarning, match="could not write the cache entry .*continuing"):
        res, out = _analyze(tmp_path, "--threshold", "45")
    assert res.exit_code == 0, res.output
    assert res.exception is None
    assert any(out.iterdir())
    assert cache_file.read_text() == "x"


# --- network build ----------------------------------------------------------------------


def _build(*args: str):
    return CliRunner().invoke(app, ["network", "build", "--modelled", *args], env=ENV)


def test_network_build_out_is_a_folder(tmp_path):
    (tmp_path / "dir.npz").mkdir()
    res = _build("--out", str(tmp_path / "dir.npz"))
    _assert_clean_failure(res, "dir.npz")
    assert "folder" in res.output


@pytest.mark.parametrize("sub", ["x.npz", "sub/x.npz"])
def test_network_build_out_under_a_file(tmp_path, sub):
    (tmp_path / "afile").write_text("x")
    res = _build("--out", str(tmp_path / "afile" / sub))
    _assert_clean_failure(res, f"afile/{sub}")
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_network_build_out_in_proc():
    res = _build("--out", "/proc/x.npz")
    _assert_clean_failure(res, "/proc/x.npz")


def test_network_build_out_folder_is_created(tmp_path):
    target = tmp_path / "new" / "folder" / "net.npz"
    res = _build("--out", str(target))
    assert res.exit_code == 0, res.output
    assert Network.load(target).mode == "car"


def test_network_build_os_error_is_reported_without_traceback(monkeypatch):
    def broken(**kwargs):
        raise OSError(5, "Input/output error", "/data/modelled.gpkg")

    monkeypatch.setattr("tillganglighet.networks.load.modelled_network", broken)
    res = _build("--no-cache")
    _assert_clean_failure(res, "/data/modelled.gpkg")


def test_network_build_with_cache_dir_that_is_a_file_warns_and_succeeds(tmp_path, monkeypatch):
    cache_file = tmp_path / "cachefile"
    cache_file.write_text("x")
    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(cache_file))
    with pytest.warns(UserWarning, match="could not write the cache entry"):
        res = _build()
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    "args",
    [
        ["network", "build"],  # neither --osm nor --modelled
        ["network", "build", "--modelled", "--mode", "bus"],
        ["analyze", "--threshold", "abc"],
    ],
)
def test_usage_errors_keep_exit_code_2(args):
    res = CliRunner().invoke(app, args, env=ENV)
    assert res.exit_code == 2, res.output
