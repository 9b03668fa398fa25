"""Alignment models: landscape theory (Axelrod & Bennett 1993), exact structural balance
(frustration index) and strategic triangles (Dittmer 1981)."""

from realpolitik.models.alignment.balance import (
    BalanceResult,
    SignedGraph,
    frustrated_edges,
    frustration_index,
    frustration_of,
    is_balanced,
)
from realpolitik.models.alignment.landscape import (
    Configuration,
    LandscapeResult,
    canonical,
    descend,
    energy,
    frustration,
    global_split,
    pair_minima,
    split_energies,
    stable_configurations,
    weight_matrix,
)
from realpolitik.models.alignment.triangle import ROLES, TRIAD_TYPES, Triad, best_roles, triads

__all__ = [
    "ROLES",
    "TRIAD_TYPES",
    "BalanceResult",
    "Configuration",
    "LandscapeResult",
    "SignedGraph",
    "Triad",
    "best_roles",
    "canonical",
    "descend",
    "energy",
    "frustrated_edges",
    "frustration",
    "frustration_index",
    "frustration_of",
    "global_split",
    "is_balanced",
    "stable_configurations",
    "pair_minima",
    "split_energies",
    "triads",
    "weight_matrix",
]
