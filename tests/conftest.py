"""Shared test settings: keep the network cache out of the user's home folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory):
    """Point the on-disk network cache at a temporary folder for the whole run."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TILLGANGLIGHET_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()
