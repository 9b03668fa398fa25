"""``--against REV`` for the benchmarks: time an earlier revision of the project in the same run.

The revision's ``src/`` is extracted with ``git archive`` into a temporary directory; timings
run in child processes (the benchmark script itself, in a child mode) with that directory first
on ``PYTHONPATH``, so ``import realpolitik`` loads the revision's code and nothing else changes.
The current code is timed the same way (a child with the checkout's ``src/``), the two
alternating, so that both see the same machine load.

``load_renamed`` is the finer alternative for code that only needs NumPy: the revision's
package is copied under another top-level name (its import statements renamed), so that both
versions run in one process, interleaved run by run (process-to-process differences in memory
layout then do not enter the comparison).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def checkout(rev: str) -> Path:
    """The ``src/`` directory of revision ``rev`` in a new temporary directory."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "src"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    out = Path(tempfile.mkdtemp(prefix="realpolitik-" + rev.replace("/", "_")[:12] + "-"))
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # (Python >= 3.11.4)
            tar.extractall(out, filter="data")
        else:  # pragma: no cover
            tar.extractall(out)  # noqa: S202 (our own repository's archive)
    return out / "src"


def describe(rev: str) -> str:
    """``rev`` with its short hash and subject line."""
    line = subprocess.run(
        ["git", "log", "-1", "--format=%h %s", rev], cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return f"{rev} ({line[:70]})"


def child(script: Path, args: list[str], src: Path) -> object:
    """Run ``script args`` with ``src`` first on the import path; its stdout is JSON."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]))
    res = subprocess.run(
        [sys.executable, str(script), *args], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(res.stdout)


def current_src() -> Path:
    return ROOT / "src"


def load_renamed(src: Path, module: str, alias: str = "realpolitik_rev") -> ModuleType:
    """``module`` (a dotted name under ``realpolitik``) of the code in ``src``, imported beside
    the current code as ``alias``: ``src/realpolitik`` is copied to a temporary directory as
    ``alias`` with every ``from realpolitik``/``import realpolitik`` statement renamed."""
    root = Path(tempfile.mkdtemp(prefix="realpolitik-side-"))
    shutil.copytree(src / "realpolitik", root / alias)
    statement = re.compile(r"(?m)^(\s*)(from|import) realpolitik\b")
    for py in (root / alias).rglob("*.py"):
        py.write_text(statement.sub(rf"\1\2 {alias}", py.read_text()))
    sys.path.insert(0, str(root))
    return importlib.import_module(alias + module.removeprefix("realpolitik"))
