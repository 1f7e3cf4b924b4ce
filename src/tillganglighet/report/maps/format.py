"""Swedish number and minute formatting, HTML escaping and script-safe JSON.

Displayed minutes never contradict the guideline flag beside them. The rule (within
the guideline = time ≤ threshold, exactly): a time is shown rounded to whole minutes
(one decimal below 10 minutes), except that a time *above* the threshold that would
round to the threshold or below is shown with one decimal ("60,2 min"), and if even
that reads as the threshold, as "> 60 min". A share strictly between 0 and 1 never
shows as 0 % or 100 % ("< 1 %", "> 99 %").
"""

from __future__ import annotations

import html
import json
import math

import pandas as pd

NBSP = "\u00a0"
MISSING_SV = "uppgift saknas"
UNREACHABLE_SV = "ej nåbar"


def num_sv(value: float, decimals: int = 0) -> str:
    """Format a number the Swedish way: decimal comma, non-breaking thousands space."""
    return f"{value:,.{decimals}f}".replace(",", NBSP).replace(".", ",")


def threshold_sv(threshold_min: float) -> str:
    """A threshold or class edge in minutes, e.g. ``60`` or ``22,5``."""
    return f"{threshold_min:g}".replace(".", ",")


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def minutes_sv(value: object, threshold_min: float | None = None) -> str:
    """A travel time in minutes as Swedish text that agrees with the guideline flag.

    Parameters
    ----------
    value
        Minutes (``inf`` = unreachable, NaN/None = unknown).
    threshold_min
        The guideline; a value above it never displays as the threshold or less.

    Returns
    -------
    str
        E.g. ``"42 min"``, ``"7,5 min"``, ``"60,2 min"``, ``"> 60 min"``, ``"ej nåbar"``.
    """
    x = _number(value)
    if x is None:
        return MISSING_SV
    if math.isinf(x):
        return UNREACHABLE_SV if x > 0 else MISSING_SV
    decimals = 0 if abs(x) >= 10 else 1
    if threshold_min is not None and x > threshold_min and round(x, decimals) <= threshold_min:
        decimals = 1
        if round(x, 1) <= threshold_min:
            return f">{NBSP}{threshold_sv(threshold_min)}{NBSP}min"
    return f"{num_sv(x, decimals)}{NBSP}min"


def excess_sv(value: object) -> str:
    """Minutes above the threshold (positive): never shown as 0 min."""
    x = _number(value)
    if x is None:
        return MISSING_SV
    if math.isinf(x):
        return UNREACHABLE_SV
    if x > 0 and round(x) == 0:
        return f"{num_sv(x, 1)}{NBSP}min" if round(x, 1) > 0 else f"<{NBSP}0,1{NBSP}min"
    return minutes_sv(x)


def int_sv(value: object) -> str:
    """A count (people, municipalities) with a non-breaking thousands space."""
    x = _number(value)
    return MISSING_SV if x is None else num_sv(x, 0)


def share_sv(value: object) -> str:
    """A share 0..1 as a whole percentage; never 0 % or 100 % unless exactly so."""
    x = _number(value)
    if x is None:
        return MISSING_SV
    pct = 100 * x
    if 0 < x < 1 and round(pct) >= 100:
        return f">{NBSP}99{NBSP}%"
    if 0 < x < 1 and round(pct) <= 0:
        return f"<{NBSP}1{NBSP}%"
    return f"{num_sv(pct, 0)}{NBSP}%"


def flag(value: object) -> bool:
    """A boolean from the data; missing counts as False."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def esc(value: object) -> str:
    """HTML-escape a value from the data; missing values become an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def script_json(obj: object) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text
