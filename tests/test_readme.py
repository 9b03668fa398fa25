"""The README's scenario example is a valid scenario (a user copies it first)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT, run_cli


def test_the_readme_scenario_example_validates(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## Writing a scenario.*?```toml\n(.*?)```", text, re.S)
    assert found, "README has no TOML example under 'Writing a scenario'"
    path = tmp_path / "example.toml"
    path.write_text(found.group(1), encoding="utf-8")
    # the source path is relative to the working directory here (the repo root)
    r = run_cli("validate", path, "--json", cwd=ROOT)
    assert r.code == 0, r.stderr
    assert '"valid": true' in r.stdout
