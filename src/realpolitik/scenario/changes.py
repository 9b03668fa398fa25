"""Changing numbers of a scenario by path (``whatif --set`` and ``[[shocks]]``).

The paths and the setter are :mod:`realpolitik.scenario.inputs` (one grammar, one setter for
every command); a what-if sets with ``provenance="what-if"``: a changed number becomes a point
value marked ``assumed`` with the note "what-if: set by --set" (its range and quotes were
evidence for the old number), and a relation path between two actors without a relation adds
one (docs/scenario-format.md, What-if).
"""

from __future__ import annotations

from dataclasses import dataclass

from realpolitik.errors import InputError, clip
from realpolitik.scenario.inputs import NOTE, STANCE_FIELDS, set_values
from realpolitik.scenario.schema import Scenario

__all__ = ["NOTE", "STANCE_FIELDS", "Change", "apply_changes", "parse_change"]


@dataclass(frozen=True)
class Change:
    path: str
    value: float


def parse_change(text: str) -> Change:
    """``"relations.RUS-JPN=0.6"`` -> Change; a malformed one is the user's error."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError.single("--set", "", f"expected PATH=VALUE, got {clip(text)!r}")
    try:
        value = float(raw)
    except ValueError:
        raise InputError.single("--set", path, f"not a number: {clip(raw)!r}") from None
    return Change(path.strip(), value)


def apply_changes(scenario: Scenario, changes: list[Change], where: str = "--set") -> Scenario:
    """A new scenario with every change applied (later changes of one path win). Unknown paths
    and values outside what the format allows are InputErrors naming ``where`` and the path."""
    return set_values(scenario, {c.path: c.value for c in changes}, where, "what-if")
