"""Geometry of the modelled road network: nodes, candidate links, land and lake masks.

Private helper of :mod:`tillganglighet.networks.modelled.build`. Everything here is in EPSG:3006
(SWEREF 99 TM, metres) and independent of the speed parameters, so calibration can
re-time the same topology many times without redoing the geometry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import Delaunay, cKDTree
from shapely.ops import nearest_points

from tillganglighet.errors import DataIntegrityError
from tillganglighet._resources import geodata_path

__all__ = ["FixedLink", "Topology", "build_topology"]

#: Land polygons are widened by this much (metres): straits narrower than twice this are
#: taken as bridged, and coastal points just outside the simplified polygons stay on land.
LAND_BUFFER_M = 500.0
#: A generated link may leave the widened land polygons in pieces of at most this
#: length (metres): the simplified coastline cuts across bays and sounds.
MAX_WATER_GAP_M = 1000.0
#: Trunk links may leave land for this fraction of their length (bays and fjords that
#: the real trunk road goes round at the head or bridges: Bråviken, Laholmsbukten).
TRUNK_WATER_GAP_FRACTION = 0.5
#: A settlement up to this far (metres) outside the land polygons gets a disk of its own
#: reaching the land (coastal towns such as Kalmar, Karlskrona, Vaxholm, Hasslö).
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
MAIN_PLACE_LINK_MAX_M = 85_000.0
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
    """

    name: str
    kind: Literal["bridge", "ferry"]
    end_a: tuple[float, float]
    end_b: tuple[float, float]
    length_m: float
    crossing_s: float = 0.0
    wait_s: float = 0.0
    source: str = ""


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
        Straight-line length in metres.
    edge_class
        One of ``EDGE_*`` (int8).
    edge_fixed_s
        For ferries the fixed crossing + waiting time (seconds), else 0.
    edge_link
        Index into the fixed-link list, -1 for generated links.
    barrier
        Open water of the six barrier lakes (a shapely geometry, EPSG:3006).
    land
        The allowed region for generated links (buffered land plus offshore disks).
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


def barrier_water(lakes: gpd.GeoDataFrame, land_buffered: shapely.Geometry) -> shapely.Geometry:
    """Return the open water of the barrier lakes (EPSG:3006).

    Open water is what Natural Earth marks as lake *and* lies more than
    ``LAND_BUFFER_M`` from the municipality land polygons: the 1:10m lake outlines are
    coarse and cover shore towns (Stockholm, Östersund, Hjo) and bridged islands
    (Ekerö), which the municipality polygons have as land.
    """
    named = lakes[lakes["barrier"]].sort_values("lake_id")
    water = shapely.union_all(named.geometry.to_numpy())
    return shapely.difference(water, land_buffered)


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
    barrier = barrier_water(lakes, land_buffered)
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
    gxx, gyy = np.meshgrid(gx * GRID_SPACING_M, gy * GRID_SPACING_M)
    gxx, gyy = gxx.ravel(), gyy.ravel()
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
        for end in (link.end_a, link.end_b):
            p = shapely.Point(_lonlat_to_xy(*end))
            if not land.covers(p):
                p = nearest_points(land, p)[0]
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

    # allowed region: buffered land plus a disk from each offshore node to the land
    npts = shapely.points(node_x, node_y)
    off = shapely.distance(land, npts)
    disk_nodes = np.flatnonzero((off > 0) & (off <= MAX_OFFSHORE_M))
    disks = shapely.buffer(npts[disk_nodes], off[disk_nodes] + LAND_BUFFER_M, quad_segs=4)
    allowed = shapely.union_all(np.concatenate([[land_buffered], disks]))
    shapely.prepare(allowed)
    # shore nodes (Kvicksund, islands of Mälaren) must not sit in the barrier water
    barrier = shapely.difference(barrier, allowed)
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

    segs = shapely.linestrings(
        np.stack(
            [np.column_stack([node_x[lo], node_y[lo]]), np.column_stack([node_x[hi], node_y[hi]])],
            axis=1,
        )
    )
    ok = shapely.covers(allowed, segs)
    # the simplified coast cuts across bays and sounds: accept a link whose pieces off
    # the allowed region are each at most MAX_WATER_GAP_M long
    bad = np.flatnonzero(~ok)
    pieces, owner = shapely.get_parts(shapely.difference(segs[bad], allowed), return_index=True)
    longest = np.zeros(len(bad))
    np.maximum.at(longest, owner, shapely.length(pieces))
    gap_limit = np.where(
        cls[bad] >= EDGE_TRUNK,
        np.maximum(MAX_WATER_GAP_M, TRUNK_WATER_GAP_FRACTION * length[bad]),
        MAX_WATER_GAP_M,
    )
    ok[bad] = longest <= gap_limit
    ok[ok] = ~shapely.intersects(barrier, segs[ok])
    lo, hi, cls, length = lo[ok], hi[ok], cls[ok], length[ok]

    # a place left with no link (the coarse coast cuts off Lysekil, northern Öland) is
    # linked to the nearest node on its own land part, if it lies on or near that part
    degree = np.bincount(np.concatenate([lo, hi]), minlength=n)
    rescue_lo, rescue_hi = [], []
    for i in np.flatnonzero((degree == 0) & (off <= MAX_OFFSHORE_M)):
        same = np.flatnonzero((node_part == node_part[i]) & (np.arange(n) != i))
        if len(same) == 0:
            continue
        j = same[np.argmin(np.hypot(node_x[same] - node_x[i], node_y[same] - node_y[i]))]
        rescue_lo.append(min(i, j))
        rescue_hi.append(max(i, j))
    if rescue_lo:
        rl = np.asarray(rescue_lo, np.int64)
        rh = np.asarray(rescue_hi, np.int64)
        lo = np.concatenate([lo, rl])
        hi = np.concatenate([hi, rh])
        cls = np.concatenate([cls, np.full(len(rl), EDGE_LOCAL, np.int8)])
        length = np.concatenate(
            [length, np.hypot(node_x[rh] - node_x[rl], node_y[rh] - node_y[rl])]
        )
        rescue_segs = shapely.linestrings(
            np.stack(
                [
                    np.column_stack([node_x[rl], node_y[rl]]),
                    np.column_stack([node_x[rh], node_y[rh]]),
                ],
                axis=1,
            )
        )
        if shapely.intersects(barrier, rescue_segs).any():
            raise DataIntegrityError(
                "A rescue link of the modelled network crosses a barrier lake."
            )

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
    for i, link in enumerate(links):
        a, b = first_le + 2 * i, first_le + 2 * i + 1
        straight = float(np.hypot(node_x[a] - node_x[b], node_y[a] - node_y[b]))
        fu.append(a)
        fv.append(b)
        fl.append(max(straight, link.length_m))
        fc.append(EDGE_FERRY if link.kind == "ferry" else EDGE_BRIDGE)
        ff.append(link.crossing_s + link.wait_s if link.kind == "ferry" else 0.0)
        fi.append(i)

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
        barrier=barrier,
        land=allowed,
    )
