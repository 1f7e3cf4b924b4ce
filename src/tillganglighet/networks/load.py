"""Where road networks come from: the modelled default, OSM files, saved networks.

One place that turns a user's ``--network`` choice into a
:class:`~tillganglighet.networks.graph.Network`, through the on-disk cache
(:mod:`tillganglighet.networks.cache`), so that ``tillganglighet network build`` and
``tillganglighet analyze`` share cache entries.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from tillganglighet.errors import InputValidationError, NetworkError
from tillganglighet.networks.cache import cached_network
from tillganglighet.networks.graph import Network
from tillganglighet.progress import ProgressCallback

NetworkSpec = Network | str | os.PathLike[str]
Mode = Literal["car", "walk"]
_OSM_SUFFIXES = (".pbf", ".osm", ".xml")


def modelled_network(*, use_cache: bool = True) -> Network:
    """Return the modelled national car network (built once, then cached)."""
    from tillganglighet.networks.modelled.build import modelled_builder_key, modelled_road_network

    if not use_cache:
        return modelled_road_network()
    return cached_network(modelled_builder_key(), modelled_road_network)


def osm_network(
    path: str | os.PathLike[str],
    *,
    mode: Mode = "car",
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
) -> Network:
    """Return the network of an OSM PBF/XML file (built once per file content, then cached).

    Parameters
    ----------
    path
        OSM file, e.g. Geofabrik's ``sweden-latest.osm.pbf``.
    mode
        ``"car"`` or ``"walk"``.
    use_cache
        Read and write the on-disk cache.
    progress
        Called as ``progress(step, done, total)`` during a build
        (:mod:`tillganglighet.progress`).

    Returns
    -------
    Network
    """
    from tillganglighet.networks.osm import network_from_pbf

    osm = Path(path)
    if not osm.is_file():
        raise NetworkError(f"OSM file not found: {str(osm)!r}.")
    if not use_cache:
        return network_from_pbf(osm, mode=mode, progress=progress)
    key = {"builder": "network_from_pbf", "mode": mode, "input_files": [str(osm)]}
    return cached_network(key, lambda: network_from_pbf(osm, mode=mode, progress=progress))


def load_network(
    spec: NetworkSpec = "modelled", *, progress: ProgressCallback | None = None
) -> Network:
    """Return the road network named by ``spec``.

    Parameters
    ----------
    spec
        ``"modelled"`` (the embedded default), a :class:`Network`, a saved network
        (``.npz`` from ``tillganglighet network build --out``) or an OSM file
        (``.pbf``/``.osm``; built once, then read from the cache).
    progress
        Called as ``progress(step, done, total)`` during a build
        (:mod:`tillganglighet.progress`).

    Returns
    -------
    Network
    """
    if isinstance(spec, Network):
        return spec
    if isinstance(spec, str) and spec == "modelled":
        return modelled_network()
    path = Path(spec)
    if not path.exists():
        raise InputValidationError(
            f"network: {str(spec)!r} is neither 'modelled' nor an existing file"
        )
    suffix = path.suffix.lower()  # .NPZ and .PBF as well, as .CSV already is
    if suffix == ".npz":
        return Network.load(path)
    if suffix in _OSM_SUFFIXES:
        return osm_network(path, progress=progress)
    raise InputValidationError(
        f"network: {path} has an unknown type; give 'modelled', a .npz network or an OSM .pbf"
    )
