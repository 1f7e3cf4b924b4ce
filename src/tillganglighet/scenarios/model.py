"""Scenarios and the candidate set they draw their points from (plain data, no I/O).

A **candidate** is a place where a booked-meeting point may be: every point of the
report's 2019-2021 timeline (Bilaga 4 offices, Bilaga 5 offices before closure and
their cooperation solutions), every Statens servicecenter service office (Bilaga 3),
optionally settlements above a chosen size, and the new points scenario files open.
The travel-time matrix has one column per candidate; a scenario is an **active mask**
over those columns plus the kind of each active point.

A **scenario** starts from a base network (the meeting points as of a date, or
another scenario it ``extends``) and applies changes: close points, add candidates
(re-open a closed office, let a service office offer booked meetings), open new points,
change a point's kind. It also carries its analysis settings: threshold (minutes),
mode and FA-region rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from . import _adapters as ad

#: Kinds of booked-meeting points, in the order of their integer codes.
KINDS: tuple[str, ...] = tuple(str(k) for k in ad.MeetingPointKind)
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
#: Integer code of a staffed office ("fast bemannat kontor"; staff travel starts there).
STAFFED = KIND_CODE["staffed_office"]
#: Modes a scenario may ask for. "road" is the car network; "pt" (public transport) needs
#: a PT matrix provider (see :mod:`tillganglighet.scenarios.matrix`).
MODES = ("road", "pt")
#: FA-region rules: nearest point anywhere, or nearest point in the own FA-region
#: (the report's wording, Bilaga 2).
FA_RULES = ("anywhere", "own_fa_region")
#: Kind given to an SSC service office, a settlement or a re-added point by default.
DEFAULT_ADD_KIND = {
    "service_office": "cooperation_ssc",
    "settlement": "cooperation_municipal",
}

CANDIDATE_COLUMNS = [
    "candidate_id",
    "name",
    "place",
    "kommun_kod",
    "fa_kod",
    "default_kind",
    "origin",
    "x_m",
    "y_m",
    "source",
]


@dataclass(frozen=True)
class NewPoint:
    """A booked-meeting point a scenario opens where there was none.

    Attributes
    ----------
    name
        Name, unique in its scenario.
    kind
        One of :data:`KINDS`.
    kommun_kod
        4-digit municipality code (checked: the point lies in it).
    x_m, y_m
        Position, EPSG:3006 metres.
    place
        Place name it was geocoded from, or "" when given by coordinates.
    """

    name: str
    kind: str
    kommun_kod: str
    x_m: float
    y_m: float
    place: str = ""

    @property
    def candidate_id(self) -> str:
        """Candidate id: ``new:<name>@<x>,<y>`` (metres, rounded)."""
        return f"new:{self.name}@{round(self.x_m)},{round(self.y_m)}"


@dataclass(frozen=True)
class Scenario:
    """One scenario: a base network, changes and analysis settings.

    Attributes
    ----------
    name
        Unique name.
    description
        Free text.
    base
        ISO date of the base network (:func:`tillganglighet.meeting_points`).
    extends
        Name of another scenario whose network (after its changes) is the base instead.
    close
        Candidate ids of points to close (must be open in the base).
    add
        ``(candidate id, kind)`` of existing candidates to open (closed offices, service
        offices, settlements); kind None keeps the candidate's default kind.
    open
        New points.
    set_kind
        ``(candidate id, kind)``: change the kind of an open point.
    threshold_min
        Guideline threshold (minutes); within means ``<=``.
    mode
        ``"road"`` or ``"pt"``.
    fa_rule
        ``"own_fa_region"`` (the report's rule) or ``"anywhere"``: which reading ranks.
    source
        ``"<file>:<line>"`` where the scenario was defined, or "".
    """

    name: str
    description: str = ""
    base: str = ad.DEFAULT_AS_OF.isoformat()
    extends: str | None = None
    close: tuple[str, ...] = ()
    add: tuple[tuple[str, str | None], ...] = ()
    open: tuple[NewPoint, ...] = ()
    set_kind: tuple[tuple[str, str], ...] = ()
    threshold_min: float = 60.0
    mode: str = "road"
    fa_rule: str = "own_fa_region"
    source: str = ""


@dataclass(frozen=True)
class Candidates:
    """The candidate columns of the travel-time matrix.

    Attributes
    ----------
    frame
        One row per candidate (column order of the matrix): ``candidate_id``, ``name``,
        ``place``, ``kommun_kod``, ``fa_kod``, ``default_kind``, ``origin``
        (``timeline`` / ``service_office`` / ``settlement`` / ``new``), ``x_m``,
        ``y_m`` (EPSG:3006 metres), ``source``.
    """

    frame: pd.DataFrame
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = self.frame["candidate_id"].tolist()
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ad.InputValidationError(f"candidates: duplicate candidate_id {dup[:10]}")
        self._index.update({c: i for i, c in enumerate(ids)})

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def ids(self) -> list[str]:
        """Candidate ids in column order."""
        return self.frame["candidate_id"].tolist()

    def index(self, candidate_ids: Iterable[str]) -> np.ndarray:
        """Column indices of ``candidate_ids``; an unknown id raises InputValidationError."""
        ids = list(candidate_ids)
        missing = [c for c in ids if c not in self._index]
        if missing:
            raise ad.InputValidationError(
                f"candidates: {missing[:10]} are not in the candidate set (build it with "
                "candidate_set(scenarios, ...) so every point a scenario uses is a column)"
            )
        return np.array([self._index[c] for c in ids], dtype=np.int64)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self._index

    def default_kind_codes(self) -> np.ndarray:
        """Integer kind code (:data:`KIND_CODE`) of each candidate's default kind."""
        return self.frame["default_kind"].map(KIND_CODE).to_numpy(dtype=np.int8)

    def fa_codes(self) -> np.ndarray:
        """FA-region code (str) of each candidate."""
        return self.frame["fa_kod"].to_numpy(dtype=object)


@cache
def timeline_candidates() -> pd.DataFrame:
    """Every point of the report's timeline as candidate rows (see :class:`Candidates`)."""
    tl = ad.presence_timeline()
    return pd.DataFrame(
        {
            "candidate_id": tl["point_id"].astype(str),
            "name": tl["name"].astype(str),
            "place": tl["place"].astype(str),
            "kommun_kod": tl["kommun_kod"].astype(str),
            "fa_kod": tl["fa_kod"].astype(str),
            "default_kind": tl["kind"].astype(str),
            "origin": "timeline",
            "x_m": tl["x_m"].to_numpy(dtype=float),
            "y_m": tl["y_m"].to_numpy(dtype=float),
            "source": tl["source"].astype(str),
        }
    )


@cache
def service_office_candidates() -> pd.DataFrame:
    """All 121 SSC service offices of Bilaga 3 as candidate rows (kind cooperation_ssc)."""
    so = ad.service_offices(ad.MODEL_END)
    return pd.DataFrame(
        {
            "candidate_id": so["service_office_id"].astype(str),
            "name": so["name"].astype(str),
            "place": so["place"].astype(str),
            "kommun_kod": so["kommun_kod"].astype(str),
            "fa_kod": so["fa_kod"].astype(str),
            "default_kind": DEFAULT_ADD_KIND["service_office"],
            "origin": "service_office",
            "x_m": so["x_m"].to_numpy(dtype=float),
            "y_m": so["y_m"].to_numpy(dtype=float),
            "source": so["source"].astype(str),
        }
    ).reset_index(drop=True)


def settlement_candidates(min_population: int) -> pd.DataFrame:
    """Settlements (GeoNames, no city sections) with at least ``min_population`` people.

    Parameters
    ----------
    min_population
        Persons (GeoNames population).

    Returns
    -------
    pandas.DataFrame
        Candidate rows, id ``gn<geonameid>``, kind cooperation_municipal.
    """
    st = ad.settlements()
    st = st[st["section_of"].isna() & st["kommun_kod"].notna()]
    st = st[st["population"] >= min_population]
    fa_of = dict(zip(ad.municipalities()["kommun_kod"], ad.municipalities()["fa_kod"], strict=True))
    return pd.DataFrame(
        {
            "candidate_id": "gn" + st["geonameid"].astype(str),
            "name": st["name"].astype(str),
            "place": st["name"].astype(str),
            "kommun_kod": st["kommun_kod"].astype(str),
            "fa_kod": st["kommun_kod"].map(fa_of).astype(str),
            "default_kind": DEFAULT_ADD_KIND["settlement"],
            "origin": "settlement",
            "x_m": st["x_m"].to_numpy(dtype=float),
            "y_m": st["y_m"].to_numpy(dtype=float),
            "source": "GeoNames cities500 (CC BY 4.0), population " + st["population"].astype(str),
        }
    ).reset_index(drop=True)


def new_point_candidates(points: Iterable[NewPoint]) -> pd.DataFrame:
    """Candidate rows for new points (one per distinct :attr:`NewPoint.candidate_id`)."""
    fa_of = dict(zip(ad.municipalities()["kommun_kod"], ad.municipalities()["fa_kod"], strict=True))
    rows, seen = [], set()
    for p in points:
        if p.candidate_id in seen:
            continue
        seen.add(p.candidate_id)
        rows.append(
            {
                "candidate_id": p.candidate_id,
                "name": p.name,
                "place": p.place,
                "kommun_kod": p.kommun_kod,
                "fa_kod": fa_of[p.kommun_kod],
                "default_kind": p.kind,
                "origin": "new",
                "x_m": p.x_m,
                "y_m": p.y_m,
                "source": "scenario file",
            }
        )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


def candidate_set(
    scenarios: Sequence[Scenario] = (),
    *,
    service_offices: bool = True,
    settlements_min_population: int | None = None,
    extra: pd.DataFrame | None = None,
) -> Candidates:
    """Build the candidate columns every given scenario (and the optimiser) may use.

    Parameters
    ----------
    scenarios
        Scenarios whose new points become columns.
    service_offices
        Include the 121 SSC service offices of Bilaga 3.
    settlements_min_population
        Include settlements with at least this many people (None: none).
    extra
        More candidate rows with the columns of :data:`CANDIDATE_COLUMNS`.

    Returns
    -------
    Candidates
        Timeline points first (in :func:`presence_timeline` order), then service
        offices, settlements, new points and ``extra``; a settlement is dropped when a
        candidate with the same place already exists in the same municipality.
    """
    parts = [timeline_candidates()]
    if service_offices:
        parts.append(service_office_candidates())
    if settlements_min_population is not None:
        st = settlement_candidates(settlements_min_population)
        have = set(
            zip(
                pd.concat(parts)["place"].map(ad.normalise_name),
                pd.concat(parts)["kommun_kod"],
                strict=True,
            )
        )
        keep = [
            (ad.normalise_name(p), k) not in have
            for p, k in zip(st["place"], st["kommun_kod"], strict=True)
        ]
        parts.append(st[keep])
    parts.append(new_point_candidates(p for s in scenarios for p in s.open))
    if extra is not None:
        parts.append(extra[CANDIDATE_COLUMNS])
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)[CANDIDATE_COLUMNS]
    return Candidates(frame)


@cache
def _base_ids(day: dt.date) -> tuple[str, ...]:
    return tuple(ad.meeting_points(day)["point_id"].astype(str))


def base_point_ids(base: str | dt.date) -> tuple[str, ...]:
    """Point ids of the meeting points open on ``base`` (a date in 2019-2021)."""
    return _base_ids(ad.parse_as_of(base))


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario as arrays over the candidate columns.

    Attributes
    ----------
    name
        Scenario name.
    active
        ``(n_candidates,)`` bool: the scenario's booked-meeting points.
    kind
        ``(n_candidates,)`` int8 kind code (:data:`KIND_CODE`) of every candidate in
        this scenario (meaningful where active).
    reference
        Name of the network the scenario is compared with: its parent scenario, or
        ``"base:<date>"``.
    threshold_min, mode, fa_rule
        The analysis settings.
    """

    name: str
    active: np.ndarray
    kind: np.ndarray
    reference: str
    threshold_min: float = 60.0
    mode: str = "road"
    fa_rule: str = "own_fa_region"


def base_network(base: str | dt.date, candidates: Candidates) -> ResolvedScenario:
    """The base network of a date as a :class:`ResolvedScenario` named ``base:<date>``."""
    day = ad.parse_as_of(base)
    active = np.zeros(len(candidates), dtype=bool)
    active[candidates.index(base_point_ids(day))] = True
    name = f"base:{day.isoformat()}"
    return ResolvedScenario(name, active, candidates.default_kind_codes(), name)


def resolve(
    scenario: Scenario,
    candidates: Candidates,
    parents: dict[str, ResolvedScenario] | None = None,
) -> ResolvedScenario:
    """Apply a scenario's changes to its base and return the active mask and kinds.

    Parameters
    ----------
    scenario
        A validated scenario (ids known; see :mod:`tillganglighet.scenarios.files`).
    candidates
        The candidate set (must contain every id the scenario uses).
    parents
        Already resolved scenarios by name, for ``extends``.

    Returns
    -------
    ResolvedScenario
    """
    if scenario.extends:
        if not parents or scenario.extends not in parents:
            raise ad.InputValidationError(
                f"scenario {scenario.name!r}: extends unknown scenario {scenario.extends!r}"
            )
        parent = parents[scenario.extends]
        active, kind, reference = parent.active.copy(), parent.kind.copy(), parent.name
    else:
        b = base_network(scenario.base, candidates)
        active, kind, reference = b.active.copy(), b.kind.copy(), b.name
    if scenario.close:
        idx = candidates.index(scenario.close)
        if not active[idx].all():
            bad = [c for c, i in zip(scenario.close, idx, strict=True) if not active[i]]
            raise ad.InputValidationError(
                f"scenario {scenario.name!r}: cannot close points that are not open: {bad}"
            )
        active[idx] = False
    for cid, k in scenario.add:
        i = int(candidates.index([cid])[0])
        active[i] = True
        if k is not None:
            kind[i] = KIND_CODE[k]
    for p in scenario.open:
        i = int(candidates.index([p.candidate_id])[0])
        active[i] = True
        kind[i] = KIND_CODE[p.kind]
    for cid, k in scenario.set_kind:
        i = int(candidates.index([cid])[0])
        kind[i] = KIND_CODE[k]
    return ResolvedScenario(
        scenario.name,
        active,
        kind,
        reference,
        threshold_min=scenario.threshold_min,
        mode=scenario.mode,
        fa_rule=scenario.fa_rule,
    )


def resolve_all(
    scenarios: Sequence[Scenario], candidates: Candidates
) -> dict[str, ResolvedScenario]:
    """Resolve scenarios in dependency order (parents before ``extends``).

    Returns
    -------
    dict
        Name -> :class:`ResolvedScenario`, in the order of ``scenarios``.
    """
    by_name = {s.name: s for s in scenarios}
    done: dict[str, ResolvedScenario] = {}

    def visit(s: Scenario, stack: tuple[str, ...]) -> None:
        if s.name in done:
            return
        if s.name in stack:
            raise ad.InputValidationError(
                f"scenario {s.name!r}: circular extends: {' -> '.join((*stack, s.name))}"
            )
        if s.extends:
            if s.extends not in by_name:
                raise ad.InputValidationError(
                    f"scenario {s.name!r}: extends unknown scenario {s.extends!r}"
                )
            visit(by_name[s.extends], (*stack, s.name))
        done[s.name] = resolve(s, candidates, done)

    for s in scenarios:
        visit(s, ())
    return {s.name: done[s.name] for s in scenarios}
