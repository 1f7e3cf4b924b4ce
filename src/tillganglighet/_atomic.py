"""Atomic file writes: write to a temporary file beside the target, then rename.

A crash or an error mid-write never leaves a half-written file at the target: either
the old file stays, or the complete new one replaces it (:func:`os.replace` is atomic
on POSIX and Windows within one file system).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it to ``path`` if the block succeeds.

    The temporary name keeps the target's extension last (some writers, such as GDAL's
    GeoPackage driver, check it). The new file gets the mode of the file it replaces,
    or ``rw-r--r--``. On an exception the temporary file is removed and the target is
    left untouched.

    Parameters
    ----------
    path
        The target file; its folder must exist.

    Yields
    ------
    Path
        A path that does not exist yet, for the writer to create.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".tmp-{target.stem}-", suffix=target.suffix
    )
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()
    try:
        yield tmp_path
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, flushed to disk (fsync) before the rename."""
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` (``\\n`` line ends) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))
