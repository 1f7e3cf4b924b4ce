"""Scenarios: alternative office networks scored from one travel-time matrix.

See :mod:`~tillganglighet.scenarios.files` (scenario files),
:mod:`~tillganglighet.scenarios.model` (scenarios and candidates),
:mod:`~tillganglighet.scenarios.scoring` (metrics from the matrix),
:mod:`~tillganglighet.scenarios.optimise` (location problems with HiGHS).
"""
