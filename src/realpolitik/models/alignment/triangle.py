"""Strategic triangles (Dittmer 1981, "The Strategic Triangle: An Elementary Game-Theoretical
Analysis", World Politics 33(4): 485-515).

Every three actors form a triangle of three bilateral relations, each amity (+) or enmity (-):

* ménage à trois (+++): symmetrical amity; every actor is a *friend*;
* romantic triangle (++-): a *pivot* in amity with two *wings* that are hostile to each other;
* stable marriage (+--): two *partners* in amity, both hostile to the third, the *outcast*;
* unit veto (---): mutual enmity; every actor is an *enemy*.

Roles are ranked by how advantageous they are, pivot > friend > partner > wing > enemy >
outcast (the ordering docs/design.md specifies for this project). A
relation counts as amity when p_ij > ``threshold`` (default 0), enmity otherwise: Dittmer's
dichotomy has no neutral value, so a zero (absent) relation is not amity.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

TRIAD_TYPES = ("unit_veto", "marriage", "romantic", "menage")
"""Triad type by its number of amity relations (0..3)."""
ROLES = ("pivot", "friend", "partner", "wing", "enemy", "outcast")
"""Roles, most advantageous first."""
ROLE_RANK = {r: k for k, r in enumerate(ROLES)}

# role of a member by (amities in the triad, the member's own amities in it)
_ROLE = {(3, 2): "friend", (2, 2): "pivot", (2, 1): "wing", (1, 1): "partner",
         (1, 0): "outcast", (0, 0): "enemy"}


@dataclass(frozen=True)
class Triad:
    """One strategic triangle: member indices (ascending), its type and each member's role."""

    members: tuple[int, int, int]
    type: str
    roles: tuple[str, str, str]


def triads(propensities: npt.ArrayLike, *, threshold: float = 0.0,
           members: npt.ArrayLike | None = None) -> tuple[Triad, ...]:
    """Classify every triad of actors (Dittmer 1981). ``members`` restricts the triads to
    those whose three actors are all listed (indices), e.g. the states only."""
    p = np.asarray(propensities, dtype=float)
    n = p.shape[0]
    if p.shape != (n, n):
        raise ValueError("propensities must be a square matrix")
    idx = np.arange(n) if members is None else np.unique(np.asarray(members, dtype=np.intp))
    if idx.size < 3:
        return ()
    tri = np.array(list(combinations(idx.tolist(), 3)), dtype=np.intp)  # (T, 3)
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    ab, ac, bc = p[a, b] > threshold, p[a, c] > threshold, p[b, c] > threshold
    total = ab.astype(int) + ac + bc
    own = np.stack([ab.astype(int) + ac, ab.astype(int) + bc, ac.astype(int) + bc], axis=1)
    out = []
    for t in range(tri.shape[0]):
        tot = int(total[t])
        roles = tuple(_ROLE[(tot, int(o))] for o in own[t])
        out.append(Triad((int(a[t]), int(b[t]), int(c[t])), TRIAD_TYPES[tot],
                         (roles[0], roles[1], roles[2])))
    return tuple(out)


def best_roles(found: tuple[Triad, ...], n: int) -> list[str | None]:
    """Each actor's most advantageous role over all its triads (None if in none)."""
    best: list[str | None] = [None] * n
    for t in found:
        for i, r in zip(t.members, t.roles, strict=True):
            cur = best[i]
            if cur is None or ROLE_RANK[r] < ROLE_RANK[cur]:
                best[i] = r
    return best
