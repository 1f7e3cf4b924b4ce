"""Travel-time matrices for scenario scoring: computed once per network and mode, cached.

A **matrix provider** turns (network, origins, candidates) into two matrices in
seconds: origins × candidates (customers to points) and candidates × candidates
(staff travel between points). Providers are registered by mode:

* ``"road"`` routes on a road :class:`~tillganglighet.Network` exactly as
  :func:`tillganglighet.analyze` does (access legs + network time, co-located points
  travel the straight line);
* ``"pt"`` uses the public-transport engine (:func:`tillganglighet.transit.od_matrix`,
  arrive-by) on a :class:`PTNetwork` (a GTFS service day and a window of meeting
  times). Each cell is the **median over the meeting window** of the arrive-by time to
  that one point; a scenario's time is the best point by that median. That is the
  trip to one fixed office, and is never shorter than :func:`tillganglighet.analyze`'s
  public-transport median, which lets the best point differ per meeting time (equal
  when one point is best at every meeting time). Without a :class:`PTNetwork`,
  ``mode="pt"`` raises :class:`PTMatrixUnavailableError`.

Matrices are kept in memory per process (keyed by network fingerprint, mode and the
origin and candidate positions) and on disk in the project cache
(``TILLGANGLIGHET_CACHE_DIR``), so a batch computes them once. Other modes plug in
with :func:`register_matrix_provider`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _adapters as ad
from .model import Candidates
from .scoring import ScoringProblem

#: Compute signature: (network, origins GeoDataFrame, candidates frame) -> (origins ×
#: candidates seconds, candidates × candidates seconds), ``inf`` unreachable.
ComputeFn = Callable[[Any, gpd.GeoDataFrame, pd.DataFrame], tuple[np.ndarray, np.ndarray]]


class PTMatrixUnavailableError(ad.TillganglighetError):
    """``mode="pt"`` was asked for without a public-transport timetable."""


@dataclass(frozen=True)
class MatrixProvider:
    """How one mode gets its matrices.

    Attributes
    ----------
    compute
        The matrices (see :data:`ComputeFn`).
    prepare
        Turns the user's ``network`` argument into what ``compute`` takes.
    fingerprint
        A hash of the prepared network (cache key).
    labels
        English and Swedish name of the prepared network, for outputs.
    """

    compute: ComputeFn
    prepare: Callable[[Any], Any]
    fingerprint: Callable[[Any], str]
    labels: Callable[[Any], tuple[str, str]]


def _candidate_frame(candidates: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        candidates,
        geometry=gpd.points_from_xy(candidates["x_m"], candidates["y_m"]),
        crs=ad.SWEREF99TM,
    )


def _road_compute(
    network: Any, origins: gpd.GeoDataFrame, candidates: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    cand = _candidate_frame(candidates)
    org_snap = ad.snap_frame(network, origins)
    cand_snap = ad.snap_frame(network, cand)
    return (
        ad.travel_matrix_s(network, org_snap, cand_snap),
        ad.travel_matrix_s(network, cand_snap, cand_snap),
    )


def _road_prepare(network: Any) -> Any:
    if isinstance(network, PTNetwork):
        raise ad.InputValidationError(
            "mode 'road' needs a road network ('modelled', a .npz or an OSM .pbf), "
            "not a public-transport timetable"
        )
    return network if isinstance(network, ad.Network) else ad.load_network(network)


def _road_labels(network: Any) -> tuple[str, str]:
    info = ad.NetworkInfo.of(network)
    return info.label_en, info.label_sv


ROAD = MatrixProvider(_road_compute, _road_prepare, ad.network_fingerprint, _road_labels)


@dataclass(frozen=True)
class PTNetwork:
    """A public-transport timetable for scenario matrices.

    Attributes
    ----------
    service_day
        A :class:`tillganglighet.transit.ServiceDay` (EPSG:3006).
    meeting_times_s
        Meeting times, seconds after midnight (default 09:00-15:00 every 15 min).
    label_en, label_sv
        Names for outputs.
    walk
        :class:`tillganglighet.transit.WalkParams` (default: the main job's, walking
        the whole way up to 5 km).
    horizon_s
        Journeys longer than this (seconds) read as unreachable (default 3 h).
    """

    service_day: Any
    meeting_times_s: np.ndarray = field(
        default_factory=lambda: ad.parse_meetings(ad.DEFAULT_MEETINGS)
    )
    label_en: str = "public transport (GTFS)"
    label_sv: str = "kollektivtrafik (GTFS)"
    walk: Any = None
    horizon_s: float | None = 3 * 3600.0

    @classmethod
    def from_gtfs(
        cls,
        feeds: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        date: dt.date | str,
        *,
        meetings: str = "09:00-15:00/15",
        booked_services: str = "exclude",
    ) -> PTNetwork:
        """Read GTFS feed(s) and build the service day of ``date``.

        Parameters
        ----------
        feeds
            GTFS zip file(s) or folder(s).
        date
            Service date (a weekday), ``datetime.date`` or ``YYYY-MM-DD``.
        meetings
            Window of meeting times, ``"HH:MM-HH:MM/STEP"``.
        booked_services
            ``"exclude"`` (default: booked rural services left out) or ``"include"``.
        """
        paths = [feeds] if isinstance(feeds, str | os.PathLike) else list(feeds)
        feed = ad.transit().read_gtfs(paths if len(paths) > 1 else paths[0])
        sd = ad.transit().service_day(feed, date, booked_services=booked_services)
        names = ", ".join(os.path.basename(os.fspath(p)) for p in paths)
        day = sd.date.isoformat()
        return cls(
            sd,
            ad.parse_meetings(meetings),
            f"GTFS timetable ({names}, {day})",
            f"GTFS-tidtabell ({names}, {day})",
        )


def _pt_prepare(network: Any) -> Any:
    if isinstance(network, PTNetwork):
        return network
    raise PTMatrixUnavailableError(
        "mode 'pt': public-transport travel times need a GTFS timetable: pass "
        "network=PTNetwork.from_gtfs(feed, date) (CLI: --gtfs FEED --pt-date YYYY-MM-DD); "
        'or use mode = "road".'
    )


def _pt_fingerprint(net: PTNetwork) -> str:
    sd = net.service_day
    h = hashlib.sha256()
    for a in (
        sd.dep_stop,
        sd.arr_stop,
        sd.dep_s,
        sd.arr_s,
        sd.trip,
        sd.flags,
        sd.stop_x,
        sd.stop_y,
        np.asarray(net.meeting_times_s),
    ):
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(f"{sd.date}|{net.walk!r}|{net.horizon_s!r}".encode())
    return h.hexdigest()


def _pt_compute(
    net: PTNetwork, origins: gpd.GeoDataFrame, candidates: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    walk = net.walk or ad.transit().WalkParams(max_direct_walk_m=ad.PT_MAX_DIRECT_WALK_M)
    o_xy = np.column_stack([origins.geometry.x.to_numpy(), origins.geometry.y.to_numpy()])
    c_xy = candidates[["x_m", "y_m"]].to_numpy(dtype=np.float64)
    out = []
    for src in (o_xy, c_xy):
        od = ad.transit().od_matrix(
            net.service_day, src, c_xy, net.meeting_times_s, walk=walk, horizon_s=net.horizon_s
        )
        out.append(np.median(od.seconds, axis=2))
    return out[0], out[1]


PT = MatrixProvider(
    _pt_compute, _pt_prepare, _pt_fingerprint, lambda net: (net.label_en, net.label_sv)
)

_PROVIDERS: dict[str, MatrixProvider] = {"road": ROAD, "pt": PT}


def register_matrix_provider(mode: str, provider: MatrixProvider | ComputeFn) -> None:
    """Register (or replace) the matrix provider of a mode.

    Parameters
    ----------
    mode
        Mode name used in scenario files.
    provider
        A :class:`MatrixProvider`, or a bare compute function working on road networks.
    """
    if not isinstance(provider, MatrixProvider):
        provider = MatrixProvider(provider, _road_prepare, ad.network_fingerprint, _road_labels)
    _PROVIDERS[mode] = provider
    _MEMORY.clear()


def provider_for(mode: str) -> MatrixProvider:
    """Return the provider of ``mode``."""
    if mode in _PROVIDERS:
        return _PROVIDERS[mode]
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
    net = provider.prepare(network)
    org = ad.origins() if origins is None else origins
    kommuner = ad.municipalities()
    cand = candidates.frame
    key = (
        provider.fingerprint(net),
        mode,
        _digest(org.geometry.x.to_numpy(), org.geometry.y.to_numpy()),
        _digest(cand["x_m"].to_numpy(float), cand["y_m"].to_numpy(float)),
    )
    if key not in _MEMORY:

        def compute() -> np.ndarray:
            oc, cc = provider.compute(net, org, cand)
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
    label_en, label_sv = provider.labels(net)
    return Matrices(
        problem,
        org,
        candidates,
        muni.reset_index(drop=True),
        fa_codes,
        mode,
        label_en,
        label_sv,
    )
