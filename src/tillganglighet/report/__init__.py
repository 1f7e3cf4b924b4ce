"""Everything a person reads: output tables, the summary and the board map.

- :mod:`.tables` — the output files (GeoParquet, GeoPackage, CSV) written as one set;
- :mod:`.summary` — ``summary.md``;
- :mod:`.maps` — the Folium board map (layers, popups, legend, offline inlining).
"""
