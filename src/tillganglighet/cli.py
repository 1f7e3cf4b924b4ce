"""The ``tillganglighet`` command line: parses arguments and calls the library.

Errors raised on purpose by the library (:class:`TillganglighetError`) are printed
without a traceback and end the command with exit code 1.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from ._errors import TillganglighetError

app = typer.Typer(
    name="tillganglighet",
    help=(
        "Accessibility of Arbetsförmedlingen's local presence: travel time from every "
        "Swedish municipality to the nearest point offering booked meetings."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
data_app = typer.Typer(
    help="Inspect and validate the embedded default data.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

console = Console()
err_console = Console(stderr=True)


def _fail(exc: TillganglighetError) -> typer.Exit:
    err_console.print(f"[bold red]Error:[/bold red] {exc}", highlight=False)
    return typer.Exit(code=1)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.")
    ] = False,
) -> None:
    if version:
        from . import __version__

        console.print(f"tillganglighet {__version__}")
        raise typer.Exit()


@data_app.command("check")
def data_check() -> None:
    """Check the curated data against the figures published in the report.

    Prints one row per figure (report value, value computed from the curated tables,
    status) and exits with code 1 if any figure FAILs. Figures where the report
    contradicts its own tables are shown as DOCUMENTED with the explanation.

    Example: [bold]tillganglighet data check[/bold]
    """
    from rich.table import Table

    from .datacheck import all_passed, run_data_check

    try:
        results = run_data_check()
    except TillganglighetError as exc:
        raise _fail(exc) from None
    table = Table(title="Curated data vs. the report's figures (Slutredovisning 2020-10-23)")
    for column in ("Figure", "Report", "Found", "Status", "Note"):
        table.add_column(column, overflow="fold")
    style = {"OK": "green", "DOCUMENTED": "yellow", "FAIL": "bold red"}
    for r in results:
        table.add_row(
            r.figure, str(r.report_value), str(r.found_value),
            f"[{style[r.status]}]{r.status}[/]", r.note,
        )
    console.print(table)
    counts = {s: sum(r.status == s for r in results) for s in style}
    console.print(
        f"{counts['OK']} OK, {counts['DOCUMENTED']} DOCUMENTED (report inconsistent with "
        f"itself, see docs/data.md), {counts['FAIL']} FAIL"
    )
    if not all_passed(results):
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point of the ``tillganglighet`` console script."""
    try:
        app()
    except TillganglighetError as exc:  # pragma: no cover - safety net
        err_console.print(f"[bold red]Error:[/bold red] {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
