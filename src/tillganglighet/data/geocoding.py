"""Geocode place names (orter) to coordinates, restricted to their municipality.

A place is matched against the GeoNames populated places (cities500) of the same
municipality, in this order (the method is recorded per point):

1. ``override`` - a row of ``geodata/geocoding_overrides.csv`` (places GeoNames lacks,
   city districts, an airport); each row names its source.
2. ``geonames_name`` - a GeoNames place of the municipality whose name equals the place
   name (case-, hyphen- and space-insensitive); the most populous if several.
3. ``geonames_alternate`` - the same on GeoNames' alternate names.
4. ``municipality_main_settlement`` - only for offices named after the municipality
   itself (e.g. "Af Mark", "Af Ale"): the municipality's most populous place, which is
   its central locality (Kinna, Nödinge). Allowed only when ``place`` equals the
   municipality's name.

Anything else raises :class:`~tillganglighet.DataIntegrityError`: a point is never
placed silently at a guess. Coordinates are EPSG:3006 metres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd
from pyproj import Transformer

from tillganglighet._resources import geodata_path
from tillganglighet.data.geodata import municipalities, settlements
from tillganglighet.errors import DataIntegrityError

GEOCODE_METHODS = (
    "override",
    "geonames_name",
    "geonames_alternate",
    "municipality_main_settlement",
)


@dataclass(frozen=True)
class GeocodedPlace:
    """Result of geocoding one place.

    Attributes
    ----------
    x_m, y_m
        Coordinates in EPSG:3006 (metres).
    method
        One of :data:`GEOCODE_METHODS`.
    matched
        What the place was matched to (GeoNames name and id, or the override source).
    """

    x_m: float
    y_m: float
    method: str
    matched: str


def _from_record(record: dict[str, object], method: str, suffix: str = "") -> GeocodedPlace:
    """Return a :class:`GeocodedPlace` at a GeoNames record's coordinates."""
    return GeocodedPlace(
        float(record["x_m"]),  # type: ignore[arg-type]
        float(record["y_m"]),  # type: ignore[arg-type]
        method,
        f"GeoNames {record['name']} ({record['geonameid']}){suffix}",
    )


def normalise_name(name: str) -> str:
    """Return ``name`` folded for matching: lower case, hyphens and spaces removed."""
    return re.sub(r"[\s\-‐–/.]+", "", str(name)).casefold()


@cache
def _wgs84_to_sweref() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


@cache
def _overrides() -> pd.DataFrame:
    df = pd.read_csv(
        geodata_path("geocoding_overrides.csv"),
        dtype={"kommun_kod": str, "geonameid": "Int64"},
        comment="#",
    )
    df["key"] = df["place"].map(normalise_name) + "@" + df["kommun_kod"]
    dup = df["key"].duplicated(keep=False)
    if dup.any():
        raise DataIntegrityError(
            f"geocoding_overrides.csv: duplicate place/kommun rows {df.loc[dup, 'place'].tolist()}"
        )
    return df.set_index("key")


@dataclass(frozen=True)
class _GazetteerIndex:
    """Lookup tables over the GeoNames places, keyed by ``(kommun_kod, normalised name)``.

    Each key maps to the most populous matching place (ties: lowest geonameid).
    """

    by_name: dict[tuple[str, str], dict[str, object]]
    by_alternate: dict[tuple[str, str], dict[str, object]]
    main_settlement: dict[str, dict[str, object]]
    by_id: dict[int, dict[str, object]]


@cache
def _index() -> _GazetteerIndex:
    st = pd.DataFrame(settlements().drop(columns="geometry"))
    st = st[st["kommun_kod"].notna()].sort_values(
        ["population", "geonameid"], ascending=[False, True]
    )
    by_name: dict[tuple[str, str], dict[str, object]] = {}
    by_alternate: dict[tuple[str, str], dict[str, object]] = {}
    main_settlement: dict[str, dict[str, object]] = {}
    for rec in st.to_dict("records"):
        kommun = str(rec["kommun_kod"])
        by_name.setdefault((kommun, normalise_name(rec["name"])), rec)
        for alt in str(rec["alternatenames"] or "").split("|"):
            if alt:
                by_alternate.setdefault((kommun, normalise_name(alt)), rec)
        if pd.isna(rec["section_of"]):
            main_settlement.setdefault(kommun, rec)
    by_id = {int(r["geonameid"]): r for r in st.to_dict("records")}
    return _GazetteerIndex(by_name, by_alternate, main_settlement, by_id)


@cache
def _kommun_names() -> dict[str, str]:
    m = municipalities()
    return dict(zip(m["kommun_kod"], m["kommun"], strict=True))


def geocode_place(place: str, kommun_kod: str) -> GeocodedPlace:
    """Geocode one place name within its municipality.

    Parameters
    ----------
    place
        The place (ort) as named in the report, e.g. ``"Sveg"`` or ``"Tärnaby"``.
    kommun_kod
        4-digit SCB code of the municipality the place lies in.

    Returns
    -------
    GeocodedPlace
        Coordinates in EPSG:3006 metres and the method used.
    """
    norm = normalise_name(place)
    key = norm + "@" + kommun_kod
    overrides = _overrides()
    index = _index()
    if key in overrides.index:
        row = overrides.loc[key]
        if pd.notna(row["geonameid"]):
            hit = index.by_id.get(int(row["geonameid"]))
            if hit is None:
                raise DataIntegrityError(
                    f"geocoding_overrides.csv: geonameid {row['geonameid']} of {place!r} "
                    "is not a Swedish cities500 place"
                )
            return _from_record(hit, "override", f"; {row['source']}")
        x, y = _wgs84_to_sweref().transform(float(row["lon"]), float(row["lat"]))
        return GeocodedPlace(round(x, 1), round(y, 1), "override", str(row["source"]))
    hit = index.by_name.get((kommun_kod, norm))
    if hit is not None:
        return _from_record(hit, "geonames_name")
    hit = index.by_alternate.get((kommun_kod, norm))
    if hit is not None:
        return _from_record(hit, "geonames_alternate")
    if normalise_name(_kommun_names().get(kommun_kod, "")) == norm:
        hit = index.main_settlement.get(kommun_kod)
        if hit is not None:
            return _from_record(
                hit, "municipality_main_settlement", ", largest place of the municipality"
            )
    raise DataIntegrityError(
        f"Cannot geocode place {place!r} in municipality {kommun_kod} "
        f"({_kommun_names().get(kommun_kod, 'unknown code')}): no GeoNames place of that name "
        "in the municipality. Add a row to geodata/geocoding_overrides.csv with its source."
    )
