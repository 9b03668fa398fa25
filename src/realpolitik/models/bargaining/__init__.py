"""Bargaining models on one issue: compromise, weighted median, Nash, expected utility."""

from realpolitik.models.bargaining.compromise import compromise
from realpolitik.models.bargaining.eum import (
    RELATIONSHIP_NAMES,
    EUMParams,
    EUMResult,
    condorcet_median,
    expected_utility_model,
)
from realpolitik.models.bargaining.median import weighted_median
from realpolitik.models.bargaining.nash import NashResult, nash_bargaining

__all__ = [
    "RELATIONSHIP_NAMES",
    "EUMParams",
    "EUMResult",
    "NashResult",
    "compromise",
    "condorcet_median",
    "expected_utility_model",
    "nash_bargaining",
    "weighted_median",
]
