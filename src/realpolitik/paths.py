"""Where the project's bundled files live (scenarios, articles, data)."""

from __future__ import annotations

from pathlib import Path

from realpolitik.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The source checkout (the package is installed in editable mode from ``src/``)."""

BUNDLED_SCENARIO = "northeast-asia-2018"


def project_file(*parts: str) -> Path:
    """A file shipped with the project, looked up in the checkout, then the working directory."""
    for base in (PROJECT_ROOT, Path.cwd()):
        p = base.joinpath(*parts)
        if p.exists():
            return p
    raise InputError.single(
        "/".join(parts),
        "",
        "bundled file not found: run from the realpolitik checkout (pip install -e .)",
    )


def bundled_scenario() -> Path:
    return project_file("scenarios", f"{BUNDLED_SCENARIO}.toml")


def data_file(*parts: str) -> Path:
    return project_file("data", *parts)
