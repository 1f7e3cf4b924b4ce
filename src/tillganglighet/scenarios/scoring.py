"""Score scenarios from one travel-time matrix: a min over active columns (pure arrays).

Inputs are arrays only (spopt's ``from_matrix`` style): an origins × candidates matrix
of **minutes** (float32, ``inf`` = unreachable), origin population (persons), the
municipality and FA-region index of each origin and the FA-region of each candidate,
and per scenario an active mask and the kind of each candidate. No routing happens
here: a scenario costs a few microseconds.

The definitions follow :mod:`tillganglighet.accessibility` exactly:

* an origin's time is the minimum over the scenario's active columns (*anywhere*), or
  over the active columns in the origin's own FA-region (*FA rule*, the report's
  wording in Bilaga 2);
* a municipality's time is the population-weighted mean over its reachable origins
  (unweighted if their population sums to 0; ``inf`` if none is reachable); it is
  **beyond the threshold** (a gap) when that mean is greater than the threshold
  ("within" means ``<=``);
* people beyond the threshold: the population of origins whose time is greater than
  the threshold (unreachable included);
* national mean: population-weighted mean over reachable origins; 90th percentile:
  the smallest time ``t`` such that origins with time ``<= t`` hold at least 90 % of
  the population (unreachable origins count as ``inf``);
* FA-regions within the guideline: FA-regions none of whose municipalities is a gap;
* staff travel (Bilaga 2: staff should reach planned visits without overly long
  trips): for every active point that is not a staffed office, the time from the
  nearest active staffed office to it (``staff_min[s, j]`` = minutes from candidate
  ``s`` to candidate ``j``); reported as the mean and maximum over those points and the
  number of points farther than the threshold.

Two implementations compute the same numbers: :func:`score_reference` (plain numpy,
one scenario, the definition) and :func:`score_batch` (a compiled kernel that walks
each origin's candidates in order of time and stops at the first active one; numba,
falling back to numpy when numba is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _adapters as ad
from .model import STAFFED

#: Per-scenario summary columns of :func:`score_batch`, with their meaning (units).
SUMMARY_COLUMNS: dict[str, str] = {
    "municipalities_beyond": "municipalities whose mean time exceeds the threshold",
    "population_beyond": "persons in origins farther than the threshold",
    "population_unreachable": "persons in origins with no reachable point",
    "mean_time_min": "population-weighted mean time of reachable origins (minutes)",
    "p90_time_min": "population-weighted 90th percentile time (minutes)",
    "worst_municipality": "index of the municipality with the highest mean time",
    "worst_time_min": "mean time of the worst municipality (minutes)",
    "fa_regions_within": "FA-regions with no municipality beyond the threshold",
}
READINGS = ("", "_fa")
#: Sorted candidates per origin the compiled kernel keeps in a compact prefix array.
PREFIX = 16


@dataclass(frozen=True)
class ScoringProblem:
    """The arrays every scenario of one network and mode is scored against.

    Parameters
    ----------
    times_min
        ``(n_origins, n_candidates)`` minutes origin -> candidate, ``inf`` unreachable.
    population
        ``(n_origins,)`` persons.
    municipality
        ``(n_origins,)`` int index of each origin's municipality, ``0..n_municipalities-1``.
    origin_fa
        ``(n_origins,)`` int index of each origin's FA-region.
    candidate_fa
        ``(n_candidates,)`` int index of each candidate's FA-region.
    n_municipalities
        Number of municipalities (every one must have an origin).
    municipality_fa
        ``(n_municipalities,)`` FA-region index of each municipality.
    staff_min
        Optional ``(n_candidates, n_candidates)`` minutes from candidate ``s`` to ``j``.
    """

    times_min: np.ndarray
    population: np.ndarray
    municipality: np.ndarray
    origin_fa: np.ndarray
    candidate_fa: np.ndarray
    n_municipalities: int
    municipality_fa: np.ndarray
    staff_min: np.ndarray | None = None
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        t = np.asarray(self.times_min)
        if t.ndim != 2:
            raise ad.InputValidationError(f"times_min: expected 2-D, got shape {t.shape}")
        n_o, n_c = t.shape
        object.__setattr__(self, "times_min", np.ascontiguousarray(t, dtype=np.float32))
        for name, n in (
            ("population", n_o),
            ("municipality", n_o),
            ("origin_fa", n_o),
            ("candidate_fa", n_c),
            ("municipality_fa", self.n_municipalities),
        ):
            a = np.asarray(getattr(self, name))
            if a.shape != (n,):
                raise ad.InputValidationError(f"{name}: expected shape ({n},), got {a.shape}")
        if np.isnan(self.times_min).any() or (self.times_min < 0).any():
            raise ad.InputValidationError("times_min: NaN or negative minutes")
        pop = np.asarray(self.population, dtype=np.float64)
        if not np.isfinite(pop).all() or (pop < 0).any():
            raise ad.InputValidationError("population: must be finite and >= 0")
        object.__setattr__(self, "population", pop)
        for name in ("municipality", "origin_fa", "candidate_fa", "municipality_fa"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        present = np.bincount(self.municipality, minlength=self.n_municipalities)
        if present.size != self.n_municipalities or (present == 0).any():
            raise ad.InputValidationError("municipality: every municipality needs an origin")
        if self.staff_min is not None:
            s = np.ascontiguousarray(self.staff_min, dtype=np.float32)
            if s.shape != (n_c, n_c):
                raise ad.InputValidationError(f"staff_min: expected ({n_c}, {n_c}), got {s.shape}")
            object.__setattr__(self, "staff_min", s)

    @property
    def n_origins(self) -> int:
        """Number of origins (rows)."""
        return int(self.times_min.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidates (columns)."""
        return int(self.times_min.shape[1])

    @property
    def times_fa_min(self) -> np.ndarray:
        """The matrix with columns outside each origin's FA-region set to ``inf``."""
        if "times_fa" not in self._derived:
            same = self.origin_fa[:, None] == self.candidate_fa[None, :]
            self._derived["times_fa"] = np.where(same, self.times_min, np.float32(np.inf))
        return self._derived["times_fa"]

    def sorted_orders(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per origin, candidate indices by increasing time (anywhere, FA rule, staff)."""
        if "orders" not in self._derived:
            o_any = np.argsort(self.times_min, axis=1, kind="stable").astype(np.int32)
            o_fa = np.argsort(self.times_fa_min, axis=1, kind="stable").astype(np.int32)
            o_staff = None
            if self.staff_min is not None:
                # Row j: candidates s ordered by time s -> j.
                o_staff = np.argsort(self.staff_min.T, axis=1, kind="stable").astype(np.int32)
            self._derived["orders"] = (o_any, o_fa, o_staff)
        return self._derived["orders"]

    def prefixes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The first :data:`PREFIX` entries of each origin's sorted candidates and their
        times (anywhere, FA rule): small contiguous arrays the kernel reads first."""
        if "prefixes" not in self._derived:
            o_any, o_fa, _ = self.sorted_orders()
            k = min(PREFIX, self.n_candidates)
            rows = np.arange(self.n_origins)[:, None]
            pa = np.ascontiguousarray(o_any[:, :k])
            pf = np.ascontiguousarray(o_fa[:, :k])
            self._derived["prefixes"] = (
                pa,
                np.ascontiguousarray(self.times_min[rows, pa]),
                pf,
                np.ascontiguousarray(self.times_fa_min[rows, pf]),
            )
        return self._derived["prefixes"]

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Origin weights for municipality means, and whether each origin's municipality
        has population > 0 (else its mean is unweighted)."""
        if "weights" not in self._derived:
            muni_pop = np.bincount(self.municipality, self.population, self.n_municipalities)
            self._derived["weights"] = (self.population, muni_pop > 0)
        return self._derived["weights"]


# --------------------------------------------------------------------- reference


def _weighted_p90(t: np.ndarray, w: np.ndarray) -> float:
    keep = w > 0
    if not keep.any():
        return float("inf")
    t, w = t[keep], w[keep]
    order = np.argsort(t, kind="stable")
    cum = np.cumsum(w[order])
    k = int(np.searchsorted(cum, 0.9 * cum[-1] * (1 - 1e-12), side="left"))
    return float(t[order][min(k, len(t) - 1)])


def score_reference(
    problem: ScoringProblem, active: np.ndarray, kind: np.ndarray, threshold_min: float
) -> dict[str, Any]:
    """Score one scenario with plain numpy (the definition; slow but obvious).

    Parameters
    ----------
    problem
        The matrix and origin data.
    active
        ``(n_candidates,)`` bool.
    kind
        ``(n_candidates,)`` int kind codes.
    threshold_min
        Minutes; within means ``<=``.

    Returns
    -------
    dict
        The :data:`SUMMARY_COLUMNS` for both readings (suffix ``""`` and ``"_fa"``),
        ``staff_mean_min``, ``staff_max_min``, ``staff_points_beyond``, and per
        municipality ``municipality_mean_min`` / ``municipality_mean_fa_min`` arrays.
    """
    thr = float(threshold_min)
    active = np.asarray(active, dtype=bool)
    out: dict[str, Any] = {}
    pop = problem.population
    for suffix, matrix in (("", problem.times_min), ("_fa", problem.times_fa_min)):
        t = np.where(active[None, :], matrix, np.inf).min(axis=1, initial=np.inf)
        t = t.astype(np.float64)
        means = np.empty(problem.n_municipalities)
        for m in range(problem.n_municipalities):
            sel = problem.municipality == m
            tm, wm = t[sel], pop[sel]
            fin = np.isfinite(tm)
            if not fin.any():
                means[m] = np.inf
            elif wm[fin].sum() > 0:
                means[m] = np.average(tm[fin], weights=wm[fin])
            else:
                means[m] = tm[fin].mean()
        gap = means > thr
        fin = np.isfinite(t)
        out["municipalities_beyond" + suffix] = int(gap.sum())
        out["population_beyond" + suffix] = float(pop[t > thr].sum())
        out["population_unreachable" + suffix] = float(pop[~fin].sum())
        out["mean_time_min" + suffix] = (
            float(np.average(t[fin], weights=pop[fin])) if pop[fin].sum() > 0 else np.inf
        )
        out["p90_time_min" + suffix] = _weighted_p90(t, pop)
        worst = int(np.argmax(means))
        out["worst_municipality" + suffix] = worst
        out["worst_time_min" + suffix] = float(means[worst])
        fa_ids = np.unique(problem.municipality_fa)
        out["fa_regions_within" + suffix] = int(
            sum(not gap[problem.municipality_fa == f].any() for f in fa_ids)
        )
        out["municipality_mean" + suffix + "_min"] = means
    out.update(_staff_reference(problem, active, np.asarray(kind), thr))
    return out


def _staff_reference(
    problem: ScoringProblem, active: np.ndarray, kind: np.ndarray, thr: float
) -> dict[str, float]:
    if problem.staff_min is None:
        return {"staff_mean_min": np.nan, "staff_max_min": np.nan, "staff_points_beyond": -1}
    staffed = active & (kind == STAFFED)
    targets = active & (kind != STAFFED)
    if not targets.any():
        return {"staff_mean_min": 0.0, "staff_max_min": 0.0, "staff_points_beyond": 0}
    t = np.where(staffed[:, None], problem.staff_min, np.inf).min(axis=0)[targets]
    t = t.astype(np.float64)
    return {
        "staff_mean_min": float(t.mean()),
        "staff_max_min": float(t.max()),
        "staff_points_beyond": int((t > thr).sum()),
    }


# ------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class BatchScores:
    """Scores of many scenarios (row ``s`` = scenario ``s``).

    Attributes
    ----------
    summary
        Column name -> ``(n_scenarios,)`` array: :data:`SUMMARY_COLUMNS` with suffix
        ``""`` (nearest anywhere) and ``"_fa"`` (FA rule), plus ``staff_mean_min``,
        ``staff_max_min``, ``staff_points_beyond``.
    municipality_mean_min, municipality_mean_fa_min
        ``(n_scenarios, n_municipalities)`` float32 minutes, or None when not kept.
    """

    summary: dict[str, np.ndarray]
    municipality_mean_min: np.ndarray | None
    municipality_mean_fa_min: np.ndarray | None


def score_batch(
    problem: ScoringProblem,
    active: np.ndarray,
    kind: np.ndarray,
    threshold_min: float | np.ndarray,
    *,
    keep_municipalities: bool = True,
    engine: str = "auto",
) -> BatchScores:
    """Score many scenarios at once.

    Parameters
    ----------
    problem
        The matrix and origin data.
    active
        ``(n_scenarios, n_candidates)`` bool active masks.
    kind
        ``(n_scenarios, n_candidates)`` int8 kind codes, or ``(n_candidates,)`` shared.
    threshold_min
        Minutes, one for all or ``(n_scenarios,)``.
    keep_municipalities
        Return the per-municipality means (``n_scenarios × n_municipalities`` float32).
    engine
        ``"numba"``, ``"numpy"`` or ``"auto"`` (numba when importable).

    Returns
    -------
    BatchScores
    """
    active = np.ascontiguousarray(np.atleast_2d(active), dtype=np.bool_)
    n_s, n_c = active.shape
    if n_c != problem.n_candidates:
        raise ad.InputValidationError(
            f"active: {n_c} columns, the matrix has {problem.n_candidates} candidates"
        )
    kind = np.asarray(kind, dtype=np.int8)
    if kind.ndim == 1:
        kind = np.broadcast_to(kind, active.shape)
    kind = np.ascontiguousarray(kind)
    thr = np.broadcast_to(np.asarray(threshold_min, dtype=np.float64), (n_s,)).copy()
    if not (np.isfinite(thr).all() and (thr > 0).all()):
        raise ad.InputValidationError("threshold_min: must be finite minutes > 0")
    kernel = _kernel(engine)
    o_any, o_fa, o_staff = problem.sorted_orders()
    pa, ta, pf, tf = problem.prefixes()
    w, weighted = problem.weights()
    has_staff = problem.staff_min is not None
    staff = problem.staff_min if has_staff else np.zeros((1, 1), np.float32)
    o_staff_arr = o_staff if o_staff is not None else np.zeros((1, 1), np.int32)
    n_m = problem.n_municipalities
    n_fa = int(problem.municipality_fa.max()) + 1
    summ = np.zeros((n_s, 16), dtype=np.float64)
    mm = (
        np.zeros((n_s, n_m), dtype=np.float32)
        if keep_municipalities
        else np.zeros((1, n_m), np.float32)
    )
    mmf = np.zeros_like(mm)
    kernel(
        problem.times_min,
        problem.times_fa_min,
        o_any,
        o_fa,
        pa,
        ta,
        pf,
        tf,
        staff,
        o_staff_arr,
        has_staff,
        w,
        weighted,
        problem.municipality,
        problem.municipality_fa,
        n_m,
        n_fa,
        active,
        kind,
        thr,
        STAFFED,
        summ,
        mm,
        mmf,
        keep_municipalities,
    )
    names = list(SUMMARY_COLUMNS)
    summary: dict[str, np.ndarray] = {}
    for r, suffix in enumerate(READINGS):
        for c, name in enumerate(names):
            col = summ[:, r * 8 + c]
            if name in ("municipalities_beyond", "worst_municipality", "fa_regions_within"):
                col = col.astype(np.int64)
            summary[name + suffix] = col
    staff_cols = _staff_batch(problem, active, kind, thr) if has_staff else None
    if staff_cols is None:
        summary.update(
            {
                "staff_mean_min": np.full(n_s, np.nan),
                "staff_max_min": np.full(n_s, np.nan),
                "staff_points_beyond": np.full(n_s, -1, dtype=np.int64),
            }
        )
    else:
        summary.update(staff_cols)
    return BatchScores(
        summary, mm if keep_municipalities else None, mmf if keep_municipalities else None
    )


def _staff_batch(
    problem: ScoringProblem, active: np.ndarray, kind: np.ndarray, thr: np.ndarray
) -> dict[str, np.ndarray]:
    n_s = active.shape[0]
    mean, mx, beyond = np.zeros(n_s), np.zeros(n_s), np.zeros(n_s, dtype=np.int64)
    _, _, o_staff = problem.sorted_orders()
    staff = problem.staff_min
    assert staff is not None and o_staff is not None
    kern = _staff_kernel()
    kern(staff, o_staff, active, kind, thr, STAFFED, mean, mx, beyond)
    return {"staff_mean_min": mean, "staff_max_min": mx, "staff_points_beyond": beyond}


# ------------------------------------------------------------------- the kernels


def _batch_py(
    times,
    times_fa,
    o_any,
    o_fa,
    pa,
    ta,
    pf,
    tf,
    staff,
    o_staff,
    has_staff,
    w,
    weighted,
    muni,
    muni_fa,
    n_m,
    n_fa,
    active,
    kind,
    thr,
    staffed_code,
    summ,
    mm,
    mmf,
    keep,
):  # pragma: no cover - compiled by numba; the numpy engine has its own loop
    n_s = active.shape[0]
    n_o, n_c = times.shape
    n_p = pa.shape[1]
    t = np.empty(n_o, dtype=np.float64)
    sw = np.empty(n_m)
    sf = np.empty(n_m)
    st = np.empty(n_m)
    nf = np.empty(n_m)
    means = np.empty(n_m)
    fa_gap = np.empty(n_fa, dtype=np.bool_)
    fa_seen = np.zeros(n_fa, dtype=np.bool_)
    n_bins = 600
    hist = np.empty(n_bins + 1)
    sel = np.empty(n_o, dtype=np.int64)
    for m in range(n_m):
        fa_seen[muni_fa[m]] = True
    total_w = 0.0
    for i in range(n_o):
        total_w += w[i]
    for s in range(n_s):
        act = active[s]
        for r in range(2):
            mat = times if r == 0 else times_fa
            order = o_any if r == 0 else o_fa
            pre_o = pa if r == 0 else pf
            pre_t = ta if r == 0 else tf
            for i in range(n_o):
                best = np.inf
                found = False
                for k in range(n_p):
                    v = pre_t[i, k]
                    if v == np.inf:
                        found = True
                        break
                    if act[pre_o[i, k]]:
                        best = v
                        found = True
                        break
                if not found:
                    for k in range(n_p, n_c):
                        j = order[i, k]
                        v = mat[i, j]
                        if v == np.inf:
                            break
                        if act[j]:
                            best = v
                            break
                t[i] = best
            sw[:] = 0.0
            sf[:] = 0.0
            st[:] = 0.0
            nf[:] = 0.0
            beyond = 0.0
            unreach = 0.0
            tot_fw = 0.0
            tot_fwt = 0.0
            for i in range(n_o):
                m = muni[i]
                ti = t[i]
                if ti > thr[s]:
                    beyond += w[i]
                if ti < np.inf:
                    sw[m] += w[i] * ti
                    sf[m] += w[i]
                    st[m] += ti
                    nf[m] += 1.0
                    tot_fw += w[i]
                    tot_fwt += w[i] * ti
                else:
                    unreach += w[i]
            n_gap = 0
            worst = 0
            fa_gap[:] = False
            for m in range(n_m):
                if nf[m] == 0:
                    mean = np.inf
                elif weighted[m] and sf[m] > 0:
                    mean = sw[m] / sf[m]
                else:
                    mean = st[m] / nf[m]
                means[m] = mean
                if mean > thr[s]:
                    n_gap += 1
                    fa_gap[muni_fa[m]] = True
                if mean > means[worst]:
                    worst = m
            n_fa_ok = 0
            for f in range(n_fa):
                if fa_seen[f] and not fa_gap[f]:
                    n_fa_ok += 1
            # Weighted 90th percentile: bucket the times by whole minutes, find the
            # bucket where the cumulative weight crosses 90 %, sort only that bucket.
            p90 = np.inf
            if total_w > 0:
                target = 0.9 * total_w * (1 - 1e-12)
                hist[:] = 0.0
                for i in range(n_o):
                    ti = t[i]
                    b = n_bins if ti == np.inf else min(int(ti), n_bins - 1)
                    hist[b] += w[i]
                cum = 0.0
                hit = n_bins
                for b in range(n_bins + 1):
                    if cum + hist[b] >= target and hist[b] > 0:
                        hit = b
                        break
                    cum += hist[b]
                if hit < n_bins:
                    n_in = 0
                    for i in range(n_o):
                        ti = t[i]
                        if ti < np.inf and min(int(ti), n_bins - 1) == hit:
                            sel[n_in] = i
                            n_in += 1
                    vals = np.empty(n_in)
                    for k in range(n_in):
                        vals[k] = t[sel[k]]
                    idx = np.argsort(vals)
                    for k in range(n_in):
                        i = sel[idx[k]]
                        cum += w[i]
                        if cum >= target and w[i] > 0:
                            p90 = t[i]
                            break
            base = r * 8
            summ[s, base + 0] = n_gap
            summ[s, base + 1] = beyond
            summ[s, base + 2] = unreach
            summ[s, base + 3] = tot_fwt / tot_fw if tot_fw > 0 else np.inf
            summ[s, base + 4] = p90
            summ[s, base + 5] = worst
            summ[s, base + 6] = means[worst]
            summ[s, base + 7] = n_fa_ok
            if keep:
                if r == 0:
                    for m in range(n_m):
                        mm[s, m] = means[m]
                else:
                    for m in range(n_m):
                        mmf[s, m] = means[m]


def _staff_py(staff, o_staff, active, kind, thr, staffed_code, mean, mx, beyond):
    # pragma: no cover - compiled by numba
    n_s, n_c = active.shape
    for s in range(n_s):
        total = 0.0
        count = 0
        worst = 0.0
        nb = 0
        for j in range(n_c):
            if not active[s, j] or kind[s, j] == staffed_code:
                continue
            best = np.inf
            for k in range(n_c):
                src = o_staff[j, k]
                v = staff[src, j]
                if v == np.inf:
                    break
                if active[s, src] and kind[s, src] == staffed_code:
                    best = v
                    break
            total += best
            count += 1
            if best > worst:
                worst = best
            if best > thr[s]:
                nb += 1
        mean[s] = total / count if count else 0.0
        mx[s] = worst
        beyond[s] = nb


def _numpy_batch(
    times,
    times_fa,
    o_any,
    o_fa,
    pa,
    ta,
    pf,
    tf,
    staff,
    o_staff,
    has_staff,
    w,
    weighted,
    muni,
    muni_fa,
    n_m,
    n_fa,
    active,
    kind,
    thr,
    staffed_code,
    summ,
    mm,
    mmf,
    keep,
):
    """The same outputs as the compiled kernel, computed scenario by scenario in numpy."""
    n_o = times.shape[0]
    fa_ids = np.unique(muni_fa)
    for s in range(active.shape[0]):
        for r, mat in enumerate((times, times_fa)):
            t = np.where(active[s][None, :], mat, np.inf).min(axis=1, initial=np.inf)
            t = t.astype(np.float64)
            fin = np.isfinite(t)
            tf = np.where(fin, t, 0.0)
            sw = np.bincount(muni, w * tf, n_m)
            sf = np.bincount(muni, w * fin, n_m)
            st = np.bincount(muni, tf, n_m)
            nf = np.bincount(muni, fin.astype(float), n_m)
            with np.errstate(invalid="ignore", divide="ignore"):
                means = np.where(
                    weighted & (sf > 0), sw / np.where(sf > 0, sf, 1), st / np.where(nf > 0, nf, 1)
                )
            means[nf == 0] = np.inf
            gap = means > thr[s]
            base = r * 8
            summ[s, base + 0] = gap.sum()
            summ[s, base + 1] = w[t > thr[s]].sum()
            summ[s, base + 2] = w[~fin].sum()
            summ[s, base + 3] = (
                (w[fin] * t[fin]).sum() / w[fin].sum() if w[fin].sum() > 0 else np.inf
            )
            summ[s, base + 4] = _weighted_p90(t, w) if n_o else np.inf
            worst = int(np.argmax(means))
            summ[s, base + 5] = worst
            summ[s, base + 6] = means[worst]
            summ[s, base + 7] = sum(not gap[muni_fa == f].any() for f in fa_ids)
            if keep:
                (mm if r == 0 else mmf)[s] = means


def _numpy_staff(staff, o_staff, active, kind, thr, staffed_code, mean, mx, beyond):
    for s in range(active.shape[0]):
        staffed = active[s] & (kind[s] == staffed_code)
        targets = active[s] & (kind[s] != staffed_code)
        if not targets.any():
            mean[s] = mx[s] = 0.0
            beyond[s] = 0
            continue
        t = np.where(staffed[:, None], staff, np.inf).min(axis=0)[targets].astype(float)
        mean[s], mx[s], beyond[s] = t.mean(), t.max(), int((t > thr[s]).sum())


_COMPILED: dict[str, Any] = {}


def numba_available() -> bool:
    """Whether the compiled kernel can be used (numba importable)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _kernel(engine: str) -> Any:
    if engine not in ("auto", "numba", "numpy"):
        raise ad.InputValidationError(f"engine: {engine!r}; use auto, numba or numpy")
    if engine == "numpy" or (engine == "auto" and not numba_available()):
        _COMPILED["use_numpy"] = True
        return _numpy_batch
    _COMPILED["use_numpy"] = False
    if "batch" not in _COMPILED:
        import numba

        _COMPILED["batch"] = numba.njit(cache=True, nogil=True)(_batch_py)
    return _COMPILED["batch"]


def _staff_kernel() -> Any:
    if _COMPILED.get("use_numpy"):
        return _numpy_staff
    if "staff" not in _COMPILED:
        import numba

        _COMPILED["staff"] = numba.njit(cache=True, nogil=True)(_staff_py)
    return _COMPILED["staff"]
