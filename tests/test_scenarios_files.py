"""Scenario files: parsing, resolution against the report's data, errors by file and line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tillganglighet as tg
from tillganglighet.errors import InputValidationError
from tillganglighet.scenarios import files, model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.toml"))


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo) -> dict[int, str]:
    """Line -> message of every ``<file>:<line>: message`` in an error."""
    out = {}
    for line in str(exc.value).splitlines():
        mo = re.match(r".*\.toml:(\d+): (.*)", line)
        if mo:
            out.setdefault(int(mo.group(1)), mo.group(2))
    return out


def test_examples_load_and_resolve():
    scenarios = files.load_scenarios(EXAMPLES)
    names = {s.name for s in scenarios}
    assert {
        "natverk-2019",
        "natverk-slutet-2020",
        "sex-aterupprattade",
        "alla-servicekontor-bokade-moten",
        "utan-kontor-vi-reser-till",
    } <= names
    cands = model.candidate_set(scenarios)
    resolved = model.resolve_all(scenarios, cands)
    ids = np.array(cands.ids)
    end2020 = set(tg.meeting_points("2020-12-31")["point_id"])
    assert set(ids[resolved["natverk-slutet-2020"].active]) == end2020
    assert set(ids[resolved["natverk-2019"].active]) == set(
        tg.meeting_points("2019-01-01")["point_id"]
    )
    # Closing the visiting offices removes exactly the Bilaga 4 "kontor vi reser till".
    mp = tg.meeting_points("2020-12-31")
    visiting = set(mp.loc[mp["kind"] == "visiting_office", "point_id"])
    assert len(visiting) == 24
    assert set(ids[resolved["utan-kontor-vi-reser-till"].active]) == end2020 - visiting
    # The six re-established offices: closed in the plan, back in the re-opening.
    six = {"B4-021", "B4-026", "B4-043", "B4-044", "B4-050", "B4-051"}
    assert set(ids[resolved["plan-2019-utan-aterupprattande"].active]) == end2020 - six
    assert set(ids[resolved["sex-aterupprattade"].active]) == end2020
    assert resolved["sex-aterupprattade"].reference == "plan-2019-utan-aterupprattande"
    # SSC: every service office open on the base date, as cooperation in SSC premises.
    so = set(tg.service_offices("2020-12-31")["service_office_id"])
    r = resolved["alla-servicekontor-bokade-moten"]
    assert set(ids[r.active]) == end2020 | so
    coop_ssc = model.KIND_CODE["cooperation_ssc"]
    assert all(r.kind[cands.index([s])[0]] == coop_ssc for s in so)


def test_new_points_are_geocoded_within_their_municipality():
    scenarios = files.load_scenarios(ROOT / "scenarios" / "close-visiting-offices.toml")
    opened = {p.name: p for s in scenarios for p in s.open}
    arjeplog = opened["Samarbetslösning Arjeplog (ny)"]
    assert arjeplog.kommun_kod == "2506" and arjeplog.place == "Arjeplog"
    assert files.municipality_at(arjeplog.x_m, arjeplog.y_m) == "2506"
    korpi = opened["Samarbetslösning Korpilombolo"]
    assert korpi.kommun_kod == "2521"


def test_every_error_names_file_and_line(tmp_path):
    path = write(
        tmp_path,
        """\
[defaults]
threshhold_min = 60

[[scenario]]
name = "a"
close = ["B4-004",
   "Af Arjeplogg",
   "B4-004"]
mode = "bus"

[[scenario.open]]
name = "X"
kind = "staffed"
kommun = "Storumann"
place = "Storuman"

[[scenario.open]]
name = "Oslo"
kind = "staffed_office"
kommun = "Storuman"
lat = 59.91
lon = 10.75

[[scenario.open]]
name = "Umeå by mistake"
kind = "staffed_office"
kommun = "Storuman"
lat = 63.8258
lon = 20.263

[[scenario.set_kind]]
point = "B4-004"
kind = "staffed_office"

[[scenario]]
name = "a"
extends = "b"
""",
    )
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios(path)
    assert str(path) in str(exc.value)
    got = problems(exc)
    assert "did you mean 'threshold_min'" in got[2]
    assert "unknown point 'Af Arjeplogg'" in got[7] and "'Af Arjeplog'" in got[7]
    assert "listed twice" in got[8] and "line 6" in got[8]
    assert "mode" in got[9]
    assert "did you mean 'staffed_office'" in got[13]
    assert "did you mean 'Storuman'" in got[14]
    assert "outside Sweden" in got[21]
    assert "lies in Umeå (2480), not in the stated Storuman (2421)" in got[28]
    assert "both closed and given a new kind" in got[32]
    assert "duplicate scenario name 'a'" in got[36] and ":5)" in got[36]
    assert "unknown scenario 'b'" in got[37]


def test_swapped_coordinates_are_named(tmp_path):
    path = write(
        tmp_path,
        """\
[[scenario]]
name = "s"

[[scenario.open]]
name = "Swapped"
kind = "cooperation_municipal"
kommun = "Stockholm"
lat = 18.07
lon = 59.33

[[scenario.open]]
name = "Oslo"
kind = "cooperation_municipal"
kommun = "Stockholm"
lat = 59.91
lon = 10.75
""",
    )
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios(path)
    got = problems(exc)
    assert "outside Sweden" in got[8] and "lat and lon look swapped" in got[8]
    assert "outside Sweden" in got[15] and "swapped" not in got[15]


def test_toml_syntax_error_has_line(tmp_path):
    path = write(tmp_path, '[[scenario]]\nname = "a"\nclose = ["B4-004"\n\nbase = 1\n')
    with pytest.raises(InputValidationError, match=r"s\.toml:\d+: invalid TOML"):
        files.load_scenarios(path)


def test_point_not_open_in_base_and_unknown_place(tmp_path):
    path = write(
        tmp_path,
        """\
[[scenario]]
name = "early"
base = "2019-01-01"
close = ["B5-003-coop"]
add = ["B5-003-office"]

[[scenario.open]]
name = "Nowhere"
kind = "cooperation_municipal"
kommun = "Arjeplog"
place = "Arjeplogg"
""",
    )
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios(path)
    got = problems(exc)
    assert "B5-003-coop" in got[4] and "is not open in the network of 2019-01-01" in got[4]
    assert "already open" in got[5]
    assert "no place 'Arjeplogg' in Arjeplog" in got[11] and "'Arjeplog'" in got[11]


def test_duplicate_new_names_and_existing_names(tmp_path):
    path = write(
        tmp_path,
        """\
[[scenario]]
name = "dups"

[[scenario.open]]
name = "Ny plats"
kind = "cooperation_municipal"
kommun = "0180"
place = "Stockholm"

[[scenario.open]]
name = "ny plats"
kind = "cooperation_municipal"
kommun = "Stockholm"
place = "Stockholm"

[[scenario.open]]
name = "Af Arjeplog"
kind = "staffed_office"
kommun = "Arjeplog"
place = "Arjeplog"
""",
    )
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios(path)
    got = problems(exc)
    assert "duplicate name" in got[11] and "line 5" in got[11]
    assert "already exists (B4-004)" in got[17]


def test_conflicts_between_add_and_close_and_base_extends(tmp_path):
    path = write(
        tmp_path,
        """\
[[scenario]]
name = "p"
close = ["B4-004"]

[[scenario]]
name = "c"
extends = "p"
base = "2020-12-31"
close = ["Af Arjeplog"]
""",
    )
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios(path)
    got = problems(exc)
    assert "base and extends conflict" in got[8]
    assert "is not open in scenario 'p'" in got[9]


def test_circular_extends(tmp_path):
    path = write(
        tmp_path,
        '[[scenario]]\nname = "a"\nextends = "b"\n\n[[scenario]]\nname = "b"\nextends = "a"\n',
    )
    with pytest.raises(InputValidationError, match="circular"):
        files.load_scenarios(path)


def test_settings_inherit_and_validate(tmp_path):
    path = write(
        tmp_path,
        """\
[defaults]
threshold_min = 45
fa_rule = "anywhere"

[[scenario]]
name = "one"
mode = "pt"

[[scenario]]
name = "two"
threshold_min = -3
""",
    )
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios(path)
    assert "threshold_min: expected minutes > 0" in problems(exc)[11]
    path.write_text(path.read_text().replace("-3", "30"))
    one, two = files.load_scenarios(path)
    assert (one.threshold_min, one.mode, one.fa_rule) == (45.0, "pt", "anywhere")
    assert two.threshold_min == 30.0


def test_names_unique_across_files(tmp_path):
    a = write(tmp_path, '[[scenario]]\nname = "same"\n', "a.toml")
    b = write(tmp_path, '# other\n[[scenario]]\nname = "same"\n', "b.toml")
    with pytest.raises(InputValidationError) as exc:
        files.load_scenarios([a, b])
    assert f"{b}:3: duplicate scenario name 'same' (first defined at {a}:2)" in str(exc.value)


def test_line_map_of_inline_tables_and_multiline_strings():
    text = (
        '[[scenario]]\nname = "x"\ndescription = """one\ntwo"""\n'
        'add = [\n  {point = "B5-001-office", kind = "staffed_office"},\n'
        '  "B5-002-office",\n]\n[[scenario.open]]\nname = "n"\n'
    )
    lines = files.line_map(text)
    assert lines[("scenario", 0, "add", 0)] == 6
    assert lines[("scenario", 0, "add", 0, "kind")] == 6
    assert lines[("scenario", 0, "add", 1)] == 7
    assert lines[("scenario", 0, "open", 0, "name")] == 10
