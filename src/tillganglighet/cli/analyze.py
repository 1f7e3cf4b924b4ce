"""``tillganglighet analyze``: the main job (parses options, calls the library, prints)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tillganglighet.cli._console import console, fail
from tillganglighet.errors import TillganglighetError


def analyze_command(
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date of the office network, YYYY-MM-DD (2019-2021).")
    ] = "2020-12-31",
    threshold: Annotated[
        float, typer.Option("--threshold", help="Guideline threshold, minutes one way.")
    ] = 60.0,
    network: Annotated[
        str,
        typer.Option(
            "--network",
            help="'modelled' (embedded default), a network .npz from `network build`, "
            "or an OSM .pbf.",
        ),
    ] = "modelled",
    within_fa_region: Annotated[
        bool,
        typer.Option(
            "--within-fa-region",
            help="Map and list gaps by the report's rule: nearest point in the own FA-region.",
        ),
    ] = False,
    population: Annotated[
        Path | None,
        typer.Option(
            "--population",
            help="Population data replacing GeoNames': SCB grid CSV, points GeoPackage, or "
            "a per-municipality table (kommun_kod, population).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("outputs"),
    offline: Annotated[
        bool,
        typer.Option(
            "--offline/--online",
            help="Self-contained map (no internet needed) or CDN-loaded map.",
        ),
    ] = True,
    tiles: Annotated[
        bool, typer.Option("--tiles", help="Add an OpenStreetMap background (needs internet).")
    ] = False,
) -> None:
    """Travel time from every municipality to the nearest booked-meeting point.

    Writes to --out: municipalities.parquet, municipalities.gpkg, municipalities.csv,
    origins.parquet, meeting_points.parquet, meeting_points.csv, service_offices.parquet,
    nearby_replacements.csv, by_county.csv, by_fa_region.csv, summary.md and map.html
    (columns: docs/columns.md); prints the municipalities beyond the threshold.

    Examples:

      [bold]tillganglighet analyze[/bold]                      (end of 2020, 60 min, modelled network)

      [bold]tillganglighet analyze --as-of 2019-01-01 --threshold 45 --out outputs/2019[/bold]

      [bold]tillganglighet analyze --network sweden.npz --within-fa-region[/bold]

      [bold]tillganglighet analyze --population befolkning_1km.csv[/bold]   (SCB grid)
    """
    from tillganglighet.cli._progress import rich_progress
    from tillganglighet.analysis import analyze
    from tillganglighet.report.tables import check_out_dir, write_outputs

    try:
        check_out_dir(out)  # fail before minutes of computation, not after
        with rich_progress() as progress:
            pop = None
            if population is not None:
                from tillganglighet.data.userdata import read_population

                progress(f"reading {population}", None, None)
                pop = read_population(population)
            result = analyze(
                as_of=as_of,
                threshold_min=threshold,
                network=network,
                population=pop,
                progress=progress,
            )
            files = write_outputs(
                result,
                out,
                offline=offline,
                tiles=tiles,
                rule="fa_region" if within_fa_region else "nearest",
                progress=progress,
            )
            progress("done", None, None)
    except (TillganglighetError, OSError) as exc:
        # OSError: a file problem not turned into a TillganglighetError by the library
        # (its message names the file); shown like the library's errors, no traceback.
        raise fail(exc) from None
    _print_analysis(result, files, within_fa_region=within_fa_region)


def _print_analysis(result, files, *, within_fa_region: bool) -> None:  # type: ignore[no-untyped-def]
    import math

    from rich.table import Table

    meta, muni = result.meta, result.municipalities
    thr = meta.threshold_min
    suffix = "_fa" if within_fa_region else ""
    rule = "nearest point in own FA-region" if within_fa_region else "nearest point anywhere"
    ranked = muni.sort_values(f"mean_time{suffix}_min", ascending=False)
    gaps = ranked[ranked[f"gap{suffix}"]]
    shown = gaps if len(gaps) else ranked.head(10)
    heading = (
        f"Municipalities beyond {thr:g} min"
        if len(gaps)
        else f"No municipality beyond {thr:g} min; the 10 slowest"
    )
    table = Table(
        title=f"{heading} ({rule}) — {meta.as_of}, {meta.mode}, {result.network.label_en}"
    )
    for column in ("Municipality", "County", "Mean min", "Over by", "Worst min", "People"):
        table.add_column(
            column, justify="left" if column in {"Municipality", "County"} else "right"
        )

    def fmt(v: float) -> str:
        if math.isnan(v):
            return "–"
        return "unreachable" if math.isinf(v) else f"{v:.0f}"

    for _, r in shown.head(40).iterrows():
        table.add_row(
            r["kommun"],
            r["lan"],
            fmt(r[f"mean_time{suffix}_min"]),
            fmt(r[f"exceeds_by{suffix}_min"]),
            fmt(r[f"worst_time{suffix}_min"]),
            f"{int(r['population']):,}",
        )
    console.print(table)
    console.print(
        f"{len(gaps)} of {len(muni)} municipalities beyond {thr:g} min "
        f"({int(gaps['population'].sum()):,} people); "
        f"{int(muni[f'population_beyond_threshold{suffix}'].sum()):,} people live in settlements "
        f"beyond it. Other rule: "
        f"{int(muni['gap_fa' if not within_fa_region else 'gap'].sum())} municipalities."
    )
    stranded = result.origins[~result.origins["time_min"].map(math.isfinite)]
    if len(stranded):
        names = ", ".join(f"{n} ({k})" for n, k in zip(stranded["name"], stranded["kommun"]))
        console.print(
            f"[yellow]{len(stranded)} origins ({int(stranded['population'].sum()):,} people) "
            f"are unreachable on this network:[/yellow] {names}"
        )
    if result.network.modelled:
        console.print(f"[yellow]Note:[/yellow] {result.network.how_to_use_osm}")
    console.print(f"Wrote {len(files)} files to {files[0].parent}/ (open map.html in a browser).")
