"""Geometry of the modelled road network: nodes, candidate links, land and lake masks.

Helper of :mod:`tillganglighet.networks.modelled.build`. Everything here is in EPSG:3006
(SWEREF 99 TM, metres) and independent of the speed parameters, so calibration can
re-time the same topology many times without redoing the geometry.

Rules (docs/methodology.md, "Modelled road network"): every lake of at least
:data:`BARRIER_MIN_KM2` is barrier water, and a link across its open water is replaced
by the shortest path round it (:func:`shore_paths`); no generated link leaves the widened
land polygons for more than :data:`MAX_WATER_GAP_M` (a trunk link that would is replaced
by the chain of kept place links along the coast); the municipalities in
:data:`ISLAND_MUNICIPALITIES` are joined only by listed bridges and ferries.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import Delaunay, cKDTree
from shapely.ops import nearest_points

from tillganglighet._resources import geodata_path
from tillganglighet.errors import DataIntegrityError

__all__ = ["FIXED_LINKS", "FixedLink", "Topology", "build_topology"]

#: Land polygons are widened by this much (metres): straits narrower than twice this are
#: taken as bridged, and coastal points just outside the simplified polygons stay on land.
LAND_BUFFER_M = 500.0
#: A generated link may leave the widened land polygons in pieces of at most this
#: length (metres): the simplified coastline cuts across bays and sounds, and straits up
#: to about 2 × LAND_BUFFER_M + this wide in the polygons are taken as bridged. Anything
#: wider needs a listed bridge or ferry (``FixedLink``).
MAX_WATER_GAP_M = 300.0
#: Lakes of at least this area (km², Natural Earth outline) are barrier water.
BARRIER_MIN_KM2 = 20.0
#: A lake with at least this share of its area outside the municipality polygons is a
#: hole in them (Vänern, Storsjön...): its open water is the lake minus the widened land.
HOLE_SHARE = 0.5
#: Open water of a lake the polygons cover (most lakes in the north): the Natural Earth
#: outline shrunk by this much (metres), so that shore roads stay dry.
LAKE_SHRINK_M = 500.0
#: A node in open water (the coarse outlines cover shore villages) keeps a dry disk of
#: this radius (metres).
NODE_DRY_RADIUS_M = 1500.0
#: Paths round the water run over the vertices of the open water widened by
#: SHORE_OFFSET_M and simplified with SHORE_SIMPLIFY_M (metres; the simplified outline
#: stays at least their difference off the water).
SHORE_OFFSET_M = 1000.0
SHORE_SIMPLIFY_M = 700.0
#: Longest straight leg (metres) of a path round the water.
SHORE_VIS_MAX_M = 60_000.0
#: A candidate link across open water is replaced by the shortest path round it if that
#: path is at most this many times the straight length, else dropped.
SHORE_MAX_RATIO = 2.5
#: A trunk or city link that crosses the sea is replaced by the shortest chain of kept
#: place links along the coast if that chain is at most this many times the straight
#: length (the E4 round the bays of the Bothnian coast, the E6 round the fjords), else
#: dropped.
COAST_MAX_RATIO = 1.5
#: A place left with no link tries this many of its nearest nodes for a rescue link.
RESCUE_TRIES = 20
#: ... and accepts one whose pieces off the widened land (and its own causeway) are at
#: most this long (metres): such a place lies on a coast the simplified polygons cut off
#: (Löttorp on northern Öland, Tjuvkil).
RESCUE_MAX_GAP_M = 1600.0
#: Municipalities that are islands joined to the rest of the network only by the bridges
#: and ferries listed in ``FIXED_LINKS`` (kommun code: why). No generated link joins a
#: node of one to a node outside it: the simplified polygons cannot tell their channels
#: from bridged straits.
ISLAND_MUNICIPALITIES: dict[str, str] = {
    "0125": "Ekerö: islands of Mälaren. Road links: Ekerövägen from Drottningholm over "
    "bridges (https://sv.rilpedia.org/wiki/Eker%C3%B6v%C3%A4gen) and the Ekeröleden "
    "ferry to Slagsta/Fittja, which 'saves ~30 km vs the road via E4/E20 – "
    "Drottningholmsvägen – Ekerövägen' (https://sv.m.wikipedia.org/wiki/Eker%C3%B6leden); "
    "no bridge to Södertörn",
}
#: How a generated link runs (``Topology.edge_route``).
ROUTE_STRAIGHT, ROUTE_SHORE, ROUTE_COAST, ROUTE_RESCUE = 0, 1, 2, 3
ROUTE_NAMES = ("straight", "round_lake", "along_coast", "rescue")
#: A settlement up to this far (metres) outside the land polygons gets a causeway of its
#: own to the land (coastal towns such as Kalmar, Karlskrona, Vaxholm, Hasslö).
MAX_OFFSHORE_M = 5000.0
#: Spacing (metres) of the filler grid laid over the mainland, Gotland and Öland.
GRID_SPACING_M = 20_000.0
#: A grid point is kept only if no settlement or municipality point is closer (metres).
GRID_MIN_GAP_M = 12_000.0
#: Land parts at least this large (km²) get filler grid nodes (mainland, Gotland, Öland).
GRID_MIN_PART_KM2 = 1000.0
#: Extra links to the k nearest nodes (besides the Delaunay triangulation) ...
KNN_K = 8
#: ... no longer than this (metres).
KNN_MAX_M = 60_000.0
#: Places with at least this population (persons) form the trunk-road overlay.
TRUNK_MIN_POP = 6_500
#: Longest trunk or city link considered (metres).
TRUNK_MAX_M = 220_000.0
#: Places with at least this population (persons) form the city-link overlay: direct
#: links between the larger towns, standing for roads that bypass the places in between.
CITY_LINK_MIN_POP = 30_000
#: Trunk and city links with both ends north of this northing (EPSG:3006 metres,
#: about 61.3° N, north of Söderhamn) are "northern trunk" links: single-carriageway
#: E4/E10/E14/E45 through hilly country.
NORTH_MIN_NORTHING_M = 6_800_000.0
#: A municipality gets its representative point as a node when no node lies within this
#: distance (metres) of its polygon.
MUNICIPALITY_MAX_GAP_M = 5000.0

#: Place links (Delaunay among places only, grid nodes left out) between two places of
#: the same municipality: the valley and coast roads that string a municipality's
#: places together. Longest such link (metres).
PLACE_LINK_MAX_M = 80_000.0
#: Main-place links (Delaunay among the most populous place of each municipality)
#: between neighbouring municipalities: the main road between their centres. Longest
#: such link (metres).
MAIN_PLACE_LINK_MAX_M = 110_000.0
#: Two municipalities are neighbours when their polygons come this close (metres).
NEIGHBOUR_GAP_M = 1000.0

#: Node kinds (``Topology.node_kind``).
NODE_SETTLEMENT, NODE_MUNICIPALITY, NODE_GRID, NODE_LINK_END = 0, 1, 2, 3
NODE_KIND_NAMES = ("settlement", "municipality_point", "grid", "link_end")
#: Edge classes (``Topology.edge_class``).
(
    EDGE_LOCAL,
    EDGE_TRUNK,
    EDGE_CITY_LINK,
    EDGE_TRUNK_NORTH,
    EDGE_BRIDGE,
    EDGE_FERRY,
    EDGE_TERRAIN,
    EDGE_TERRAIN_BORDER,
) = range(8)
EDGE_CLASS_NAMES = (
    "local",
    "trunk",
    "city_link",
    "trunk_north",
    "bridge",
    "ferry",
    "terrain",
    "terrain_border",
)

_TO_3006 = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


@dataclass(frozen=True)
class FixedLink:
    """A bridge or ferry the land mask cannot infer.

    Attributes
    ----------
    name
        Human name, e.g. ``"Ölandsbron"``.
    kind
        ``"bridge"`` (timed like a local road, at its declared length) or ``"ferry"`` (fixed time).
    end_a, end_b
        The two landings as (longitude, latitude), WGS 84 degrees. Each is snapped to
        the nearest point of the land polygons and becomes a node of the network.
    length_m
        Length of the crossing in metres (bridge deck or sailing distance).
    crossing_s
        Ferries: sailing time in seconds. Ignored for bridges.
    wait_s
        Ferries: check-in / boarding / waiting time in seconds, added to each crossing.
    source
        Where the figures come from.
    land_a, land_b
        Optional kommun codes: ``end_a`` / ``end_b`` is then snapped to the nearest point
        of that municipality's polygons instead (for a landing whose position no source
        gives, or that the simplified polygons put in the water).
    """

    name: str
    kind: Literal["bridge", "ferry"]
    end_a: tuple[float, float]
    end_b: tuple[float, float]
    length_m: float
    crossing_s: float = 0.0
    wait_s: float = 0.0
    source: str = ""
    land_a: str = ""
    land_b: str = ""


_HOUR = 3600.0
#: Check-in / boarding / average waiting time added to every Gotland ferry crossing (s).
GOTLAND_FERRY_WAIT_S = 45 * 60.0
#: Waiting time (s) ASSUMED for a road ferry whose headway no source gives: half of a
#: 30-minute headway. Not sourced; the ferries that use it say so.
UNKNOWN_HEADWAY_WAIT_S = 15 * 60.0

#: Bridges and ferries the land mask cannot infer (docs/methodology.md, "Fixed links";
#: every ferry considered is in geodata/road_ferries.csv).
FIXED_LINKS: tuple[FixedLink, ...] = (
    FixedLink(
        "Gotland ferry Visby–Nynäshamn",
        "ferry",
        (18.284, 57.643),
        (17.955, 58.902),
        length_m=150_000.0,
        crossing_s=3 * _HOUR + 15 * 60,
        wait_s=GOTLAND_FERRY_WAIT_S,
        source="Destination Gotland timetable: 3 h 15 min crossing",
    ),
    FixedLink(
        "Gotland ferry Visby–Oskarshamn",
        "ferry",
        (18.284, 57.643),
        (16.455, 57.262),
        length_m=140_000.0,
        crossing_s=3 * _HOUR,
        wait_s=GOTLAND_FERRY_WAIT_S,
        source="Destination Gotland timetable: 3 h 00 min crossing",
    ),
    FixedLink(
        "Hönöleden ferry (Öckerö–Hisingen)",
        "ferry",
        (11.6565, 57.7005),
        (11.7100, 57.7088),
        length_m=3_500.0,
        crossing_s=12 * 60,
        wait_s=10 * 60,
        source="Trafikverket Färjerederiet road ferry Lilla Varholmen – Hönö Pinan: about 12 "
        "min (gulafarjan FerryRoutesInformation.json; https://humbo.com/se/hono '12-13 "
        "minute crossing'); every 20 min (public app code comment, low confidence): "
        "wait = half the headway. Landings: public Android app source (approximate)",
    ),
    FixedLink(
        "Gullmarsleden ferry (Finnsbo, Lysekil – Skår, Skaftö)",
        "ferry",
        (11.50282, 58.30263),
        (11.53579, 58.29961),
        length_m=1_850.0,
        crossing_s=10 * 60,
        wait_s=10 * 60,
        source="Trafikverket Färjerederiet, road 161: 1.85 km, 10 min (gulafarjan "
        "FerryRoutesInformation.json); every 20 min (15 at weekday peaks; "
        "https://www.batliv.se/2011/05/30/article4231/): wait = half the headway. "
        "Landings: OsmAnd routing unit test (approximate)",
    ),
    FixedLink(
        "Skaftö road and Skaftöbron (Grundsund – road 161 at Skår)",
        "bridge",
        (11.41877, 58.21217),
        (11.53579, 58.29961),
        length_m=0.0,
        source="A road onto Skaftö branches off road 161 (Herrestad – Lysekil) east of the "
        "Gullmarn ferry (de.wikipedia 'Skaftö', https://de.wikiup.org/index.php?oldid="
        "214380383&title=Skaft%C3%B6); Skaftöbron opened 1974 "
        "(http://www.fjallstal.se/kongeveien/platser/skaftobron/skaftobron_lang.html). "
        "Ends: Grundsund's GeoNames point (Skaftö's main place) and the Skår landing of "
        "Gullmarsleden on road 161; length = the straight line (no road length "
        "sourced), timed as a local road. Without it the simplified polygons join Skaftö "
        "to Orust, which has no bridge to it",
        land_a="1484",
    ),
    FixedLink(
        "Svanesundsleden ferry (Kolhättan, Stenungsund – Svanesund, Orust)",
        "ferry",
        (11.8392, 58.1278),
        (11.8315, 58.1367),
        length_m=1_100.0,
        crossing_s=5 * 60,
        wait_s=UNKNOWN_HEADWAY_WAIT_S,
        source="Trafikverket Färjerederiet: about 5 min (gulafarjan "
        "FerryRoutesInformation.json; https://nyhetersto.se/2025/08/28/saturnus-ska-pa-"
        "service-mindre-farja-ersatter-pa-svanesundsleden/); headway not found: wait "
        "ASSUMED 15 min. Landings: public Android app source (approximate); length = "
        "distance between the landings",
    ),
    FixedLink(
        "Vaxholmsleden ferry (Vaxholm – Rindö)",
        "ferry",
        (18.35317, 59.40225),
        (18.39434, 59.39688),
        length_m=2_400.0,
        crossing_s=6 * 60,
        wait_s=UNKNOWN_HEADWAY_WAIT_S,
        source="Trafikverket Färjerederiet: 'Resan tar ca 6 minuter' (gulafarjan "
        "FerryRoutesInformation.json); headway not found: wait ASSUMED 15 min. Landings: "
        "GeoNames points of Vaxholm and Rindö (the ferry lands at Rindö's west end); "
        "length = distance between them",
    ),
    FixedLink(
        "Ekeröleden ferry (Slagsta, Botkyrka – Jungfrusund, Ekerö)",
        "ferry",
        (17.85991, 59.24868),
        (17.85991, 59.24868),
        length_m=1_900.0,
        crossing_s=10 * 60,
        wait_s=7.5 * 60,
        source="Trafikverket Färjerederiet for Ekerö kommun: 1,900 m, 10 min, weekdays "
        "every 15 min (10 at peaks) (https://sv.m.wikipedia.org/wiki/Eker%C3%B6leden; "
        "https://www.trafikverket.se/resa-och-trafik/farjetrafik/ekeroleden/): wait = half "
        "the headway. Landings: Fittja's GeoNames point (Slagsta lies ~1 km west) and the "
        "nearest point of Ekerö's polygons to it (Jungfrusund's position is not sourced)",
        land_b="0125",
    ),
    FixedLink(
        "Ekerövägen (Bromma – Drottningholm – Ekerö, bridges)",
        "bridge",
        (17.94, 59.34),
        (17.81212, 59.291),
        length_m=0.0,
        source="Ekerövägen (road 261) from Drottningholm over the Ekerö island chain by "
        "bridges, https://sv.rilpedia.org/wiki/Eker%C3%B6v%C3%A4gen. Ends: the GeoNames "
        "points of Bromma and Ekerö; length = the straight line between them (no road "
        "length sourced), timed as a local road",
    ),
    FixedLink(
        "Ölandsbron",
        "bridge",
        (16.333, 56.676),
        (16.425, 56.690),
        length_m=6_072.0,
        source="Ölandsbron, Kalmar (Svinö) – Möllstorp, 6,072 m",
    ),
    FixedLink(
        "Tjörnbron",
        "bridge",
        (11.8181, 58.07046),
        (11.752, 58.060),
        length_m=3_000.0,
        source="Tjörnbron (Almöbron and Källösundsbron), Stenungsön – Tjörn. East end at "
        "Stenungsund's GeoNames point, snapped to the mainland (the simplified polygons "
        "have Stenungsön as an islet without its short bridge)",
        land_a="1415",
        land_b="1419",
    ),
    FixedLink(
        "Höga Kusten-bron",
        "bridge",
        (17.937, 62.789),
        (17.943, 62.808),
        length_m=1_867.0,
        source="Högakustenbron (E4) over Ångermanälven, 1,867 m",
    ),
    FixedLink(
        "Lidingöbron",
        "bridge",
        (18.102, 59.357),
        (18.117, 59.362),
        length_m=1_000.0,
        source="Lidingöbron, Ropsten – Torsvik",
    ),
)


@dataclass(frozen=True)
class Topology:
    """Nodes and undirected links of the modelled network (before timing).

    Attributes
    ----------
    node_x, node_y
        Node coordinates, EPSG:3006 metres.
    node_id
        int64 ids: the GeoNames id for settlements; negative for synthetic nodes
        (``-(10_000 + kommun_kod)`` municipality points, ``-(1_000_000 + i)`` grid
        nodes, ``-(2_000_000 + i)`` fixed-link landings).
    node_kind
        One of ``NODE_*`` (int8).
    node_name
        Settlement / municipality / link name ("" for grid nodes).
    node_pop
        Population in persons (0 for synthetic nodes).
    node_kommun
        Row of the municipality (in ``geodata.municipalities()`` order) whose polygon
        holds the node, or the nearest one for nodes off the polygons (int32).
    edge_u, edge_v
        Node indices of each undirected link (``u < v`` for generated links).
    edge_straight_m
        Length in metres of the link's geometry (the straight segment, or the path round
        the water or along the coast; for bridges and ferries the declared length if
        longer).
    edge_class
        One of ``EDGE_*`` (int8).
    edge_fixed_s
        For ferries the fixed crossing + waiting time (seconds), else 0.
    edge_link
        Index into the fixed-link list, -1 for generated links.
    edge_route
        How a generated link runs: ``ROUTE_STRAIGHT``, ``ROUTE_SHORE`` (round a lake) or
        ``ROUTE_COAST`` (a trunk link along a chain of place links) or ``ROUTE_RESCUE``
        (the one link of a place the coarse coast cut off); int8.
    edge_geometry
        The line each link stands for (shapely LineStrings, EPSG:3006).
    barrier
        Open water of the barrier lakes (a shapely geometry, EPSG:3006).
    land
        The widened land plus the disks reaching from offshore nodes to it (EPSG:3006;
        for display: links are tested against the widened land and their own causeways).
    """

    node_x: np.ndarray
    node_y: np.ndarray
    node_id: np.ndarray
    node_kind: np.ndarray
    node_name: np.ndarray
    node_pop: np.ndarray
    node_kommun: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_straight_m: np.ndarray
    edge_class: np.ndarray
    edge_fixed_s: np.ndarray
    edge_link: np.ndarray
    edge_route: np.ndarray
    edge_geometry: np.ndarray
    barrier: shapely.Geometry
    land: shapely.Geometry


def _lonlat_to_xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = _TO_3006.transform(lon, lat)
    return float(x), float(y)


def load_inputs() -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """Return municipalities, settlements and lakes from the embedded geodata."""
    from tillganglighet.data import geodata

    kommuner = geodata.municipalities()
    st = geodata.settlements()
    lakes = gpd.read_parquet(geodata_path("lakes.parquet"))
    if lakes.crs is None or lakes.crs.to_epsg() != 3006:
        raise DataIntegrityError("geodata/lakes.parquet must be in EPSG:3006.")
    return kommuner, st, lakes


def barrier_water(
    lakes: gpd.GeoDataFrame, land: shapely.Geometry, land_buffered: shapely.Geometry
) -> shapely.Geometry:
    """Return the open water of the barrier lakes (EPSG:3006).

    Every lake of at least :data:`BARRIER_MIN_KM2` is barrier water. The 1:10m Natural
    Earth outlines are coarse and cover shore towns (Stockholm, Östersund, Hjo) and
    bridged islands (Ekerö), so for a lake that is a hole in the municipality polygons
    (at least :data:`HOLE_SHARE` of its area outside them) the open water is the lake
    minus the land polygons widened by ``LAND_BUFFER_M``; for a lake the polygons cover,
    it is the outline shrunk by :data:`LAKE_SHRINK_M`.
    """
    big = lakes[lakes["area_km2"] >= BARRIER_MIN_KM2].sort_values("lake_id")
    parts = []
    for g in big.geometry.to_numpy():
        if shapely.difference(g, land).area >= HOLE_SHARE * g.area:
            parts.append(shapely.difference(g, land_buffered))
        else:
            parts.append(shapely.buffer(g, -LAKE_SHRINK_M, quad_segs=4))
    return shapely.union_all(parts)


def _segments(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    return shapely.linestrings(
        np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1)
    )


def _via_shore(
    lo: np.ndarray, hi: np.ndarray, x: np.ndarray, y: np.ndarray, shore_xy: np.ndarray
) -> np.ndarray:
    """Return the lines node ``lo`` – its shore point – shore point of ``hi`` – node ``hi``.

    The shore point of a node on land is the node itself (repeated points are dropped).
    """
    out = _segments(x[lo], y[lo], x[hi], y[hi])
    moved = (shore_xy[:, 0] != x) | (shore_xy[:, 1] != y)
    for k in np.flatnonzero(moved[lo] | moved[hi]):
        a, b = lo[k], hi[k]
        pts = [(x[a], y[a]), tuple(shore_xy[a]), tuple(shore_xy[b]), (x[b], y[b])]
        uniq = [pts[0]] + [q for p, q in itertools.pairwise(pts) if q != p]
        if len(uniq) < 2:
            uniq = [pts[0], pts[-1]]
        out[k] = shapely.LineString(uniq)
    return out


def _longest_gap(
    geoms: np.ndarray,
    allowed: shapely.Geometry,
    end_disks: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Return the longest piece (metres) of each line that lies outside ``allowed``.

    ``end_disks`` optionally gives, per line, the dry disks of its two end nodes (empty
    geometries for nodes on land), which count as allowed for that line only.
    """
    longest = np.zeros(len(geoms))
    if len(geoms) == 0:
        return longest
    idx = np.flatnonzero(~shapely.covers(allowed, geoms))
    rest = shapely.difference(geoms[idx], allowed)
    if end_disks is not None:
        rest = shapely.difference(shapely.difference(rest, end_disks[0][idx]), end_disks[1][idx])
    pieces, owner = shapely.get_parts(rest, return_index=True)
    np.maximum.at(longest, idx[owner], shapely.length(pieces))
    return longest


def shore_paths(
    xy: np.ndarray, lo: np.ndarray, hi: np.ndarray, barrier: shapely.Geometry
) -> list[np.ndarray | None]:
    """Return the shortest path round the open water for each link ``lo[i]``–``hi[i]``.

    The path runs over the vertices of the open water widened by :data:`SHORE_OFFSET_M`
    and simplified by :data:`SHORE_SIMPLIFY_M` (a visibility graph: legs of at most
    :data:`SHORE_VIS_MAX_M` that do not touch ``barrier``) and may pass the end nodes of
    other such links, which lie on land.

    Parameters
    ----------
    xy
        Node coordinates, EPSG:3006 metres, shape (n, 2).
    lo, hi
        End nodes of the links to replace.
    barrier
        Open water (prepared shapely geometry).

    Returns
    -------
    list
        Per link, the path's vertex coordinates from ``lo`` to ``hi`` (an (k, 2) array),
        or ``None`` if there is no path of at most :data:`SHORE_MAX_RATIO` times the
        straight length.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    if len(lo) == 0:
        return []
    ring = shapely.simplify(shapely.buffer(barrier, SHORE_OFFSET_M, quad_segs=2), SHORE_SIMPLIFY_M)
    rings = shapely.get_exterior_ring(shapely.get_parts(ring))
    vxy = np.vstack([shapely.get_coordinates(r)[:-1] for r in rings])
    n_v = len(vxy)
    ends = np.unique(np.concatenate([lo, hi]))
    pos = np.full(len(xy), -1, np.int64)
    pos[ends] = n_v + np.arange(len(ends))
    allxy = np.vstack([vxy, xy[ends]])
    tree = cKDTree(vxy)
    pv = tree.query_pairs(SHORE_VIS_MAX_M, output_type="ndarray")
    near = tree.query_ball_point(xy[ends], SHORE_VIS_MAX_M)
    pe = np.array(
        [(n_v + i, j) for i, js in enumerate(near) for j in sorted(js)], dtype=np.int64
    ).reshape(-1, 2)
    pairs = np.vstack([pv.astype(np.int64).reshape(-1, 2), pe])
    segs = _segments(
        allxy[pairs[:, 0], 0], allxy[pairs[:, 0], 1], allxy[pairs[:, 1], 0], allxy[pairs[:, 1], 1]
    )
    pairs = pairs[~shapely.intersects(barrier, segs)]
    w = np.hypot(*(allxy[pairs[:, 0]] - allxy[pairs[:, 1]]).T)
    g = sp.coo_matrix((w, (pairs[:, 0], pairs[:, 1])), shape=(len(allxy), len(allxy))).tocsr()
    straight = np.hypot(*(xy[lo] - xy[hi]).T)
    src = np.unique(pos[lo])
    row = np.full(len(allxy), -1, np.int64)
    row[src] = np.arange(len(src))
    dist, pred = dijkstra(
        g,
        directed=False,
        indices=src,
        return_predecessors=True,
        limit=SHORE_MAX_RATIO * float(straight.max()),
    )
    out: list[np.ndarray | None] = []
    for a, b, length in zip(lo, hi, straight, strict=True):
        r, target = row[pos[a]], pos[b]
        if not dist[r, target] <= SHORE_MAX_RATIO * length:
            out.append(None)
            continue
        seq = [int(target)]
        while seq[-1] != pos[a]:
            seq.append(int(pred[r, seq[-1]]))
        out.append(allxy[seq[::-1]])
    return out


def _chain_paths(
    xy: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    geoms: np.ndarray,
    usable: np.ndarray,
    want_lo: np.ndarray,
    want_hi: np.ndarray,
) -> list[np.ndarray | None]:
    """Return, for each wanted pair, the coordinates of the shortest chain of kept links.

    The chain runs over the links ``lo``/``hi`` with ``usable`` True (lengths of their
    geometries ``geoms``), and is returned only if it is at most :data:`COAST_MAX_RATIO`
    times the straight length of the pair.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    if len(want_lo) == 0:
        return []
    n = len(xy)
    ul, uh, ug = lo[usable], hi[usable], geoms[usable]
    w = shapely.length(ug)
    g = sp.coo_matrix((w, (ul, uh)), shape=(n, n)).tocsr()
    edge_of = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(ul, uh, strict=True))}
    straight = np.hypot(*(xy[want_lo] - xy[want_hi]).T)
    src = np.unique(want_lo)
    row = np.full(n, -1, np.int64)
    row[src] = np.arange(len(src))
    dist, pred = dijkstra(
        g,
        directed=False,
        indices=src,
        return_predecessors=True,
        limit=COAST_MAX_RATIO * float(straight.max()),
    )
    out: list[np.ndarray | None] = []
    for a, b, length in zip(want_lo, want_hi, straight, strict=True):
        r = row[a]
        if not dist[r, b] <= COAST_MAX_RATIO * length:
            out.append(None)
            continue
        nodes = [int(b)]
        while nodes[-1] != a:
            nodes.append(int(pred[r, nodes[-1]]))
        nodes = nodes[::-1]
        coords = [xy[a][None, :]]
        for p, q in itertools.pairwise(nodes):
            c = shapely.get_coordinates(ug[edge_of[(min(p, q), max(p, q))]])
            if p > q:
                c = c[::-1]
            coords.append(c[1:])
        out.append(np.vstack(coords))
    return out


def build_topology(links: tuple[FixedLink, ...]) -> Topology:
    """Lay the nodes and candidate links of the modelled network.

    Parameters
    ----------
    links
        Bridges and ferries added on top of the generated links.

    Returns
    -------
    Topology
        Nodes and undirected links; see :class:`Topology`.
    """
    kommuner, st, lakes = load_inputs()
    land = shapely.union_all(kommuner.geometry.to_numpy())
    land_buffered = shapely.buffer(land, LAND_BUFFER_M, quad_segs=4)
    barrier = barrier_water(lakes, land, land_buffered)
    shapely.prepare(barrier)

    # ---------------------------------------------------------------- nodes
    xs = [st["x_m"].to_numpy(float)]
    ys = [st["y_m"].to_numpy(float)]
    ids = [st["geonameid"].to_numpy(np.int64)]
    kinds = [np.full(len(st), NODE_SETTLEMENT, np.int8)]
    names = [st["name"].to_numpy(object)]
    pops = [st["population"].to_numpy(float)]

    # municipalities with no settlement within MUNICIPALITY_MAX_GAP_M
    pts = shapely.points(xs[0], ys[0])
    tree = shapely.STRtree(pts)
    geoms = kommuner.geometry.to_numpy()
    idx_k, _ = tree.query(geoms, predicate="dwithin", distance=MUNICIPALITY_MAX_GAP_M)
    lacking = np.setdiff1d(np.arange(len(kommuner)), idx_k)
    if len(lacking):
        rp = shapely.point_on_surface(geoms[lacking])
        xs.append(shapely.get_x(rp))
        ys.append(shapely.get_y(rp))
        ids.append(-(10_000 + kommuner["kommun_kod"].to_numpy()[lacking].astype(np.int64)))
        kinds.append(np.full(len(lacking), NODE_MUNICIPALITY, np.int8))
        names.append(kommuner["kommun"].to_numpy(object)[lacking])
        pops.append(np.zeros(len(lacking)))

    # filler grid on the large land parts, away from places and off the lakes
    parts = [p for p in shapely.get_parts(land) if p.area >= GRID_MIN_PART_KM2 * 1e6]
    big = shapely.union_all(parts)
    minx, miny, maxx, maxy = big.bounds
    gx = np.arange(np.floor(minx / GRID_SPACING_M), np.ceil(maxx / GRID_SPACING_M) + 1)
    gy = np.arange(np.floor(miny / GRID_SPACING_M), np.ceil(maxy / GRID_SPACING_M) + 1)
    mesh_x, mesh_y = np.meshgrid(gx * GRID_SPACING_M, gy * GRID_SPACING_M)
    gxx, gyy = mesh_x.ravel(), mesh_y.ravel()
    shapely.prepare(big)
    gpts = shapely.points(gxx, gyy)
    on = shapely.contains(big, gpts) & ~shapely.intersects(barrier, gpts)
    placed = np.column_stack([np.concatenate(xs), np.concatenate(ys)])
    dist, _ = cKDTree(placed).query(np.column_stack([gxx, gyy]))
    keep = on & (dist >= GRID_MIN_GAP_M)
    n_grid = int(keep.sum())
    xs.append(gxx[keep])
    ys.append(gyy[keep])
    ids.append(-(1_000_000 + np.arange(n_grid, dtype=np.int64)))
    kinds.append(np.full(n_grid, NODE_GRID, np.int8))
    names.append(np.full(n_grid, "", object))
    pops.append(np.zeros(n_grid))

    # fixed-link landings, snapped onto land
    link_ends = []
    for link in links:
        for k, end in enumerate((link.end_a, link.end_b)):
            p = shapely.Point(_lonlat_to_xy(*end))
            target = land
            code = (link.land_a, link.land_b)[k]
            if code:
                target = shapely.union_all(geoms[kommuner["kommun_kod"].to_numpy() == code])
            if not target.covers(p):
                p = nearest_points(target, p)[0]
            link_ends.append((p.x, p.y))
    le = np.asarray(link_ends, dtype=float).reshape(-1, 2)
    n_le = len(le)
    xs.append(le[:, 0])
    ys.append(le[:, 1])
    ids.append(-(2_000_000 + np.arange(n_le, dtype=np.int64)))
    kinds.append(np.full(n_le, NODE_LINK_END, np.int8))
    names.append(np.array([link.name for link in links for _ in (0, 1)], dtype=object))
    pops.append(np.zeros(n_le))

    node_x = np.concatenate(xs)
    node_y = np.concatenate(ys)
    node_id = np.concatenate(ids)
    node_kind = np.concatenate(kinds)
    node_name = np.concatenate(names)
    node_pop = np.concatenate(pops)
    xy = np.column_stack([node_x, node_y])
    n = len(node_x)

    # allowed region for links: the buffered land (plus lake holes, below). The disk
    # round each offshore node reaching the land only keeps that node out of the barrier
    # water; its links use its causeway instead (disks shared by all links bridged straits)
    npts = shapely.points(node_x, node_y)
    off = shapely.distance(land, npts)
    disk_nodes = np.flatnonzero((off > 0) & (off <= MAX_OFFSHORE_M))
    disks = shapely.buffer(npts[disk_nodes], off[disk_nodes] + LAND_BUFFER_M, quad_segs=4)
    # lakes that are holes in the polygons are no sea: the barrier test handles them
    holes = [shapely.Polygon(ring) for part in shapely.get_parts(land) for ring in part.interiors]
    allowed = shapely.union_all([land_buffered, *holes])
    shapely.prepare(allowed)
    # an offshore node (the simplified coast runs inland of it) is reached over a causeway
    # from the nearest point of the land: its links run node – shore point – ... and may
    # use the causeway (LAND_BUFFER_M either side), which no other link may
    causeway = shapely.shortest_line(npts[disk_nodes], land)
    shore_xy = np.column_stack([node_x, node_y])
    shore_xy[disk_nodes] = shapely.get_coordinates(shapely.get_point(causeway, 1))
    node_disk = np.full(n, shapely.Polygon(), dtype=object)
    node_disk[disk_nodes] = shapely.buffer(causeway, LAND_BUFFER_M, quad_segs=4)
    dry = shapely.union_all(np.concatenate([[land_buffered], disks]))
    # shore nodes (Kvicksund, islands of Mälaren) and villages the coarse lake outlines
    # cover (Arjeplog, Söderfors) must not sit in the barrier water
    wet = shapely.intersects(barrier, npts)
    barrier = shapely.difference(
        barrier,
        shapely.union_all(
            np.concatenate([disks, shapely.buffer(npts[wet], NODE_DRY_RADIUS_M, quad_segs=4)])
        ),
    )
    shapely.prepare(barrier)

    # ---------------------------------------------------------------- candidate links
    tri = Delaunay(xy)
    s = tri.simplices
    cand = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    kd = cKDTree(xy)
    dk, ik = kd.query(xy, k=KNN_K + 1)
    src = np.repeat(np.arange(n), KNN_K)
    dst = ik[:, 1:].ravel()
    ok = dk[:, 1:].ravel() <= KNN_MAX_M
    cand = np.vstack([cand, np.column_stack([src[ok], dst[ok]])])
    # the same within each land part, so that long thin islands (Öland) hang together
    part_geoms = shapely.get_parts(land)
    node_part = shapely.STRtree(part_geoms).query_nearest(npts, all_matches=False)[1]
    for part in np.unique(node_part):
        members = np.flatnonzero(node_part == part)
        k = min(KNN_K, len(members) - 1)
        if k < 1:
            continue
        dkp, ikp = cKDTree(xy[members]).query(xy[members], k=k + 1)
        okp = dkp[:, 1:].ravel() <= KNN_MAX_M
        pairs = np.column_stack([np.repeat(members, k)[okp], members[ikp[:, 1:].ravel()[okp]]])
        cand = np.vstack([cand, pairs])
    # place links: the roads the places themselves imply, so that trips between places
    # need not run over grid nodes (which are timed as terrain below). Delaunay among
    # places only, between two places of one municipality; and Delaunay among the main
    # places (the most populous place of each municipality), between neighbours
    node_kommun = shapely.STRtree(geoms).query_nearest(npts, all_matches=False)[1].astype(np.int32)
    places = np.flatnonzero((node_kind == NODE_SETTLEMENT) | (node_kind == NODE_MUNICIPALITY))
    by_kommun = places[np.lexsort((-node_pop[places], node_kommun[places]))]
    first_of = np.ones(len(by_kommun), bool)
    first_of[1:] = node_kommun[by_kommun[1:]] != node_kommun[by_kommun[:-1]]
    main_places = by_kommun[first_of]
    ka, kb = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=NEIGHBOUR_GAP_M)
    neighbours = np.zeros((len(geoms), len(geoms)), bool)
    neighbours[ka, kb] = True

    def _delaunay_pairs(members: np.ndarray) -> np.ndarray:
        sm = Delaunay(xy[members]).simplices
        return members[np.vstack([sm[:, [0, 1]], sm[:, [1, 2]], sm[:, [0, 2]]])]

    pc = _delaunay_pairs(places)
    pc = pc[
        (node_kommun[pc[:, 0]] == node_kommun[pc[:, 1]])
        & (np.hypot(*(xy[pc[:, 0]] - xy[pc[:, 1]]).T) <= PLACE_LINK_MAX_M)
    ]
    mc = _delaunay_pairs(main_places)
    mc = mc[
        neighbours[node_kommun[mc[:, 0]], node_kommun[mc[:, 1]]]
        & (np.hypot(*(xy[mc[:, 0]] - xy[mc[:, 1]]).T) <= MAIN_PLACE_LINK_MAX_M)
    ]
    cand = np.vstack([cand, pc, mc])
    cls = np.full(len(cand), EDGE_LOCAL, np.int8)

    for min_pop, overlay_cls in ((TRUNK_MIN_POP, EDGE_TRUNK), (CITY_LINK_MIN_POP, EDGE_CITY_LINK)):
        big_nodes = np.flatnonzero(node_pop >= min_pop)
        st_ = Delaunay(xy[big_nodes]).simplices
        tcand = big_nodes[np.vstack([st_[:, [0, 1]], st_[:, [1, 2]], st_[:, [0, 2]]])]
        cand = np.vstack([cand, tcand])
        cls = np.concatenate([cls, np.full(len(tcand), overlay_cls, np.int8)])

    lo = np.minimum(cand[:, 0], cand[:, 1])
    hi = np.maximum(cand[:, 0], cand[:, 1])
    key = lo.astype(np.int64) * n + hi
    order = np.lexsort((-cls, key))  # per pair, keep the highest class
    key, lo, hi, cls = key[order], lo[order], hi[order], cls[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    lo, hi, cls = lo[first], hi[first], cls[first]
    keep = lo != hi
    lo, hi, cls = lo[keep], hi[keep], cls[keep]

    length = np.hypot(node_x[hi] - node_x[lo], node_y[hi] - node_y[lo])
    keep = (cls == EDGE_LOCAL) | (length <= TRUNK_MAX_M)
    lo, hi, cls, length = lo[keep], hi[keep], cls[keep], length[keep]
    north = (
        ((cls == EDGE_TRUNK) | (cls == EDGE_CITY_LINK))
        & (node_y[lo] >= NORTH_MIN_NORTHING_M)
        & (node_y[hi] >= NORTH_MIN_NORTHING_M)
    )
    cls[north] = EDGE_TRUNK_NORTH

    # every link gets a geometry: its straight segment, or, where that crosses open
    # water, the shortest path round the lake along the shore
    # island municipalities are joined to the rest only by their listed bridges and ferries
    island = np.isin(kommuner["kommun_kod"].to_numpy()[node_kommun], list(ISLAND_MUNICIPALITIES))
    keep = island[lo] == island[hi]
    lo, hi, cls = lo[keep], hi[keep], cls[keep]

    geoms = _via_shore(lo, hi, node_x, node_y, shore_xy)
    route = np.zeros(len(lo), np.int8)
    wet = np.flatnonzero(shapely.intersects(barrier, geoms))
    keep = np.ones(len(lo), bool)
    for i, path in zip(wet, shore_paths(xy, lo[wet], hi[wet], barrier), strict=True):
        if path is None:
            keep[i] = False
        else:
            geoms[i] = shapely.linestrings(path)
            route[i] = ROUTE_SHORE
    # no sea crossings: every piece off the allowed region is at most MAX_WATER_GAP_M
    keep &= _longest_gap(geoms, allowed, (node_disk[lo], node_disk[hi])) <= MAX_WATER_GAP_M
    # a trunk or city link that fails is replaced by the chain of kept place links along
    # the coast (one link, timed as trunk), if that chain is not much longer
    is_place = (node_kind != NODE_GRID)[lo] & (node_kind != NODE_GRID)[hi]
    lost = np.flatnonzero(~keep & (cls >= EDGE_TRUNK))
    chains = _chain_paths(xy, lo, hi, geoms, keep & is_place, lo[lost], hi[lost])
    for i, path in zip(lost, chains, strict=True):
        if path is not None:
            geoms[i] = shapely.linestrings(path)
            route[i] = ROUTE_COAST
            keep[i] = True
    lo, hi, cls, geoms, route = lo[keep], hi[keep], cls[keep], geoms[keep], route[keep]

    # a place left with no link (the coarse coast cuts off Löttorp and Tjuvkil) is
    # linked straight to the nearest node (of its own municipality first) whose link
    # crosses no barrier water and at most RESCUE_MAX_GAP_M of sea
    degree = np.bincount(np.concatenate([lo, hi]), minlength=n)
    rescue_lo, rescue_hi = [], []
    for i in np.flatnonzero((degree == 0) & (off <= MAX_OFFSHORE_M)):
        same = np.flatnonzero((np.arange(n) != i) & (island == island[i]))
        if len(same) == 0:
            continue
        # nodes of its own municipality first, each group by distance
        other = node_kommun[same] != node_kommun[i]
        dist = np.hypot(node_x[same] - node_x[i], node_y[same] - node_y[i])
        same = same[np.lexsort((dist, other))]
        same = same[:RESCUE_TRIES]
        rg = _segments(
            np.full(len(same), node_x[i]), np.full(len(same), node_y[i]), node_x[same], node_y[same]
        )
        gap = _longest_gap(rg, allowed, (np.full(len(same), node_disk[i]), node_disk[same]))
        ok = ~shapely.intersects(barrier, rg) & (gap <= RESCUE_MAX_GAP_M)
        if ok.any():
            j = int(same[np.argmax(ok)])
            rescue_lo.append(min(int(i), j))
            rescue_hi.append(max(int(i), j))
    if rescue_lo:
        rl = np.asarray(rescue_lo, np.int64)
        rh = np.asarray(rescue_hi, np.int64)
        lo = np.concatenate([lo, rl])
        hi = np.concatenate([hi, rh])
        cls = np.concatenate([cls, np.full(len(rl), EDGE_LOCAL, np.int8)])
        geoms = np.concatenate([geoms, _segments(node_x[rl], node_y[rl], node_x[rh], node_y[rh])])
        route = np.concatenate([route, np.full(len(rl), ROUTE_RESCUE, np.int8)])
    length = shapely.length(geoms)

    # a link with a grid end crosses sparsely settled land, where the model cannot know
    # whether a road runs: "terrain", or "terrain_border" when its ends lie in different
    # municipalities (in the mountains and the inland north, municipality borders follow
    # the watersheds between the river valleys that the roads follow)
    grid_end = (node_kind[lo] == NODE_GRID) | (node_kind[hi] == NODE_GRID)
    cls[grid_end] = np.where(
        node_kommun[lo[grid_end]] == node_kommun[hi[grid_end]], EDGE_TERRAIN, EDGE_TERRAIN_BORDER
    )

    # fixed links between their landing nodes
    first_le = n - n_le
    fu, fv, fl, fc, ff, fi = [], [], [], [], [], []
    for li, link in enumerate(links):
        a, b = int(first_le + 2 * li), int(first_le + 2 * li + 1)
        straight = float(np.hypot(node_x[a] - node_x[b], node_y[a] - node_y[b]))
        fu.append(a)
        fv.append(b)
        fl.append(max(straight, link.length_m))
        fc.append(EDGE_FERRY if link.kind == "ferry" else EDGE_BRIDGE)
        ff.append(link.crossing_s + link.wait_s if link.kind == "ferry" else 0.0)
        fi.append(li)

    m = len(lo)
    return Topology(
        node_x=node_x,
        node_y=node_y,
        node_id=node_id,
        node_kind=node_kind,
        node_name=node_name,
        node_pop=node_pop,
        node_kommun=node_kommun,
        edge_u=np.concatenate([lo, np.asarray(fu, np.int64)]).astype(np.int64),
        edge_v=np.concatenate([hi, np.asarray(fv, np.int64)]).astype(np.int64),
        edge_straight_m=np.concatenate([length, np.asarray(fl, float)]),
        edge_class=np.concatenate([cls, np.asarray(fc, np.int8)]),
        edge_fixed_s=np.concatenate([np.zeros(m), np.asarray(ff, float)]),
        edge_link=np.concatenate([np.full(m, -1, np.int64), np.asarray(fi, np.int64)]),
        edge_route=np.concatenate([route, np.zeros(len(fu), np.int8)]),
        edge_geometry=np.concatenate(
            [
                geoms,
                _segments(
                    node_x[np.asarray(fu, np.int64)],
                    node_y[np.asarray(fu, np.int64)],
                    node_x[np.asarray(fv, np.int64)],
                    node_y[np.asarray(fv, np.int64)],
                ),
            ]
        ),
        barrier=barrier,
        land=dry,
    )
