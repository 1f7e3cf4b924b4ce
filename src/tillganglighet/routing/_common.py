"""Argument checks shared by the routing kernels (no I/O)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tillganglighet.errors import InputValidationError
from tillganglighet.networks.graph import Network

#: Default memory budget (bytes) for the dense distance blocks of batched searches.
DEFAULT_MEMORY_BUDGET = 512 * 2**20


# ---------------------------------------------------------------------- validation
def _as_nodes(network: Network, nodes: Any, name: str) -> np.ndarray:
    a = np.asarray(nodes)
    if a.ndim != 1:
        raise InputValidationError(f"`{name}` must be one-dimensional, got shape {a.shape}.")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise InputValidationError(f"`{name}` must hold integer node indices, got {a.dtype}.")
    a = a.astype(np.int64, copy=False)
    bad = (a < -1) | (a >= network.n_nodes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValidationError(
            f"{int(bad.sum())} value(s) of `{name}` are not node indices in "
            f"[-1, {network.n_nodes}); e.g. position {i} = {int(a[i])}."
        )
    return a


def _as_offsets(offsets: Any, n: int) -> np.ndarray:
    if offsets is None:
        return np.zeros(n, dtype=np.float64)
    o = np.asarray(offsets, dtype=np.float64)
    if o.shape != (n,):
        raise InputValidationError(
            f"`facility_offset_s` must have one value per facility ({n}), got shape {o.shape}."
        )
    bad = np.isnan(o) | (o < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValidationError(
            f"{int(bad.sum())} value(s) of `facility_offset_s` are NaN or negative; "
            f"e.g. facility {i} = {o[i]!r}."
        )
    return o


def weak_labels(network: Network) -> np.ndarray:
    """Weakly connected component label per node, computed once per network instance."""
    labels = network.__dict__.get("_weak_labels")
    if labels is None:
        labels = network.components("weak")[1]
        network.__dict__["_weak_labels"] = labels  # cache on the (frozen) instance
    return labels


def _rows_per_block(n_nodes: int, budget: int) -> int:
    return max(1, int(budget // (8 * max(n_nodes, 1))))
