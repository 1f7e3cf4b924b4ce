"""Publishing a set of output files as one atomic step (report/publish.py).

Fault injection: a publish is interrupted (KeyboardInterrupt), killed (SIGKILL, in a
child process) or hit by a failing rename at every one of its steps, and the folder
must always hold exactly one complete set, the old one or the new one. Concurrent runs
into one folder must not mix their files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from tillganglighet.errors import OutputWriteError
from tillganglighet.report import publish as pub

NAMES = ("a.csv", "b.parquet", "summary.md", "map.html")
SRC = str(Path(__file__).resolve().parents[1] / "src")


def writer(token: str):
    def write(folder: Path) -> None:
        for name in NAMES:
            (folder / name).write_text(f"{token}:{name}\n", encoding="utf-8")

    return write


def the_set(out: Path) -> str:
    """Return the token of the one complete set visible at out/<name>; fail otherwise."""
    tokens = set()
    for name in NAMES:
        p = out / name
        assert p.is_file(), f"{name} missing: {sorted(x.name for x in out.iterdir())}"
        token, written_name = p.read_text(encoding="utf-8").strip().split(":")
        assert written_name == name
        tokens.add(token)
    assert len(tokens) == 1, f"mixed set: {tokens}"
    return tokens.pop()


def no_leftovers(out: Path) -> None:
    assert [p.name for p in (out / pub.RUNS).iterdir()] == [pub._current_run(out)]
    hidden = {p.name for p in out.iterdir() if p.name.startswith(".")}
    assert hidden <= {pub.RUNS, pub.CURRENT, pub.LOCK}, hidden


def legacy_folder(out: Path, token: str) -> None:
    """A folder as written by earlier versions: plain files at out/<name>."""
    out.mkdir(parents=True)
    writer(token)(out)


def linked_folder(out: Path, token: str) -> None:
    out.mkdir(parents=True)
    pub.publish(out, NAMES, writer(token))


def recorded_steps(layout, tmp_path: Path, monkeypatch) -> list[str]:
    steps: list[str] = []
    out = tmp_path / "record"
    layout(out, "old")
    monkeypatch.setattr(pub, "_checkpoint", steps.append)
    pub.publish(out, NAMES, writer("new"))
    monkeypatch.undo()
    assert the_set(out) == "new"
    return steps


@pytest.mark.parametrize("layout", [linked_folder, legacy_folder], ids=["linked", "legacy"])
def test_interrupt_at_every_publish_step_leaves_one_complete_set(layout, tmp_path, monkeypatch):
    steps = recorded_steps(layout, tmp_path, monkeypatch)
    assert "switched" in steps and len(steps) >= len(NAMES) + 4
    switch_at = steps.index("switched")
    for k, step in enumerate(steps):
        out = tmp_path / f"k{k}"
        layout(out, "old")
        calls = iter(range(len(steps)))

        def interrupt(label: str, k: int = k, calls=calls) -> None:
            if next(calls) == k:
                raise KeyboardInterrupt(label)

        monkeypatch.setattr(pub, "_checkpoint", interrupt)
        with pytest.raises(KeyboardInterrupt):
            pub.publish(out, NAMES, writer("new"))
        monkeypatch.undo()
        assert the_set(out) == ("new" if k >= switch_at else "old"), step
        # The next run cleans up whatever the interrupted one left and publishes.
        pub.publish(out, NAMES, writer("next"))
        assert the_set(out) == "next"
        no_leftovers(out)


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tillganglighet.report import publish as pub

    out, k, token = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    names, sig = sys.argv[4].split(","), getattr(signal, sys.argv[5])
    calls = iter(range(10_000))

    def kill(label):
        if next(calls) == k:
            os.kill(os.getpid(), sig)

    def write(folder):
        for name in names:
            (folder / name).write_text(f"{token}:{name}\\n", encoding="utf-8")

    pub._checkpoint = kill
    pub.publish(out, names, write)
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("layout", [linked_folder, legacy_folder], ids=["linked", "legacy"])
def test_sigkill_at_every_publish_step_leaves_one_complete_set(layout, sig, tmp_path, monkeypatch):
    steps = recorded_steps(layout, tmp_path, monkeypatch)
    switch_at = steps.index("switched")
    env = {**os.environ, "PYTHONPATH": SRC}
    for k, step in enumerate(steps):
        out = tmp_path / f"k{k}"
        layout(out, "old")
        proc = subprocess.run(
            [sys.executable, "-c", KILL_SCRIPT, str(out), str(k), "new", ",".join(NAMES), sig],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == -getattr(signal, sig), proc.stderr
        assert the_set(out) == ("new" if k >= switch_at else "old"), step
        pub.publish(out, NAMES, writer("next"))
        assert the_set(out) == "next"
        no_leftovers(out)  # the killed run's folder and temporary links are gone


@pytest.mark.parametrize("layout", [linked_folder, legacy_folder], ids=["linked", "legacy"])
@pytest.mark.parametrize("call", ["replace", "symlink"])
def test_failing_rename_at_every_step_keeps_the_old_set(layout, call, tmp_path, monkeypatch):
    n_calls = 0
    real = getattr(os, call)

    def counting(*a, **k):
        nonlocal n_calls
        n_calls += 1
        return real(*a, **k)

    out = tmp_path / "count"
    layout(out, "old")
    monkeypatch.setattr(os, call, counting)
    pub.publish(out, NAMES, writer("new"))
    monkeypatch.undo()
    total = n_calls
    assert total >= 1
    for k in range(total):
        out = tmp_path / f"k{k}"
        layout(out, "old")
        seen = 0

        def failing(*a, k=k, **kw):
            nonlocal seen
            seen += 1
            if seen - 1 == k:
                raise OSError(28, "No space left on device")
            return real(*a, **kw)

        monkeypatch.setattr(os, call, failing)
        try:
            with warnings.catch_warnings():  # k=0 fails the symlink probe: fallback warns
                warnings.simplefilter("ignore", UserWarning)
                pub.publish(out, NAMES, writer("new"))
        except OutputWriteError as exc:
            assert "No space left on device" in str(exc)
            monkeypatch.undo()
            assert the_set(out) == "old"
        else:  # the probe for symlink support failed: the fallback still publishes
            monkeypatch.undo()
            assert the_set(out) == "new"
        pub.publish(out, NAMES, writer("next"))
        assert the_set(out) == "next"


def test_a_folder_in_place_of_an_output_is_named_and_nothing_changes(tmp_path):
    out = tmp_path / "out"
    linked_folder(out, "old")
    (out / "summary.md").unlink()
    (out / "summary.md").mkdir()
    before = {n: (out / n).read_text() for n in NAMES if n != "summary.md"}
    with pytest.raises(OutputWriteError, match=r"summary\.md.* is a folder"):
        pub.publish(out, NAMES, writer("new"))
    assert {n: (out / n).read_text() for n in NAMES if n != "summary.md"} == before
    assert len(list((out / pub.RUNS).iterdir())) == 1


def test_failed_write_names_the_file_and_keeps_the_old_set(tmp_path):
    out = tmp_path / "out"
    legacy_folder(out, "old")

    def write(folder: Path) -> None:
        writer("new")(folder)
        (folder / "map.html").unlink()

    with pytest.raises(OutputWriteError, match=r"map\.html were not written"):
        pub.publish(out, NAMES, write)
    assert the_set(out) == "old"


def test_stale_staging_folders_are_removed(tmp_path):
    out = tmp_path / "out"
    linked_folder(out, "old")
    (out / ".tmp-run-abc123").mkdir()  # staging folder of a killed earlier version
    (out / ".tmp-run-abc123" / "municipalities.gpkg").write_bytes(b"x" * 1000)
    (out / pub.RUNS / "20260101T000000-1-dead").mkdir()  # a killed run's folder
    (out / ".tmp-summary-xyz.md").write_text("half")  # atomic_path leftover
    pub.publish(out, NAMES, writer("new"))
    assert the_set(out) == "new"
    no_leftovers(out)


def test_files_are_symlinks_into_the_run_folder(tmp_path):
    out = tmp_path / "out"
    linked_folder(out, "one")
    first_run = pub._current_run(out)
    pub.publish(out, NAMES, writer("two"))
    assert the_set(out) == "two"
    assert pub._current_run(out) != first_run
    for name in NAMES:
        assert (out / name).is_symlink()
        assert os.readlink(out / name) == f"{pub.CURRENT}/{name}"  # relative: folder movable
    assert not (out / pub.RUNS / first_run).exists()  # the previous run is deleted


def test_without_symlinks_the_files_are_moved_with_a_warning(tmp_path, monkeypatch):
    out = tmp_path / "out"
    legacy_folder(out, "old")

    def no_symlinks(*_a, **_k):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    with pytest.warns(UserWarning, match="not support symbolic links"):
        pub.publish(out, NAMES, writer("new"))
    assert the_set(out) == "new"
    assert not any((out / n).is_symlink() for n in NAMES)
    assert not (out / pub.PUBLISHING).exists()


# --- concurrency ---------------------------------------------------------------------

RACE_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tillganglighet.report import publish as pub

    out, token, delay, timeout = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    names = sys.argv[5].split(",")

    def write(folder):
        for name in names:
            (folder / name).write_text(f"{token}:{name}\\n", encoding="utf-8")
            time.sleep(delay)  # a slowed run

    try:
        pub.publish(out, names, write, lock_timeout_s=timeout)
    except pub.OutputWriteError as exc:
        print(exc)
        sys.exit(1)
    """
)


def _race(out: Path, delays: tuple[float, float], timeout: float) -> list[tuple[int, str]]:
    env = {**os.environ, "PYTHONPATH": SRC}
    procs = []
    for token, delay in zip(("r1", "r2"), delays, strict=True):
        args = [sys.executable, "-c", RACE_SCRIPT, str(out), token, str(delay), str(timeout)]
        procs.append(
            subprocess.Popen([*args, ",".join(NAMES)], env=env, stdout=subprocess.PIPE, text=True)
        )
    texts = [p.communicate(timeout=60)[0] for p in procs]
    return [(p.returncode, text) for p, text in zip(procs, texts, strict=True)]


def test_two_concurrent_runs_wait_and_never_mix(tmp_path):
    out = tmp_path / "out"
    legacy_folder(out, "old")
    procs = _race(out, (0.2, 0.01), timeout=60)
    assert [code for code, _ in procs] == [0, 0]
    assert the_set(out) in {"r1", "r2"}
    no_leftovers(out)


def test_a_concurrent_run_that_cannot_wait_fails_clearly(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    procs = _race(out, (0.5, 0.5), timeout=0.2)
    assert sorted(code for code, _ in procs) == [0, 1]
    message = next(text for code, text in procs if code == 1)
    assert "another tillganglighet run (pid" in message and "choose another --out" in message
    assert the_set(out) in {"r1", "r2"}


def test_publish_does_not_warn_on_a_normal_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pub.publish(out, NAMES, writer("new"))
    assert the_set(out) == "new"


# --- the real outputs ----------------------------------------------------------------


def _threshold_of_set(out: Path) -> float:
    """Threshold shown by every table and the summary of out; fail if they disagree."""
    import pandas as pd

    from tillganglighet.report.tables import OUTPUT_FILES

    seen = set()
    for name in OUTPUT_FILES:
        p = out / name
        assert p.is_file(), name
        if name.endswith(".csv"):
            seen |= set(pd.read_csv(p)["threshold_min"])
        elif name.endswith(".parquet"):
            seen |= set(pd.read_parquet(p, columns=["threshold_min"])["threshold_min"])
    text = (out / "summary.md").read_text(encoding="utf-8")
    seen |= {float(t) for t in ("30", "60") if f"Threshold: **{t} minutes**" in text}
    assert len(seen) == 1, f"mixed set: thresholds {seen}"
    return seen.pop()


@pytest.fixture(scope="module")
def two_results():
    from tillganglighet.analysis import analyze

    return analyze(threshold_min=60), analyze(threshold_min=30)


@pytest.mark.parametrize("at", ["linked map.html", "current link staged", "switched"])
def test_write_outputs_interrupted_while_publishing(two_results, at, tmp_path, monkeypatch):
    from tillganglighet.report.tables import write_outputs

    old, new = two_results
    out = tmp_path / "out"
    write_outputs(old, out)
    for name in ("summary.md", "map.html"):  # as earlier versions left them: plain files
        data = (out / name).read_bytes()
        (out / name).unlink()
        (out / name).write_bytes(data)

    def interrupt(label: str) -> None:
        if label == at:
            raise KeyboardInterrupt

    monkeypatch.setattr(pub, "_checkpoint", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(new, out)
    assert _threshold_of_set(out) == (30.0 if at == "switched" else 60.0)


def test_two_cli_analyze_runs_into_one_out_never_mix(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}
    main = "from tillganglighet.cli import main; main()"
    cmd = [sys.executable, "-c", main, "analyze", "--out", str(out)]
    procs = [
        subprocess.Popen(
            [*cmd, "--threshold", t], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for t in ("30", "60")
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert _threshold_of_set(out) in {30.0, 60.0}
    no_leftovers(out)


def test_cli_names_a_folder_in_place_of_summary_md_and_changes_nothing(tmp_path):
    from typer.testing import CliRunner

    from tillganglighet.cli import app
    from tillganglighet.report.tables import OUTPUT_FILES

    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUT_FILES:  # a previous run's plain files...
        (out / name).write_text(f"old:{name}\n", encoding="utf-8")
    (out / "summary.md").unlink()
    (out / "summary.md").mkdir()  # ...with a folder where summary.md belongs
    res = CliRunner().invoke(app, ["analyze", "--out", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "summary.md" in res.output and "is a folder" in res.output
    assert "map.html:" not in res.output  # the message names the right file
    for name in OUTPUT_FILES:
        if name != "summary.md":
            assert (out / name).read_text(encoding="utf-8") == f"old:{name}\n"
