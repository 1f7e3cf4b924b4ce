"""Every rule of the modelled national timetable, as a named constant with its reason.

Figures marked *sourced* come from the research notes of issue 11 (the sources are
listed in ``docs/methodology.md (section "Modelled public transport")``); "GTFS-NB" is Länstrafiken
Norrbotten's GTFS feed (Samtrafiken, feed_version 2022-06-22, stored in the GitHub
repository ``Iteam1337/digiby``, ``backend/data/norrbotten/``, commit 68d30e99), analysed
for the weekday 2022-09-13. Figures marked *set* are modelling choices with no published
figure behind them; figures marked *fitted* were fitted on the reference journeys
(``geodata/pt_reference_journeys.csv``) with
:func:`tillganglighet.transit.modelled.calibration.fit_rules`.

Units: seconds, metres (EPSG:3006), persons, departures per weekday per direction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

#: Version of the generator; bump when a rule or the output format changes (part of the
#: cache key, so a new version never reads an old feed).
GENERATOR_VERSION = 3

# ----------------------------------------------------------------------------- calendar
#: First and last date of the calendar (``YYYYMMDD``). The model is a typical weekday
#: timetable with no date-specific changes; it covers the report's years (2019-2021) and
#: later analysis dates.
CALENDAR_START = 20190101
CALENDAR_END = 20301231
#: The model runs on weekdays only (issue 11: "Weekdays only is enough"); Saturdays and
#: Sundays have no service.
SERVICE_ID = "weekday"

# ------------------------------------------------------------------------------- places
#: County seats (residensstäder), one per county code ``lan_kod``. Sourced: the list of
#: current Swedish residensstäder on nn.wikipedia.org "Residensby" (same list as
#: sv.wikipedia.org "Residensstad"). In Västernorrland and Södermanland the seat is not
#: the largest town (Sundsvall, Eskilstuna are larger; sv.wikipedia "Residensstad").
COUNTY_SEATS: dict[str, str] = {
    "01": "Stockholm",
    "03": "Uppsala",
    "04": "Nyköping",
    "05": "Linköping",
    "06": "Jönköping",
    "07": "Växjö",
    "08": "Kalmar",
    "09": "Visby",
    "10": "Karlskrona",
    "12": "Malmö",
    "13": "Halmstad",
    "14": "Göteborg",
    "17": "Karlstad",
    "18": "Örebro",
    "19": "Västerås",
    "20": "Falun",
    "21": "Gävle",
    "22": "Härnösand",
    "23": "Östersund",
    "24": "Umeå",
    "25": "Luleå",
}

# ----------------------------------------------------------------------- dispersed cells
#: Every dispersed origin of the population model (7 km land cells holding the people
#: outside the GeoNames places, :func:`tillganglighet.data.geodata.origins`) gets a stop
#: at its point, served by a *local* line (issue 11: "Stops at the settlements and
#: origins"). Without it, 16.9 % of the population lived beyond any stop's walking
#: reach, and suburbs that GeoNames lists only as small entries (Tyresö, Salem) had no
#: service for most of their people.
DISPERSED_STOPS = True
#: Where a dispersed cell's local line runs (see :func:`.build.dispersed_destinations`):
#: to the municipality's main place when the cell holds at most as many people as the
#: main place, else to the nearest place (straight line) with at least the cell's
#: population. Set: rural people travel to their centre; a cell larger than its
#: municipality's main place is a suburb served towards the town it belongs to. The
#: departures follow the local rule with P = the cell's population (the destination is
#: never smaller), so a rural cell of a few hundred people gets the 1-3 departures per
#: direction the sourced rural links have (GTFS-NB: 1-5) and a suburban cell of
#: 20,000 the cap :attr:`Rules.max_local`.
DISPERSED_LINE_RULE = "main place if P_cell <= P_main, else nearest place with P >= P_cell"

#: Corridor stops: a dispersed cell whose point lies within this distance (straight line,
#: metres) of a road link on the path of a local, regional or county bus line between
#: places becomes a stop of every such line on that link (the nearest link within reach;
#: the stop's time is the line's time at the cell's projection on the link), instead of
#: getting a private line. Set from the brief and the sourced rural pattern: in reality
#: one rural line serves a whole corridor and trunk lines stop along the way (GTFS-NB line
#: 44 Gällivare-Jokkmokk-Luleå has a mean stop spacing of 3 km; 1,720 Norrbotten stops
#: for its lines). 3.5 km is half the 7 km cell side: the cell's people are spread over
#: the cell, so its stop stands for the roadside stops the line has inside the cell. Cells
#: farther from every line keep the private line of :data:`DISPERSED_LINE_RULE`.
CORRIDOR_STOP_M = 3_500.0
#: A corridor cell of at least this many people keeps its own local line as well (and its
#: people count for that line, not for the passing ones): such a cell is a suburb or a
#: settlement that GeoNames does not list (Tyresö, Salem: 95 % of Tyresö's people are in
#: two cells), and its own line to its town gets the local rule's 4+ departures per
#: direction (4.17 × 1^0.68). Set: without it Tyresö's mean rose from 39 to 56 min.
CORRIDOR_OWN_LINE_MIN_POP = 1_000
#: A corridor stop adds no dwell time: the fitted ``bus_dwell_s`` and ``bus_factor`` were
#: fitted on journeys whose buses make the ordinary roadside stops between settlements
#: that the model does not place, so their time is already in the running time. Set.
CORRIDOR_STOP_DWELL = False
#: Service of local, regional and county bus lines: departures per direction from the
#: *corridor population* ``P_line`` = the smaller end plus the people of the corridor
#: cells (:data:`CORRIDOR_STOP_M`) the line serves, **each cell counted for one line
#: only**: the most local kind among the lines on its link (local before regional before
#: county), then the smallest route id. Places along a line are not added: they have
#: their own local lines, and counting the same people for every line on a road
#: multiplied the service of shared corridors (a first version that summed every place
#: and cell along each line gave Gällivare-Jokkmokk 180 direct trips a day against 5 in
#: GTFS-NB). Set. Without it a cell on a passing line added nothing to that line's
#: service (the cell's private line carried only the cell's people).
CORRIDOR_SERVICE = True

# ---------------------------------------------------------------------------- town grids
#: Places with at least this many inhabitants get a grid of town stops and town lines.
#: Sourced: Kalix (7,495 inhabitants in GeoNames) has town lines in GTFS-NB; the next
#: smaller Norrbotten places do not.
TOWN_GRID_MIN_POP = 7_000
#: Spacing of the square grid of town stops (metres) at density 1. Sourced: town lines in
#: GTFS-NB (Piteå, Boden, Kalix) have a mean stop spacing of 0.4-0.7 km. A square grid
#: of 600 m puts every point of the town within 424 m of a stop (Kolada's 500 m).
TOWN_STOP_SPACING_M = 600.0
#: Residents per km² of a town (sets the town's disc: area = population / density).
#: Derived from SCB, Statistiska tätorter 2018 (MI 38 SM 1901): 87 % of the population
#: on 1.5 % of the land area; with 10,230,185 inhabitants (SCB, 31 Dec 2018) and the
#: land area 407,577 km² (SCB: 25.1 inhabitants/km² in 2018) that is
#: 0.87 × 10,230,185 / (0.015 × 407,577) = 1,456 per km².
TOWN_DENSITY_PER_KM2 = 1_456.0
#: Towns of at least :data:`CITY_MIN_POP` inhabitants are denser. Sourced: SCB 2020
#: tätort densities (via sv.wikipedia "Lista över Nordens största tätorter"):
#: Stockholm 3,829, Göteborg 2,632, Malmö 4,150, Uppsala 3,856, Upplands Väsby och
#: Sollentuna 3,183 per km²; the median is 3,829.
CITY_DENSITY_PER_KM2 = 3_829.0
#: Threshold for :data:`CITY_DENSITY_PER_KM2` (the tätorter above have ≥ 100,000).
CITY_MIN_POP = 100_000
#: Scheduled speed of town lines along the grid, km/h. Sourced: GTFS-NB median scheduled
#: speed of trips under 15 km is 24.0 km/h (stops included).
TOWN_BUS_SPEED_KPH = 24.0
#: Town-line headway (minutes) = REF × (population / REF_POP) ** -EXPONENT, clipped.
#: Set from sourced headways: Boden (16,830 inh.) 13-30 min, Kiruna (17,037) 35 min,
#: Piteå (23,067) 30-60 min, Östersund (49,806) 10-20 min, Borås line 1 6 min in peak,
#: Uddevalla line 1 10 min, Stockholm trunk lines "a couple of minutes"; see the
#: headway table in the docs (calibration.town_headway_table).
TOWN_HEADWAY_REF_MIN = 30.0
TOWN_HEADWAY_REF_POP = 20_000.0
TOWN_HEADWAY_EXPONENT = 0.5
TOWN_HEADWAY_MIN_MIN = 5.0
TOWN_HEADWAY_MAX_MIN = 60.0
#: First and last departure of town lines from either end (seconds after midnight).
#: Sourced: GTFS-NB town lines run ≈05:00-22:10 (Kiruna), ≈05:30-20:40 (Boden),
#: ≈06:00-21:00 (Piteå).
TOWN_FIRST_S = 5 * 3600 + 30 * 60
TOWN_LAST_S = 22 * 3600

# ---------------------------------------------------------------------------- line rules
#: Kinds of lines, in priority order when two rules give the same pair of places.
LINE_KINDS = ("rail", "county", "regional", "local", "town")
#: GTFS route_type per kind: 2 = rail, 3 = bus.
ROUTE_TYPE = {"rail": 2, "county": 3, "regional": 3, "local": 3, "town": 3}

#: Rail-like lines run between *centres*: the county seats and every place of at least
#: this many inhabitants. Set (no published threshold); 50,000 keeps the regional centres
#: (Sundsvall, Borås, Eskilstuna, ...).
RAIL_CENTRE_MIN_POP = 50_000
#: A rail-like line links two centres that are Delaunay neighbours among the centres and
#: at most this far apart (straight line, metres). Set.
RAIL_MAX_M = 250_000.0
#: Also the strongest corridors as through lines: the pairs of centres with the largest
#: gravity P_a × P_b / d² that are at least RAIL_CORRIDOR_MIN_M apart. Set.
RAIL_CORRIDORS = 12
RAIL_CORRIDOR_MIN_M = 120_000.0
#: Rail-like lines stop only at places of at least this many inhabitants. Set.
RAIL_STOP_MIN_POP = 5_000

# ------------------------------------------------------------------------- service times
#: First departure of rural, regional and rail-like lines from either end (s). Sourced:
#: GTFS-NB first departures 04:35-06:40 (Haparanda 04:35, Arjeplog 05:30, Kiruna 06:00).
FIRST_DEP_S = 6 * 3600
#: Last departure of lines with few trips (≤ FEW_TRIPS per direction), seconds. Sourced:
#: GTFS-NB inland lines leave the terminus last at 16:15-17:00 (lines 44, 21).
LAST_DEP_FEW_S = 17 * 3600
#: Last departure of lines with more trips, seconds. Sourced: GTFS-NB last departures up
#: to 20:15-22:00 (Haparanda 20:15, Arvidsjaur 21:00); SJ Stockholm-Uppsala half-hourly
#: to 21:10.
LAST_DEP_MANY_S = 21 * 3600
#: Threshold between the two spans above (departures per direction). Set.
FEW_TRIPS = 5
#: Departures of a line with n ≥ 2 trips per direction are evenly spaced at
#: ``first + (j + φ) × (last - first) / n`` (j = 0 … n-1) with a phase φ in [0, 1) taken
#: from the CRC-32 of ``"<route_id>/<direction>"`` (deterministic). Set: with one common
#: pattern (all lines of n trips leaving together) the many lines through a village
#: arrived in bunches and left hour-long gaps; real timetables are coordinated so lines
#: sharing a road interleave (e.g. GTFS-NB line 14 Luleå-Piteå, 30 departures: the
#: Piteå-bound departures of several lines give a regular 30-min service). A hash phase
#: is the neutral deterministic stand-in for that coordination.
DEPARTURE_PHASE = "crc32(route_id/direction) / 2**32"
#: A line with one trip per direction leaves the smaller place in the morning and the
#: larger place in the afternoon (s). Sourced: GTFS-NB first departures 04:35-06:40 and
#: last inland departures 16:15-17:00.
SINGLE_TRIP_INBOUND_S = 6 * 3600 + 30 * 60
SINGLE_TRIP_OUTBOUND_S = 16 * 3600

# --------------------------------------------------------------------- roadside (density)
#: At density d > 1 roadside stops are added on the road links of bus lines, one per
#: ROADSIDE_SPACING_M / (d - 1) metres of modelled road. Set: only the benchmark feed
#: uses it (rural Norrbotten has 1,720 stops for its lines, GTFS-NB).
ROADSIDE_SPACING_M = 3_000.0


@dataclass(frozen=True)
class Rules:
    """The fitted parameters of the modelled timetable.

    Attributes
    ----------
    bus_factor
        Bus running time / modelled car time on the same road path (dimensionless).
    bus_dwell_s
        Time added per stop served after the first (seconds): braking, boarding and
        the ordinary stops between settlements that the model does not place.
    bus_town_s
        Time added per town stop (a place of at least :data:`TOWN_GRID_MIN_POP`) of a bus
        line, half on leaving it and half on reaching it (seconds): town streets and
        the many town stops the model does not place between settlements.
    rail_factor
        Rail-like running time / modelled car time (dimensionless).
    rail_dwell_s
        Time added per stop served after the first by a rail-like line (seconds).
    local_a, local_e
        Local lines (a place to its municipality's main place): departures per direction
        = ``local_a × (P / 1000) ** local_e``, P the smaller place's population.
    regional_a, regional_e, regional_g
        Regional and county-seat lines: ``regional_a × (P_min / 1000) ** regional_e ×
        (car_h) ** -regional_g``, ``car_h`` the modelled car time between the ends (h).
    rail_a, rail_e
        Rail-like lines: ``rail_a × (G / 1e6) ** rail_e`` with the gravity
        ``G = P_a P_b / d_km²``.
    max_local, max_regional, max_rail
        Caps on departures per direction.
    """

    bus_factor: float = 1.15
    bus_dwell_s: float = 60.0
    bus_town_s: float = 600.0
    rail_factor: float = 0.6
    rail_dwell_s: float = 120.0
    local_a: float = 3.0
    local_e: float = 0.5
    regional_a: float = 4.0
    regional_e: float = 0.6
    regional_g: float = 0.5
    rail_a: float = 12.0
    rail_e: float = 0.25
    max_local: int = 20
    max_regional: int = 40
    max_rail: int = 40

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict (for cache keys and feed_info)."""
        return asdict(self)

    def with_(self, **changes: Any) -> Rules:
        """A copy with some parameters changed."""
        return replace(self, **changes)


#: The rules the modelled feed is generated with. Fitted once with
#: ``calibration.fit_rules(Rules())`` on the 17 ``fit`` journeys (Nelder-Mead, see its
#: docstring) and rounded to 3 significant digits: the fit cost (Σ squared bounded log
#: residuals) fell from 2.61 to 1.45 (times) and from 11.1 to 5.0 (departures).
#: ``bus_town_s`` went to 0 (its lower bound): adding time at town stops did not
#: improve the fit. The rail-like parameters keep their set values (see
#: ``calibration._TIME_PARAMS``): 0.6 × car time is Stockholm-Göteborg's 172 min
#: (J01, fastest train) / 296 min modelled car time on the same path.
FITTED_RULES = Rules(
    bus_factor=0.992,
    bus_dwell_s=96.7,
    bus_town_s=0.0,
    rail_factor=0.6,
    rail_dwell_s=120.0,
    local_a=4.17,
    local_e=0.680,
    regional_a=1.86,
    regional_e=0.546,
    regional_g=0.674,
    rail_a=12.1,
    rail_e=0.271,
)


def all_constants() -> dict[str, Any]:
    """Every module-level rule constant (for the cache key and feed_info)."""
    return {k: v for k, v in globals().items() if k.isupper() and not k.startswith("_")}
