"""The expected-utility model of Bueno de Mesquita (1985, 1994) on one issue.

Follows the specification and replication of Scholz, Calbert & Smith (2011), "Unravelling Bueno
De Mesquita's group decision model", J. Theoretical Politics 23(4): 510-531 (hereafter SCS), as
written down in docs/design.md ("Expected-utility model"). Every choice the sources leave open is
a named field of :class:`EUMParams`; docs/models.md lists them with the reference-case table.

Read in this order:

* ``params.py``: :class:`EUMParams`, :class:`EUMResult` and the :class:`Relationship` cases;
* ``rounds.py``: the round loop and the weighted Condorcet median;
* ``utility.py``: U_s, U_f, U_sq, U_b, U_w, the expected utility EU and the risk exponents;
* ``offers.py``: the offers table (conflict, compromise, capitulation, stalemate) and the choice;
* ``direct.py``: the win probabilities P_ij as written, O(N^3) per round (``method="direct"``);
* ``prefix.py``: the O(N^2) method in plain NumPy (midpoints and prefix sums);
* ``fast.py`` (with ``midpoints.py`` and ``blocks.py``): the same method tuned for memory and
  threads, O(N^2) per round (``method="fast"``, the default), tested against both;
* ``batched.py``: many small runs at once (the rounds with a leading runs axis, on ``direct.py``'s
  matrices and ``prefix.py``'s sums), what ``forecast``, ``backtest`` and ``simulate`` use for
  issues of up to 64 actors.

Internally positions are y = (x - min x) / R in [0, 1], so R = 1 in every formula.
"""

from realpolitik.models.bargaining.eum.params import (
    RELATIONSHIP_NAMES,
    EUMParams,
    EUMResult,
    Relationship,
)
from realpolitik.models.bargaining.eum.rounds import condorcet_median, expected_utility_model

__all__ = [
    "RELATIONSHIP_NAMES",
    "EUMParams",
    "EUMResult",
    "Relationship",
    "condorcet_median",
    "expected_utility_model",
]
