"""Exception hierarchy of tillganglighet.

Every error the library raises on purpose derives from :class:`TillganglighetError`,
so callers (and the CLI) can catch the project's errors in one place. Subclasses also
derive from the matching builtin so that generic ``except ValueError`` code keeps
working.
"""

from __future__ import annotations


class TillganglighetError(Exception):
    """Base class of all errors raised on purpose by tillganglighet."""


class InputValidationError(ValueError, TillganglighetError):
    """User-supplied data is invalid.

    The message names the file (when there is one), the row and the field.
    """


class MissingColumnError(InputValidationError):
    """A required column is missing from user-supplied data."""


class CRSError(InputValidationError):
    """Data has no coordinate reference system, or a different one than expected."""


class DataIntegrityError(TillganglighetError):
    """The curated data shipped with the package is missing or inconsistent."""


class NetworkError(ValueError, TillganglighetError):
    """A road or transit network is invalid (negative weights, empty, corrupt file...)."""


class OutputWriteError(OSError, TillganglighetError):
    """An output file could not be written; the message names the file and the reason."""


class OfflineAssetError(RuntimeError, TillganglighetError):
    """An offline map would still load a script, style sheet or image from the internet."""


def os_reason(exc: BaseException, *, with_filename: bool = False) -> str:
    """The operating system's reason for ``exc``, for an error message.

    Parameters
    ----------
    exc
        Usually an :class:`OSError`; a :class:`NetworkError` that wraps one reports the
        wrapped error's reason. Anything else gives ``str(exc)``.
    with_filename
        Append the file name the OS reported (``"Permission denied: /x"``); leave it out
        when the message names the file already.

    Returns
    -------
    str
        E.g. ``"No space left on device"``.
    """
    if isinstance(exc, NetworkError) and isinstance(exc.__cause__, OSError):
        exc = exc.__cause__
    if isinstance(exc, OSError) and exc.strerror:
        if with_filename and exc.filename:
            return f"{exc.strerror}: {exc.filename}"
        return exc.strerror
    return str(exc)
