"""The exchange model of issue linkage, equal-gain version (Stokman & Van Oosten 1994).

Actors trade positions across issues: on a pair of issues (p, q), two actors on opposite sides of
both issues' outcomes, who value the issues differently, each move on the issue they care less
about toward the other's position, so that both gain equally. The outcome of an issue is the
capability-and-salience-weighted mean of the positions, Stokman's "Nash bargaining solution" (NBS)

    O_k = sum_i c_ik s_ik x_ik / W_k,   W_k = sum_i c_ik s_ik          (decide, Eq. O_d)

so a move of actor i by dx on issue k shifts O_k by dx c_ik s_ik / W_k, and i's utility of an
outcome change is its salience times the change (Stokman & Van Oosten 1994, eqs. 1-4).

This module follows the procedure of decide (`decide-exchange-model`, GPL-3, the equal-gain model
of Stokman's group; module ``decide.model.equalgain``) closely enough to reproduce its results on
the same inputs. One round:

1. Outcomes O_k from the round's start positions; actor i is *left* of issue k when x_ik <= O_k.
2. Candidate exchanges: for every pair of issues (p, q) in input order, every actor left on
   neither issue with every actor left on both, then every actor left on p only with every actor
   left on q only (decide's groups A-D and B-C). The actor with the larger ratio s_p / s_q
   *demands* p and *supplies* q (it moves on q); the other supplies p.
3. Equal gain: if J supplying p moves all the way to I's position on p, the outcome of p shifts
   by dp = |x_Ip - x_Jp| c_Jp s_Jp / W_p; I must then shift q by
   dq = dp (s_Ip + s_Jp) / (s_Iq + s_Jq), which makes both gains equal:
   g = dp s_Ip - dq s_Iq = dq s_Jq - dp s_Jp. If I's move for that dq would pass J's position,
   I moves fully instead and dp follows from dq. An outcome shift that would carry an issue's
   outcome past the demanding actor's own position is cut back so that the outcome stops there
   (decide's ``check_nbs``).
4. A move is valid when it is non-negligible, stays on [0, 100] (positions are normalised to
   decide's 0-100 scale internally), and keeps one direction with the actor's earlier moves in
   the same exchange, whose sum stays <= 100.
5. The valid exchange with the highest gain is realised first (ties: a fair coin between the
   first two in decide's stably sorted list; the loser goes to the end of the list, or the
   second stays listed twice). Exchanges sharing an actor and an issue with it are recomputed
   from the new positions (decide's ``recalculate``), others keep their values, invalid ones
   are dropped; repeat until no exchange is left.
6. The realised moves give the *voting positions* y; the round's outcome is the NBS of the voting
   positions. Each moved actor's next start position is
   x' = (1 - (1 - s) a - b) x + ((1 - s) a + b) y with a = 0.4 and b = 0.1 (decide's
   ``new_start_position``).

Implementation (one module per part): ``equal_gain`` holds the equal-gain step with move
validity, the cut-back test and the cut-back itself, each written once for Python floats and
NumPy arrays alike; ``rounds`` builds each round's candidate exchanges, vectorised over all
issue pairs and actor pairs at once (rows of NumPy arrays), computes them all at once, and runs
decide's realisation loop; ``model`` holds the inputs, results and the round's end. A realised
exchange affects only the candidates that share an actor and an issue with it: on decide's
example files a median of 9 to 25, at most about 150. A round with fewer than
``rounds.ARRAY_ROWS`` (3000) candidates keeps its state in Python lists and recomputes those
rows one by one on Python floats (a thin override of the array code, calling the same helpers);
a larger one keeps it in arrays and recomputes all affected rows at once. Both take the same
floating-point steps, so they give bit-identical numbers. ``equal_gain_exchanges`` takes D runs
of one shape through the rounds together (one table of candidates per round, set up with one set
of array operations, a view per run): each run gets the bits it gets alone. Everything random
goes through the generator the caller seeds (one per run).
"""

from realpolitik.models.exchange.equal_gain import SCALE
from realpolitik.models.exchange.model import (
    ExchangeLog,
    ExchangeParams,
    ExchangeResult,
    equal_gain_exchange,
    equal_gain_exchanges,
    nbs,
)

__all__ = [
    "SCALE",
    "ExchangeLog",
    "ExchangeParams",
    "ExchangeResult",
    "equal_gain_exchange",
    "equal_gain_exchanges",
    "nbs",
]
