"""The modelled national public-transport timetable (a synthetic GTFS feed).

No Swedish GTFS feed can be had offline, so the default run evaluates the guideline on a
*modelled* timetable, as it uses a modelled road network for car times. The feed is a
real GTFS zip: the same reader, validator and engine run on it as on Trafiklab's feed,
and any GTFS tool can open it.

* :func:`modelled_feed_path` — the cached zip (generated on first use);
* :func:`read_modelled_feed` — that zip through :func:`tillganglighet.transit.read_gtfs`;
* :func:`build_feed` — the GTFS tables as pandas DataFrames (``density`` knob);
* :func:`write_feed` — write tables to a deterministic zip;
* :func:`write_benchmark_feed` — the national-size feed for the engine benchmark;
* :mod:`.rules` — every rule as a named constant with its reason;
* :mod:`.calibration` — reference journeys, calibration table, Kolada comparison.

Every output computed on this feed must say so: :data:`MODELLED_PT_LABEL_SV` on maps,
:data:`MODELLED_PT_LABEL_EN` in tables and summaries, and :data:`HOW_TO_USE_GTFS_SV` /
:data:`HOW_TO_USE_GTFS_EN` in the caveat box. The method, calibration and limits are in
``docs/methodology.md (section "Modelled public transport")``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tillganglighet.transit.gtfs import Feed

from tillganglighet.transit.modelled.build import build_feed, build_model
from tillganglighet.transit.modelled.feed import (
    feed_cache_key,
    modelled_feed_path,
    write_feed,
)
from tillganglighet.transit.modelled.labels import (
    BENCHMARK_DENSITY,
    FEED_PUBLISHER,
    HOW_TO_USE_GTFS_EN,
    HOW_TO_USE_GTFS_SV,
    MODELLED_PT_LABEL_EN,
    MODELLED_PT_LABEL_SV,
)
from tillganglighet.transit.modelled.rules import FITTED_RULES, Rules

__all__ = [
    "BENCHMARK_DENSITY",
    "FEED_PUBLISHER",
    "FITTED_RULES",
    "HOW_TO_USE_GTFS_EN",
    "HOW_TO_USE_GTFS_SV",
    "MODELLED_PT_LABEL_EN",
    "MODELLED_PT_LABEL_SV",
    "Rules",
    "build_feed",
    "build_model",
    "feed_cache_key",
    "generate_feed",
    "modelled_feed_path",
    "read_modelled_feed",
    "write_benchmark_feed",
    "write_feed",
]


def read_modelled_feed(*, use_cache: bool = True, density: float = 1.0) -> Feed:
    """The modelled feed read by the same GTFS reader as Trafiklab's
    (:func:`tillganglighet.transit.read_gtfs`), from the cached zip."""
    from tillganglighet.transit import read_gtfs

    return read_gtfs(modelled_feed_path(use_cache=use_cache, density=density))


def generate_feed(path: str | os.PathLike[str], *, density: float = 1.0) -> Path:
    """Generate the modelled feed at ``density`` and write it to ``path`` (no cache)."""
    return write_feed(build_feed(density=density), path)


def write_benchmark_feed(
    path: str | os.PathLike[str], *, density: float = BENCHMARK_DENSITY
) -> tuple[Path, float]:
    """Write the national-size benchmark feed; return the path and the seconds it took."""
    t0 = time.perf_counter()
    out = generate_feed(path, density=density)
    return out, time.perf_counter() - t0
