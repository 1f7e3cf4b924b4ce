"""Batch scoring: resumable, atomic per-scenario results, sweeps, Dask paths."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tillganglighet.scenarios import batch, model, sweeps
from tillganglighet.scenarios.cost import CostModel
from tillganglighet.scenarios.matrix import build_matrices
from tillganglighet.scenarios.scoring import score_reference


@pytest.fixture(scope="module")
def setup():
    cands = model.candidate_set()
    mats = build_matrices(cands)
    b = model.base_network("2020-12-31", cands)
    b = model.ResolvedScenario(b.name, b.active, b.kind, b.name, 30.0, "road", "own_fa_region")
    return cands, mats, b


def jobs_of(setup, n=None):
    cands, mats, b = setup
    context = batch.BatchContext.of(mats)
    gen = list(sweeps.single_closures(b, cands))[:n]
    return context, [batch.make_job(r, context) for r in gen], gen


def test_sweep_generators(setup):
    cands, _mats, b = setup
    n_open = int(b.active.sum())
    singles = list(sweeps.single_closures(b, cands))
    assert len(singles) == n_open
    assert all(s.active.sum() == n_open - 1 for s in singles)
    assert len({s.name for s in singles}) == n_open
    small = model.ResolvedScenario("s", b.active & (np.arange(len(cands)) < 20), b.kind, "s")
    k = int(small.active.sum())
    pairs = list(sweeps.pair_closures(small, cands))
    assert len(pairs) == k * (k - 1) // 2
    pool = sweeps.candidate_pool(cands, b, closed_offices=False, settlements=False)
    adds = list(sweeps.single_additions(b, cands, pool, kind="cooperation_ssc"))
    assert len(adds) == int(pool.sum()) > 0
    first = adds[0]
    j = int(np.flatnonzero(first.active & ~b.active)[0])
    assert first.kind[j] == model.KIND_CODE["cooperation_ssc"]
    assert first.reference == b.name


def test_results_equal_direct_scoring(setup, tmp_path):
    _cands, mats, b = setup
    context, jobs, gen = jobs_of(setup, 30)
    refs = batch.reference_means(mats, [b])
    report = batch.run_batch(
        jobs, mats, tmp_path, context=context, references=refs, scheduler=None, chunk_size=7
    )
    assert len(report.scored) == 30 and not report.skipped
    for r in gen[:5]:
        rec = json.loads((tmp_path / "results" / f"{batch.scenario_key(r.name)}.json").read_text())
        ref = score_reference(mats.problem, r.active, r.kind, 30.0)
        assert rec["population_beyond_fa"] == ref["population_beyond_fa"]
        assert rec["municipalities_beyond_fa"] == ref["municipalities_beyond_fa"]
        assert math.isclose(rec["mean_time_min"], ref["mean_time_min"], rel_tol=1e-9)
        assert rec["municipalities_better"] == 0  # a closure never shortens a trip


def test_rerun_skips_finished_and_redoes_stale(setup, tmp_path):
    _cands, mats, _b = setup
    context, jobs, _ = jobs_of(setup, 20)
    batch.run_batch(jobs, mats, tmp_path, context=context, scheduler=None, chunk_size=5)
    folder = tmp_path / "results"
    (folder / f"{jobs[0].key}.json").unlink()
    stale = folder / f"{jobs[1].key}.json"
    rec = json.loads(stale.read_text())
    rec["digest"] = "old"
    stale.write_text(json.dumps(rec))
    (folder / f"{jobs[2].key}.json").write_text("{truncated")
    report = batch.run_batch(jobs, mats, tmp_path, context=context, scheduler=None, chunk_size=5)
    assert sorted(report.scored) == sorted(j.key for j in jobs[:3])
    assert len(report.skipped) == 17
    assert json.loads(stale.read_text())["digest"] == jobs[1].digest


def test_crash_loses_nothing_finished(setup, tmp_path):
    _cands, mats, _b = setup
    context, jobs, _ = jobs_of(setup, 20)

    def crash(done, total):
        if done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(
            jobs, mats, tmp_path, context=context, scheduler=None, chunk_size=5, progress=crash
        )
    finished = sorted(p.stem for p in (tmp_path / "results").glob("*.json"))
    assert finished == sorted(j.key for j in jobs[:10])
    assert not list((tmp_path / "results").glob(".tmp-*"))
    report = batch.run_batch(jobs, mats, tmp_path, context=context, scheduler=None, chunk_size=5)
    assert len(report.skipped) == 10 and len(report.scored) == 10


def test_changed_settings_change_the_digest(setup):
    cands, mats, b = setup
    ctx = batch.BatchContext.of(mats)
    r = next(sweeps.single_closures(b, cands))
    j1 = batch.make_job(r, ctx)
    r2 = model.ResolvedScenario(r.name, r.active, r.kind, r.reference, 45.0, r.mode, r.fa_rule)
    assert batch.make_job(r2, ctx).digest != j1.digest
    assert batch.make_job(r, batch.BatchContext.of(mats)).digest == j1.digest
    dearer = CostModel().with_costs({"staffed_office": 1.0})
    assert batch.make_job(r, batch.BatchContext.of(mats, dearer)).digest != j1.digest


def test_scheduler_address(setup, tmp_path):
    """A scheduler address: the test starts a LocalCluster and passes its address."""
    distributed = pytest.importorskip("distributed")
    _cands, mats, _b = setup
    context, jobs, _ = jobs_of(setup, 40)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        report = batch.run_batch(
            jobs,
            mats,
            tmp_path,
            context=context,
            scheduler=cluster.scheduler_address,
            chunk_size=10,
        )
    assert len(report.scored) == 40
    direct = batch.score_jobs(mats.problem, jobs, context, {}, keep_municipalities=True)
    for rec in direct[:5]:
        stored = json.loads((tmp_path / "results" / f"{rec['key']}.json").read_text())
        assert stored["population_beyond_fa"] == rec["population_beyond_fa"]
        assert stored["municipality_mean_fa_min"] == rec["municipality_mean_fa_min"]


def test_local_cluster_default(setup, tmp_path):
    pytest.importorskip("distributed")
    _cands, mats, _b = setup
    context, jobs, _ = jobs_of(setup, 12)
    report = batch.run_batch(
        jobs, mats, tmp_path, context=context, scheduler="local", n_workers=1, chunk_size=4
    )
    assert len(report.scored) == 12
    table = batch.results_table(tmp_path)
    assert sorted(table["scenario"]) == sorted(j.name for j in jobs)


def test_unreachable_scheduler_is_a_clear_error(setup, tmp_path):
    pytest.importorskip("distributed")
    from tillganglighet.errors import TillganglighetError

    _cands, mats, _b = setup
    context, jobs, _ = jobs_of(setup, 4)
    with pytest.raises(TillganglighetError, match="cannot connect"):
        batch.run_batch(
            jobs,
            mats,
            tmp_path,
            context=context,
            scheduler="tcp://127.0.0.1:1",
            chunk_size=2,
            connect_timeout=1.0,
        )
