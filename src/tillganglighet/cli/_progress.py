"""Render the library's progress callbacks with rich: counts, elapsed time and an ETA."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tillganglighet.cli._console import err_console
from tillganglighet.progress import ProgressCallback


@contextmanager
def rich_progress(*, transient: bool = False) -> Iterator[ProgressCallback]:
    """Yield a :data:`~tillganglighet.progress.ProgressCallback` drawn on stderr.

    A step with a known total shows a bar with ``done/total`` and the time remaining;
    a step without one shows a spinner, its count (if any) and the elapsed time.
    """
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def update(step: str, done: int | None = None, total: int | None = None) -> None:
            # Steps name files: escape them, or rich reads "[kopia]" as markup.
            description = (
                escape(step) if total is not None or done is None else f"{escape(step)}: {done:,}"
            )
            bar.update(task, description=description, completed=done or 0, total=total)

        yield update
