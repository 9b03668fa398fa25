"""The batched expected-utility model (models/bargaining/eum/batched.py): each run of a batch is
the run alone (bit for bit, whatever else shares the batch), and agrees with the one-run model
on the tuned kernel to the tolerance the kernel meets against the direct form."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.analysis.forecast import issue_inputs
from realpolitik.models.bargaining.eum import EUMParams, EUMResult, expected_utility_model
from realpolitik.models.bargaining.eum.batched import expected_utility_batch
from realpolitik.scenario.loader import load_scenario

Runs = tuple[np.ndarray, np.ndarray, np.ndarray]


@st.composite
def runs(draw: st.DrawFn, max_n: int = 12, max_runs: int = 6) -> Runs:
    """Several independent runs with the same number of actors: tied grids and spread values,
    zero weights, and now and then a run in which nobody disagrees."""
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, max_runs))
    grid = st.integers(0, 20).map(lambda v: v / 20)
    rows = []
    for _ in range(k):
        if draw(st.booleans()):
            pos = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
        else:
            pos = draw(st.lists(st.integers(0, 100_000).map(lambda v: v / 1000),
                                min_size=n, max_size=n))
        cap = draw(st.lists(grid, min_size=n, max_size=n))
        sal = draw(st.lists(grid, min_size=n, max_size=n))
        if not any(c * s > 0 for c, s in zip(cap, sal, strict=True)):
            cap[0] = sal[0] = 1.0
        rows.append((pos, cap, sal))
    x, c, s = (np.array([r[i] for r in rows], dtype=float) for i in range(3))
    return x, c, s


options = st.fixed_dictionaries(
    {
        "probability": st.sampled_from(["scholz", "pairwise"]),
        "compromise_rank": st.sampled_from(["scholz", "move"]),
        "q": st.sampled_from([1.0, 1.0, 0.5]),
        "t": st.sampled_from([1.0, 0.25]),
        "expected_position": st.sampled_from(["median", "mean"]),
    }
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_identical(a: EUMResult, b: EUMResult) -> None:
    assert (a.rounds, a.converged) == (b.rounds, b.converged)
    for field in ("positions", "median_by_round", "mean_by_round", "risk_by_round",
                  "relationships"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


@SETTINGS
@given(data=runs(), opts=options)
def test_a_run_in_a_batch_is_the_run_alone(data: Runs, opts: dict) -> None:
    x, c, s = data
    params = EUMParams(**opts)
    together = expected_utility_batch(x, c, s, params)
    reversed_batch = expected_utility_batch(x[::-1], c[::-1], s[::-1], params)
    assert len(together) == x.shape[0]
    for k in range(x.shape[0]):
        alone = expected_utility_batch(x[k : k + 1], c[k : k + 1], s[k : k + 1], params)[0]
        assert_identical(together[k], alone)
        assert_identical(together[k], reversed_batch[x.shape[0] - 1 - k])


@SETTINGS
@given(data=runs(), opts=options, rounds=st.integers(1, 4))
def test_batch_agrees_with_the_one_run_model(data: Runs, opts: dict, rounds: int) -> None:
    """Against the tuned kernel (fast.py), as tests/test_eum.py holds it against the direct
    form: the same rounds, relationships and (to rounding) positions and exponents."""
    x, c, s = data
    common = {**opts, "tol": 0.0, "max_rounds": rounds}
    batch = expected_utility_batch(x, c, s, EUMParams(**common))
    for k in range(x.shape[0]):
        one = expected_utility_model(x[k], c[k], s[k], EUMParams(threads=1, **common))
        scale = max(float(np.ptp(x[k])), 1e-300)
        assert (batch[k].rounds, batch[k].converged) == (one.rounds, one.converged)
        np.testing.assert_allclose(batch[k].positions, one.positions, rtol=0, atol=1e-9 * scale)
        np.testing.assert_allclose(batch[k].risk_by_round, one.risk_by_round, rtol=0, atol=1e-9)
        np.testing.assert_allclose(batch[k].median_by_round, one.median_by_round,
                                   atol=1e-9 * scale)
        np.testing.assert_array_equal(batch[k].relationships, one.relationships)


def test_bundled_scenario_issues_as_one_batch_each_agree_with_the_kernel() -> None:
    """Every issue of the bundled scenario, its runs to convergence or the cap: as a batch of
    draws that perturb it, each draw agrees with the one-run model on the tuned kernel."""
    sc = load_scenario(SCENARIO)
    rng = np.random.default_rng(12)
    for issue in sc.issues:
        inp = issue_inputs(sc, issue.id)
        m = inp.positions.size
        x = np.clip(inp.positions + rng.normal(0, 5, (8, m)), 0, 100)
        x[0] = inp.positions
        c = np.tile(inp.capabilities, (8, 1))
        s = np.tile(inp.saliences, (8, 1))
        batch = expected_utility_batch(x, c, s)
        for k in range(8):
            one = expected_utility_model(x[k], c[k], s[k], EUMParams(threads=1))
            assert (batch[k].rounds, batch[k].converged) == (one.rounds, one.converged), issue.id
            np.testing.assert_allclose(batch[k].median_by_round, one.median_by_round, atol=1e-6)
            np.testing.assert_array_equal(batch[k].relationships, one.relationships)


def test_runs_that_cannot_move_and_bad_runs() -> None:
    x = np.array([[10.0, 10.0, 10.0], [0.0, 50.0, 100.0]])
    c = np.ones((2, 3))
    s = np.full((2, 3), 0.5)
    still, moving = expected_utility_batch(x, c, s)
    assert still.rounds == 0 and still.converged and still.positions.shape == (1, 3)
    assert moving.rounds > 0
    assert_identical(moving, expected_utility_batch(x[1:], c[1:], s[1:])[0])
    with pytest.raises(ValueError, match="run 1: every weight"):
        expected_utility_batch(x, c, np.array([[0.5] * 3, [0.0] * 3]))
    with pytest.raises(ValueError, match="run 0: saliences"):
        expected_utility_batch(x, c, np.array([[2.0] * 3, [0.5] * 3]))
