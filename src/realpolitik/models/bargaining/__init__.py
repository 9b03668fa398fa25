"""Bargaining models on one issue: compromise, weighted median, Nash, expected utility."""

from realpolitik.models.bargaining.compromise import compromise
from realpolitik.models.bargaining.median import weighted_median
from realpolitik.models.bargaining.nash import NashResult, nash_bargaining

__all__ = ["NashResult", "compromise", "nash_bargaining", "weighted_median"]
