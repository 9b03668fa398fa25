"""Cross-validation grouped by proposal, and cluster-bootstrap intervals of an error.

Issues of one legislative proposal share actors, a procedure and often a package deal; scoring a
model on an issue whose sibling issues it was fitted on would flatter it. Every fitted number in
the back-test is therefore fitted on some folds of *proposals* and scored on the others (the
GroupKFold idea; Roberts et al. 2017, Ecography 40, on blocked cross-validation), and every
interval resamples proposals, not issues (the cluster bootstrap; Cameron, Gelbach & Miller 2008).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def grouped_folds(groups: Sequence[str], k: int, seed: int) -> dict[str, int]:
    """Assign each distinct group (proposal) to one of ``k`` folds.

    The groups are shuffled with ``seed``, then dealt largest first to the fold with the fewest
    issues so far, so folds hold similar numbers of issues and no group is split.
    """
    labels, counts = np.unique(np.asarray(groups, dtype=str), return_counts=True)
    if k < 2:
        raise ValueError("need at least 2 folds")
    k = min(k, labels.size)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(labels.size)
    order = perm[np.argsort(-counts[perm], kind="stable")]
    sizes = np.zeros(k, dtype=int)
    out: dict[str, int] = {}
    for g in order:
        f = int(np.argmin(sizes))
        out[str(labels[g])] = f
        sizes[f] += counts[g]
    return out


def fold_of(groups: Sequence[str], assignment: dict[str, int]) -> np.ndarray:
    """Per issue: its group's fold, or -1 for a group the assignment has never seen."""
    return np.array([assignment.get(str(g), -1) for g in groups], dtype=int)


def _replicates(
    values: ArrayLike, groups: Sequence[str], n_boot: int, seed: int
) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    labels, inv = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    g = labels.size
    sums = np.bincount(inv, weights=v, minlength=g)
    sizes = np.bincount(inv, minlength=g).astype(float)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)
    means: np.ndarray = (draws @ sums) / (draws @ sizes)
    return means


def cluster_bootstrap_se(
    values: ArrayLike, groups: Sequence[str], n_boot: int = 2000, seed: int = 0
) -> float:
    """Standard error of the mean of ``values`` by the cluster bootstrap (groups resampled)."""
    if np.asarray(values).size == 0:
        return float("nan")
    return float(np.std(_replicates(values, groups, n_boot, seed), ddof=1))


def cluster_bootstrap_mean(
    values: ArrayLike, groups: Sequence[str], n_boot: int = 2000, seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of the mean of ``values`` resampling whole groups with replacement.

    Each replicate draws as many groups as there are, with replacement, and takes the mean over
    all the issues of the drawn groups (a ratio estimator; vectorised as counts @ group sums).
    """
    if np.asarray(values).size == 0:
        return (float("nan"), float("nan"))
    means = _replicates(values, groups, n_boot, seed)
    a = (1 - level) / 2
    lo, hi = np.quantile(means, [a, 1 - a])
    return float(lo), float(hi)
