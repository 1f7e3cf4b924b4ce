"""On-disk cache of built networks, travel-time matrices and per-point searches.

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

import contextlib
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
    "cached_point_searches",
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
        f"could not write the cache entry {path}: {os_reason(exc, with_filename=True)}; "
        "continuing without the cache (set TILLGANGLIGHET_CACHE_DIR to a writable folder)",
        UserWarning,
        stacklevel=3,
    )


def _discard_bad_entry(path: Path, exc: BaseException, *extra: Path) -> None:
    """Warn about an unreadable cache entry and delete it, so it is rebuilt and rewritten."""
    warnings.warn(
        f"Ignoring unreadable cache entry {path}: {exc}; recomputing it", UserWarning, stacklevel=3
    )
    for p in (path, *extra):
        # Rewriting the entry (or warning that it cannot be written) follows.
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)


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


_SEARCH_DTYPE = np.dtype([("node", "<i4"), ("time_s", "<f8")])


def point_search_path(
    network: Network,
    node: int,
    bound_s: float,
    direction: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Return the cache file of the bounded search from ``node``.

    See :func:`cached_point_searches`.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = {
        "kind": "point_search",
        "network": network_fingerprint(network),
        "direction": direction,
        "bound_s": float(bound_s) if np.isfinite(bound_s) else "inf",
        "node": int(node),
    }
    return folder / "searches" / f"search-{_key_digest(key)[:40]}.npy"


def cached_point_searches(
    network: Network,
    nodes: np.ndarray,
    bound_s: float,
    direction: str,
    compute: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded searches from ``nodes``, one cache entry per source node.

    An entry is keyed by the network's :func:`network_fingerprint`, the direction, the
    bound (seconds) and the source node, so any set of origins, a new population grid,
    a new date or a scenario with one more point reuses every search already stored
    and computes only the missing ones (in one batch). An entry holds the nodes
    reached within the bound (int32) and their times (float64 seconds, exact: the
    same values a fresh search gives), in ``<cache>/searches/``.

    Parameters
    ----------
    network
        The network searched.
    nodes
        Distinct source nodes.
    bound_s
        Search bound, seconds.
    direction
        ``"to"`` (reversed graph) or ``"from"``.
    compute
        ``compute(missing_nodes) -> (ptr, nodes, time_s)`` runs the missing searches
        (as :func:`tillganglighet.routing.searches.search_nodes`).
    cache_dir
        Cache folder; default :func:`default_cache_dir`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(ptr, nodes, time_s)`` for ``nodes`` in the given order.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    paths = [
        point_search_path(network, int(v), bound_s, direction, cache_dir=cache_dir) for v in nodes
    ]
    parts: list[np.ndarray | None] = [None] * nodes.size
    for i, path in enumerate(paths):
        if path.is_file():
            try:
                # Memory-mapped: copied once, straight into the merged arrays below.
                arr = np.load(path, mmap_mode="r", allow_pickle=False)
                if not isinstance(arr, np.ndarray) or arr.dtype != _SEARCH_DTYPE:
                    raise TypeError("not a point-search entry")
                parts[i] = arr
            except (OSError, ValueError, EOFError, TypeError) as exc:
                _discard_bad_entry(path, exc)
    missing = np.array([i for i, p in enumerate(parts) if p is None], dtype=np.int64)
    if missing.size:
        ptr, found, times = compute(nodes[missing])
        packed = np.empty(found.size, dtype=_SEARCH_DTYPE)
        packed["node"] = found
        packed["time_s"] = times
        del found, times
        failed: BaseException | None = None
        for k, i in enumerate(missing):
            entry = packed[ptr[k] : ptr[k + 1]]
            parts[i] = entry
            if failed is not None:
                continue
            try:
                paths[i].parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(paths[i]) as tmp, open(tmp, "wb") as fh:
                    np.save(fh, entry, allow_pickle=False)
            except OSError as exc:
                failed = exc
                _warn_write_failed(paths[i], exc)
    counts = np.array([0 if p is None else p.size for p in parts], dtype=np.int64)
    ptr_out = np.zeros(nodes.size + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr_out[1:])
    out_nodes = np.empty(int(ptr_out[-1]), dtype=np.int32)
    out_times = np.empty(int(ptr_out[-1]), dtype=np.float64)
    for i, p in enumerate(parts):
        if p is not None and p.size:
            out_nodes[ptr_out[i] : ptr_out[i + 1]] = p["node"]
            out_times[ptr_out[i] : ptr_out[i + 1]] = p["time_s"]
    return ptr_out, out_nodes, out_times
