"""Arbetsförmedlingen's local presence as of a date: the booked-meeting model.

Built from the report's tables (``geodata/report/``: Bilaga 4 remaining offices,
Bilaga 5 closures and their replacement, Bilaga 3 the Statens servicecenter rollout)
and geocoded with :mod:`tillganglighet.data.geocoding`. Two layers:

* **booked-meeting points** (:func:`meeting_points`): where a *förbokat fysiskt möte*
  can take place on a given day: staffed offices, visiting offices ("kontor vi reser
  till"), an office before its closure date, and cooperation solutions in Statens
  servicecenter's (SSC) premises, municipal premises or AF's own premises;
* **SSC service offices with kundtorg** (:func:`service_offices`): spontaneous visits,
  not booked meetings.

Dating rules (documented in ``docs/data.md``; the report has no other dates):

* A Bilaga 4 office offers booked meetings on every day of the model window.
* A Bilaga 5 office offers booked meetings up to the day before its closure date.
* A cooperation solution the report calls ready ("Ja ...") is counted from the later of
  the closure date and the report's date, 2020-10-23 (it was "avtalad och i bruk" then;
  its start is not given). One that is not ready ("Nej (ÖK om avtal finns)",
  "Nej (egen lokal finns)") is counted from the later of the closure date and
  2020-12-31: the report states the remaining 73 solutions are completed "fram till
  årsskiftet" (footnote 44).
* An SSC service office offers kundtorg from the first day of its rollout month.

Dates outside 2019-01-01 .. 2021-12-31 are outside the data and raise an error.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache

import geopandas as gpd
import pandas as pd

from tillganglighet._resources import geodata_path
from tillganglighet.data.geocoding import geocode_place
from tillganglighet.data.geodata import SWEREF99TM, municipalities
from tillganglighet.errors import InputValidationError

#: First and last day covered by the report's data.
MODEL_START = dt.date(2019, 1, 1)
MODEL_END = dt.date(2021, 12, 31)
#: The report's date: solutions called ready were in use on this day.
REPORT_DATE = dt.date(2020, 10, 23)
#: Cooperation solutions not ready on the report's date are assumed ready on this day.
PENDING_READY_DATE = dt.date(2020, 12, 31)
#: The report's target state ("vid 2020 års slut"): default date of every analysis.
DEFAULT_AS_OF = dt.date(2020, 12, 31)


class MeetingPointKind(StrEnum):
    """Kinds of booked-meeting points."""

    STAFFED_OFFICE = "staffed_office"
    VISITING_OFFICE = "visiting_office"
    OFFICE_BEFORE_CLOSURE = "office_before_closure"
    COOPERATION_SSC = "cooperation_ssc"
    COOPERATION_MUNICIPAL = "cooperation_municipal"
    COOPERATION_OWN_PREMISES = "cooperation_own_premises"


#: Swedish labels for maps and board tables.
KIND_LABEL_SV: dict[str, str] = {
    MeetingPointKind.STAFFED_OFFICE: "Fast bemannat kontor",
    MeetingPointKind.VISITING_OFFICE: "Kontor vi reser till",
    MeetingPointKind.OFFICE_BEFORE_CLOSURE: "Kontor (före avveckling)",
    MeetingPointKind.COOPERATION_SSC: "Samarbetslösning i servicekontor (SSC)",
    MeetingPointKind.COOPERATION_MUNICIPAL: "Samarbetslösning i kommunens lokaler",
    MeetingPointKind.COOPERATION_OWN_PREMISES: "Samarbetslösning i egen lokal",
}

_COOPERATION_KIND = {
    "ssc_premises": MeetingPointKind.COOPERATION_SSC,
    "municipal_agreement": MeetingPointKind.COOPERATION_MUNICIPAL,
    "agreement_pending": MeetingPointKind.COOPERATION_MUNICIPAL,
    "own_premises": MeetingPointKind.COOPERATION_OWN_PREMISES,
    "own_premises_available": MeetingPointKind.COOPERATION_OWN_PREMISES,
}


def parse_as_of(as_of: dt.date | str | None) -> dt.date:
    """Return ``as_of`` as a date inside the model window.

    Parameters
    ----------
    as_of
        A date, an ISO string ``YYYY-MM-DD``, or None for :data:`DEFAULT_AS_OF`.

    Returns
    -------
    datetime.date
    """
    if as_of is None:
        return DEFAULT_AS_OF
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of.strip())
        except ValueError:
            raise InputValidationError(
                f"as_of: {as_of!r} is not a date; use YYYY-MM-DD, e.g. 2020-12-31"
            ) from None
    if not isinstance(as_of, dt.date):
        raise InputValidationError(f"as_of: expected a date, got {type(as_of).__name__}")
    if not MODEL_START <= as_of <= MODEL_END:
        raise InputValidationError(
            f"as_of: {as_of.isoformat()} is outside the report's data "
            f"({MODEL_START.isoformat()} .. {MODEL_END.isoformat()})"
        )
    return as_of


def report_table(name: str) -> pd.DataFrame:
    """Return one of the report's tables in ``geodata/report/`` (all columns as text).

    Parameters
    ----------
    name
        File name, e.g. ``"offices_bilaga4.csv"``, ``"closures_bilaga5.csv"``,
        ``"ssc_rollout_bilaga3.csv"`` or ``"report_facts.csv"`` (columns in
        ``docs/data.md``).

    Returns
    -------
    pandas.DataFrame
        A new frame; ``kommun_kod`` is a 4-digit string, empty cells are ``""``.
    """
    return pd.read_csv(
        geodata_path("report", name), dtype={"kommun_kod": str}, keep_default_na=False
    )


def _bool(series: pd.Series) -> pd.Series:
    return series.astype(str).str.lower().map({"true": True, "false": False, "": False})


@cache
def _presence_rows() -> pd.DataFrame:
    offices = report_table("offices_bilaga4.csv")
    closures = report_table("closures_bilaga5.csv")
    facts = report_table("report_facts.csv")
    other_premises: set[str] = set()
    fact = facts[facts["fact_id"] == "own_premises_other_activities_places"]
    if len(fact):
        other_premises = set(str(fact["places"].iloc[0]).split(";"))

    rows: list[dict[str, object]] = []
    for r in offices.itertuples(index=False):
        rows.append(
            {
                "point_id": r.office_id,
                "name": r.office_name,
                "place": r.place,
                "kommun_kod": r.kommun_kod,
                "kind": MeetingPointKind.STAFFED_OFFICE
                if r.form == "staffed"
                else MeetingPointKind.VISITING_OFFICE,
                "ready_on_report_date": True,
                "available_from": MODEL_START,
                "available_until": None,
                "note": (
                    f"re-established by decision {r.decision_date}"
                    if _truthy(r.reestablished)
                    else ""
                ),
                "source": r.source,
            }
        )
    for r in closures.itertuples(index=False):
        closure = dt.date.fromisoformat(str(r.closure_date))
        rows.append(
            {
                "point_id": f"{r.closure_id}-office",
                "name": r.office_name,
                "place": r.place,
                "kommun_kod": r.kommun_kod,
                "kind": MeetingPointKind.OFFICE_BEFORE_CLOSURE,
                "ready_on_report_date": closure > REPORT_DATE,
                "available_from": MODEL_START,
                "available_until": closure,
                "note": f"closes {closure.isoformat()}",
                "source": r.source,
            }
        )
        if r.replacement != "cooperation":
            continue
        ready = _truthy(r.cooperation_ready)
        start = max(closure, REPORT_DATE if ready else PENDING_READY_DATE)
        note = str(r.cooperation_raw)
        if r.place in other_premises:
            note += "; AF premises used for other activities (report footnote 26)"
        rows.append(
            {
                "point_id": f"{r.closure_id}-coop",
                "name": f"Samarbetslösning {r.place}",
                "place": r.place,
                "kommun_kod": r.kommun_kod,
                "kind": _COOPERATION_KIND[str(r.cooperation_category)],
                "ready_on_report_date": ready,
                "available_from": start,
                "available_until": None,
                "note": note,
                "source": r.source,
            }
        )
    return pd.DataFrame(rows)


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes", "ja"}


@cache
def _geocoded(table: str) -> pd.DataFrame:
    rows = _presence_rows() if table == "presence" else _service_rows()
    coded = [geocode_place(p, k) for p, k in zip(rows["place"], rows["kommun_kod"], strict=True)]
    out = rows.copy()
    out["x_m"] = [c.x_m for c in coded]
    out["y_m"] = [c.y_m for c in coded]
    out["geocode_method"] = [c.method for c in coded]
    out["geocode_match"] = [c.matched for c in coded]
    kommuner = municipalities()[["kommun_kod", "kommun", "lan_kod", "lan", "fa_kod"]]
    out = out.merge(kommuner, on="kommun_kod", how="left", validate="m:1")
    return out


def _as_frame(df: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        df.reset_index(drop=True),
        geometry=gpd.points_from_xy(df["x_m"], df["y_m"]),
        crs=SWEREF99TM,
    )


def presence_timeline() -> gpd.GeoDataFrame:
    """Return every booked-meeting point of 2019-2021 with its validity interval.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per point and form: ``point_id``, ``name``, ``place``, ``kommun_kod``,
        ``kommun``, ``lan_kod``, ``lan``, ``fa_kod``, ``kind`` (:class:`MeetingPointKind`
        value), ``kind_sv`` (Swedish label), ``ready_on_report_date`` (bool),
        ``available_from`` (first day, date), ``available_until`` (first day it is no
        longer available, date, or None), ``note``, ``source`` (appendix and row),
        ``x_m``, ``y_m``, ``geocode_method``, ``geocode_match``, ``geometry``
        (Point, EPSG:3006).
    """
    out = _geocoded("presence").copy()
    out["kind_sv"] = out["kind"].map(KIND_LABEL_SV)
    out["kind"] = out["kind"].astype(str)
    columns = [
        "point_id",
        "name",
        "place",
        "kommun_kod",
        "kommun",
        "lan_kod",
        "lan",
        "fa_kod",
        "kind",
        "kind_sv",
        "ready_on_report_date",
        "available_from",
        "available_until",
        "note",
        "source",
        "x_m",
        "y_m",
        "geocode_method",
        "geocode_match",
    ]
    return _as_frame(out[columns])


def closure_places() -> gpd.GeoDataFrame:
    """Return the 126 closure places of Bilaga 5 with their geocoded location.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of ``closures_bilaga5.csv`` (see ``docs/data.md``) plus ``x_m``,
        ``y_m``, ``geocode_method`` and ``geometry`` (Point, EPSG:3006), in report order.
    """
    closures = report_table("closures_bilaga5.csv")
    offices = _geocoded("presence").set_index("point_id")
    office_ids = list(closures["closure_id"] + "-office")
    located = offices.loc[office_ids, ["x_m", "y_m", "geocode_method"]]
    out = closures.assign(**{c: located[c].to_numpy() for c in located.columns})
    return _as_frame(out)


def _active(df: pd.DataFrame, day: dt.date) -> pd.Series:
    start_ok = df["available_from"].map(lambda d: d <= day)
    end_ok = df["available_until"].map(lambda d: d is None or pd.isna(d) or day < d)
    return start_ok & end_ok


def meeting_points(as_of: dt.date | str | None = None) -> gpd.GeoDataFrame:
    """Return the points offering booked meetings on a given day.

    Parameters
    ----------
    as_of
        The day (date or ``YYYY-MM-DD``); default :data:`DEFAULT_AS_OF` (2020-12-31,
        the report's target state). Must lie in 2019-01-01 .. 2021-12-31.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of :func:`presence_timeline` valid on ``as_of`` (EPSG:3006), sorted by
        ``point_id``.
    """
    day = parse_as_of(as_of)
    timeline = presence_timeline()
    return timeline[_active(timeline, day)].sort_values("point_id").reset_index(drop=True)


@cache
def _service_rows() -> pd.DataFrame:
    ssc = report_table("ssc_rollout_bilaga3.csv")
    rows = pd.DataFrame(
        {
            "service_office_id": ssc["rollout_id"],
            "name": "Servicekontor " + ssc["place"],
            "place": ssc["place"],
            "kommun_kod": ssc["kommun_kod"],
            "rollout_month": ssc["rollout_month"],
            "available_from": ssc["rollout_month"].map(lambda m: dt.date.fromisoformat(f"{m}-01")),
            "af_office_status": ssc["af_office_status"],
            "af_office_status_raw": ssc["af_office_status_raw"],
            "source": ssc["source"],
        }
    )
    return rows


def service_offices(as_of: dt.date | str | None = None) -> gpd.GeoDataFrame:
    """Return Statens servicecenter offices offering AF's kundtorg on a given day.

    Kundtorg is spontaneous service, not booked meetings: a separate layer.

    Parameters
    ----------
    as_of
        The day (date or ``YYYY-MM-DD``); default 2020-12-31.

    Returns
    -------
    geopandas.GeoDataFrame
        ``service_office_id``, ``name``, ``place``, ``kommun_kod``, ``kommun``,
        ``lan_kod``, ``lan``, ``fa_kod``, ``rollout_month`` (YYYY-MM),
        ``available_from`` (date), ``af_office_status``, ``af_office_status_raw``,
        ``source``, ``x_m``, ``y_m``, ``geocode_method``, ``geocode_match``,
        ``geometry`` (Point, EPSG:3006).
    """
    day = parse_as_of(as_of)
    df = _geocoded("service")
    active = df["available_from"].map(lambda d: d <= day)
    return _as_frame(df[active].sort_values("service_office_id"))
