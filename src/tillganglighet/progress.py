"""One way for long work to report progress: an optional callback.

The library never prints. Functions that take a while accept
``progress: ProgressCallback | None`` and call it as ``progress(step, done, total)``:

- ``step`` — what is being done, in English (``"reading sweden.osm.pbf"``);
- ``done`` — units finished so far, or ``None`` when the step is not counted;
- ``total`` — units in the step, or ``None`` when unknown.

The command line renders the calls with rich (counts, elapsed time and an ETA when the
total is known, see :mod:`tillganglighet.cli._progress`); in Jupyter, pass any function
(for example one that updates a ``tqdm`` bar), or nothing.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressCallback", "report"]

#: ``progress(step, done, total)``; see the module docstring.
ProgressCallback = Callable[[str, int | None, int | None], None]


def report(
    progress: ProgressCallback | None, step: str, done: int | None = None, total: int | None = None
) -> None:
    """Call ``progress(step, done, total)`` if a callback was given."""
    if progress is not None:
        progress(step, done, total)
