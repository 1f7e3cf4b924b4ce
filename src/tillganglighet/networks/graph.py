"""The :class:`Network` type: a directed road graph as compact CSR arrays.

A :class:`Network` holds one directed graph in compressed sparse row (CSR) form:
``indptr`` / ``indices`` give, for every tail node ``u``, the head nodes of its
out-edges ``indices[indptr[u]:indptr[u + 1]]``; ``travel_time_s`` (seconds) and
``length_m`` (metres) are the per-edge weights in the same order. Node coordinates
are in EPSG:3006 (SWEREF 99 TM, metres).

Invariants, checked on construction:

* at most one edge per ordered node pair ``(u, v)`` (parallel edges are reduced to the
  fastest one by :meth:`Network.from_edges`), and no self-loops;
* within each row the head indices are sorted ascending;
* all weights are finite and non-negative.

The only I/O here is :meth:`Network.save` / :meth:`Network.load` (one ``.npz`` file,
written atomically). The on-disk build cache lives in :mod:`tillganglighet.networks.cache`.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from tillganglighet._atomic import atomic_path
from tillganglighet.errors import NetworkError

if TYPE_CHECKING:
    import networkx

__all__ = ["FORMAT_VERSION", "Mode", "Network"]

Mode = Literal["car", "walk"]

#: Version of the ``.npz`` layout written by :meth:`Network.save`.
FORMAT_VERSION = 1

_CRS = "EPSG:3006"
_MODES = ("car", "walk")
_ARRAY_FIELDS = ("indptr", "indices", "travel_time_s", "length_m", "node_x", "node_y")


def _package_version() -> str:
    from tillganglighet import __version__

    return __version__


def _index_dtype(n_nodes: int) -> type[np.signedinteger[Any]]:
    return np.int32 if n_nodes < np.iinfo(np.int32).max else np.int64


def _check_weights(name: str, w: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise NetworkError(
            f"{int(bad.sum())} edge(s) have a NaN, infinite or negative `{name}`; "
            f"e.g. edge #{i} ({int(u[i])} -> {int(v[i])}) has {name}={w[i]!r}. "
            "Weights must be finite and >= 0."
        )


#: Deflate cannot expand data by more than about 1032:1 (zlib technical details).
_MAX_DEFLATE_RATIO = 1100


def _check_declared_sizes(fh: Any, not_a_network: Any) -> None:
    """Refuse a ``.npz`` whose arrays declare more bytes than the archive can hold.

    Each ``.npy`` member's header states its shape and dtype; before anything is
    allocated, the declared size must fit in the member's stored size (uncompressed
    members) and within deflate's maximum expansion of its compressed size. A crafted
    file declaring a 745 GiB array is refused here instead of raising MemoryError.
    """
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise not_a_network(f"not a readable .npz (zip) archive: {exc}") from None
    with archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[: -len(".npy")]
            try:
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                    else:
                        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                    header_len = member.tell()
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                raise not_a_network(f"array {name!r}: unreadable header ({exc})") from None
            declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
            available = info.file_size - header_len
            if info.compress_type != zipfile.ZIP_STORED:
                available = min(available, info.compress_size * _MAX_DEFLATE_RATIO)
            if declared > max(available, 0):
                raise not_a_network(
                    f"array {name!r} declares shape {tuple(shape)} of {dtype} "
                    f"({declared / 2**30:,.1f} GiB) but the file holds only "
                    f"{max(available, 0):,} bytes of it (truncated or crafted file)"
                )


def check_output_path(path: str | os.PathLike[str]) -> None:
    """Raise NetworkError if ``path`` is a folder or lies under a file (cheap, no writes).

    Lets a command reject an impossible ``--out`` before a long build; other failures
    (permissions, full disk) surface from :meth:`Network.save`.
    """
    path = Path(path)
    if path.is_dir():
        raise NetworkError(f"Cannot write the network to {str(path)!r}: it is a folder.")
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            raise NetworkError(
                f"Cannot write the network to {str(path)!r}: {str(parent)!r} is a file, "
                "not a folder."
            )


@dataclass(frozen=True, eq=False)
class Network:
    """A directed road network in CSR form.

    Build one with :meth:`from_edges` (or a builder such as
    :func:`tillganglighet.networks.osm.network_from_pbf`) rather than calling the constructor.

    Attributes
    ----------
    indptr
        Row pointer, int64, length ``n_nodes + 1``.
    indices
        Head node of every edge (int32, or int64 for > 2**31 nodes), grouped by tail.
    travel_time_s
        Travel time of every edge in seconds (float64).
    length_m
        Length of every edge in metres (float64).
    node_x, node_y
        Node coordinates in EPSG:3006 (SWEREF 99 TM), metres.
    node_id
        Optional original node ids (int64), e.g. OSM node ids.
    mode
        ``"car"`` or ``"walk"``.
    metadata
        Provenance: ``source``, ``source_file``, ``source_sha256``, ``build_params``,
        ``modelled``, ``crs`` (always ``"EPSG:3006"``) and ``created_with``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    travel_time_s: np.ndarray
    length_m: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    node_id: np.ndarray | None = None
    mode: Mode = "car"
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._validate()

    # ------------------------------------------------------------------ building
    @classmethod
    def from_edges(
        cls,
        u: Any,
        v: Any,
        *,
        travel_time_s: Any,
        length_m: Any,
        node_x: Any,
        node_y: Any,
        node_id: Any | None = None,
        mode: Mode,
        metadata: dict[str, Any] | None = None,
    ) -> Network:
        """Build a network from an edge list.

        Parallel edges ``(u, v)`` are reduced to the one with the smallest travel time
        (ties: the shorter length), self-loops are dropped.

        Parameters
        ----------
        u, v
            Tail and head node index (0-based into the node arrays) of every edge.
        travel_time_s
            Edge travel time in seconds; finite and >= 0.
        length_m
            Edge length in metres; finite and >= 0.
        node_x, node_y
            Node coordinates in EPSG:3006 metres.
        node_id
            Optional original node ids (e.g. OSM ids), one per node.
        mode
            ``"car"`` or ``"walk"``.
        metadata
            Provenance dictionary; ``crs`` and ``created_with`` are filled in.

        Returns
        -------
        Network
            The validated network.

        Raises
        ------
        NetworkError
            On empty input, mismatched lengths, node indices out of range, or NaN,
            infinite or negative weights (the message gives the count and an example).
        """
        u = np.asarray(u)
        v = np.asarray(v)
        tt = np.asarray(travel_time_s, dtype=np.float64)
        ln = np.asarray(length_m, dtype=np.float64)
        x = np.ascontiguousarray(node_x, dtype=np.float64)
        y = np.ascontiguousarray(node_y, dtype=np.float64)
        if mode not in _MODES:
            raise NetworkError(f"`mode` must be one of {_MODES}, got {mode!r}.")
        lengths = {len(u), len(v), len(tt), len(ln)}
        if len(lengths) != 1:
            raise NetworkError(
                "`u`, `v`, `travel_time_s` and `length_m` must have the same length; got "
                f"{len(u)}, {len(v)}, {len(tt)}, {len(ln)}."
            )
        if len(x) != len(y):
            raise NetworkError(f"`node_x` ({len(x)}) and `node_y` ({len(y)}) differ in length.")
        n = len(x)
        if n == 0 or len(u) == 0:
            raise NetworkError(f"The network is empty ({n} nodes, {len(u)} edges).")
        if not (np.issubdtype(u.dtype, np.integer) and np.issubdtype(v.dtype, np.integer)):
            raise NetworkError("`u` and `v` must be integer node indices.")
        for name, a in (("u", u), ("v", v)):
            bad = (a < 0) | (a >= n)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise NetworkError(
                    f"{int(bad.sum())} value(s) of `{name}` are outside [0, {n}); "
                    f"e.g. edge #{i} has {name}={int(a[i])}."
                )
        _check_weights("travel_time_s", tt, u, v)
        _check_weights("length_m", ln, u, v)
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise NetworkError("Node coordinates must be finite (EPSG:3006 metres).")
        ids = None
        if node_id is not None:
            ids = np.ascontiguousarray(node_id, dtype=np.int64)
            if len(ids) != n:
                raise NetworkError(f"`node_id` has {len(ids)} entries for {n} nodes.")

        u = u.astype(np.int64, copy=False)
        v = v.astype(np.int64, copy=False)
        keep = u != v
        if not keep.all():
            u, v, tt, ln = u[keep], v[keep], tt[keep], ln[keep]
        if len(u) == 0:
            raise NetworkError("The network is empty: every edge is a self-loop.")
        key = u * n + v
        # Sort by (u, v); only groups of parallel edges are then ordered by
        # (travel time, length), so the first of each group is the fastest.
        order = np.argsort(key, kind="stable")
        key = key[order]
        dup = key[1:] == key[:-1]
        if dup.any():
            involved = np.zeros(len(key), dtype=bool)
            involved[1:] |= dup
            involved[:-1] |= dup
            sub = order[involved]
            order[involved] = sub[np.lexsort((ln[sub], tt[sub], key[involved]))]
        first = np.ones(len(key), dtype=bool)
        first[1:] = ~dup
        del key, dup
        sel = order[first]
        del order, first
        idx_dtype = _index_dtype(n)
        if len(sel) < np.iinfo(np.int32).max:
            sel = sel.astype(np.int32)  # smaller gathers and temporaries
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(u[sel], minlength=n), out=indptr[1:])
        meta = dict(metadata or {})
        meta["crs"] = _CRS
        meta.setdefault("created_with", f"tillganglighet {_package_version()}")
        meta.setdefault("modelled", False)
        return cls(
            indptr=indptr,
            indices=v.astype(idx_dtype, copy=False)[sel],
            travel_time_s=np.ascontiguousarray(tt[sel]),
            length_m=np.ascontiguousarray(ln[sel]),
            node_x=x,
            node_y=y,
            node_id=ids,
            mode=mode,
            metadata=meta,
        )

    def _validate(self) -> None:
        if self.mode not in _MODES:
            raise NetworkError(f"`mode` must be one of {_MODES}, got {self.mode!r}.")
        if not isinstance(self.metadata, dict):
            raise NetworkError(f"`metadata` must be a dict, got {type(self.metadata).__name__}.")
        kinds = dict.fromkeys(("indptr", "indices"), "integer")
        kinds |= dict.fromkeys(("travel_time_s", "length_m", "node_x", "node_y"), "floating")
        if self.node_id is not None:
            kinds["node_id"] = "integer"
        for name, kind in kinds.items():
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.ndim != 1:
                raise NetworkError(f"`{name}` must be a one-dimensional numpy array.")
            expected = np.integer if kind == "integer" else np.floating
            if not np.issubdtype(a.dtype, expected):
                raise NetworkError(f"`{name}` must hold {kind} numbers, not dtype {a.dtype}.")
        n = len(self.node_x)
        if len(self.node_y) != n or len(self.indptr) != n + 1:
            raise NetworkError("Inconsistent node arrays (node_x, node_y, indptr).")
        if n == 0:
            raise NetworkError("The network is empty (0 nodes).")
        m = len(self.indices)
        if self.indptr[0] != 0 or self.indptr[-1] != m or (np.diff(self.indptr) < 0).any():
            raise NetworkError("Corrupt CSR row pointer `indptr`.")
        if len(self.travel_time_s) != m or len(self.length_m) != m:
            raise NetworkError(
                "Edge arrays `indices`, `travel_time_s`, `length_m` differ in length."
            )
        if m and (int(self.indices.min()) < 0 or int(self.indices.max()) >= n):
            raise NetworkError("Edge head index out of range.")
        if self.node_id is not None and len(self.node_id) != n:
            raise NetworkError("`node_id` does not have one entry per node.")
        for name in ("travel_time_s", "length_m"):
            w = getattr(self, name)
            if not (np.isfinite(w).all() and (w >= 0).all()):
                raise NetworkError(f"`{name}` holds NaN, infinite or negative values.")
        if not (np.isfinite(self.node_x).all() and np.isfinite(self.node_y).all()):
            raise NetworkError("Node coordinates must be finite (EPSG:3006 metres).")

    # ------------------------------------------------------------------ basics
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.indices)

    def __repr__(self) -> str:
        src = self.metadata.get("source", "?")
        return (
            f"Network(mode={self.mode!r}, n_nodes={self.n_nodes}, n_edges={self.n_edges}, "
            f"source={src!r})"
        )

    def tails(self) -> np.ndarray:
        """Tail node index of every edge (same order as :attr:`indices`).

        Computed once and cached on the instance (read-only array, same dtype as
        :attr:`indices`).
        """
        return self._tails

    @cached_property
    def _tails(self) -> np.ndarray:
        t = np.repeat(np.arange(self.n_nodes, dtype=self.indices.dtype), np.diff(self.indptr))
        t.flags.writeable = False
        return t

    def csr(self, weight: Literal["travel_time_s", "length_m"] = "travel_time_s") -> sp.csr_matrix:
        """Return the graph as a scipy CSR matrix (no copy of the arrays).

        Parameters
        ----------
        weight
            ``"travel_time_s"`` (seconds) or ``"length_m"`` (metres).

        Returns
        -------
        scipy.sparse.csr_matrix
            ``n_nodes x n_nodes``; entry ``[u, v]`` is the edge weight. Zero-weight
            edges are stored explicitly, which :mod:`scipy.sparse.csgraph` treats as
            edges.
        """
        if weight not in ("travel_time_s", "length_m"):
            raise NetworkError(f"`weight` must be 'travel_time_s' or 'length_m', got {weight!r}.")
        n = self.n_nodes
        return sp.csr_matrix(
            (getattr(self, weight), self.indices, self.indptr), shape=(n, n), copy=False
        )

    def reversed(self) -> Network:
        """Return the network with every edge reversed (cached on the instance).

        Returns
        -------
        Network
            Same nodes; an edge ``u -> v`` becomes ``v -> u``. Its ``metadata`` has
            ``reversed`` toggled.
        """
        return self._reversed_network

    @cached_property
    def _reversed_network(self) -> Network:
        n = self.n_nodes
        order = np.argsort(self.indices, kind="stable")
        if n < np.iinfo(np.int32).max and len(order) < np.iinfo(np.int32).max:
            order = order.astype(np.int32)  # halves the temporary
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=n), out=indptr[1:])
        meta = dict(self.metadata)
        meta["reversed"] = not bool(self.metadata.get("reversed", False))
        rev = Network(
            indptr=indptr,
            # not self.tails(): that would keep a cached copy alive on this instance
            indices=np.repeat(np.arange(n, dtype=self.indices.dtype), np.diff(self.indptr))[order],
            travel_time_s=self.travel_time_s[order],
            length_m=self.length_m[order],
            node_x=self.node_x,
            node_y=self.node_y,
            node_id=self.node_id,
            mode=self.mode,
            metadata=meta,
        )
        rev.__dict__["_reversed_network"] = self
        return rev

    # ------------------------------------------------------------------ components
    def components(self, kind: Literal["strong", "weak"] = "strong") -> tuple[int, np.ndarray]:
        """Label connected components.

        Parameters
        ----------
        kind
            ``"strong"`` (every node reaches every other) or ``"weak"`` (ignoring
            edge direction).

        Returns
        -------
        tuple[int, numpy.ndarray]
            Number of components and a component label per node.
        """
        if kind not in ("strong", "weak"):
            raise NetworkError(f"`kind` must be 'strong' or 'weak', got {kind!r}.")
        n_comp, labels = connected_components(self.csr(), directed=True, connection=kind)
        return int(n_comp), labels

    def largest_component_mask(self, kind: Literal["strong", "weak"] = "strong") -> np.ndarray:
        """Boolean mask of the nodes in the largest (strongly/weakly) connected component.

        Ties between equally large components go to the lowest label.
        """
        _, labels = self.components(kind)
        return labels == int(np.argmax(np.bincount(labels)))

    def largest_component_share(self, kind: Literal["strong", "weak"] = "strong") -> float:
        """Share (0-1) of nodes that lie in the largest connected component."""
        return float(self.largest_component_mask(kind).mean())

    # ------------------------------------------------------------------ I/O
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the network to one ``.npz`` file, atomically.

        The arrays are stored uncompressed; ``metadata`` is embedded as JSON. The file
        is written to a temporary file in the target folder (created if missing),
        flushed to disk, then renamed.

        Parameters
        ----------
        path
            Target file (conventionally ending in ``.npz``).

        Returns
        -------
        Path
            The written path.

        Raises
        ------
        NetworkError
            If the file cannot be written (the message names the path and the
            operating system's reason); a previous file at ``path`` is left untouched.
        """
        path = Path(path)
        arrays: dict[str, np.ndarray] = {k: getattr(self, k) for k in _ARRAY_FIELDS}
        if self.node_id is not None:
            arrays["node_id"] = self.node_id
        arrays["format_version"] = np.array(FORMAT_VERSION, dtype=np.int64)
        arrays["mode"] = np.array(self.mode)
        arrays["metadata_json"] = np.array(json.dumps(self.metadata, sort_keys=True, default=str))
        check_output_path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **arrays)  # type: ignore[arg-type]
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise NetworkError(
                f"Cannot write the network to {str(path)!r}: {exc.strerror or exc}."
            ) from exc
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a network written by :meth:`save`.

        Parameters
        ----------
        path
            The ``.npz`` file.

        Returns
        -------
        Network
            The network, re-validated.

        Raises
        ------
        NetworkError
            If the file is missing, not a network file, of another format version, or
            inconsistent.
        """
        path = Path(path)

        def not_a_network(reason: object) -> NetworkError:
            return NetworkError(f"{path} is not a tillganglighet network file: {reason}")

        if path.is_dir():
            raise NetworkError(f"{path} is a folder, not a tillganglighet network file.")
        if not path.exists():
            raise NetworkError(f"{path}: network file not found.")
        try:
            with open(path, "rb") as fh:
                if fh.read(4) != b"PK\x03\x04":
                    raise not_a_network("not a .npz (zip) archive")
                fh.seek(0)
                _check_declared_sizes(fh, not_a_network)
                fh.seek(0)
                with np.load(fh, allow_pickle=False) as z:
                    if "format_version" in z:
                        version = int(z["format_version"])
                        if version != FORMAT_VERSION:
                            raise NetworkError(
                                f"{path}: network format version {version} is not supported "
                                f"(expected {FORMAT_VERSION}); rebuild the network."
                            )
                    required = ("format_version", *_ARRAY_FIELDS, "mode", "metadata_json")
                    missing = [k for k in required if k not in z]
                    if missing:
                        raise not_a_network(f"missing array(s) {', '.join(missing)}")
                    arrays = {k: z[k] for k in _ARRAY_FIELDS}
                    node_id = z.get("node_id", None)
                    mode = str(z["mode"])
                    metadata = json.loads(str(z["metadata_json"]))
        except NetworkError:
            raise
        except OSError as exc:
            raise NetworkError(
                f"Cannot read the network file {str(path)!r}: {exc.strerror or exc}."
            ) from exc
        except ValueError as exc:
            if "allow_pickle" in str(exc):  # numpy's message suggests loading unsafely
                raise not_a_network("it holds Python objects (pickled data)") from exc
            raise not_a_network(exc) from exc
        except (
            KeyError,
            TypeError,
            EOFError,
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise not_a_network(f"{type(exc).__name__}: {exc}") from exc
        try:
            return cls(**arrays, node_id=node_id, mode=mode, metadata=metadata)  # type: ignore[arg-type]
        except NetworkError as exc:
            raise not_a_network(exc) from exc

    def to_networkx(self) -> networkx.MultiDiGraph:
        """Convert to a :class:`networkx.MultiDiGraph` (slow and memory-hungry at scale).

        Returns
        -------
        networkx.MultiDiGraph
            Nodes ``0..n_nodes-1`` with ``x``, ``y`` (EPSG:3006 metres) and, when known,
            ``osmid``; edges with ``travel_time`` (seconds) and ``length`` (metres).
            ``G.graph["crs"]`` is ``"EPSG:3006"``.
        """
        try:
            import networkx as nx
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise ImportError(
                "networkx is needed for Network.to_networkx(): `pip install networkx` "
                "or `pip install tillganglighet[osmnx]`."
            ) from exc
        G = nx.MultiDiGraph(crs=_CRS, mode=self.mode)
        ids = self.node_id
        G.add_nodes_from(
            (
                i,
                {"x": float(self.node_x[i]), "y": float(self.node_y[i])}
                | ({"osmid": int(ids[i])} if ids is not None else {}),
            )
            for i in range(self.n_nodes)
        )
        tails = self.tails()
        G.add_edges_from(
            (int(a), int(b), {"travel_time": float(t), "length": float(ln)})
            for a, b, t, ln in zip(
                tails, self.indices, self.travel_time_s, self.length_m, strict=True
            )
        )
        return G
