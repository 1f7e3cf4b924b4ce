"""Embedded and user data.

- :mod:`.geodata` — municipalities, counties, FA-regions, settlements and default origins
  (EPSG:3006);
- :mod:`.presence` — the report's tables and the booked-meeting points as of a date;
- :mod:`.geocoding` — place names to coordinates within a municipality;
- :mod:`.population` — origins from a population grid or table;
- :mod:`.userdata` — reading and validating user tables (``_validate`` holds the checks);
- :mod:`.check` — ``data check``: the curated data against the report's figures.
"""
