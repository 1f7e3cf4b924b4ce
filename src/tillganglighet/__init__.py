"""tillganglighet: accessibility of Arbetsförmedlingen's local presence in Sweden.

The functions analysts type most are available at the top level (imported on first
use, so ``import tillganglighet`` stays light)::

    import tillganglighet as tg

    result = tg.analyze(as_of="2020-12-31", threshold_min=60)
    points = tg.meeting_points("2020-12-31")

Modules: :mod:`~tillganglighet.geodata`, :mod:`~tillganglighet.presence`,
:mod:`~tillganglighet.network`, :mod:`~tillganglighet.networks`,
:mod:`~tillganglighet.routing`, :mod:`~tillganglighet.accessibility`,
:mod:`~tillganglighet.analysis`, :mod:`~tillganglighet.outputs`,
:mod:`~tillganglighet.maps`, :mod:`~tillganglighet.userdata`.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import (
    CRSError,
    DataIntegrityError,
    InputValidationError,
    MissingColumnError,
    NetworkError,
    TillganglighetError,
)

__version__ = "0.1.0"

#: Top-level name -> (module, attribute), imported on first access.
_LAZY = {
    "analyze": ("analysis", "analyze"),
    "write_outputs": ("outputs", "write_outputs"),
    "meeting_points": ("presence", "meeting_points"),
    "service_offices": ("presence", "service_offices"),
    "municipalities": ("geodata", "municipalities"),
    "origins": ("geodata", "origins"),
    "Network": ("network", "Network"),
    "load_network": ("networks", "load_network"),
    "read_points": ("userdata", "read_points"),
    "read_population": ("userdata", "read_population"),
}

__all__ = [
    "CRSError",
    "DataIntegrityError",
    "InputValidationError",
    "MissingColumnError",
    "NetworkError",
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
