"""Benchmark of the public-transport engine on a synthetic national-size feed.

Run (prints figures; nothing is timed in the unit tests)::

    PYTHONPATH=src python benchmarks/bench_transit.py            # default sizes
    PYTHONPATH=src python benchmarks/bench_transit.py --small    # a quick run

The generator is deliberately simple (another generator with a Sweden-shaped density
knob will replace it): ``--cities`` dense urban grids of stops (400 m spacing) crossed
by straight bus lines every 10 minutes 05:00-24:00 in both directions, rural lines of
12 stops 2-5 km apart from each city outwards with 8 departures a day per direction,
and inter-city rail lines between city centres every 30-60 minutes. Coordinates are
EPSG:3006 inside Sweden's bounding box; stops are written as WGS84 like a real feed.

Measured (one core, numba): feed loading (zip -> Feed -> service day -> footpaths), one
plain read of the connection arrays (the baseline), one backward scan for all origins
(deadline 12:00 and 24:00), 25 meeting times by 25 scans (with and without a 3 h
horizon), the one-pass profile (all meeting times + departures per day), peak memory,
the brute-force reference on a subset (scaled), one search per origin (scaled), and
pynigiri if it is installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DATE = dt.date(2026, 3, 10)  # a Tuesday
H = 3600


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------- generator


def generate(
    path: Path, *, cities: int, lines_per_city: int, rural_per_city: int, seed: int = 1
) -> dict[str, int]:
    """Write a synthetic national feed (zip) and return its sizes."""
    from pyproj import Transformer

    rng = np.random.default_rng(seed)
    to_wgs = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
    sx: list[np.ndarray] = []
    sy: list[np.ndarray] = []
    n_stops = 0
    trips_stops: list[np.ndarray] = []  # stop index sequence per line
    trips_hop: list[np.ndarray] = []  # seconds per hop per line
    line_first: list[int] = []
    line_last: list[int] = []
    line_head: list[int] = []
    line_type: list[int] = []
    centres = np.column_stack(
        [rng.uniform(300_000, 900_000, cities), rng.uniform(6_150_000, 7_600_000, cities)]
    )
    size = np.clip(rng.pareto(1.2, cities) * 8 + 12, 12, 40).astype(int)  # grid side
    central = []
    for c in range(cities):
        k = size[c]
        gx, gy = np.meshgrid(np.arange(k), np.arange(k))
        gx = gx.ravel() * 400.0 + centres[c, 0] - k * 200
        gy = gy.ravel() * 400.0 + centres[c, 1] - k * 200
        base = n_stops
        sx.append(gx + rng.normal(0, 40, gx.size))
        sy.append(gy + rng.normal(0, 40, gy.size))
        n_stops += gx.size
        central.append(base + (k // 2) * k + k // 2)
        for _ in range(lines_per_city):
            ang = rng.uniform(0, np.pi)
            off = rng.uniform(-k * 120, k * 120)
            t = np.arange(-k * 200, k * 200, 400.0)
            px = centres[c, 0] + off * -np.sin(ang) + t * np.cos(ang)
            py = centres[c, 1] + off * np.cos(ang) + t * np.sin(ang)
            ix = np.clip(np.round((px - (centres[c, 0] - k * 200)) / 400), 0, k - 1)
            iy = np.clip(np.round((py - (centres[c, 1] - k * 200)) / 400), 0, k - 1)
            seq = base + (iy * k + ix).astype(np.int64)
            seq = seq[np.concatenate([[True], seq[1:] != seq[:-1]])]
            if len(seq) < 5:
                continue
            seq = seq[:25]
            for direction in (seq, seq[::-1]):
                trips_stops.append(direction)
                trips_hop.append(rng.integers(60, 120, len(direction) - 1))
                line_first.append(5 * H + int(rng.integers(0, 600)))
                line_last.append(24 * H)
                line_head.append(600)
                line_type.append(3)
        for _ in range(rural_per_city):
            m = 12
            ang = rng.uniform(0, 2 * np.pi)
            steps = rng.uniform(2000, 5000, m).cumsum() + k * 200
            rx = centres[c, 0] + steps * np.cos(ang) + rng.normal(0, 500, m)
            ry = centres[c, 1] + steps * np.sin(ang) + rng.normal(0, 500, m)
            sx.append(rx)
            sy.append(ry)
            seq = np.concatenate(
                [[central[c] - int(rng.integers(0, k))], np.arange(n_stops, n_stops + m)]
            )
            n_stops += m
            hop = (
                np.hypot(
                    np.diff(np.concatenate([[centres[c, 0]], rx])),
                    np.diff(np.concatenate([[centres[c, 1]], ry])),
                )
                / 16.0
                + 30
            )
            for direction, h in ((seq, hop), (seq[::-1], hop[::-1])):
                trips_stops.append(direction)
                trips_hop.append(h.astype(np.int64))
                line_first.append(6 * H + int(rng.integers(0, 3600)))
                line_last.append(20 * H)
                line_head.append(2 * H)
                line_type.append(3 if rng.random() > 0.15 else 1501)  # some booked lines
    # rail between city centres
    for _ in range(max(cities, 10)):
        a, b = rng.choice(cities, 2, replace=False)
        seq = np.array([central[a], central[b]])
        d = float(np.hypot(*(centres[a] - centres[b])))
        for direction in (seq, seq[::-1]):
            trips_stops.append(direction)
            trips_hop.append(np.array([int(d / 40.0) + 120]))
            line_first.append(5 * H + int(rng.integers(0, 1800)))
            line_last.append(23 * H)
            line_head.append(int(rng.choice([1800, 3600])))
            line_type.append(2)
    x = np.concatenate(sx)
    y = np.concatenate(sy)
    lon, lat = to_wgs.transform(x, y)

    # expand lines into trips and stop_times (vectorised per line)
    trip_ids, trip_route, st_trip, st_stop, st_seq, st_t = [], [], [], [], [], []
    n_trip = 0
    for ln, (seq, hop) in enumerate(zip(trips_stops, trips_hop, strict=False)):
        starts = np.arange(line_first[ln], line_last[ln], line_head[ln])
        rel = np.concatenate([[0], np.cumsum(hop)])
        nt, ns = len(starts), len(seq)
        st_trip.append(np.repeat(np.arange(n_trip, n_trip + nt), ns))
        st_stop.append(np.tile(seq, nt))
        st_seq.append(np.tile(np.arange(1, ns + 1), nt))
        st_t.append((starts[:, None] + rel[None, :]).ravel())
        trip_route.append(np.full(nt, ln))
        n_trip += nt
        trip_ids.append(nt)
    st_trip_a = np.concatenate(st_trip)
    st_t_a = np.concatenate(st_t)
    files: dict[str, bytes] = {}

    def csv_bytes(table: pa.Table) -> bytes:
        buf = io.BytesIO()
        pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="none"))
        return buf.getvalue()

    def prefixed(prefix: str, ints: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(ints), pa.string()), "")

    def hms(t: np.ndarray) -> pa.Array:
        h = pc.utf8_lpad(pc.cast(pa.array(t // 3600), pa.string()), 2, "0")
        m = pc.utf8_lpad(pc.cast(pa.array(t % 3600 // 60), pa.string()), 2, "0")
        s = pc.utf8_lpad(pc.cast(pa.array(t % 60), pa.string()), 2, "0")
        return pc.binary_join_element_wise(h, m, s, ":")

    files["agency.txt"] = (
        b"agency_id,agency_name,agency_url,agency_timezone\n"
        b"SYN,Synthetic,http://example.invalid,Europe/Stockholm\n"
    )
    files["stops.txt"] = csv_bytes(
        pa.table(
            {
                "stop_id": prefixed("s", np.arange(n_stops)),
                "stop_name": prefixed("Stop ", np.arange(n_stops)),
                "stop_lat": pa.array(np.round(lat, 6)),
                "stop_lon": pa.array(np.round(lon, 6)),
            }
        )
    )
    n_lines = len(trips_stops)
    files["routes.txt"] = csv_bytes(
        pa.table(
            {
                "route_id": prefixed("r", np.arange(n_lines)),
                "agency_id": pa.array(["SYN"] * n_lines),
                "route_short_name": pc.cast(pa.array(np.arange(n_lines)), pa.string()),
                "route_type": pa.array(np.array(line_type)),
            }
        )
    )
    tr_route = np.concatenate(trip_route)
    files["trips.txt"] = csv_bytes(
        pa.table(
            {
                "route_id": prefixed("r", tr_route),
                "service_id": pa.array(["WD"] * n_trip),
                "trip_id": prefixed("t", np.arange(n_trip)),
            }
        )
    )
    times = hms(st_t_a)
    files["stop_times.txt"] = csv_bytes(
        pa.table(
            {
                "trip_id": prefixed("t", st_trip_a),
                "arrival_time": times,
                "departure_time": times,
                "stop_id": prefixed("s", np.concatenate(st_stop)),
                "stop_sequence": pa.array(np.concatenate(st_seq)),
            }
        )
    )
    files["calendar.txt"] = (
        b"service_id,monday,tuesday,wednesday,thursday,friday,saturday,"
        b"sunday,start_date,end_date\nWD,1,1,1,1,1,0,0,20260101,20261231\n"
    )
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    os.replace(tmp, path)
    return {
        "stops": n_stops,
        "trips": n_trip,
        "stop_times": len(st_trip_a),
        "routes": n_lines,
        "zip_bytes": path.stat().st_size,
    }


# ------------------------------------------------------------------------------- timing


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def reversed_day(sd):
    """The service day with time reversed: a backward scan on it is a forward search."""
    from tillganglighet.transit.service import ServiceDay

    order = np.lexsort((sd.trip, -sd.dep_s, -sd.arr_s))
    f = sd.flags[order]
    flags = ((f & 1) << 1 | (f & 2) >> 1).astype(np.int8)
    return ServiceDay(
        date=sd.date,
        dep_stop=sd.arr_stop[order],
        arr_stop=sd.dep_stop[order],
        dep_s=(-sd.arr_s[order]).astype(np.int32),
        arr_s=(-sd.dep_s[order]).astype(np.int32),
        trip=sd.trip[order],
        flags=flags,
        instance_trip=sd.instance_trip,
        stop_x=sd.stop_x,
        stop_y=sd.stop_y,
        stop_id=sd.stop_id,
        served=sd.served,
        booked=sd.booked,
        tr_from=sd.tr_from,
        tr_to=sd.tr_to,
        tr_type=sd.tr_type,
        tr_min_s=sd.tr_min_s,
        crs=sd.crs,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cities", type=int, default=70)
    ap.add_argument("--lines-per-city", type=int, default=20)
    ap.add_argument("--rural-per-city", type=int, default=36)
    ap.add_argument("--origins", type=int, default=1323)
    ap.add_argument("--points", type=int, default=300)
    ap.add_argument("--small", action="store_true", help="a quick run on a small feed")
    ap.add_argument("--feed", type=Path, default=None, help="cache path of the zip")
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument("--skip-pynigiri", action="store_true")
    ap.add_argument("--pynigiri-only", action="store_true")
    ap.add_argument(
        "--sweden",
        action="store_true",
        help="use the Sweden-shaped modelled national timetable at the benchmark density "
        "(transit.modelled.write_benchmark_feed: >= 48,000 stops, >= 5 M stop_times)",
    )
    args = ap.parse_args()
    if args.small:
        args.cities, args.lines_per_city, args.rural_per_city = 6, 10, 10
    feed_path = args.feed or Path(
        f"/tmp/tg_synth_{args.cities}_{args.lines_per_city}_{args.rural_per_city}.zip"
    )
    if args.sweden and args.feed is None:
        feed_path = Path("/tmp/tg_sweden_benchmark_feed.zip")
    if args.generate_only and args.sweden:
        from tillganglighet.transit.modelled import write_benchmark_feed

        out, seconds = write_benchmark_feed(feed_path)
        print(f"generated the Sweden-shaped benchmark feed {out} in {seconds:.1f} s")
        return
    if args.generate_only:
        t0 = time.perf_counter()
        sizes = generate(
            feed_path,
            cities=args.cities,
            lines_per_city=args.lines_per_city,
            rural_per_city=args.rural_per_city,
        )
        print(f"generated {feed_path} in {time.perf_counter() - t0:.1f} s: {sizes}")
        return
    if not feed_path.exists():
        # generate in a child process so that its memory does not count as ours
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate-only",
                "--feed",
                str(feed_path),
                "--cities",
                str(args.cities),
                "--lines-per-city",
                str(args.lines_per_city),
                "--rural-per-city",
                str(args.rural_per_city),
                *(["--sweden"] if args.sweden else []),
            ],
            check=True,
        )
    from tillganglighet import transit
    from tillganglighet.transit import kernel
    from tillganglighet.transit.engine import _Workspace
    from tillganglighet.transit.walk import access_csr, direct_walk, egress_per_stop

    print(f"# feed {feed_path} ({feed_path.stat().st_size / 1e6:.1f} MB zipped)")
    rss0 = rss_mb()
    t0 = time.perf_counter()
    feed = transit.read_gtfs(feed_path)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    sd = transit.service_day(feed, DATE)
    t_day = time.perf_counter() - t0
    walk = transit.WalkParams()
    t0 = time.perf_counter()
    fp = transit.footpaths(sd, walk)
    t_fp = time.perf_counter() - t0
    print(
        f"stops {feed.n_stops:,}  trips {feed.n_trips:,}  stop_times {feed.n_stop_times:,}  "
        f"connections on {DATE} {sd.n_connections:,}  footpaths {fp.n_edges:,}"
    )
    print(
        f"booked services excluded: {sd.booked.trips:,} trips, {sd.booked.stops:,} stops "
        "served only by them"
    )
    print(
        f"load: read_gtfs {t_read:.2f} s, service_day {t_day:.2f} s, footpaths {t_fp:.2f} s"
        f" (peak RSS {rss_mb():,.0f} MB, {rss_mb() - rss0:,.0f} MB above start)"
    )

    rng = np.random.default_rng(5)
    served = np.flatnonzero(sd.served & np.isfinite(sd.stop_x))
    if args.pynigiri_only:
        ppick = served[rng.choice(len(served), args.points, replace=False)]
        points = np.column_stack([sd.stop_x[ppick], sd.stop_y[ppick]])
        pynigiri_try(feed_path, feed, sd, points[:0], points)
        return
    pick = served[rng.choice(len(served), args.origins, replace=False)]
    origins = np.column_stack([sd.stop_x[pick], sd.stop_y[pick]]) + rng.uniform(
        -1500, 1500, (args.origins, 2)
    )
    ppick = served[rng.choice(len(served), args.points, replace=False)]
    points = np.column_stack([sd.stop_x[ppick], sd.stop_y[ppick]]) + rng.uniform(
        -200, 200, (args.points, 2)
    )
    eg_dur, eg_pt = egress_per_stop(points, sd.stop_x, sd.stop_y, sd.served, walk, fp)
    acc = access_csr(origins, sd.stop_x, sd.stop_y, sd.served, walk)
    w_dur, w_pt = direct_walk(origins, points, walk)
    ws = _Workspace(sd)
    cols = (sd.dep_stop, sd.arr_stop, sd.dep_s, sd.arr_s, sd.trip, sd.flags)
    kernel.read_connections(*cols)
    t_plain = best_of(lambda: kernel.read_connections(*cols), 5)

    def scan(T: int, horizon: float | None = None) -> None:
        ws.scan(sd, fp, eg_dur, eg_pt, T, horizon)

    scan(12 * H)
    t_noon = best_of(lambda: scan(12 * H))
    t_day_scan = best_of(lambda: scan(24 * H))
    out = np.empty(len(origins))
    opt = np.empty(len(origins), np.int32)
    t_orig = best_of(
        lambda: kernel.origins_from_ready(
            ws.ready, ws.ready_pt, *acc, w_dur, w_pt, np.int32(12 * H), out, opt
        )
    )
    n_noon = int(np.searchsorted(sd.dep_s, 12 * H, side="right"))
    print(f"plain read of the {sd.n_connections:,} connections: {t_plain * 1e3:.1f} ms")
    print(
        f"one backward scan, all origins: deadline 12:00 ({n_noon:,} connections) "
        f"{t_noon * 1e3:.1f} ms = {t_noon / t_plain:.1f}x the plain read; deadline 24:00 "
        f"{t_day_scan * 1e3:.1f} ms = {t_day_scan / t_plain:.1f}x; reading "
        f"{len(origins):,} origins {t_orig * 1e3:.2f} ms"
    )
    times = transit.meeting_times()
    transit.arrive_by(sd, origins[:10], points, times[:2], method="scan")  # warm-up
    t0 = time.perf_counter()
    r_scan = transit.arrive_by(sd, origins, points, times, method="scan")
    t_25 = time.perf_counter() - t0
    t0 = time.perf_counter()
    r_scan_h = transit.arrive_by(sd, origins, points, times, method="scan", horizon_s=3 * H)
    t_25h = time.perf_counter() - t0
    print(f"25 meeting times by 25 scans: {t_25:.2f} s (with a 3 h horizon {t_25h:.2f} s)")
    transit.arrive_by(sd, origins[:10], points, times[:2])  # warm-up (compile)
    t0 = time.perf_counter()
    r_prof = transit.arrive_by(sd, origins, points, times)
    t_prof = time.perf_counter() - t0
    same = np.array_equal(r_prof.travel_s, r_scan.travel_s)
    print(
        f"profile (25 meeting times + departures/day, one pass over the day): {t_prof:.2f} s "
        f"(scan {r_prof.timings['scan']:.2f} s, origins {r_prof.timings['origins']:.2f} s); "
        f"equals the 25 scans: {same}; peak RSS {rss_mb():,.0f} MB"
    )
    within = np.isfinite(r_prof.median_s) & (r_prof.median_s <= 3600)
    print(
        f"  origins with median <= 60 min: {within.sum():,} / {len(origins):,}; median "
        f"departures/day {np.median(r_prof.departures_per_day):.0f}; horizon changes "
        f"{int((r_scan_h.travel_s != r_scan.travel_s).sum()):,} cells (journeys > 3 h)"
    )

    # one search per origin: a forward profile from the origin (backward on reversed time)
    rev = reversed_day(sd)
    rev_fp = transit.walk.build_footpaths(sd.stop_x, sd.stop_y, sd.served, walk)
    # reversed footpaths: CSR over the source stop instead of the target
    a_src = np.repeat(np.arange(sd.n_stops), np.diff(rev_fp.indptr))
    b = rev_fp.src
    order = np.lexsort((a_src, b))
    indptr = np.zeros(sd.n_stops + 1, np.int64)
    np.add.at(indptr, b[order] + 1, 1)
    rfp = transit.walk.Footpaths(
        np.cumsum(indptr), a_src[order].astype(np.int32), rev_fp.dur[order], rev_fp.change_s
    )
    n_per = 10
    t0 = time.perf_counter()
    for o in range(n_per):
        lo, hi = acc[0][o], acc[0][o + 1]
        e_dur = np.full(sd.n_stops, 2**30, np.int32)
        e_pt = np.full(sd.n_stops, -1, np.int32)
        e_dur[acc[1][lo:hi]] = acc[2][lo:hi]
        e_pt[acc[1][lo:hi]] = 0
        transit.engine.profile(rev, rfp, e_dur, e_pt)
    t_per = (time.perf_counter() - t0) / n_per
    print(
        f"one search per origin (forward profile from the origin, same kernel): "
        f"{t_per:.2f} s each -> {t_per * len(origins):,.0f} s for {len(origins):,} origins, "
        f"{t_per * len(origins) / t_prof:,.0f}x the all-origins profile"
    )

    # brute force on a subset: connections of the first few cities' stops, scaled
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from transit_reference import Reference, Walk, conns_from_arrays

    sub_stops = np.zeros(sd.n_stops, bool)
    sub_stops[: int(np.searchsorted(np.cumsum(sd.served), 300))] = True
    keep = sub_stops[sd.dep_stop] & sub_stops[sd.arr_stop]
    from tillganglighet.transit.service import ServiceDay

    sub = ServiceDay(
        date=sd.date,
        dep_stop=sd.dep_stop[keep],
        arr_stop=sd.arr_stop[keep],
        dep_s=sd.dep_s[keep],
        arr_s=sd.arr_s[keep],
        trip=sd.trip[keep],
        flags=sd.flags[keep],
        instance_trip=sd.instance_trip,
        stop_x=sd.stop_x,
        stop_y=sd.stop_y,
        stop_id=sd.stop_id,
        served=sd.served & sub_stops,
        booked=sd.booked,
        tr_from=sd.tr_from,
        tr_to=sd.tr_to,
        tr_type=sd.tr_type,
        tr_min_s=sd.tr_min_s,
    )
    sub_ok = np.flatnonzero(sub.served)
    so = np.column_stack([sd.stop_x[sub_ok[:40]], sd.stop_y[sub_ok[:40]]]) + 150.0
    spts = np.column_stack([sd.stop_x[sub_ok[[3, 200]]], sd.stop_y[sub_ok[[3, 200]]]])
    t0 = time.perf_counter()
    ref = Reference(conns_from_arrays(sub), np.column_stack([sd.stop_x, sd.stop_y]), Walk())
    bf = ref.arrive_by(so, spts, 12 * H)
    t_bf = time.perf_counter() - t0
    eng = transit.arrive_by(sub, so, spts, [12 * H], method="scan")
    agree = np.array_equal(eng.travel_s[:, 0], bf)
    t_eng = best_of(lambda: transit.arrive_by(sub, so, spts, [12 * H], method="scan"))
    scale = sd.n_connections / max(sub.n_connections, 1)
    print(
        f"brute force (networkx time-expanded graph) on a subset of {sub.n_connections:,} "
        f"connections, 40 origins, one meeting time: {t_bf:.1f} s (engine {t_eng * 1e3:.1f} ms,"
        f" agree: {agree}); scaled to the full day x{scale:.0f}: ~{t_bf * scale:,.0f} s"
    )

    if not args.skip_pynigiri:
        pynigiri_try(feed_path, feed, sd, origins, points)


def pynigiri_try(
    feed_path: Path, feed, sd, origins: np.ndarray, points: np.ndarray, n: int = 20
) -> None:
    """Closest like-for-like question in pynigiri: one origin to all points, whole day.

    nigiri's ``route()`` searches forward only, but a *range* query (``start_time`` as a
    pair of Unix minutes) returns the day's Pareto set of journeys, from which the
    arrive-by answer for each meeting time follows (latest departure arriving by T).
    Origins are put on stops (no access walk); destinations are the stops near the
    points with our egress walk (whole minutes).
    """
    from zoneinfo import ZoneInfo

    from tillganglighet import transit
    from tillganglighet.transit.walk import access_csr

    try:
        import pynigiri as ng
    except ImportError as exc:
        print(f"pynigiri: not installed ({exc})")
        return
    try:
        t0 = time.perf_counter()
        cfg = ng.LoaderConfig()
        cfg.link_stop_distance = 1000  # metres: footpaths like ours (default 100)
        src = ng.TimetableSource("syn", str(feed_path), cfg)
        day = DATE.isoformat()
        tt = ng.load_timetable(
            [src],
            (DATE - dt.timedelta(days=1)).isoformat(),
            (DATE + dt.timedelta(days=1)).isoformat(),
        )
        t_load = time.perf_counter() - t0
        print(
            f"pynigiri: loaded {feed_path.name} in {t_load:.1f} s "
            f"({tt.n_locations():,} locations, {tt.n_transports():,} transports; "
            f"process peak RSS {rss_mb():,.0f} MB)"
        )
    except Exception as exc:
        print(f"pynigiri: loading failed: {type(exc).__name__}: {exc}")
        return
    # like for like: nigiri runs booked services too and changes vehicles without our
    # 60 s change time
    sd = transit.service_day(feed, DATE, booked_services="include")
    walk = transit.WalkParams(change_s=0)
    rng = np.random.default_rng(11)
    served = np.flatnonzero(sd.served & np.isfinite(sd.stop_x))
    o_stops = served[rng.choice(len(served), n, replace=False)]
    o_xy = np.column_stack([sd.stop_x[o_stops], sd.stop_y[o_stops]])
    times = transit.meeting_times()
    ours = transit.arrive_by(sd, o_xy, points, times, walk=walk)
    _ind, st, dur = access_csr(points, sd.stop_x, sd.stop_y, sd.served, walk)
    dest: dict[int, int] = {}
    for s_, d_ in zip(st.tolist(), dur.tolist(), strict=False):
        dest[s_] = min(dest.get(s_, 10**9), -(-d_ // 60))
    dest_offsets = []
    for s_, m in dest.items():
        loc = tt.find_location(str(sd.stop_id[s_]))
        if loc is not None:
            dest_offsets.append(ng.Offset(loc, int(m)))
    tz = ZoneInfo("Europe/Stockholm")
    midnight = dt.datetime.combine(DATE, dt.time(0), tzinfo=tz)
    m0 = int(midnight.timestamp() // 60)
    t_route = 0.0
    diffs = []
    n_same = n_cells = 0
    for k, s_ in enumerate(o_stops):
        q = ng.Query()
        q.start = [ng.Offset(tt.find_location(str(sd.stop_id[s_])), 0)]
        q.destination = dest_offsets
        q.start_time = (m0, m0 + 24 * 60)
        # INTERMODAL: the destination offsets (egress walks) count in the arrival time
        q.dest_match_mode = ng.LocationMatchMode.INTERMODAL
        t0 = time.perf_counter()
        journeys = ng.route(tt, q)
        t_route += time.perf_counter() - t0
        pairs = sorted(
            ((j.departure_time() - m0) * 60, (j.arrival_time() - m0) * 60) for j in journeys
        )
        for qi, T in enumerate(times):
            dep = [d for d, a in pairs if a <= T]
            theirs = T - max(dep) if dep else np.inf
            mine = ours.travel_s[k, qi]
            if not (mine < ours.walk_s[k]):
                continue  # walking the whole way: nigiri was not asked for that
            n_cells += 1
            if np.isfinite(theirs):
                diffs.append(theirs - mine)
                n_same += abs(theirs - mine) <= 60
    diffs_a = np.array(diffs) if diffs else np.zeros(1)
    faster = int((diffs_a < -60).sum())
    print(
        f"pynigiri: {n} range queries (one origin stop -> {len(dest_offsets)} destination "
        f"stops, whole day {day}): {t_route / n * 1e3:.0f} ms each -> "
        f"{t_route / n * ours.travel_s.shape[0]:.1f} s per {ours.travel_s.shape[0]} origins; "
        f"ours for all {n} origins at once {sum(ours.timings.values()):.2f} s"
    )
    print(
        f"pynigiri vs ours on {n_cells} origin x meeting-time cells answered by transit: "
        f"{n_same} within 60 s, {len(diffs)} answered by both; nigiri minus ours: median "
        f"{np.median(diffs_a):.0f} s, 10-90 % {np.percentile(diffs_a, 10):.0f} .. "
        f"{np.percentile(diffs_a, 90):.0f} s; nigiri faster by > 60 s in {faster} cells "
        "(nigiri: minute resolution, egress rounded up to minutes, its own footpaths and "
        "transfer times)"
    )


if __name__ == "__main__":
    main()
