"""Annual cost of a scenario's network, and the report's jobseeker rule.

Cost model
----------
A scenario's annual cost (SEK per year) is the sum over its booked-meeting points of a
cost per point by kind. Only premises costs are modelled: the report gives no per-office
staff or travel costs, so none are assumed. The default figures per point are derived
from the report (slutredovisning lokal närvaro, 2020-10-23, section 7, footnote 39):

* *cooperation solution* (any ``cooperation_*`` kind): "ca 100 samarbetslösningar i
  andras, till exempel kommuners, lokaler. Hyreskostnaden ... är ca 8 mkr per år":
  SEK 8,000,000 / 100 = **SEK 80,000 per solution and year**. The report's figure is
  for solutions in others' premises; it is applied to solutions in AF's own premises
  too (no separate figure exists).
* *own office* (``staffed_office``, ``visiting_office``, ``office_before_closure``):
  "Arbetsförmedlingens förändringar avseende det egna kontorsnätet innebär
  hyresbesparingar motsvarande 80 mkr per år" for the 126 places of Bilaga 5:
  SEK 80,000,000 / 126 = **SEK 634,921 per office and year** (premises management
  costs, "förvaltningskostnader för myndighetens egna lokaler"). Staffed and visiting
  offices get the same figure: the report does not split it.

Both are averages: the report gives totals only. Override any figure with a TOML file
(``[cost]`` table, ``<kind> = SEK per year``) or :meth:`CostModel.with_costs`.

Jobseeker rule
--------------
Bilaga 2: "Kommuner med mer än 4 000 inskrivna arbetssökande bör ha minst ett fast
bemannat arbetsförmedlingskontor". With a user table of registered jobseekers per
municipality, a municipality with more than 4,000 and no active ``staffed_office`` in it
is flagged.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import _adapters as ad
from .model import KINDS, STAFFED

REPORT_COOPERATION_TOTAL_SEK = 8_000_000.0
REPORT_COOPERATION_COUNT = 100
REPORT_RENT_SAVED_SEK = 80_000_000.0
REPORT_CLOSURE_PLACES = 126
COOPERATION_SEK = REPORT_COOPERATION_TOTAL_SEK / REPORT_COOPERATION_COUNT
OWN_OFFICE_SEK = REPORT_RENT_SAVED_SEK / REPORT_CLOSURE_PLACES
#: The report's rule (Bilaga 2): more than this many registered jobseekers -> at least one
#: staffed office in the municipality.
JOBSEEKER_LIMIT = 4000

_SOURCE_COOP = (
    "Slutredovisning lokal närvaro 2020-10-23, footnote 39: ca 8 mkr per år for "
    "ca 100 samarbetslösningar -> 8,000,000 / 100"
)
_SOURCE_OWN = (
    "Slutredovisning lokal närvaro 2020-10-23, footnote 39: hyresbesparingar 80 mkr "
    "per år for the 126 places of Bilaga 5 -> 80,000,000 / 126"
)


def _defaults() -> dict[str, float]:
    out = {}
    for k in KINDS:
        out[k] = COOPERATION_SEK if k.startswith("cooperation") else OWN_OFFICE_SEK
    return out


@dataclass(frozen=True)
class CostModel:
    """Annual cost per booked-meeting point, by kind (SEK per year).

    Attributes
    ----------
    annual_sek
        Kind -> SEK per point and year.
    sources
        Kind -> how the figure was derived.
    """

    annual_sek: dict[str, float] = field(default_factory=_defaults)
    sources: dict[str, str] = field(
        default_factory=lambda: {
            k: _SOURCE_COOP if k.startswith("cooperation") else _SOURCE_OWN for k in KINDS
        }
    )

    def with_costs(self, costs: dict[str, float], source: str = "user") -> CostModel:
        """Return a copy with some kinds' costs replaced (SEK per point and year)."""
        bad = sorted(set(costs) - set(KINDS))
        if bad:
            raise ad.InputValidationError(f"cost: unknown kind(s) {bad}; use {list(KINDS)}")
        for k, v in costs.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < 0:
                raise ad.InputValidationError(f"cost: {k} must be SEK >= 0, got {v!r}")
        return replace(
            self,
            annual_sek={**self.annual_sek, **{k: float(v) for k, v in costs.items()}},
            sources={**self.sources, **dict.fromkeys(costs, source)},
        )

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> CostModel:
        """Read ``[cost]`` (``<kind> = SEK per year``) from a TOML file over the defaults."""
        p = Path(path)
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ad.InputValidationError(f"{p}: cannot read cost model: {exc}") from None
        table = doc.get("cost")
        if not isinstance(table, dict):
            raise ad.InputValidationError(f"{p}: expected a [cost] table of <kind> = SEK")
        try:
            return cls().with_costs(table, source=str(p))
        except ad.InputValidationError as exc:
            raise ad.InputValidationError(f"{p}: {exc}") from None

    def vector(self) -> np.ndarray:
        """SEK per year of each kind code (:data:`~tillganglighet.scenarios.model.KIND_CODE`)."""
        return np.array([self.annual_sek[k] for k in KINDS], dtype=np.float64)

    def annual_cost(self, active: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """SEK per year of each scenario (rows of ``active`` / ``kind``)."""
        active = np.atleast_2d(active)
        kind = np.broadcast_to(kind, active.shape)
        return np.where(active, self.vector()[kind], 0.0).sum(axis=1)

    def table(self) -> pd.DataFrame:
        """The figures as a table: kind, SEK per point and year, source."""
        return pd.DataFrame(
            {
                "kind": list(KINDS),
                "annual_sek_per_point": [self.annual_sek[k] for k in KINDS],
                "source": [self.sources[k] for k in KINDS],
            }
        )


def read_jobseekers(path: str | os.PathLike[str]) -> pd.Series:
    """Read registered jobseekers per municipality from a CSV file.

    Parameters
    ----------
    path
        CSV with ``kommun_kod`` (4 digits) or ``kommun`` (name) and
        ``registered_jobseekers`` (persons, integer >= 0).

    Returns
    -------
    pandas.Series
        Persons, indexed by ``kommun_kod``.
    """
    p = Path(path)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ad.InputValidationError(f"{p}: cannot read jobseeker table: {exc}") from None
    df.index = np.arange(2, len(df) + 2)  # line numbers, header = line 1
    kommuner = ad.municipalities()
    by_name = {
        n.casefold(): c for n, c in zip(kommuner["kommun"], kommuner["kommun_kod"], strict=True)
    }
    codes_known = set(kommuner["kommun_kod"])
    if "registered_jobseekers" not in df:
        raise ad.MissingColumnError(f"{p}: missing column 'registered_jobseekers'")
    problems: list[str] = []
    codes = []
    for line, row in df.iterrows():
        code = row.get("kommun_kod", "").strip()
        if code:
            code = code.zfill(4)
            if code not in codes_known:
                problems.append(f"{p}:{line}: kommun_kod {row['kommun_kod']!r} is unknown")
        elif row.get("kommun", "").strip():
            code = by_name.get(row["kommun"].strip().casefold(), "")
            if not code:
                problems.append(f"{p}:{line}: kommun {row['kommun']!r} is unknown")
        else:
            problems.append(f"{p}:{line}: kommun_kod or kommun is required")
        codes.append(code)
    values = pd.to_numeric(df["registered_jobseekers"].str.strip(), errors="coerce")
    for line in df.index[values.isna() | (values < 0) | (values % 1 != 0)]:
        problems.append(
            f"{p}:{line}: registered_jobseekers "
            f"{df.loc[line, 'registered_jobseekers']!r} is not a whole number >= 0"
        )
    series = pd.Series(values.to_numpy(), index=codes, name="registered_jobseekers")
    dup = series.index[series.index.duplicated() & (series.index != "")]
    for code in sorted(set(dup)):
        lines = [str(ln) for ln, c in zip(df.index, codes, strict=True) if c == code]
        problems.append(
            f"{p}:{lines[1]}: municipality {code} listed twice (lines {', '.join(lines)})"
        )
    if problems:
        raise ad.InputValidationError("\n".join(problems[:20]))
    return series.astype("int64")


def jobseeker_breaks(
    active: np.ndarray,
    kind: np.ndarray,
    candidate_municipality: np.ndarray,
    jobseekers: np.ndarray,
    *,
    limit: int = JOBSEEKER_LIMIT,
) -> np.ndarray:
    """Municipalities breaking the rule: more than ``limit`` jobseekers, no staffed office.

    Parameters
    ----------
    active, kind
        ``(n_scenarios, n_candidates)`` masks and kind codes (or 1-D for one scenario).
    candidate_municipality
        ``(n_candidates,)`` municipality index of each candidate.
    jobseekers
        ``(n_municipalities,)`` registered jobseekers (persons); ``-1`` = unknown.
    limit
        The rule's limit (persons; "more than").

    Returns
    -------
    numpy.ndarray
        ``(n_scenarios, n_municipalities)`` bool, True where the rule is broken.
    """
    active = np.atleast_2d(active)
    kind = np.broadcast_to(kind, active.shape)
    n_m = len(jobseekers)
    staffed = active & (kind == STAFFED)
    counts = np.zeros((active.shape[0], n_m), dtype=np.int64)
    for s in range(active.shape[0]):
        counts[s] = np.bincount(candidate_municipality[staffed[s]], minlength=n_m)
    return (np.asarray(jobseekers)[None, :] > limit) & (counts == 0)
