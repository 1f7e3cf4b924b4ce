"""Labels and caveat texts for outputs computed on the modelled timetable (no imports)."""

from __future__ import annotations

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
    "gtfs-sverige-2/): `tillganglighet transit fetch --out sweden.zip` (API-nyckel i "
    "TRAFIKLAB_API_KEY) och sedan `tillganglighet analyze --gtfs sweden.zip`."
)
#: Caveat box text (English).
HOW_TO_USE_GTFS_EN = (
    "Public-transport travel times come from a modelled, synthetic timetable "
    "(approximate; see docs/methodology.md). The real analysis reads Trafiklab's national "
    "GTFS feed (GTFS Sverige 2, https://www.trafiklab.se/api/gtfs-datasets/gtfs-sverige-2/): "
    "`tillganglighet transit fetch --out sweden.zip` (API key in TRAFIKLAB_API_KEY), then "
    "`tillganglighet analyze --gtfs sweden.zip`."
)
#: Density of the engine benchmark feed: ≥ 48,000 stops and ≥ 5 million stop_times on a
#: weekday (measured in docs/methodology.md (section "Modelled public transport")).
BENCHMARK_DENSITY = 2.75
