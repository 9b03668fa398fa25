"""The focal-point model: negotiations settle on a position that is on the table.

In the DEU data most outcomes coincide with a position some actor took (65% of the development
issues), while the compromise model forecasts a weighted mean that usually coincides with none.
The focal-point model treats the outcome as a choice among candidates: every distinct position on
the table, plus the forecasts of other models (at least the compromise, which stands for "split
the difference"). A conditional logit (McFadden 1974) gives each candidate k of issue t

    P(k | t) = exp(u_tk) / sum_j exp(u_tj),   u_tk = sum_f beta_f z_tkf,

with a handful of features z: an indicator per model forecast ("is the compromise"), whether an
anchor actor (the European Parliament) holds that position, the distance to a centre (the
compromise) and the distance to the middle of the scale, both divided by the scale's range
(Schelling 1960 on focal points; the centre and the middle are where bargainers meet).
The forecast is the median of that distribution, the point forecast with the least expected
absolute error (the back-test's metric). The betas are fitted by penalised maximum likelihood,
labelling each training outcome with the candidate value nearest to it.

Pure maths on arrays: issues x candidates, NaN = no candidate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from realpolitik.models.bargaining.panel import weighted_median_panel

DEFAULT_L2 = 1e-3
"""Ridge penalty on the betas (keeps the fit finite when a feature separates the labels)."""


@dataclass(frozen=True)
class ChoiceSet:
    """Candidates (issues x K, NaN = none) and features (issues x K x F) named by ``names``."""

    candidates: np.ndarray
    features: np.ndarray
    names: tuple[str, ...]

    @property
    def valid(self) -> np.ndarray:
        return ~np.isnan(self.candidates)

    def rows(self, idx: ArrayLike) -> ChoiceSet:
        i = np.asarray(idx)
        return ChoiceSet(self.candidates[i], self.features[i], self.names)


def tabled_positions(positions: ArrayLike) -> np.ndarray:
    """Row-wise distinct positions, ascending, NaN-padded to the number of actors."""
    x = np.sort(np.asarray(positions, dtype=float), axis=1)  # NaN last
    dup = np.zeros_like(x, dtype=bool)
    dup[:, 1:] = x[:, 1:] == x[:, :-1]
    return np.where(dup, np.nan, x)


def choice_set(
    positions: ArrayLike,
    center: ArrayLike,
    forecasts: Mapping[str, ArrayLike],
    anchors: Mapping[str, ArrayLike] | None = None,
    lo: ArrayLike = 0.0,
    hi: ArrayLike = 100.0,
) -> ChoiceSet:
    """Build the candidates and features for a panel of issues.

    ``positions``: issues x actors (NaN = absent). ``center``: per-issue point the distance feature
    is measured from. ``forecasts``: name -> per-issue forecast added as a candidate with its own
    indicator feature ``is_<name>`` (NaN = no candidate). ``anchors``: name -> per-issue position
    of an actor whose position gets the feature ``at_<name>``. Features ``dist_center`` and
    ``dist_mid`` are distances over the range (hi - lo).
    """
    tab = tabled_positions(positions)
    n, k_tab = tab.shape
    names_fc = list(forecasts)
    extra = (
        np.column_stack([np.asarray(forecasts[f], dtype=float) for f in names_fc])
        if names_fc
        else np.zeros((n, 0))
    )
    cand = np.concatenate([tab, extra], axis=1)
    valid = ~np.isnan(cand)
    lo_a = np.broadcast_to(np.asarray(lo, dtype=float), (n,))[:, None]
    hi_a = np.broadcast_to(np.asarray(hi, dtype=float), (n,))[:, None]
    span = np.where(hi_a > lo_a, hi_a - lo_a, 1.0)
    c = np.asarray(center, dtype=float)[:, None]
    feats: list[np.ndarray] = []
    names: list[str] = []
    for j, f in enumerate(names_fc):
        z = np.zeros(cand.shape)
        z[:, k_tab + j] = 1.0
        feats.append(z)
        names.append(f"is_{f}")
    for a, pos in (anchors or {}).items():
        p = np.asarray(pos, dtype=float)[:, None]
        z = np.zeros(cand.shape)
        z[:, :k_tab] = (tab == p) & ~np.isnan(p)
        feats.append(z)
        names.append(f"at_{a}")
    feats.append(np.abs(cand - c) / span)
    names.append("dist_center")
    feats.append(np.abs(cand - 0.5 * (lo_a + hi_a)) / span)
    names.append("dist_mid")
    z = np.stack(feats, axis=-1)
    z = np.where(valid[..., None], np.nan_to_num(z), 0.0)
    return ChoiceSet(cand, z, tuple(names))


def _log_probs(cs: ChoiceSet, beta: np.ndarray) -> np.ndarray:
    u = cs.features @ beta
    u = np.where(cs.valid, u, -np.inf)
    m = u.max(axis=1, keepdims=True)
    return u - m - np.log(np.exp(u - m).sum(axis=1, keepdims=True))


def choice_probabilities(cs: ChoiceSet, beta: ArrayLike) -> np.ndarray:
    """P(k | t) for every candidate (0 where there is none)."""
    return np.exp(_log_probs(cs, np.asarray(beta, dtype=float)))


def nearest_candidate(cs: ChoiceSet, outcome: ArrayLike) -> np.ndarray:
    """Label mask (issues x K): the candidates at the value nearest each outcome.

    Several candidates can share a value (the reference point is often also a tabled position);
    the outcome is then credited to all of them, so the likelihood is that of the value.
    """
    y = np.asarray(outcome, dtype=float)[:, None]
    d = np.where(cs.valid, np.abs(np.nan_to_num(cs.candidates) - y), np.inf)
    k = np.argmin(d, axis=1)
    best = cs.candidates[np.arange(k.size), k][:, None]
    return cs.valid & (np.abs(np.nan_to_num(cs.candidates) - best) <= 1e-9 * (1 + np.abs(best)))


def negative_log_likelihood(
    beta: np.ndarray, cs: ChoiceSet, labels: np.ndarray, l2: float = DEFAULT_L2
) -> tuple[float, np.ndarray]:
    """Mean of -log sum_{k labelled} P(k | t), plus l2 |beta|^2, and its gradient.

    ``labels`` is a boolean mask (issues x K) from :func:`nearest_candidate`. The gradient is
    the difference between the feature means under P restricted to the labelled candidates and
    under P (the usual conditional-logit score, McFadden 1974).
    """
    logp = _log_probs(cs, beta)
    lab = np.asarray(labels, dtype=bool)
    p = np.exp(logp)
    pl = np.where(lab, p, 0.0)
    mass = pl.sum(axis=1)
    chosen = np.einsum("nk,nkf->nf", pl / mass[:, None], cs.features)
    expected = np.einsum("nk,nkf->nf", p, cs.features)
    value = -float(np.log(mass).mean()) + l2 * float(beta @ beta)
    grad = -(chosen - expected).mean(axis=0) + 2 * l2 * beta
    return value, grad


def _hessian(beta: np.ndarray, cs: ChoiceSet, labels: np.ndarray, l2: float) -> np.ndarray:
    """Hessian of :func:`negative_log_likelihood`: mean over issues of Cov_P(z) - Cov_{P|L}(z),
    plus 2 l2 I (the second term vanishes when one candidate is labelled)."""
    p = np.exp(_log_probs(cs, beta))
    pl = np.where(labels, p, 0.0)
    pl /= pl.sum(axis=1, keepdims=True)
    z = cs.features
    f = z.shape[2]
    flat = z.reshape(-1, f)
    h = np.zeros((f, f))
    for q in (p, pl):
        mean = np.einsum("nk,nkf->nf", q, z)
        second = (q.reshape(-1, 1) * flat).T @ flat
        cov = second - mean.T @ mean
        h = h + cov if q is p else h - cov
    return h / z.shape[0] + 2 * l2 * np.eye(z.shape[2])


def fit_choice(
    cs: ChoiceSet, outcome: ArrayLike, l2: float = DEFAULT_L2, start: ArrayLike | None = None,
    tol: float = 1e-9, max_iter: int = 100,
) -> np.ndarray:
    """Penalised maximum-likelihood betas by damped Newton steps with a backtracking line search
    (the objective is smooth; it is convex when no two candidates share a value, and the
    Hessian is shifted when ties make it indefinite). Falls back to BFGS if Newton stalls."""
    labels = nearest_candidate(cs, outcome)
    beta = np.zeros(len(cs.names)) if start is None else np.array(start, dtype=float)
    value, grad = negative_log_likelihood(beta, cs, labels, l2)
    for _ in range(max_iter):
        if np.max(np.abs(grad)) < tol:
            return beta
        h = _hessian(beta, cs, labels, l2)
        shift = 0.0
        while True:
            try:
                chol = np.linalg.cholesky(h + shift * np.eye(h.shape[0]))
                break
            except np.linalg.LinAlgError:
                shift = max(2 * shift, 1e-6)
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, grad))
        t = 1.0
        while t > 1e-10:
            trial = beta - t * step
            v_new, g_new = negative_log_likelihood(trial, cs, labels, l2)
            if v_new <= value - 1e-4 * t * float(grad @ step):
                break
            t /= 2
        else:
            break
        beta, value, grad = trial, v_new, g_new
    if np.max(np.abs(grad)) < 1e-6:
        return beta
    res = minimize(
        negative_log_likelihood, beta, args=(cs, labels, l2), jac=True, method="BFGS",
        options={"gtol": 1e-8, "maxiter": 1000},
    )
    return np.asarray(res.x, dtype=float)


def choice_median(cs: ChoiceSet, beta: ArrayLike) -> np.ndarray:
    """The median of each issue's candidate distribution (the least-absolute-error forecast):
    the weighted median of the candidates with their probabilities as weights."""
    return weighted_median_panel(cs.candidates, choice_probabilities(cs, beta))
