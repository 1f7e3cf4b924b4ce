"""Check the curated data against the figures the report publishes.

Each figure is recomputed from the committed tables (``geodata/report/``) and the
as-of-date model (:mod:`tillganglighet.data.presence`), then compared with the report:

* ``OK`` - the data reproduce the report's figure;
* ``DOCUMENTED`` - they do not, and the difference is explained by the report
  contradicting its own tables; the explanation is itself recomputed (the figure the
  report evidently used) and must hold, else the status is ``FAIL``;
* ``FAIL`` - anything else.

The explanations are written up in ``docs/data.md`` ("Where the report disagrees with
itself").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from tillganglighet.data.geodata import (
    municipalities,
    official_population,
    origins,
    population_reference,
)
from tillganglighet.data.presence import (
    DEFAULT_AS_OF,
    MODEL_START,
    meeting_points,
    report_table,
    service_offices,
)

Status = Literal["OK", "DOCUMENTED", "FAIL"]

#: Districts of the three largest cities: the report counts them as "orter" of their own.
CITY_DISTRICT_KOMMUNER = frozenset({"0180", "1480", "1280"})


@dataclass(frozen=True)
class FigureCheck:
    """One published figure compared with the value computed from the data."""

    figure: str
    report_value: int
    found_value: int
    status: Status
    note: str = ""
    source: str = ""


def _check(
    figure: str,
    report: int,
    found: int,
    *,
    source: str,
    explained_by: tuple[int, str] | None = None,
) -> FigureCheck:
    if found == report:
        return FigureCheck(figure, report, found, "OK", "", source)
    if explained_by is not None:
        report_reading, note = explained_by
        if report_reading == report:
            return FigureCheck(figure, report, found, "DOCUMENTED", note, source)
        note = f"{note} (but that reading gives {report_reading}, not {report})"
    else:
        note = "no explanation recorded"
    return FigureCheck(figure, report, found, "FAIL", note, source)


def run_data_check() -> list[FigureCheck]:
    """Recompute the report's published figures from the curated data.

    Returns
    -------
    list of FigureCheck
        One entry per figure, in the order of the report's summary.
    """
    offices = report_table("offices_bilaga4.csv")
    closures = report_table("closures_bilaga5.csv")
    rollout = report_table("ssc_rollout_bilaga3.csv")
    n_kommuner = len(municipalities())
    office_kommuner = set(offices["kommun_kod"])
    checks: list[FigureCheck] = []
    add = checks.append

    add(_check("Municipalities in Sweden", 290, n_kommuner, source="summary"))
    checks.extend(population_checks())
    add(_check("Remaining offices (Bilaga 4)", 112, len(offices), source="summary; Bilaga 4"))
    add(
        _check(
            "Municipalities with a remaining office",
            106,
            len(office_kommuner),
            source="summary; chapter 7",
        )
    )
    add(
        _check(
            "Staffed offices (fast bemannade)",
            88,
            int((offices["form"] == "staffed").sum()),
            source="summary; chapter 7",
        )
    )
    add(
        _check(
            "Visiting offices (kontor vi reser till)",
            24,
            int((offices["form"] == "visiting").sum()),
            source="summary; chapter 7",
        )
    )
    add(
        _check(
            "Offices re-established by 2020 decisions",
            6,
            int(offices["reestablished"].astype(str).str.lower().eq("true").sum()),
            source="summary; Bilaga 4",
        )
    )

    add(_check("Closure places (Bilaga 5)", 126, len(closures), source="summary; Bilaga 5"))
    closure_kommuner = set(closures["kommun_kod"])
    without_office = closure_kommuner - office_kommuner
    add(
        _check(
            "Municipalities of the closure places",
            112,
            len(closure_kommuner),
            source="summary: '126 orter (avser 112 kommuner)'",
            explained_by=(
                len(without_office),
                (
                    f"the 126 places lie in {len(closure_kommuner)} municipalities; "
                    f"{len(without_office)} of them keep no office of their own, which is the "
                    "report's count"
                ),
            ),
        )
    )
    coop = closures[closures["replacement"] == "cooperation"]
    add(
        _check(
            "Closure places with a cooperation solution",
            102,
            len(coop),
            source="chapter 5.2.2; Bilaga 5",
        )
    )
    add(
        _check(
            "Closure places served by a nearby office",
            24,
            int((closures["replacement"] == "nearby_office").sum()),
            source="chapter 5.2.2; Bilaga 5",
        )
    )
    ready = coop[coop["cooperation_ready"].astype(str).str.lower() == "true"]
    add(_check("Cooperation solutions ready (Oct 2020)", 29, len(ready), source="chapter 7"))
    for category, label, value in (
        ("ssc_premises", "in SSC premises", 13),
        ("municipal_agreement", "in municipal premises", 3),
        ("own_premises", "in AF's own premises", 13),
    ):
        add(
            _check(
                f"  ready {label}",
                value,
                int((ready["cooperation_category"] == category).sum()),
                source="chapter 7, footnote 43",
            )
        )
    add(
        _check(
            "Cooperation solutions still to complete: municipal",
            60,
            int((coop["cooperation_category"] == "agreement_pending").sum()),
            source="footnote 44",
        )
    )
    add(
        _check(
            "Cooperation solutions still to complete: own premises",
            13,
            int((coop["cooperation_category"] == "own_premises_available").sum()),
            source="footnote 44",
        )
    )

    start = meeting_points(MODEL_START)
    add(
        _check(
            "Offices at the start of 2019",
            238,
            len(start),
            source="chapter 5.2.1 (model as of 2019-01-01)",
        )
    )
    add(
        _check(
            "Municipalities with an own office, start of 2019",
            218,
            start["kommun_kod"].nunique(),
            source="summary (model as of 2019-01-01)",
        )
    )
    end = meeting_points(DEFAULT_AS_OF)
    end_kommuner = end["kommun_kod"].nunique()
    coop_with_office = sorted(set(coop["kommun_kod"]) & office_kommuner)
    report_reading = len(office_kommuner) + len(coop)
    names = ", ".join(closures.loc[closures["kommun_kod"].isin(coop_with_office), "place"].tolist())
    add(
        _check(
            "Municipalities with booked meetings, end of 2020",
            208,
            end_kommuner,
            source="summary; chapter 4.5 (model as of 2020-12-31)",
            explained_by=(
                report_reading,
                (
                    f"the report adds {len(office_kommuner)} office municipalities and "
                    f"{len(coop)} cooperation places = {report_reading}, but the cooperation "
                    f"solution of {names} lies in a municipality that keeps its own office"
                ),
            ),
        )
    )
    add(
        _check(
            "Municipalities without booked meetings, end of 2020",
            82,
            n_kommuner - end_kommuner,
            source="summary",
            explained_by=(n_kommuner - report_reading, "complement of the figure above"),
        )
    )

    add(
        _check(
            "SSC offices with kundtorg by end of 2020",
            81,
            len(service_offices(dt.date(2020, 12, 31))),
            source="chapter 4; Bilaga 3",
        )
    )
    ssc_yes = closures[closures["service_office_on_place"] == "yes"]
    plain = ssc_yes[
        ~ssc_yes["kommun_kod"].isin(CITY_DISTRICT_KOMMUNER)
        & ssc_yes["service_office_raw"].str.strip().eq("Ja")
    ]
    add(
        _check(
            "Closure places with a service office",
            21,
            len(ssc_yes),
            source="chapter 5.2.3; Bilaga 5",
            explained_by=(
                len(plain),
                (
                    f"Bilaga 5 says 'Ja' on {len(ssc_yes)} rows; without the "
                    f"{int(ssc_yes['kommun_kod'].isin(CITY_DISTRICT_KOMMUNER).sum())} "
                    "city-district "
                    "offices of Stockholm, Göteborg and Malmö and Sälen (service office in Malung) "
                    f"they are {len(plain)}"
                ),
            ),
        )
    )
    no_af = rollout[rollout["af_office_status"] == "no_office"]
    add(
        _check(
            "Places with a service office but no AF office",
            22,
            len(plain) + len(no_af),
            source="chapter 5.2.3, footnote 23 (21 + Vimmerby)",
        )
    )
    return checks


def population_checks() -> list[FigureCheck]:
    """Check the embedded municipal population against independently published totals.

    The national total and every county with an independent figure
    (``geodata/population_2020_reference.csv``) are recomputed as sums of the 290
    municipalities of ``geodata/population_2020.csv`` (SCB, 2020-12-31); last, the
    default origins of every municipality must sum to its official figure.

    Returns
    -------
    list of FigureCheck
        National total first, then the counties by code, then the origins' sums.
    """
    pop = official_population()
    by_county = pop.groupby("lan_kod")["population"].sum()
    out = []
    for ref in population_reference().itertuples():
        if ref.region_kod == "SE":
            found, label = int(pop["population"].sum()), "Sweden"
        else:
            found, label = int(by_county.get(ref.region_kod, 0)), str(ref.region)
        out.append(
            _check(
                f"Population {ref.reference_date}: {label}",
                int(ref.population),
                found,
                source=str(ref.source).split(": http")[0],
            )
        )
    sums = origins().groupby("kommun_kod")["population"].sum()
    official = pop.set_index("kommun_kod")["population"]
    exact = int((sums.reindex(official.index, fill_value=0) == official).sum())
    out.append(
        _check(
            "Municipalities whose default origins sum to their population",
            len(official),
            exact,
            source="population model (geodata.origins) vs population_2020.csv",
        )
    )
    return out


def all_passed(checks: list[FigureCheck]) -> bool:
    """Return True when no check has status ``FAIL``."""
    return all(c.status != "FAIL" for c in checks)
