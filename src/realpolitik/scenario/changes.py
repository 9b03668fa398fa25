"""Changing numbers of a scenario by path (``whatif --set`` and ``[[shocks]]``).

Paths name one number each (docs/scenario-format.md, What-if):
``relations.A-B``, ``stances.ACTOR.ISSUE.position|salience|influence``,
``actors.ACTOR.capability``. A changed number becomes a point value marked ``assumed`` with the
note "what-if"; its range and quotes are dropped (they were evidence for the old number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realpolitik.errors import InputError, Problem
from realpolitik.scenario.schema import Scenario

STANCE_FIELDS = ("position", "salience", "influence")
NOTE = "what-if: set by --set"


@dataclass(frozen=True)
class Change:
    path: str
    value: float


def parse_change(text: str) -> Change:
    """``"relations.RUS-JPN=0.6"`` -> Change; a malformed one is the user's error."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError.single("--set", "", f"expected PATH=VALUE, got {text!r}")
    try:
        value = float(raw)
    except ValueError:
        raise InputError.single("--set", path, f"not a number: {raw!r}") from None
    return Change(path.strip(), value)


def _pair(scenario: Scenario, text: str) -> tuple[str, str] | None:
    """``"A-public-B"`` -> ("A-public", "B"): the one split into two known actor ids."""
    ids = {a.id for a in scenario.actors}
    splits = [(text[:k], text[k + 1 :]) for k, ch in enumerate(text) if ch == "-"]
    found = [(a, b) for a, b in splits if a in ids and b in ids]
    return found[0] if len(found) == 1 else None


def _point(value: float) -> dict[str, Any]:
    return {"value": value, "assumed": True, "note": NOTE}


def apply_changes(scenario: Scenario, changes: list[Change], where: str = "--set") -> Scenario:
    """A new scenario with every change applied, validated like a loaded file. Unknown paths
    and values the schema refuses are InputErrors naming ``--set`` and the path."""
    data = scenario.model_dump(mode="python")
    problems: list[Problem] = []
    for ch in changes:
        parts = ch.path.split(".")
        if parts[0] == "relations" and len(parts) == 2:
            pair = _pair(scenario, parts[1])
            if pair is None:
                problems.append(Problem(ch.path, "no two known actors A-B in the path"))
                continue
            for rel in data["relations"]:
                if set(rel["pair"]) == set(pair):
                    rel.update(value=_point(ch.value), cite=[], assumed=True, note=NOTE)
                    break
            else:
                data["relations"].append(
                    {"pair": list(pair), "value": _point(ch.value), "assumed": True, "note": NOTE}
                )
        elif parts[0] == "stances" and len(parts) == 4 and parts[3] in STANCE_FIELDS:
            actor, issue, field = parts[1:]
            for st in data["stances"]:
                if (st["actor"], st["issue"]) == (actor, issue):
                    st[field] = _point(ch.value)
                    break
            else:
                problems.append(Problem(ch.path, f"no stance of {actor!r} on {issue!r}"))
        elif parts[0] == "actors" and len(parts) == 3 and parts[2] == "capability":
            for a in data["actors"]:
                if a["id"] == parts[1]:
                    a["capability"] = _point(ch.value)
                    break
            else:
                problems.append(Problem(ch.path, f"unknown actor {parts[1]!r}"))
        else:
            problems.append(
                Problem(
                    ch.path,
                    "unknown path; use relations.A-B, stances.ACTOR.ISSUE.position|salience|"
                    "influence or actors.ACTOR.capability",
                )
            )
    if problems:
        raise InputError(where, problems)
    try:
        changed = Scenario.model_validate(data)
    except ValueError as err:
        raise InputError.single(where, ", ".join(c.path for c in changes), str(err)) from None
    changed._origin = scenario.origin
    return changed
