"""Small GTFS feeds written by the tests, placed in metres on a local EPSG:3006 grid."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import Transformer

_TO_WGS = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
X0, Y0 = 500_000.0, 6_600_000.0  # central Sweden, EPSG:3006


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS84 (lon, lat) of grid metres (x, y) relative to (X0, Y0)."""
    lon, lat = _TO_WGS.transform(X0 + x, Y0 + y)
    return lon, lat


def hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


@dataclass
class FeedSpec:
    """A feed under construction: stops in local metres, trips as (stop, arr, dep) lists."""

    stops: dict[str, tuple[float, float]] = field(default_factory=dict)
    routes: dict[str, int] = field(default_factory=dict)
    trips: list[dict] = field(default_factory=list)
    calendar: list[dict] = field(default_factory=list)
    calendar_dates: list[tuple[str, str, int]] = field(default_factory=list)
    frequencies: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    transfers: list[tuple[str, str, int, int | None]] = field(default_factory=list)
    extra_stops: list[dict] = field(default_factory=list)

    def stop(self, sid: str, x: float, y: float) -> str:
        self.stops[sid] = (x, y)
        return sid

    def service(
        self, sid: str, days: str = "1111100", start: str = "20260101", end: str = "20261231"
    ) -> None:
        self.calendar.append({"service_id": sid, "days": days, "start": start, "end": end})

    def trip(
        self,
        tid: str,
        times: list[tuple[str, int, int]],
        *,
        service: str = "WD",
        route: str = "R",
        route_type: int = 3,
        pickup: dict[int, int] | None = None,
        dropoff: dict[int, int] | None = None,
    ) -> None:
        self.routes.setdefault(route, route_type)
        self.trips.append(
            {
                "trip_id": tid,
                "route": route,
                "service": service,
                "times": times,
                "pickup": pickup or {},
                "dropoff": dropoff or {},
            }
        )

    def write(self, folder: Path, *, as_zip: bool = False) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[str, list[list[object]]] = {}
        files["agency.txt"] = [
            ["agency_id", "agency_name", "agency_url", "agency_timezone"],
            ["A", "Test", "http://example.invalid", "Europe/Stockholm"],
        ]
        rows: list[list[object]] = [
            ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"]
        ]
        for sid, (x, y) in self.stops.items():
            lon, lat = lonlat(x, y)
            rows.append([sid, sid, f"{lat:.8f}", f"{lon:.8f}", 0, ""])
        for extra in self.extra_stops:
            rows.append(
                [
                    extra.get(k, "")
                    for k in (
                        "stop_id",
                        "stop_name",
                        "stop_lat",
                        "stop_lon",
                        "location_type",
                        "parent_station",
                    )
                ]
            )
        files["stops.txt"] = rows
        files["routes.txt"] = [["route_id", "agency_id", "route_short_name", "route_type"]] + [
            [r, "A", r, t] for r, t in self.routes.items()
        ]
        files["trips.txt"] = [["route_id", "service_id", "trip_id"]] + [
            [t["route"], t["service"], t["trip_id"]] for t in self.trips
        ]
        st: list[list[object]] = [
            [
                "trip_id",
                "arrival_time",
                "departure_time",
                "stop_id",
                "stop_sequence",
                "pickup_type",
                "drop_off_type",
            ]
        ]
        for t in self.trips:
            for k, (sid, a, d) in enumerate(t["times"]):
                st.append(
                    [
                        t["trip_id"],
                        hms(a),
                        hms(d),
                        sid,
                        k + 1,
                        t["pickup"].get(k, 0),
                        t["dropoff"].get(k, 0),
                    ]
                )
        files["stop_times.txt"] = st
        if self.calendar:
            files["calendar.txt"] = [
                [
                    "service_id",
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                    "start_date",
                    "end_date",
                ]
            ] + [[c["service_id"], *c["days"], c["start"], c["end"]] for c in self.calendar]
        if self.calendar_dates:
            files["calendar_dates.txt"] = [["service_id", "date", "exception_type"]] + [
                list(r) for r in self.calendar_dates
            ]
        if self.frequencies:
            files["frequencies.txt"] = [
                ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"]
            ] + [[t, hms(a), hms(b), h, e] for t, a, b, h, e in self.frequencies]
        if self.transfers:
            files["transfers.txt"] = [
                ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]
            ] + [[a, b, k, "" if m is None else m] for a, b, k, m in self.transfers]
        texts = {}
        for name, data in files.items():
            path = folder / name
            with open(path, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(data)
            texts[name] = path.read_bytes()
        if not as_zip:
            return folder
        zpath = folder.with_suffix(".zip")
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in texts.items():
                zf.writestr(name, data)
        return zpath
