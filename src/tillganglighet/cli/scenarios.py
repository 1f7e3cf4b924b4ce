"""``tillganglighet scenarios``: score scenario files, sweeps, optimisation, timeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from tillganglighet.cli._console import console, fail
from tillganglighet.errors import TillganglighetError

scenarios_app = typer.Typer(
    help="Alternative office networks: score scenario files, sweep closures and "
    "additions, optimise additions, rebuild the network month by month.",
    no_args_is_help=True,
)

_NETWORK = typer.Option("--network", help="'modelled' (default), a network .npz or an OSM .pbf.")
_SCHEDULER = typer.Option(
    "--scheduler",
    help="'local' (a Dask LocalCluster when there is more than one chunk), a scheduler "
    "address such as tcp://127.0.0.1:8786, or 'none' (this process).",
)


def _sched(value: str) -> str | None:
    return None if value.lower() == "none" else value


@dataclass(frozen=True)
class _Pool:
    closed_offices: bool = False
    service_offices: bool = False
    settlements: int | None = None


def _parse_pool(spec: str) -> _Pool:
    parts = {p.strip() for p in spec.split(",") if p.strip()}
    closed = service = False
    settlements: int | None = None
    for p in parts:
        if p == "closed_offices":
            closed = True
        elif p == "service_offices":
            service = True
        elif p.startswith("settlements"):
            _, _, size = p.partition(":")
            try:
                settlements = int(size or 5000)
            except ValueError:
                raise typer.BadParameter(f"settlements:<min population>, got {p!r}") from None
        else:
            raise typer.BadParameter(
                f"unknown candidate group {p!r}; use closed_offices, service_offices, "
                "settlements:<min population>"
            )
    return _Pool(closed, service, settlements)


@scenarios_app.command("score")
def score_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario files (TOML).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("outputs/scenarios"),
    network: Annotated[str, _NETWORK] = "modelled",
    jobseekers: Annotated[
        Path | None,
        typer.Option(
            "--jobseekers",
            help="CSV: kommun_kod (or kommun), "
            "registered_jobseekers; flags the report's 4,000 rule.",
        ),
    ] = None,
    cost: Annotated[
        Path | None, typer.Option("--cost", help="TOML with a [cost] table of SEK/year by kind.")
    ] = None,
    scheduler: Annotated[str, _SCHEDULER] = "local",
    maps: Annotated[bool, typer.Option("--maps/--no-maps", help="Write difference maps.")] = True,
    gtfs: Annotated[
        list[Path] | None,
        typer.Option("--gtfs", help='GTFS feed(s) for scenarios with mode = "pt".'),
    ] = None,
    pt_date: Annotated[
        str | None, typer.Option("--pt-date", help="Service date for --gtfs, YYYY-MM-DD.")
    ] = None,
    meetings: Annotated[
        str, typer.Option("--meetings", help="Meeting times for --gtfs, HH:MM-HH:MM/STEP.")
    ] = "09:00-15:00/15",
) -> None:
    """Score scenario files: ranking (CSV, Parquet), per-scenario tables, difference maps.

    Results are kept per scenario in OUT/results/ and reused on a rerun.
    """
    from tillganglighet.scenarios import cost as cost_mod
    from tillganglighet.scenarios import files as files_mod
    from tillganglighet.scenarios import run

    try:
        scenarios = files_mod.load_scenarios(files)
        cm = cost_mod.CostModel.from_toml(cost) if cost else None
        js = cost_mod.read_jobseekers(jobseekers) if jobseekers else None
        pt = None
        if gtfs:
            from tillganglighet.scenarios.matrix import PTNetwork

            if not pt_date:
                raise typer.BadParameter("--gtfs needs --pt-date YYYY-MM-DD (a weekday)")
            pt = PTNetwork.from_gtfs(gtfs, pt_date, meetings=meetings)
        result = run.score_scenarios(
            scenarios,
            network=network,
            pt_network=pt,
            cost_model=cm,
            jobseekers=js,
            out_dir=out,
            scheduler=_sched(scheduler),
        )
        written = run.write_outputs(result, out, maps=maps)
    except (TillganglighetError, OSError) as exc:
        raise fail(exc) from None
    cols = [
        "rank",
        "scenario",
        "municipalities_beyond_rule",
        "population_beyond_rule",
        "mean_time_rule_min",
        "annual_cost_sek",
        "municipalities_worse",
    ]
    typer.echo(result.ranking[cols].to_string(index=False))
    console.print(
        f"Wrote {len(written)} files to {out}/ (ranking.csv, ranking.parquet, scenarios/, maps/)."
    )


@scenarios_app.command("sweep")
def sweep_command(
    kind: Annotated[
        str, typer.Argument(help="single-closures, pair-closures or single-additions.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("outputs/sweep"),
    base: Annotated[str, typer.Option("--base", help="Base network date.")] = "2020-12-31",
    threshold: Annotated[float, typer.Option("--threshold", help="Minutes.")] = 60.0,
    fa_rule: Annotated[
        str, typer.Option("--fa-rule", help="own_fa_region or anywhere.")
    ] = "own_fa_region",
    candidates: Annotated[
        str,
        typer.Option(
            "--candidates",
            help="Addition pool: closed_offices, service_offices, "
            "settlements:<min population> (comma-separated).",
        ),
    ] = "closed_offices,service_offices",
    network: Annotated[str, _NETWORK] = "modelled",
    scheduler: Annotated[str, _SCHEDULER] = "local",
    workers: Annotated[int, typer.Option("--workers", help="Local cluster workers.")] = 2,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Scenarios per task.")] = 500,
) -> None:
    """Score every single closure, pair of closures or single addition; resumable."""
    import numpy as np

    from tillganglighet.scenarios import batch, matrix, model, sweeps

    gens = {"single-closures", "pair-closures", "single-additions"}
    if kind not in gens:
        raise typer.BadParameter(f"{kind!r}: use one of {sorted(gens)}")
    if fa_rule not in model.FA_RULES:
        raise typer.BadParameter(f"--fa-rule {fa_rule!r}: use one of {list(model.FA_RULES)}")
    pool_spec = _parse_pool(candidates)
    try:
        cands = model.candidate_set(
            service_offices=True, settlements_min_population=pool_spec.settlements
        )
        mats = matrix.build_matrices(cands, network=network)
        b = model.base_network(base, cands)
        b = model.ResolvedScenario(b.name, b.active, b.kind, b.name, threshold, "road", fa_rule)
        if kind == "single-closures":
            gen = sweeps.single_closures(b, cands)
        elif kind == "pair-closures":
            gen = sweeps.pair_closures(b, cands)
        else:
            pool = sweeps.candidate_pool(
                cands,
                b,
                closed_offices=pool_spec.closed_offices,
                service_offices=pool_spec.service_offices,
                settlements=pool_spec.settlements is not None,
            )
            gen = sweeps.single_additions(b, cands, pool)
        context = batch.BatchContext.of(mats)
        refs = batch.reference_means(mats, [b])
        jobs = [batch.make_job(b, context), *(batch.make_job(r, context) for r in gen)]
        report = batch.run_batch(
            jobs,
            mats,
            out,
            context=context,
            references=refs,
            scheduler=_sched(scheduler),
            n_workers=workers,
            chunk_size=chunk_size,
            keep_municipalities=False,
        )
        table = batch.results_table(out, [j.key for j in jobs])
        csv = out / f"{kind}.csv"
        from tillganglighet._atomic import atomic_path, atomic_write_text

        atomic_write_text(csv, table.to_csv(index=False, lineterminator="\n"))
        with atomic_path(csv.with_suffix(".parquet")) as tmp:
            table.to_parquet(tmp, index=False)
    except (TillganglighetError, OSError) as exc:
        raise fail(exc) from None
    suffix = "_fa" if fa_rule == "own_fa_region" else ""
    worst = table.sort_values(
        ["municipalities_beyond" + suffix, "population_beyond" + suffix], ascending=False
    ).head(10)
    console.print(f"{len(report.scored)} scored, {len(report.skipped)} already finished.")
    typer.echo(
        worst[
            ["scenario", "municipalities_beyond" + suffix, "population_beyond" + suffix]
        ].to_string(index=False)
    )
    console.print(
        f"Wrote {csv} and {csv.with_suffix('.parquet')} "
        f"({int(np.isfinite(table['mean_time_min']).sum())} rows)."
    )


@scenarios_app.command("optimise")
def optimise_command(
    problem: Annotated[str, typer.Argument(help="set-cover, max-cover, p-median or pareto.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("outputs/optimise"),
    base: Annotated[str, typer.Option("--base", help="Base network date.")] = "2020-12-31",
    threshold: Annotated[float, typer.Option("--threshold", help="Minutes.")] = 60.0,
    fa_rule: Annotated[
        str, typer.Option("--fa-rule", help="own_fa_region or anywhere.")
    ] = "own_fa_region",
    k: Annotated[
        int, typer.Option("--k", help="Additions (max-cover, p-median; largest k of pareto).")
    ] = 5,
    candidates: Annotated[
        str,
        typer.Option(
            "--candidates", help="closed_offices, service_offices, settlements:<min population>."
        ),
    ] = "closed_offices,service_offices,settlements:2000",
    network: Annotated[str, _NETWORK] = "modelled",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per solve.")] = 300.0,
) -> None:
    """Choose additions with HiGHS: fewest for all municipalities, best k, or the Pareto table."""
    from tillganglighet._atomic import atomic_write_text
    from tillganglighet.scenarios import matrix, model, planning, sweeps

    if problem not in planning.PROBLEMS:
        raise typer.BadParameter(f"{problem!r}: use one of {list(planning.PROBLEMS)}")
    pool_spec = _parse_pool(candidates)
    try:
        cands = model.candidate_set(settlements_min_population=pool_spec.settlements)
        mats = matrix.build_matrices(cands, network=network)
        b = model.base_network(base, cands)
        pool = sweeps.candidate_pool(
            cands,
            b,
            closed_offices=pool_spec.closed_offices,
            service_offices=pool_spec.service_offices,
            settlements=pool_spec.settlements is not None,
        )
        result = planning.plan(
            mats,
            b,
            problem,
            threshold_min=threshold,
            fa_rule=fa_rule,
            k=k,
            pool=pool,
            time_limit=time_limit,
        )
        out.mkdir(parents=True, exist_ok=True)
        stem = problem.replace("-", "_")
        atomic_write_text(
            out / f"{stem}.csv", result.table.to_csv(index=False, lineterminator="\n")
        )
        atomic_write_text(
            out / f"{stem}_additions.csv", result.additions.to_csv(index=False, lineterminator="\n")
        )
    except (TillganglighetError, OSError) as exc:
        raise fail(exc) from None
    typer.echo(result.table.to_string(index=False))
    if len(result.additions):
        typer.echo(
            result.additions[["candidate_id", "name", "kommun", "kind"]].to_string(index=False)
        )
    console.print(f"Wrote {out / (stem + '.csv')} and {out / (stem + '_additions.csv')}.")


@scenarios_app.command("timeline")
def timeline_command(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("outputs/timeline"),
    threshold: Annotated[float, typer.Option("--threshold", help="Minutes.")] = 60.0,
    network: Annotated[str, _NETWORK] = "modelled",
    milestone_maps: Annotated[
        bool,
        typer.Option(
            "--milestone-maps/--no-milestone-maps",
            help="Also one offline difference map per milestone month (maps/).",
        ),
    ] = True,
) -> None:
    """Gap figures month by month, Jan 2019 – Dec 2021, and an offline slider map."""
    from tillganglighet._atomic import atomic_write_text
    from tillganglighet.scenarios import matrix, model, timeline

    try:
        mats = matrix.build_matrices(model.candidate_set(), network=network)
        table = timeline.timeline_table(mats, threshold)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "timeline.csv", table.to_csv(index=False, lineterminator="\n"))
        atomic_write_text(
            out / "events.csv", timeline.events().to_csv(index=False, lineterminator="\n")
        )
        atomic_write_text(out / "assumptions.txt", "\n".join(timeline.ASSUMPTIONS) + "\n")
        timeline.timeline_map(mats, table, out / "timeline.html", threshold_min=threshold)
        if milestone_maps:
            timeline.milestone_maps(mats, table, out / "maps", threshold_min=threshold)
    except (TillganglighetError, OSError) as exc:
        raise fail(exc) from None
    typer.echo(
        table[
            [
                "month",
                "points",
                "municipalities_beyond",
                "municipalities_beyond_fa",
                "population_beyond_fa",
            ]
        ].to_string(index=False)
    )
    console.print(f"Wrote timeline.csv, events.csv, assumptions.txt and timeline.html to {out}/.")
