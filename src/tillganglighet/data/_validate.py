"""Checks of user-supplied data, shared by every public entry point.

Each check returns a new, normalised object or raises an
:class:`~tillganglighet.errors.InputValidationError` (or a subclass). Messages start
with the file path (when there is one), name the field, and list up to
:data:`MAX_REPORTED` offending rows ("... and N more"), so that all problems of one kind
can be fixed in one go.

Row numbers are taken from the index of the checked frame or series: a loader puts the
number a user would look for there (CSV: the line in the file, header = line 1;
GeoPackage: the fid) and describes it with a :class:`Where`. For in-memory frames use
``Where()``, which reports index labels as "row <label>".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from tillganglighet.errors import CRSError, InputValidationError, MissingColumnError

#: At most this many offending rows are listed in one message.
MAX_REPORTED = 10
#: Points at sea (on no land of Natural Earth 1:10m, geodata/nordic_land.parquet) count
#: as Swedish when at most this far (metres) from the municipality polygons. The
#: simplified polygons leave out islands: the tool's own origins Styrsö, Donsö and
#: Brännö lie 7.4, 7.3 and 5.7 km from them (geodata/settlements.csv,
#: distance_to_polygon_m), so the tolerance is 10 km.
SEA_TOLERANCE_M = 10_000.0
#: A point on a neighbour's land (Norway, Finland, Denmark by Natural Earth 1:10m) is
#: refused when it lies farther than this (metres) from Swedish land: Natural Earth's
#: 1:10m border is only this accurate (Riksgränsen, Swedish, falls 416 m inside
#: Norway by it), so closer points are accepted.
BORDER_TOLERANCE_M = 500.0
#: Points outside every municipality polygon (coast, islands, simplified borders) get
#: the nearest municipality when it is at most this far away (metres); the same
#: tolerance as at sea, for the same islands.
NEAREST_KOMMUN_MAX_M = SEA_TOLERANCE_M
#: A point whose given municipality code names a municipality farther away than this
#: (metres) is refused as a mismatch (a Kiruna cell labelled 0180).
KOMMUN_LABEL_TOLERANCE_M = SEA_TOLERANCE_M
SWEREF99TM = "EPSG:3006"

_CODE_RE = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class Where:
    """Where checked data comes from: the file path and what its row numbers are called.

    Parameters
    ----------
    path
        File the data was read from, or None for in-memory data.
    row_word
        Name of the row numbers kept in the index: ``"line"`` (CSV), ``"fid"``
        (GeoPackage) or ``"row"``.
    """

    path: str | None = None
    row_word: str = "row"

    def prefix(self) -> str:
        """Return ``"<path>: "``, or an empty string for in-memory data."""
        return f"{self.path}: " if self.path else ""

    def row(self, label: Hashable) -> str:
        """Return how a user finds one row, e.g. ``"line 5"``."""
        return f"{self.row_word} {label}"


def fail(
    exc_type: type[InputValidationError], where: Where, headline: str, items: Sequence[str]
) -> NoReturn:
    """Raise ``exc_type`` with a headline and up to MAX_REPORTED listed problems."""
    shown = list(items[:MAX_REPORTED])
    message = where.prefix() + headline + "".join(f"\n  {item}" for item in shown)
    if len(items) > len(shown):
        message += f"\n  ... and {len(items) - len(shown)} more"
    raise exc_type(message)


def _quoted(names: Sequence[Hashable]) -> str:
    return ", ".join(repr(str(n)) for n in names)


def require_columns(
    df: pd.DataFrame, columns: Sequence[str], *, where: Where, purpose: str = ""
) -> None:
    """Raise MissingColumnError naming missing and available columns (case-sensitive)."""
    missing = [c for c in columns if c not in df.columns]
    if not missing:
        return
    available = [c for c in df.columns if c != getattr(df, "_geometry_column_name", None)]
    message = f"missing required column(s) {_quoted(missing)}{purpose}; "
    message += f"available columns: {_quoted(available) or 'none'}"
    lower = {str(c).lower(): c for c in available}
    near = [f"{lower[m.lower()]!r} for {m!r}" for m in missing if m.lower() in lower]
    if near:
        message += f" (column names are case-sensitive: found {', '.join(near)})"
    raise MissingColumnError(where.prefix() + message)


def as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def ids(values: pd.Series, *, where: Where) -> pd.Series:
    """Return ``values`` as non-empty strings; raise on missing or duplicated ids."""
    field = values.name
    missing = values.isna() | (values.astype(str).str.strip() == "")
    if missing.any():
        items = [f"{where.row(label)}: empty" for label in values.index[missing]]
        fail(InputValidationError, where, f"column {field!r}: {len(items)} missing id(s):", items)
    out = values.map(as_text).astype(str)
    unique(out, where=where)
    return out


def unique(values: pd.Series, *, where: Where) -> None:
    """Raise naming each duplicated value and all the rows that carry it."""
    dup = values[values.duplicated(keep=False) & values.notna()]
    if dup.empty:
        return
    items = []
    for value, group in dup.groupby(dup, sort=False):
        rows = [where.row(label) for label in group.index]
        items.append(f"value {value!r} on {', '.join(rows[:-1])} and {rows[-1]}")
    fail(
        InputValidationError,
        where,
        f"column {values.name!r} must be unique; {len(items)} duplicated value(s):",
        items,
    )


@cache
def _kommuner() -> gpd.GeoDataFrame:
    from tillganglighet.data.geodata import municipalities

    return municipalities()


def _normalise_code(value: object) -> str | None:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)  # integer codes in a column with gaps come back as floats
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        text = str(int(value))
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    return text.zfill(4) if _CODE_RE.fullmatch(text) else None


def _suggest_code(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        return ""
    table = _kommuner()
    by_name = {n.lower(): (k, n) for k, n in zip(table["kommun_kod"], table["kommun"], strict=True)}
    key = name.strip().lower()
    match = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.6)
    if key in by_name or match:
        code, found = by_name[key if key in by_name else match[0]]
        return f"; did you mean {code!r} ({found})?"
    return ""


def kommun_codes(values: pd.Series, *, where: Where, names: pd.Series | None = None) -> pd.Series:
    """Return SCB municipality codes as 4-digit strings (``180`` -> ``"0180"``).

    Raise naming each row whose value is missing, malformed or not one of the 290
    municipalities; if ``names`` (municipality names, same index) is given, suggest the
    code of the nearest matching name.
    """
    valid = set(_kommuner()["kommun_kod"])
    codes = values.map(_normalise_code)
    items = []
    for label, value, code in zip(values.index, values, codes, strict=True):
        if code in valid:
            continue
        hint = _suggest_code(names.get(label)) if names is not None else ""
        if value is None or (isinstance(value, float) and np.isnan(value)):
            items.append(f"{where.row(label)}: missing{hint}")
        elif code is None:
            items.append(f"{where.row(label)}: {value!r} is not a 4-digit code{hint}")
        else:
            items.append(f"{where.row(label)}: unknown code {value!r}{hint}")
    if items:
        fail(
            InputValidationError,
            where,
            f"column {values.name!r}: {len(items)} invalid municipality code(s) "
            "(SCB kommunkod, e.g. '0180' for Stockholm):",
            items,
        )
    return codes.astype(str).rename(values.name)


def numbers(
    values: pd.Series, *, where: Where, non_negative: bool = False, integer: bool = False
) -> pd.Series:
    """Return ``values`` as finite floats; raise naming rows that are not numbers.

    Numbers must use ``.`` as decimal separator and no thousands separators: ``"12 000"``
    and ``"1,5"`` are rejected with a hint rather than guessed. With ``integer`` (counts of
    persons) a value with a fractional part (``12.7``) is refused too.
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        text = values.astype("string").str.strip().astype(object)
        parsed = pd.to_numeric(text, errors="coerce")
    else:
        parsed = values
    parsed = parsed.astype(float)
    arr = parsed.to_numpy()
    suspect = ~np.isfinite(arr)  # missing, not a number, infinite
    if non_negative:
        suspect |= arr < 0
    if integer:
        with np.errstate(invalid="ignore"):
            suspect |= np.isfinite(arr) & (arr != np.floor(arr))
    items = []
    for i in np.flatnonzero(suspect):  # only the rows that may be wrong: fast on big files
        problem = _number_problem(
            values.iloc[i], arr[i], non_negative=non_negative, integer=integer
        )
        if problem:
            items.append(f"{where.row(values.index[i])}: {problem}")
    if items:
        expected = "a non-negative finite number" if non_negative else "a finite number"
        if integer:
            expected = "a whole number of persons, 0 or more"
        fail(
            InputValidationError,
            where,
            f"column {values.name!r}: {len(items)} invalid value(s) (expected {expected}):",
            items,
        )
    return parsed


def at_most(values: pd.Series, maximum: float, *, where: Where, why: str) -> None:
    """Raise naming each row whose value exceeds ``maximum`` (``why`` says what it bounds)."""
    over = values[values > maximum]
    if over.empty:
        return
    items = [f"{where.row(label)}: {value:,.0f}" for label, value in over.items()]
    fail(
        InputValidationError,
        where,
        f"column {values.name!r}: {len(items)} implausible value(s), above {maximum:,.0f} ({why}):",
        items,
    )


def duplicated_features(gdf: pd.DataFrame, *, where: Where) -> None:
    """Raise naming features (or CSV rows) that repeat another one exactly.

    Compared are the geometry (if any) and every attribute. A feature copied twice
    would count its people twice.
    """
    if isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns:
        key = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
        key["__wkb__"] = gdf.geometry.to_wkb(hex=True)
    else:
        key = pd.DataFrame(gdf).astype(str)
    dup = key.duplicated(keep=False)
    if not dup.any():
        return
    items = []
    for _, group in key[dup].groupby(list(key.columns), sort=False):
        rows = [where.row(label) for label in group.index]
        items.append(f"{', '.join(rows[:-1])} and {rows[-1]} are identical")
    fail(
        InputValidationError,
        where,
        f"{len(items)} feature(s) repeated with identical geometry and attributes; their "
        "people would be counted more than once (remove the copies):",
        items,
    )


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _number_problem(
    raw: object, number: float, *, non_negative: bool, integer: bool = False
) -> str | None:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
        return "missing value"
    if np.isnan(number):
        text = str(raw)
        if any(ch in text for ch in " \u00a0\u202f"):
            return f"{text!r} is not a number (remove the space used as thousands separator)"
        if "," in text:
            return f"{text!r} is not a number (use '.' as decimal separator)"
        return f"{text!r} is not a number"
    if not np.isfinite(number):
        return f"{raw!r} is not finite"
    if non_negative and number < 0:
        return f"{raw!r} is negative"
    if integer and number != np.floor(number):
        return f"{raw!r} is not a whole number"
    return None


def _is_undefined_crs(crs: object) -> bool:
    """True for the placeholder CRS some GDAL versions attach to data saved without one."""
    name = str(getattr(crs, "name", "") or "")
    return name.startswith("Undefined") or name.lower() == "unknown"


def require_crs(gdf: gpd.GeoDataFrame, *, where: Where) -> None:
    """Raise CRSError, with the fix, when ``gdf`` has no (or only a placeholder) CRS."""
    if gdf.crs is None or _is_undefined_crs(gdf.crs):
        raise CRSError(
            f"{where.prefix()}the geometry has no coordinate reference system (CRS); "
            "set it with gdf.set_crs(...), e.g. gdf.set_crs('EPSG:3006') for SWEREF 99 TM "
            "metres or gdf.set_crs('EPSG:4326') for longitude/latitude, and save again"
        )


def points(
    gdf: gpd.GeoDataFrame,
    *,
    where: Where,
    polygons: Literal["error", "representative_point"] = "error",
) -> gpd.GeoSeries:
    """Return the geometry as points; raise naming missing, invalid or non-point rows.

    With ``polygons="representative_point"``, (multi)polygons are replaced by a point
    guaranteed to lie inside them (used only where the caller documents it).
    """
    geom = gdf.geometry
    field = f"column {geom.name!r}"
    missing = geom.isna() | geom.is_empty
    if missing.any():
        items = [f"{where.row(label)}: no geometry" for label in geom.index[missing]]
        fail(InputValidationError, where, f"{field}: {len(items)} missing geometries:", items)
    invalid = ~geom.is_valid
    if invalid.any():
        reasons = shapely.is_valid_reason(geom[invalid].to_numpy())
        items = [
            f"{where.row(lab)}: {r}" for lab, r in zip(geom.index[invalid], reasons, strict=True)
        ]
        fail(
            InputValidationError,
            where,
            f"{field}: {len(items)} invalid geometries (repair them, e.g. with gdf.make_valid()):",
            items,
        )
    kinds = geom.geom_type
    allowed = {"Point"}
    if polygons == "representative_point":
        allowed |= {"Polygon", "MultiPolygon"}
    wrong = ~kinds.isin(list(allowed))
    if wrong.any():
        items = [
            f"{where.row(lab)}: {k}" for lab, k in zip(geom.index[wrong], kinds[wrong], strict=True)
        ]
        expected = " or ".join(sorted(allowed))
        fail(
            InputValidationError,
            where,
            f"{field}: {len(items)} geometries are not {expected}:",
            items,
        )
    is_polygon = kinds != "Point"
    if not is_polygon.any():
        return geom.copy()
    out = geom.copy()
    out[is_polygon] = geom[is_polygon].representative_point()
    return out


@cache
def _land() -> tuple[STRtree, np.ndarray, STRtree, np.ndarray]:
    """Natural Earth land pieces: (tree, geometries) of the Swedish and foreign ones."""
    from tillganglighet._resources import geodata_path

    land = gpd.read_parquet(geodata_path("nordic_land.parquet"))
    swedish = land.geometry[land["sweden"]].to_numpy()
    foreign = land.geometry[~land["sweden"]].to_numpy()
    return STRtree(swedish), swedish, STRtree(foreign), foreign


@cache
def _kommun_tree() -> tuple[STRtree, np.ndarray]:
    geoms = _kommuner().geometry.to_numpy()
    return STRtree(geoms), geoms


@cache
def _sweden_union() -> shapely.Geometry:
    """The union of the municipality polygons, prepared (fast point-in-polygon)."""
    union = shapely.union_all(shapely.make_valid(_kommuner().geometry.to_numpy()))
    shapely.prepare(union)
    return union


@cache
def _prepared_kommuner() -> tuple[np.ndarray, np.ndarray]:
    geoms = shapely.from_wkb(shapely.to_wkb(_kommuner().geometry.to_numpy()))  # own copies
    shapely.prepare(geoms)
    return geoms, shapely.bounds(geoms)


def kommun_index(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row of :func:`_kommuner` whose polygon contains each point (EPSG:3006), or -1.

    Vectorised point-in-polygon: points sorted by x, each polygon tests only the points
    in its bounding box with :func:`shapely.contains_xy` on the prepared polygon (about
    10 times faster than an STRtree ``within`` query; 2,000,000 points in a few seconds).
    Where polygons overlap, the first in table order wins.
    """
    geoms, bounds = _prepared_kommuner()
    out = np.full(len(x), -1, dtype=np.int64)
    finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    order = finite[np.argsort(x[finite], kind="stable")]
    xs = x[order]
    for j, (minx, miny, maxx, maxy) in enumerate(bounds):
        lo = np.searchsorted(xs, minx, side="left")
        hi = np.searchsorted(xs, maxx, side="right")
        cand = order[lo:hi]
        cand = cand[(y[cand] >= miny) & (y[cand] <= maxy) & (out[cand] < 0)]
        if len(cand):
            hit = shapely.contains_xy(geoms[j], x[cand], y[cand])
            out[cand[hit]] = j
    return out


def outside_sweden(x: np.ndarray, y: np.ndarray) -> list[str | None]:
    """For each point (EPSG:3006 metres), None if it counts as Sweden, else why not.

    A point counts as Sweden when it lies in a municipality polygon; or on Swedish land
    by Natural Earth 1:10m (``geodata/nordic_land.parquet``), which the simplified
    polygons miss in places; or at sea within :data:`SEA_TOLERANCE_M` of the polygons.
    It is refused on a neighbour's land (Norway, Finland, Denmark) farther than
    :data:`BORDER_TOLERANCE_M` from Swedish land, at sea farther than the sea
    tolerance, or without a finite position. The bounding box is not used: Oslo and
    Tornio lie inside Sweden's.
    """
    reasons: list[str | None] = [None] * len(x)
    finite = np.isfinite(x) & np.isfinite(y)
    for i in np.flatnonzero(~finite):
        reasons[i] = "no valid position"
    idx = np.flatnonzero(finite)
    if not len(idx):
        return reasons
    ktree, _ = _kommun_tree()
    inside = shapely.contains_xy(_sweden_union(), x[idx], y[idx])
    rest = np.flatnonzero(~inside)
    if not len(rest):
        return reasons
    se_tree, _, fo_tree, _ = _land()
    pts_r = shapely.points(x[idx][rest], y[idx][rest])
    on_se = np.zeros(len(rest), bool)
    on_se[se_tree.query(pts_r, predicate="within")[0]] = True
    on_fo = np.zeros(len(rest), bool)
    on_fo[fo_tree.query(pts_r, predicate="within")[0]] = True
    abroad = np.flatnonzero(on_fo & ~on_se)
    if len(abroad):
        (near_pt, _), dist = se_tree.query_nearest(pts_r[abroad], return_distance=True)
        first = ~pd.Series(near_pt).duplicated().to_numpy()
        for p, d in zip(near_pt[first], dist[first], strict=True):
            if d > BORDER_TOLERANCE_M:
                reasons[idx[rest[abroad[p]]]] = (
                    "on land outside Sweden (Norway, Finland or Denmark by Natural Earth "
                    f"1:10m), {d / 1000:.1f} km from Swedish land"
                )
    sea = np.flatnonzero(~on_se & ~on_fo)
    if len(sea):
        (near_pt, _), dist = ktree.query_nearest(pts_r[sea], return_distance=True)
        first = ~pd.Series(near_pt).duplicated().to_numpy()
        for p, d in zip(near_pt[first], dist[first], strict=True):
            if d > SEA_TOLERANCE_M:
                reasons[idx[rest[sea[p]]]] = (
                    f"at sea {d / 1000:.1f} km from the nearest municipality (more than "
                    f"{SEA_TOLERANCE_M / 1000:.0f} km)"
                )
    return reasons


def to_sweref_in_sweden(
    gdf: gpd.GeoDataFrame, *, where: Where, field: str | None = None
) -> gpd.GeoDataFrame:
    """Return ``gdf`` (point geometry, CRS set) in EPSG:3006; raise for points outside Sweden.

    See :func:`outside_sweden` for what counts as Sweden (municipality polygons, land
    by Natural Earth 1:10m, and a sea tolerance of :data:`SEA_TOLERANCE_M` metres).
    """
    out = gdf.to_crs(SWEREF99TM)
    x, y = out.geometry.x.to_numpy(), out.geometry.y.to_numpy()
    reasons = outside_sweden(x, y)
    if not any(reasons):
        return out
    src = gdf.crs.to_string()
    ox, oy = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    items = [
        f"{where.row(label)}: ({_num(ox[i])}, {_num(oy[i])}) in {src} -> "
        + (
            f"({x[i]:.0f}, {y[i]:.0f}) in EPSG:3006: {reasons[i]}"
            if np.isfinite([x[i], y[i]]).all()
            else "no valid position in EPSG:3006"
        )
        for i, label in enumerate(gdf.index)
        if reasons[i]
    ]
    field = field or f"column {gdf.geometry.name!r}"
    fail(
        InputValidationError,
        where,
        f"{field}: {len(items)} point(s) outside Sweden after transforming from {src} to "
        "EPSG:3006 (Sweden = the municipalities, Swedish land, and the sea within "
        f"{SEA_TOLERANCE_M / 1000:.0f} km of the coast); are latitude and longitude "
        "swapped, or is the CRS wrong (e.g. SWEREF 99 TM metres labelled EPSG:4326)?",
        items,
    )


def check_kommun_location(
    geometry: gpd.GeoSeries, codes: pd.Series, *, where: Where, field: str
) -> None:
    """Raise naming points whose given municipality code does not match their location.

    A point may lie up to :data:`KOMMUN_LABEL_TOLERANCE_M` metres outside the
    (simplified) polygon of the municipality its code names (islands, borders).
    """
    table = _kommuner().set_index("kommun_kod")
    x, y = geometry.x.to_numpy(), geometry.y.to_numpy()
    code_arr = codes.to_numpy()
    bad: list[tuple[int, str, float]] = []
    for code in pd.unique(code_arr):
        sel = np.flatnonzero(code_arr == code)
        poly = table.geometry[code]
        shapely.prepare(poly)
        outside = sel[~shapely.contains_xy(poly, x[sel], y[sel])]
        if not len(outside):
            continue
        dist = shapely.distance(poly, shapely.points(x[outside], y[outside]))
        bad.extend((int(i), str(code), float(d)) for i, d in zip(outside, dist, strict=True)
                   if d > KOMMUN_LABEL_TOLERANCE_M)  # fmt: skip
    if not bad:
        return
    bad.sort()
    actual = assign_kommun(
        gpd.GeoSeries(shapely.points(x[[i for i, _, _ in bad]], y[[i for i, _, _ in bad]])),
        where=Where(),
        field=field,
        strict=False,
    )
    names = dict(zip(table.index, table["kommun"], strict=True))
    items = []
    for (i, code, d), found in zip(bad, actual, strict=True):
        lies = f"lies in {found} ({names[found]})" if isinstance(found, str) else "lies elsewhere"
        items.append(
            f"{where.row(geometry.index[i])}: {field} {code} ({names[code]}) but the point "
            f"{lies}, {d / 1000:.0f} km from {names[code]}"
        )
    fail(
        InputValidationError,
        where,
        f"column {field!r}: {len(items)} point(s) lie more than "
        f"{KOMMUN_LABEL_TOLERANCE_M / 1000:.0f} km from the municipality their code names "
        "(fix the code or the coordinates, or drop the column to assign by location):",
        items,
    )


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def assign_kommun(
    geometry: gpd.GeoSeries, *, where: Where, field: str = "kommun_kod", strict: bool = True
) -> pd.Series:
    """Return the municipality code of each point (EPSG:3006) by point-in-polygon.

    Points outside every polygon (coast, islands, simplified borders) get the nearest
    municipality within NEAREST_KOMMUN_MAX_M metres; farther points raise, naming the row
    (with ``strict=False`` they get None).
    """
    table = _kommuner()
    tree, _ = _kommun_tree()
    pts = geometry.to_numpy()
    codes = np.full(len(pts), None, dtype=object)
    found = kommun_index(geometry.x.to_numpy(), geometry.y.to_numpy())
    inside = found >= 0
    codes[inside] = table["kommun_kod"].to_numpy()[found[inside]]
    rest = np.flatnonzero(~inside)
    if len(rest):
        (near_pt, near_poly), dist = tree.query_nearest(pts[rest], return_distance=True)
        first = ~pd.Series(near_pt).duplicated().to_numpy()
        near_pt, near_poly, dist = near_pt[first], near_poly[first], dist[first]
        close = dist <= NEAREST_KOMMUN_MAX_M
        codes[rest[near_pt[close]]] = table["kommun_kod"].to_numpy()[near_poly[close]]
        far = [
            f"{where.row(geometry.index[rest[p]])}: ({pts[rest[p]].x:.0f}, "
            f"{pts[rest[p]].y:.0f}) in EPSG:3006 is {d / 1000:.1f} km from the nearest "
            f"municipality ({table['kommun'].iloc[q]})"
            for p, q, d in zip(near_pt[~close], near_poly[~close], dist[~close], strict=True)
        ]
        if far and strict:
            fail(
                InputValidationError,
                where,
                f"column {field!r} is absent, so municipalities are assigned by location; "
                f"{len(far)} point(s) lie more than {NEAREST_KOMMUN_MAX_M / 1000:.0f} km "
                f"from every municipality (add a {field!r} column or fix the coordinates):",
                far,
            )
    return pd.Series(codes, index=geometry.index, name="kommun_kod", dtype=str)
