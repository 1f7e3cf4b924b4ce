"""Scenario files (TOML): parse, validate against the data, and report errors by line.

A file holds one scenario or many::

    [defaults]                      # optional, for every scenario of the file
    base = "2020-12-31"             # the meeting points as of this date
    threshold_min = 60              # minutes; within means <=
    mode = "road"                   # "road" (car) or "pt" (public transport)
    fa_rule = "own_fa_region"       # or "anywhere"

    [[scenario]]
    name = "utan-kontor-vi-reser-till"
    description = "Close every visiting office"
    close_kinds = ["visiting_office"]
    close = ["B4-004", "Af Arjeplog"]          # point ids or names
    add = ["B5-003-office", {point = "Servicekontor Piteå", kind = "cooperation_ssc"}]
    add_service_offices = "as_of_base"        # or "all", or false

    [[scenario.open]]                         # a new point
    name = "Samarbetslösning Tärnaby"
    kind = "cooperation_municipal"
    kommun = "Storuman"                       # name or 4-digit code
    place = "Tärnaby"                         # or lat/lon (WGS 84) or x_m/y_m (EPSG:3006)

    [[scenario.set_kind]]
    point = "B4-004"
    kind = "staffed_office"

    [[scenario]]
    name = "med-tarnaby"
    extends = "utan-kontor-vi-reser-till"     # start from another scenario's network

Validation collects every problem of a file and raises one
:class:`~tillganglighet.errors.InputValidationError` whose lines read
``<file>:<line>: <problem>``: unknown keys, ids, names, kinds and municipalities get
the closest matches suggested; a new point outside Sweden or outside its stated
municipality is refused; duplicate names and conflicting changes are refused.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _adapters as ad
from .model import (
    FA_RULES,
    KINDS,
    MODES,
    NewPoint,
    Scenario,
    base_point_ids,
    service_office_candidates,
    timeline_candidates,
)

#: Points outside every municipality polygon count as in the nearest one within this
#: distance (metres): coastal places and simplified borders (as user point files).
COAST_TOLERANCE_M = 5_000.0

_SCENARIO_KEYS = {
    "name",
    "description",
    "base",
    "extends",
    "close",
    "close_kinds",
    "add",
    "add_kind",
    "add_service_offices",
    "open",
    "set_kind",
    "threshold_min",
    "mode",
    "fa_rule",
}
_DEFAULT_KEYS = {"base", "threshold_min", "mode", "fa_rule"}
_OPEN_KEYS = {"name", "kind", "kommun", "place", "lat", "lon", "x_m", "y_m"}
_SET_KIND_KEYS = {"point", "kind"}
_TOP_KEYS = {"defaults", "scenario"}


# ------------------------------------------------------------------ line numbers

_TOKEN = re.compile(
    r"(?P<nl>\r?\n)|(?P<ws>[ \t]+)|(?P<comment>\#[^\n]*)"
    r'|(?P<mlb>"""(?:\\.|[^\\])*?""")|(?P<mll>\'\'\'.*?\'\'\')'
    r'|(?P<basic>"(?:\\.|[^"\\\n])*")|(?P<lit>\'[^\'\n]*\')'
    r'|(?P<punct>\[\[|\]\]|[\[\]{}=,])|(?P<bare>[^\s\[\]{}=,#"\']+)',
    re.S,
)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, line, pos = [], 1, 0
    while pos < len(text):
        mo = _TOKEN.match(text, pos)
        if mo is None:  # let tomllib report it
            break
        kind = mo.lastgroup or ""
        value = mo.group(0)
        if kind not in ("ws", "comment"):
            out.append((kind, value, line))
        line += value.count("\n")
        pos = mo.end()
    return out


def _key_text(kind: str, value: str) -> str:
    if kind in ("basic", "lit"):
        return value[1:-1]
    return value


def line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Map each table, key and array item of a scenario file to its line (1-based).

    Keys are paths as in the parsed document: ``("scenario", 0)``, ``("scenario", 0,
    "close", 2)``, ``("scenario", 0, "open", 1, "kind")``, ``("defaults", "base")``.
    """
    toks = _tokens(text)
    lines: dict[tuple[Any, ...], int] = {}
    counters: dict[tuple[Any, ...], int] = {}
    scope: tuple[Any, ...] = ()
    i, at_start = 0, True
    while i < len(toks):
        kind, value, line = toks[i]
        if kind == "nl":
            at_start = True
            i += 1
            continue
        if at_start and value in ("[[", "["):
            close = "]]" if value == "[[" else "]"
            j = i + 1
            name: list[str] = []
            while j < len(toks) and toks[j][1] != close and toks[j][0] != "nl":
                name.append(_key_text(toks[j][0], toks[j][1]))
                j += 1
            parts = "".join(name).split(".")
            if value == "[[":
                # An array of tables below the innermost array scope with that prefix.
                parent: tuple[Any, ...] = ()
                if len(parts) > 1 and scope[:1] == (parts[0],) and len(scope) >= 2:
                    parent = scope[:2]
                    parts = parts[1:]
                base = (*parent, *parts)
                n = counters.get(base, -1) + 1
                counters[base] = n
                scope = (*base, n)
                if not parent:
                    for k in [k for k in counters if len(k) > 1 and k[0] == parts[0]]:
                        del counters[k]
            else:
                scope = tuple(parts)
            lines.setdefault(scope, line)
            i = j + 1
            at_start = False
            continue
        if at_start and kind in ("bare", "basic", "lit"):
            key_path = (*scope, *_key_text(kind, value).split("."))
            lines.setdefault(key_path, line)
            i = _value(toks, i + 2, key_path, lines)
            at_start = False
            continue
        at_start = False
        i += 1
    return lines


def _value(
    toks: list[tuple[str, str, int]],
    i: int,
    path: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
) -> int:
    """Record line numbers inside one value starting at token ``i``; return the next index."""
    if i >= len(toks):
        return i
    _kind, value, _line = toks[i]
    if value == "[":
        n, i, expect_item = 0, i + 1, True
        while i < len(toks) and toks[i][1] != "]":
            k, v, ln = toks[i]
            if k == "nl" or v == ",":
                expect_item = expect_item or v == ","
                i += 1
                continue
            if expect_item:
                lines.setdefault((*path, n), ln)
                i = _value(toks, i, (*path, n), lines)
                n += 1
                expect_item = False
            else:
                i += 1
        return i + 1
    if value == "{":
        i += 1
        while i < len(toks) and toks[i][1] != "}":
            k, v, ln = toks[i]
            if k in ("bare", "basic", "lit") and i + 1 < len(toks) and toks[i + 1][1] == "=":
                sub = (*path, *_key_text(k, v).split("."))
                lines.setdefault(sub, ln)
                i = _value(toks, i + 2, sub, lines)
            else:
                i += 1
        return i + 1
    return i + 1


# --------------------------------------------------------------------- problems


@dataclass
class _Problems:
    path: str
    lines: dict[tuple[Any, ...], int]
    items: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, where: tuple[Any, ...]) -> int:
        w = tuple(where)
        while w:
            if w in self.lines:
                return self.lines[w]
            w = w[:-1]
        return 1

    def add(self, where: tuple[Any, ...], message: str) -> None:
        self.items.append((self.line_of(where), message))

    def raise_if_any(self) -> None:
        if self.items:
            raise_problems([(self.path, ln, m) for ln, m in self.items])


def raise_problems(items: Sequence[tuple[str, int, str]]) -> None:
    """Raise one InputValidationError listing ``<file>:<line>: <problem>`` per item."""
    ordered = sorted(dict.fromkeys(items), key=lambda t: (t[0], t[1]))
    shown = ordered[:20]
    text = "\n".join(f"{p}:{ln}: {m}" for p, ln, m in shown)
    if len(ordered) > len(shown):
        text += f"\n... and {len(ordered) - len(shown)} more problems"
    head = f"{len(ordered)} problem(s) in scenario file(s):\n" if len(ordered) > 1 else ""
    raise ad.InputValidationError(head + text)


def _suggest(word: str, options: Iterable[str], n: int = 3) -> str:
    options = [o for o in dict.fromkeys(options) if o]
    lower = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(word.lower(), list(lower), n=n, cutoff=0.6)
    if not hits:
        hits = [lower[o] for o in lower if word.lower() and word.lower() in o][:n]
    else:
        hits = [lower[h] for h in hits]
    return f"; did you mean {', '.join(repr(h) for h in hits)}?" if hits else ""


# ------------------------------------------------------------------- the lookups


@dataclass(frozen=True)
class _Lookup:
    """Known candidates (timeline points and service offices) by id and by name."""

    kind_of: dict[str, str]
    name_of: dict[str, str]
    by_name: dict[str, str]
    kommun_by_code: dict[str, str]
    kommun_by_name: dict[str, str]

    @classmethod
    def build(cls) -> _Lookup:
        frame = pd.concat([timeline_candidates(), service_office_candidates()], ignore_index=True)
        kommuner = ad.municipalities()
        return cls(
            dict(zip(frame["candidate_id"], frame["default_kind"], strict=True)),
            dict(zip(frame["candidate_id"], frame["name"], strict=True)),
            {n.casefold(): c for c, n in zip(frame["candidate_id"], frame["name"], strict=True)},
            dict(zip(kommuner["kommun_kod"], kommuner["kommun"], strict=True)),
            {
                n.casefold(): c
                for c, n in zip(kommuner["kommun_kod"], kommuner["kommun"], strict=True)
            },
        )

    def find(self, ref: str) -> str | None:
        if ref in self.kind_of:
            return ref
        return self.by_name.get(ref.strip().casefold())

    def label(self, cid: str) -> str:
        return f"{cid} ({self.name_of.get(cid, cid)})"


# ------------------------------------------------------------------------ parsing


def _read(path: Path) -> tuple[dict[str, Any], dict[tuple[Any, ...], int], str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ad.InputValidationError(f"{path}: cannot read scenario file: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ad.InputValidationError(f"{path}:{line}: not UTF-8 text") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        mo = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(mo.group(1)) if mo else 1
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ad.InputValidationError(f"{path}:{line}: invalid TOML: {msg}") from None
    return doc, line_map(text), text


@dataclass
class _Raw:
    index: int
    data: dict[str, Any]
    problems: _Problems
    settings: dict[str, Any]

    @property
    def where(self) -> tuple[Any, ...]:
        return ("scenario", self.index)


def _check_keys(
    data: dict[str, Any], allowed: set[str], where: tuple[Any, ...], problems: _Problems, what: str
) -> None:
    for key in data:
        if key not in allowed:
            problems.add(
                (*where, key), f"unknown key {key!r} in {what}{_suggest(key, sorted(allowed))}"
            )


def _settings(
    data: dict[str, Any], where: tuple[Any, ...], problems: _Problems, inherited: dict[str, Any]
) -> dict[str, Any]:
    out = dict(inherited)
    if "base" in data:
        try:
            out["base"] = ad.parse_as_of(str(data["base"])).isoformat()
        except ad.InputValidationError as exc:
            problems.add((*where, "base"), f"base: {str(exc).removeprefix('as_of: ')}")
    if "threshold_min" in data:
        v = data["threshold_min"]
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v <= 0:
            problems.add(
                (*where, "threshold_min"), f"threshold_min: expected minutes > 0, got {v!r}"
            )
        else:
            out["threshold_min"] = float(v)
    for key, allowed in (("mode", MODES), ("fa_rule", FA_RULES)):
        if key in data:
            v = data[key]
            if v not in allowed:
                problems.add(
                    (*where, key),
                    f"{key}: {v!r} is not one of {list(allowed)}" + _suggest(str(v), allowed),
                )
            else:
                out[key] = v
    return out


def load_scenarios(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> list[Scenario]:
    """Read and validate scenario files.

    Parameters
    ----------
    paths
        One TOML file or several; scenario names must be unique across them and
        ``extends`` may name a scenario of any of them.

    Returns
    -------
    list of Scenario
        In file order, with every reference resolved to a candidate id and every new
        point geocoded (EPSG:3006).

    Raises
    ------
    InputValidationError
        Listing every problem as ``<file>:<line>: <problem>``.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    lookup = _Lookup.build()
    raws: list[_Raw] = []
    all_problems: list[_Problems] = []
    for p in paths:
        path = Path(p)
        doc, lines, _ = _read(path)
        problems = _Problems(str(path), lines)
        _check_keys(doc, _TOP_KEYS, (), problems, "the file")
        defaults = doc.get("defaults", {})
        if not isinstance(defaults, dict):
            problems.add(("defaults",), "defaults: expected a table [defaults]")
            defaults = {}
        _check_keys(defaults, _DEFAULT_KEYS, ("defaults",), problems, "[defaults]")
        inherited = _settings(
            defaults,
            ("defaults",),
            problems,
            {
                "base": ad.DEFAULT_AS_OF.isoformat(),
                "threshold_min": 60.0,
                "mode": "road",
                "fa_rule": "own_fa_region",
            },
        )
        items = doc.get("scenario", [])
        if not isinstance(items, list) or not items:
            problems.add(("scenario",), "no scenario: add at least one [[scenario]] table")
            items = []
        for k, data in enumerate(items):
            if not isinstance(data, dict):
                problems.add(("scenario", k), "scenario: expected a table")
                continue
            raws.append(_Raw(k, data, problems, inherited))
        all_problems.append(problems)
    # Names: present, unique across files.
    seen: dict[str, _Raw] = {}
    for r in raws:
        name = r.data.get("name")
        if not isinstance(name, str) or not name.strip():
            r.problems.add(r.where, 'scenario without a name: add name = "..."')
            continue
        if name in seen:
            first = seen[name]
            r.problems.add(
                (*r.where, "name"),
                f"duplicate scenario name {name!r} (first "
                f"defined at {first.problems.path}:"
                f"{first.problems.line_of((*first.where, 'name'))})",
            )
        else:
            seen[name] = r
    # Validate in dependency order so extends sees its parent's network.
    states: dict[str, _State] = {}
    done: dict[str, Scenario] = {}

    def visit(r: _Raw, stack: tuple[str, ...]) -> None:
        name = r.data["name"]
        if name in done:
            return
        parent = r.data.get("extends")
        if parent is not None:
            if not isinstance(parent, str) or parent not in seen:
                r.problems.add(
                    (*r.where, "extends"),
                    f"extends: unknown scenario {parent!r}" + _suggest(str(parent), seen),
                )
                parent = None
            elif parent in stack or parent == name:
                r.problems.add(
                    (*r.where, "extends"),
                    f"extends: circular: {' -> '.join((*stack, name, parent))}",
                )
                parent = None
            else:
                visit(seen[parent], (*stack, name))
                if parent not in done:
                    parent = None
                    r.problems.add((*r.where, "extends"), "extends: its parent has errors")
        scenario, state = _validate(
            r, lookup, parent, states.get(parent or ""), done.get(parent or "")
        )
        if scenario is not None:
            done[name] = scenario
            states[name] = state

    for r in raws:
        if "name" in r.data and isinstance(r.data["name"], str):
            visit(r, ())
    _raise_all(all_problems)
    return [done[r.data["name"]] for r in raws]


def _raise_all(all_problems: list[_Problems]) -> None:
    items = []
    for pr in all_problems:
        items += [(pr.path, ln, m) for ln, m in pr.items]
    if items:
        raise_problems(items)


@dataclass
class _State:
    """A scenario's network while validating: open point id -> kind, new points by name."""

    kinds: dict[str, str]
    new: dict[str, NewPoint]


def _validate(
    r: _Raw,
    lookup: _Lookup,
    parent: str | None,
    parent_state: _State | None,
    parent_scenario: Scenario | None,
) -> tuple[Scenario | None, _State]:
    """Check one scenario; return it (None on errors) and its network (id -> kind)."""
    pr, data, w = r.problems, r.data, r.where
    n_before = len(pr.items)
    _check_keys(data, _SCENARIO_KEYS, w, pr, "[[scenario]]")
    inherited = dict(r.settings)
    if parent_scenario is not None:
        inherited.update(
            threshold_min=parent_scenario.threshold_min,
            mode=parent_scenario.mode,
            fa_rule=parent_scenario.fa_rule,
            base=parent_scenario.base,
        )
    if parent is not None and "base" in data:
        pr.add(
            (*w, "base"),
            "base and extends conflict: a scenario starts from a date or "
            "from another scenario, not both",
        )
    settings = _settings(data, w, pr, inherited)
    description = data.get("description", "")
    if not isinstance(description, str):
        pr.add((*w, "description"), "description: expected text")
        description = ""
    new_points: dict[str, NewPoint] = {}
    if parent_state is not None:
        state = dict(parent_state.kinds)
        new_points = dict(parent_state.new)
    else:
        try:
            state = {c: lookup.kind_of[c] for c in base_point_ids(settings["base"])}
        except ad.InputValidationError as exc:
            pr.add((*w, "base"), str(exc))
            state = {}
    base_label = f"scenario {parent!r}" if parent else f"the network of {settings['base']}"
    touched: dict[str, tuple[str, tuple[Any, ...]]] = {}

    def mark(cid: str, action: str, where: tuple[Any, ...]) -> bool:
        if cid in touched:
            prev, pw = touched[cid]
            what = "listed twice" if prev == action else f"both {prev} and {action}"
            pr.add(
                where,
                f"conflicting changes: {lookup.label(cid)} is {what} (see line {pr.line_of(pw)})",
            )
            return False
        touched[cid] = (action, where)
        return True

    def ref_list(key: str) -> list[tuple[Any, tuple[Any, ...]]]:
        v = data.get(key, [])
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list):
            pr.add((*w, key), f"{key}: expected a list")
            return []
        return [(item, (*w, key, i)) for i, item in enumerate(v)]

    # close
    close: list[str] = []
    for item, where in ref_list("close"):
        if not isinstance(item, str):
            pr.add(where, f"close: expected a point id or name, got {item!r}")
            continue
        cid = _open_point(item, where, state, new_points, lookup, pr, base_label, "close")
        if cid and mark(cid, "closed", where):
            close.append(cid)
    for item, where in ref_list("close_kinds"):
        if item not in KINDS:
            pr.add(where, f"close_kinds: unknown kind {item!r}" + _suggest(str(item), KINDS))
            continue
        for cid, k in state.items():
            if k == item and cid not in touched:
                touched[cid] = ("closed", where)
                close.append(cid)
    closed = set(close)
    # add
    add_kind = data.get("add_kind")
    if add_kind is not None and add_kind not in KINDS:
        pr.add(
            (*w, "add_kind"),
            f"add_kind: unknown kind {add_kind!r}" + _suggest(str(add_kind), KINDS),
        )
        add_kind = None
    add: list[tuple[str, str | None]] = []
    for item, where in ref_list("add"):
        kind = add_kind
        ref = item
        if isinstance(item, dict):
            _check_keys(item, {"point", "kind"}, where, pr, "add")
            ref, kind = item.get("point"), item.get("kind", add_kind)
            if kind is not None and kind not in KINDS:
                pr.add((*where, "kind"), f"add: unknown kind {kind!r}" + _suggest(str(kind), KINDS))
                continue
        if not isinstance(ref, str):
            pr.add(where, f"add: expected a point id or name, got {ref!r}")
            continue
        cid = lookup.find(ref)
        if cid is None:
            pr.add(
                where,
                f"add: unknown point {ref!r}"
                + _suggest(ref, [*lookup.kind_of, *lookup.name_of.values()]),
            )
            continue
        if cid in state and cid not in closed:
            pr.add(where, f"add: {lookup.label(cid)} is already open in {base_label}")
            continue
        if mark(cid, "added", where):
            add.append((cid, kind))
    aso = data.get("add_service_offices", False)
    if aso not in (False, True, "all", "as_of_base"):
        pr.add(
            (*w, "add_service_offices"),
            f'add_service_offices: {aso!r}; use true, "as_of_base", "all" or false',
        )
    elif aso:
        frame = service_office_candidates()
        if aso == "all":
            ids = frame["candidate_id"].tolist()
        else:
            day = ad.parse_as_of(settings["base"])
            ids = ad.service_offices(day)["service_office_id"].astype(str).tolist()
        for cid in ids:
            if cid not in state and cid not in touched:
                touched[cid] = ("added", (*w, "add_service_offices"))
                add.append((cid, add_kind))
    # set_kind
    set_kind: list[tuple[str, str]] = []
    sk = data.get("set_kind", [])
    if not isinstance(sk, list):
        pr.add((*w, "set_kind"), "set_kind: expected [[scenario.set_kind]] tables")
        sk = []
    for i, item in enumerate(sk):
        where = (*w, "set_kind", i)
        if not isinstance(item, dict):
            pr.add(where, "set_kind: expected a table with point and kind")
            continue
        _check_keys(item, _SET_KIND_KEYS, where, pr, "[[scenario.set_kind]]")
        kind = item.get("kind")
        if kind not in KINDS:
            pr.add(
                (*where, "kind"), f"set_kind: unknown kind {kind!r}" + _suggest(str(kind), KINDS)
            )
            continue
        ref = item.get("point")
        if not isinstance(ref, str):
            pr.add((*where, "point"), 'set_kind: point = "<id or name>" is required')
            continue
        cid = _open_point(
            ref, (*where, "point"), state, new_points, lookup, pr, base_label, "set_kind"
        )
        if cid and mark(cid, "given a new kind", (*where, "point")):
            set_kind.append((cid, kind))
    # open
    opens: list[NewPoint] = []
    op = data.get("open", [])
    if not isinstance(op, list):
        pr.add((*w, "open"), "open: expected [[scenario.open]] tables")
        op = []
    open_names: dict[str, tuple[Any, ...]] = {}
    for i, item in enumerate(op):
        where = (*w, "open", i)
        if not isinstance(item, dict):
            pr.add(where, "open: expected a table")
            continue
        point = _new_point(item, where, lookup, pr)
        if point is None:
            continue
        key = point.name.casefold()
        if key in open_names:
            pr.add(
                (*where, "name"),
                f"open: duplicate name {point.name!r} (first at line "
                f"{pr.line_of(open_names[key])})",
            )
            continue
        existing = lookup.by_name.get(key)
        if existing is not None:
            pr.add(
                (*where, "name"),
                f"open: a point named {point.name!r} already exists "
                f'({existing}); to re-open it use add = ["{existing}"], or choose '
                "another name",
            )
            continue
        if key in new_points:
            pr.add(
                (*where, "name"), f"open: {point.name!r} is already opened by scenario {parent!r}"
            )
            continue
        open_names[key] = (*where, "name")
        opens.append(point)
    if len(pr.items) > n_before:
        return None, _State({}, {})
    for cid in close:
        state.pop(cid, None)
    for cid, kind in add:
        state[cid] = kind or lookup.kind_of[cid]
    for cid, kind in set_kind:
        state[cid] = kind
    for point in opens:
        state[point.candidate_id] = point.kind
        new_points[point.name.casefold()] = point
    scenario = Scenario(
        name=data["name"],
        description=description.strip(),
        base=settings["base"],
        extends=parent,
        close=tuple(close),
        add=tuple(add),
        open=tuple(opens),
        set_kind=tuple(set_kind),
        threshold_min=settings["threshold_min"],
        mode=settings["mode"],
        fa_rule=settings["fa_rule"],
        source=f"{pr.path}:{pr.line_of(w)}",
    )
    return scenario, _State(state, new_points)


def _open_point(
    ref: str,
    where: tuple[Any, ...],
    state: dict[str, str],
    new_points: dict[str, NewPoint],
    lookup: _Lookup,
    pr: _Problems,
    base_label: str,
    what: str,
) -> str | None:
    cid = lookup.find(ref)
    if cid is None and ref.strip().casefold() in new_points:
        cid = new_points[ref.strip().casefold()].candidate_id
    if cid is None and ref.startswith("new:"):
        cid = ref
    if cid is not None and cid in state:
        return cid
    if cid is not None:
        pr.add(where, f"{what}: {lookup.label(cid)} is not open in {base_label}")
        return None
    options = [
        *state,
        *(lookup.name_of.get(c, c) for c in state),
        *(p.name for p in new_points.values()),
    ]
    pr.add(where, f"{what}: unknown point {ref!r}" + _suggest(ref, options))
    return None


def _kommun(value: Any, where: tuple[Any, ...], lookup: _Lookup, pr: _Problems) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:04d}"
    if not isinstance(value, str) or not value.strip():
        pr.add(where, "kommun: required (municipality name or 4-digit code)")
        return None
    v = value.strip()
    if v.isdigit() and v.zfill(4) in lookup.kommun_by_code:
        return v.zfill(4)
    code = lookup.kommun_by_name.get(v.casefold())
    if code is None:
        pr.add(
            where,
            f"kommun: unknown municipality {value!r}" + _suggest(v, lookup.kommun_by_code.values()),
        )
    return code


def _new_point(
    item: dict[str, Any], where: tuple[Any, ...], lookup: _Lookup, pr: _Problems
) -> NewPoint | None:
    n_before = len(pr.items)
    _check_keys(item, _OPEN_KEYS, where, pr, "[[scenario.open]]")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        pr.add((*where, "name"), 'open: name = "..." is required')
    kind = item.get("kind")
    if kind not in KINDS:
        pr.add(
            (*where, "kind"),
            f"open: kind {kind!r} is not one of {list(KINDS)}" + _suggest(str(kind), KINDS),
        )
    code = _kommun(item.get("kommun"), (*where, "kommun"), lookup, pr)
    forms = [
        f
        for f, keys in (
            ("place", ("place",)),
            ("lat/lon", ("lat", "lon")),
            ("x_m/y_m", ("x_m", "y_m")),
        )
        if any(k in item for k in keys)
    ]
    if len(forms) != 1:
        pr.add(
            where,
            "open: give the location as exactly one of place, lat/lon or x_m/y_m"
            + (f" (got {' and '.join(forms)})" if forms else ""),
        )
    if len(pr.items) > n_before or code is None:
        return None
    assert isinstance(name, str) and isinstance(kind, str)
    place = ""
    if forms[0] == "place":
        place = item["place"]
        if not isinstance(place, str):
            pr.add((*where, "place"), "open: place must be text")
            return None
        try:
            g = ad.geocode_place(place, code)
        except ad.DataIntegrityError:
            st = ad.settlements()
            names = st.loc[st["kommun_kod"] == code, "name"].tolist()
            pr.add(
                (*where, "place"),
                f"open: no place {place!r} in "
                f"{lookup.kommun_by_code[code]} ({code})"
                + _suggest(place, names)
                + " (or give lat/lon)",
            )
            return None
        x, y = float(g.x_m), float(g.y_m)
    else:
        keys = ("lat", "lon") if forms[0] == "lat/lon" else ("x_m", "y_m")
        raw = [item.get(k) for k in keys]
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw):
            pr.add((*where, keys[0]), f"open: {keys[0]} and {keys[1]} must both be numbers")
            return None
        vals = [float(v) for v in raw if isinstance(v, int | float)]
        if forms[0] == "lat/lon":
            x, y = _to_sweref(float(vals[1]), float(vals[0]))
        else:
            x, y = float(vals[0]), float(vals[1])
        loc_where = (*where, keys[0])
        found = municipality_at(x, y)
        label = f"({vals[0]}, {vals[1]})"
        if found is None:
            pr.add(
                loc_where,
                f"open: {name!r} at {label} lies outside Sweden (more than "
                f"{COAST_TOLERANCE_M / 1000:.0f} km from every municipality)"
                + (
                    " - lat and lon look swapped"
                    if forms[0] == "lat/lon"
                    and municipality_at(*_to_sweref(vals[0], vals[1])) is not None
                    else ""
                ),
            )
            return None
        if found != code:
            pr.add(
                loc_where,
                f"open: {name!r} at {label} lies in "
                f"{lookup.kommun_by_code[found]} ({found}), not in the stated "
                f"{lookup.kommun_by_code[code]} ({code})",
            )
            return None
    return NewPoint(name.strip(), kind, code, round(x, 1), round(y, 1), place)


def _to_sweref(lon: float, lat: float) -> tuple[float, float]:
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", ad.SWEREF99TM, always_xy=True)
    x, y = t.transform(lon, lat)
    return float(x), float(y)


def municipality_at(x_m: float, y_m: float) -> str | None:
    """Municipality code at a point (EPSG:3006): the polygon containing it, else the
    nearest within :data:`COAST_TOLERANCE_M`; None outside Sweden."""
    import shapely

    kommuner = ad.municipalities()
    if not (np.isfinite(x_m) and np.isfinite(y_m)):
        return None
    pt = shapely.Point(x_m, y_m)
    geoms = kommuner.geometry.to_numpy()
    inside = shapely.contains(geoms, pt)
    if inside.any():
        return str(kommuner["kommun_kod"].to_numpy()[np.flatnonzero(inside)[0]])
    dist = shapely.distance(geoms, pt)
    i = int(np.argmin(dist))
    return str(kommuner["kommun_kod"].iloc[i]) if dist[i] <= COAST_TOLERANCE_M else None
