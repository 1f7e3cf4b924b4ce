"""Benchmark the routing core at national scale against networkx (and pandana).

Builds a synthetic road-like graph (perturbed grid, ~12 % links removed, random
diagonals, 5 % one-way links, speed classes 30-110 km/h, detour factor on lengths)
of ``--nodes`` nodes (default 2,000,000 -> ~7 M directed edges) in the parent
process and saves it to an ``.npz``; every contender runs in its own subprocess that
loads those arrays, so the generator never counts in anyone's memory. Per contender
it reports seconds and peak memory both absolute (VmHWM) and **net of loading** (peak
minus the resident size right after the arrays were loaded), for

* nearest meeting point for every node from ``--seeds`` facilities (ours: one
  multi-source Dijkstra on the reversed CSR graph, median of ``--repeats`` runs;
  networkx: ``multi_source_dijkstra_path_length`` on the reversed ``DiGraph``, the
  length-only variant of ``multi_source_dijkstra`` -- storing 2 M paths does not fit);
* an OD matrix ``--origins`` x ``--candidates`` (ours, default ``n_jobs``: all cores
  above the size threshold; checked cell for cell against the serial path on
  ``--od-serial-check`` candidates; also once with ``max_time_s=--od-cutoff-s``);
* pandana ``nearest_pois`` if ``import pandana`` works; its contraction-hierarchy
  preprocessing is given ``--pandana-timeout`` seconds on the full graph and is also
  run on a ``--small-nodes`` graph for a like-for-like ratio.

Results are cross-checked (max abs difference, seconds). Usage::

    python benchmarks/bench_routing.py              # full size, ~8-10 min on 2 cores
    python benchmarks/bench_routing.py --nodes 200000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


# ------------------------------------------------------------------ synthetic graph
def make_graph(n_nodes: int, seed: int = 42) -> dict[str, np.ndarray]:
    """Road-like directed graph: (u, v, travel_time_s, length_m, x, y)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    n = side * side
    spacing = 470.0  # metres: Sweden's 450,000 km2 over ~2 M nodes
    r, c = np.divmod(np.arange(n, dtype=np.int64), side)
    x = 300_000 + c * spacing + rng.uniform(-120, 120, n)
    y = 6_200_000 + r * spacing + rng.uniform(-120, 120, n)
    a_parts, b_parts, cls_parts = [], [], []
    # horizontal, vertical links
    h = np.flatnonzero(c < side - 1)
    a_parts.append(h), b_parts.append(h + 1), cls_parts.append(r[h])
    v = np.flatnonzero(r < side - 1)
    a_parts.append(v), b_parts.append(v + side), cls_parts.append(c[v])
    # diagonals in 8 % of cells
    d = np.flatnonzero((r < side - 1) & (c < side - 1))
    d = d[rng.random(d.size) < 0.08]
    (
        a_parts.append(d),
        b_parts.append(d + side + 1),
        cls_parts.append(np.ones(d.size, dtype=np.int64)),
    )
    a = np.concatenate(a_parts)
    b = np.concatenate(b_parts)
    line = np.concatenate(cls_parts)
    keep = rng.random(a.size) >= 0.12
    a, b, line = a[keep], b[keep], line[keep]
    # speed classes: every 100th line motorway-ish 110, every 20th 90, else local mix
    local = rng.choice([30.0, 40.0, 50.0, 70.0], size=a.size, p=[0.3, 0.2, 0.35, 0.15])
    speed = np.where(line % 100 == 0, 110.0, np.where(line % 20 == 0, 90.0, local))
    length = np.hypot(x[a] - x[b], y[a] - y[b]) * rng.uniform(1.0, 1.3, a.size)
    tt = length / (speed / 3.6)
    oneway = rng.random(a.size) < 0.05
    u = np.concatenate([a, b[~oneway]])
    w = np.concatenate([b, a[~oneway]])
    return {
        "u": u, "v": w,
        "travel_time_s": np.concatenate([tt, tt[~oneway]]),
        "length_m": np.concatenate([length, length[~oneway]]),
        "x": x, "y": y,
    }  # fmt: skip


def pick(n: int, k: int, seed: int) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, k, replace=False))


def _proc_status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def maxrss_mb() -> float:
    """Peak resident memory of this process (MB).

    VmHWM from /proc (reset at exec, unlike ru_maxrss, which a child inherits from
    the parent it was forked from); ru_maxrss elsewhere.
    """
    v = _proc_status_mb("VmHWM")
    return v if v is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Current resident memory of this process (MB)."""
    v = _proc_status_mb("VmRSS")
    return v if v is not None else maxrss_mb()


def children_maxrss_mb() -> float:
    """Largest peak resident memory of any finished child process (MB; 0 if none)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# ------------------------------------------------------------------ workers
def worker(name: str, args: argparse.Namespace, out: Path) -> dict:
    t0 = time.perf_counter()
    size = "small" if name.endswith("_small") else "full"
    with np.load(out / f"graph_{size}.npz") as z:
        g = {k: z[k] for k in z.files}
    n = len(g["x"])
    rec: dict = {
        "load_s": time.perf_counter() - t0,
        "n_nodes": n,
        "n_edges": len(g["u"]),
        "loaded_mb": rss_mb(),
    }
    seeds = pick(n, args.seeds, 1)
    if name == "baseline":
        pass
    elif name in ("ours_nearest", "ours_nearest_small"):
        from tillganglighet.networks.graph import Network
        from tillganglighet.routing import nearest_facility

        t = time.perf_counter()
        net = Network.from_edges(
            g["u"],
            g["v"],
            travel_time_s=g["travel_time_s"],
            length_m=g["length_m"],
            node_x=g["x"],
            node_y=g["y"],
            mode="car",
        )
        rec["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        net.reversed()
        rec["reverse_s"] = time.perf_counter() - t
        runs = []
        for i in range(args.repeats):
            t = time.perf_counter()
            res = nearest_facility(net, seeds)
            runs.append(time.perf_counter() - t)
            if i == 0:
                np.save(out / f"{name}.npy", res.time_s)
                np.save(out / f"{name}_fac.npy", res.facility)
            del res
        rec["query_runs_s"] = runs
        rec["query_s"] = float(np.median(runs))
        rec["n_edges_csr"] = net.n_edges
    elif name == "ours_od":
        from tillganglighet.networks.graph import Network
        from tillganglighet.routing import _resolve_jobs, od_matrix

        t = time.perf_counter()
        net = Network.from_edges(
            g["u"],
            g["v"],
            travel_time_s=g["travel_time_s"],
            length_m=g["length_m"],
            node_x=g["x"],
            node_y=g["y"],
            mode="car",
        )
        net.reversed()
        rec["build_s"] = time.perf_counter() - t
        origins, cands = pick(n, args.origins, 2), pick(n, args.candidates, 3)
        rec["n_jobs"] = _resolve_jobs(None, len(np.unique(cands)), net.n_edges)
        t = time.perf_counter()
        m = od_matrix(net, origins, cands)
        rec["query_s"] = time.perf_counter() - t
        rec["parent_peak_mb"] = maxrss_mb()
        rec["worker_peak_mb"] = children_maxrss_mb()
        np.save(out / "ours_od.npy", m[: args.check_origins])
        k = min(args.od_serial_check, len(cands))
        t = time.perf_counter()
        ms = od_matrix(net, origins, cands[:k], n_jobs=1)
        rec["serial_s_per_search"] = (time.perf_counter() - t) / k
        rec["serial_check_cells"] = int(ms.size)
        rec["serial_check_equal"] = bool(np.array_equal(ms, m[:, :k]))
        fin = np.isfinite(ms)
        rec["serial_check_maxdiff"] = (
            float(np.abs(ms[fin] - m[:, :k][fin]).max()) if fin.any() else 0.0
        )
        t = time.perf_counter()
        mc = od_matrix(net, origins, cands, max_time_s=args.od_cutoff_s)
        rec["cutoff_s"] = time.perf_counter() - t
        rec["cutoff_equal"] = bool(np.array_equal(mc, np.where(m <= args.od_cutoff_s, m, np.inf)))
        rec["cutoff_share_finite"] = float(np.isfinite(mc).mean())
    elif name == "networkx":
        import networkx as nx

        t = time.perf_counter()
        rev = nx.DiGraph()
        rev.add_nodes_from(range(n))
        # reversed graph, keeping the minimum of parallel edges (there are none here)
        rev.add_weighted_edges_from(
            zip(g["v"].tolist(), g["u"].tolist(), g["travel_time_s"].tolist(), strict=True),
            weight="tt",
        )
        fwd = rev.reverse(copy=False)  # a view: no extra memory
        rec["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        d = nx.multi_source_dijkstra_path_length(rev, set(seeds.tolist()), weight="tt")
        rec["query_s"] = time.perf_counter() - t
        arr = np.full(n, np.inf)
        arr[np.fromiter(d.keys(), dtype=np.int64)] = np.fromiter(d.values(), dtype=np.float64)
        np.save(out / "networkx.npy", arr)
        del d
        rec["maxrss_mb"] = maxrss_mb()  # the nearest task's peak, before the OD check
        origins, cands = pick(n, args.origins, 2), pick(n, args.candidates, 3)
        t = time.perf_counter()
        rows = []
        for o in origins[: args.check_origins]:
            dd = nx.single_source_dijkstra_path_length(fwd, int(o), weight="tt")
            rows.append([dd.get(int(c), np.inf) for c in cands])
        rec["od_rows_s_each"] = (time.perf_counter() - t) / args.check_origins
        np.save(out / "networkx_od.npy", np.array(rows))
    elif name in ("pandana", "pandana_small"):
        import pandana
        import pandas as pd

        t = time.perf_counter()
        edges = pd.DataFrame({"tt": g["travel_time_s"]})
        pnet = pandana.Network(
            pd.Series(g["x"]), pd.Series(g["y"]), pd.Series(g["u"]), pd.Series(g["v"]),
            edges, twoway=False,
        )  # fmt: skip
        rec["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        maxd = args.pandana_max_s
        pnet.set_pois("mp", maxd, 1, pd.Series(g["x"][seeds]), pd.Series(g["y"][seeds]))
        res = pnet.nearest_pois(maxd, "mp", num_pois=1)
        rec["query_s"] = time.perf_counter() - t
        np.save(out / f"{name}.npy", res[1].to_numpy(dtype=np.float64))
    else:
        raise SystemExit(f"unknown worker {name}")
    rec.setdefault("maxrss_mb", maxrss_mb())
    rec["net_mb"] = rec["maxrss_mb"] - rec["loaded_mb"]
    return rec


def run_worker(name: str, args: argparse.Namespace, out: Path, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--out", str(out)]
    for k in (
        "nodes",
        "seeds",
        "origins",
        "candidates",
        "small_nodes",
        "check_origins",
        "pandana_max_s",
        "repeats",
        "od_serial_check",
        "od_cutoff_s",
    ):
        cmd += [f"--{k.replace('_', '-')}", str(getattr(args, k))]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s (killed)"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    rec = json.loads(p.stdout.strip().splitlines()[-1])
    rec["wall_s"] = time.perf_counter() - t
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nodes", type=int, default=2_000_000)
    ap.add_argument("--seeds", type=int, default=250)
    ap.add_argument("--origins", type=int, default=10_000)
    ap.add_argument("--candidates", type=int, default=350)
    ap.add_argument("--small-nodes", type=int, default=50_000)
    ap.add_argument("--check-origins", type=int, default=2)
    ap.add_argument("--pandana-max-s", type=float, default=36_000.0)
    ap.add_argument("--repeats", type=int, default=3, help="runs of our nearest query")
    ap.add_argument("--od-serial-check", type=int, default=8, help="candidates re-run serially")
    ap.add_argument("--od-cutoff-s", type=float, default=3600.0)
    ap.add_argument("--pandana-timeout", type=float, default=90.0)
    ap.add_argument("--networkx-timeout", type=float, default=600.0)
    ap.add_argument("--skip-networkx", action="store_true")
    ap.add_argument("--worker")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args, Path(args.out))))
        return

    out = Path(tempfile.mkdtemp(prefix="bench_routing_"))
    # The graph is generated once here and loaded by every worker (no generator
    # temporaries in the workers' peak memory).
    t = time.perf_counter()
    np.savez(out / "graph_full.npz", **make_graph(args.nodes))
    np.savez(out / "graph_small.npz", **make_graph(args.small_nodes))
    gen_s = time.perf_counter() - t
    results: dict[str, dict] = {}
    plan = [("baseline", 600), ("ours_nearest", 600), ("ours_od", 1200)]
    if not args.skip_networkx:
        plan.append(("networkx", args.networkx_timeout))
    try:
        import pandana  # noqa: F401

        plan += [
            ("ours_nearest_small", 300),
            ("pandana_small", 300),
            ("pandana", args.pandana_timeout),
        ]
    except Exception as exc:
        print(f"pandana skipped: `import pandana` failed ({exc!r})")
    for name, timeout in plan:
        print(f"running {name} ...", flush=True)
        results[name] = run_worker(name, args, out, timeout)

    base = results["baseline"]
    print(
        f"\nGraph: {base.get('n_nodes', 0):,} nodes, {base.get('n_edges', 0):,} directed edges "
        f"(generated in {gen_s:.1f} s in the parent, saved to .npz; a worker that only loads "
        f"the arrays is at {base.get('loaded_mb', 0):,.0f} MB, peak {base.get('maxrss_mb', 0):,.0f} MB); "
        f"{args.seeds} seeds; OD {args.origins:,} x {args.candidates}"
    )
    print(
        "peak MB = VmHWM of the contender's process; net MB = peak minus resident size right "
        "after loading the arrays (the contender's own footprint)."
    )
    hdr = (
        f"{'contender':<20}{'task':<28}{'build s':>9}{'query s':>9}{'peak MB':>9}"
        f"{'net MB':>8}  note"
    )
    print(hdr)
    print("-" * len(hdr))
    tasks = {
        "baseline": "load graph arrays only",
        "ours_nearest": "nearest, all nodes",
        "ours_od": f"OD {args.origins}x{args.candidates}",
        "networkx": "nearest, all nodes",
        "ours_nearest_small": f"nearest ({args.small_nodes:,} nodes)",
        "pandana_small": f"nearest ({args.small_nodes:,} nodes)",
        "pandana": "nearest, all nodes",
    }
    for name, rec in results.items():
        if "error" in rec:
            print(f"{name:<20}{tasks[name]:<28}{'-':>9}{'-':>9}{'-':>9}{'-':>8}  {rec['error']}")
            continue
        note = ""
        if name.startswith("ours_nearest"):
            runs = ", ".join(f"{r:.2f}" for r in rec["query_runs_s"])
            note = f"median of {runs} s; reverse graph {rec['reverse_s']:.2f} s (cached)"
        if name == "ours_od":
            note = (
                f"n_jobs={rec['n_jobs']}; worker peak {rec['worker_peak_mb']:,.0f} MB; "
                f"serial {rec['serial_s_per_search']:.2f} s/search"
            )
        if name == "networkx":
            note = f"peak at end of nearest; single-source for OD check: {rec['od_rows_s_each']:.1f} s/origin"
        print(
            f"{name:<20}{tasks[name]:<28}{rec.get('build_s', 0):>9.2f}{rec.get('query_s', 0):>9.2f}"
            f"{rec['maxrss_mb']:>9,.0f}{rec['net_mb']:>8,.0f}  {note}"
        )
    od = results.get("ours_od", {})
    if "cutoff_s" in od:
        print(
            f"{'ours_od (cutoff)':<20}{'OD, max_time_s=' + format(args.od_cutoff_s, 'g'):<28}"
            f"{'':>9}{od['cutoff_s']:>9.2f}{'':>9}{'':>8}  "
            f"{od['cutoff_share_finite']:.1%} of cells within the cutoff; equal to the full "
            f"matrix cut at the cutoff: {od['cutoff_equal']}"
        )

    def ratio(a: str, b: str) -> None:
        ra, rb = results.get(a, {}), results.get(b, {})
        if "query_s" in ra and "query_s" in rb:
            print(
                f"{b} / {a}: query time x{rb['query_s'] / ra['query_s']:.1f}, build+query x"
                f"{(rb['build_s'] + rb['query_s']) / (ra['build_s'] + ra['reverse_s'] + ra['query_s']):.1f}, "
                f"peak memory x{rb['maxrss_mb'] / ra['maxrss_mb']:.1f} absolute, "
                f"x{rb['net_mb'] / max(ra['net_mb'], 1e-9):.1f} net of loading"
            )

    print()
    ratio("ours_nearest", "networkx")
    ratio("ours_nearest_small", "pandana_small")
    ratio("ours_nearest", "pandana")
    if "serial_check_equal" in od:
        print(
            f"OD parallel vs serial ({od['serial_check_cells']:,} cells, {args.od_serial_check} "
            f"candidates re-run with n_jobs=1): identical {od['serial_check_equal']}, max abs diff "
            f"{od['serial_check_maxdiff']:.3g} s"
        )

    def load(name: str) -> np.ndarray | None:
        p = out / f"{name}.npy"
        return np.load(p) if p.exists() else None

    ours, ref = load("ours_nearest"), load("networkx")
    if ours is not None and ref is not None:
        same_inf = np.array_equal(np.isinf(ours), np.isinf(ref))
        fin = np.isfinite(ours)
        print(
            f"agreement ours vs networkx (nearest, {fin.sum():,} reachable nodes): max abs diff "
            f"{np.abs(ours[fin] - ref[fin]).max():.3g} s; unreachable sets equal: {same_inf}"
        )
    od, od_ref = load("ours_od"), load("networkx_od")
    if od is not None and od_ref is not None:
        fin = np.isfinite(od_ref)
        print(
            f"agreement ours vs networkx (OD, {od_ref.size} cells, {fin.sum()} reachable): max abs "
            f"diff {np.abs(od[fin] - od_ref[fin]).max() if fin.any() else 0:.3g} s; unreachable "
            f"cells equal: {np.array_equal(np.isinf(od), np.isinf(od_ref))}"
        )
    small, pd_small = load("ours_nearest_small"), load("pandana_small")
    if small is not None and pd_small is not None:
        fin = small < args.pandana_max_s
        print(
            f"agreement ours vs pandana ({args.small_nodes:,} nodes, float32 in pandana): max abs diff "
            f"{np.abs(small[fin] - pd_small[fin]).max():.3g} s, max rel diff "
            f"{(np.abs(small[fin] - pd_small[fin]) / np.maximum(small[fin], 1)).max():.2g}"
        )


if __name__ == "__main__":
    main()
