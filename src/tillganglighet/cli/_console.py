"""Consoles and the one way the CLI turns a library error into ``Error: ...`` and exit 1."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from tillganglighet.errors import TillganglighetError

console = Console()
err_console = Console(stderr=True)


def fail(exc: TillganglighetError | OSError) -> typer.Exit:
    """Print ``Error: <message>`` on stderr (markup escaped) and return exit code 1."""
    err_console.print(f"[bold red]Error:[/bold red] {escape(str(exc))}", highlight=False)
    return typer.Exit(code=1)
