"""Travel-time matrices for scenario scoring: computed once per network and mode, cached.

A **matrix provider** turns (network, origins, candidates) into two matrices in
seconds: origins × candidates (customers to points) and candidates × candidates
(staff travel between points). Providers are registered by mode; ``"road"`` routes on a
road :class:`~tillganglighet.Network` exactly as :func:`tillganglighet.analyze` does
(access legs + network time, co-located points travel the straight line). The
public-transport engine plugs in with :func:`register_matrix_provider` (``"pt"``);
until it does, ``mode="pt"`` raises :class:`PTMatrixUnavailableError`.

Matrices are kept in memory per process (keyed by network fingerprint, mode and the
origin and candidate positions) and on disk in the project cache
(``TILLGANGLIGHET_CACHE_DIR``), so a batch computes them once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _adapters as ad
from .model import Candidates
from .scoring import ScoringProblem

#: Provider signature: (network, origins GeoDataFrame, candidates frame) -> (origins ×
#: candidates seconds, candidates × candidates seconds), float64, ``inf`` unreachable.
MatrixProvider = Callable[[Any, gpd.GeoDataFrame, pd.DataFrame], tuple[np.ndarray, np.ndarray]]


class PTMatrixUnavailableError(ad.TillganglighetError):
    """``mode="pt"`` was asked for but no public-transport matrix provider is registered."""


def _road_provider(
    network: Any, origins: gpd.GeoDataFrame, candidates: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    cand = gpd.GeoDataFrame(
        candidates,
        geometry=gpd.points_from_xy(candidates["x_m"], candidates["y_m"]),
        crs=ad.SWEREF99TM,
    )
    org_snap = ad.snap_frame(network, origins)
    cand_snap = ad.snap_frame(network, cand)
    return (
        ad.travel_matrix_s(network, org_snap, cand_snap),
        ad.travel_matrix_s(network, cand_snap, cand_snap),
    )


_PROVIDERS: dict[str, MatrixProvider] = {"road": _road_provider}


def register_matrix_provider(mode: str, provider: MatrixProvider) -> None:
    """Register the matrix provider of a mode (e.g. the public-transport engine's ``"pt"``).

    Parameters
    ----------
    mode
        Mode name used in scenario files.
    provider
        ``provider(network, origins, candidates) -> (O×C seconds, C×C seconds)``.
    """
    _PROVIDERS[mode] = provider
    _MEMORY.clear()


def provider_for(mode: str) -> MatrixProvider:
    """Return the provider of ``mode``; raise a clear error for an unavailable one."""
    if mode in _PROVIDERS:
        return _PROVIDERS[mode]
    if mode == "pt":
        raise PTMatrixUnavailableError(
            "mode 'pt': public-transport travel times are not available to scenarios yet "
            "(no PT matrix provider is registered; the GTFS engine registers one with "
            "tillganglighet.scenarios.matrix.register_matrix_provider('pt', ...)). "
            'Use mode = "road".'
        )
    raise ad.InputValidationError(f"mode {mode!r}: unknown; use one of {sorted(_PROVIDERS)}")


@dataclass(frozen=True)
class Matrices:
    """Everything one network and mode gives the scorer.

    Attributes
    ----------
    problem
        The :class:`~tillganglighet.scenarios.scoring.ScoringProblem` (minutes).
    origins
        The origins (rows), EPSG:3006.
    candidates
        The candidate columns.
    municipalities
        Municipality table in index order (``kommun_kod``, ``kommun``, ``lan``,
        ``fa_kod``, ``fa_namn``, ``population``).
    fa_codes
        FA-region code of each FA index.
    mode
        The mode.
    network_label
        English name of the network (e.g. the modelled network's label).
    network_label_sv
        Swedish name, for maps.
    """

    problem: ScoringProblem
    origins: gpd.GeoDataFrame
    candidates: Candidates
    municipalities: pd.DataFrame
    fa_codes: list[str]
    mode: str
    network_label: str
    network_label_sv: str


_MEMORY: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}


def _digest(*arrays: Any) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()


def build_matrices(
    candidates: Candidates,
    *,
    network: Any = "modelled",
    mode: str = "road",
    origins: gpd.GeoDataFrame | None = None,
    disk_cache: bool = True,
) -> Matrices:
    """Compute (or fetch from the cache) the matrices of a network and mode.

    Parameters
    ----------
    candidates
        The candidate columns.
    network
        A :class:`~tillganglighet.Network` or anything
        :func:`~tillganglighet.load_network` accepts (default the modelled network).
    mode
        ``"road"``, or ``"pt"`` once a provider is registered.
    origins
        Origins (default :func:`tillganglighet.origins`): ``kommun_kod``,
        ``population``, point geometry in EPSG:3006.
    disk_cache
        Keep the matrices in the on-disk cache as well as in memory.

    Returns
    -------
    Matrices
    """
    provider = provider_for(mode)
    net = network if isinstance(network, ad.Network) else ad.load_network(network)
    org = ad.origins() if origins is None else origins
    kommuner = ad.municipalities()
    cand = candidates.frame
    key = (
        ad.network_fingerprint(net),
        mode,
        _digest(org.geometry.x.to_numpy(), org.geometry.y.to_numpy()),
        _digest(cand["x_m"].to_numpy(float), cand["y_m"].to_numpy(float)),
    )
    if key not in _MEMORY:

        def compute() -> np.ndarray:
            oc, cc = provider(net, org, cand)
            return np.concatenate([oc, cc], axis=0).astype(np.float32)

        if disk_cache:
            stacked = ad.cached_array(
                {
                    "kind": "scenario_matrices_s",
                    "network": key[0],
                    "mode": mode,
                    "origins": key[2],
                    "candidates": key[3],
                },
                compute,
            )
        else:
            stacked = compute()
        n_o = len(org)
        _MEMORY[key] = (stacked[:n_o], stacked[n_o:])
    oc_s, cc_s = _MEMORY[key]
    muni_index = {k: i for i, k in enumerate(kommuner["kommun_kod"])}
    fa_codes = sorted(set(kommuner["fa_kod"]))
    fa_index = {f: i for i, f in enumerate(fa_codes)}
    o_muni = org["kommun_kod"].map(muni_index)
    if o_muni.isna().any():
        bad = sorted(set(org.loc[o_muni.isna(), "kommun_kod"]))[:10]
        raise ad.InputValidationError(f"origins: unknown kommun_kod {bad}")
    fa_of = dict(zip(kommuner["kommun_kod"], kommuner["fa_kod"], strict=True))
    problem = ScoringProblem(
        times_min=oc_s / np.float32(60.0),
        population=org["population"].to_numpy(dtype=float),
        municipality=o_muni.to_numpy(dtype=np.int64),
        origin_fa=org["kommun_kod"].map(fa_of).map(fa_index).to_numpy(dtype=np.int64),
        candidate_fa=cand["fa_kod"].map(fa_index).to_numpy(dtype=np.int64),
        n_municipalities=len(kommuner),
        municipality_fa=kommuner["fa_kod"].map(fa_index).to_numpy(dtype=np.int64),
        staff_min=cc_s / np.float32(60.0),
    )
    muni = pd.DataFrame(kommuner.drop(columns="geometry"))
    muni["population"] = np.bincount(problem.municipality, problem.population, len(kommuner))
    info = ad.NetworkInfo.of(net)
    return Matrices(
        problem,
        org,
        candidates,
        muni.reset_index(drop=True),
        fa_codes,
        mode,
        info.label_en,
        info.label_sv,
    )
