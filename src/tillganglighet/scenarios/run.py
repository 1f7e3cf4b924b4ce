"""Score named scenarios: ranking table, per-municipality changes, outputs and maps.

:func:`score_scenarios` is what ``tillganglighet scenarios score FILES`` runs: one
candidate set for all scenarios, one matrix per mode, every scenario a min over its
columns, compared with its reference (the parent it ``extends``, else its base date's
network). :func:`write_outputs` writes the ranking (CSV and Parquet), one folder per
scenario and a difference map per scenario.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _adapters as ad
from .batch import (
    BatchContext,
    load_results,
    make_job,
    reference_means,
    run_batch,
    scenario_key,
    score_jobs,
)
from .cost import CostModel
from .matrix import Matrices, build_matrices
from .model import Candidates, ResolvedScenario, Scenario, base_network, candidate_set, resolve_all

#: Ranking order: fewest municipalities beyond the threshold under the scenario's rule,
#: then fewest people beyond it, then the lowest mean time, then the lowest cost.
RANK_BY = [
    "municipalities_beyond_rule",
    "population_beyond_rule",
    "mean_time_rule_min",
    "annual_cost_sek",
    "scenario",
]

RULE_SV = {
    "own_fa_region": "närmaste plats inom egen FA-region",
    "anywhere": "närmaste plats oavsett FA-region",
}


@dataclass
class ScenarioRun:
    """Results of :func:`score_scenarios`.

    Attributes
    ----------
    ranking
        One row per scenario, ranked (``rank`` 1 = best), see :data:`RANK_BY`.
    municipalities
        Long table: one row per scenario and municipality with mean minutes under both
        readings, the reference's, the change (minutes, + = slower) and flags.
    records
        Scenario name -> result record (as stored in ``results/``).
    matrices
        Mode -> the matrices used.
    resolved
        Scenario name -> :class:`ResolvedScenario` (references included).
    scenarios
        The scenarios, by name.
    """

    ranking: pd.DataFrame
    municipalities: pd.DataFrame
    records: dict[str, dict[str, Any]]
    matrices: dict[str, Matrices]
    resolved: dict[str, ResolvedScenario]
    scenarios: dict[str, Scenario]
    cost_model: CostModel


def score_scenarios(
    scenarios: Sequence[Scenario],
    *,
    network: Any = "modelled",
    pt_network: Any = None,
    candidates: Candidates | None = None,
    cost_model: CostModel | None = None,
    jobseekers: pd.Series | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    scheduler: Any = None,
    chunk_size: int = 500,
) -> ScenarioRun:
    """Score scenarios against one matrix per mode.

    Parameters
    ----------
    scenarios
        Validated scenarios (:func:`~tillganglighet.scenarios.files.load_scenarios`).
    network
        Road network of ``mode = "road"`` scenarios: a Network or anything
        :func:`~tillganglighet.load_network` accepts.
    pt_network
        Timetable of ``mode = "pt"`` scenarios
        (:meth:`~tillganglighet.scenarios.matrix.PTNetwork.from_gtfs`).
    candidates
        Candidate set (default: timeline, service offices and the scenarios' new points).
    cost_model
        Default :class:`~tillganglighet.scenarios.cost.CostModel` (report figures).
    jobseekers
        Registered jobseekers per ``kommun_kod`` (see
        :func:`~tillganglighet.scenarios.cost.read_jobseekers`), for the 4,000 rule.
    out_dir
        When given, results are written per scenario to ``<out_dir>/results/`` as they
        finish and reused on a rerun (see :mod:`~tillganglighet.scenarios.batch`).
    scheduler
        Dask scheduler for the batch (see :func:`~tillganglighet.scenarios.batch.run_batch`);
        None scores in this process.
    chunk_size
        Scenarios per task.

    Returns
    -------
    ScenarioRun
    """
    if not scenarios:
        raise ad.InputValidationError("no scenarios to score")
    cm = cost_model or CostModel()
    cands = candidates or candidate_set(scenarios)
    resolved = resolve_all(scenarios, cands)
    by_name = {s.name: s for s in scenarios}
    refs: dict[str, ResolvedScenario] = {}
    for r in resolved.values():
        if r.reference.startswith("base:") and r.reference not in refs:
            refs[r.reference] = base_network(r.reference.removeprefix("base:"), cands)
    records: dict[str, dict[str, Any]] = {}
    matrices: dict[str, Matrices] = {}
    for mode in sorted({s.mode for s in scenarios}):
        mats = build_matrices(cands, network=pt_network if mode == "pt" else network, mode=mode)
        matrices[mode] = mats
        names = [s.name for s in scenarios if s.mode == mode]
        context = BatchContext.of(mats, cm, jobseekers)
        ref_set = {**refs, **{n: resolved[n] for n in names}}
        ref_means = reference_means(mats, ref_set.values())
        # The base networks are scored too (with the settings of their first user).
        jobs = []
        for n in names:
            jobs.append(make_job(resolved[n], context))
        for ref_name, rr in refs.items():
            user = next((resolved[n] for n in names if resolved[n].reference == ref_name), None)
            if user is None:
                continue
            rr = ResolvedScenario(
                ref_name, rr.active, rr.kind, ref_name, user.threshold_min, mode, user.fa_rule
            )
            resolved[ref_name] = rr
            jobs.append(make_job(rr, context))
        if out_dir is None:
            recs = score_jobs(mats.problem, jobs, context, ref_means)
        else:
            run_batch(
                jobs,
                mats,
                out_dir,
                context=context,
                references=ref_means,
                scheduler=scheduler,
                chunk_size=chunk_size,
            )
            recs = load_results(out_dir, [j.key for j in jobs])
        for rec in recs:
            records[rec["name"]] = rec
    ranking = _ranking(scenarios, records, matrices, resolved)
    muni = _municipality_table(scenarios, records, matrices, resolved, jobseekers)
    return ScenarioRun(ranking, muni, records, matrices, resolved, by_name, cm)


def _ranking(scenarios, records, matrices, resolved) -> pd.DataFrame:
    rows = []
    for s in scenarios:
        rec = records[s.name]
        mats = matrices[s.mode]
        kommun = mats.municipalities["kommun"].tolist()
        ref = records.get(resolved[s.name].reference, {})
        rule_fa = s.fa_rule == "own_fa_region"
        row = {
            "scenario": s.name,
            "description": s.description,
            "reference": resolved[s.name].reference,
            "base": s.base,
            "mode": s.mode,
            "threshold_min": s.threshold_min,
            "fa_rule": s.fa_rule,
            "municipalities_beyond_rule": rec["municipalities_beyond_rule"],
            "population_beyond_rule": rec["population_beyond_rule"],
            "mean_time_rule_min": rec["mean_time_min_fa" if rule_fa else "mean_time_min"],
        }
        for col in (
            "municipalities_beyond",
            "municipalities_beyond_fa",
            "population_beyond",
            "population_beyond_fa",
            "population_unreachable",
            "mean_time_min",
            "mean_time_min_fa",
            "p90_time_min",
            "p90_time_min_fa",
            "worst_time_min",
            "worst_time_min_fa",
            "fa_regions_within",
            "fa_regions_within_fa",
            "staff_mean_min",
            "staff_max_min",
            "staff_points_beyond",
            "n_points",
            "n_staffed_offices",
            "annual_cost_sek",
        ):
            row[col] = rec[col]
        row["worst_municipality"] = kommun[rec["worst_municipality"]]
        row["worst_municipality_fa"] = kommun[rec["worst_municipality_fa"]]
        row["annual_cost_change_sek"] = (
            rec["annual_cost_sek"] - ref["annual_cost_sek"] if ref else np.nan
        )
        # Comparable only when the reference was scored with the same threshold and rule.
        same = bool(ref) and (ref["threshold_min"], ref["fa_rule"]) == (
            rec["threshold_min"],
            rec["fa_rule"],
        )
        row["population_beyond_rule_change"] = (
            rec["population_beyond_rule"] - ref["population_beyond_rule"] if same else np.nan
        )
        for col in (
            "municipalities_worse",
            "municipalities_better",
            "max_loss_min",
            "max_gain_min",
            "mean_change_min",
        ):
            row[col] = rec.get(col, np.nan)
        if "jobseeker_rule_breaks" in rec:
            row["jobseeker_rule_breaks"] = rec["jobseeker_rule_breaks"]
            row["jobseeker_rule_break_municipalities"] = ", ".join(
                kommun[mats.municipalities.index[mats.municipalities["kommun_kod"] == k][0]]
                for k in rec["jobseeker_rule_break_kommun_kod"]
            )
        row["network"] = mats.network_label
        row["source"] = s.source
        rows.append(row)
    df = pd.DataFrame(rows)
    df = df.sort_values(RANK_BY, kind="stable").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def _means(rec: dict[str, Any], key: str) -> np.ndarray:
    return np.array([np.inf if v is None else v for v in rec[key]], dtype=float)


def _municipality_table(scenarios, records, matrices, resolved, jobseekers) -> pd.DataFrame:
    parts = []
    for s in scenarios:
        rec = records[s.name]
        mats = matrices[s.mode]
        ref = records[resolved[s.name].reference]
        m = mats.municipalities
        new, new_fa = _means(rec, "municipality_mean_min"), _means(rec, "municipality_mean_fa_min")
        old, old_fa = _means(ref, "municipality_mean_min"), _means(ref, "municipality_mean_fa_min")
        with np.errstate(invalid="ignore"):
            frame = pd.DataFrame(
                {
                    "scenario": s.name,
                    "kommun_kod": m["kommun_kod"].to_numpy(),
                    "kommun": m["kommun"].to_numpy(),
                    "lan": m["lan"].to_numpy(),
                    "fa_namn": m["fa_namn"].to_numpy(),
                    "population": m["population"].to_numpy(),
                    "mean_time_min": new,
                    "mean_time_fa_min": new_fa,
                    "reference": resolved[s.name].reference,
                    "reference_mean_time_min": old,
                    "reference_mean_time_fa_min": old_fa,
                    "change_min": new - old,
                    "change_fa_min": new_fa - old_fa,
                    "gap": new > s.threshold_min,
                    "gap_fa": new_fa > s.threshold_min,
                }
            )
        if "jobseeker_rule_break_kommun_kod" in rec:
            frame["jobseeker_rule_break"] = frame["kommun_kod"].isin(
                set(rec["jobseeker_rule_break_kommun_kod"])
            )
            if jobseekers is not None:
                frame["registered_jobseekers"] = frame["kommun_kod"].map(jobseekers)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def write_outputs(
    run: ScenarioRun, out_dir: str | os.PathLike[str], *, maps: bool = True
) -> list[Path]:
    """Write the ranking, per-scenario tables and difference maps.

    Files: ``ranking.csv`` / ``ranking.parquet``; ``municipalities.csv`` /
    ``municipalities.parquet`` (long table); ``cost_model.csv`` (the figures used and
    their derivation); per scenario ``scenarios/<key>/municipalities.csv`` and
    ``summary.json``; ``maps/<key>.html`` (offline difference map). All atomic.

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ad.OutputWriteError(f"{out}: cannot create output folder: {exc}") from None
    written: list[Path] = []

    def table(df: pd.DataFrame, stem: Path) -> None:
        stem.parent.mkdir(parents=True, exist_ok=True)
        csv = stem.with_suffix(".csv")
        ad.atomic.atomic_write_text(csv, df.to_csv(index=False, lineterminator="\n"))
        written.append(csv)
        pq = stem.with_suffix(".parquet")
        with ad.atomic.atomic_path(pq) as tmp:
            df.to_parquet(tmp, index=False)
        written.append(pq)

    table(run.ranking, out / "ranking")
    table(run.municipalities, out / "municipalities")
    cm = run.cost_model.table()
    path = out / "cost_model.csv"
    ad.atomic.atomic_write_text(path, cm.to_csv(index=False, lineterminator="\n"))
    written.append(path)
    for name, s in run.scenarios.items():
        key = scenario_key(name)
        folder = out / "scenarios" / key
        folder.mkdir(parents=True, exist_ok=True)
        sub = run.municipalities[run.municipalities["scenario"] == name]
        p = folder / "municipalities.csv"
        ad.atomic.atomic_write_text(p, sub.to_csv(index=False, lineterminator="\n"))
        written.append(p)
        row = run.ranking[run.ranking["scenario"] == name].iloc[0].to_dict()
        summary = {
            k: (
                None
                if isinstance(v, float) and not np.isfinite(v)
                else (v.item() if hasattr(v, "item") else v)
            )
            for k, v in row.items()
        }
        mats = run.matrices[s.mode]
        active = run.resolved[name].active
        summary["points"] = mats.candidates.frame.loc[active, "candidate_id"].tolist()
        p = folder / "summary.json"
        ad.atomic.atomic_write_text(
            p, json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        )
        written.append(p)
        if maps:
            written.append(_map(run, name, out / "maps" / f"{key}.html"))
    return written


def _map(run: ScenarioRun, name: str, path: Path) -> Path:
    from .maps import difference_map, save_difference_map

    s = run.scenarios[name]
    mats = run.matrices[s.mode]
    sub = run.municipalities[run.municipalities["scenario"] == name]
    fa = s.fa_rule == "own_fa_region"
    kommuner = ad.municipalities()
    if list(kommuner["kommun_kod"]) != list(sub["kommun_kod"]):
        raise ad.DataIntegrityError("municipality order differs between map and table")
    m = difference_map(
        kommuner,
        sub["mean_time_fa_min" if fa else "mean_time_min"].to_numpy(),
        sub["reference_mean_time_fa_min" if fa else "reference_mean_time_min"].to_numpy(),
        scenario=name,
        reference=run.resolved[name].reference,
        threshold_min=s.threshold_min,
        rule_sv=RULE_SV[s.fa_rule],
        network_label_sv=mats.network_label_sv,
        description=s.description,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_difference_map(m, path)
