"""Road networks: the :class:`~.graph.Network` type, its file format, builders and cache.

- :mod:`.graph` — the ``Network`` type (CSR arrays, node coordinates in EPSG:3006,
  seconds and metres) and its ``.npz`` file format;
- :mod:`.osm` — builder from OSM PBF/XML (pyosmium) and from osmnx graphs;
- :mod:`.modelled` — the modelled national default network (geometry, build, calibration);
- :mod:`.cache` — the on-disk cache keyed by input hashes and build parameters;
- :mod:`.load` — ``load_network``: one entry point for every network source.
"""
