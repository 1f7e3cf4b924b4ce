"""The main job: travel time from every origin to the nearest booked-meeting point.

:func:`analyze` ties the parts together: the meeting points as of a date
(:mod:`~tillganglighet.data.presence`), the origins (:mod:`~tillganglighet.data.geodata`), a
road network (modelled default, a built ``.npz`` or an OSM PBF), the nearest points of
every origin by multi-source searches (:func:`~tillganglighet.routing.nearest_points`:
nearest, second nearest, nearest in the FA-region, nearest SSC office; no origins ×
points matrix), and the metrics of :mod:`~tillganglighet.accessibility`. It does no
file output (see :mod:`~tillganglighet.report.tables`).

Travel time origin → point (seconds) = access leg from the origin to its snapped node
(straight line at the access speed) + network time + access leg from the point's node
to the point.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from tillganglighet import __version__
from tillganglighet.accessibility import (
    Nearest,
    check_threshold,
    marginal_value_from_nearest,
    municipality_metrics,
    neighbour_pairs,
    relation_to_point,
    time_class,
)
from tillganglighet.analysis_pt import (
    DEFAULT_MEETINGS,
    TransitInfo,
    TransitOptions,
    as_options,
    municipality_pt_metrics,
    public_transport_times,
)
from tillganglighet.data.geodata import SWEREF99TM, municipalities, origins
from tillganglighet.data.population import FillMissing, origins_from_population
from tillganglighet.data.presence import (
    closure_places,
    meeting_points,
    parse_as_of,
    service_offices,
)
from tillganglighet.errors import InputValidationError
from tillganglighet.networks.coverage import check_coverage
from tillganglighet.networks.graph import Network
from tillganglighet.networks.load import NetworkSpec, load_network
from tillganglighet.progress import ProgressCallback, report
from tillganglighet.routing import DEFAULT_ACCESS_SPEED_KPH, DEFAULT_MAX_SNAP_M, snap_points
from tillganglighet.routing._common import weak_labels
from tillganglighet.routing.nearest_points import nearest_in_own_group, nearest_points
from tillganglighet.routing.travel import Ends, nearest_exact


@dataclass(frozen=True)
class NetworkInfo:
    """What the travel times were computed on (printed on every output)."""

    label_en: str
    label_sv: str
    source: str
    modelled: bool
    sha256: str
    how_to_use_osm: str = ""

    @classmethod
    def of(cls, network: Network) -> NetworkInfo:
        """Describe ``network`` for outputs."""
        meta = network.metadata
        if meta.get("modelled"):
            from tillganglighet.networks.modelled.build import (
                HOW_TO_USE_OSM,
                MODELLED_LABEL_EN,
                MODELLED_LABEL_SV,
            )

            return cls(
                MODELLED_LABEL_EN,
                MODELLED_LABEL_SV,
                "modelled",
                True,
                str(meta.get("source_sha256", "")),
                HOW_TO_USE_OSM,
            )
        name = Path(str(meta.get("source_file") or "")).name or str(meta.get("source", "?"))
        return cls(
            f"OpenStreetMap road network ({name})",
            f"OpenStreetMap-vägnät ({name})",
            str(meta.get("source", "")),
            False,
            str(meta.get("source_sha256", "")),
        )


@dataclass(frozen=True)
class AnalysisMeta:
    """What an analysis was computed on; every output file and the map carry it.

    Attributes
    ----------
    as_of
        Date of the office network, ``YYYY-MM-DD``.
    threshold_min
        The guideline's threshold, minutes one way.
    mode
        Mode of the road network (``"car"`` or ``"walk"``).
    network
        The network's labels and provenance.
    n_origins, n_points
        Number of origins and of booked-meeting points.
    tillganglighet_version
        Version of the package that computed it.
    scenario_points
        True when the meeting points were given by the caller (a scenario).
    population_source
        Source(s) of the origins' population, comma-separated (e.g. ``"geonames"``).
    transit
        What the public-transport times were computed on; None when no timetable was
        used (road times only).
    guideline_mode
        The mode whose times flag the guideline (``guideline_gap``): ``"public_transport"``
        when a timetable was used (the guideline's own mode, Bilaga 2), else the road
        network's mode (a lower bound of the public-transport times).
    """

    as_of: str
    threshold_min: float
    mode: str
    network: NetworkInfo
    n_origins: int
    n_points: int
    tillganglighet_version: str
    scenario_points: bool
    population_source: str
    transit: TransitInfo | None = None
    guideline_mode: str = "car"


@dataclass(frozen=True)
class AnalysisResult:
    """Everything :func:`analyze` computed. All frames are new; geometry in EPSG:3006.

    Attributes
    ----------
    municipalities
        One row per municipality (290): metrics, gap flags, nearest point.
    origins
        One row per origin: its nearest point anywhere and in its FA-region.
    meeting_points
        The booked-meeting points used, with their marginal value and staff travel.
    service_offices
        SSC offices with kundtorg on the date (spontaneous visits).
    nearby_replacements
        The closure places whose replacement is a nearby office, with the travel time
        from the place to the nearest booked-meeting point.
    by_county, by_fa_region
        Summaries per county and per FA-region.
    meta
        Date, threshold (minutes), mode, network description, version.
    """

    municipalities: gpd.GeoDataFrame
    origins: gpd.GeoDataFrame
    meeting_points: gpd.GeoDataFrame
    service_offices: gpd.GeoDataFrame
    nearby_replacements: pd.DataFrame
    by_county: pd.DataFrame
    by_fa_region: pd.DataFrame
    meta: AnalysisMeta

    @property
    def network(self) -> NetworkInfo:
        """The :class:`NetworkInfo` of the network used."""
        return self.meta.network


#: Snapping on the modelled network: its nodes are settlements and a 20 km grid, so a
#: point may lie up to ~15 km from the nearest node; the access leg is driven at
#: 40 km/h (straight line). On OSM networks the routing defaults apply (3 km, 30 km/h).
MODELLED_MAX_SNAP_M = 25_000.0
MODELLED_ACCESS_SPEED_KPH = 40.0


def _snap(network: Network, frame: gpd.GeoDataFrame) -> pd.DataFrame:
    options: dict[str, Any] = {}
    if network.metadata.get("modelled"):
        options = {"max_snap_m": MODELLED_MAX_SNAP_M, "access_speed_kph": MODELLED_ACCESS_SPEED_KPH}
    x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    with warnings.catch_warnings():
        # Points beyond the snap distance are reported in the tables as unreachable.
        warnings.simplefilter("ignore", UserWarning)
        snapped = snap_points(network, x, y, **options)
    out = snapped.to_frame()
    out["x_m"], out["y_m"] = x, y
    # Seconds per metre of the straight-line access leg.
    speed_kph = options.get("access_speed_kph", DEFAULT_ACCESS_SPEED_KPH[network.mode])
    out["access_s_per_m"] = 3.6 / speed_kph
    return out


#: Bounded searches whose computation costs more than this (distinct searches ×
#: directed edges) are kept in the on-disk cache, one entry per point node
#: (:func:`~tillganglighet.networks.cache.cached_point_searches`), so a national OSM
#: run searches from each point once per network and bound, whatever the origins.
#: Unbounded searches are never kept per point
#: (:func:`tillganglighet.routing.travel.network_times`); their callers (e.g. the
#: scenario matrices) cache the finished matrix instead.
OD_CACHE_MIN_WORK = 100_000_000

#: Bounded single-source searches (origins × candidates matrices for scenarios,
#: :func:`candidate_matrix`) stop at this multiple of the threshold (the default 60
#: minutes: 120 minutes); entries beyond it are ``inf`` with a per-origin lower bound.
#: It sets how much of the network each search visits and how much the per-point
#: cache holds. Chosen by measurement on a national graph
#: (``benchmarks/bench_national.py``).
SEARCH_BOUND_FACTOR = 2.0

#: The bound of the per-query searches of the nearby-office places (24 queries, fewer
#: than the points, so their matrix is searched from the places). No output depends on
#: it: a nearest point beyond it is completed exactly
#: (:func:`tillganglighet.routing.travel.nearest_exact`).
NEAREST_BOUND_FACTOR = 2.0


def search_bound_s(threshold_min: float, factor: float | None = None) -> float:
    """The search bound (seconds) for a threshold in minutes: ``factor × threshold``.

    ``factor`` defaults to :data:`SEARCH_BOUND_FACTOR`.
    """
    f = SEARCH_BOUND_FACTOR if factor is None else factor
    check_threshold(threshold_min)
    return float(f) * float(threshold_min) * 60.0


def _use_cache(
    network: Network, from_nodes: np.ndarray, to_nodes: np.ndarray, min_work: float | None
) -> bool:
    if min_work is None:
        min_work = OD_CACHE_MIN_WORK
    from_nodes = np.asarray(from_nodes, dtype=np.int64)
    to_nodes = np.asarray(to_nodes, dtype=np.int64)
    side = to_nodes if to_nodes.size < from_nodes.size else from_nodes
    searches = np.unique(side[side >= 0]).size
    return searches * network.n_edges >= min_work


def network_od_matrix(
    network: Network,
    from_nodes: np.ndarray,
    to_nodes: np.ndarray,
    *,
    bound_s: float = np.inf,
    cache_min_work: float | None = None,
) -> np.ndarray:
    """Network travel times (seconds) between node sets, searches cached on disk when large.

    Parameters
    ----------
    network
        The network.
    from_nodes, to_nodes
        Node indices (``-1`` = not snapped: an ``inf`` row or column).
    bound_s
        Search bound, seconds (default ``inf``: unbounded); times beyond it are ``inf``.
    cache_min_work
        Cache the per-node searches when (distinct searches × directed edges) reaches
        this.

    Returns
    -------
    numpy.ndarray
        ``(len(from_nodes), len(to_nodes))`` seconds, as
        :func:`~tillganglighet.routing.od_matrix` within the bound.
    """
    from tillganglighet.routing.travel import network_times

    cache = _use_cache(network, from_nodes, to_nodes, cache_min_work)
    return network_times(network, from_nodes, to_nodes, bound_s=bound_s, cache=cache)


def _travel_matrix(
    network: Network,
    from_snap: pd.DataFrame,
    to_snap: pd.DataFrame,
    *,
    bound_s: float = np.inf,
    cache_min_work: float | None = None,
    dtype: type[np.floating] = np.float64,
) -> np.ndarray:
    """Seconds from each `from` point to each `to` point, access legs included.

    Two points snapped to the same node travel the straight line between them at the
    access speed instead of going to the node and back (by the triangle inequality
    never longer). Network times beyond ``bound_s`` are ``inf``
    (:func:`tillganglighet.routing.travel.travel_times`).
    """
    from tillganglighet.routing.travel import Ends, travel_times

    a, b = Ends.from_frame(from_snap), Ends.from_frame(to_snap)
    cache = _use_cache(network, a.node, b.node, cache_min_work)
    return travel_times(network, a, b, bound_s=bound_s, cache=cache, dtype=dtype)


def _cached_columns(
    network: Network,
    name: str,
    parts: dict[str, object],
    compute,
    *,
    large: bool,
) -> list[np.ndarray]:
    """Per-row results (equal-length 1-D arrays) of a nearest-point computation.

    Kept in the on-disk cache when ``large`` (a national network), keyed by the
    network, ``name`` and a sha256 of every input in ``parts``; below the per-point
    search cache, this makes a warm re-run read its answers instead of completing the
    rows beyond the search bound again. Indices come back as int64.
    """
    if not large:
        return list(compute())
    import hashlib

    from tillganglighet.networks.cache import cached_array, network_fingerprint

    key: dict[str, object] = {"kind": f"nearest_{name}", "network": network_fingerprint(network)}
    for k, v in parts.items():
        if isinstance(v, np.ndarray | pd.Series):
            arr = np.ascontiguousarray(np.asarray(v).astype(str) if v.dtype == object else v)
            key[k] = hashlib.sha256(arr.tobytes() + str(arr.dtype).encode()).hexdigest()
        else:
            key[k] = v

    def stacked() -> np.ndarray:
        cols = list(compute())
        return np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])

    arr = cached_array(key, stacked)
    return [arr[:, i] for i in range(arr.shape[1])]


def _snap_parts(prefix: str, snap: pd.DataFrame) -> dict[str, object]:
    return {
        f"{prefix}_{c}": snap[c].to_numpy()
        for c in ("node", "access_time_s", "x_m", "y_m", "access_s_per_m")
    }


@dataclass(frozen=True)
class CandidateMatrix:
    """Door-to-door times origins × candidates, bounded (for scenario scoring).

    Attributes
    ----------
    time_s
        ``(n_origins, n_candidates)`` float32 seconds; ``inf`` where the network time
        exceeds ``bound_s`` or the candidate is unreachable (or a point is not snapped).
    bound_s
        The search bound, seconds.
    beyond_s
        Per origin, float64 seconds: every ``inf`` entry of the row that is reachable
        takes at least this long ("beyond X min"); a finite entry is exact.
    """

    time_s: np.ndarray
    bound_s: float
    beyond_s: np.ndarray


def candidate_matrix(
    network: Network,
    origins_snap: pd.DataFrame,
    candidates_snap: pd.DataFrame,
    bound_s: float,
    *,
    cache: bool = True,
) -> CandidateMatrix:
    """Origins × candidates travel-time matrix (seconds, float32) from the per-point cache.

    One bounded search per distinct candidate node (on the reversed graph, when there
    are fewer candidates than origins), each read from / written to the on-disk cache
    (:func:`~tillganglighet.networks.cache.cached_point_searches`): a scenario adding
    one candidate, or a new set of origins, reuses every search already made.

    Parameters
    ----------
    network
        The network.
    origins_snap, candidates_snap
        Snapped points as returned by :func:`_snap` (columns ``node``,
        ``access_time_s``, ``x_m``, ``y_m``, ``access_s_per_m``).
    bound_s
        Search bound, seconds (e.g. :func:`search_bound_s` of the threshold).
    cache
        Use the on-disk cache (default True).

    Returns
    -------
    CandidateMatrix
        ``time_s`` float32 (``inf`` beyond the bound or unreachable), ``bound_s``, and
        per origin the least time of an entry beyond the bound.
    """
    from tillganglighet.routing.travel import Ends, _lower_bound, travel_times

    a, b = Ends.from_frame(origins_snap), Ends.from_frame(candidates_snap)
    times = travel_times(network, a, b, bound_s=bound_s, cache=cache, dtype=np.float32)
    return CandidateMatrix(times, float(bound_s), _lower_bound(a, b, float(bound_s), "q_to_f"))


def analyze(
    *,
    as_of: dt.date | str | None = None,
    threshold_min: float = 60.0,
    network: NetworkSpec = "modelled",
    points: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    fill_missing_population: FillMissing = "error",
    gtfs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | TransitOptions | None = None,
    pt_date: dt.date | str | None = None,
    meetings: str = DEFAULT_MEETINGS,
    booked_services: str = "exclude",
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """Compute accessibility of booked meetings for all 290 municipalities.

    Parameters
    ----------
    as_of
        Date of the office network (``YYYY-MM-DD``; default 2020-12-31, the report's
        target state); must lie in 2019-2021.
    threshold_min
        The guideline's threshold in minutes (default 60, Bilaga 2).
    network
        ``"modelled"`` (default), a :class:`Network`, a ``.npz`` network file or an OSM
        PBF.
    points
        Optional booked-meeting points replacing the report's (e.g. a scenario): a
        GeoDataFrame with ``point_id``, ``name``, ``kommun_kod``, ``kind`` and point
        geometry; CRS required.
    population
        Optional population data from :func:`tillganglighet.data.userdata.read_population`
        (SCB grid, points, or per-municipality totals) replacing the default population
        model (SCB 2020 totals; see :mod:`tillganglighet.data.population`).
    fill_missing_population
        ``"error"`` (default) refuses ``population`` data that leave municipalities out;
        ``"default"`` fills them from the default model (the municipality table's
        ``population_source`` says which source each uses).
    gtfs
        Public transport: a GTFS zip or folder, several of them (a sequence, or one
        comma-separated string), ``"modelled"`` for the modelled national timetable, or
        None for road times only. With a timetable the guideline is evaluated by public
        transport (:mod:`tillganglighet.analysis_pt`) and the road times stay beside it.
    pt_date
        Service date of the timetable (default: the first Tuesday with service).
    meetings
        Window of meeting times, ``"HH:MM-HH:MM/STEP"`` (default 09:00-15:00 every 15 min).
    booked_services
        ``"exclude"`` (default) or ``"include"`` booked rural services (route type 1501).
    progress
        Called as ``progress(step, done, total)`` before each step
        (:mod:`tillganglighet.progress`).

    Returns
    -------
    AnalysisResult
    """

    def say(step: str) -> None:
        report(progress, step)

    day = parse_as_of(as_of)
    threshold = check_threshold(threshold_min)
    transit_options = as_options(
        gtfs, date=pt_date, meetings=meetings, booked_services=booked_services
    )
    if transit_options is not None and transit_options.modelled and transit_options.date is None:
        # The modelled timetable runs every weekday 2019-2030: evaluate it on the first
        # Tuesday on or after the office network's date, so the two dates agree.
        tuesday = day + dt.timedelta(days=(1 - day.weekday()) % 7)
        transit_options = dataclasses.replace(transit_options, date=tuesday)
    say("loading network")
    net = load_network(network, progress=progress)
    info = NetworkInfo.of(net)
    # Two threads: the one-off graph reversal and component labels are built while
    # the points are read and snapped, and the searches (which release the GIL) run
    # side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        prep = pool.submit(lambda: (net.reversed(), weak_labels(net)))
        say("loading meeting points and origins")
        kommuner = municipalities()
        mp = meeting_points(day) if points is None else _scenario_points(points, kommuner)
        if len(mp) == 0:
            raise InputValidationError("no booked-meeting points: nothing to travel to")
        so = service_offices(day)
        org = (
            origins()
            if population is None
            else origins_from_population(population, fill_missing=fill_missing_population)
        )

        say("snapping points to the network")
        org_snap = _snap(net, org)
        check_coverage(
            net,
            org_snap["node"].to_numpy(),
            org["population"].to_numpy(),
            origin_x=org_snap["x_m"].to_numpy(),
            origin_y=org_snap["y_m"].to_numpy(),
            max_snap_m=MODELLED_MAX_SNAP_M if net.metadata.get("modelled") else DEFAULT_MAX_SNAP_M,
            label=info.label_en,
        )
        mp_snap = _snap(net, mp)
        so_snap = _snap(net, so)

        say(f"travel times {len(org)} origins × {len(mp)} meeting points")
        near_bound = search_bound_s(threshold, NEAREST_BOUND_FACTOR)
        fa_of = dict(zip(kommuner["kommun_kod"], kommuner["fa_kod"], strict=True))
        org_fa = org["kommun_kod"].map(fa_of).to_numpy()
        mp_fa = mp["kommun_kod"].map(fa_of).to_numpy()
        org_ends, mp_ends = Ends.from_frame(org_snap), Ends.from_frame(mp_snap)
        large = _use_cache(
            net, org_snap["node"].to_numpy(), mp_snap["node"].to_numpy(), OD_CACHE_MIN_WORK
        )

        def origins_to_points() -> list[np.ndarray]:
            # No matrix: one multi-source search keeping the two nearest points per node
            # (nearest and second nearest), and searches per FA-region only for origins
            # whose two nearest both lie outside their own region.
            two = nearest_points(net, org_ends, mp_ends, k=2, cache=large)
            fa = nearest_in_own_group(net, org_ends, mp_ends, org_fa, mp_fa, two, n_jobs=-1)
            return [two.time_s[:, 0], two.index[:, 0], two.time_s[:, 1], fa.time_s[:, 0],
                    fa.index[:, 0]]  # fmt: skip

        def origins_to_ssc() -> list[np.ndarray]:
            res = nearest_points(net, org_ends, Ends.from_frame(so_snap), cache=large)
            return [res.time_s[:, 0], res.index[:, 0]]

        def other_searches() -> tuple[Nearest, Nearest | None, pd.DataFrame]:
            ssc_s, ssc_i = _cached_columns(
                net, "origins_ssc", {**_snap_parts("o", org_snap), **_snap_parts("s", so_snap)},
                origins_to_ssc, large=large,
            )  # fmt: skip
            return (
                Nearest(ssc_s, ssc_i.astype(np.int64)),
                _staff_nearest(net, mp, mp_snap),
                _nearby_replacements(net, mp, mp_snap, threshold, near_bound),
            )

        # The searches release the GIL: the SSC, staff-travel and nearby-office searches
        # run on the second thread beside the meeting-point search.
        prep.result()
        side = pool.submit(other_searches)
        best_s, best_i, second_s, fa_s, fa_i = _cached_columns(
            net,
            "origins_points",
            {**_snap_parts("o", org_snap), **_snap_parts("p", mp_snap), "o_fa": org_fa,
             "p_fa": mp_fa},
            origins_to_points,
            large=large,
        )  # fmt: skip
        say("travel times to SSC service offices, staff travel, nearby offices")
        ssc_nearest, staff_nearest, nearby = side.result()
    nearest = Nearest(best_s, best_i.astype(np.int64))
    nearest_fa = Nearest(fa_s, fa_i.astype(np.int64))

    say("municipality metrics")
    org_out = _origin_table(org, org_snap, mp, nearest, nearest_fa, so, ssc_nearest)
    metrics = municipality_metrics(
        pd.DataFrame(
            {
                "kommun_kod": org["kommun_kod"].to_numpy(),
                "name": org["name"].to_numpy(),
                "population": org["population"].to_numpy(),
                "is_largest": org["is_largest"].to_numpy(),
                "time_s": nearest.time_s,
                "time_fa_s": nearest_fa.time_s,
            }
        ),
        threshold_min=threshold,
    )
    muni = _municipality_table(kommuner, metrics, org_out, mp, threshold)
    transit_info = None
    if transit_options is not None:
        pt, transit_info = public_transport_times(
            transit_options,
            org,
            mp,
            origin_fa=org_fa,
            point_fa=mp_fa,
            threshold_min=threshold,
            progress=progress,
        )
        for col in pt.columns:
            org_out[col] = pt[col].to_numpy()
        pt_muni = municipality_pt_metrics(org, pt, threshold_min=threshold)
        muni = muni.merge(pt_muni.reset_index(), on="kommun_kod", how="left", validate="1:1")
        muni["guideline_gap"] = muni["pt_gap"].astype(bool)
        muni["guideline_gap_fa"] = muni["pt_gap_fa"].astype(bool)
    else:
        muni["guideline_gap"] = muni["gap"].astype(bool)
        muni["guideline_gap_fa"] = muni["gap_fa"].astype(bool)
    muni["population_source"] = muni["kommun_kod"].map(
        org.groupby("kommun_kod")["population_source"].agg(lambda s: ",".join(sorted(set(s))))
    )

    say("marginal value of each point")
    mv = marginal_value_from_nearest(
        best_s,
        nearest.index,
        second_s,
        n_points=len(mp),
        population=org["population"].to_numpy(),
        kommun_kod=org["kommun_kod"].to_numpy(),
        threshold_min=threshold,
    )
    mp_out = _points_table(mp, mp_snap, mv, staff_nearest)
    meta = AnalysisMeta(
        as_of=day.isoformat(),
        threshold_min=threshold,
        mode=net.mode,
        network=info,
        n_origins=len(org),
        n_points=len(mp),
        tillganglighet_version=__version__,
        scenario_points=points is not None,
        population_source=",".join(sorted(set(org["population_source"]))),
        transit=transit_info,
        guideline_mode="public_transport" if transit_info is not None else net.mode,
    )
    return AnalysisResult(
        municipalities=muni,
        origins=org_out,
        meeting_points=mp_out,
        service_offices=so.copy(),
        nearby_replacements=nearby,
        by_county=_summary(muni, "lan"),
        by_fa_region=_summary(muni, "fa_namn"),
        meta=meta,
    )


def _scenario_points(points: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from tillganglighet.data.presence import KIND_LABEL_SV
    from tillganglighet.data.userdata import check_meeting_points

    pts = check_meeting_points(points)
    pts["kind_sv"] = pts["kind"].map(KIND_LABEL_SV)
    pts = pts.merge(
        kommuner[["kommun_kod", "kommun", "lan_kod", "lan", "fa_kod"]],
        on="kommun_kod",
        how="left",
        suffixes=("_user", ""),
    )
    for col in ("place", "note"):
        if col not in pts:
            pts[col] = ""
    return pts.sort_values("point_id").reset_index(drop=True)


def _origin_table(org, org_snap, mp, nearest, nearest_fa, so, ssc_nearest) -> gpd.GeoDataFrame:
    out = org.copy()
    out["snap_distance_m"] = org_snap["snap_distance_m"].to_numpy()
    for prefix, res in (("", nearest), ("fa_", nearest_fa)):
        ok = res.index >= 0
        suffix = "" if not prefix else "_fa"
        out[f"time{suffix}_min"] = res.time_s / 60.0
        for col, src in (
            ("point_id", "point_id"),
            ("point_name", "name"),
            ("point_kind", "kind"),
            ("point_kommun_kod", "kommun_kod"),
        ):
            values = np.full(len(out), None, dtype=object)
            values[ok] = mp[src].to_numpy()[res.index[ok]]
            out[f"nearest_{prefix}{col}"] = values
    out["ssc_time_min"] = ssc_nearest.time_s / 60.0
    names = np.full(len(out), None, dtype=object)
    oks = ssc_nearest.index >= 0
    names[oks] = so["name"].to_numpy()[ssc_nearest.index[oks]]
    out["nearest_ssc_name"] = names
    return out


def _municipality_table(kommuner, metrics, org_out, mp, threshold) -> gpd.GeoDataFrame:
    from tillganglighet.data.presence import KIND_LABEL_SV

    muni = kommuner.merge(metrics.reset_index(), on="kommun_kod", how="left", validate="1:1")
    largest = org_out[org_out["is_largest"]].drop_duplicates("kommun_kod").set_index("kommun_kod")
    muni["nearest_point_id"] = muni["kommun_kod"].map(largest["nearest_point_id"])
    muni["nearest_point_name"] = muni["kommun_kod"].map(largest["nearest_point_name"])
    muni["nearest_point_kind"] = muni["kommun_kod"].map(largest["nearest_point_kind"])
    muni["nearest_point_kind_sv"] = muni["nearest_point_kind"].map(KIND_LABEL_SV)
    muni["nearest_point_kommun_kod"] = muni["kommun_kod"].map(largest["nearest_point_kommun_kod"])
    names = dict(zip(kommuner["kommun_kod"], kommuner["kommun"], strict=True))
    muni["nearest_point_kommun"] = muni["nearest_point_kommun_kod"].map(names)
    fa_of = dict(zip(kommuner["kommun_kod"], kommuner["fa_kod"], strict=True))
    muni["nearest_point_relation"] = relation_to_point(
        muni["kommun_kod"],
        muni["nearest_point_kommun_kod"],
        neighbours=neighbour_pairs(kommuner),
        fa_of=fa_of,
    )
    muni["has_point_in_municipality"] = muni["kommun_kod"].isin(set(mp["kommun_kod"]))
    muni["ssc_time_min"] = muni["kommun_kod"].map(largest["ssc_time_min"])
    muni["time_class"] = time_class(muni["mean_time_min"], threshold_min=threshold)
    return gpd.GeoDataFrame(muni, geometry="geometry", crs=SWEREF99TM)


def _staff_nearest(net: Network, mp: gpd.GeoDataFrame, mp_snap: pd.DataFrame) -> Nearest | None:
    """Staff travel (Bilaga 2): the nearest staffed office *from* which each point is reached.

    ``None`` when there is no staffed office; indices count staffed offices only.
    """
    staffed = (mp["kind"] == "staffed_office").to_numpy()
    if not staffed.any():
        return None
    sub = mp_snap[staffed].reset_index(drop=True)

    def staff() -> list[np.ndarray]:
        res = nearest_points(net, Ends.from_frame(mp_snap), Ends.from_frame(sub), trip="f_to_q")
        return [res.time_s[:, 0], res.index[:, 0]]

    large = _use_cache(net, sub["node"].to_numpy(), mp_snap["node"].to_numpy(), OD_CACHE_MIN_WORK)
    st_s, st_i = _cached_columns(
        net, "staff_points", {**_snap_parts("s", sub), **_snap_parts("p", mp_snap)},
        staff, large=large,
    )  # fmt: skip
    return Nearest(st_s, st_i.astype(np.int64))


def _points_table(mp, mp_snap, mv, staff: Nearest | None) -> gpd.GeoDataFrame:
    out = mp.copy()
    out["snap_distance_m"] = mp_snap["snap_distance_m"].to_numpy()
    for col in mv.columns:
        out[col] = mv[col].to_numpy()
    staffed = (out["kind"] == "staffed_office").to_numpy()
    staff_min = np.full(len(out), np.nan)
    staff_from = np.full(len(out), None, dtype=object)
    if staff is not None:
        staff_min = staff.time_s / 60.0
        ok = staff.index >= 0
        staff_from[ok] = out.loc[staffed, "name"].to_numpy()[staff.index[ok]]
    out["staff_travel_min"] = np.where(staffed, 0.0, staff_min)
    out["staff_travel_from"] = np.where(staffed, out["name"], staff_from)
    return out


def _nearby_replacements(
    net: Network,
    mp: gpd.GeoDataFrame,
    mp_snap: pd.DataFrame,
    threshold: float,
    bound: float = np.inf,
) -> pd.DataFrame:
    places = closure_places()
    nearby = places[places["replacement"] == "nearby_office"].reset_index(drop=True)
    # The question is where people go once the place's own office has closed: on
    # dates before the closure, that office is not a valid answer.
    own_office = (nearby["closure_id"] + "-office").to_numpy()
    point_ids = mp["point_id"].to_numpy()
    near_snap = _snap(net, nearby)

    def nearest_places() -> list[np.ndarray]:
        res = nearest_exact(
            net,
            _travel_matrix(net, near_snap, mp_snap, bound_s=bound),
            Ends.from_frame(near_snap),
            Ends.from_frame(mp_snap),
            bound_s=bound,
            allowed=lambda rows: own_office[rows][:, None] != point_ids[None, :],
        )
        return [res.time_s, res.index]

    large = _use_cache(
        net, near_snap["node"].to_numpy(), mp_snap["node"].to_numpy(), OD_CACHE_MIN_WORK
    )
    pl_s, pl_i = _cached_columns(
        net, "places_points",
        {**_snap_parts("q", near_snap), **_snap_parts("p", mp_snap), "own": own_office,
         "ids": point_ids, "bound_s": bound},
        nearest_places, large=large,
    )  # fmt: skip
    best = Nearest(pl_s, pl_i.astype(np.int64))
    ok = best.index >= 0
    names = np.full(len(nearby), None, dtype=object)
    names[ok] = mp["name"].to_numpy()[best.index[ok]]
    out = pd.DataFrame(nearby[["closure_id", "office_name", "place", "kommun", "closure_date"]])
    out["nearest_point"] = names
    out["time_min"] = best.time_s / 60.0
    out["within_threshold"] = out["time_min"] <= threshold
    return out


def _summary(muni: gpd.GeoDataFrame, by: str) -> pd.DataFrame:
    g = muni.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "municipalities": g.size(),
            "population": g["population"].sum(),
            "gaps": g["gap"].sum(),
            "gaps_fa_rule": g["gap_fa"].sum(),
            "population_beyond_threshold": g["population_beyond_threshold"].sum(),
            "population_beyond_threshold_fa": g["population_beyond_threshold_fa"].sum(),
            "worst_mean_time_min": g["mean_time_min"].max(),
        }
    )
    return out.reset_index()
