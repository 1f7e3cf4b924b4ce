"""tillganglighet: accessibility of Arbetsförmedlingen's local presence in Sweden.

The functions analysts type most are available at the top level (imported on first
use, so ``import tillganglighet`` stays light)::

    import tillganglighet as tg

    result = tg.analyze(as_of="2020-12-31", threshold_min=60)
    points = tg.meeting_points("2020-12-31")

Modules: :mod:`~tillganglighet.data.geodata`, :mod:`~tillganglighet.data.presence`,
:mod:`~tillganglighet.networks.graph`, :mod:`~tillganglighet.networks.load`,
:mod:`~tillganglighet.routing`, :mod:`~tillganglighet.accessibility`,
:mod:`~tillganglighet.analysis`, :mod:`~tillganglighet.report.tables`,
:mod:`~tillganglighet.report.maps`, :mod:`~tillganglighet.data.userdata`.
"""

from __future__ import annotations

import importlib
from typing import Any

from tillganglighet.errors import (
    CRSError,
    DataIntegrityError,
    InputValidationError,
    MissingColumnError,
    NetworkError,
    OfflineAssetError,
    OutputWriteError,
    TillganglighetError,
)

__version__ = "0.1.0"

#: Top-level name -> (module, attribute), imported on first access.
_LAZY = {
    "analyze": ("analysis", "analyze"),
    "AnalysisResult": ("analysis", "AnalysisResult"),
    "write_outputs": ("report.tables", "write_outputs"),
    "accessibility_map": ("report.maps", "accessibility_map"),
    "meeting_points": ("data.presence", "meeting_points"),
    "service_offices": ("data.presence", "service_offices"),
    "municipalities": ("data.geodata", "municipalities"),
    "counties": ("data.geodata", "counties"),
    "fa_regions": ("data.geodata", "fa_regions"),
    "origins": ("data.geodata", "origins"),
    "Network": ("networks.graph", "Network"),
    "load_network": ("networks.load", "load_network"),
    "read_points": ("data.userdata", "read_points"),
    "read_population": ("data.userdata", "read_population"),
}

__all__ = [
    "CRSError",
    "DataIntegrityError",
    "InputValidationError",
    "MissingColumnError",
    "NetworkError",
    "OfflineAssetError",
    "OutputWriteError",
    "TillganglighetError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tillganglighet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
