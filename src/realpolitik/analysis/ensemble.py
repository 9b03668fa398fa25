"""The focal-point model and the stacked ensemble as choice sets over a panel of DEU issues.

Both are conditional-logit choices among candidate outcomes
(:mod:`realpolitik.models.bargaining.focal`):

- ``focal``: the positions on the table plus the compromise and the reference point (5 betas:
  is the compromise, is the reference point, the Parliament holds it, distance to the
  compromise, distance to the middle of the scale);
- ``ensemble``: a stack of the other models in the same frame (Wolpert 1992, stacked
  generalisation; here with a discrete-choice combiner rather than a weighted mean, because a
  weighted mean of forecasts never lands on a tabled position): the candidates are the positions
  on the table and the forecasts of compromise, median, Nash, procedural and expected-utility
  models, each forecast with its own beta, plus the focal model's features. The members are
  every parameter-free model of :data:`realpolitik.analysis.registry.REGISTRY`.

A member model that is undefined on an issue (procedural without a reference point) or not
available (expected utility) simply adds no candidate there; the betas are mapped by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from realpolitik.models.bargaining.focal import ChoiceSet, choice_set

ANCHOR = "ep"


def focal_choice_set(
    positions: np.ndarray, forecasts: Mapping[str, np.ndarray], reference: np.ndarray,
    anchor: np.ndarray, lo: float, hi: float,
) -> ChoiceSet:
    """Candidates: tabled positions, the compromise, the reference point (NaN = unknown)."""
    c = forecasts["compromise"]
    return choice_set(positions, c, {"compromise": c, "reference": reference}, {ANCHOR: anchor},
                      lo, hi)


def ensemble_choice_set(
    positions: np.ndarray, forecasts: Mapping[str, np.ndarray], reference: np.ndarray,
    anchor: np.ndarray, lo: float, hi: float, members: Sequence[str],
) -> ChoiceSet:
    """The focal candidates plus every member model's forecast (NaN = no candidate)."""
    n = positions.shape[0]
    fc = {m: forecasts.get(m, np.full(n, np.nan)) for m in members}
    fc["reference"] = reference
    return choice_set(positions, forecasts["compromise"], fc, {ANCHOR: anchor}, lo, hi)


def align(beta: Mapping[str, float], names: Sequence[str]) -> np.ndarray:
    """A named beta dict as a vector in ``names`` order (0 for a feature the fit did not have)."""
    return np.array([float(beta.get(n, 0.0)) for n in names])
