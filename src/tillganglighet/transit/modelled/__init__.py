"""The modelled national public-transport timetable (a synthetic GTFS feed).

No Swedish GTFS feed can be had offline, so the default run evaluates the guideline on a
*modelled* timetable, as it uses a modelled road network for car times. The feed is a
real GTFS zip: the same reader, validator and engine run on it as on Trafiklab's feed,
and any GTFS tool can open it.

* :func:`modelled_feed_path` — the cached zip (generated on first use);
* :func:`build_feed` — the GTFS tables as pandas DataFrames (``density`` knob);
* :func:`write_feed` — write tables to a deterministic zip;
* :func:`write_benchmark_feed` — the national-size feed for the engine benchmark;
* :mod:`.rules` — every rule as a named constant with its reason;
* :mod:`.calibration` — reference journeys, calibration table, Kolada comparison.

Every output computed on this feed must say so: :data:`MODELLED_PT_LABEL_SV` on maps,
:data:`MODELLED_PT_LABEL_EN` in tables and summaries, and :data:`HOW_TO_USE_GTFS_SV` /
:data:`HOW_TO_USE_GTFS_EN` in the caveat box. The method, calibration and limits are in
``docs/methodology_public_transport_model.md``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: Label on every map computed on the modelled timetable (Swedish).
MODELLED_PT_LABEL_SV = "modellerad kollektivtrafik (syntetisk tidtabell)"
#: Label in every table and summary computed on the modelled timetable (English).
MODELLED_PT_LABEL_EN = "modelled public transport"
#: Publisher name written into the feed (agency.txt, feed_info.txt).
FEED_PUBLISHER = "tillganglighet"
#: Caveat box text (Swedish): the real analysis loads Trafiklab's feed.
HOW_TO_USE_GTFS_SV = (
    "Restiderna med kollektivtrafik kommer från en modellerad, syntetisk tidtabell "
    "(ungefärlig; se docs/methodology.md). Den riktiga analysen läser Trafiklabs "
    "nationella GTFS-flöde (GTFS Sverige 2, https://www.trafiklab.se/api/gtfs-datasets/"
    "gtfs-sverige-2/): ladda ned det som sweden.zip och kör "
    "`tillganglighet analyze --gtfs sweden.zip`."
)
#: Caveat box text (English).
HOW_TO_USE_GTFS_EN = (
    "Public-transport travel times come from a modelled, synthetic timetable "
    "(approximate; see docs/methodology.md). The real analysis reads Trafiklab's national "
    "GTFS feed (GTFS Sverige 2, https://www.trafiklab.se/api/gtfs-datasets/gtfs-sverige-2/): "
    "download it as sweden.zip and run `tillganglighet analyze --gtfs sweden.zip`."
)
#: Density of the engine benchmark feed: ≥ 48,000 stops and ≥ 5 million stop_times on a
#: weekday (measured in docs/methodology_public_transport_model.md).
BENCHMARK_DENSITY = 6.0

from tillganglighet.transit.modelled.build import build_feed, build_model
from tillganglighet.transit.modelled.feed import (
    feed_cache_key,
    modelled_feed_path,
    write_feed,
)
from tillganglighet.transit.modelled.rules import FITTED_RULES, Rules

__all__ = [
    "BENCHMARK_DENSITY",
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
    "write_benchmark_feed",
    "write_feed",
]


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
