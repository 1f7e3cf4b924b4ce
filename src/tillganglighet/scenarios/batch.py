"""Batch scoring: many scenarios, resumable, optionally in parallel on Dask.

Each scenario becomes a :class:`Job` (its active mask and kinds packed into bytes, its
threshold and rule). Jobs are scored in chunks (hundreds per task: Dask's per-task
overhead is 0.2–1 ms, a scenario ~10–60 µs). Every finished scenario is written at once
to ``<out>/results/<key>.json`` through a temporary file and a rename, so a crash never
leaves a half-written result and loses nothing finished; a rerun skips every scenario
whose result exists with the same input digest (matrix, mask, kinds, settings, cost
model, jobseeker table), and recomputes the others.

Parallelism: ``scheduler="local"`` (default) starts a ``distributed.LocalCluster``
(processes, one thread each) when there is more than one chunk; a ``"tcp://host:port"``
address connects to a running scheduler; a ``distributed.Client`` is used as given;
``None`` scores in this process. Results are written by the calling process as tasks
finish, so workers need no shared file system.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _adapters as ad
from .cost import JOBSEEKER_LIMIT, CostModel
from .matrix import Matrices
from .model import STAFFED, ResolvedScenario
from .scoring import ScoringProblem, score_batch

#: Change in a municipality's mean time (minutes) below which it counts as unchanged.
CHANGE_TOLERANCE_MIN = 0.05
RESULT_VERSION = 1


@dataclass(frozen=True)
class Job:
    """One scenario to score, in a compact form that travels cheaply to workers.

    Attributes
    ----------
    key
        File-name-safe unique key (slug of the name + hash).
    name
        Scenario name.
    active, kind
        Packed active mask (``np.packbits``) and int8 kind codes (bytes).
    threshold_min, fa_rule, reference
        Settings and the name of the network it is compared with.
    digest
        Hash of everything the result depends on.
    """

    key: str
    name: str
    active: bytes
    kind: bytes
    threshold_min: float
    fa_rule: str
    reference: str
    digest: str


def scenario_key(name: str) -> str:
    """File-name-safe key of a scenario name: slug (<= 60 chars) + 10 hex of its hash."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60] or "scenario"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:10]}"


@dataclass(frozen=True)
class BatchContext:
    """What every job of a batch shares: matrix digest, costs, jobseekers (per municipality)."""

    matrix_digest: str
    cost_per_kind: np.ndarray
    candidate_municipality: np.ndarray
    jobseekers: np.ndarray | None
    municipality_population: np.ndarray
    kommun_kod: list[str]

    @classmethod
    def of(
        cls,
        matrices: Matrices,
        cost_model: CostModel | None = None,
        jobseekers: pd.Series | None = None,
    ) -> BatchContext:
        """Build the context of a :class:`~tillganglighet.scenarios.matrix.Matrices`."""
        p = matrices.problem
        h = hashlib.sha256()
        for a in (p.times_min, p.population, p.municipality, p.candidate_fa, p.origin_fa):
            h.update(np.ascontiguousarray(a).tobytes())
        if p.staff_min is not None:
            h.update(p.staff_min.tobytes())
        h.update(",".join(matrices.candidates.ids).encode())
        codes = matrices.municipalities["kommun_kod"].tolist()
        idx = {k: i for i, k in enumerate(codes)}
        js = None
        if jobseekers is not None:
            js = np.full(len(codes), -1, dtype=np.int64)
            for k, v in jobseekers.items():
                js[idx[str(k)]] = int(v)
        cm = cost_model or CostModel()
        return cls(
            h.hexdigest(),
            cm.vector(),
            matrices.candidates.frame["kommun_kod"].map(idx).to_numpy(dtype=np.int64),
            js,
            matrices.municipalities["population"].to_numpy(dtype=float),
            codes,
        )

    def digest_of(
        self, active: bytes, kind: bytes, threshold: float, fa_rule: str, reference: str
    ) -> str:
        h = hashlib.sha256()
        h.update(
            f"v{RESULT_VERSION}|{self.matrix_digest}|{threshold!r}|{fa_rule}|{reference}|".encode()
        )
        h.update(active)
        h.update(kind)
        h.update(self.cost_per_kind.tobytes())
        if self.jobseekers is not None:
            h.update(self.jobseekers.tobytes())
        return h.hexdigest()


def make_job(r: ResolvedScenario, context: BatchContext) -> Job:
    """Pack a resolved scenario into a :class:`Job`."""
    active = np.packbits(r.active.astype(bool)).tobytes()
    kind = np.asarray(r.kind, dtype=np.int8).tobytes()
    return Job(
        scenario_key(r.name),
        r.name,
        active,
        kind,
        float(r.threshold_min),
        r.fa_rule,
        r.reference,
        context.digest_of(active, kind, float(r.threshold_min), r.fa_rule, r.reference),
    )


def _unpack(jobs: Sequence[Job], n_c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    active = np.stack(
        [np.unpackbits(np.frombuffer(j.active, np.uint8), count=n_c) for j in jobs]
    ).astype(bool)
    kind = np.stack([np.frombuffer(j.kind, np.int8) for j in jobs])
    thr = np.array([j.threshold_min for j in jobs])
    return active, kind, thr


def score_jobs(
    problem: ScoringProblem,
    jobs: Sequence[Job],
    context: BatchContext,
    references: dict[str, np.ndarray],
    *,
    keep_municipalities: bool = True,
) -> list[dict[str, Any]]:
    """Score a chunk of jobs (the task every worker runs).

    Parameters
    ----------
    problem
        The matrix and origin data.
    jobs
        The chunk.
    context
        Shared costs and jobseekers.
    references
        Reference name -> ``(2, n_municipalities)`` mean minutes (anywhere, FA rule).
    keep_municipalities
        Store per-municipality means in the records.

    Returns
    -------
    list of dict
        One JSON-ready record per job (see :func:`load_results`).
    """
    active, kind, thr = _unpack(jobs, problem.n_candidates)
    scores = score_batch(problem, active, kind, thr, keep_municipalities=True)
    mm, mmf = scores.municipality_mean_min, scores.municipality_mean_fa_min
    assert mm is not None and mmf is not None
    cost = np.where(active, context.cost_per_kind[kind], 0.0).sum(axis=1)
    staffed = active & (kind == STAFFED)
    out = []
    for s, job in enumerate(jobs):
        rec: dict[str, Any] = {
            "key": job.key,
            "name": job.name,
            "digest": job.digest,
            "reference": job.reference,
            "threshold_min": job.threshold_min,
            "fa_rule": job.fa_rule,
        }
        for col, values in scores.summary.items():
            v = values[s]
            rec[col] = int(v) if np.issubdtype(values.dtype, np.integer) else float(v)
        suffix = "_fa" if job.fa_rule == "own_fa_region" else ""
        rec["municipalities_beyond_rule"] = rec["municipalities_beyond" + suffix]
        rec["population_beyond_rule"] = rec["population_beyond" + suffix]
        rec["n_points"] = int(active[s].sum())
        rec["n_staffed_offices"] = int(staffed[s].sum())
        rec["annual_cost_sek"] = float(cost[s])
        means = np.stack([mm[s], mmf[s]])
        if context.jobseekers is not None:
            counts = np.bincount(
                context.candidate_municipality[staffed[s]], minlength=len(context.jobseekers)
            )
            breaks = np.flatnonzero((context.jobseekers > JOBSEEKER_LIMIT) & (counts == 0))
            rec["jobseeker_rule_breaks"] = int(breaks.size)
            rec["jobseeker_rule_break_kommun_kod"] = [context.kommun_kod[i] for i in breaks]
        ref = references.get(job.reference)
        if ref is not None:
            r = 1 if job.fa_rule == "own_fa_region" else 0
            rec.update(_change(means[r], ref[r], context.municipality_population))
        if keep_municipalities:
            rec["municipality_mean_min"] = _json_floats(means[0])
            rec["municipality_mean_fa_min"] = _json_floats(means[1])
        out.append(rec)
    return out


def _change(new: np.ndarray, ref: np.ndarray, pop: np.ndarray) -> dict[str, Any]:
    with np.errstate(invalid="ignore"):
        d = new.astype(float) - ref.astype(float)
    both = np.isfinite(new) & np.isfinite(ref)
    d_f = np.where(both, d, 0.0)
    w = pop if pop[both].sum() > 0 else np.ones_like(pop)
    return {
        "municipalities_worse": int(
            (both & (d > CHANGE_TOLERANCE_MIN)).sum() + (np.isinf(new) & np.isfinite(ref)).sum()
        ),
        "municipalities_better": int(
            (both & (d < -CHANGE_TOLERANCE_MIN)).sum() + (np.isfinite(new) & np.isinf(ref)).sum()
        ),
        "max_loss_min": float(max(d_f.max(initial=0.0), 0.0)),
        "max_gain_min": float(max(-d_f.min(initial=0.0), 0.0)),
        "mean_change_min": float((w[both] * d_f[both]).sum() / w[both].sum())
        if both.any() and w[both].sum() > 0
        else 0.0,
    }


def _json_floats(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 4) for v in a]


def _write_record(folder: Path, rec: dict[str, Any]) -> None:
    text = json.dumps(rec, ensure_ascii=False, sort_keys=True, allow_nan=True)
    path = folder / f"{rec['key']}.json"
    # Atomic against crashes of this process: the rename is atomic; no fsync per
    # file (thousands of results), the operating system flushes them.
    with ad.atomic.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _finished(folder: Path, jobs: Sequence[Job]) -> set[str]:
    done = set()
    for job in jobs:
        path = folder / f"{job.key}.json"
        if not path.is_file():
            continue
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable: recompute
        if rec.get("digest") == job.digest:
            done.add(job.key)
    return done


@dataclass
class BatchReport:
    """What a batch run did: keys scored now, keys skipped as already finished."""

    scored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    results_dir: Path = Path()


def chunks(items: Sequence[Job], size: int) -> Iterator[list[Job]]:
    """Split ``items`` into lists of at most ``size``."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def run_batch(
    jobs: Iterable[Job],
    matrices: Matrices,
    out_dir: str | os.PathLike[str],
    *,
    context: BatchContext | None = None,
    references: dict[str, np.ndarray] | None = None,
    scheduler: Any = "local",
    n_workers: int = 2,
    chunk_size: int = 500,
    keep_municipalities: bool = True,
    progress: Callable[[int, int], None] | None = None,
    connect_timeout: float = 10.0,
) -> BatchReport:
    """Score jobs, writing each result atomically as it finishes; skip finished ones.

    Parameters
    ----------
    jobs
        Jobs (from :func:`make_job`); keys must be unique.
    matrices
        The matrices the jobs were made for.
    out_dir
        Output folder; results go to ``<out_dir>/results/``.
    context
        The batch context the jobs' digests were made with (default: built from
        ``matrices`` with the default cost model and no jobseekers).
    references
        Reference name -> ``(2, n_municipalities)`` means, for the change columns.
    scheduler
        ``"local"`` (a LocalCluster of ``n_workers`` processes, used when there is more
        than one chunk), a scheduler address, a ``distributed.Client``, or None (this
        process).
    n_workers
        Workers of the local cluster.
    chunk_size
        Scenarios per task.
    keep_municipalities
        Store per-municipality means (needed for maps and change tables).
    progress
        Called with (finished, total) after each chunk.
    connect_timeout
        Seconds to wait for a scheduler address.

    Returns
    -------
    BatchReport
    """
    jobs = list(jobs)
    keys = [j.key for j in jobs]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})[:5]
        raise ad.InputValidationError(f"batch: duplicate scenario keys {dup}")
    context = context or BatchContext.of(matrices)
    references = references or {}
    folder = Path(out_dir) / "results"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ad.OutputWriteError(f"{folder}: cannot create results folder: {exc}") from None
    done = _finished(folder, jobs)
    todo = [j for j in jobs if j.key not in done]
    report = BatchReport(skipped=sorted(done), results_dir=folder)
    parts = list(chunks(todo, chunk_size))
    total = len(todo)
    problem = matrices.problem
    problem.sorted_orders()  # computed once, shipped with the problem

    def finish(records: list[dict[str, Any]]) -> None:
        for rec in records:
            _write_record(folder, rec)
            report.scored.append(rec["key"])
        if progress:
            progress(len(report.scored), total)

    if not parts:
        return report
    client, owned = _client(scheduler, n_workers, len(parts), connect_timeout)
    if client is None:
        for part in parts:
            finish(
                score_jobs(
                    problem, part, context, references, keep_municipalities=keep_municipalities
                )
            )
        return report
    try:
        from distributed import as_completed

        p_f = client.scatter(problem, broadcast=True)
        c_f = client.scatter(context, broadcast=True)
        # references is a small dict: passed as is (scatter would split a dict by key).
        futures = [
            client.submit(
                score_jobs,
                p_f,
                part,
                c_f,
                references,
                keep_municipalities=keep_municipalities,
                pure=False,
            )
            for part in parts
        ]
        for fut in as_completed(futures):
            finish(fut.result())
            fut.release()
    finally:
        if owned:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    return report


def _client(scheduler: Any, n_workers: int, n_parts: int, timeout: float) -> tuple[Any, bool]:
    if scheduler is None:
        return None, False
    if isinstance(scheduler, str) and scheduler == "local":
        if n_parts <= 1:
            return None, False
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return Client(cluster), True
    if isinstance(scheduler, str):
        from distributed import Client

        try:
            return Client(scheduler, timeout=f"{timeout}s"), True
        except OSError as exc:
            raise ad.TillganglighetError(
                f"scheduler {scheduler!r}: cannot connect ({exc})"
            ) from None
    return scheduler, False


def load_results(
    out_dir: str | os.PathLike[str], keys: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Read result records from ``<out_dir>/results`` (all, or those of ``keys``)."""
    folder = Path(out_dir) / "results"
    paths = sorted(folder.glob("*.json")) if keys is None else [folder / f"{k}.json" for k in keys]
    out = []
    for p in paths:
        try:
            out.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ad.DataIntegrityError(f"{p}: unreadable result: {exc}") from None
    return out


def reference_means(
    matrices: Matrices, resolved: Iterable[ResolvedScenario]
) -> dict[str, np.ndarray]:
    """Municipality means (anywhere, FA rule) of networks used as references."""
    rs = list(resolved)
    if not rs:
        return {}
    active = np.stack([r.active for r in rs])
    kind = np.stack([r.kind for r in rs])
    s = score_batch(matrices.problem, active, kind, 60.0)
    assert s.municipality_mean_min is not None and s.municipality_mean_fa_min is not None
    return {
        r.name: np.stack([s.municipality_mean_min[i], s.municipality_mean_fa_min[i]])
        for i, r in enumerate(rs)
    }


def results_table(
    out_dir: str | os.PathLike[str], keys: Iterable[str] | None = None
) -> pd.DataFrame:
    """Summary columns of stored results as a table (``scenario`` first; no per-municipality
    arrays)."""
    recs = load_results(out_dir, keys)
    rows = [{k: v for k, v in r.items() if not isinstance(v, list)} for r in recs]
    df = pd.DataFrame(rows)
    if len(df):
        df = df.rename(columns={"name": "scenario"})
        df = df[["scenario", *[c for c in df.columns if c != "scenario"]]]
    return df
