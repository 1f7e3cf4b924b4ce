"""``tillganglighet transit ...`` commands (mounted by :mod:`tillganglighet.cli`).

Thin: parses options and calls :mod:`tillganglighet.transit`; library errors and
:class:`OSError` end in ``Error: ...`` and exit 1 (no traceback).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from tillganglighet.cli._console import console, err_console, fail
from tillganglighet.cli._progress import rich_progress
from tillganglighet.errors import TillganglighetError

transit_app = typer.Typer(help="Public-transport timetables (GTFS).", no_args_is_help=True)


@transit_app.callback()
def _group() -> None:
    """Public-transport timetables (GTFS)."""


@transit_app.command("fetch")
def fetch_command(
    out: Annotated[Path, typer.Option("--out", help="Where to save the feed (.zip).")] = Path(
        "sweden.zip"
    ),
    feed: Annotated[
        str,
        typer.Option(
            "--feed",
            help="sverige2 (GTFS Sverige 2, national), sweden3 (GTFS Sweden 3) or regional.",
        ),
    ] = "sverige2",
    operator: Annotated[
        str | None,
        typer.Option("--operator", help="Operator abbreviation for --feed regional (e.g. ul)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Replace https://host (a mirror or a test server)."),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Socket timeout, seconds.")] = 60.0,
) -> None:
    """Download a GTFS feed from Trafiklab (API key in $TRAFIKLAB_API_KEY).

    Resumes an interrupted download (HTTP Range) or restarts it cleanly, checks that the
    file is a GTFS zip and only then moves it onto --out.
    Example: [bold]TRAFIKLAB_API_KEY=... tillganglighet transit fetch --out sweden.zip[/bold]
    """
    from tillganglighet.transit.fetch import fetch_feed

    try:
        with rich_progress(transient=True) as progress:
            path = fetch_feed(
                out,
                feed=feed,
                operator=operator,
                base_url=base_url,
                timeout=timeout,
                progress=progress,
                log=lambda msg: err_console.print(msg, highlight=False, markup=False),
            )
    except (TillganglighetError, OSError) as exc:
        raise fail(exc) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"saved {path}", highlight=False, markup=False)


@transit_app.command("check")
def check_command(
    gtfs: Annotated[list[Path], typer.Argument(help="GTFS zip(s) or folder(s).")],
    date: Annotated[
        str | None, typer.Option("--date", help="Service date YYYY-MM-DD to summarise.")
    ] = None,
    booked_services: Annotated[
        str, typer.Option("--booked-services", help="exclude (default) or include.")
    ] = "exclude",
) -> None:
    """Read and validate GTFS feeds; list problems (file, line, field) and the service day."""
    from tillganglighet import transit

    try:
        feed = transit.read_gtfs(gtfs if len(gtfs) > 1 else gtfs[0])
        console.print(
            f"{feed.n_stops:,} stops, {feed.n_trips:,} trips, {feed.n_stop_times:,} stop times;"
            f" calendar {feed.date_range()}",
            highlight=False,
            markup=False,
        )
        for issue in feed.issues:
            console.print(str(issue), highlight=False, markup=False)
        if date:
            sd = transit.service_day(
                feed, dt.date.fromisoformat(date), booked_services=booked_services
            )
            console.print(
                f"{date}: {sd.n_connections:,} connections, {int(sd.served.sum()):,} stops "
                f"served; booked services ({sd.booked.policy}): {sd.booked.trips:,} trips, "
                f"{sd.booked.stops:,} stops served only by them",
                highlight=False,
                markup=False,
            )
    except (TillganglighetError, OSError) as exc:
        raise fail(exc) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
