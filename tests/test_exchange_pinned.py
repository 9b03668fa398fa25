"""Full runs of the exchange model pinned bit for bit: digests of every output array, recorded
with the implementation that held its state twice (arrays and lists), before the exchange core
was written once. A change to the procedure or to the order of floating-point steps changes them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from realpolitik.analysis.linkage import linkage_inputs
from realpolitik.models.exchange import ExchangeResult, equal_gain_exchange
from realpolitik.scenario.importers.decide import read as read_decide

DECIDE = Path(__file__).resolve().parents[1] / "data" / "reference" / "decide"
_LOG = ("round", "actor_i", "actor_j", "issue_i", "issue_j", "start_i", "start_j", "end_i",
        "end_j", "gain_i", "gain_j")  # fmt: skip


def digest(res: ExchangeResult) -> str:
    """sha256 over the bytes of every array of a result (and its tie count)."""
    h = hashlib.sha256()
    arrays = [res.compromise, res.positions, res.start_positions]
    arrays += [getattr(res.exchanges, key) for key in _LOG]
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    h.update(str(res.ties).encode())
    return h.hexdigest()


def _decide(name: str, rounds: int, seed: int) -> ExchangeResult:
    inp = linkage_inputs(read_decide(DECIDE / name, "decide"))
    return equal_gain_exchange(
        inp.positions, inp.salience, inp.power, inp.lower, inp.upper, rounds=rounds, seed=seed
    )


def _random(n: int, k: int, grid: bool, seed: int, rounds: int) -> ExchangeResult:
    """n actors x k issues with missing stances and zero powers (as the large-input tests)."""
    rng = np.random.default_rng(seed)
    if grid:
        x = rng.choice(np.arange(0.0, 101.0, 10.0), (n, k))
        s = rng.choice([0.2, 0.4, 0.5, 0.6, 0.8, 1.0], (n, k))
    else:
        x, s = rng.uniform(0, 100, (n, k)), rng.uniform(0.05, 1, (n, k))
    c = np.repeat(rng.uniform(0.1, 3.0, (n, 1)), k, axis=1)
    c[rng.random((n, k)) < 0.05] = 0.0
    x[rng.random((n, k)) < 0.12] = np.nan
    lower, upper = np.full(k, -1.0), np.full(k, 3.0)  # a scale other than 0-100
    return equal_gain_exchange(x * 0.04 - 1.0, s, c, lower, upper, rounds=rounds, seed=seed)


# name: (run, exchanges, ties, digest), recorded with the original implementation
CASES: dict[str, tuple[Callable[[], ExchangeResult], int, int, str]] = {
    "sample_data 10 rounds seed 7": (
        lambda: _decide("sample_data.txt", 10, 7),
        380,
        20,
        "7ad3e6fd2290bc1988149a797be0d4a3ea54ace69822466c504cd16f99b37d35",
    ),
    "copenhagen 10 rounds seed 3": (
        lambda: _decide("copenhagen.csv", 10, 3),
        449,
        43,
        "70eec700403d3370f87ee93407f2d3d0bb2686849f155d2a05f6d3903a1b09af",
    ),
    "cop21 4 rounds seed 11": (
        lambda: _decide("cop21.csv", 4, 11),
        528,
        29,
        "e51f791c8b505f21889be43cc3aaedc910b30aa4497a94dcfed15006f11b9043",
    ),
    "12 x 6 grid 5 rounds": (
        lambda: _random(12, 6, True, 21, 5),
        155,
        2,
        "b0b6e8863f3ef4799b0d54f2418ebf6178237e2ec7acb972aa83f877d8e6d19e",
    ),
    "30 x 15 uniform 2 rounds": (
        lambda: _random(30, 15, False, 22, 2),
        763,
        0,
        "a717d449648970a6547475a2b3886b7611aad4ede14d3230cd8a0e9b01950ce3",
    ),
    "30 x 15 grid 2 rounds": (
        lambda: _random(30, 15, True, 23, 2),
        726,
        31,
        "805d580d54f5e234ff92b729315d0d35c7ccc272013fd88d39f8eaa553824559",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_full_runs_are_pinned(name: str) -> None:
    run, exchanges, ties, pinned = CASES[name]
    res = run()
    assert (len(res.exchanges), res.ties, digest(res)) == (exchanges, ties, pinned)
