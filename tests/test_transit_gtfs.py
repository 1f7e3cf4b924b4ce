"""GTFS reading: validation messages with file/line/field, bad input, merged feeds."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest
from transit_feeds import FeedSpec

from tillganglighet import transit
from tillganglighet.errors import InputValidationError, MissingColumnError

H = 3600
DATE = dt.date(2026, 3, 10)


def basic(tmp_path: Path, name: str = "feed") -> Path:
    spec = FeedSpec()
    spec.stop("A", 0, 0)
    spec.stop("B", 3000, 0)
    spec.stop("C", 6000, 0)
    spec.service("WD")
    spec.trip(
        "t1",
        [("A", 8 * H, 8 * H), ("B", 8 * H + 300, 8 * H + 330), ("C", 8 * H + 600, 8 * H + 600)],
    )
    spec.trip("t2", [("C", 9 * H, 9 * H), ("A", 9 * H + 600, 9 * H + 600)])
    return spec.write(tmp_path / name)


def edit(path: Path, name: str, old: str, new: str) -> None:
    p = path / name
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(feed: transit.Feed) -> list[str]:
    return [str(i) for i in feed.issues]


def test_reads_folder_and_zip_alike(tmp_path):
    folder = basic(tmp_path)
    spec_zip = FeedSpec()
    spec_zip.stop("A", 0, 0)
    a = transit.read_gtfs(folder)
    with zipfile.ZipFile(tmp_path / "f.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for p in folder.iterdir():
            zf.write(p, f"nested/{p.name}")  # files in a sub-folder of the archive
    b = transit.read_gtfs(tmp_path / "f.zip")
    assert list(a.stop_id) == list(b.stop_id) == ["A", "B", "C"]
    np.testing.assert_array_equal(a.st_arr, b.st_arr)
    assert a.issues == b.issues == []
    assert a.st_arr.tolist() == [8 * H, 8 * H + 300, 8 * H + 600, 9 * H, 9 * H + 600]


def test_missing_file_and_column(tmp_path):
    folder = basic(tmp_path)
    (folder / "routes.txt").unlink()
    with pytest.raises(transit.GTFSError, match=r"routes\.txt"):
        transit.read_gtfs(folder)
    folder = basic(tmp_path, "b")
    edit(folder, "stop_times.txt", "departure_time,", "dep_time,")
    with pytest.raises(MissingColumnError, match=r"stop_times.txt, line 1.*departure_time"):
        transit.read_gtfs(folder)
    folder = basic(tmp_path, "c")
    (folder / "calendar.txt").unlink()
    with pytest.raises(transit.GTFSError, match="calendar"):
        transit.read_gtfs(folder)


def test_times_backwards_reported_with_line_and_trip_dropped(tmp_path):
    folder = basic(tmp_path)
    # t1's second stop (line 3 of stop_times.txt) arrives before the first departs
    edit(folder, "stop_times.txt", "t1,08:05:00,08:05:30,B", "t1,07:55:00,08:05:30,B")
    feed = transit.read_gtfs(folder)
    msgs = messages(feed)
    assert any(
        "stop_times.txt, line 3, field 'arrival_time'" in m and "backwards" in m for m in msgs
    ), msgs
    assert feed.n_stop_times == 2  # only t2 is left


def test_departure_before_arrival_reported(tmp_path):
    folder = basic(tmp_path)
    edit(folder, "stop_times.txt", "t1,08:05:00,08:05:30,B", "t1,08:05:00,08:04:30,B")
    msgs = messages(transit.read_gtfs(folder))
    assert any("stop_times.txt, line 3, field 'departure_time'" in m for m in msgs), msgs


def test_bad_time_and_unknown_ids(tmp_path):
    folder = basic(tmp_path)
    edit(folder, "stop_times.txt", "t2,09:10:00,09:10:00,A", "t2,9h10,09:10:00,X")
    feed = transit.read_gtfs(folder)
    msgs = messages(feed)
    assert any("line 6, field 'stop_id': unknown stop_id" in m for m in msgs), msgs
    assert any("line 6, field 'arrival_time'" in m for m in msgs), msgs
    assert any(
        "trips.txt, line 3, field 'trip_id': trip has a single stop time" in m for m in msgs
    ), msgs


def test_trip_without_stop_times_and_stop_without_coordinates(tmp_path):
    folder = basic(tmp_path)
    with open(folder / "trips.txt", "a", encoding="utf-8") as fh:
        fh.write("R,WD,ghost\n")
    edit(folder, "stops.txt", "B,B,", "B,B,,,0,\nB_old,B_old,")
    feed = transit.read_gtfs(folder)
    msgs = messages(feed)
    assert "warning: trips.txt, line 4, field 'trip_id': trip has no stop_times; ignored" in msgs
    assert any(
        "stops.txt, line 3, field 'stop_lat': stop without coordinates" in m for m in msgs
    ), msgs


def test_blank_lines_do_not_shift_line_numbers(tmp_path):
    folder = basic(tmp_path)
    p = folder / "stop_times.txt"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")  # an empty line 3
    p.write_text("\r\n".join(lines), encoding="utf-8")
    edit(folder, "stop_times.txt", "t2,09:10:00,09:10:00,A", "t2,09:10:00,09:10:00,Q")
    msgs = messages(transit.read_gtfs(folder))
    # t2's second stop is on line 7 now (header, t1 x1, blank, t1 x2, t2 x2)
    assert any("stop_times.txt, line 7, field 'stop_id'" in m for m in msgs), msgs


def test_parent_station_coordinates_inherited(tmp_path):
    folder = basic(tmp_path)
    edit(folder, "stops.txt", "B,B,", "STN,Station,59.5,15.5,1,\nB,B,")
    text = (folder / "stops.txt").read_text(encoding="utf-8").splitlines()
    text = [ln if not ln.startswith("B,") else "B,B,,,0,STN" for ln in text]
    (folder / "stops.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    feed = transit.read_gtfs(folder)
    b = list(feed.stop_id).index("B")
    assert feed.stop_lat[b] == 59.5 and feed.stop_lon[b] == 15.5
    assert feed.stop_parent[b] == list(feed.stop_id).index("STN")
    assert any("parent station's are used" in m for m in messages(feed))


def test_blank_intermediate_times_interpolated(tmp_path):
    folder = basic(tmp_path)
    edit(folder, "stop_times.txt", "t1,08:05:00,08:05:30,B", "t1,,,B")
    feed = transit.read_gtfs(folder)
    assert feed.st_arr[1] == feed.st_dep[1] == 8 * H + 300  # halfway by stop order
    assert any("interpolated" in m for m in messages(feed))


def test_bom_and_encodings(tmp_path):
    folder = basic(tmp_path)
    for name in ("stops.txt", "trips.txt"):
        p = folder / name
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert list(transit.read_gtfs(folder).stop_id) == ["A", "B", "C"]
    edit(folder, "stops.txt", "C,C,", "C,C\u00e4rdal,")
    p = folder / "stops.txt"
    p.write_bytes(p.read_bytes().decode("utf-8-sig").encode("cp1252"))
    with pytest.raises(transit.GTFSError, match=r"stops.txt, line 4: byte 0xe4 is not valid"):
        transit.read_gtfs(folder)
    feed = transit.read_gtfs(folder, encoding="cp1252")
    assert feed.stop_name[2] == "C\u00e4rdal"
    p.write_bytes("stop_id,stop_lat\n".encode("utf-16"))
    with pytest.raises(transit.GTFSError, match="UTF-16"):
        transit.read_gtfs(folder)


def test_corrupt_zip(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(transit.GTFSError, match="not a readable zip"):
        transit.read_gtfs(bad)
    folder = basic(tmp_path)
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    data = bytearray(good.read_bytes())
    # damage the compressed bytes of the first member (agency.txt is not read; stops is)
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("stops.txt")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start, start + info.compress_size):
        data[k] ^= 0x5A
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))
    with pytest.raises(transit.GTFSError, match=r"stops\.txt is corrupt"):
        transit.read_gtfs(broken)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: len(data) // 2])
    with pytest.raises(transit.GTFSError):
        transit.read_gtfs(truncated)


def test_zip_bomb_caps(tmp_path):
    folder = basic(tmp_path)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in folder.iterdir():
            if p.name != "stop_times.txt":
                zf.write(p, p.name)
        header = (folder / "stop_times.txt").read_bytes()
        zf.writestr("stop_times.txt", header + b" " * 50_000_000)
    with pytest.raises(transit.GTFSError, match="zip bomb"):
        transit.read_gtfs(bomb)
    with pytest.raises(transit.GTFSError, match="cap of 100 uncompressed bytes"):
        transit.read_gtfs(folder, max_uncompressed_bytes=100)
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    with pytest.raises(transit.GTFSError, match="uncompressed bytes"):
        transit.read_gtfs(good, max_uncompressed_bytes=300)


def test_meaningless_feed_is_an_error(tmp_path):
    folder = basic(tmp_path)
    p = folder / "stop_times.txt"
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text(
        "\n".join([lines[0]] + [ln.replace(":", ".") for ln in lines[1:]]) + "\n", encoding="utf-8"
    )
    with pytest.raises(transit.GTFSError, match=r"no trip has two usable stop times.*line 2"):
        transit.read_gtfs(folder)
    folder = basic(tmp_path, "b")
    p = folder / "stops.txt"
    p.write_text("stop_id,stop_name\nA,A\nB,B\nC,C\n", encoding="utf-8")
    with pytest.raises(transit.GTFSError, match="no stop has coordinates"):
        transit.read_gtfs(folder)
    folder = basic(tmp_path, "c")
    (folder / "stop_times.txt").write_text(
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n", encoding="utf-8"
    )
    with pytest.raises(InputValidationError, match="nothing can be ridden"):
        transit.read_gtfs(folder)


def test_merged_feeds_keep_ids_apart(tmp_path):
    a = basic(tmp_path, "a")
    b = basic(tmp_path, "b")
    feed = transit.read_gtfs([a, b])
    assert list(feed.stop_id[:3]) == ["feed1:A", "feed1:B", "feed1:C"]
    assert list(feed.stop_id[3:]) == ["feed2:A", "feed2:B", "feed2:C"]
    assert feed.n_trips == 4 and feed.n_stop_times == 10
    assert set(feed.st_stop[5:].tolist()) == {3, 4, 5}
    sd = transit.service_day(feed, DATE)
    assert sd.n_connections == 6
    # both copies of a trip run: the same departures twice, from different stop indices
    assert sorted(sd.dep_stop[sd.dep_s == 8 * H].tolist()) == [0, 3]
    edit(b, "stop_times.txt", "t2,09:10:00,09:10:00,A", "t2,09:10:00,09:10:00,Q")
    msgs = messages(transit.read_gtfs([a, b]))
    assert any(m.startswith("error: feed2:stop_times.txt, line 6") for m in msgs), msgs


def test_calendar_dates_only_feed(tmp_path):
    folder = basic(tmp_path)
    (folder / "calendar.txt").unlink()
    (folder / "calendar_dates.txt").write_text(
        "service_id,date,exception_type\nWD,20260310,1\n", encoding="utf-8"
    )
    feed = transit.read_gtfs(folder)
    assert transit.service_day(feed, DATE).n_connections == 3
    with pytest.raises(transit.GTFSError, match="no service runs on 2026-03-11"):
        transit.service_day(feed, "2026-03-11")


def test_progress_callbacks(tmp_path):
    calls: list[tuple[str, int, int]] = []
    feed = transit.read_gtfs(basic(tmp_path), progress=lambda *a: calls.append(a))
    assert calls[0] == ("read", 0, 8) and calls[-1] == ("read", 8, 8)
    sd = transit.service_day(feed, DATE)
    calls.clear()
    pts = np.column_stack([sd.stop_x[:1], sd.stop_y[:1]])
    transit.arrive_by(sd, pts, pts, [9 * H], progress=lambda *a: calls.append(a))
    assert calls == [("profile", 0, 1), ("profile", 1, 1)]
    calls.clear()
    transit.arrive_by(
        sd, pts, pts, [9 * H, 10 * H], method="scan", progress=lambda *a: calls.append(a)
    )
    assert calls == [("scan", 0, 2), ("scan", 1, 2), ("scan", 2, 2)]
