"""The parameters, the result and the relationship codes of the expected-utility model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class Relationship(IntEnum):
    """The cases of the offers table (SCS 2011, Fig. 1; Bueno de Mesquita 1994), seen from actor
    i toward actor j, with EU_ij = EU_i(i challenges j) and EU_ji = EU_i(j challenges i).

    These are the codes of :attr:`EUMResult.relationships`.
    """

    STALEMATE = 0  #: neither expects to gain by challenging (EU_ij <= 0, EU_ji <= 0)
    CONFLICT = 1  #: both expect to gain (EU_ij > 0, EU_ji > 0)
    COMPROMISE = 2  #: i concedes part of the way: EU_ij < 0 < EU_ji, EU_ji > |EU_ij|
    CAPITULATION = 3  #: i gives in: EU_ij < 0 < EU_ji, EU_ji <= |EU_ij|
    COMPROMISE_BY_OTHER = 4  #: j concedes part of the way: EU_ji < 0 < EU_ij, EU_ij > |EU_ji|
    CAPITULATION_BY_OTHER = 5  #: j gives in: EU_ji < 0 < EU_ij, EU_ij <= |EU_ji|


#: Names of the codes of :attr:`EUMResult.relationships` (:class:`Relationship`); a pair at the
#: same position is a stalemate.
RELATIONSHIP_NAMES: dict[int, str] = {int(r): r.name.lower() for r in Relationship}


@dataclass(frozen=True)
class EUMParams:
    """Parameters of the expected-utility model; the defaults reproduce SCS (2011).

    probability: ``"scholz"`` divides the votes for i over j by one global denominator, the sum
        of |v_k(a, b)| over all voters k and ordered pairs (a, b), as SCS's code does;
        ``"pairwise"`` by D_ij = sum_k |v_k(i, j)| (Bueno de Mesquita's text; P_ij + P_ji = 1).
    compromise_rank: how an actor ranks several compromise offers. ``"scholz"`` (default, as in
        SCS's code) takes the offer with the smallest (|a| x_i + |b| x_j) / (|a| + |b|);
        ``"move"`` the one that moves it least (SCS's and Bueno de Mesquita's text).
    q, t: Q and T of the expected utility (SCS eq. for EU_i); Q = 1 drops the T term.
    tol: stop when the median moves by less than ``tol * R`` in two consecutive rounds
        (``tol = 0`` never stops early).
    max_rounds: upper bound on the number of rounds.
    method: ``"fast"`` (O(N^2) per round) or ``"direct"`` (O(N^3) reference).
    scale_range: R; ``None`` = the range of the starting positions. Must be >= that range.
    expected_position: the point m of the T term (U_b, U_w): the weighted Condorcet
        ``"median"`` or the weighted ``"mean"`` of the current positions (used only when q < 1).
    tie_tol: two expected utilities (in units of the pair's utility scale, see docs/models.md)
        closer than this are equal; two offer keys closer than this (in units of R) tie, and the
        tie goes to the offer from the lowest position.
    same_position_tol: actors closer than this (in units of R) hold the same position and make
        no offers to each other.
    threads: worker threads of the fast form (``None``: all CPUs, at most 8); results do not
        depend on it.
    """

    probability: Literal["scholz", "pairwise"] = "scholz"
    compromise_rank: Literal["move", "scholz"] = "scholz"
    q: float = 1.0
    t: float = 1.0
    tol: float = 1e-3
    max_rounds: int = 50
    method: Literal["fast", "direct"] = "fast"
    scale_range: float | None = None
    expected_position: Literal["median", "mean"] = "median"
    tie_tol: float = 1e-9
    same_position_tol: float = 1e-6
    threads: int | None = None

    def __post_init__(self) -> None:
        checks = [
            (self.probability in ("scholz", "pairwise"), "probability must be scholz|pairwise"),
            (self.compromise_rank in ("move", "scholz"), "compromise_rank must be move|scholz"),
            (0.0 <= self.q <= 1.0, "q must lie in [0, 1]"),
            (0.0 <= self.t <= 1.0, "t must lie in [0, 1]"),
            (self.tol >= 0.0, "tol must be >= 0"),
            (self.max_rounds >= 0, "max_rounds must be >= 0"),
            (self.method in ("fast", "direct"), "method must be fast|direct"),
            (
                self.scale_range is None
                or (math.isfinite(self.scale_range) and self.scale_range > 0),
                "scale_range must be a positive number or None",
            ),
            (self.expected_position in ("median", "mean"), "expected_position: median|mean"),
            (self.tie_tol >= 0.0, "tie_tol must be >= 0"),
            (self.same_position_tol >= 0.0, "same_position_tol must be >= 0"),
            (self.threads is None or self.threads >= 1, "threads must be >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


@dataclass(frozen=True)
class EUMResult:
    """Trajectory of the model. Arrays follow the input order of the actors.

    positions: (rounds + 1, N), the starting positions, then the positions after each round.
    median_by_round: (rounds + 1,), the weighted Condorcet median of each row of ``positions``.
    mean_by_round: (rounds + 1,), the weighted mean (weights capability * salience) likewise.
    risk_by_round: (rounds, N), the risk exponents r_i used in each round.
    relationships: (N, N) int8 codes (:class:`Relationship`, :data:`RELATIONSHIP_NAMES`) of the
        last round played, from i's (row's) point of view toward j; all 0 when no round was
        played.
    rounds: number of rounds played. converged: the median settled (see ``EUMParams.tol``).
    """

    positions: F64
    median_by_round: F64
    mean_by_round: F64
    risk_by_round: F64
    relationships: NDArray[np.int8]
    rounds: int
    converged: bool


def input_problem(x: F64, c: F64, s: F64) -> tuple[int, str] | None:
    """The first run the model refuses (a row of (runs, N) inputs; 0 for one run's 1-d inputs)
    and why: positions, capabilities and saliences finite, capabilities >= 0, saliences in
    [0, 1]; None when every run is fine."""
    checks = (
        (~(np.isfinite(x) & np.isfinite(c) & np.isfinite(s)),
         "positions, capabilities and saliences must be finite"),
        (c < 0, "capabilities must be >= 0"),
        ((s < 0) | (s > 1), "saliences must lie in [0, 1] (divide 0-100 saliences by 100)"),
    )  # fmt: skip
    for bad, message in checks:
        rows = np.atleast_1d(bad.any(axis=-1))
        if rows.any():
            return int(np.argmax(rows)), message
    return None
