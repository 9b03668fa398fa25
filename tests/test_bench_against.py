"""``benchmarks/against.py``'s side-by-side import: a revision's package loaded under another
name runs its own code (not the current package's) and, given the current source, gives the
current model's bits."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from realpolitik.models import exchange

ROOT = Path(__file__).resolve().parents[1]


def test_a_revision_loads_beside_the_current_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # (load_renamed prepends its directory)
    spec = importlib.util.spec_from_file_location("against", ROOT / "benchmarks" / "against.py")
    assert spec is not None and spec.loader is not None
    against = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(against)
    alias = "realpolitik_side_test"
    try:
        side = against.load_renamed(ROOT / "src", "realpolitik.models.exchange", alias)
        assert side.__name__ == f"{alias}.models.exchange"
        assert side is not exchange and Path(side.__file__).parts[-4] == alias
        # its own modules all the way down (the import statements were renamed)
        rounds = sys.modules[f"{alias}.models.exchange.rounds"]
        assert rounds.equal_gain.__module__ == f"{alias}.models.exchange.equal_gain"
        rng = np.random.default_rng(3)
        x, s = rng.uniform(0, 100, (6, 4)), rng.uniform(0.1, 1, (6, 4))
        c = rng.uniform(1, 3, (6, 4))
        a = exchange.equal_gain_exchange(x, s, c, rounds=4, seed=2)
        b = side.equal_gain_exchange(x, s, c, rounds=4, seed=2)
        assert len(a.exchanges) > 0
        assert a.compromise.tobytes() == b.compromise.tobytes()
    finally:
        for name in [m for m in sys.modules if m == alias or m.startswith(alias + ".")]:
            del sys.modules[name]


def test_bench_eum_child_mode_times_both_versions() -> None:
    """bench_eum.py --versus-child (what --against runs in each fresh process) prints the
    marginal round times of the current code and of the revision, alternation by alternation."""
    import json
    import subprocess

    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_eum.py"), "--versus-child",
         str(ROOT / "src"), "10", "1", "1"],
        check=True, capture_output=True, text=True, timeout=600,
    ).stdout  # fmt: skip
    now, rev = json.loads(out)
    assert len(now) == len(rev) == 15
    assert all(t > 0 for t in now + rev)
