"""Benchmark scenario scoring and the location MILPs at national size (prints a report).

Setup: all 290 municipalities, all origins of the embedded default (1,290 settlements),
candidates = every point of the 2019-2021 timeline (340), every SSC service office (121)
and settlements with at least ``--settlement-min`` inhabitants (default 2,000: 307 more),
on the modelled national road network. Measures

1. the origins × candidates matrix (computed once; cached afterwards);
2. scoring ``--scenarios`` random scenarios (default 100,000): each closes every open
   point of the end-2020 network with probability 0.1 and adds every other candidate
   with probability 0.02; full metrics under both readings, staff travel, no
   per-municipality arrays kept; in this process (compiled kernel and numpy engine) and
   on a Dask LocalCluster of ``--workers`` processes;
3. re-routing the same kind of scenario from scratch in the same process on the same
   network, two ways: (a) *as analyze() does*: snap the scenario's points, origins ×
   points travel-time matrix, nearest anywhere and within the FA-region, the project's
   municipality metrics; (b) *lean*: two multi-source Dijkstra searches (nearest
   anywhere; nearest within the own FA-region) with access legs, numpy aggregation;
   and the ratio of scoring to each;
4. set cover, maximal covering (k = 10) and p-median (k = 10) solve times (HiGHS) for
   both FA readings at 20 and 30 minutes.

Results are checked: the scored metrics of the re-routed scenarios equal the matrix
scores. Usage::

    python benchmarks/bench_scenarios.py                 # ~2-3 min on 2 cores
    python benchmarks/bench_scenarios.py --scenarios 20000 --reroute 10
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=100_000)
    ap.add_argument("--reroute", type=int, default=20, help="scenarios re-routed per way")
    ap.add_argument("--settlement-min", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=5000, help="scenarios per Dask task")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import tillganglighet as tg
    from tillganglighet.accessibility import municipality_metrics, nearest_in_matrix
    from tillganglighet.scenarios import _adapters as ad
    from tillganglighet.scenarios import matrix, model, optimise, scoring

    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    cands = model.candidate_set(settlements_min_population=args.settlement_min)
    org = tg.origins()
    net = tg.load_network("modelled")
    t0 = time.perf_counter()
    mats = matrix.build_matrices(cands, network=net, disk_cache=False)
    t_matrix = time.perf_counter() - t0
    p = mats.problem
    by_origin = {k: int(v) for k, v in cands.frame["origin"].value_counts().items()}
    say(
        f"Country: {p.n_municipalities} municipalities, {p.n_origins} origins, "
        f"{p.n_candidates} candidates ({by_origin}); "
        f"network {net.n_nodes} nodes / {net.n_edges} edges ({mats.network_label})"
    )
    say(f"Matrix origins x candidates + candidates x candidates: {t_matrix:.2f} s (once)")

    base = model.base_network("2020-12-31", cands)
    rng = np.random.default_rng(args.seed)
    n = args.scenarios
    close = rng.random((n, p.n_candidates)) < 0.1
    add = rng.random((n, p.n_candidates)) < 0.02
    active = (base.active[None, :] & ~close) | (~base.active[None, :] & add)
    kind = base.kind
    say(f"Random scenarios: {n:,}, mean {active.sum(axis=1).mean():.0f} open points each")

    # ---- scoring in this process
    scoring.score_batch(p, active[:10], kind, 60.0)  # compile / warm up
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, n, 10_000):
        scoring.score_batch(p, active[i : i + 10_000], kind, 60.0, keep_municipalities=False)
    t_numba, c_numba = time.perf_counter() - t0, time.process_time() - c0
    say(
        f"Scoring, compiled kernel, 1 process: {t_numba:.2f} s wall = {n / t_numba:,.0f} "
        f"scenarios/s ({t_numba / n * 1e6:.1f} µs each; CPU {c_numba / n * 1e6:.1f} µs)"
    )
    m = min(n, 2000)
    t0 = time.perf_counter()
    scoring.score_batch(p, active[:m], kind, 60.0, keep_municipalities=False, engine="numpy")
    t_np = (time.perf_counter() - t0) / m
    say(
        f"Scoring, numpy engine (no numba), 1 process: {1 / t_np:,.0f} scenarios/s "
        f"({t_np * 1e6:.0f} µs each; measured on {m:,})"
    )

    # ---- Dask
    try:
        from distributed import Client, LocalCluster

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster = LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        p.sorted_orders()
        pf = client.scatter(p, broadcast=True)
        # Warm up every worker (numba compile from its cache).
        client.gather(
            [
                client.submit(
                    scoring.score_batch,
                    pf,
                    active[:2],
                    kind,
                    60.0,
                    keep_municipalities=False,
                    pure=False,
                    workers=[w],
                )
                for w in client.scheduler_info()["workers"]
            ]
        )
        t0 = time.perf_counter()
        futs = [
            client.submit(
                scoring.score_batch,
                pf,
                active[i : i + args.chunk],
                kind,
                60.0,
                keep_municipalities=False,
                pure=False,
            )
            for i in range(0, n, args.chunk)
        ]
        client.gather(futs)
        t_dask = time.perf_counter() - t0
        client.close()
        cluster.close()
        say(
            f"Scoring on Dask LocalCluster ({args.workers} workers, {args.chunk} per task): "
            f"{t_dask:.2f} s = {n / t_dask:,.0f} scenarios/s (incl. shipping the masks)"
        )
    except ImportError:
        say("Dask not installed: skipped")

    # ---- re-routing from scratch
    tl = model.timeline_candidates()
    points_all = cands.frame
    kommuner = tg.municipalities()
    fa_of = dict(zip(kommuner["kommun_kod"], kommuner["fa_kod"], strict=True))
    org_fa = org["kommun_kod"].map(fa_of).to_numpy()
    org_snap = ad.snap_frame(net, org)
    del tl

    def points_of(mask: np.ndarray):
        import geopandas as gpd

        sub = points_all[mask]
        return gpd.GeoDataFrame(
            sub, geometry=gpd.points_from_xy(sub["x_m"], sub["y_m"]), crs="EPSG:3006"
        )

    def reroute_full(mask: np.ndarray) -> pd.DataFrame:
        pts = points_of(mask)
        snap = ad.snap_frame(net, pts)
        times = ad.travel_matrix_s(net, org_snap, snap)
        mp_fa = pts["kommun_kod"].map(fa_of).to_numpy()
        near = nearest_in_matrix(times)
        near_fa = nearest_in_matrix(times, org_fa[:, None] == mp_fa[None, :])
        return municipality_metrics(
            pd.DataFrame(
                {
                    "kommun_kod": org["kommun_kod"].to_numpy(),
                    "name": org["name"].to_numpy(),
                    "population": org["population"].to_numpy(),
                    "is_largest": org["is_largest"].to_numpy(),
                    "time_s": near.time_s,
                    "time_fa_s": near_fa.time_s,
                }
            ),
            threshold_min=60.0,
        )

    from tillganglighet.routing import nearest_facility, nearest_facility_within_groups

    fa_codes = {f: i for i, f in enumerate(sorted(set(kommuner["fa_kod"])))}
    node_fa = np.full(net.n_nodes, -1, dtype=np.int64)
    # A node's FA-region: that of the origins snapped to it (origins decide the group).
    ok = org_snap["node"].to_numpy() >= 0
    node_fa[org_snap["node"].to_numpy()[ok]] = [fa_codes[f] for f in org_fa[ok]]
    o_nodes = org_snap["node"].to_numpy()
    o_access = org_snap["access_time_s"].to_numpy()
    pop = org["population"].to_numpy(dtype=float)
    muni_idx = org["kommun_kod"].map({k: i for i, k in enumerate(kommuner["kommun_kod"])})
    muni_idx = muni_idx.to_numpy()

    def reroute_lean(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pts = points_of(mask)
        snap = ad.snap_frame(net, pts)
        nodes = snap["node"].to_numpy()
        offs = snap["access_time_s"].to_numpy()
        out = []
        any_ = nearest_facility(net, nodes, facility_offset_s=offs)
        grp = np.array([fa_codes[fa_of[k]] for k in pts["kommun_kod"]])
        fa = nearest_facility_within_groups(net, nodes, grp, node_fa, facility_offset_s=offs)
        for res in (any_, fa):
            t = np.where(o_nodes >= 0, res.time_s[np.maximum(o_nodes, 0)] + o_access, np.inf)
            t = t / 60.0
            fin = np.isfinite(t)
            s = np.bincount(muni_idx, np.where(fin, pop * t, 0.0), p.n_municipalities)
            w = np.bincount(muni_idx, np.where(fin, pop, 0.0), p.n_municipalities)
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(s / w)
        return out[0], out[1]

    k = min(args.reroute, n)
    reroute_full(active[0])
    t0, c0 = time.perf_counter(), time.process_time()
    full = [reroute_full(active[i]) for i in range(k)]
    t_full, c_full = (time.perf_counter() - t0) / k, (time.process_time() - c0) / k
    reroute_lean(active[0])
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(k):
        reroute_lean(active[i])
    t_lean, c_lean = (time.perf_counter() - t0) / k, (time.process_time() - c0) / k
    check = scoring.score_batch(p, active[:k], kind, 60.0)
    err = max(
        float(
            np.nanmax(
                np.abs(
                    np.where(
                        np.isfinite(full[i]["mean_time_min"].to_numpy()),
                        full[i]["mean_time_min"].to_numpy() - check.municipality_mean_min[i],
                        0,
                    )
                )
            )
        )
        for i in range(k)
    )
    per, cper = t_numba / n, c_numba / n
    say(
        f"Re-routing from scratch, as analyze() does (snap, O x points matrix, both "
        f"readings, municipality metrics): {t_full * 1e3:.1f} ms wall / {c_full * 1e3:.1f} ms "
        f"CPU per scenario (mean of {k}); matrix scores agree within {err:.1e} min"
    )
    say(
        f"Re-routing from scratch, lean (2 multi-source Dijkstra + numpy): "
        f"{t_lean * 1e3:.2f} ms wall / {c_lean * 1e3:.2f} ms CPU per scenario"
    )
    say(
        f"Ratio re-routing / scoring, single process: as analyze() {t_full / per:,.0f}x wall, "
        f"{c_full / cper:,.0f}x CPU; lean {t_lean / per:,.0f}x wall, {c_lean / cper:,.0f}x CPU"
    )

    # ---- optimisation
    pool = ~base.active
    rows = []
    for thr in (20.0, 30.0):
        for label, times in (("anywhere", p.times_min), ("own FA-region", p.times_fa_min)):
            sc = optimise.set_cover(times, p.population, p.municipality, base.active, pool, thr)
            mc = optimise.max_cover(times, p.population, base.active, pool, thr, 10)
            pm = optimise.p_median(times, p.population, base.active, pool, 10)
            rows.append((thr, label, sc, mc, pm))
            say(
                f"MILP {thr:g} min, {label}: set cover {len(sc.added)} additions, "
                f"{sc.status}, gap {sc.mip_gap:.1e}, {sc.seconds:.2f} s "
                f"({sc.details['variables']} vars; {len(sc.details['infeasible_municipalities'])}"
                f" municipalities no candidate can fix) | max cover k=10: "
                f"+{mc.objective:,.0f} people, {mc.status}, {mc.seconds:.2f} s | p-median "
                f"k=10: {pm.details['mean_time_min']:.3f} min mean, {pm.status}, "
                f"{pm.seconds:.2f} s ({pm.details['variables']} vars)"
            )


if __name__ == "__main__":
    main()
