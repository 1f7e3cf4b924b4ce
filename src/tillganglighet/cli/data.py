"""``tillganglighet data ...``: inspect and validate the embedded default data."""

from __future__ import annotations

import typer

from tillganglighet.cli._console import console, fail
from tillganglighet.errors import TillganglighetError

data_app = typer.Typer(help="Inspect and validate the embedded default data.", no_args_is_help=True)


@data_app.command("check")
def data_check() -> None:
    """Check the curated data against the figures published in the report.

    Prints one row per figure (report value, value computed from the curated tables,
    status) and exits with code 1 if any figure FAILs. Figures where the report
    contradicts its own tables are shown as DOCUMENTED with the explanation.

    Example: [bold]tillganglighet data check[/bold]
    """
    from rich.table import Table

    from tillganglighet.data.check import all_passed, run_data_check

    try:
        results = run_data_check()
    except TillganglighetError as exc:
        raise fail(exc) from None
    table = Table(title="Curated data vs. the report's figures (Slutredovisning 2020-10-23)")
    for column in ("Figure", "Report", "Found", "Status", "Note"):
        table.add_column(column, overflow="fold")
    style = {"OK": "green", "DOCUMENTED": "yellow", "FAIL": "bold red"}
    for r in results:
        table.add_row(
            r.figure,
            str(r.report_value),
            str(r.found_value),
            f"[{style[r.status]}]{r.status}[/]",
            r.note,
        )
    console.print(table)
    counts = {s: sum(r.status == s for r in results) for s in style}
    console.print(
        f"{counts['OK']} OK, {counts['DOCUMENTED']} DOCUMENTED (report inconsistent with "
        f"itself, see docs/data.md), {counts['FAIL']} FAIL"
    )
    if not all_passed(results):
        raise typer.Exit(code=1)
