"""A scenario's numeric inputs, each named by a path, read and changed by that path: the one
path grammar and the one setter (:func:`set_values`) behind ``simulate``, ``levers``, ``whatif``,
``[[shocks]]`` and article suggestions.

The paths (docs/scenario-format.md, Input paths):

- ``actors.<ACTOR>.capability``
- ``stances.<ACTOR>.<ISSUE>.position``, ``.salience`` and ``.influence``
- ``relations.<A>-<B>`` (an undirected relation answers to either order; a what-if may name two
  actors without a relation, which adds one)

Each input carries its value and its range (``low`` .. ``high``; the value itself when no range
is given). Paths are looked up whole, never split, so ids may contain dots or dashes.
:func:`inputs` lists what ``simulate`` samples (influences are set, never sampled).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from realpolitik.errors import InputError, Problem
from realpolitik.scenario.limits import check_number
from realpolitik.scenario.schema import Relation, Scenario, Stance, Value

InputKind = Literal["capability", "position", "salience", "influence", "relation"]
STANCE_FIELDS = ("position", "salience", "influence")
BOUNDS: dict[str, tuple[float, float] | None] = {
    "capability": (0.0, float("inf")),
    "salience": (0.0, 1.0),
    "relation": (-1.0, 1.0),
    "position": None,  # the issue's scale
}


Numbers = Mapping[str, float]
"""Numbers by input path that stand in for a scenario's own (a draw's values): model inputs built
from a scenario with ``values`` read each number there first, so a block of draws needs no copy
of the scenario per draw."""


def widened(v: Value, x: float) -> tuple[float, float]:
    """``v``'s range widened to hold the value x (how a draw, a lever or a suggestion keeps the
    evidence of a number it sets: :func:`set_values` with ``widen``)."""
    return min(v.lo, x), max(v.hi, x)


def capability_path(actor: str) -> str:
    return f"actors.{actor}.capability"


def stance_path(actor: str, issue: str, field: str) -> str:
    """``field``: position, salience or influence."""
    return f"stances.{actor}.{issue}.{field}"


def relation_path(a: str, b: str) -> str:
    return f"relations.{a}-{b}"


@dataclass(frozen=True)
class Input:
    """One number of a scenario: where it is, whose it is, its value and its range."""

    path: str
    kind: InputKind
    actor: str
    issue: str | None
    value: float
    low: float
    high: float
    bounds: tuple[float, float]
    """The values the format allows (a salience in [0, 1], a position on its issue's scale)."""

    @property
    def ranged(self) -> bool:
        return self.low < self.high


def _entry(
    path: str, kind: InputKind, actor: str, issue: str | None, v: Value, bounds: tuple[float, float]
) -> Input:
    return Input(path, kind, actor, issue, v.value, v.lo, v.hi, bounds)


def inputs(scenario: Scenario) -> list[Input]:
    """Every numeric input, in a fixed order: capabilities, then stances (position, salience) in
    file order, then relations."""
    out: list[Input] = []
    for a in scenario.actors:
        out.append(
            _entry(
                capability_path(a.id),
                "capability",
                a.id,
                None,
                a.capability,
                (0.0, float("inf")),
            )
        )
    scales = {i.id: (i.scale.min, i.scale.max) for i in scenario.issues}
    for st in scenario.stances:
        out.append(
            _entry(
                stance_path(st.actor, st.issue, "position"), "position", st.actor, st.issue,
                st.position, scales[st.issue],
            )
        )
        out.append(
            _entry(stance_path(st.actor, st.issue, "salience"), "salience", st.actor, st.issue,
                   st.salience, (0.0, 1.0))
        )
    for r in scenario.relations:
        a, b = r.pair
        out.append(_entry(relation_path(a, b), "relation", a, None, r.value, (-1.0, 1.0)))
    return out


def _aliases(scenario: Scenario) -> dict[str, str]:
    """Other spellings of a path: ``relations.B-A`` for an undirected ``relations.A-B``."""
    return {
        relation_path(r.pair[1], r.pair[0]): relation_path(*r.pair)
        for r in scenario.relations
        if not r.directed
    }


def _influences(scenario: Scenario) -> dict[str, Input]:
    """``stances.A.I.influence`` of every stance: settable (a what-if may give one), though
    not sampled by ``simulate`` (it is not among :func:`inputs`)."""
    out = {}
    for st in scenario.stances:
        v = st.influence or Value(value=0.0)
        path = stance_path(st.actor, st.issue, "influence")
        out[path] = _entry(path, "influence", st.actor, st.issue, v, (0.0, float("inf")))
    return out


def new_relation(scenario: Scenario, path: str) -> tuple[str, str] | None:
    """``relations.A-B`` naming two different known actors that have no relation yet, as the
    pair (the one split of ``A-B`` into two known ids), else None."""
    if not path.startswith("relations."):
        return None
    text, ids = path.removeprefix("relations."), {a.id for a in scenario.actors}
    splits = [(text[:k], text[k + 1 :]) for k, ch in enumerate(text) if ch == "-"]
    found = [(a, b) for a, b in splits if a in ids and b in ids and a != b]
    return found[0] if len(found) == 1 else None


def _unknown(scenario: Scenario, path: str, examples: str) -> str:
    """Why ``path`` names no number of the scenario, in the grammar's own terms."""
    parts = path.split(".")
    what = ""
    if parts[0] == "stances" and len(parts) >= 4 and parts[-1] in STANCE_FIELDS:
        what = ": no stance of that actor on that issue"
    elif parts[0] == "relations":
        what = ": no two different known actors A-B in the path"
    elif parts[0] == "actors" and parts[-1] == "capability":
        what = ": unknown actor"
    return f"unknown input path {path!r}{what} (paths look like {examples}, ...)"


def lookup(
    scenario: Scenario, paths: list[str], field: str = "--set", *, create: bool = False
) -> dict[str, Input]:
    """The inputs named by ``paths`` (aliases resolved; influence paths too); unknown paths are
    bad input naming each, with a few known paths as examples. With ``create``, a relation path
    between two known actors without a relation is a new relation (value 0 until set)."""
    known = {i.path: i for i in inputs(scenario)} | _influences(scenario)
    alias = _aliases(scenario)
    found: dict[str, Input] = {}
    bad = []
    for p in paths:
        key = alias.get(p, p)
        pair = new_relation(scenario, p) if create and key not in known else None
        if key in known:
            found[p] = known[key]
        elif pair is not None:
            path = relation_path(*pair)
            found[p] = Input(path, "relation", pair[0], None, 0.0, 0.0, 0.0, (-1.0, 1.0))
        else:
            bad.append(p)
    if bad:
        examples = ", ".join(list(known)[:3])
        raise InputError(
            scenario.where, [Problem(f"{field} {p}", _unknown(scenario, p, examples)) for p in bad]
        )
    return found


Provenance = Literal["widen", "what-if"]
"""How a set number keeps its evidence: ``widen`` keeps its quotes and widens its range to hold
the new value (a draw, a lever, a suggestion from articles); ``what-if`` makes it a point value
marked ``assumed`` with the note :data:`NOTE` (its range and quotes were evidence for the old
number)."""

NOTE = "what-if: set by --set"


def set_values(
    scenario: Scenario,
    values: Mapping[str, float],
    field: str = "--set",
    provenance: Provenance = "widen",
    found: Mapping[str, Input] | None = None,
) -> Scenario:
    """A copy of ``scenario`` with the numbers named by ``values`` (paths, see the module
    docstring) set, their evidence kept as ``provenance`` says. A value outside what the format
    allows (a salience of 1.5, a position off its scale, a number over the magnitude limit) is
    bad input naming ``field`` and the path. The one setter behind what-ifs, shocks, draws,
    levers and suggestions. ``found``: :func:`lookup` of the paths of ``values`` on this
    scenario, when the caller sets the same paths many times (the draws of a block)."""
    whatif = provenance == "what-if"
    if found is None:
        found = lookup(scenario, list(values), field, create=whatif)
    problems = []
    for p, inp in found.items():
        x = float(values[p])
        lo, hi = inp.bounds
        try:
            check_number(p, x)
        except ValueError as err:
            problems.append(Problem(f"{field} {p}", str(err)))
            continue
        if not (lo <= x <= hi):
            problems.append(Problem(f"{field} {p}", f"{p} = {x:g} is outside [{lo:g}, {hi:g}]"))
    if problems:
        raise InputError(scenario.where, problems)
    by_path = {inp.path: float(values[p]) for p, inp in found.items()}

    def moved(v: Value, path: str) -> Value:
        x = by_path[path]
        if whatif:
            return Value(value=x, assumed=True, note=NOTE)
        lo, hi = widened(v, x)
        low = None if v.low is None and x >= v.value else lo
        high = None if v.high is None and x <= v.value else hi
        return v.model_copy(update={"value": x, "low": low, "high": high})

    actors = [
        a.model_copy(update={"capability": moved(a.capability, capability_path(a.id))})
        if capability_path(a.id) in by_path
        else a
        for a in scenario.actors
    ]
    stances = [_moved_stance(st, by_path, moved, field, scenario.where) for st in scenario.stances]
    relations = []
    for r in scenario.relations:
        path = relation_path(*r.pair)
        if path in by_path:
            extra = {"cite": [], "assumed": True, "note": NOTE} if whatif else {}
            r = r.model_copy(update={"value": moved(r.value, path), **extra})
        relations.append(r)
    have = {relation_path(*r.pair) for r in scenario.relations}
    for inp in found.values():
        if inp.kind == "relation" and inp.path not in have:
            have.add(inp.path)
            other = inp.path.removeprefix(relation_path(inp.actor, ""))
            relations.append(Relation(pair=(inp.actor, other), value=moved(Value(value=0.0),
                                      inp.path), assumed=True, note=NOTE))  # fmt: skip
    out = scenario.model_copy(update={"actors": actors, "stances": stances, "relations": relations})
    out._origin = scenario.origin
    return out


def _moved_stance(
    st: Stance, by_path: Mapping[str, float], moved: Callable[[Value, str], Value], field: str,
    file: str,
) -> Stance:
    """``st`` with its position, salience and influence set where ``by_path`` names them."""
    update = {
        name: moved(getattr(st, name) or Value(value=0.0), path)
        for name in STANCE_FIELDS
        if (path := stance_path(st.actor, st.issue, name)) in by_path
    }
    if not update:
        return st
    out = st.model_copy(update=update)
    if out.influence is not None and out.influence.value > 0 and out.salience.value == 0:
        where = stance_path(st.actor, st.issue, "salience")
        raise InputError.single(file, f"{field} {where}", "influence > 0 needs salience > 0 (the "
                                "models weigh by both)")
    return out


def with_values(
    scenario: Scenario, values: Mapping[str, float], field: str = "--set",
    found: Mapping[str, Input] | None = None,
) -> Scenario:
    """:func:`set_values` keeping the evidence (``widen``): a value outside the input's cited
    range widens the range (the range records what the evidence supports, a draw or a lever may
    step outside it)."""
    return set_values(scenario, values, field, "widen", found)


def without_actor(scenario: Scenario, actor: str, issue: str) -> Scenario:
    """A copy of ``scenario`` in which ``actor`` holds no stance on ``issue`` (drop-one tables)."""
    stances = [s for s in scenario.stances if not (s.actor == actor and s.issue == issue)]
    out = scenario.model_copy(update={"stances": stances})
    out._origin = scenario.origin
    return out
