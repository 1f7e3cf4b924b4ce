"""On-disk cache of built networks and of travel-time matrices.

A cache entry is one ``.npz`` written by :meth:`Network.save`, named by a sha256 of

* the content hash of every input file listed under ``builder_key["input_files"]``
  (so a changed input file invalidates the entry, a moved or renamed one does not),
* the rest of ``builder_key`` (build parameters, as canonical JSON),
* the package version and the network file format version.

The cache folder is ``$TILLGANGLIGHET_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/tillganglighet``, else ``~/.cache/tillganglighet``. Warnings raised
while building are stored beside the entry and raised again on a cache hit.

On a hit, the network's ``metadata["source_file"]`` is set to the file passed now
(the entry may have been built from a copy with the same content).

The cache never stops a run: an unreadable entry is reported with a ``UserWarning``,
deleted and rebuilt; an entry that cannot be written (read-only folder, a file where
the folder should be, full disk) is reported with a ``UserWarning`` and the freshly
computed result is returned.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tillganglighet._atomic import atomic_path, atomic_write_text
from tillganglighet.errors import InputValidationError, NetworkError, os_reason
from tillganglighet.networks.graph import FORMAT_VERSION, Network

__all__ = [
    "cached_array",
    "cached_network",
    "default_cache_dir",
    "file_sha256",
    "network_cache_path",
    "network_fingerprint",
]


def default_cache_dir() -> Path:
    """Return the cache folder (see module docstring); it is not created here."""
    env = os.environ.get("TILLGANGLIGHET_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "tillganglighet"
    return Path.home() / ".cache" / "tillganglighet"


def file_sha256(path: str | os.PathLike[str], *, chunk_bytes: int = 8 << 20) -> str:
    """Return the hex sha256 of a file's content.

    Raises
    ------
    NetworkError
        If the file cannot be read.
    """
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(chunk_bytes):
                h.update(chunk)
    except OSError as exc:
        raise NetworkError(f"Cannot read input file {os.fspath(path)!r}: {exc}") from exc
    return h.hexdigest()


def _key_digest(builder_key: dict[str, Any]) -> str:
    from tillganglighet import __version__

    if not isinstance(builder_key, dict):
        raise InputValidationError("`builder_key` must be a dict.")
    key = dict(builder_key)
    files = key.pop("input_files", [])
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    material = {
        "params": key,
        "input_sha256": [file_sha256(f) for f in files],
        "package_version": __version__,
        "format_version": FORMAT_VERSION,
    }
    try:
        text = json.dumps(material, sort_keys=True, separators=(",", ":"))
    except TypeError as exc:
        raise InputValidationError(f"`builder_key` must be JSON-serialisable: {exc}") from exc
    return hashlib.sha256(text.encode()).hexdigest()


def network_cache_path(
    builder_key: dict[str, Any], *, cache_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Return the cache file that :func:`cached_network` uses for ``builder_key``.

    This hashes the input files, so it costs a full read of them.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"network-{_key_digest(builder_key)[:40]}.npz"


def cached_network(
    builder_key: dict[str, Any],
    build: Callable[[], Network],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Network:
    """Return the cached network for ``builder_key``, building and storing it if needed.

    Parameters
    ----------
    builder_key
        JSON-serialisable description of the build. Paths listed under
        ``"input_files"`` (a path or a list of paths) are hashed by content; every
        other entry (builder name, mode, parameters) is hashed as given.
    build
        Zero-argument function that builds the network on a cache miss.
    cache_dir
        Cache folder; default from the environment, see the module docstring.

    Returns
    -------
    Network
        The cached or freshly built network.
    """
    path = network_cache_path(builder_key, cache_dir=cache_dir)
    warn_path = path.with_suffix(".warnings.json")
    if path.is_file():
        try:
            net = Network.load(path)
            replay = []
            if warn_path.is_file():
                replay = json.loads(warn_path.read_text(encoding="utf-8"))
            if not isinstance(replay, list):
                raise TypeError(f"{warn_path} does not hold a list of messages")
        except (NetworkError, OSError, ValueError, TypeError) as exc:
            _discard_bad_entry(path, exc, warn_path)
        else:
            for msg in replay:
                warnings.warn(f"(cached build) {msg}", UserWarning, stacklevel=2)
            _name_the_file_passed(net, builder_key)
            return net
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = build()
    messages = [str(w.message) for w in caught]
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The warnings first: a network entry is never left without its warnings.
        atomic_write_text(warn_path, json.dumps(messages))
        net.save(path)
    except (OSError, NetworkError) as exc:  # Network.save wraps its OSError in NetworkError
        _warn_write_failed(path, exc)
    return net


def _name_the_file_passed(net: Network, builder_key: dict[str, Any]) -> None:
    """After a cache hit, make ``source_file`` the file passed now.

    Entries are keyed by content, so the entry may have been built from another file
    with the same bytes (a copy, a renamed download); outputs must name the file the
    user gave, not the first one built.
    """
    files = builder_key.get("input_files", [])
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    if len(files) == 1 and "source_file" in net.metadata:
        net.metadata["source_file"] = os.fspath(files[0])


def _warn_write_failed(path: Path, exc: BaseException) -> None:
    warnings.warn(
        f"could not write the cache entry {path}: {os_reason(exc, with_filename=True)}; continuing without "
        "the cache (set TILLGANGLIGHET_CACHE_DIR to a writable folder)",
        UserWarning,
        stacklevel=3,
    )


def _discard_bad_entry(path: Path, exc: BaseException, *extra: Path) -> None:
    """Warn about an unreadable cache entry and delete it, so it is rebuilt and rewritten."""
    warnings.warn(
        f"Ignoring unreadable cache entry {path}: {exc}; recomputing it", UserWarning, stacklevel=3
    )
    for p in (path, *extra):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass  # rewriting the entry (or warning that it cannot be written) follows


def network_fingerprint(network: Network) -> str:
    """Return a sha256 of a network's graph (structure, travel times, coordinates).

    Computed once per :class:`Network` instance and remembered on it.
    """
    cached = network.__dict__.get("_fingerprint")
    if cached is None:
        h = hashlib.sha256()
        for array in (
            network.indptr,
            network.indices,
            network.travel_time_s,
            network.node_x,
            network.node_y,
        ):
            h.update(np.ascontiguousarray(array).tobytes())
        h.update(network.mode.encode())
        cached = h.hexdigest()
        network.__dict__["_fingerprint"] = cached
    return cached


def cached_array(
    key: dict[str, Any],
    compute: Callable[[], np.ndarray],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> np.ndarray:
    """Return the cached array for ``key``, computing and storing it on a miss.

    Parameters
    ----------
    key
        JSON-serialisable description of what the array is (hashed with the package
        version; paths under ``"input_files"`` are hashed by content).
    compute
        Zero-argument function returning the array on a cache miss.
    cache_dir
        Cache folder; default :func:`default_cache_dir`.

    Returns
    -------
    numpy.ndarray
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"array-{_key_digest(key)[:40]}.npy"
    if path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
            if not isinstance(cached, np.ndarray):
                raise TypeError("not a .npy array file")
            return cached
        except (OSError, ValueError, EOFError, TypeError) as exc:
            _discard_bad_entry(path, exc)
    array = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        _warn_write_failed(path, exc)
    return array
