"""Print the modelled timetable's numbers for docs/methodology.md ("Modelled public transport").

Usage::

    python scripts/pt_model_report.py            # calibration, Kolada, size, timings
    python scripts/pt_model_report.py --fit      # also refit the rules (about 2 min)
    python scripts/pt_model_report.py --benchmark sweden-bench.zip   # write the big feed
    python scripts/pt_model_report.py --analyze  # also the main job by PT and by car

Everything is computed from the package (no network); the output is Markdown.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd


def _md(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", action="store_true", help="refit the rules from Rules()")
    ap.add_argument("--benchmark", type=Path, help="write the benchmark feed here")
    ap.add_argument("--analyze", action="store_true", help="run analyze(gtfs='modelled')")
    args = ap.parse_args()

    from tillganglighet.transit import modelled
    from tillganglighet.transit.modelled import calibration as C
    from tillganglighet.transit.modelled.rules import Rules

    if args.fit:
        t0 = time.perf_counter()
        fitted = C.fit_rules(Rules())
        print(f"## Refit ({time.perf_counter() - t0:.0f} s)\n\n{fitted}\n")

    tmp = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter()
        path = modelled.modelled_feed_path(cache_dir=tmp)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        modelled.modelled_feed_path(cache_dir=tmp)
        hit_s = time.perf_counter() - t0
        size = path.stat().st_size
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tables = modelled.build_feed()
    print("## Feed (density 1)\n")
    for k, v in tables.items():
        print(f"- {k}.txt: {len(v):,} rows")
    kinds = tables["routes"]["route_short_name"].value_counts().to_dict()
    print(f"- lines by kind: {kinds}")
    print(
        f"- zip size {size / 1e6:.1f} MB; generation (cold, incl. road network if not "
        f"cached) {gen_s:.1f} s; cache hit {hit_s:.2f} s\n"
    )

    table = C.calibration_table()
    print("## Calibration table\n")
    print(_md(table.drop(columns=["kind"])))
    print("\n## Residual summary\n")
    print(_md(C.residual_summary(table)))
    print("\n## Town headways\n")
    print(_md(C.town_headway_table()))
    print("\n## Kolada N07418 proxy\n")
    for k, v in C.kolada_share(tables).items():
        print(f"- {k}: {v}")
    from tillganglighet.data import geodata

    residents = geodata.origins()
    print("\n### Residents = the population model's origins\n")
    for k, v in C.kolada_share(tables, population=residents).items():
        print(f"- {k}: {v}")
    ok = C.qualifying_stops(tables)
    from scipy.spatial import cKDTree

    sxy = tables["stops"].loc[ok, ["x_m", "y_m"]].to_numpy(float)
    xy = residents.get_coordinates().to_numpy()
    d, _ = cKDTree(sxy).query(xy, distance_upper_bound=500.0 * (1 + 1e-9))
    near = d <= 500.0 * (1 + 1e-12)
    by_kind = residents.assign(covered=near * residents["population"]).groupby("origin_kind")
    share = (by_kind["covered"].sum() / by_kind["population"].sum() * 100).round(1)
    print(f"- covered share by origin kind (%): {share.to_dict()}")
    print("\n## Fitted rules\n")
    print(_md(C.rules_table()))

    if args.analyze:
        _analyze()

    if args.benchmark:
        out, secs = modelled.write_benchmark_feed(args.benchmark)
        print(f"\n## Benchmark feed\n\n{out}: {out.stat().st_size / 1e6:.0f} MB in {secs:.0f} s")


def _analyze() -> None:
    """The main job on the modelled feed: national figures and the slowest municipalities."""
    import tillganglighet

    t0 = time.perf_counter()
    m = tillganglighet.analyze(gtfs="modelled").municipalities
    print(f"\n## analyze(gtfs='modelled') ({time.perf_counter() - t0:.1f} s)\n")
    rows = [
        ("municipalities with mean > 60 min", "pt_mean_time_min", "mean_time_min"),
        ("the same, own FA region", "pt_mean_time_fa_min", "mean_time_fa_min"),
    ]
    for label, pt, car in rows:
        print(f"- {label}: PT {int((m[pt] > 60).sum())}, car {int((m[car] > 60).sum())}")
    for label, pt, car in (
        ("people beyond 60 min", "pt_population_beyond_threshold", "population_beyond_threshold"),
        (
            "the same, own FA region",
            "pt_population_beyond_threshold_fa",
            "population_beyond_threshold_fa",
        ),
    ):
        print(f"- {label}: PT {int(m[pt].sum()):,}, car {int(m[car].sum()):,}")
    for col, title in (("pt_mean_time_min", "public transport"), ("mean_time_min", "car")):
        top = m.sort_values(col, ascending=False).head(15)
        print(f"\n### 15 slowest by {title} (mean minutes)\n")
        print(_md(top[["kommun", "pt_mean_time_min", "mean_time_min"]].round(0)))


if __name__ == "__main__":
    main()
