"""``tillganglighet transit fetch`` and ``transit check`` through the Typer app."""

from __future__ import annotations

import pytest
from transit_feeds import FeedSpec
from transit_http import local_server
from typer.testing import CliRunner

from tillganglighet.cli import app


@pytest.fixture()
def server():
    with local_server() as srv:
        yield srv


KEY = "k3y-value"


def small_feed(tmp_path):
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 1000, 0)
    spec.service("WD")
    for k in range(50):
        spec.trip(
            f"t{k}",
            [
                ("A", 6 * 3600 + 60 * k, 6 * 3600 + 60 * k),
                ("B", 6 * 3600 + 60 * k + 300, 6 * 3600 + 60 * k + 300),
            ],
        )
    spec.trip(
        "r",
        [("A", 7 * 3600, 7 * 3600), ("B", 7 * 3600 + 60, 7 * 3600 + 60)],
        route="BOOK",
        route_type=1501,
    )
    return spec.write(tmp_path / "src", as_zip=True)


def test_fetch_command(server, tmp_path):
    state, base = server
    state.body = small_feed(tmp_path).read_bytes()
    out = tmp_path / "sweden.zip"
    res = CliRunner().invoke(
        app,
        ["transit", "fetch", "--out", str(out), "--base-url", base],
        env={"TRAFIKLAB_API_KEY": KEY, "COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == state.body
    assert "key=***" in res.output and KEY not in res.output
    state.status = 401
    res = CliRunner().invoke(
        app,
        ["transit", "fetch", "--out", str(tmp_path / "x.zip"), "--base-url", base],
        env={"TRAFIKLAB_API_KEY": KEY},
    )
    assert res.exit_code == 1
    assert "HTTP 401" in res.output and KEY not in res.output
    res = CliRunner().invoke(
        app,
        ["transit", "fetch", "--feed", "regional", "--base-url", base],
        env={"TRAFIKLAB_API_KEY": KEY},
    )
    assert res.exit_code == 2 and "operator" in res.output


def test_check_command(tmp_path):
    feed = small_feed(tmp_path)
    res = CliRunner().invoke(
        app, ["transit", "check", str(feed), "--date", "2026-03-10"], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert "2 stops, 51 trips, 102 stop times" in res.output
    assert "50 connections" in res.output and "1 trips" in res.output
    res = CliRunner().invoke(app, ["transit", "check", str(feed), "--date", "2026-03-14"])
    assert res.exit_code == 1 and "no service runs on 2026-03-14" in res.output
