"""Benchmark the main job at national scale: before (``--before-src``) and after.

Builds a synthetic road-like graph of Sweden's shape (a perturbed grid clipped to the
union of the 290 municipality polygons, ~12 % links removed, 8 % diagonals, 5 %
one-way links, speed classes 30-110 km/h, detour factor 1.0-1.3 on lengths; islands
stay separate components, as without ferries) of ``--nodes`` nodes (default 2 M,
~7 M directed edges), saves it as a network ``.npz`` and runs, each in its own
process (seconds and peak memory VmHWM of that process):

* the main job ``analyze(network=<national.npz>)`` with the default origins and the
  2020-12-31 meeting points: **after** (this tree) cold (empty cache) and warm, and
  **before** (the source tree given by ``--before-src``, e.g. ``git archive main``)
  cold and warm; the tables of both are compared value for value;
* the same with ``--grid-cells`` origins from a synthetic SCB 1 km grid
  (``analyze(population=...)``): after, reusing the warm cache (a new population
  grid), and cold; before, cold (its matrix cache is keyed by the origin nodes, so
  new origins are always cold) unless ``--skip-before-grid``;
* ``marginal_value`` on the grid's origins × points matrix: before (full sort) and
  after (partial selection), in one process, results compared;
* origins × ``--candidates`` candidates (random land points): after
  (``analysis.candidate_matrix``) cold and warm; before (``od_matrix``, one full
  search per candidate) on ``--before-candidates`` of them, per search;
* peers with the search bounded the same way: networkx
  ``single_source_dijkstra_path_length(cutoff=bound)`` from ``--peer-sources``
  points on the reversed graph vs our bounded kernel from the same points (and its
  build time); pandana ``nearest_pois`` with ``max_distance`` = the largest nearest
  time the answer needs, its contraction-hierarchy preprocessing timed separately
  (given ``--pandana-timeout`` s on the full graph, and run on a ``--small-nodes``
  graph); the one-off graph reversal.

Usage::

    git archive main | tar -x -C /tmp/before     # the "before" tree
    python benchmarks/bench_national.py --before-src /tmp/before/src
    python benchmarks/bench_national.py --nodes 200000 --skip-before
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
AFTER_SRC = HERE.parent / "src"


# ------------------------------------------------------------------ synthetic data
def make_national_graph(n_nodes: int, seed: int = 42) -> dict[str, np.ndarray]:
    """Road-like directed graph on Sweden's land area: (u, v, travel_time_s, length_m, x, y)."""
    import shapely

    from tillganglighet.data.geodata import municipalities

    rng = np.random.default_rng(seed)
    land = shapely.union_all(municipalities().geometry.values).buffer(1500)
    shapely.prepare(land)
    x0, y0, x1, y1 = land.bounds
    spacing = float(np.sqrt(land.area / n_nodes))
    nc, nr = int((x1 - x0) / spacing) + 1, int((y1 - y0) / spacing) + 1
    r, c = np.divmod(np.arange(nr * nc, dtype=np.int64), nc)
    gx = x0 + c * spacing + rng.uniform(-0.25, 0.25, r.size) * spacing
    gy = y0 + r * spacing + rng.uniform(-0.25, 0.25, r.size) * spacing
    keep = shapely.contains_xy(land, gx, gy)
    new = np.full(r.size, -1, np.int64)
    new[keep] = np.arange(keep.sum())
    x, y = gx[keep], gy[keep]
    h = np.flatnonzero(c < nc - 1)
    v = np.flatnonzero(r < nr - 1)
    d = np.flatnonzero((r < nr - 1) & (c < nc - 1))
    d = d[rng.random(d.size) < 0.08]
    a = np.concatenate([h, v, d])
    b = np.concatenate([h + 1, v + nc, d + nc + 1])
    line = np.concatenate([r[h], c[v], np.ones(d.size, np.int64)])
    ok = keep[a] & keep[b] & (rng.random(a.size) >= 0.12)
    a, b, line = new[a[ok]], new[b[ok]], line[ok]
    local = rng.choice([30.0, 40.0, 50.0, 70.0], size=a.size, p=[0.3, 0.2, 0.35, 0.15])
    speed = np.where(line % 100 == 0, 110.0, np.where(line % 20 == 0, 90.0, local))
    length = np.hypot(x[a] - x[b], y[a] - y[b]) * rng.uniform(1.0, 1.3, a.size)
    tt = length / (speed / 3.6)
    oneway = rng.random(a.size) < 0.05
    return {
        "u": np.concatenate([a, b[~oneway]]), "v": np.concatenate([b, a[~oneway]]),
        "travel_time_s": np.concatenate([tt, tt[~oneway]]),
        "length_m": np.concatenate([length, length[~oneway]]), "x": x, "y": y,
    }  # fmt: skip


def save_network(g: dict[str, np.ndarray], path: Path) -> None:
    from tillganglighet.networks.graph import Network

    Network.from_edges(
        g["u"], g["v"], travel_time_s=g["travel_time_s"], length_m=g["length_m"],
        node_x=g["x"], node_y=g["y"], mode="car",
        metadata={"source": "synthetic national benchmark graph"},
    ).save(path)  # fmt: skip


def make_grid_csv(n_cells: int, path: Path, seed: int = 7) -> None:
    """SCB-style 1 km grid (``Ruta``: 6-digit easting + 7-digit northing of the corner)."""
    import shapely

    from tillganglighet.data.geodata import municipalities

    rng = np.random.default_rng(seed)
    land = shapely.union_all(municipalities().geometry.values)
    shapely.prepare(land)
    x0, y0, x1, y1 = land.bounds
    cx = np.arange(int(x0 // 1000), int(x1 // 1000) + 1) * 1000
    cy = np.arange(int(y0 // 1000), int(y1 // 1000) + 1) * 1000
    gx, gy = np.meshgrid(cx, cy)
    gx, gy = gx.ravel(), gy.ravel()
    on = np.flatnonzero(shapely.contains_xy(land, gx + 500.0, gy + 500.0))
    # one cell at each municipality's representative point, so every municipality
    # has population; the rest at random on land
    rep = municipalities().geometry.representative_point()
    cell = (np.floor(rep.y.to_numpy() / 1000) - cy[0] / 1000) * cx.size + (
        np.floor(rep.x.to_numpy() / 1000) - cx[0] / 1000
    )
    first = np.unique(cell.astype(np.int64))
    rest = np.setdiff1d(on, first)
    pick = np.concatenate([first, rng.choice(rest, n_cells - first.size, replace=False)])
    pop = rng.integers(1, 400, n_cells)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Ruta,Pop\n")
        for xx, yy, p in zip(gx[pick], gy[pick], pop, strict=True):
            fh.write(f"{int(xx):06d}{int(yy):07d},{int(p)}\n")


# ------------------------------------------------------------------ workers
def _vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _land_points(net, k: int, seed: int):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    idx = rng.choice(net.n_nodes, k, replace=False)
    return gpd.GeoDataFrame(
        {"i": np.arange(k)},
        geometry=gpd.points_from_xy(net.node_x[idx] + 50.0, net.node_y[idx] + 50.0),
        crs=3006,
    )


def worker(task: str, args: argparse.Namespace) -> dict:
    out = Path(args.out)
    rec: dict = {}
    t0 = time.perf_counter()
    if task in ("main", "grid"):
        from tillganglighet.analysis import analyze

        population = None
        if task == "grid":
            from tillganglighet.data.userdata import read_population

            population = read_population(out / "grid.csv")
        t = time.perf_counter()
        res = analyze(network=str(out / "national.npz"), population=population)
        rec["analyze_s"] = time.perf_counter() - t
        rec["n_origins"] = int(res.meta.n_origins)
        tag = args.tag
        for name in ("municipalities", "origins", "meeting_points"):
            frame = getattr(res, name)
            frame.drop(columns="geometry").to_pickle(out / f"{tag}_{name}.pkl")
        res.nearby_replacements.to_pickle(out / f"{tag}_nearby.pkl")
    elif task == "marginal":
        # before: the previous accessibility module from --before-src, imported by path
        import importlib.util

        import pandas as pd

        from tillganglighet import analysis
        from tillganglighet.accessibility import marginal_value
        from tillganglighet.data.population import origins_from_population
        from tillganglighet.data.presence import meeting_points
        from tillganglighet.data.userdata import read_population
        from tillganglighet.networks.graph import Network

        net = Network.load(out / "national.npz")
        org = origins_from_population(read_population(out / "grid.csv"))
        mp = meeting_points("2020-12-31")
        times = analysis._travel_matrix(
            net, analysis._snap(net, org), analysis._snap(net, mp),
            bound_s=analysis.search_bound_s(60.0),
        )  # fmt: skip
        kw = {
            "population": org["population"].to_numpy(),
            "kommun_kod": org["kommun_kod"].to_numpy(),
            "threshold_min": 60.0,
        }
        rec["shape"] = list(times.shape)
        t = time.perf_counter()
        new = marginal_value(times, **kw)
        rec["after_s"] = time.perf_counter() - t
        if args.before_src:
            spec = importlib.util.spec_from_file_location(
                "before_accessibility", Path(args.before_src) / "tillganglighet/accessibility.py"
            )
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod  # dataclasses look their module up
            spec.loader.exec_module(mod)
            t = time.perf_counter()
            old = mod.marginal_value(np.ascontiguousarray(times), **kw)
            rec["before_s"] = time.perf_counter() - t
            rec["equal"] = bool(new.equals(old))
            pd.testing.assert_frame_equal(new, old)
    elif task == "candidates":
        from tillganglighet import analysis
        from tillganglighet.data.geodata import origins
        from tillganglighet.networks.graph import Network

        net = Network.load(out / "national.npz")
        org = analysis._snap(net, origins())
        cand = analysis._snap(net, _land_points(net, args.candidates, 11))
        bound = analysis.search_bound_s(60.0)
        for run in ("cold", "warm"):
            t = time.perf_counter()
            cm = analysis.candidate_matrix(net, org, cand, bound)
            rec[f"{run}_s"] = time.perf_counter() - t
        rec["shape"] = list(cm.time_s.shape)
        rec["finite_share"] = float(np.isfinite(cm.time_s).mean())
        rec["matrix_mb"] = cm.time_s.nbytes / 2**20
        np.save(out / "cand_after.npy", cm.time_s[:, : args.before_candidates])
        if args.grid_cells:
            from tillganglighet.data.population import origins_from_population
            from tillganglighet.data.userdata import read_population

            g = analysis._snap(net, origins_from_population(read_population(out / "grid.csv")))
            t = time.perf_counter()
            cmg = analysis.candidate_matrix(net, g, cand, bound)
            rec["grid_warm_s"] = time.perf_counter() - t
            rec["grid_shape"] = list(cmg.time_s.shape)
    elif task == "candidates_before":
        from tillganglighet import analysis
        from tillganglighet.data.geodata import origins
        from tillganglighet.networks.graph import Network
        from tillganglighet.routing import od_matrix

        net = Network.load(out / "national.npz")
        net.reversed()
        org = analysis._snap(net, origins())
        cand = analysis._snap(net, _land_points(net, args.candidates, 11))
        k = args.before_candidates
        t = time.perf_counter()
        m = od_matrix(net, org["node"].to_numpy(), cand["node"].to_numpy()[:k], n_jobs=-1)
        rec["searches"] = k
        rec["s_per_search"] = (time.perf_counter() - t) / k
        full = analysis._travel_matrix(net, org, cand.iloc[:k])  # unbounded, same sums
        after = np.load(out / "cand_after.npy")
        bound = 7200.0
        fin = np.isfinite(after)
        rec["equal_within_bound"] = bool(np.array_equal(after[fin], full[fin].astype(np.float32)))
        # entries beyond the bound in ours are > bound in the unbounded matrix
        rec["missing_are_beyond"] = bool((m[~fin] > bound).all())
    elif task == "peers_ours":
        from tillganglighet import analysis
        from tillganglighet.data.presence import meeting_points
        from tillganglighet.networks.graph import Network
        from tillganglighet.routing.searches import point_searches

        net = Network.load(out / "national.npz")
        t = time.perf_counter()
        net.reversed()
        rec["reverse_s"] = time.perf_counter() - t
        nodes = analysis._snap(net, meeting_points("2020-12-31"))["node"].to_numpy()
        nodes = np.unique(nodes[nodes >= 0])[: args.peer_sources]
        bound = analysis.search_bound_s(60.0)
        point_searches(net, nodes[:1], bound_s=10.0, n_jobs=1)  # compile / load kernel
        t = time.perf_counter()
        ps = point_searches(net, nodes, bound_s=bound, n_jobs=1)
        rec["s_per_search"] = (time.perf_counter() - t) / nodes.size
        rec["reach_share"] = float(ps.ptr[-1] / nodes.size / net.n_nodes)
        np.save(out / "peer_nodes.npy", nodes)
        np.save(out / "peer_ours.npy", ps.times_at(np.arange(net.n_nodes), n_nodes=net.n_nodes))
    elif task == "peers_networkx":
        import networkx as nx

        with np.load(out / "graph.npz") as z:
            g = {k: z[k] for k in z.files}
        n = len(g["x"])
        t = time.perf_counter()
        rev = nx.DiGraph()
        rev.add_nodes_from(range(n))
        rev.add_weighted_edges_from(
            zip(g["v"].tolist(), g["u"].tolist(), g["travel_time_s"].tolist(), strict=True),
            weight="tt",
        )
        rec["build_s"] = time.perf_counter() - t
        nodes = np.load(out / "peer_nodes.npy")
        ours = np.load(out / "peer_ours.npy")
        t = time.perf_counter()
        diff = 0.0
        same = True
        for j, s in enumerate(nodes):
            d = nx.single_source_dijkstra_path_length(rev, int(s), cutoff=7200.0, weight="tt")
            arr = np.full(n, np.inf)
            arr[np.fromiter(d.keys(), np.int64)] = np.fromiter(d.values(), np.float64)
            same &= bool(np.array_equal(np.isfinite(arr), np.isfinite(ours[:, j])))
            fin = np.isfinite(arr)
            diff = max(diff, float(np.abs(arr[fin] - ours[fin, j]).max()) if fin.any() else 0.0)
        rec["s_per_search"] = (time.perf_counter() - t) / nodes.size
        rec["same_reached"] = same
        rec["max_abs_diff_s"] = diff
    elif task in ("pandana", "pandana_small"):
        import pandana
        import pandas as pd

        name = "graph.npz" if task == "pandana" else "graph_small.npz"
        with np.load(out / name) as z:
            g = {k: z[k] for k in z.files}
        t = time.perf_counter()
        # pandana measures node -> POI: give it the graph as is (time to the POI).
        pnet = pandana.Network(
            pd.Series(g["x"]), pd.Series(g["y"]), pd.Series(g["u"]), pd.Series(g["v"]),
            pd.DataFrame({"tt": g["travel_time_s"]}), twoway=False,
        )  # fmt: skip
        rec["preprocess_s"] = time.perf_counter() - t
        rng = np.random.default_rng(5)
        poi = rng.choice(len(g["x"]), 214, replace=False)
        maxd = float(args.pandana_max_s)
        t = time.perf_counter()
        pnet.set_pois("mp", maxd, 2, pd.Series(g["x"][poi]), pd.Series(g["y"][poi]))
        res = pnet.nearest_pois(maxd, "mp", num_pois=1)
        rec["query_s"] = time.perf_counter() - t
        np.save(out / f"{task}.npy", res[1].to_numpy(dtype=np.float64))
        t = time.perf_counter()
        res2 = pnet.nearest_pois(maxd, "mp", num_pois=2)
        rec["query2_s"] = time.perf_counter() - t
        np.save(out / f"{task}_2.npy", res2[[1, 2]].to_numpy(dtype=np.float64))
        np.save(out / f"{task}_poi.npy", poi)
    elif task == "ours_small_nearest":
        from tillganglighet.networks.graph import Network
        from tillganglighet.routing import nearest_facility, nearest_points

        with np.load(out / "graph_small.npz") as z:
            g = {k: z[k] for k in z.files}
        net = Network.from_edges(
            g["u"], g["v"], travel_time_s=g["travel_time_s"], length_m=g["length_m"],
            node_x=g["x"], node_y=g["y"], mode="car",
        )  # fmt: skip
        t = time.perf_counter()
        net.reversed()
        rec["build_s"] = time.perf_counter() - t
        poi = np.random.default_rng(5).choice(len(g["x"]), 214, replace=False)
        t = time.perf_counter()
        res = nearest_facility(net, poi)
        rec["query_s"] = time.perf_counter() - t
        np.save(out / "ours_small.npy", res.time_s)
        # the main job's search: the two nearest of every node (k = 2 labels)
        from tillganglighet.routing.travel import Ends

        n = net.n_nodes
        q = Ends(np.arange(n), np.zeros(n), net.node_x, net.node_y, np.zeros(n))
        f = Ends(poi, np.zeros(poi.size), net.node_x[poi], net.node_y[poi], np.zeros(poi.size))
        one = Ends(q.node[:1], q.access_s[:1], q.x_m[:1], q.y_m[:1], q.s_per_m[:1])
        nearest_points(net, one, f, k=2)  # load the compiled kernel
        t = time.perf_counter()
        two = nearest_points(net, q, f, k=2)
        rec["query2_s"] = time.perf_counter() - t
        np.save(out / "ours_small_2.npy", two.time_s)
    else:
        raise SystemExit(f"unknown task {task}")
    rec["wall_s"] = time.perf_counter() - t0
    rec["peak_mb"] = _vmhwm_mb()
    return rec


def run(task: str, args: argparse.Namespace, *, src: Path, cache: Path, tag: str, timeout: float):
    env = dict(os.environ, PYTHONPATH=str(src), TILLGANGLIGHET_CACHE_DIR=str(cache))
    cmd = [sys.executable, __file__, "--worker", task, "--out", args.out, "--tag", tag]
    for k in ("candidates", "before_candidates", "grid_cells", "peer_sources", "pandana_max_s"):
        cmd += [f"--{k.replace('_', '-')}", str(getattr(args, k))]
    if args.before_src:
        cmd += ["--before-src", args.before_src]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s (killed)"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    rec = json.loads(p.stdout.strip().splitlines()[-1])
    rec["process_s"] = time.perf_counter() - t
    print(f"  {task} [{tag}]: {json.dumps(rec)}", flush=True)
    return rec


def _compare(out: Path, a: str, b: str) -> str:
    """Value-for-value comparison of two runs' tables (columns of ``a`` only)."""
    import pandas as pd

    notes = []
    for name in ("municipalities", "origins", "meeting_points", "nearby"):
        x = pd.read_pickle(out / f"{a}_{name}.pkl")
        y = pd.read_pickle(out / f"{b}_{name}.pkl")
        try:
            pd.testing.assert_frame_equal(y[x.columns], x, check_exact=True)
            notes.append(f"{name}: identical")
        except AssertionError as exc:
            notes.append(f"{name}: DIFFERENT ({str(exc).splitlines()[0][:120]})")
    return "; ".join(notes)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nodes", type=int, default=2_000_000)
    ap.add_argument("--small-nodes", type=int, default=100_000)
    ap.add_argument("--grid-cells", type=int, default=100_000)
    ap.add_argument("--candidates", type=int, default=350)
    ap.add_argument("--before-candidates", type=int, default=16)
    ap.add_argument("--peer-sources", type=int, default=8)
    ap.add_argument("--pandana-max-s", type=float, default=14_400.0)
    ap.add_argument("--pandana-timeout", type=float, default=300.0)
    ap.add_argument("--before-src", default="", help="src/ folder of the 'before' tree")
    ap.add_argument("--skip-before", action="store_true")
    ap.add_argument("--skip-before-grid", action="store_true")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--worker")
    ap.add_argument("--out")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return
    if args.skip_before:
        args.before_src = ""
    sys.path.insert(0, str(AFTER_SRC))
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_national_"))
    out.mkdir(parents=True, exist_ok=True)
    args.out = str(out)
    t = time.perf_counter()
    g = make_national_graph(args.nodes)
    np.savez(out / "graph.npz", **g)
    save_network(g, out / "national.npz")
    np.savez(out / "graph_small.npz", **make_national_graph(args.small_nodes, seed=3))
    if args.grid_cells:
        make_grid_csv(args.grid_cells, out / "grid.csv")
    print(
        f"graph: {len(g['x']):,} nodes, {len(g['u']):,} directed edges, Sweden-shaped "
        f"(generated and saved in {time.perf_counter() - t:.1f} s); folder {out}",
        flush=True,
    )
    del g
    after, before = AFTER_SRC, Path(args.before_src) if args.before_src else None
    c_after, c_before = out / "cache_after", out / "cache_before"
    r: dict[str, dict] = {}
    to = args.timeout
    r["after_cold"] = run("main", args, src=after, cache=c_after, tag="after_cold", timeout=to)
    r["after_warm"] = run("main", args, src=after, cache=c_after, tag="after_warm", timeout=to)
    if args.grid_cells:
        r["after_grid_reuse"] = run(
            "grid", args, src=after, cache=c_after, tag="after_grid", timeout=to
        )
        r["after_grid_cold"] = run(
            "grid", args, src=after, cache=out / "cache_after_grid", tag="after_grid_c", timeout=to
        )
        r["marginal"] = run("marginal", args, src=after, cache=c_after, tag="m", timeout=to)
    r["cand"] = run("candidates", args, src=after, cache=c_after, tag="c", timeout=to)
    if before is not None:
        r["before_cold"] = run("main", args, src=before, cache=c_before, tag="before", timeout=to)
        r["before_warm"] = run("main", args, src=before, cache=c_before, tag="before_w", timeout=to)
        if args.grid_cells and not args.skip_before_grid:
            r["before_grid"] = run(
                "grid", args, src=before, cache=c_before, tag="before_grid", timeout=to
            )
        r["cand_before"] = run(
            "candidates_before", args, src=after, cache=c_after, tag="cb", timeout=to
        )
    if not args.skip_peers:
        r["peers_ours"] = run("peers_ours", args, src=after, cache=c_after, tag="p", timeout=to)
        r["peers_nx"] = run("peers_networkx", args, src=after, cache=c_after, tag="p", timeout=to)
        r["ours_small"] = run(
            "ours_small_nearest", args, src=after, cache=c_after, tag="p", timeout=to
        )
        r["pandana_small"] = run("pandana_small", args, src=after, cache=c_after, tag="p",
                                 timeout=to)  # fmt: skip
        r["pandana"] = run(
            "pandana", args, src=after, cache=c_after, tag="p", timeout=args.pandana_timeout
        )

    def s(key: str, field: str = "process_s") -> str:
        rec = r.get(key, {})
        if "error" in rec:
            return rec["error"]
        return f"{rec[field]:.1f} s" if field in rec else "-"

    def mb(key: str) -> str:
        rec = r.get(key, {})
        return f"{rec['peak_mb']:,.0f} MB" if "peak_mb" in rec else "-"

    def ratio(a: str, b: str, fa: str = "process_s", fb: str = "process_s") -> str:
        ra, rb = r.get(a, {}), r.get(b, {})
        if fa in ra and fb in rb:
            return f"x{ra[fa] / rb[fb]:.1f}"
        return "-"

    print("\n== national main job (process wall time incl. start-up; peak = VmHWM) ==")
    print(f"{'run':<34}{'time':>12}{'analyze()':>12}{'peak':>12}  note")
    rows = [
        ("after, cold (empty cache)", "after_cold"),
        ("after, warm", "after_warm"),
        ("before, cold", "before_cold"),
        ("before, warm", "before_warm"),
        (f"after, {args.grid_cells:,} grid origins, reuse", "after_grid_reuse"),
        (f"after, {args.grid_cells:,} grid origins, cold", "after_grid_cold"),
        (f"before, {args.grid_cells:,} grid origins", "before_grid"),
    ]
    for label, key in rows:
        if key in r:
            n = r[key].get("n_origins", "")
            print(f"{label:<34}{s(key):>12}{s(key, 'analyze_s'):>12}{mb(key):>12}  origins {n}")
    print(
        f"speed-up cold {ratio('before_cold', 'after_cold')} (analyze() "
        f"{ratio('before_cold', 'after_cold', 'analyze_s', 'analyze_s')}), warm "
        f"{ratio('before_warm', 'after_warm')}; grid origins "
        f"{ratio('before_grid', 'after_grid_reuse')} (reusing the cache), "
        f"{ratio('before_grid', 'after_grid_cold')} (cold)"
    )
    if "before_cold" in r and "error" not in r["before_cold"]:
        print("tables after vs before (cold):", _compare(out, "before", "after_cold"))
    if "before_grid" in r and "error" not in r["before_grid"]:
        print("tables after vs before (grid):", _compare(out, "before_grid", "after_grid"))
    m = r.get("marginal", {})
    if "after_s" in m:
        print(
            f"\nmarginal_value on {m['shape'][0]:,} x {m['shape'][1]} origins x points: after "
            f"{m['after_s']:.2f} s" + (
                f", before {m['before_s']:.2f} s (x{m['before_s'] / m['after_s']:.1f}); "
                f"identical: {m['equal']}" if "before_s" in m else ""
            )
        )  # fmt: skip
    c, cb = r.get("cand", {}), r.get("cand_before", {})
    if "cold_s" in c:
        print(
            f"\ncandidates matrix {c['shape'][0]:,} x {c['shape'][1]} (float32, "
            f"{c['matrix_mb']:.1f} MB, {c['finite_share']:.1%} within the bound): after cold "
            f"{c['cold_s']:.1f} s, warm {c['warm_s']:.2f} s"
            + (f"; {c['grid_shape'][0]:,} grid origins x {c['grid_shape'][1]} warm "
               f"{c['grid_warm_s']:.1f} s" if "grid_warm_s" in c else "")
        )  # fmt: skip
    if "s_per_search" in cb:
        est = cb["s_per_search"] * args.candidates
        print(
            f"  before (od_matrix, one full search per candidate, all cores): "
            f"{cb['s_per_search']:.2f} s per candidate measured on {cb['searches']} -> "
            f"{est:.0f} s for {args.candidates} (extrapolated; x{est / c['cold_s']:.1f} the "
            f"cold after run); within-bound entries identical: {cb['equal_within_bound']}, "
            f"entries missing in ours all beyond the bound: {cb['missing_are_beyond']}"
        )
    po, pn = r.get("peers_ours", {}), r.get("peers_nx", {})
    if "s_per_search" in po:
        print(
            f"\npeers, single-source search bounded at 120 min from {args.peer_sources} "
            f"meeting-point nodes (reversed graph; reaches {po['reach_share']:.1%} of nodes):"
        )
        print(f"  ours (numba kernel, 1 thread) {po['s_per_search'] * 1000:.0f} ms/search")
        if "s_per_search" in pn:
            print(
                f"  networkx cutoff=7200     {pn['s_per_search'] * 1000:.0f} ms/search "
                f"(x{pn['s_per_search'] / po['s_per_search']:.1f}); DiGraph build "
                f"{pn['build_s']:.0f} s, peak {pn['peak_mb']:,.0f} MB; same nodes reached: "
                f"{pn['same_reached']}, max abs diff {pn['max_abs_diff_s']:.3g} s"
            )
        elif "error" in pn:
            print(f"  networkx: {pn['error']}")
        print(f"  one-off graph reversal {po['reverse_s']:.2f} s")
    for key, label in (("pandana_small", f"{args.small_nodes:,}-node graph"),
                       ("pandana", "full graph")):  # fmt: skip
        p = r.get(key, {})
        if "error" in p:
            print(f"  pandana ({label}): {p['error']}")
        elif "preprocess_s" in p:
            print(
                f"  pandana ({label}): CH preprocessing {p['preprocess_s']:.1f} s, nearest_pois "
                f"(214 POIs, max_distance {args.pandana_max_s:g} s) {p['query_s']:.2f} s"
            )
    o = r.get("ours_small", {})
    if "query_s" in o and (out / "pandana_small.npy").exists():
        a, b = np.load(out / "ours_small.npy"), np.load(out / "pandana_small.npy")
        fin = np.isfinite(a) & (a < args.pandana_max_s)
        print(
            f"  ours nearest_facility on the {args.small_nodes:,}-node graph: "
            f"{o['query_s']:.2f} s (+ reversal {o['build_s']:.2f} s); vs pandana max rel diff "
            f"{(np.abs(a[fin] - b[fin]) / np.maximum(a[fin], 1)).max():.2g} (float32 in pandana)"
        )
    p2 = r.get("pandana_small", {})
    if "query2_s" in o and "query2_s" in p2:
        a, b = np.load(out / "ours_small_2.npy"), np.load(out / "pandana_small_2.npy")
        fin = np.isfinite(a) & (a < args.pandana_max_s)
        print(
            f"  two nearest of every node (the main job's search) on the {args.small_nodes:,}-"
            f"node graph: ours nearest_points(k=2) {o['query2_s']:.2f} s, pandana "
            f"nearest_pois(num_pois=2) {p2['query2_s']:.2f} s (x{p2['query2_s'] / o['query2_s']:.1f}); "
            f"max rel diff {(np.abs(a[fin] - b[fin]) / np.maximum(a[fin], 1)).max():.2g}"
        )


if __name__ == "__main__":
    main()
