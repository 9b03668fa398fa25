"""Nash bargaining on one issue under a decision rule (Nash 1950; docs/models.md).

Maximise sum_i w_i log(U_i(x) - v_i) over the outcomes x the decision rule admits, with
U_i(x) = -|x - x_i| / R or -((x - x_i) / R)^2 and v_i actor i's security level under the rule.
The maths is written once, for a panel of issues, in
:func:`realpolitik.models.bargaining.panel.nash_panel`; this is its one-row form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from realpolitik.models.bargaining.panel import (
    DEFAULT_BLOCKING,
    DEFAULT_UTILITY,
    MAJORITY,
    Blocking,
    Utility,
    nash_panel,
    nash_terms,
    one_issue,
    policy_loss,
)


@dataclass(frozen=True)
class NashResult:
    """The bargaining solution; ``feasible`` is False when the decision rule admits no outcome
    other than the disagreement point d, in which case ``outcome`` is d. [``low``, ``high``] is
    the set A of outcomes the rule admits; ``log_product`` is sum_i w_i log(U_i(outcome) - v_i)
    with utilities on the unit scale (-inf when infeasible)."""

    outcome: float
    feasible: bool
    log_product: float
    low: float
    high: float


def nash_bargaining(
    positions: ArrayLike,
    weights: ArrayLike,
    lo: float,
    hi: float,
    disagreement: float,
    *,
    utility: Utility = DEFAULT_UTILITY,
    votes: ArrayLike | None = None,
    quota: float = MAJORITY,
    veto: ArrayLike | None = None,
    blocking: Blocking = DEFAULT_BLOCKING,
) -> NashResult:
    """Weighted Nash bargaining solution on one issue: the parameters of
    :func:`realpolitik.models.bargaining.panel.nash_panel` for one issue (``votes`` and ``veto``
    per actor, ``quota`` the share of the votes the rule requires: 1 = unanimity, default a
    weighted majority)."""
    x, w = one_issue(positions, weights)
    kw: dict[str, Any] = {
        "utility": utility,
        "quota": quota,
        "blocking": blocking,
        "votes": None if votes is None else np.asarray(votes, dtype=float)[None, :],
        "veto": None if veto is None else np.asarray(veto, dtype=bool)[None, :],
    }
    outcome, feasible = nash_panel(x, w, lo, hi, disagreement, **kw)
    xz, wz, security, low, high, _ = nash_terms(x, w, lo, hi, disagreement, **kw)
    y = float(outcome[0])
    if not feasible[0]:
        return NashResult(y, False, float("-inf"), float(low[0]), float(high[0]))
    keep = wz[0] > 0
    span = max(hi - lo, 1e-300) ** (1 if utility == "linear" else 2)
    gain = (security[0] - policy_loss(np.array(y), xz[0], utility))[keep] / span
    with np.errstate(divide="ignore"):
        log_product = float(np.sum(wz[0][keep] * np.log(gain)))
    return NashResult(y, True, log_product, float(low[0]), float(high[0]))
