"""Procedural models of EU legislation: who can propose what, and who must accept it.

One-dimensional spatial models with linear (symmetric, single-peaked) preferences, vectorised
over a panel of issues (NaN = the actor takes no part):

- The Council accepts x over the reference point r (the reversion point, DEU ``rp``) when members
  holding a qualified majority of votes prefer x to r. Member i prefers x to r iff
  |x - x_i| <= |r - x_i|, i.e. x lies between r and 2 x_i - r. The acceptable set is therefore the
  interval [L, R] bounded by the pivotal members' mirror images of r: R is the largest t with
  vote weight {i : 2 x_i - r >= t} >= q, L the smallest t with weight {i : 2 x_i - r <= t} >= q
  (Tsebelis 2002, ch. 11; Steunenberg 1994; Crombez 1996). Under unanimity q = 1: the member
  nearest r is pivotal, which is the pull of the reference point under unanimity.
- Consultation (CNS): the Commission is the agenda setter (Romer & Rosenthal 1978; Steunenberg
  1994; Crombez 1996): the outcome is the point of [L, R] nearest its position.
- Co-decision (COD): the Parliament must also prefer x to r (its mirror image 2 e - r bounds the
  set), and the Commission loses its agenda power to the conciliation between the two
  co-legislators (Tsebelis & Garrett 2000; Crombez 2001): the outcome is the point of the joint
  acceptable set nearest the midpoint of the Council's (vote-weighted median) position and the
  Parliament's position.

The model is defined only where the reference point is known; elsewhere it returns NaN and the
caller decides (the back-test falls back to the compromise model and says so). There are no
fitted parameters: the quota is the treaty's (Nice: 260 of 352 votes, 73.9%), applied to the
votes of the members who take part in the issue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from realpolitik.models.bargaining.panel import (
    MAJORITY,
    acceptable_set,
    weighted_median_panel,
)

NICE_QMV_SHARE = 260.0 / 352.0
"""Qualified majority under the Nice rules for EU-28 (Art. 205(2) TEC as amended): 260 of 352."""

RULE_QUOTAS = {"unanimity": 1.0, "qmv": NICE_QMV_SHARE, "majority": MAJORITY}
"""The share of the votes each decision rule requires (``qmv``: the Nice quota)."""

DEFAULT_RULE = "majority"
"""The rule of an issue that declares none (docs/models.md, Nash bargaining)."""


def rule_quota(rule: str | None) -> float:
    """The quota of a decision rule by name; :data:`DEFAULT_RULE`'s for an unknown or no rule."""
    return RULE_QUOTAS.get(rule or "", RULE_QUOTAS[DEFAULT_RULE])


@dataclass(frozen=True)
class ProceduralResult:
    """Per issue: the forecast (NaN where the reference point is unknown) and the interval [low,
    high] of outcomes the required majorities prefer to the reference point."""

    outcome: np.ndarray
    low: np.ndarray
    high: np.ndarray
    defined: np.ndarray


def procedural_panel(
    positions: ArrayLike,
    council_votes: ArrayLike,
    reference: ArrayLike,
    commission: ArrayLike,
    parliament: ArrayLike,
    unanimity: ArrayLike,
    codecision: ArrayLike,
    lo: float = 0.0,
    hi: float = 100.0,
    qmv_share: float = NICE_QMV_SHARE,
) -> ProceduralResult:
    """Agenda-setter forecasts for a panel of issues (see the module docstring).

    ``positions`` (issues x actors, NaN = absent) holds the Council members' positions;
    ``council_votes`` (actors,) their votes, 0 for non-members. ``commission``, ``parliament`` and
    ``reference`` are per-issue positions (NaN = absent / unknown); ``unanimity`` and
    ``codecision`` per-issue flags. An issue on which no member takes part is decided by the
    agenda setter alone within [lo, hi].
    """
    x = np.asarray(positions, dtype=float)
    n = x.shape[0]
    r = np.asarray(reference, dtype=float)
    com = np.asarray(commission, dtype=float)
    ep = np.asarray(parliament, dtype=float)
    unan = np.asarray(unanimity, dtype=bool)
    cod = np.asarray(codecision, dtype=bool)
    votes = np.broadcast_to(np.asarray(council_votes, dtype=float), x.shape)
    members = ~np.isnan(x) & (votes > 0)
    v = np.where(members, votes, 0.0)
    has_council = v.sum(axis=1) > 0
    quota = np.where(unan, 1.0, qmv_share)
    low, high = acceptable_set(np.where(members, x, np.nan), v, r, quota, -np.inf, np.inf)
    ep_on = cod & ~np.isnan(ep)
    high = np.where(ep_on, np.minimum(high, np.maximum(r, 2.0 * ep - r)), high)
    low = np.where(ep_on, np.maximum(low, np.minimum(r, 2.0 * ep - r)), low)
    high, low = np.clip(high, lo, hi), np.clip(low, lo, hi)
    council = np.full(n, np.nan)
    if has_council.any():
        council[has_council] = weighted_median_panel(
            np.where(members, x, np.nan)[has_council], v[has_council]
        )
    setter_cns = np.where(np.isnan(com), council, com)
    split = np.where(np.isnan(council), ep, 0.5 * (council + ep))
    setter_cod = np.where(np.isnan(ep), council, split)
    setter = np.where(cod, setter_cod, setter_cns)
    setter = np.where(np.isnan(setter), r, setter)
    defined = ~np.isnan(r)
    outcome = np.where(defined, np.clip(setter, low, high), np.nan)
    return ProceduralResult(
        outcome=outcome,
        low=np.where(defined, low, np.nan),
        high=np.where(defined, high, np.nan),
        defined=defined if n else np.zeros(0, dtype=bool),
    )
