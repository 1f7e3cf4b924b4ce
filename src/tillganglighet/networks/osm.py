"""Build :class:`~tillganglighet.networks.graph.Network` objects from real OpenStreetMap data.

Two builders:

* :func:`network_from_pbf` streams an OSM file (PBF, or any format libosmium reads,
  e.g. ``.osm`` XML) with pyosmium and contracts degree-2 nodes.
* :func:`network_from_osmnx` converts an osmnx/networkx ``MultiDiGraph``.

Rules of :func:`network_from_pbf`
---------------------------------
**Car** keeps ways whose ``highway`` is a key of :data:`CAR_SPEED_KPH`, and drops

* ``area=yes``, ``service=emergency_access``;
* ways closed to cars: the most specific of ``motorcar``, ``motor_vehicle``,
  ``vehicle``, ``access`` that is tagged has a value in :data:`NO_ACCESS`
  (``no``, ``private``, ``agricultural``, ``forestry``, ...). So ``access=private`` +
  ``motor_vehicle=destination`` is kept; ``access=no`` + ``bus=yes`` is dropped.
  ``highway=construction`` / ``proposed`` are not in the table and so dropped.

Direction: ``oneway=yes|true|1`` forward only, ``oneway=-1|reverse`` backward only,
``oneway=no|false|0`` both ways; otherwise ``junction=roundabout|circular`` and
``highway=motorway`` imply one-way forward. ``oneway=reversible|alternating`` (time
dependent) is treated as two-way. ``maxspeed:forward/backward`` are ignored.

Speed: ``maxspeed`` parsed by :func:`parse_maxspeed` where tagged and valid, else the
highway-class default of :data:`CAR_SPEED_KPH` (km/h). Edge travel time is
``length / speed``; no intersection or congestion penalties.

**Walk** keeps ways whose ``highway`` is in :data:`WALK_HIGHWAYS` (no motorways, no
``motorroad=yes``, no ``foot=no|private``, no ``access=no|private`` unless
``foot=yes|designated|permissive``), in both directions at :data:`WALK_SPEED_KPH`
(5 km/h), ignoring ``oneway``.

**Geometry**: segment length is the geodesic on the WGS 84 ellipsoid (pyproj
``Geod``) between consecutive way nodes, in metres. Node coordinates are projected to
EPSG:3006 (SWEREF 99 TM). Segments whose node is missing from the file (clipped
extracts) are dropped; the way is split there.

**Contraction**: a node that occurs exactly once in the kept ways and is not a way
end is a degree-2 shape point and is removed; its two segments are merged, summing
length and time and keeping the way's direction. Nodes where ways meet (or where a
way touches itself) are kept.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import warnings
from array import array
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from tillganglighet.errors import CRSError, NetworkError
from tillganglighet.networks.graph import Mode, Network
from tillganglighet.progress import ProgressCallback, report

__all__ = [
    "CAR_SPEED_KPH",
    "NO_ACCESS",
    "WALK_HIGHWAYS",
    "WALK_SPEED_KPH",
    "ZONE_SPEED_KPH",
    "network_from_osmnx",
    "network_from_pbf",
    "parse_maxspeed",
]

#: Default car speed (km/h) per ``highway`` class, used where ``maxspeed`` is missing
#: or unparseable. Swedish-flavoured: 110 motorway, 90 trunk, 70 primary (the
#: rural default), 30 residential, 7 living_street (``gångfart``, walking pace).
CAR_SPEED_KPH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 50.0,
    "secondary": 60.0,
    "secondary_link": 50.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 7.0,
    "service": 20.0,
}

#: Walking speed (km/h) on every walkable edge.
WALK_SPEED_KPH = 5.0

#: ``highway`` values walkable in mode ``"walk"``.
WALK_HIGHWAYS: frozenset[str] = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
        "pedestrian",
        "footway",
        "path",
        "steps",
        "track",
        "cycleway",
        "bridleway",
    }
)

#: Access values that close a way to the mode in question.
NO_ACCESS: frozenset[str] = frozenset(
    {"no", "private", "agricultural", "forestry", "agricultural;forestry", "military"}
)

#: Speeds (km/h) of implicit ``maxspeed`` zone values ``CC:zone``; ``(None, zone)`` is
#: the fallback for any country. ``maxspeed=none`` (no limit) is read as 130 km/h and
#: ``maxspeed=walk`` as 7 km/h.
ZONE_SPEED_KPH: dict[tuple[str | None, str], float] = {
    ("se", "urban"): 50.0,
    ("se", "rural"): 70.0,
    ("se", "motorway"): 110.0,
    ("se", "trunk"): 90.0,
    ("se", "living_street"): 7.0,
    ("de", "motorway"): 130.0,
    ("de", "rural"): 100.0,
    (None, "urban"): 50.0,
    (None, "rural"): 80.0,
    (None, "motorway"): 110.0,
    (None, "trunk"): 90.0,
    (None, "living_street"): 7.0,
    (None, "walk"): 7.0,
    (None, "zone30"): 30.0,
}

_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph|knots)?$")
_ZONE = re.compile(r"^([a-z]{2}):([a-z_]+?)(\d+)?$")
_UNIT = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_UNDEFINED_COORD = 2147483647  # libosmium's undefined coordinate


def _parse_one(text: str) -> float | None:
    t = text.strip().lower()
    if t == "none":
        return 130.0
    if t == "walk":
        return 7.0
    m = _NUMBER.match(t)
    if m:
        value = float(m.group(1)) * _UNIT[m.group(2)]
        return value if value > 0 else None
    m = _ZONE.match(t)
    if m:
        country, zone, digits = m.groups()
        if zone == "zone" and digits:  # e.g. DE:zone30
            return float(digits)
        return ZONE_SPEED_KPH.get((country, zone), ZONE_SPEED_KPH.get((None, zone)))
    return None


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h.

    Understands plain numbers (``"50"``, km/h), units (``"50 mph"``, ``"50 km/h"``,
    ``"10 knots"``), zone values (``"SE:urban"`` 50, ``"SE:rural"`` 70,
    ``"SE:motorway"`` 110, see :data:`ZONE_SPEED_KPH`), ``"none"`` (no limit, read as
    130) and ``"walk"`` (7). Several values separated by ``;`` are averaged (the osmnx
    convention).

    Parameters
    ----------
    value
        The raw tag value, or ``None``.

    Returns
    -------
    float or None
        Speed in km/h, or ``None`` when absent or unparseable (callers then use the
        highway-class default).
    """
    if value is None:
        return None
    parsed = [s for s in (_parse_one(p) for p in str(value).split(";")) if s is not None]
    return float(np.mean(parsed)) if parsed else None


def _car_way(tags: Any) -> tuple[float, int] | None:
    """(speed km/h, direction) of a drivable way, or None if not drivable."""
    highway = tags.get("highway")
    default = CAR_SPEED_KPH.get(highway)
    if default is None or tags.get("area") == "yes":
        return None
    if tags.get("service") == "emergency_access":
        return None
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        val = tags.get(key)
        if val is not None:
            if val in NO_ACCESS:
                return None
            break
    ow = tags.get("oneway")
    if ow in ("yes", "true", "1"):
        direction = 1
    elif ow in ("-1", "reverse"):
        direction = -1
    elif ow in ("no", "false", "0"):
        direction = 0
    elif tags.get("junction") in ("roundabout", "circular") or highway == "motorway":
        direction = 1
    else:
        direction = 0
    speed = parse_maxspeed(tags.get("maxspeed"))
    return (speed if speed is not None else default), direction


def _walk_way(tags: Any) -> tuple[float, int] | None:
    if tags.get("highway") not in WALK_HIGHWAYS or tags.get("area") == "yes":
        return None
    if tags.get("motorroad") == "yes":
        return None
    foot = tags.get("foot")
    if foot in NO_ACCESS:
        return None
    if tags.get("access") in NO_ACCESS and foot not in ("yes", "designated", "permissive"):
        return None
    return WALK_SPEED_KPH, 0


def _osm_format(path: Path) -> str:
    """libosmium's format name from the file's suffixes, case-insensitively.

    libosmium detects the format from the suffix but only in lower case, so
    ``SWEDEN.OSM.PBF`` would fail; ``.osm``/``.xml`` are XML, optionally ``.bz2``/``.gz``.
    """
    suffixes = [s.lower() for s in path.suffixes]
    compression = ""
    if suffixes and suffixes[-1] in (".bz2", ".gz"):
        compression = suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    fmt = {".pbf": "pbf", ".osm": "xml", ".xml": "xml", ".o5m": "o5m", ".opl": "opl"}.get(last)
    if fmt is None:
        return "pbf"  # libosmium's own detection fails on unknown suffixes; PBF is the norm
    return fmt + compression


def _osmium_file(path: Path) -> Any:
    import osmium

    return osmium.io.File(str(path), _osm_format(path))


def _read_ways(path: Path, mode: Mode, progress: ProgressCallback | None) -> dict[str, Any]:
    import osmium

    classify = _car_way if mode == "car" else _walk_way
    refs, xs, ys = array("q"), array("i"), array("i")
    way_ptr, speeds, dirs = array("q", [0]), array("d"), array("b")
    seen = 0
    step = f"reading {path.name} (highway ways)"
    report(progress, step, 0)
    try:
        fp = (
            osmium.FileProcessor(_osmium_file(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for w in fp:
            seen += 1
            if seen % 20000 == 0:
                report(progress, step, seen)
            rule = classify(w.tags)
            if rule is None:
                continue
            nodes = w.nodes  # type: ignore[union-attr]  # FileProcessor filtered to ways
            if len(nodes) < 2:
                continue
            for nd in nodes:
                refs.append(nd.ref)
                xs.append(nd.x)
                ys.append(nd.y)
            way_ptr.append(len(refs))
            speeds.append(rule[0])
            dirs.append(rule[1])
    except osmium.InvalidLocationError as exc:
        raise NetworkError(
            f"Could not read OSM file {str(path)!r}: a node has an invalid location "
            f"(latitude outside -90..90 or longitude outside -180..180): {exc}"
        ) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise NetworkError(f"Could not read OSM file {str(path)!r}: {exc}") from exc
    report(progress, step, seen)
    return {
        "refs": np.frombuffer(refs, dtype=np.int64),
        "x": np.frombuffer(xs, dtype=np.int32),
        "y": np.frombuffer(ys, dtype=np.int32),
        "way_ptr": np.frombuffer(way_ptr, dtype=np.int64),
        "speed_kph": np.frombuffer(speeds, dtype=np.float64),
        "direction": np.frombuffer(dirs, dtype=np.int8),
        "highway_ways_seen": seen,
    }


#: Share of the header's bounding box (per axis) the roads must span before a warning.
MIN_BOX_COVERAGE = 0.5


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _pbf_blobs(path: Path) -> list[tuple[str, int, int]]:
    """(type, start, end) of every blob of a PBF file, reading only the blob headers.

    A PBF file is a sequence of (4-byte big-endian length, BlobHeader, Blob); the
    BlobHeader holds the blob's type (field 1) and size (field 3). See
    https://wiki.openstreetmap.org/wiki/PBF_Format.

    Raises
    ------
    NetworkError
        The file ends inside a blob (cut in the middle of a block).
    """
    blobs = []
    size = path.stat().st_size
    with open(path, "rb") as fh:
        start = 0
        while start < size:
            fh.seek(start)
            head = fh.read(4)
            if len(head) < 4:
                raise NetworkError(f"{path}: the PBF file ends inside a block header (truncated)")
            (n,) = struct.unpack(">I", head)
            header = fh.read(n)
            kind, datasize, i = "", None, 0
            try:
                while i < len(header):
                    key, i = _varint(header, i)
                    field, wire = key >> 3, key & 7
                    if wire == 2:
                        length, i = _varint(header, i)
                        if field == 1:
                            kind = header[i : i + length].decode("ascii", "replace")
                        i += length
                    elif wire == 0:
                        value, i = _varint(header, i)
                        if field == 3:
                            datasize = value
                    else:
                        raise ValueError(f"unexpected wire type {wire}")
            except ValueError as exc:
                raise NetworkError(
                    f"{path}: corrupt PBF block header at byte {start}: {exc}"
                ) from None
            if len(header) < n or datasize is None:
                raise NetworkError(f"{path}: corrupt PBF block header at byte {start} (truncated)")
            end = start + 4 + n + datasize
            if end > size:
                raise NetworkError(
                    f"{path}: the PBF file is truncated: its last block needs {end - start:,} "
                    f"bytes but only {size - start:,} remain (re-download the file)"
                )
            blobs.append((kind, start, end))
            start = end
    return blobs


def _completeness_warnings(path: Path, lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Signs that an OSM PBF file is incomplete (a download cut at a block boundary).

    Two checks, both cheap:

    * A file sorted by type then id (``Sort.Type_then_ID`` in its header, as Geofabrik's
      extracts are) stores nodes, then ways, then relations; a complete extract of a
      region ends with relations. If its last block holds none, the file was probably
      cut (and the ways after the cut are missing).
    * The roads read should span most of the bounding box the header declares
      (at least :data:`MIN_BOX_COVERAGE` of its width and of its height).
    """
    import osmium

    if _osm_format(path) != "pbf":
        return []
    out = []
    blobs = _pbf_blobs(path)
    header = osmium.FileProcessor(_osmium_file(path)).header
    sorted_file = header.get("sorting") == "Type_then_ID"
    data = [b for b in blobs if b[0] == "OSMData"]
    heads = [b for b in blobs if b[0] == "OSMHeader"]
    if sorted_file and data and heads:
        with open(path, "rb") as fh, tempfile.TemporaryDirectory() as tmp:
            tail = Path(tmp) / "tail.osm.pbf"
            with open(tail, "wb") as dst:
                for _, start, end in (heads[0], data[-1]):
                    fh.seek(start)
                    dst.write(fh.read(end - start))
            relations = sum(1 for _ in osmium.FileProcessor(str(tail), osmium.osm.RELATION))
        if relations == 0:
            out.append(
                f"{path}: the file looks truncated: it is sorted (nodes, ways, relations) but "
                "its last block holds no relations, as a complete extract's last block does; "
                "ways after the cut are missing. Compare its size or checksum with the "
                "download (Geofabrik publishes an .md5 beside each file); ignore this if the "
                "file was filtered to ways only."
            )
    box = header.box()
    if box.valid() and len(lon):
        bw = box.top_right.lon - box.bottom_left.lon
        bh = box.top_right.lat - box.bottom_left.lat
        if bw > 0 and bh > 0:
            cover_x = (float(np.max(lon)) - float(np.min(lon))) / bw
            cover_y = (float(np.max(lat)) - float(np.min(lat))) / bh
            if min(cover_x, cover_y) < MIN_BOX_COVERAGE:
                out.append(
                    f"{path}: the roads read span only {cover_x:.0%} of the width and "
                    f"{cover_y:.0%} of the height of the bounding box in the file's header "
                    f"({box.bottom_left.lon:.3f},{box.bottom_left.lat:.3f} - "
                    f"{box.top_right.lon:.3f},{box.top_right.lat:.3f}); the file may be "
                    "incomplete."
                )
    return out


def _contract(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn way node sequences into contracted directed edges (vectorised)."""
    refs, way_ptr = raw["refs"], raw["way_ptr"]
    n_ways = len(way_ptr) - 1
    if n_ways == 0:
        return {"n_ways": 0}
    way_of = np.repeat(np.arange(n_ways), np.diff(way_ptr))
    valid = (raw["x"] != _UNDEFINED_COORD) & (raw["y"] != _UNDEFINED_COORD)
    seg = (way_of[1:] == way_of[:-1]) & valid[1:] & valid[:-1]
    s0 = np.flatnonzero(seg)
    if s0.size == 0:
        return {"n_ways": n_ways, "n_segments": 0}
    s1 = s0 + 1
    uniq, first_occ, inv, counts = np.unique(
        refs, return_index=True, return_inverse=True, return_counts=True
    )
    seg_before = np.zeros(len(refs), dtype=bool)
    seg_after = np.zeros(len(refs), dtype=bool)
    seg_after[s0] = True
    seg_before[s1] = True
    keep = (counts[inv] >= 2) | ~seg_before | ~seg_after
    lon = raw["x"].astype(np.float64) / 1e7
    lat = raw["y"].astype(np.float64) / 1e7
    _, _, seg_len = Geod(ellps="WGS84").inv(lon[s0], lat[s0], lon[s1], lat[s1])
    chain_start = keep[s0]
    chain_id = np.cumsum(chain_start) - 1
    chain_len = np.bincount(chain_id, weights=seg_len)
    starts = np.flatnonzero(chain_start)
    ends = np.append(starts[1:] - 1, len(s0) - 1)
    chain_way = way_of[s0[starts]]
    a, b = inv[s0[starts]], inv[s1[ends]]
    speed = raw["speed_kph"][chain_way]
    tt = chain_len / (speed / 3.6)
    d = raw["direction"][chain_way]
    fwd, bwd = d >= 0, d <= 0
    u = np.concatenate([a[fwd], b[bwd]])
    v = np.concatenate([b[fwd], a[bwd]])
    used, compact = np.unique(np.concatenate([u, v]), return_inverse=True)
    occ = first_occ[used]
    return {
        "n_ways": n_ways,
        "n_segments": int(s0.size),
        "u": compact[: u.size],
        "v": compact[u.size :],
        "travel_time_s": np.concatenate([tt[fwd], tt[bwd]]),
        "length_m": np.concatenate([chain_len[fwd], chain_len[bwd]]),
        "lon": lon[occ],
        "lat": lat[occ],
        "node_id": uniq[used],
    }


def network_from_pbf(
    path: str | os.PathLike[str], *, mode: Mode = "car", progress: ProgressCallback | None = None
) -> Network:
    """Build a routable network from an OSM file, streaming it with pyosmium.

    See the module docstring for the tag rules, default speeds (km/h), geometry and
    degree-2 contraction.

    Parameters
    ----------
    path
        OSM PBF file (or any format libosmium reads, e.g. ``.osm`` XML, by suffix).
    mode
        ``"car"`` (drivable ways, one-way rules, maxspeed/default speeds) or
        ``"walk"`` (walkable ways, both directions, 5 km/h).
    progress
        Called as ``progress(step, done, total)`` while the file is read
        (:mod:`tillganglighet.progress`).

    Returns
    -------
    Network
        Node coordinates in EPSG:3006 metres, ``node_id`` = OSM node ids, times in
        seconds, lengths in metres; ``metadata["source"] == "osm-pbf"``.

    Raises
    ------
    NetworkError
        If the file is missing, unreadable or corrupt, or holds no usable way.
    """
    from tillganglighet import __version__
    from tillganglighet.networks.cache import file_sha256

    path = Path(path)
    if mode not in ("car", "walk"):
        raise NetworkError(f"`mode` must be 'car' or 'walk', got {mode!r}.")
    if not path.is_file():
        raise NetworkError(f"OSM file not found: {str(path)!r}.")
    raw = _read_ways(path, mode, progress)
    res = _contract(raw)
    if "u" not in res or res["u"].size == 0:
        raise NetworkError(
            f"No {'drivable' if mode == 'car' else 'walkable'} way with located nodes in "
            f"{str(path)!r} ({raw['highway_ways_seen']} highway ways read)."
        )
    for message in _completeness_warnings(path, res["lon"], res["lat"]):
        warnings.warn(message, UserWarning, stacklevel=2)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(
        res["lon"], res["lat"]
    )
    metadata = {
        "source": "osm-pbf",
        "source_file": str(path),
        "source_sha256": file_sha256(path),
        "modelled": False,
        "build_params": {
            "builder": "network_from_pbf",
            "mode": mode,
            "default_speed_kph": CAR_SPEED_KPH if mode == "car" else WALK_SPEED_KPH,
            "length": "geodesic WGS84",
            "contract_degree2": True,
        },
        "stats": {
            "highway_ways_read": raw["highway_ways_seen"],
            "ways_kept": res["n_ways"],
            "segments": res["n_segments"],
        },
        "created_with": f"tillganglighet {__version__}",
    }
    return Network.from_edges(
        res["u"],
        res["v"],
        travel_time_s=res["travel_time_s"],
        length_m=res["length_m"],
        node_x=np.asarray(x),
        node_y=np.asarray(y),
        node_id=res["node_id"],
        mode=mode,
        metadata=metadata,
    )


def network_from_osmnx(G: Any, *, mode: Mode = "car") -> Network:
    """Convert an osmnx / networkx graph with travel times to a :class:`Network`.

    Parameters
    ----------
    G
        A ``networkx.MultiDiGraph`` (or ``DiGraph``) with node attributes ``x``, ``y``
        in the CRS given by ``G.graph["crs"]`` and edge attributes ``travel_time``
        (seconds) and ``length`` (metres), e.g. from osmnx after
        ``ox.routing.add_edge_speeds(G)`` and ``ox.routing.add_edge_travel_times(G)``.
        An undirected graph is taken as two-way on every edge.
    mode
        ``"car"`` or ``"walk"`` (recorded; the weights are taken as given).

    Returns
    -------
    Network
        Nodes reprojected to EPSG:3006; parallel edges reduced to the fastest.

    Raises
    ------
    CRSError
        If ``G.graph["crs"]`` is missing or not a valid CRS.
    NetworkError
        If an edge lacks ``travel_time`` or ``length``, or a node lacks ``x``/``y``.
    """
    from tillganglighet import __version__

    crs_in = getattr(G, "graph", {}).get("crs")
    if crs_in is None:
        raise CRSError(
            "The graph has no CRS: set G.graph['crs'] (osmnx graphs carry "
            "'epsg:4326' unless projected)."
        )
    try:
        crs = CRS.from_user_input(crs_in)
    except _PyprojCRSError as exc:
        raise CRSError(f"G.graph['crs'] = {crs_in!r} is not a valid CRS: {exc}") from exc
    nodes = list(G.nodes)
    index = {nd: i for i, nd in enumerate(nodes)}
    try:
        xs = np.array([G.nodes[nd]["x"] for nd in nodes], dtype=np.float64)
        ys = np.array([G.nodes[nd]["y"] for nd in nodes], dtype=np.float64)
    except KeyError as exc:
        raise NetworkError("Every node needs `x` and `y` attributes (graph CRS units).") from exc
    u, v, tt, ln = [], [], [], []
    missing_tt = missing_len = 0
    for a, b, data in G.edges(data=True):
        t, length = data.get("travel_time"), data.get("length")
        if t is None:
            missing_tt += 1
            continue
        if length is None:
            missing_len += 1
            continue
        u.append(index[a])
        v.append(index[b])
        tt.append(t)
        ln.append(length)
    if missing_tt:
        raise NetworkError(
            f"{missing_tt} edge(s) have no `travel_time` attribute (seconds). Call "
            "`ox.routing.add_edge_speeds(G)` and `ox.routing.add_edge_travel_times(G)` first."
        )
    if missing_len:
        raise NetworkError(
            f"{missing_len} edge(s) have no `length` attribute (metres); "
            "call `ox.distance.add_edge_lengths(G)` first."
        )
    if not G.is_directed():
        u, v = u + v, v + u
        tt, ln = tt + tt, ln + ln
    x, y = Transformer.from_crs(crs, "EPSG:3006", always_xy=True).transform(xs, ys)
    node_id = None
    if nodes and all(isinstance(nd, (int, np.integer)) for nd in nodes):
        node_id = np.array(nodes, dtype=np.int64)
    metadata = {
        "source": "osmnx",
        "source_file": None,
        "source_sha256": None,
        "modelled": False,
        "build_params": {
            "builder": "network_from_osmnx",
            "mode": mode,
            "input_crs": crs.to_string(),
        },
        "created_with": f"tillganglighet {__version__}",
    }
    return Network.from_edges(
        np.asarray(u, dtype=np.int64),
        np.asarray(v, dtype=np.int64),
        travel_time_s=np.asarray(tt, dtype=np.float64),
        length_m=np.asarray(ln, dtype=np.float64),
        node_x=np.asarray(x),
        node_y=np.asarray(y),
        node_id=node_id,
        mode=mode,
        metadata=metadata,
    )
