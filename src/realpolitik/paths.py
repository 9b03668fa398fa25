"""The package's bundled files (data, fitted parameters, the bundled scenario), found one way.

Everything ships inside the package (``realpolitik/data/``, ``realpolitik/scenarios/``,
``realpolitik/analysis/fitted/``) and is located through :mod:`importlib.resources`, so an
installed wheel works from any directory. A checkout keeps ``data`` and ``scenarios`` at its root
as symlinks into ``src/realpolitik/`` so that command lines such as
``realpolitik forecast data/reference/bdm/ec_emissions_1994.csv`` still work there.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from realpolitik.errors import InputError

BUNDLED_SCENARIO = "northeast-asia-2018"


def package_file(*parts: str) -> Path:
    """A file or folder shipped inside the ``realpolitik`` package (installed on disk)."""
    target = resources.files("realpolitik").joinpath(*parts)
    if not (target.is_file() or target.is_dir()):
        raise InputError.single(
            "/".join(parts), "", "bundled file missing: the realpolitik installation is incomplete"
        )
    return Path(str(target))


def bundled_scenario() -> Path:
    return package_file("scenarios", f"{BUNDLED_SCENARIO}.toml")


def data_file(*parts: str) -> Path:
    """A file under the package's ``data/`` folder (see data/NOTICE.md for sources)."""
    return package_file("data", *parts)
