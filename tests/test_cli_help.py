"""`tillganglighet --version` alone, and flags shown without a value placeholder."""

from __future__ import annotations

import re
import subprocess
import sys

from typer.testing import CliRunner

from tillganglighet import __version__
from tillganglighet.cli import app


def test_version_alone_prints_and_exits_zero():
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"tillganglighet {__version__}"
    # The installed entry point behaves the same (a fresh interpreter, real argv).
    done = subprocess.run(
        [sys.executable, "-m", "tillganglighet", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and __version__ in done.stdout, done.stderr


def test_help_advertises_version_and_shows_no_bool_placeholder():
    env = {"COLUMNS": "160"}
    top = CliRunner().invoke(app, ["--help"], env=env).output
    analyze = CliRunner().invoke(app, ["analyze", "--help"], env=env).output
    assert "--version" in top
    assert "<bool>" not in top and "<bool>" not in analyze
    # Options that take a value still show their type.
    assert re.search(r"--threshold\s+<float>", analyze), analyze
    assert re.search(r"--out\s+<path>", analyze), analyze
