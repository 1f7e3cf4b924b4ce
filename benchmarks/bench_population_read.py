"""Benchmark reading a large population file (``read_population``): time and peak RSS.

Writes an SCB-style 250 m grid CSV (``Ruta,Pop``; ``--kind points``: ``id,lon,lat,
population,adress``) of ``--rows`` distinct cells whose centres lie in Swedish
municipalities (default 2,000,000 rows; 1-9 people each, ~10 M in all), then reads it
with :func:`tillganglighet.data.userdata.read_population` (``cell_size_m=250``) in a
fresh subprocess per contender and reports seconds and peak resident memory
(``ru_maxrss`` of that subprocess, so the generator never counts):

* ``new``: this source tree (``src/`` beside this folder);
* ``old``: another source tree given with ``--old-src`` (e.g. a ``git worktree`` of the
  commit before the columnar reader), read on ``--old-rows`` rows (default: the same).

Both contenders' results are cross-checked field by field (cell centres, populations,
municipality codes).

Measured on the 2-core machine, loaded by other jobs, 2,000,000 rows (this commit vs
336c978, one run each): grid 29 s / 1.09 GB peak RSS (old 80 s / 0.96 GB); points
(lon/lat + 2 text columns) 35 s / 1.34 GB (old 102 s / 2.0 GB). One row of 2,000,000
differs in kommun_kod in each: a cell centre in two overlapping polygons.
Usage::

    python benchmarks/bench_population_read.py
    git worktree add /tmp/old-tree 336c978
    python benchmarks/bench_population_read.py --old-src /tmp/old-tree/src
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
NEW_SRC = HERE.parent / "src"

WORKER = """
import json, resource, sys, time
import numpy as np
from tillganglighet.data.userdata import read_population
path, out = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
gdf = read_population(path, cell_size_m=250) if "grid" in path else read_population(path)
seconds = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
np.savez(out, x=gdf.geometry.x.to_numpy(), y=gdf.geometry.y.to_numpy(),
         pop=gdf["population"].to_numpy(), code=gdf["kommun_kod"].to_numpy().astype("U4"))
print(json.dumps({"rows": len(gdf), "seconds": seconds, "peak_rss_mb": peak_mb}))
"""


def make_file(path: Path, rows: int, kind: str, seed: int = 1) -> None:
    """Write ``rows`` distinct 250 m cells (centres inside the municipalities).

    ``kind="grid"``: ``Ruta,Pop``; ``kind="points"``: ``id,lon,lat,population,adress``
    with the cell centres in WGS 84.
    """
    import shapely

    sys.path.insert(0, str(NEW_SRC))
    from tillganglighet.data.geodata import municipalities

    sweden = shapely.union_all(municipalities().to_crs(3006).geometry.to_numpy())
    shapely.prepare(sweden)
    minx, miny, maxx, maxy = sweden.bounds
    rng = np.random.default_rng(seed)
    cells: set[int] = set()
    east_all, north_all = [], []
    while len(cells) < rows:
        n = 2 * (rows - len(cells)) + 10_000
        e = (rng.uniform(minx, maxx, n) // 250 * 250).astype(np.int64)
        nn = (rng.uniform(miny, maxy, n) // 250 * 250).astype(np.int64)
        ok = shapely.contains_xy(sweden, e + 125.0, nn + 125.0)
        for a, b in zip(e[ok], nn[ok], strict=True):
            key = int(a) * 10_000_000 + int(b)
            if key not in cells and len(cells) < rows:
                cells.add(key)
                east_all.append(a)
                north_all.append(b)
    pop = rng.integers(1, 10, len(east_all))  # ~10 M people in all, as in Sweden
    east, north = np.array(east_all), np.array(north_all)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        if kind == "grid":
            fh.write("Ruta,Pop\n")
            for a, b, p in zip(east, north, pop, strict=True):
                fh.write(f"{a:06d}{b:07d},{p}\n")
            return
        from pyproj import Transformer

        lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(
            east + 125.0, north + 125.0
        )
        fh.write("id,lon,lat,population,adress\n")
        for i, (a, b, p) in enumerate(zip(lon, lat, pop, strict=True)):
            fh.write(f"p{i},{a:.6f},{b:.6f},{p},Gatan {i % 97} Ort\n")


def run(src: Path, path: Path, out: Path, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(path), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--kind", choices=["grid", "points"], default="grid")
    ap.add_argument("--old-src", type=Path, default=None)
    ap.add_argument("--old-rows", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-pop-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{args.kind}250-{args.rows}.csv"
    if not path.exists():
        t0 = time.perf_counter()
        make_file(path, args.rows, args.kind)
        size_mb = path.stat().st_size / 1e6
        print(f"wrote {path} ({size_mb:.0f} MB) in {time.perf_counter() - t0:.0f} s")
    new = run(NEW_SRC, path, work / "new.npz", args.timeout)
    print(f"new: {args.rows:,} rows: {json.dumps(new)}")
    if args.old_src is None:
        return
    old_rows = args.old_rows or args.rows
    old_path = path if old_rows == args.rows else work / f"{args.kind}250-{old_rows}.csv"
    if not old_path.exists():
        make_file(old_path, old_rows, args.kind)
    old = run(args.old_src, old_path, work / "old.npz", args.timeout)
    print(f"old: {old_rows:,} rows: {json.dumps(old)}")
    if "error" in old or "error" in new:
        return
    if old_rows == args.rows:
        a, b = np.load(work / "new.npz"), np.load(work / "old.npz")
        diff = {k: int((a[k] != b[k]).sum()) for k in ("x", "y", "pop", "code")}
        # kommun_kod may differ where two simplified polygons overlap: the old STRtree
        # lookup took whichever match came first, the new one the first in table order.
        print(f"rows that differ, per field: {diff}")
    ratio_t = old["seconds"] / new["seconds"] * args.rows / old_rows
    ratio_m = old["peak_rss_mb"] / new["peak_rss_mb"]
    print(
        f"old/new: time {ratio_t:.1f}x (per row), peak RSS {ratio_m:.1f}x "
        f"({old_rows:,} vs {args.rows:,} rows)"
    )


if __name__ == "__main__":
    main()
