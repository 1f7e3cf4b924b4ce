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
from rich.markup import escape

from tillganglighet.cli._console import console, err_console
from tillganglighet.cli.analyze import analyze_command
from tillganglighet.cli.data import data_app
from tillganglighet.cli.network import network_app
from tillganglighet.cli.scenarios import scenarios_app
from tillganglighet.cli.transit import transit_app
from tillganglighet.errors import TillganglighetError

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
app.add_typer(transit_app, name="transit")
app.command("analyze")(analyze_command)


def _print_version(value: bool) -> None:
    """Eager ``--version``: print and exit before a command is looked for."""
    if value:
        from tillganglighet import __version__

        console.print(f"tillganglighet {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    pass


def _flags_without_placeholder() -> None:
    """Show no ``<bool>`` value placeholder for flags in the rich help.

    Typer's rich help prints a type placeholder for every option, flags included
    (``--tiles <bool>``), though a flag takes no value.
    """
    from typer.core import TyperOption

    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_tg_flags", False):
        return  # older typer has no such hook (and no placeholder to remove)

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return original(self, ctx)

    display_type_rich._tg_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_flags_without_placeholder()


def main() -> None:
    """Entry point of the ``tillganglighet`` console script."""
    try:
        app()
    except TillganglighetError as exc:  # pragma: no cover - safety net
        err_console.print(f"[bold red]Error:[/bold red] {escape(str(exc))}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
