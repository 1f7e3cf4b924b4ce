"""Atomic writes: a failure mid-write leaves the old file (or nothing) behind."""

from __future__ import annotations

import pytest

from tillganglighet._atomic import atomic_path, atomic_write_text


def test_atomic_write_replaces_and_keeps_extension(tmp_path):
    target = tmp_path / "table.csv"
    atomic_write_text(target, "a\n")
    atomic_write_text(target, "b\n")
    assert target.read_text() == "b\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".csv" and tmp.parent == tmp_path and not tmp.exists()
        tmp.write_text("c\n")
    assert target.read_text() == "c\n"


def test_failure_mid_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "map.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]
