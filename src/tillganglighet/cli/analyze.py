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
            help="Population data replacing the default model (SCB 2020 totals): SCB grid "
            "CSV, points GeoPackage, or a per-municipality table (kommun_kod, population).",
        ),
    ] = None,
    population_kind: Annotated[
        str,
        typer.Option(
            "--population-kind",
            help="What --population holds: auto (from the columns; coordinates make it "
            "points), grid (SCB cell ids), table (one row per municipality) or points.",
        ),
    ] = "auto",
    population_column: Annotated[
        str | None,
        typer.Option(
            "--population-column",
            help="Population column of --population (default: population, Pop or befolkning).",
        ),
    ] = None,
    population_crs: Annotated[
        str | None,
        typer.Option(
            "--population-crs",
            help="CRS of x/y columns in a --population CSV, e.g. EPSG:3006 (SWEREF 99 TM).",
        ),
    ] = None,
    cell_size: Annotated[
        int,
        typer.Option(
            "--cell-size",
            help="Side of the SCB grid cells of --population in metres: 1000 or 250.",
        ),
    ] = 1000,
    layer: Annotated[
        str | None,
        typer.Option("--layer", help="Layer of a --population GeoPackage with several."),
    ] = None,
    fill_missing_population: Annotated[
        bool,
        typer.Option(
            "--fill-missing-population",
            help="Give municipalities that --population leaves out the default model "
            "(else such a file is refused).",
        ),
    ] = False,
    gtfs: Annotated[
        str,
        typer.Option(
            "--gtfs",
            help="Public transport for the guideline: 'modelled' (the embedded modelled "
            "national timetable, default), GTFS zip(s) or folder(s), comma-separated (e.g. "
            "Trafiklab's sweden.zip from `tillganglighet transit fetch`), or 'none' for "
            "road times only. Car times are always computed beside it.",
        ),
    ] = "modelled",
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="Service date of the timetable, YYYY-MM-DD (default: first Tuesday)."
        ),
    ] = None,
    meetings: Annotated[
        str,
        typer.Option("--meetings", help="Meeting times START-END/STEP (minutes), weekday window."),
    ] = "09:00-15:00/15",
    booked_services: Annotated[
        str,
        typer.Option(
            "--booked-services",
            help="'exclude' (default) or 'include' booked rural services (route type 1501).",
        ),
    ] = "exclude",
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

      [bold]tillganglighet analyze[/bold]   (end of 2020, 60 min, modelled network)

      [bold]tillganglighet analyze --as-of 2019-01-01 --threshold 45 --out outputs/2019[/bold]

      [bold]tillganglighet analyze --network sweden.npz --within-fa-region[/bold]

      [bold]tillganglighet analyze --population befolkning_1km.csv[/bold]   (SCB grid)

      [bold]tillganglighet analyze --population tatort_250m.csv --cell-size 250[/bold]

      [bold]tillganglighet analyze --population adresser.csv --population-crs EPSG:3006[/bold]

      [bold]tillganglighet analyze --gtfs sweden.zip --date 2026-12-08[/bold]   (public transport)
    """
    from rich.markup import escape

    from tillganglighet.analysis import analyze
    from tillganglighet.cli._progress import rich_progress
    from tillganglighet.report.tables import check_out_dir, write_outputs

    if population_kind not in ("auto", "grid", "table", "points"):
        raise typer.BadParameter(
            f"--population-kind must be auto, grid, table or points, not {population_kind!r}."
        )
    if population is None:
        given = [
            name
            for name, value, default in (
                ("--population-kind", population_kind, "auto"),
                ("--population-column", population_column, None),
                ("--population-crs", population_crs, None),
                ("--cell-size", cell_size, 1000),
                ("--layer", layer, None),
            )
            if value != default
        ]
        if given:
            raise typer.BadParameter(f"{', '.join(given)} need(s) --population FILE.")
    if cell_size <= 0:
        raise typer.BadParameter(
            f"--cell-size must be a positive number of metres, not {cell_size}."
        )
    try:
        check_out_dir(out)  # fail before minutes of computation, not after
        with rich_progress() as progress:
            pop = None
            if population is not None:
                from tillganglighet.data.userdata import read_population

                progress(f"reading {population}", None, None)
                pop = read_population(
                    population,
                    kind=population_kind,  # type: ignore[arg-type]  # checked above
                    population_column=population_column,
                    crs=population_crs,
                    cell_size_m=cell_size,
                    layer=layer,
                )
                kind_used = pop.attrs.get("population_kind", population_kind)
                console.print(
                    f"Population: {escape(str(population))} read as {escape(kind_used)}; "
                    "--population-kind to choose.",
                    highlight=False,
                )
            result = analyze(
                as_of=as_of,
                threshold_min=threshold,
                network=network,
                population=pop,
                fill_missing_population="default" if fill_missing_population else "error",
                gtfs=None if gtfs.strip().lower() == "none" else gtfs,
                pt_date=date,
                meetings=meetings,
                booked_services=booked_services,
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


def _print_analysis(result, files, *, within_fa_region: bool) -> None:
    import math

    from rich.markup import escape
    from rich.table import Table

    meta, muni = result.meta, result.municipalities
    thr = meta.threshold_min
    pt = meta.transit is not None
    p = "pt_" if pt else ""
    suffix = "_fa" if within_fa_region else ""
    rule = "nearest point in own FA-region" if within_fa_region else "nearest point anywhere"
    mode = (
        f"public transport ({meta.transit.label_en}, {meta.transit.date}, median of "
        f"{meta.transit.n_meetings} meeting times)"
        if pt
        else f"{meta.mode}, {result.network.label_en}"
    )
    ranked = muni.sort_values(f"{p}mean_time{suffix}_min", ascending=False)
    gaps = ranked[ranked[f"{p}gap{suffix}"]]
    shown = gaps if len(gaps) else ranked.head(10)
    heading = (
        f"Municipalities beyond {thr:g} min"
        if len(gaps)
        else f"No municipality beyond {thr:g} min; the 10 slowest"
    )
    table = Table(title=escape(f"{heading} ({rule}) — {meta.as_of}, {mode}"))
    columns = ["Municipality", "County", "Mean min", "Over by", "Worst min"]
    if pt:
        columns.append("Car mean min")
    columns.append("People")
    for column in columns:
        table.add_column(
            column, justify="left" if column in {"Municipality", "County"} else "right"
        )

    def fmt(v: float) -> str:
        if math.isnan(v):
            return "–"
        return "unreachable" if math.isinf(v) else f"{v:.0f}"

    for _, r in shown.head(40).iterrows():
        cells = [
            escape(str(r["kommun"])),
            escape(str(r["lan"])),
            fmt(r[f"{p}mean_time{suffix}_min"]),
            fmt(r[f"{p}exceeds_by{suffix}_min"]),
            fmt(r[f"{p}worst_time{suffix}_min"]),
        ]
        if pt:
            cells.append(fmt(r[f"mean_time{suffix}_min"]))
        cells.append(f"{int(r['population']):,}")
        table.add_row(*cells)
    console.print(table)
    other = f"{p}gap" if within_fa_region else f"{p}gap_fa"
    console.print(
        f"{len(gaps)} of {len(muni)} municipalities beyond {thr:g} min "
        f"({int(gaps['population'].sum()):,} people); "
        f"{int(muni[f'{p}population_beyond_threshold{suffix}'].sum()):,} people live in places "
        f"beyond it. Other rule: {int(muni[other].sum())} municipalities."
    )
    if pt:
        car_gaps = int(muni[f"gap{suffix}"].sum())
        console.print(
            f"By public transport (the guideline's mode): {len(gaps)} municipalities; "
            f"by car on the road network: {car_gaps}."
        )
    else:
        console.print(
            "[yellow]Note:[/yellow] the guideline is about public transport; these are "
            f"{meta.mode} times (a lower bound). Add --gtfs FEED.zip to evaluate it by public "
            "transport."
        )
    stranded = result.origins[~result.origins["time_min"].map(math.isfinite)]
    if len(stranded):
        names = escape(
            ", ".join(
                f"{n} ({k})"
                for n, k in dict.fromkeys(zip(stranded["name"], stranded["kommun"], strict=True))
            )
        )
        console.print(
            f"[yellow]{len(stranded)} origins ({int(stranded['population'].sum()):,} people) "
            f"are unreachable on this network:[/yellow] {names}"
        )
    if result.network.modelled:
        console.print(f"[yellow]Note:[/yellow] {escape(result.network.how_to_use_osm)}")
    console.print(
        f"Wrote {len(files)} files to {escape(str(files[0].parent))}/ (open map.html in a browser)."
    )
