"""Publish a set of output files into a folder as one atomic step.

Layout of an output folder ``out`` after :func:`publish`::

    out/.runs/<run id>/<name>     the files of the published run (one folder per run)
    out/.current -> .runs/<id>    one symlink naming the published run
    out/<name> -> .current/<name> one symlink per file, so ``out/map.html`` opens directly
    out/.lock                     lock file (held while a run publishes)

A run writes its files into a new folder ``.runs/<id>`` and then switches ``.current``
with a single :func:`os.replace` of a symlink, which is atomic on POSIX. Before the
switch every ``out/<name>`` shows the previous set; after it, the new set; there is no
moment at which the folder holds a mix, whether the process is killed (SIGKILL), stopped
(SIGTERM, Ctrl-C) or a write fails. The previous run's folder is kept until the switch
and deleted after it. Folders left by killed runs are deleted by the next run.

Concurrent runs into one folder take an exclusive lock (``out/.lock``, ``fcntl.flock``
on POSIX, ``msvcrt.locking`` on Windows) around writing and switching: the second run
waits for the first (up to ``lock_timeout_s``) and then publishes its own complete set,
or fails with an :class:`~tillganglighet.errors.OutputWriteError` saying another run
holds the folder.

Folders written by earlier versions (plain files at ``out/<name>``) are migrated
without ever showing a mix: the plain files are first hard-linked (or copied) into a
run folder that becomes ``.current``, then replaced, one by one, by symlinks showing the
same content; only then is the new run switched in.

**File systems without symlinks** (FAT/exFAT, Windows without developer mode or admin
rights): the files are written to ``.runs/<id>`` as above and then moved to
``out/<name>`` one by one (each move atomic, the set not). A marker ``out/.publishing``
naming the run exists while the files are moved, and a :class:`UserWarning` says that
the set is not switched atomically; if a run is interrupted while the marker exists,
the next run warns that the folder may hold a mix and replaces it completely.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tillganglighet.errors import OutputWriteError, os_reason

__all__ = ["CURRENT", "LOCK", "RUNS", "check_targets", "folder_lock", "publish"]

#: Folder (inside the output folder) holding one sub-folder per run.
RUNS = ".runs"
#: Symlink naming the published run.
CURRENT = ".current"
#: Lock file taken while a run publishes.
LOCK = ".lock"
#: Marker present while files are moved one by one (no-symlink fallback).
PUBLISHING = ".publishing"
#: Seconds a run waits for another run holding the folder, by default.
LOCK_TIMEOUT_S = 600.0


def _checkpoint(step: str) -> None:
    """Called between the file-system steps of a publish (fault-injection tests patch it)."""


@contextlib.contextmanager
def folder_lock(out: Path, *, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (file ``out/.lock``), waiting up to ``timeout_s``.

    Raises
    ------
    OutputWriteError
        The lock is still held by another run after ``timeout_s`` seconds, or the lock
        file cannot be created.
    """
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputWriteError(
            f"--out {out}: cannot create the lock file {path.name}: {os_reason(exc)}"
        ) from None
    try:
        deadline = time.monotonic() + timeout_s
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _read_holder(path)
                raise OutputWriteError(
                    f"--out {out}: another tillganglighet run{holder} is writing to this "
                    f"folder (lock {path}); waited {timeout_s:g} s. Wait for it to finish "
                    "or choose another --out."
                )
            time.sleep(0.05)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is only informative
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _read_holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _symlinks_work(out: Path) -> bool:
    probe = out / f".symlink-probe-{secrets.token_hex(4)}"
    try:
        os.symlink(RUNS, probe, target_is_directory=True)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows cannot open folders
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _current_run(out: Path) -> str | None:
    """Name of the run folder ``.current`` points to, or None."""
    link = out / CURRENT
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    return target.name if target.parent == Path(RUNS) else None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _clean_stale(out: Path, names: Sequence[str], keep: set[str]) -> None:
    """Delete run folders not in ``keep`` and temporary files of killed runs (lock held)."""
    runs = out / RUNS
    if runs.is_dir():
        for entry in runs.iterdir():
            if entry.name not in keep:
                _remove(entry)
    stems = tuple(f".tmp-{Path(n).stem}-" for n in names)
    for entry in out.iterdir():
        name = entry.name
        if name.startswith(
            (".tmp-run-", ".current-", ".link-", ".symlink-probe-")
        ) or name.startswith(stems):
            _remove(entry)


def check_targets(out: Path, names: Sequence[str]) -> None:
    """Raise before anything changes if an output name is taken by a folder or device."""
    for name in (*names, RUNS, CURRENT):
        p = out / name
        if p.is_symlink() or not p.exists():
            continue
        if name in (RUNS,) and p.is_dir():
            continue
        if name in names and p.is_file():
            continue
        what = "a folder" if p.is_dir() else "not a regular file"
        raise OutputWriteError(
            f"--out {out}: cannot publish {name}: {p} is {what}; remove or rename it"
        )


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _replace_with_link(out: Path, name: str, target: str) -> None:
    tmp = out / f".link-{secrets.token_hex(6)}"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, out / name)
    finally:
        tmp.unlink(missing_ok=True)


def _switch(out: Path, run_id: str) -> None:
    tmp = out / f".current-{run_id}"
    os.symlink(f"{RUNS}/{run_id}", tmp, target_is_directory=True)
    _checkpoint("current link staged")
    try:
        os.replace(tmp, out / CURRENT)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(out)


def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{secrets.token_hex(3)}"


def _migrate_plain_files(out: Path, names: Sequence[str]) -> None:
    """Turn plain files (earlier versions, or the no-symlink fallback) into links.

    The content shown at every ``out/<name>`` stays the same throughout.
    """
    plain = [n for n in names if (out / n).is_file() and not (out / n).is_symlink()]
    if not plain:
        return
    run_id = _new_run_id() + "-migrated"
    folder = out / RUNS / run_id
    folder.mkdir()
    current = _current_run(out)
    for name in names:
        if name in plain:
            _link_or_copy(out / name, folder / name)
        elif current is not None and (out / RUNS / current / name).is_file():
            _link_or_copy(out / RUNS / current / name, folder / name)
        _checkpoint(f"migrated {name}")
    _fsync_dir(folder)
    _switch(out, run_id)
    _checkpoint("migrated set switched")
    for name in plain:
        _replace_with_link(out, name, f"{CURRENT}/{name}")
        _checkpoint(f"linked {name}")


def publish(
    out_dir: str | os.PathLike[str],
    names: Sequence[str],
    write: Callable[[Path], None],
    *,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
) -> list[Path]:
    """Write a set of files with ``write`` and publish them in ``out_dir`` atomically.

    Parameters
    ----------
    out_dir
        Output folder; must exist.
    names
        File names ``write`` creates (plain names, no folders).
    write
        Called with an empty run folder; must create every file of ``names`` in it.
        Whatever it raises propagates; the previous set stays published.
    lock_timeout_s
        Seconds to wait for another run publishing into the same folder.

    Returns
    -------
    list of Path
        ``out_dir/<name>`` for each name (symlinks into the published run folder, or
        plain files on a file system without symlinks).

    Raises
    ------
    OutputWriteError
        A file is missing after ``write``, a name is taken by a folder, the folder is
        locked by another run for longer than ``lock_timeout_s``, or a step of the
        switch fails (the message names the file and the reason); the previously
        published set is left as it was.
    """
    out = Path(out_dir)
    with folder_lock(out, timeout_s=lock_timeout_s):
        symlinks = _symlinks_work(out)
        if not symlinks and (out / PUBLISHING).exists():
            warnings.warn(
                f"{out}: a previous run was interrupted while moving its files; the folder "
                "may hold files of two runs until this run has finished",
                UserWarning,
                stacklevel=2,
            )
        current = _current_run(out)
        _clean_stale(out, names, keep={current} if current else set())
        check_targets(out, names)
        run_id = _new_run_id()
        folder = out / RUNS / run_id
        step = "creating the run folder"
        try:
            folder.mkdir(parents=True)
            _checkpoint("run folder created")
            try:
                write(folder)
                step = "checking the files"
                missing = [n for n in names if not (folder / n).is_file()]
                if missing:
                    raise OutputWriteError(
                        f"--out {out}: {', '.join(missing)} were not written; nothing published"
                    )
                for name in names:
                    step = f"flushing {name}"
                    _fsync_file(folder / name)
                    _checkpoint(f"flushed {name}")
                _fsync_dir(folder)
                _checkpoint("run written")
                if not symlinks:
                    _publish_by_moving(out, names, folder)
                    return [out / n for n in names]
                step = "migrating the previous files"
                _migrate_plain_files(out, names)
                for name in names:
                    step = f"linking {name}"
                    link = out / name
                    if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
                        _replace_with_link(out, name, f"{CURRENT}/{name}")
                        _checkpoint(f"linked {name}")
                step = f"switching {CURRENT} to the new run"
                _switch(out, run_id)
            except BaseException:
                if _current_run(out) != run_id:
                    shutil.rmtree(folder, ignore_errors=True)
                raise
        except OSError as exc:
            if isinstance(exc, OutputWriteError):
                raise
            raise OutputWriteError(f"--out {out}: {step} failed: {os_reason(exc)}") from None
        _checkpoint("switched")
        _clean_stale(out, names, keep={run_id})
        _checkpoint("previous runs removed")
    return [out / n for n in names]


def _publish_by_moving(out: Path, names: Sequence[str], folder: Path) -> None:
    """No-symlink fallback: move the files one by one (each atomic, the set not)."""
    warnings.warn(
        f"{out}: this file system does not support symbolic links, so the {len(names)} "
        "output files are replaced one by one rather than as one atomic step",
        UserWarning,
        stacklevel=3,
    )
    marker = out / PUBLISHING
    marker.write_text(folder.name + "\n", encoding="utf-8")
    for name in names:
        target = out / name
        if target.is_symlink():
            target.unlink()
        os.replace(folder / name, target)
        _checkpoint(f"moved {name}")
    marker.unlink()
    shutil.rmtree(folder, ignore_errors=True)
