"""Locate the curated data (``geodata/``) that ships with the package.

In a wheel the repository's ``geodata/`` folder is installed as the package data
directory ``tillganglighet/_geodata``. In a source checkout (editable install, or
running from ``src/``) the folder is found at the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tillganglighet.errors import DataIntegrityError

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def geodata_dir() -> Path:
    """Return the folder holding the embedded default data.

    Returns
    -------
    Path
        ``tillganglighet/_geodata`` inside an installed wheel, otherwise the
        ``geodata/`` folder at the root of the source checkout.
    """
    candidates = (
        _PACKAGE_DIR / "_geodata",
        _PACKAGE_DIR.parent.parent / "geodata",
    )
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    raise DataIntegrityError(
        "The embedded geodata folder was not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "). Reinstall the package with `pip install tillganglighet` or from a full "
        "source checkout."
    )


def geodata_path(*parts: str) -> Path:
    """Return the path of a file inside the embedded data folder.

    Parameters
    ----------
    *parts
        Path components relative to the data folder, e.g. ``("report", "offices.csv")``.

    Returns
    -------
    Path
        The file's path; raises :class:`DataIntegrityError` if it does not exist.
    """
    path = geodata_dir().joinpath(*parts)
    if not path.exists():
        raise DataIntegrityError(f"Embedded data file missing: {path}")
    return path
