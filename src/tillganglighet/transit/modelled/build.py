"""Generate the modelled national timetable as GTFS tables (pandas DataFrames).

The feed is built from the modelled road network
(:func:`tillganglighet.networks.load.modelled_network`) and the settlement hierarchy
(:func:`tillganglighet.data.geodata.origins`):

* **stops**: one at every place of the population model (a settlement's or city
  section's origins ``gn<id>.<k>`` gathered back into ``gn<id>``), one at every dispersed
  origin (``d<cell>``, stop kind ``dispersed``), plus a square grid of town stops in
  every place of at least :data:`~.rules.TOWN_GRID_MIN_POP` inhabitants (dispersed cells
  never), plus (density > 1 only) roadside
  stops on the road links of bus lines;
* **lines** (GTFS routes, one pattern per direction): ``local`` from every place to its
  municipality's main place; a dispersed cell within :data:`~.rules.CORRIDOR_STOP_M` of
  the road link of a bus line between places is an intermediate stop of every such line
  on that link (a *corridor stop*), any other cell has its own local line to the
  destination of :func:`dispersed_destinations`; ``regional`` between the main places
  of neighbouring municipalities; ``county`` from every main place to its county seat and to the
  largest place of its FA region (the local labour market); ``rail`` (rail-like
  express lines) between neighbouring centres and on the strongest corridors; ``town``
  lines along the rows and columns of each town grid;
* **running times** = modelled car time along the road path × a factor + a dwell time per
  stop served after the first; town lines at a fixed scheduled speed;
* **service**: departures per weekday and direction from the people along the line
  (:data:`~.rules.CORRIDOR_SERVICE`), evenly spread between a first and a last departure
  with a per-line phase (:data:`~.rules.DEPARTURE_PHASE`, :mod:`.rules`).

Everything is deterministic: the same inputs and rules give identical tables (rows
sorted, ids derived from the inputs). Coordinates: EPSG:3006 internally, WGS 84 in
``stops.txt``; times in seconds after midnight internally, ``HH:MM:SS`` in the tables.
"""

from __future__ import annotations

import itertools
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay, cKDTree

from tillganglighet.errors import InputValidationError
from tillganglighet.transit.modelled import rules as R
from tillganglighet.transit.modelled.rules import FITTED_RULES, Rules

__all__ = [
    "Model",
    "build_feed",
    "build_model",
    "format_gtfs_time",
    "timed_patterns",
    "trip_departures",
]

_TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
Progress = Callable[[str], None]


@dataclass
class Model:
    """The intermediate model: stops and line patterns before trips are laid out.

    Attributes
    ----------
    stops
        ``stop_id``, ``stop_name``, ``x_m``, ``y_m`` (EPSG:3006), ``kind`` (``place``,
        ``town``, ``roadside``), ``place_id`` (origin id of the place it belongs to, or
        ``""``), ``population`` (persons the stop stands for in the Kolada proxy).
    patterns
        One row per line: ``route_id``, ``kind``, ``name``, ``stop_idx`` (int array of
        positions in ``stops``), ``offset_s`` (float array, running time from the
        first stop), ``n_per_direction``, ``first_s``, ``last_s``, ``a_place``,
        ``b_place`` (origin ids of the ends).
    """

    stops: pd.DataFrame
    patterns: list[dict]


def format_gtfs_time(seconds: np.ndarray) -> np.ndarray:
    """Format seconds after midnight as GTFS ``HH:MM:SS`` strings (hours may exceed 23)."""
    s = np.asarray(seconds, dtype=np.int64)
    h, rem = np.divmod(s, 3600)
    m, sec = np.divmod(rem, 60)
    out = pd.Series(h).astype(str).str.zfill(2) + ":" + pd.Series(m).astype(str).str.zfill(2)
    out = out + ":" + pd.Series(sec).astype(str).str.zfill(2)
    return out.to_numpy(dtype=object)


# ------------------------------------------------------------------------------ places
def _places() -> pd.DataFrame:
    """Places (settlements and city sections of the population model) with their
    road-network node, main-place and county-seat flags.

    The population model spreads each place over several origins (``gn<id>.1`` ...) and
    adds dispersed origins; a place's stop stands at the place itself, so its origins are
    gathered back into one place (population summed, position their mean = the place).
    Dispersed people reach the nearest stop on foot (rural access radius).
    """
    from tillganglighet.data import geodata
    from tillganglighet.networks.modelled.build import modelled_nodes

    every = geodata.origins()
    every = every[every["origin_kind"].isin(["settlement", "section"])]
    base = every["origin_id"].str.replace(r"\.\d+$", "", regex=True)
    frame = pd.DataFrame(every.drop(columns="geometry")).assign(
        place=base.to_numpy(), x=every.geometry.x.to_numpy(), y=every.geometry.y.to_numpy()
    )
    grouped = frame.groupby("place", sort=False)
    o = grouped.agg(
        name=("name", "first"),
        kommun_kod=("kommun_kod", "first"),
        lan_kod=("lan_kod", "first"),
        fa_kod=("fa_kod", "first"),
        population=("population", "sum"),
        is_largest=("is_largest", "any"),
        x=("x", "mean"),
        y=("y", "mean"),
    ).reset_index()
    o = o.rename(columns={"place": "origin_id"})
    o = gpd.GeoDataFrame(o, geometry=gpd.points_from_xy(o["x"], o["y"]), crs="EPSG:3006")
    nodes = modelled_nodes()
    by_id = pd.Series(nodes["node"].to_numpy(), index=nodes["node_id"].to_numpy())
    gid = o["origin_id"].str.slice(2)
    node = np.full(len(o), -1, dtype=np.int64)
    is_gn = o["origin_id"].str.startswith("gn").to_numpy()
    ids = pd.to_numeric(gid[is_gn]).to_numpy()
    found = by_id.reindex(ids)
    node[is_gn] = found.fillna(-1).to_numpy(dtype=np.int64)
    x = o.geometry.x.to_numpy()
    y = o.geometry.y.to_numpy()
    tree = cKDTree(np.column_stack([nodes["x_m"], nodes["y_m"]]))
    missing = node < 0
    if missing.any():
        node[missing] = tree.query(np.column_stack([x[missing], y[missing]]))[1]
    out = pd.DataFrame(
        {
            "place_id": o["origin_id"].to_numpy(),
            "name": o["name"].to_numpy(),
            "kommun_kod": o["kommun_kod"].to_numpy(),
            "lan_kod": o["lan_kod"].to_numpy(),
            "fa_kod": o["fa_kod"].to_numpy(),
            "population": o["population"].to_numpy(dtype=np.int64),
            "is_main": o["is_largest"].to_numpy(bool),
            "node": node,
            "x_m": x,
            "y_m": y,
        }
    )
    seat = np.zeros(len(out), bool)
    for lan, name in R.COUNTY_SEATS.items():
        hit = np.flatnonzero((out["lan_kod"] == lan).to_numpy() & (out["name"] == name).to_numpy())
        if len(hit) != 1:
            raise InputValidationError(
                f"rules.COUNTY_SEATS: county {lan} seat {name!r} matches {len(hit)} origins"
            )
        seat[hit[0]] = True
    out["is_seat"] = seat
    out["is_dispersed"] = False
    return out


def _dispersed_cells(places: pd.DataFrame) -> pd.DataFrame:
    """Dispersed origins of the population model as stops of their own (same columns as
    :func:`_places`, ``is_dispersed`` True, never a main place or a county seat).

    Each cell's stop stands at the cell's point (its origin), on the road network at the
    nearest node. Its population is the cell's.
    """
    from tillganglighet.data import geodata
    from tillganglighet.networks.modelled.build import modelled_nodes

    every = geodata.origins()
    d = every[every["origin_kind"] == "dispersed"]
    nodes = modelled_nodes()
    tree = cKDTree(np.column_stack([nodes["x_m"], nodes["y_m"]]))
    x, y = d.geometry.x.to_numpy(), d.geometry.y.to_numpy()
    node = np.asarray(tree.query(np.column_stack([x, y]))[1], dtype=np.int64)
    return pd.DataFrame(
        {
            "place_id": d["origin_id"].to_numpy(),
            "name": d["name"].to_numpy(),
            "kommun_kod": d["kommun_kod"].to_numpy(),
            "lan_kod": d["lan_kod"].to_numpy(),
            "fa_kod": d["fa_kod"].to_numpy(),
            "population": d["population"].to_numpy(dtype=np.int64),
            "is_main": False,
            "node": node,
            "x_m": x,
            "y_m": y,
            "is_seat": False,
            "is_dispersed": True,
        }
    )


def dispersed_destinations(places: pd.DataFrame) -> np.ndarray:
    """Where the local line of each dispersed cell runs (positions in ``places``).

    Rule (:data:`~.rules.DISPERSED_LINE_RULE`): a cell with at most as many people as
    its municipality's main place is served towards that main place (rural people
    travel to their centre); a larger cell (a suburb whose settlement GeoNames does not
    list, e.g. Tyresö, Salem) is served towards the nearest place (straight line) with
    at least as many inhabitants as the cell, or the main place when there is none.
    The destination thus always has at least the cell's population, and the local
    service rule (``P`` = the smaller end) gives the cell the service its own
    population implies.

    Parameters
    ----------
    places
        Places then dispersed cells, as built by :func:`_build_model`.

    Returns
    -------
    numpy.ndarray
        int64 position in ``places`` of the destination of every row (-1 for places).
    """
    disp = places["is_dispersed"].to_numpy(bool)
    pop = places["population"].to_numpy(np.int64)
    main = places[places["is_main"].to_numpy(bool)]
    main_by_kommun = pd.Series(main.index.to_numpy(), index=main["kommun_kod"].to_numpy())
    out = np.full(len(places), -1, dtype=np.int64)
    real = np.flatnonzero(~disp)
    # candidates sorted by population: those with pop >= P are a suffix
    order = real[np.argsort(pop[real], kind="stable")]
    sorted_pop = pop[order]
    xy = places[["x_m", "y_m"]].to_numpy(float)
    for i in np.flatnonzero(disp):
        m = int(main_by_kommun[places.at[i, "kommun_kod"]])
        if pop[i] <= pop[m]:
            out[i] = m
            continue
        cand = order[np.searchsorted(sorted_pop, pop[i], side="left") :]
        if not len(cand):
            out[i] = m
            continue
        d2 = (xy[cand, 0] - xy[i, 0]) ** 2 + (xy[cand, 1] - xy[i, 1]) ** 2
        best = np.flatnonzero(d2 == d2.min())
        out[i] = int(min(cand[best]))
    return out


def _neighbour_pairs() -> set[tuple[str, str]]:
    """Municipality code pairs (sorted) whose polygons come within NEIGHBOUR_GAP_M."""
    import shapely

    from tillganglighet.data import geodata
    from tillganglighet.networks.modelled.geometry import NEIGHBOUR_GAP_M

    m = geodata.municipalities()
    geoms = m.geometry.to_numpy()
    a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=NEIGHBOUR_GAP_M)
    codes = m["kommun_kod"].to_numpy()
    return {(codes[i], codes[j]) for i, j in zip(a, b, strict=True) if codes[i] < codes[j]}


# ------------------------------------------------------------------------- town grids
def _town_grids(places: pd.DataFrame, density: float) -> pd.DataFrame:
    """Grid stops of the towns: ``place``, ``gx``, ``gy`` (grid indices), ``x_m``, ``y_m``.

    The grid of a town is anchored at its centre (grid index (0, 0) is the place's own
    stop). A grid point inside several town discs belongs to the town for which it is
    nearest relative to the disc radius.
    """
    spacing = R.TOWN_STOP_SPACING_M / np.sqrt(density)
    towns = places[places["population"] >= R.TOWN_GRID_MIN_POP]
    dens = np.where(
        towns["population"] >= R.CITY_MIN_POP, R.CITY_DENSITY_PER_KM2, R.TOWN_DENSITY_PER_KM2
    )
    radius = np.sqrt(towns["population"].to_numpy() / dens / np.pi) * 1000.0
    cx, cy = towns["x_m"].to_numpy(), towns["y_m"].to_numpy()
    rows = []
    for k, (ti, r) in enumerate(zip(towns.index, radius, strict=True)):
        n = int(np.floor(r / spacing))
        g = np.arange(-n, n + 1)
        mx, my = np.meshgrid(g, g, indexing="ij")
        gx, gy = mx.ravel(), my.ravel()
        keep = np.hypot(gx, gy) * spacing <= r
        rows.append(
            pd.DataFrame(
                {
                    "town": k,
                    "place": ti,
                    "gx": gx[keep],
                    "gy": gy[keep],
                    "x_m": cx[k] + gx[keep] * spacing,
                    "y_m": cy[k] + gy[keep] * spacing,
                }
            )
        )
    grid = pd.concat(rows, ignore_index=True)
    # ownership: nearest centre relative to radius, among the discs containing the point
    tree = cKDTree(np.column_stack([cx, cy]))
    pts = grid[["x_m", "y_m"]].to_numpy()
    cand = tree.query_ball_point(pts, r=float(radius.max()))
    own = grid["town"].to_numpy().copy()
    best = np.hypot(pts[:, 0] - cx[own], pts[:, 1] - cy[own]) / radius[own]
    for i, cs in enumerate(cand):
        for c in cs:
            d = np.hypot(pts[i, 0] - cx[c], pts[i, 1] - cy[c]) / radius[c]
            if d <= 1.0 and (d < best[i] or (d == best[i] and c < own[i])):
                best[i], own[i] = d, c
    grid = grid[own == grid["town"].to_numpy()].reset_index(drop=True)
    return grid


# ------------------------------------------------------------------------------ build
_MODELS: dict[tuple[float, bool], Model] = {}


def build_model(
    *, density: float = 1.0, towns: bool = True, progress: Progress | None = None
) -> Model:
    """Build stops and line patterns (see module docstring).

    Parameters
    ----------
    density
        Density knob (≥ 1 recommended; > 0): town stop spacing shrinks by √density and,
        above 1, roadside stops are added every ``ROADSIDE_SPACING_M / (density - 1)``
        metres of bus line road. Service levels do not change. ``density=1`` is the
        calibrated model; the engine benchmark uses a larger value (see
        :data:`tillganglighet.transit.modelled.BENCHMARK_DENSITY`).
    towns
        Include town grids and town lines (calibration of inter-place lines can skip
        them: they do not change direct trips between places).
    progress
        Optional ``progress(message)`` callback.

    Returns
    -------
    Model
        Memoised in-process per (density, towns): the build is deterministic.
    """
    if not density > 0:
        raise InputValidationError(f"density must be > 0, got {density!r}")
    key = (float(density), bool(towns))
    if key not in _MODELS:
        _MODELS[key] = _build_model(density, towns, progress)
    return _MODELS[key]


def _build_model(density: float, towns: bool, progress: Progress | None) -> Model:
    from tillganglighet.networks.load import modelled_network
    from tillganglighet.networks.modelled.build import DETOUR_FACTOR, _topology
    from tillganglighet.networks.modelled.geometry import EDGE_FERRY

    t0 = time.perf_counter()

    def log(msg: str) -> None:
        if progress:
            progress(f"modelled timetable: {msg} ({time.perf_counter() - t0:.1f} s)")

    places = _places()
    if R.DISPERSED_STOPS:
        places = pd.concat([places, _dispersed_cells(places)], ignore_index=True)
    is_disp = places["is_dispersed"].to_numpy(bool)
    places["is_town"] = (places["population"] >= R.TOWN_GRID_MIN_POP).to_numpy() & ~is_disp
    net = modelled_network()
    g = net.csr()
    topo = _topology()
    ferry = set()
    for u, v, c in zip(topo.edge_u, topo.edge_v, topo.edge_class, strict=True):
        if c == EDGE_FERRY:
            ferry.add((int(u), int(v)))
            ferry.add((int(v), int(u)))
    node_x, node_y = net.node_x, net.node_y
    n_nodes = net.n_nodes
    node_place = np.full(n_nodes, -1, dtype=np.int64)
    # a node shared by several places keeps the largest; dispersed cells are served by
    # their own line only (lines passing their node do not stop there)
    real = places[~is_disp]
    for i in real.sort_values("population", kind="stable").index:
        node_place[places.at[i, "node"]] = i

    # ---------------------------------------------------------------- line candidates
    cands: dict[tuple[int, int], str] = {}
    prio = {k: i for i, k in enumerate(R.LINE_KINDS)}

    def add(a: int, b: int, kind: str) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        old = cands.get(key)
        if old is None or prio[kind] < prio[old]:
            cands[key] = kind

    main = places[places["is_main"]]
    main_by_kommun = pd.Series(main.index.to_numpy(), index=main["kommun_kod"].to_numpy())
    for i in places.index[~places["is_main"].to_numpy() & ~is_disp]:
        add(int(i), int(main_by_kommun[places.at[i, "kommun_kod"]]), "local")
    dest = dispersed_destinations(places)
    for i in np.flatnonzero(is_disp):
        add(int(i), int(dest[i]), "local")
    for ka, kb in sorted(_neighbour_pairs()):
        if ka in main_by_kommun.index and kb in main_by_kommun.index:
            add(int(main_by_kommun[ka]), int(main_by_kommun[kb]), "regional")
    seats = places[places["is_seat"]]
    seat_by_lan = pd.Series(seats.index.to_numpy(), index=seats["lan_kod"].to_numpy())
    for i in main.index:
        add(int(i), int(seat_by_lan[places.at[i, "lan_kod"]]), "county")
    # and to the centre of its FA region (local labour market): its largest place
    centre_by_fa = real.sort_values(["population", "place_id"], ascending=[False, True])
    centre_by_fa = centre_by_fa.drop_duplicates("fa_kod").set_index("fa_kod")["place_id"]
    pos_of = pd.Series(places.index.to_numpy(), index=places["place_id"].to_numpy())
    for i in main.index:
        add(int(i), int(pos_of[centre_by_fa[places.at[i, "fa_kod"]]]), "county")
    bus_pairs = sorted(cands.items())

    centres = real[real["is_seat"] | (real["population"] >= R.RAIL_CENTRE_MIN_POP)]
    cidx = centres.index.to_numpy()
    cxy = centres[["x_m", "y_m"]].to_numpy()
    rail_pairs: set[tuple[int, int]] = set()
    tri = Delaunay(cxy)
    for simplex in tri.simplices:
        for p, q in ((0, 1), (1, 2), (0, 2)):
            a, b = int(cidx[simplex[p]]), int(cidx[simplex[q]])
            if np.hypot(*(cxy[simplex[p]] - cxy[simplex[q]])) <= R.RAIL_MAX_M:
                rail_pairs.add((min(a, b), max(a, b)))
    pop = places["population"].to_numpy(dtype=float)
    grav = []
    for p in range(len(cidx)):
        for q in range(p + 1, len(cidx)):
            d = float(np.hypot(*(cxy[p] - cxy[q])))
            if d >= R.RAIL_CORRIDOR_MIN_M:
                grav.append(
                    (-pop[cidx[p]] * pop[cidx[q]] / (d / 1000) ** 2, int(cidx[p]), int(cidx[q]))
                )
    grav.sort()
    for _, a, b in grav[: R.RAIL_CORRIDORS]:
        rail_pairs.add((min(a, b), max(a, b)))
    log(f"{len(bus_pairs)} bus lines, {len(rail_pairs)} rail-like lines between places")

    # ---------------------------------------------------------------- road paths
    ends = sorted({a for (a, b), _ in bus_pairs} | {a for a, b in rail_pairs})
    src_nodes = places.loc[ends, "node"].to_numpy()
    dist, pred = dijkstra(g, directed=True, indices=src_nodes, return_predecessors=True)
    row_of = {p: k for k, p in enumerate(ends)}
    log(f"road paths from {len(ends)} places")

    def path(a: int, b: int) -> list[int] | None:
        r = row_of[a]
        tgt = int(places.at[b, "node"])
        if not np.isfinite(dist[r, tgt]):
            return None
        seq = [tgt]
        while seq[-1] != src_nodes[r]:
            seq.append(int(pred[r, seq[-1]]))
        return seq[::-1]

    # ---------------------------------------------------------------- stops
    st_x = list(places["x_m"].to_numpy())
    st_y = list(places["y_m"].to_numpy())
    st_id = list(places["place_id"].to_numpy())
    st_name = list(places["name"].to_numpy())
    st_kind = list(np.where(is_disp, "dispersed", "place"))
    st_place = list(places["place_id"].to_numpy())
    st_pop = list(places["population"].to_numpy(dtype=float))
    roadside: dict[tuple[int, int, int], int] = {}
    road_spacing = R.ROADSIDE_SPACING_M / (density - 1.0) if density > 1.0 else np.inf

    def roadside_stops(u: int, v: int) -> list[tuple[int, float]]:
        """Roadside stops on link u->v as (stop index, fraction of the link from u)."""
        if not np.isfinite(road_spacing):
            return []
        lo, hi = min(u, v), max(u, v)
        length = float(np.hypot(node_x[hi] - node_x[lo], node_y[hi] - node_y[lo])) * DETOUR_FACTOR
        k = int(length // road_spacing)
        out = []
        for j in range(1, k + 1):
            f = j / (k + 1)
            key = (lo, hi, j)
            s = roadside.get(key)
            if s is None:
                s = len(st_id)
                roadside[key] = s
                st_id.append(f"rs{lo}_{hi}_{j}")
                st_name.append(
                    f"Väg {st_name[node_place[lo]] if node_place[lo] >= 0 else lo}"
                    f"–{st_name[node_place[hi]] if node_place[hi] >= 0 else hi} {j}"
                )
                st_x.append(node_x[lo] + f * (node_x[hi] - node_x[lo]))
                st_y.append(node_y[lo] + f * (node_y[hi] - node_y[lo]))
                st_kind.append("roadside")
                st_place.append("")
                st_pop.append(0.0)
            out.append((s, f if lo == u else 1.0 - f))
        out.sort(key=lambda t: t[1])
        return out

    patterns: list[dict] = []

    # ------------------------------------------------------ corridor stops (dispersed)
    seqs = {pair: path(*pair) for pair, _ in bus_pairs}
    # cells within reach of a line's road link, as (cell, fraction of the link from lo)
    edge_cells: dict[tuple[int, int], list[tuple[float, int]]] = {}
    if R.CORRIDOR_STOP_M > 0 and is_disp.any():
        import shapely

        links = sorted(
            {
                (min(int(u), int(v)), max(int(u), int(v)))
                for (a, b), seq in seqs.items()
                if seq is not None and not is_disp[b]
                for u, v in itertools.pairwise(seq)
            }
        )
        if links:
            lu = np.asarray([u for u, _ in links], dtype=np.int64)
            lv = np.asarray([v for _, v in links], dtype=np.int64)
            segs = shapely.linestrings(
                np.stack(
                    [
                        np.column_stack([node_x[lu], node_y[lu]]),
                        np.column_stack([node_x[lv], node_y[lv]]),
                    ],
                    axis=1,
                )
            )
            cells = np.flatnonzero(is_disp)
            pts = shapely.points(places.loc[cells, "x_m"], places.loc[cells, "y_m"])
            ci, si = shapely.STRtree(segs).query_nearest(
                pts, max_distance=R.CORRIDOR_STOP_M, all_matches=False
            )
            frac = shapely.line_locate_point(segs[si], pts[ci], normalized=True)
            for c, j, f in zip(cells[ci], si, frac, strict=True):
                edge_cells.setdefault(links[int(j)], []).append((float(f), int(c)))
            for v in edge_cells.values():
                v.sort()
    on_corridor = {c for cs in edge_cells.values() for _, c in cs}
    # large corridor cells keep their own line too (rules.CORRIDOR_OWN_LINE_MIN_POP)
    keep_own = {c for c in on_corridor if pop[c] >= R.CORRIDOR_OWN_LINE_MIN_POP}
    bus_pairs = [(pr, k) for pr, k in bus_pairs if pr[1] not in on_corridor or pr[1] in keep_own]
    log(f"{len(on_corridor)} dispersed cells served as corridor stops")

    for (a, b), kind in bus_pairs:
        seq = seqs[(a, b)]
        if seq is None:
            continue
        private = bool(is_disp[b])
        r = row_of[a]
        cum = dist[r, seq]
        stop_idx: list[int] = []
        car_cum: list[float] = []
        for k, node in enumerate(seq):
            if k > 0:
                u = int(seq[k - 1])
                on_link = roadside_stops(u, node)
                if not private:
                    lo, hi = min(u, int(node)), max(u, int(node))
                    for f, c in edge_cells.get((lo, hi), []):
                        on_link.append((c, f if lo == u else 1.0 - f))
                    on_link.sort(key=lambda t: (t[1], t[0]))
                for s, f in on_link:
                    stop_idx.append(s)
                    car_cum.append(cum[k - 1] + f * (cum[k] - cum[k - 1]))
            p = node_place[node]
            if p >= 0:
                stop_idx.append(int(p))
                car_cum.append(float(cum[k]))
        stop_idx[0] = a
        if is_disp[b]:
            # the cell's stop closes its line, after every place on the path (a place on
            # the cell's own road node included)
            stop_idx.append(b)
            car_cum.append(float(cum[-1]))
        else:
            stop_idx[-1] = b
        pat = _pattern(kind, a, b, places, stop_idx, car_cum)
        pat["p_min"] = min(pop[a], pop[b])
        inner = pat["stop_idx"][1:-1]
        inner = inner[inner < len(places)]
        pat["cells"] = np.unique(inner[is_disp[inner]])
        pat["b_idx"] = int(b)
        pat["car_h"] = float(dist[r, seq[-1]]) / 3600.0
        patterns.append(pat)
    # corridor population: each corridor cell counts for one line only, the most local
    # kind among the lines on its link (then the smallest route id)
    owner: dict[int, tuple[int, str]] = {}
    for pat in patterns:
        key = (prio[pat["kind"]] * -1, pat["route_id"])
        if is_disp[pat["b_idx"]]:
            key = (-len(prio), pat["route_id"])  # a cell's own line owns the cell
            owner[pat["b_idx"]] = key
        for c in pat["cells"].tolist():
            old_key = owner.get(c)
            if old_key is None or key < old_key:
                owner[c] = key
    for pat in patterns:
        mine = [c for c in pat["cells"].tolist() if owner[c][1] == pat["route_id"]]
        pat["p_line"] = float(pat["p_min"] + pop[mine].sum())
        del pat["cells"], pat["b_idx"]
    for a, b in sorted(rail_pairs):
        seq = path(a, b)
        if seq is None:
            continue
        if any((seq[k - 1], seq[k]) in ferry for k in range(1, len(seq))):
            continue  # no rail-like line over a ferry
        r = row_of[a]
        cum = dist[r, seq]
        stop_idx, car_cum = [], []
        for k, node in enumerate(seq):
            p = node_place[node]
            if p >= 0 and (k == 0 or k == len(seq) - 1 or pop[p] >= R.RAIL_STOP_MIN_POP):
                stop_idx.append(int(p))
                car_cum.append(float(cum[k]))
        stop_idx[0] = a
        stop_idx[-1] = b
        d_km = (
            float(
                np.hypot(
                    places.at[a, "x_m"] - places.at[b, "x_m"],
                    places.at[a, "y_m"] - places.at[b, "y_m"],
                )
            )
            / 1000.0
        )
        pat = _pattern("rail", a, b, places, stop_idx, car_cum)
        pat["gravity"] = pop[a] * pop[b] / max(d_km, 10.0) ** 2
        patterns.append(pat)
    log(f"{len(patterns)} inter-place lines")

    # ---------------------------------------------------------------- towns
    if towns:
        grid = _town_grids(places[~is_disp], density)
        spacing = R.TOWN_STOP_SPACING_M / np.sqrt(density)
        centre = (grid["gx"] == 0) & (grid["gy"] == 0)
        gstop = np.empty(len(grid), dtype=np.int64)
        gstop[centre.to_numpy()] = grid.loc[centre, "place"].to_numpy()
        extra = np.flatnonzero(~centre.to_numpy())
        base = len(st_id)
        gstop[extra] = base + np.arange(len(extra))
        pl_id = places["place_id"].to_numpy()
        pl_name = places["name"].to_numpy()
        g_place = grid["place"].to_numpy()
        g_gx, g_gy = grid["gx"].to_numpy(), grid["gy"].to_numpy()
        g_x, g_y = grid["x_m"].to_numpy(), grid["y_m"].to_numpy()
        for i in extra:
            p, gx, gy = int(g_place[i]), int(g_gx[i]), int(g_gy[i])
            st_id.append(f"{pl_id[p]}_{gx}_{gy}")
            st_name.append(f"{pl_name[p]} {gx:+d}/{gy:+d}")
            st_x.append(float(g_x[i]))
            st_y.append(float(g_y[i]))
            st_kind.append("town")
            st_place.append(pl_id[p])
            st_pop.append(0.0)
        # population of a town spread evenly over its grid stops (Kolada proxy)
        n_per_town = grid.groupby("place").size()
        for p, cnt in n_per_town.items():
            share = pop[int(p)] / cnt
            st_pop[int(p)] = share
            for s in gstop[(grid["place"] == p).to_numpy() & ~centre.to_numpy()]:
                st_pop[int(s)] = share
        for p, sub in grid.assign(stop=gstop).groupby("place", sort=True):
            p = int(p)
            hw = R.TOWN_HEADWAY_REF_MIN * (pop[p] / R.TOWN_HEADWAY_REF_POP) ** (
                -R.TOWN_HEADWAY_EXPONENT
            )
            hw_s = float(np.clip(hw, R.TOWN_HEADWAY_MIN_MIN, R.TOWN_HEADWAY_MAX_MIN)) * 60.0
            for axis, other in (("gy", "gx"), ("gx", "gy")):
                for val, line in sub.groupby(axis, sort=True):
                    line = line.sort_values(other)
                    pos = line[other].to_numpy()
                    breaks = np.flatnonzero(np.diff(pos) > 1) + 1
                    for piece_no, piece in enumerate(np.split(np.arange(len(pos)), breaks)):
                        if len(piece) < 2:
                            continue
                        stops_ = line["stop"].to_numpy()[piece]
                        d_m = (pos[piece] - pos[piece][0]) * spacing
                        offs = d_m / (R.TOWN_BUS_SPEED_KPH / 3.6)
                        rid = f"T{pl_id[p]}_{'r' if axis == 'gy' else 'c'}{int(val):+d}"
                        if piece_no:
                            rid += f"_{piece_no}"
                        patterns.append(
                            {
                                "route_id": rid,
                                "kind": "town",
                                "name": f"{pl_name[p]} stadstrafik "
                                f"{'öst-väst' if axis == 'gy' else 'nord-syd'} {int(val):+d}",
                                "stop_idx": np.asarray(stops_, dtype=np.int64),
                                "offset_s": offs,
                                "headway_s": hw_s,
                                "first_s": R.TOWN_FIRST_S,
                                "last_s": R.TOWN_LAST_S,
                                "a_place": pl_id[p],
                                "b_place": pl_id[p],
                            }
                        )
        log(f"{len(grid)} town grid stops in {len(n_per_town)} towns")

    stops = pd.DataFrame(
        {
            "stop_id": st_id,
            "stop_name": st_name,
            "x_m": np.asarray(st_x, float),
            "y_m": np.asarray(st_y, float),
            "kind": st_kind,
            "place_id": st_place,
            "population": np.asarray(st_pop, float),
        }
    )
    return Model(stops=stops, patterns=patterns)


def _pattern(
    kind: str, a: int, b: int, places: pd.DataFrame, stop_idx: list[int], car_cum: list[float]
) -> dict:
    # consecutive duplicates (a place node repeated) are merged
    idx = np.asarray(stop_idx, dtype=np.int64)
    keep = np.concatenate([[True], idx[1:] != idx[:-1]])
    a_id, b_id = places.at[a, "place_id"], places.at[b, "place_id"]
    prefix = {"rail": "R", "county": "C", "regional": "G", "local": "L"}[kind]
    return {
        "route_id": f"{prefix}{a_id}-{b_id}",
        "kind": kind,
        "name": f"{places.at[a, 'name']}–{places.at[b, 'name']}",
        "stop_idx": idx[keep],
        "car_s": np.asarray(car_cum, float)[keep],
        "town": places["is_town"].to_numpy(bool)[np.minimum(idx[keep], len(places) - 1)]
        & (idx[keep] < len(places)),
        "dispersed": places["is_dispersed"].to_numpy(bool)[np.minimum(idx[keep], len(places) - 1)]
        & (idx[keep] < len(places)),
        "a_place": a_id,
        "b_place": b_id,
    }


def timed_patterns(model: Model, rules: Rules = FITTED_RULES) -> list[dict]:
    """Apply the fitted rules: running times (``offset_s``) and departures per direction.

    Returns new pattern dicts (the model is not changed), sorted by ``route_id``. Bus
    lines: ``offset = bus_factor × car time + bus_dwell_s × stops passed + bus_town_s ×
    town stops passed`` (a town stop counts half on leaving and half on reaching it, the
    ends included: town streets, many stops); rail-like
    lines likewise with the rail parameters; departures from :class:`~.rules.Rules`.
    """
    out = []
    pop_of = dict(zip(model.stops["stop_id"], model.stops["population"], strict=True))
    for pat in model.patterns:
        p = dict(pat)
        kind = p["kind"]
        if kind != "town":
            k = np.arange(len(p["car_s"]))
            if not R.CORRIDOR_STOP_DWELL and "dispersed" in p:
                # corridor (dispersed) stops add no dwell; the first stop never counts
                # (the line's ends always count: a private line ends at its cell)
                counted = (~p["dispersed"]).astype(np.int64)
                counted[-1] = 1
                counted[0] = 0
                k = np.cumsum(counted)
            town = p["town"].astype(float)
            # half the town time on leaving a town stop, half on reaching the next
            town_cum = np.concatenate([[0.0], np.cumsum((town[:-1] + town[1:]) / 2.0)])
            if kind == "rail":
                p["offset_s"] = p["car_s"] * rules.rail_factor + rules.rail_dwell_s * k
                n = rules.rail_a * (p["gravity"] / 1e6) ** rules.rail_e
                cap = rules.max_rail
            else:
                p["offset_s"] = (
                    p["car_s"] * rules.bus_factor
                    + rules.bus_dwell_s * k
                    + rules.bus_town_s * town_cum
                )
                p_serv = p["p_line"] if R.CORRIDOR_SERVICE else p["p_min"]
                p_serv = max(float(p_serv), float(p["p_min"]))
                if kind == "local":
                    n = rules.local_a * (p_serv / 1000.0) ** rules.local_e
                    cap = rules.max_local
                else:
                    n = (
                        rules.regional_a
                        * (p_serv / 1000.0) ** rules.regional_e
                        * max(p["car_h"], 0.25) ** (-rules.regional_g)
                    )
                    cap = rules.max_regional
            p["n_continuous"] = float(np.clip(n, 1.0, cap))
            p["n_per_direction"] = int(np.clip(np.round(n), 1, cap))
            a_pop = pop_of.get(p["a_place"], 0.0)
            b_pop = pop_of.get(p["b_place"], 0.0)
            p["inbound_dir"] = 0 if a_pop <= b_pop else 1
        out.append(p)
    return sorted(out, key=lambda q: q["route_id"])


def trip_departures(pat: dict, direction: int) -> np.ndarray:
    """Departure times (s, whole minutes) of a timed pattern's trips from its first stop."""
    return np.round(_departures(pat, direction) / 60.0) * 60.0


def _departures(pat: dict, direction: int) -> np.ndarray:
    """Departure times (s) from the first stop of the pattern in ``direction``.

    Direction 0 runs from ``a`` to ``b`` (``a`` is the place listed first in the origins
    table, not necessarily the smaller one); ``pat["inbound_dir"]`` is the direction
    towards the larger place (set by :func:`timed_patterns`).
    """
    if "headway_s" in pat:
        return np.arange(pat["first_s"], pat["last_s"] + 1, pat["headway_s"])
    n = pat["n_per_direction"]
    if n == 1:
        inbound = pat["inbound_dir"] == direction
        return np.array([R.SINGLE_TRIP_INBOUND_S if inbound else R.SINGLE_TRIP_OUTBOUND_S], float)
    last = R.LAST_DEP_FEW_S if n <= R.FEW_TRIPS else R.LAST_DEP_MANY_S
    phase = zlib.crc32(f"{pat['route_id']}/{direction}".encode()) / 2**32
    return R.FIRST_DEP_S + (np.arange(n) + phase) * (last - R.FIRST_DEP_S) / n


def build_feed(
    *,
    density: float = 1.0,
    rules: Rules = FITTED_RULES,
    towns: bool = True,
    progress: Progress | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate the modelled national timetable as GTFS tables.

    Parameters
    ----------
    density
        Density knob (see :func:`build_model`); 1.0 is the calibrated model.
    rules
        Fitted parameters (:class:`~.rules.Rules`).
    towns
        Include town grids and town lines.
    progress
        Optional ``progress(message)`` callback.

    Returns
    -------
    dict of str to pandas.DataFrame
        GTFS tables keyed by file name without ``.txt``: ``agency``, ``stops``,
        ``routes``, ``trips``, ``stop_times``, ``calendar``, ``feed_info``, all columns
        as strings or integers in GTFS form, rows sorted. ``stops`` carries the extra
        columns ``x_m``, ``y_m``, ``stop_kind``, ``place_id`` and ``population`` (GTFS
        consumers ignore unknown columns).
    """
    from tillganglighet.transit.modelled.labels import FEED_PUBLISHER, MODELLED_PT_LABEL_SV

    model = build_model(density=density, towns=towns, progress=progress)
    stops = model.stops
    route_rows = []
    trip_route: list[np.ndarray] = []
    trip_dir: list[np.ndarray] = []
    st_trip: list[np.ndarray] = []
    st_stop: list[np.ndarray] = []
    st_time: list[np.ndarray] = []
    st_seq: list[np.ndarray] = []
    trip_counter = 0
    trip_ids: list[np.ndarray] = []
    for pat in timed_patterns(model, rules):
        rid = pat["route_id"]
        route_rows.append((rid, pat["kind"], pat["name"]))
        idx = pat["stop_idx"]
        offs = np.round(pat["offset_s"] / 60.0) * 60.0  # whole minutes, like real feeds
        total = offs[-1]
        for direction in (0, 1):
            sidx = idx if direction == 0 else idx[::-1]
            soff = offs if direction == 0 else total - offs[::-1]
            deps = trip_departures(pat, direction)
            n_t, n_s = len(deps), len(sidx)
            if n_t == 0:
                continue
            tids = np.array([f"{rid}_{direction}_{k:03d}" for k in range(n_t)], dtype=object)
            trip_ids.append(tids)
            trip_route.append(np.full(n_t, rid, dtype=object))
            trip_dir.append(np.full(n_t, direction, dtype=np.int8))
            st_trip.append(np.repeat(np.arange(trip_counter, trip_counter + n_t), n_s))
            st_stop.append(np.tile(sidx, n_t))
            st_time.append((deps[:, None] + soff[None, :]).ravel())
            st_seq.append(np.tile(np.arange(1, n_s + 1), n_t))
            trip_counter += n_t

    all_trip_ids = np.concatenate(trip_ids)
    times = format_gtfs_time(np.concatenate(st_time))
    stop_ids = stops["stop_id"].to_numpy(dtype=object)
    stop_times = pd.DataFrame(
        {
            "trip_id": all_trip_ids[np.concatenate(st_trip)],
            "arrival_time": times,
            "departure_time": times,
            "stop_id": stop_ids[np.concatenate(st_stop)],
            "stop_sequence": np.concatenate(st_seq),
        }
    )
    trips = pd.DataFrame(
        {
            "route_id": np.concatenate(trip_route),
            "service_id": R.SERVICE_ID,
            "trip_id": all_trip_ids,
            "direction_id": np.concatenate(trip_dir),
        }
    )
    # rows sorted by id (trips were generated in route order, stop_times in trip order)
    order = np.argsort(trips["trip_id"].to_numpy(dtype=str), kind="stable")
    trips = trips.iloc[order].reset_index(drop=True)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    st_rank = rank[np.concatenate(st_trip)]
    st_order = np.lexsort((stop_times["stop_sequence"].to_numpy(), st_rank))
    stop_times = stop_times.iloc[st_order].reset_index(drop=True)

    lon, lat = _TO_WGS84.transform(stops["x_m"].to_numpy(), stops["y_m"].to_numpy())
    gtfs_stops = (
        pd.DataFrame(
            {
                "stop_id": stops["stop_id"],
                "stop_name": stops["stop_name"],
                "stop_lat": np.round(lat, 6),
                "stop_lon": np.round(lon, 6),
                "location_type": 0,
                "x_m": stops["x_m"].round(1),
                "y_m": stops["y_m"].round(1),
                "stop_kind": stops["kind"],
                "place_id": stops["place_id"],
                "population": stops["population"].round(1),
            }
        )
        .sort_values("stop_id", kind="stable")
        .reset_index(drop=True)
    )
    routes = pd.DataFrame(route_rows, columns=["route_id", "kind", "route_long_name"])
    routes = pd.DataFrame(
        {
            "route_id": routes["route_id"],
            "agency_id": "modelled",
            "route_short_name": routes["kind"],
            "route_long_name": routes["route_long_name"],
            "route_type": routes["kind"].map(R.ROUTE_TYPE).astype(int),
        }
    )
    agency = pd.DataFrame(
        {
            "agency_id": ["modelled"],
            "agency_name": [f"{FEED_PUBLISHER} – {MODELLED_PT_LABEL_SV}"],
            "agency_url": ["https://modelled.invalid/"],
            "agency_timezone": ["Europe/Stockholm"],
            "agency_lang": ["sv"],
        }
    )
    wd = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), 1)
    calendar = pd.DataFrame(
        [
            {
                "service_id": R.SERVICE_ID,
                **wd,
                "saturday": 0,
                "sunday": 0,
                "start_date": R.CALENDAR_START,
                "end_date": R.CALENDAR_END,
            }
        ]
    )
    feed_info = pd.DataFrame(
        {
            "feed_publisher_name": [f"{FEED_PUBLISHER} ({MODELLED_PT_LABEL_SV})"],
            "feed_publisher_url": ["https://modelled.invalid/"],
            "feed_lang": ["sv"],
            "feed_start_date": [R.CALENDAR_START],
            "feed_end_date": [R.CALENDAR_END],
            "feed_version": [f"generator {R.GENERATOR_VERSION}, density {density:g}"],
        }
    )
    return {
        "agency": agency,
        "calendar": calendar,
        "feed_info": feed_info,
        "routes": routes,
        "stop_times": stop_times,
        "stops": gtfs_stops,
        "trips": trips,
    }
