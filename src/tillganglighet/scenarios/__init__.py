"""Scenarios: alternative office networks scored from one travel-time matrix.

Modules: :mod:`~tillganglighet.scenarios.files` (scenario files),
:mod:`~tillganglighet.scenarios.model` (scenarios and candidates),
:mod:`~tillganglighet.scenarios.matrix` (travel-time matrices by mode, cached),
:mod:`~tillganglighet.scenarios.scoring` (metrics from the matrix, pure arrays),
:mod:`~tillganglighet.scenarios.cost` (cost model, jobseeker rule),
:mod:`~tillganglighet.scenarios.run` (ranking and outputs),
:mod:`~tillganglighet.scenarios.batch` (resumable, Dask),
:mod:`~tillganglighet.scenarios.sweeps` (generators),
:mod:`~tillganglighet.scenarios.optimise` and :mod:`~tillganglighet.scenarios.planning`
(HiGHS location problems), :mod:`~tillganglighet.scenarios.timeline` (2019-2021),
:mod:`~tillganglighet.scenarios.maps` (difference maps).

The names used most are importable from here::

    from tillganglighet.scenarios import load_scenarios, score_scenarios

    run = score_scenarios(load_scenarios(["scenarios/network-end-2020.toml"]))
    run.ranking
"""

from __future__ import annotations

from .cost import CostModel, read_jobseekers
from .files import load_scenarios
from .matrix import build_matrices, register_matrix_provider
from .model import NewPoint, ResolvedScenario, Scenario, base_network, candidate_set
from .planning import plan
from .run import ScenarioRun, score_scenarios, write_outputs

__all__ = [
    "CostModel",
    "NewPoint",
    "ResolvedScenario",
    "Scenario",
    "ScenarioRun",
    "base_network",
    "build_matrices",
    "candidate_set",
    "load_scenarios",
    "plan",
    "read_jobseekers",
    "register_matrix_provider",
    "score_scenarios",
    "write_outputs",
]
