"""Many small runs of the expected-utility model at once: a batch of independent issues (draws
of one scenario, the issues of a panel), each with the same number of actors.

The rounds of ``rounds.py`` with a leading runs axis: every round sorts each run's positions,
finds its security levels and risk exponents and takes the offers for all runs still going in
one set of array operations (the round's maths on full N x N matrices, ``direct.py``'s
:class:`~realpolitik.models.bargaining.eum.direct.MatrixEngine` with ``prefix.py``'s O(N^2)
probabilities, both written once for any number of leading axes). A run that has converged
leaves the batch and stops changing, so each run plays exactly the rounds it plays alone and its
result does not depend on which other runs share the batch (tests/test_eum_batched.py: equal to
:func:`~realpolitik.models.bargaining.eum.expected_utility_model` run by run).

Memory is about 20 runs x N^2 float64, so this suits many runs of tens of actors; one issue with
thousands of actors belongs to the tuned kernel (``fast.py``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from realpolitik.models.bargaining.eum.params import F64, EUMParams, EUMResult, input_problem
from realpolitik.models.bargaining.eum.prefix import PREFIX
from realpolitik.models.bargaining.eum.utility import risk_exponents
from realpolitik.models.bargaining.panel import compromise_panel, weighted_median_panel

BATCH_MAX_ACTORS = 64
"""Issues with more actors than this run one by one on the tuned kernel (``fast.py``)."""


def expected_utility_batch(
    positions: ArrayLike,
    capabilities: ArrayLike,
    saliences: ArrayLike,
    params: EUMParams = EUMParams(),  # noqa: B008 (frozen, immutable default)
) -> list[EUMResult]:
    """:func:`~realpolitik.models.bargaining.eum.expected_utility_model` on each row of
    (runs, N) arrays of positions, capabilities and saliences; one result per run. Raises
    ValueError, naming the first bad run, on input the one-run form refuses."""
    x0, cap, sal = _validate(positions, capabilities, saliences)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _run_batch(x0, cap, sal, params)


def _validate(
    positions: ArrayLike, capabilities: ArrayLike, saliences: ArrayLike
) -> tuple[F64, F64, F64]:
    x = np.array(positions, dtype=float)
    c = np.array(capabilities, dtype=float)
    s = np.array(saliences, dtype=float)
    if x.ndim != 2 or x.shape[1] == 0 or c.shape != x.shape or s.shape != x.shape:
        raise ValueError("positions, capabilities and saliences must be (runs, N) arrays")
    found = input_problem(x, c, s)
    if found is not None:
        raise ValueError(f"run {found[0]}: {found[1]}")
    return x, c, s


def _run_batch(x0: F64, cap: F64, sal: F64, params: EUMParams) -> list[EUMResult]:
    runs, n = x0.shape
    w = cap * sal
    spread = np.ptp(x0, axis=1)
    if params.scale_range is not None:
        bad = params.scale_range < spread * (1.0 - 1e-9)
        if bad.any():
            raise ValueError(
                f"run {int(np.argmax(bad))}: scale_range {params.scale_range} is "
                f"below the positions' range {spread[bad][0]}"
            )
        scale = np.maximum(float(params.scale_range), spread)
    else:
        scale = spread
    moving = (spread != 0.0) & (n > 1)  # nobody disagrees (R = 0 or one actor): nothing moves
    voiceless = moving & ~(w > 0).any(axis=1)
    if voiceless.any():
        raise ValueError(
            f"run {int(np.argmax(voiceless))}: every weight capability * salience "
            "is zero: no actor can vote"
        )

    rounds = params.max_rounds if moving.any() else 0
    history = np.full((rounds + 1, runs, n), np.nan)
    history[0] = x0
    medians = np.full((rounds + 1, runs), np.nan)
    medians[0] = weighted_median_panel(x0, w)
    risks = np.full((rounds, runs, n), np.nan)
    played = np.zeros(runs, dtype=int)
    converged = ~moving
    calm = np.zeros(runs, dtype=int)
    codes_sorted = np.zeros((runs, n, n), np.int8)
    order = np.tile(np.arange(n), (runs, 1))
    lowest = x0.min(axis=1)
    y = np.where(
        moving[:, None], (x0 - lowest[:, None]) / np.where(moving, scale, 1.0)[:, None], 0.0
    )
    active = np.flatnonzero(moving)
    for k in range(rounds):
        if active.size == 0:
            break
        o = np.argsort(y[active], axis=1, kind="stable")
        ys = np.take_along_axis(y[active], o, axis=1)
        ws = np.take_along_axis(w[active], o, axis=1)
        ss = np.take_along_axis(sal[active], o, axis=1)
        new_sorted, r_sorted, codes = _round(ys, ws, ss, params)
        y_new = np.empty_like(ys)
        np.put_along_axis(y_new, o, new_sorted, axis=1)
        r = np.empty_like(ys)
        np.put_along_axis(r, o, r_sorted, axis=1)
        y[active] = y_new
        order[active] = o
        codes_sorted[active] = codes
        x = lowest[active, None] + scale[active, None] * y_new
        history[k + 1, active] = x
        risks[k, active] = r
        medians[k + 1, active] = weighted_median_panel(x, w[active])
        played[active] = k + 1
        step = np.abs(medians[k + 1, active] - medians[k, active])
        calm[active] = np.where(step < params.tol * scale[active], calm[active] + 1, 0)
        settled = calm[active] >= 2
        converged[active[settled]] = True
        active = active[~settled]
    # every played round's weighted mean at once (rows: (round, run) pairs)
    played_rounds = np.arange(rounds + 1)[:, None] <= played[None, :]
    means = np.full((rounds + 1, runs), np.nan)
    means[played_rounds] = compromise_panel(
        history[played_rounds], np.broadcast_to(w, history.shape)[played_rounds]
    )
    return [
        _result(
            history[: played[b] + 1, b],
            means[: played[b] + 1, b],
            medians[: played[b] + 1, b],
            risks[: played[b], b],
            codes_sorted[b],
            order[b],
            bool(converged[b]),
        )
        for b in range(runs)
    ]


def _round(ys: F64, ws: F64, ss: F64, params: EUMParams) -> tuple[F64, F64, NDArray[np.int8]]:
    """One round for runs with sorted positions (rows): new positions, exponents, codes."""
    runs, n = ys.shape
    new = ys.copy()
    r = np.ones((runs, n))
    codes = np.zeros((runs, n, n), np.int8)
    apart = np.flatnonzero(ys[:, -1] - ys[:, 0] > params.same_position_tol)
    if apart.size == 0:  # everyone at one point: nobody moves
        return new, r, codes
    ya, wa, sa = ys[apart], ws[apart], ss[apart]
    mu: float | F64 = 0.0  # unused at Q = 1
    if params.q != 1.0:
        centre = compromise_panel if params.expected_position == "mean" else weighted_median_panel
        mu = centre(ya, wa)[:, None, None]
    r[apart] = risk_exponents(PREFIX.security(ya, wa, sa, mu, params))
    new[apart], codes[apart] = PREFIX.offers(ya, wa, sa, r[apart], mu, params)
    return new, r, codes


def _result(
    positions: F64,
    means: F64,
    medians: F64,
    risks: F64,
    codes_sorted: NDArray[np.int8],
    order: NDArray[np.intp],
    converged: bool,
) -> EUMResult:
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    codes = np.take(np.take(codes_sorted, rank, axis=0), rank, axis=1)
    return EUMResult(
        positions=positions.copy(),
        median_by_round=medians.copy(),
        mean_by_round=means.copy(),
        risk_by_round=risks.copy(),
        relationships=np.ascontiguousarray(codes, dtype=np.int8),
        rounds=int(risks.shape[0]),
        converged=converged,
    )
