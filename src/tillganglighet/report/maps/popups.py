"""Popup and tooltip HTML of the map's features (Swedish; every data value escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tillganglighet.report.maps.format import (
    esc,
    excess_sv,
    flag,
    int_sv,
    minutes_sv,
    share_sv,
    threshold_sv,
)
from tillganglighet.report.maps.style import RELATION_SV, SERVICE_OFFICE_LABEL_SV

#: Swedish description of each guideline rule, as used in popups and the title box.
RULE_SV = {
    "nearest": "närmaste mötesplats oavsett FA-region",
    "fa_region": "FA-regeln: bara mötesplatser i kommunens egen FA-region",
}
#: Short names of the rules (title box, tooltips).
RULE_SHORT_SV = {"nearest": "oavsett FA-region", "fa_region": "med FA-regeln"}


@dataclass(frozen=True)
class Rules:
    """Which rule the map is drawn with and whether the other rule's columns exist."""

    rule: str
    threshold_min: float
    mode_sv: str
    has_other: bool

    @property
    def other(self) -> str:
        return "fa_region" if self.rule == "nearest" else "nearest"


def _table(rows: Sequence[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def municipality_popup(row: pd.Series, rules: Rules, has: set[str]) -> str:
    """Popup of one municipality: its figures under the map's rule, then the other rule."""
    t = rules.threshold_min
    thr = threshold_sv(t)
    sub = ", ".join(
        x
        for x in (
            esc(row.get("lan")),
            esc(row.get("fa_namn")) and f"FA-region {esc(row.get('fa_namn'))}",
        )
        if x
    )
    rows: list[tuple[str, str]] = []
    if "population" in has:
        rows.append(("Befolkning", int_sv(row["population"])))
    rows.append(("Befolkningsviktad restid", minutes_sv(row["mean_time_min"], t)))
    if "worst_time_min" in has:
        rows.append(("Längsta restid", minutes_sv(row["worst_time_min"], t)))
    if "largest_settlement" in has and "largest_settlement_time_min" in has:
        settlement = esc(row["largest_settlement"]) or "största orten"
        rows.append(
            (f"Restid från {settlement}", minutes_sv(row["largest_settlement_time_min"], t))
        )
    if "share_within_threshold" in has:
        rows.append((f"Andel inom {thr} min", share_sv(row["share_within_threshold"])))
    if "population_beyond_threshold" in has:
        rows.append((f"Invånare bortom {thr} min", int_sv(row["population_beyond_threshold"])))
    if "nearest_point_name" in has:
        details = ", ".join(
            x
            for x in (esc(row.get("nearest_point_kind_sv")), esc(row.get("nearest_point_kommun")))
            if x
        )
        text = esc(row["nearest_point_name"]) or "ingen"
        if details:
            text += f" ({details})"
        relation = RELATION_SV.get(str(row.get("nearest_point_relation")), "")
        if relation:
            text += f", {relation}"
        rows.append(("Närmaste mötesplats", text))
    rule_note = f'<div class="tg-sub">Visar {RULE_SV[rules.rule]}.</div>' if rules.has_other else ""
    if flag(row["gap"]):
        exceeds = row.get("exceeds_by_min")
        if exceeds is not None and not pd.isna(exceeds):
            verdict = (
                f'<div class="tg-gap">Över riktvärdet med {excess_sv(exceeds)} '
                f"({thr} min med {esc(rules.mode_sv)})</div>"
            )
        else:
            verdict = f'<div class="tg-gap">Över riktvärdet ({thr} min)</div>'
    else:
        verdict = f'<div class="tg-ok">Inom riktvärdet ({thr} min)</div>'
    other = ""
    if rules.has_other:
        other_time = minutes_sv(row.get("other_mean_time_min"), t)
        over = flag(row.get("other_gap"))
        other = (
            f'<div class="{"tg-gap" if over else "tg-ok"} tg-other">'
            f"Med {RULE_SV[rules.other]}: {other_time}, "
            f"{'över' if over else 'inom'} riktvärdet</div>"
        )
    return (
        f"<h3>{esc(row['kommun'])}</h3>"
        + (f'<div class="tg-sub">{sub}</div>' if sub else "")
        + rule_note
        + _table(rows)
        + verdict
        + other
    )


def municipality_tooltip(row: pd.Series, rules: Rules, gap: bool, other_gap: bool) -> str:
    """Hover text: name, minutes and the verdict."""
    tip = f"<b>{esc(row['kommun'])}</b><br>{minutes_sv(row['mean_time_min'], rules.threshold_min)}"
    if gap:
        tip += " – över riktvärdet"
    elif other_gap:
        tip += f" – över riktvärdet {RULE_SHORT_SV[rules.other]}"
    return tip


def point_popup(
    row: pd.Series, kind_label: str, threshold_min: float, rule: str
) -> tuple[str, str]:
    """Tooltip and popup of a meeting point: what it is, what it is worth, staff travel."""
    name = esc(row["name"])
    thr = threshold_sv(threshold_min)
    rows = [("Typ", kind_label)]
    for col, label in (("place", "Ort"), ("kommun", "Kommun"), ("note", "Anmärkning")):
        if col in row.index and esc(row[col]):
            rows.append((label, esc(row[col])))
    if "population_served" in row.index and pd.notna(row["population_served"]):
        rows.append(("Närmaste mötesplats för", f"{int_sv(row['population_served'])} invånare"))
    worth = ""
    if "population_newly_beyond" in row.index and pd.notna(row["population_newly_beyond"]):
        people = int_sv(row["population_newly_beyond"])
        kommuner = int_sv(row.get("municipalities_newly_gap"))
        rule_note = "" if rule == "nearest" else f" ({RULE_SV['nearest']})"
        worth = (
            f'<div class="tg-worth">Om mötesplatsen stängde: <b>{people}</b> invånare och '
            f"<b>{kommuner}</b> kommuner hamnar över {thr} min{rule_note}.</div>"
        )
    if "staff_travel_min" in row.index:
        staff = minutes_sv(row["staff_travel_min"])
        origin = esc(row.get("staff_travel_from"))
        if row.get("kind") == "staffed_office":
            rows.append(("Personalens resa", "bemannat kontor (ingen resa)"))
        else:
            rows.append(("Personalens resa", staff + (f" från {origin}" if origin else "")))
    return (
        f"<b>{name}</b><br>{kind_label}",
        f"<h3>{name}</h3>{_table(rows)}{worth}",
    )


def service_popup(row: pd.Series) -> tuple[str, str]:
    """Tooltip and popup of a Statens servicecenter office."""
    name = esc(row["name"])
    rows = [("Typ", SERVICE_OFFICE_LABEL_SV)]
    for col, label in (("place", "Ort"), ("kommun", "Kommun"), ("rollout_month", "Kundtorg från")):
        if col in row.index and esc(row[col]):
            rows.append((label, esc(row[col])))
    return (
        f"<b>{name}</b><br>Servicekontor med kundtorg",
        f"<h3>{name}</h3>{_table(rows)}",
    )
