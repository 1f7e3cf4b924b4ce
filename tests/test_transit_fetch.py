"""Feed download against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from transit_feeds import FeedSpec
from transit_http import local_server

from tillganglighet.transit import fetch


@pytest.fixture()
def server():
    with local_server() as srv:
        yield srv


KEY = "s3cr3t-key"


def feed_zip(tmp_path: Path) -> bytes:
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 1000, 0)
    spec.service("WD")
    # enough rows that the zip is a few kB and can be cut in the middle
    for k in range(300):
        spec.trip(
            f"t{k}",
            [
                ("A", 6 * 3600 + 60 * k, 6 * 3600 + 60 * k),
                ("B", 6 * 3600 + 60 * k + 300, 6 * 3600 + 60 * k + 300),
            ],
        )
    return spec.write(tmp_path / "src", as_zip=True).read_bytes()


def test_url_building_and_masking():
    url = fetch.feed_url("sverige2", api_key=KEY)
    assert url == f"https://api.resrobot.se/gtfs/sweden.zip?key={KEY}"
    assert (
        fetch.feed_url("sweden3", api_key="k")
        == "https://opendata.samtrafiken.se/gtfs-sweden/sweden.zip?key=k"
    )
    assert (
        fetch.feed_url("regional", operator="ul", api_key="k")
        == "https://opendata.samtrafiken.se/gtfs/ul/ul.zip?key=k"
    )
    assert fetch.mask_key(url) == "https://api.resrobot.se/gtfs/sweden.zip?key=***"
    with pytest.raises(ValueError, match="operator"):
        fetch.feed_url("regional", api_key="k")
    with pytest.raises(ValueError, match="operator"):
        fetch.feed_url("regional", operator="../x", api_key="k")


def test_download_verifies_and_writes_atomically(server, tmp_path, monkeypatch):
    state, base = server
    state.body = feed_zip(tmp_path)
    monkeypatch.setenv(fetch.ENV_KEY, KEY)
    out = tmp_path / "out"
    out.mkdir()
    lines: list[str] = []
    seen: list[tuple[int, int]] = []
    path = fetch.fetch_feed(
        out / "sweden.zip",
        base_url=base,
        log=lines.append,
        progress=lambda step, done, total: seen.append((done, total)),
    )
    assert path.read_bytes() == state.body
    assert state.requests[0]["path"] == f"/gtfs/sweden.zip?key={KEY}"
    assert lines[0] == f"downloading {base}/gtfs/sweden.zip?key=***"
    assert all(KEY not in ln for ln in lines)
    assert seen[-1] == (len(state.body), len(state.body))
    assert not (out / "sweden.zip.part").exists()


def test_resume_after_a_broken_connection(server, tmp_path):
    state, base = server
    state.body = feed_zip(tmp_path)
    state.cut_after = len(state.body) // 3
    target = tmp_path / "feed.zip"
    with pytest.raises(fetch.FetchError, match=r"broke off after .* resume") as info:
        fetch.fetch_feed(target, api_key=KEY, base_url=base, feed="regional", operator="ul")
    assert KEY not in str(info.value) and "key=***" in str(info.value)
    part = tmp_path / "feed.zip.part"
    assert part.stat().st_size == len(state.body) // 3
    assert not target.exists()
    lines: list[str] = []
    fetch.fetch_feed(
        target, api_key=KEY, base_url=base, feed="regional", operator="ul", log=lines.append
    )
    assert state.requests[-1]["range"] == f"bytes={len(state.body) // 3}-"
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(state.body).digest()
    assert any("resuming at byte" in ln for ln in lines)
    assert not part.exists()


def test_server_without_range_support_restarts_cleanly(server, tmp_path):
    state, base = server
    state.body = feed_zip(tmp_path)
    state.honour_range = False
    target = tmp_path / "feed.zip"
    (tmp_path / "feed.zip.part").write_bytes(b"stale bytes of another download")
    lines: list[str] = []
    fetch.fetch_feed(target, api_key=KEY, base_url=base, log=lines.append)
    assert target.read_bytes() == state.body
    assert any("restarting from the beginning" in ln for ln in lines)


def test_resume_of_a_changed_file_restarts(server, tmp_path):
    state, base = server
    state.body = feed_zip(tmp_path)
    # a partial file from an older, different feed: resuming yields a corrupt zip
    (tmp_path / "feed.zip.part").write_bytes(b"PK\x03\x04" + b"x" * 500)
    lines: list[str] = []
    fetch.fetch_feed(tmp_path / "feed.zip", api_key=KEY, base_url=base, log=lines.append)
    assert (tmp_path / "feed.zip").read_bytes() == state.body
    assert any("not a valid zip; restarting" in ln for ln in lines)


def test_corrupt_download_leaves_nothing(server, tmp_path):
    state, base = server
    good = feed_zip(tmp_path)
    bad = bytearray(good)
    with zipfile.ZipFile(tmp_path / "src.zip") as zf:
        info = zf.getinfo("stop_times.txt")
    off = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    bad[off] ^= 0xFF
    state.body = bytes(bad)
    target = tmp_path / "feed.zip"
    target.write_bytes(b"previous good download")
    with pytest.raises(fetch.FetchError, match="damaged"):
        fetch.fetch_feed(target, api_key=KEY, base_url=base)
    assert target.read_bytes() == b"previous good download"  # untouched
    assert not (tmp_path / "feed.zip.part").exists()
    state.body = b"<html>maintenance</html>"
    with pytest.raises(fetch.FetchError, match="not a readable zip"):
        fetch.fetch_feed(target, api_key=KEY, base_url=base)
    with zipfile.ZipFile(tmp_path / "notgtfs.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    state.body = (tmp_path / "notgtfs.zip").read_bytes()
    with pytest.raises(fetch.FetchError, match="not a GTFS feed"):
        fetch.fetch_feed(target, api_key=KEY, base_url=base)


def test_http_errors_and_missing_key(server, tmp_path, monkeypatch):
    state, base = server
    state.status = 403
    with pytest.raises(fetch.FetchError, match=r"HTTP 403 .*API key") as info:
        fetch.fetch_feed(tmp_path / "f.zip", api_key=KEY, base_url=base)
    assert KEY not in str(info.value)
    monkeypatch.delenv(fetch.ENV_KEY, raising=False)
    with pytest.raises(fetch.FetchError, match="TRAFIKLAB_API_KEY"):
        fetch.fetch_feed(tmp_path / "f.zip", base_url=base)
    with pytest.raises(fetch.FetchError, match="cannot connect"):
        fetch.fetch_feed(tmp_path / "f.zip", api_key=KEY, base_url="http://127.0.0.1:9", timeout=2)
