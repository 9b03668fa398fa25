"""Two-level games (Putnam 1988): domestic win-sets constrain what leaders can agree."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def zone_of_agreement(winsets: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """The intersection of all win-sets [low, high] (the zone of possible agreement), or None
    when it is empty. With no win-sets every outcome is acceptable: returns (-inf, inf)."""
    if not winsets:
        return (-np.inf, np.inf)
    lows = np.array([w[0] for w in winsets], dtype=float)
    highs = np.array([w[1] for w in winsets], dtype=float)
    lo, hi = float(lows.max()), float(highs.min())
    return (lo, hi) if lo <= hi else None


def blocking_ratifiers(outcome: float, winsets: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the ratifiers whose win-set excludes ``outcome`` (involuntary defection)."""
    return [k for k, (lo, hi) in enumerate(winsets) if not lo <= outcome <= hi]
