"""The notebooks in notebooks/ are part of the product: they must run top to bottom."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    # The last cell renders the board map inline, offline (Leaflet inlined into the
    # frame, no script or style from the internet) and with its caveat box.
    import html

    from tillganglighet.report.maps import external_references

    last = nb.cells[-1]["outputs"][-1]
    assert "text/html" in last.get("data", {})
    if path.name != "01_gap_analysis.ipynb":
        return
    frame = last["data"]["text/html"]
    assert frame.startswith("<iframe srcdoc=")
    page = html.unescape(frame.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert external_references(page) == []
    assert 't.version="1.9.3"' in page  # Leaflet itself is in the page
    assert "kollektiva färdmedel" in page and "modellerat vägnät" in page  # the caveat
    # The static plot cell drew a figure (matplotlib, from the notebook extra).
    assert any(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def test_there_is_a_notebook():
    assert any(p.name == "01_gap_analysis.ipynb" for p in NOTEBOOKS)
