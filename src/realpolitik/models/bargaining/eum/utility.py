"""The utilities of the expected-utility model and the risk exponents (SCS 2011, section 3).

Positions are scaled to [0, 1] (R = 1). For an evaluator with risk exponent r, a challenge across
the distance d = |x_i - x_j| and e = |x_i - m| + d (m: the expected position):

    U_s  = 2 - 4 (0.5 - 0.5 d)^r      success: the challenger's position wins
    U_f  = 2 - 4 (0.5 + 0.5 d)^r      failure
    U_sq = 2 - 4 (0.5)^r              the status quo
    U_b  = 2 - 4 (0.5 - 0.25 e)^r     things get better without a challenge
    U_w  = 2 - 4 (0.5 + 0.25 e)^r     things get worse

    EU_i(i challenges j) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s
                           - Q U_sq - (1 - Q) [T U_b + (1 - T) U_w]
"""

from __future__ import annotations

import numpy as np

from realpolitik.models.bargaining.eum.params import F64, EUMParams


def utility_gaps(r: F64 | float, d: F64) -> tuple[F64, F64]:
    """(U_s - U_sq, U_s - U_f) for exponent r at distance d, from expm1/log1p so that both keep
    their relative precision when d is small. U_s - U_f (> 0 for d > 0) is the pair's utility
    scale by which the offers divide their expected utilities."""
    k = 4.0 * 0.5**r
    fail = np.expm1(r * np.log1p(d))  # (1 + d)^r - 1
    success = np.expm1(r * np.log1p(-d))  # (1 - d)^r - 1
    return np.asarray(-k * success, dtype=float), np.asarray(k * (fail - success), dtype=float)


def expected_utility(
    r: F64 | float,
    p: F64,
    s_target: F64,
    d: F64,
    y_challenger: F64,
    mu: float | F64,
    params: EUMParams,
    gaps: tuple[F64, F64] | None = None,
) -> F64:
    """EU of a challenge for an evaluator with exponent r (SCS eq. for EU_i; module docstring):
    the challenger wins with probability p against a target of salience s_target at distance d.

    Evaluated as the same sum rearranged, (U_s - U_sq) - s_j (1 - P) (U_s - U_f)
    - (1 - Q) [T (U_b - U_sq) + (1 - T) (U_w - U_sq)], each difference from expm1/log1p.
    ``gaps``: :func:`utility_gaps` (r, d) when the caller has them already.
    """
    us_usq, us_uf = utility_gaps(r, d) if gaps is None else gaps
    eu = us_usq - s_target * (1.0 - p) * us_uf
    if params.q != 1.0:
        k = 4.0 * 0.5**r
        e = np.abs(y_challenger - mu) + d
        ub_usq = -k * np.expm1(r * np.log1p(-0.5 * e))  # U_b - U_sq
        uw_usq = -k * np.expm1(r * np.log1p(0.5 * e))  # U_w - U_sq
        eu = eu - (1.0 - params.q) * (params.t * ub_usq + (1.0 - params.t) * uw_usq)
    return np.asarray(eu, dtype=float)


def risk_exponents(security: F64) -> F64:
    """SCS: R_i = (2 S_i - S_max - S_min) / (S_max - S_min), r_i = (1 - R_i/3) / (1 + R_i/3),
    from the security levels S_i = sum_(j != i) EU_j(j challenges i) with every exponent 1.

    When all S_i are equal (to a relative 1e-9) R_i = 0 and r_i = 1. Along the last axis: leading
    axes are independent runs (``batched.py``).
    """
    if security.ndim == 1:  # one run: its extremes as numbers (cheaper for small N)
        smax, smin = security.max(), security.min()
        if _levels_equal(smax, smin):
            return np.ones_like(security)
        return _exponents(security, smax, smin)
    smax_runs = security.max(axis=-1, keepdims=True)
    smin_runs = security.min(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = _exponents(security, smax_runs, smin_runs)
    return np.asarray(np.where(_levels_equal(smax_runs, smin_runs), 1.0, r), dtype=float)


def _levels_equal(smax: F64 | np.float64, smin: F64 | np.float64) -> F64 | np.bool_:
    """S_max and S_min equal to a relative 1e-9 (or exactly)."""
    return (smax - smin <= 1e-9 * np.maximum(np.abs(smax), np.abs(smin))) | (smax == smin)


def _exponents(security: F64, smax: F64 | np.float64, smin: F64 | np.float64) -> F64:
    """r_i from R_i (:func:`risk_exponents`)."""
    third = (2.0 * security - smax - smin) / (smax - smin) / 3.0  # R_i / 3
    return np.asarray((1.0 - third) / (1.0 + third), dtype=float)
