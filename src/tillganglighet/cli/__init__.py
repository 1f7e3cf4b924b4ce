"""The ``tillganglighet`` command line: parses arguments and calls the library.

Errors raised on purpose by the library (:class:`TillganglighetError`) are printed
without a traceback and end the command with exit code 1; ``analyze`` and
``network build`` treat an :class:`OSError` (a file that cannot be read or written)
the same way. Usage errors keep typer's exit code 2.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tillganglighet.errors import TillganglighetError

from tillganglighet.cli._console import console, err_console
from tillganglighet.cli.analyze import analyze_command
from tillganglighet.cli.data import data_app
from tillganglighet.cli.network import network_app
from tillganglighet.cli.scenarios import scenarios_app

__all__ = ["app", "main"]

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
app.add_typer(data_app, name="data")
app.add_typer(network_app, name="network")
app.add_typer(scenarios_app, name="scenarios")
app.command("analyze")(analyze_command)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        from tillganglighet import __version__

        console.print(f"tillganglighet {__version__}")
        raise typer.Exit()


def main() -> None:
    """Entry point of the ``tillganglighet`` console script."""
    try:
        app()
    except TillganglighetError as exc:  # pragma: no cover - safety net
        err_console.print(f"[bold red]Error:[/bold red] {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
