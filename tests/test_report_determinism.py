"""Same input, same bytes: the demo report built twice, in two processes with different hash
seeds and output folders, is byte for byte the same (no random Plotly ids, no set order, no
clock, no output path in the page)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SCENARIO

BUILD = ("import sys; from pathlib import Path; from realpolitik.app.demo import run_demo; "
         "print(run_demo(Path(sys.argv[1]), Path(sys.argv[2])).report)")


def _build(out: Path, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    p = subprocess.run([sys.executable, "-c", BUILD, str(SCENARIO), str(out)], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return Path(p.stdout.strip().splitlines()[-1]).read_bytes()


def test_demo_report_is_byte_reproducible(tmp_path: Path):
    first = _build(tmp_path / "a", "1")
    second = _build(tmp_path / "b" / "deeper", "2")
    assert first == second
    html = first.decode()
    # every chart has a fixed, readable id (Plotly's default is a random UUID)
    ids = re.findall(r'<div id="([^"]+)" class="plotly-graph-div"', html)
    assert len(ids) >= 8 and len(set(ids)) == len(ids)
    assert all(i.startswith("fig-") for i in ids)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", html)
    assert str(tmp_path) not in html
