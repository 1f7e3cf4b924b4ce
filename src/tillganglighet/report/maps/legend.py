"""The title box (with the caveat) and the legend with the source line."""

from __future__ import annotations

import html
from collections.abc import Sequence

from tillganglighet.report.maps.format import esc, threshold_sv
from tillganglighet.report.maps.popups import RULE_SHORT_SV, RULE_SV, Rules
from tillganglighet.report.maps.style import (
    KIND_COLOURS,
    MISSING_COLOUR,
    SERVICE_OFFICE_LABEL_SV,
    TimeClass,
)

DEFAULT_TITLE_SV = "Tillgång till förbokat fysiskt möte hos Arbetsförmedlingen"


def title_heading(title: str | None) -> str:
    """The title as the always-visible heading of the title box."""
    return f"<h1>{esc(title) if title else DEFAULT_TITLE_SV}</h1>"


def title_box(
    *,
    as_of: str,
    rules: Rules,
    network_label_sv: str,
    n_municipalities: int,
    n_gap: int,
    n_other_gap: int | None,
    note_sv: str | None,
) -> str:
    """HTML of the title box body: what the map shows, the count beyond the threshold, caveat."""
    thr = threshold_sv(rules.threshold_min)
    summary = f"Över riktvärdet: {n_gap} av {n_municipalities} kommuner"
    if n_other_gap is not None:
        summary += f" ({RULE_SHORT_SV[rules.other]}: {n_other_gap})"
    rule_line = f"<li>Regel: <b>{RULE_SV[rules.rule]}</b></li>" if n_other_gap is not None else ""
    return (
        f'<ul class="tg-facts">'
        f"<li>Läge: <b>{esc(as_of)}</b></li>"
        f"<li>Riktvärde: <b>{thr} min</b> enkel resa</li>"
        f"<li>Färdsätt: <b>{esc(rules.mode_sv)}</b></li>"
        f"<li>Nätverk: <b>{esc(network_label_sv)}</b></li>{rule_line}</ul>"
        f'<div class="tg-sum">{summary}</div>'
        + (f'<div class="tg-note">{esc(note_sv)}</div>' if note_sv else "")
    )


def _row(swatch: str, text: str) -> str:
    return f'<div class="tg-row">{swatch}{text}</div>'


def legend_box(
    *,
    classes: Sequence[TimeClass],
    rules: Rules,
    any_missing: bool,
    dashed_possible: bool,
    kind_labels: dict[str, str],
    has_offices: bool,
    extra_rows: Sequence[str] = (),
    sources: Sequence[str],
) -> str:
    """HTML of the legend: time classes, outlines, point symbols, sources."""
    thr = threshold_sv(rules.threshold_min)
    out = ["<h2>Befolkningsviktad restid till närmaste mötesplats</h2>"]
    for c in classes:
        out.append(
            _row(
                f'<span class="tg-sw" style="background:{c.colour}"></span>',
                html.escape(c.label_sv),
            )
        )
    if any_missing:
        out.append(
            _row(
                f'<span class="tg-sw" style="background:{MISSING_COLOUR}"></span>', "uppgift saknas"
            )
        )
    out.append(
        _row(
            '<span class="tg-line" style="border:3px solid #111"></span>',
            f"Över riktvärdet ({thr} min)",
        )
    )
    if dashed_possible:
        out.append(
            _row(
                '<span class="tg-line" style="border:2px dashed #111"></span>',
                f"Över riktvärdet bara {RULE_SHORT_SV[rules.other]}",
            )
        )
    if kind_labels or has_offices:
        out.append("<h2>Mötesplatser</h2>")
        for kind, label in kind_labels.items():
            out.append(
                _row(f'<span class="tg-dot" style="background:{KIND_COLOURS[kind]}"></span>', label)
            )
        if has_offices:
            out.append(_row('<span class="tg-sq tg-sq-legend"></span>', SERVICE_OFFICE_LABEL_SV))
    out.extend(extra_rows)
    out.append(
        '<div class="tg-attr">Källor: '
        + " · ".join(esc(s) for s in sources if str(s).strip())
        + "</div>"
    )
    return "".join(out)
