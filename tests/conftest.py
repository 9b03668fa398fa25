"""Shared test fixtures: run the CLI in-process or as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
REF = DATA / "reference"
SCENARIO = ROOT / "scenarios" / "northeast-asia-2018.toml"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None) -> Run:
    """Run ``realpolitik`` in-process (fast); stdout and stderr kept apart."""
    from realpolitik.cli import app

    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)
    finally:
        os.chdir(old)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Run(res.exit_code, res.stdout, res.stderr)


def run_process(*args: str, cwd: Path | None = None, timeout: float = 300) -> Run:
    """Run the installed ``realpolitik`` script as a real process."""
    exe = Path(sys.executable).with_name("realpolitik")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "realpolitik"]
    p = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                       cwd=cwd or ROOT, timeout=timeout)
    return Run(p.returncode, p.stdout, p.stderr)


@pytest.fixture(autouse=True)
def _run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test records its runs in a throwaway SQLite store, never the user's (subprocesses
    inherit the variable)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'runs.sqlite'}"
    monkeypatch.setenv("REALPOLITIK_DB", url)
    return url


@pytest.fixture
def cli():
    return run_cli


def assert_bad_input(run: Run, *needles: str) -> None:
    """Exit status 2, a message on stderr naming each needle, no traceback, nothing on stdout."""
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    for n in needles:
        assert n in run.stderr, (n, run.stderr)


MINI = ROOT / "tests" / "data" / "mini" / "mini.toml"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the small test scenario and its article, free to edit."""
    shutil.copy(MINI, tmp_path / "mini.toml")
    shutil.copy(MINI.with_name("article.txt"), tmp_path / "article.txt")
    return tmp_path / "mini.toml"


def edit(path: Path, old: str, new: str) -> Path:
    """Replace the first ``old`` in a file by ``new`` (which must be there)."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path
