"""Scenario generators for sweeps: every single closure, every pair, every single addition.

Each generator yields :class:`~tillganglighet.scenarios.model.ResolvedScenario` objects
relative to a base network (an active mask), named ``close:<id>``,
``close:<id>+<id>`` or ``add:<id>``, with the base as their reference. They are lazy:
``len(list(...))`` of the pairs of 214 points is 22,791.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from .model import KIND_CODE, Candidates, ResolvedScenario


def _child(
    base: ResolvedScenario, name: str, active: np.ndarray, kind: np.ndarray | None = None
) -> ResolvedScenario:
    return ResolvedScenario(
        name,
        active,
        base.kind if kind is None else kind,
        base.name,
        base.threshold_min,
        base.mode,
        base.fa_rule,
    )


def single_closures(base: ResolvedScenario, candidates: Candidates) -> Iterator[ResolvedScenario]:
    """Close each open point of ``base`` in turn."""
    ids = candidates.ids
    for j in np.flatnonzero(base.active):
        active = base.active.copy()
        active[j] = False
        yield _child(base, f"close:{ids[j]}", active)


def pair_closures(base: ResolvedScenario, candidates: Candidates) -> Iterator[ResolvedScenario]:
    """Close every unordered pair of open points of ``base``."""
    ids = candidates.ids
    for a, b in itertools.combinations(np.flatnonzero(base.active), 2):
        active = base.active.copy()
        active[[a, b]] = False
        yield _child(base, f"close:{ids[a]}+{ids[b]}", active)


def single_additions(
    base: ResolvedScenario,
    candidates: Candidates,
    pool: Iterable[str] | np.ndarray | None = None,
    *,
    kind: str | None = None,
) -> Iterator[ResolvedScenario]:
    """Open each candidate of ``pool`` (ids or a bool mask; default every closed one).

    Parameters
    ----------
    base
        The base network.
    candidates
        The candidate set.
    pool
        Candidate ids, or a bool mask over the candidates; default all not open in base.
    kind
        Kind of the added point (default the candidate's own default kind).
    """
    ids = candidates.ids
    if pool is None:
        idx = np.flatnonzero(~base.active)
    elif isinstance(pool, np.ndarray) and pool.dtype == bool:
        idx = np.flatnonzero(pool & ~base.active)
    else:
        idx = np.array(
            [int(i) for i in candidates.index(list(pool)) if not base.active[i]], dtype=np.int64
        )
    for j in idx:
        active = base.active.copy()
        active[j] = True
        k = None
        if kind is not None:
            k = base.kind.copy()
            k[j] = KIND_CODE[kind]
        yield _child(base, f"add:{ids[j]}", active, k)


def candidate_pool(
    candidates: Candidates,
    base: ResolvedScenario,
    *,
    closed_offices: bool = True,
    service_offices: bool = True,
    settlements: bool = True,
) -> np.ndarray:
    """Bool mask of addable candidates: closed offices (Bilaga 5 offices and timeline
    points not open in ``base``), SSC service offices, settlements; never open ones."""
    origin = candidates.frame["origin"].to_numpy()
    mask = np.zeros(len(candidates), dtype=bool)
    if closed_offices:
        mask |= origin == "timeline"
    if service_offices:
        mask |= origin == "service_office"
    if settlements:
        mask |= origin == "settlement"
    return mask & ~base.active
