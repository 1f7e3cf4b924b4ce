"""Random road-like test inputs shared by the routing tests (hypothesis strategies)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from tillganglighet.networks.graph import Network
from tillganglighet.routing.travel import Ends


@st.composite
def graphs(draw, max_nodes=14, real=False):
    """Small directed graphs: parallel edges, one-way links, unreachable parts.

    Integer weights 0-6 (many exact ties) or, with ``real``, floats 0.01-100 s.
    """
    n = draw(st.integers(2, max_nodes))
    m = draw(st.integers(1, 4 * n))
    u = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    v = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    if real:
        w = np.array(draw(st.lists(st.floats(0.01, 100.0), min_size=m, max_size=m)))
    else:
        w = np.array(draw(st.lists(st.integers(0, 6), min_size=m, max_size=m)), dtype=float)
    keep = u != v
    if not keep.any():
        u, v, w = np.array([0]), np.array([1]), np.array([1.0])
    else:
        u, v, w = u[keep], v[keep], w[keep]
    return Network.from_edges(
        u, v, travel_time_s=w, length_m=w, node_x=np.arange(n, dtype=float) * 10,
        node_y=np.zeros(n), mode="car",
    )  # fmt: skip


def ends(net: Network, nodes, rng: np.random.Generator, spread: float = 5.0) -> Ends:
    """Points on ``nodes`` (``-1``: not snapped) with random access legs and offsets."""
    nodes = np.asarray(nodes, dtype=np.int64)
    acc = np.where(nodes >= 0, rng.uniform(0, spread, nodes.size), np.inf)
    x = np.where(nodes >= 0, net.node_x[np.maximum(nodes, 0)], 0) + rng.uniform(-3, 3, nodes.size)
    return Ends(nodes, acc, x, np.zeros(nodes.size), np.full(nodes.size, 0.05))
