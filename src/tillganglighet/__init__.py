"""tillganglighet: accessibility of Arbetsförmedlingen's local presence in Sweden."""

from __future__ import annotations

from ._errors import (
    CRSError,
    DataIntegrityError,
    InputValidationError,
    MissingColumnError,
    NetworkError,
    TillganglighetError,
)

__version__ = "0.1.0"

__all__ = [
    "CRSError",
    "DataIntegrityError",
    "InputValidationError",
    "MissingColumnError",
    "NetworkError",
    "TillganglighetError",
    "__version__",
]
