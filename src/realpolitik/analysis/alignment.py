"""Alignment analysis: who sides with whom, how firmly, and what would flip it.

Maps a scenario (or COW data for a year, or a sizes/propensity table) onto the landscape model
(Axelrod & Bennett 1993), classifies every strategic triangle (Dittmer 1981) and finds the
tipping point of one relation; and runs exact structural balance on signed-graph files.

Scenario rules (documented in docs/alignment.md):

* actors: by default every actor without a ``parent`` whose kind is not ``public`` or
  ``leader`` (domestic actors speak through their state) and that is a ``state`` or has a
  relation with another such actor; ``actors=[...]`` (CLI ``--actors``) chooses explicitly;
* sizes: ``capability.value``, normalised to sum to 1 (energies are then comparable across
  scenarios; the configurations do not depend on the scale);
* propensities: ``relations`` values in [-1, 1]; a directed relation given both ways is
  averaged, one given one way only is used for both; a pair with no relation counts as 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from realpolitik.analysis.tipping import (
    Alternative,
    RelationTipping,
    alternatives,
    relation_bounds,
    relation_tipping,
)
from realpolitik.errors import InputError, Problem
from realpolitik.models.alignment.balance import SignedGraph, frustration_index
from realpolitik.models.alignment.landscape import (
    Configuration,
    LandscapeResult,
    frustration,
    pair_minima,
    stable_configurations,
)
from realpolitik.models.alignment.triangle import Triad, triads
from realpolitik.scenario.inputs import Numbers, capability_path, relation_path, widened
from realpolitik.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]
_DOMESTIC_KINDS = {"public", "leader"}


@dataclass(frozen=True)
class AlignmentInputs:
    """What the landscape sees: actor ids and names, sizes (sum 1), symmetric propensities."""

    actors: tuple[str, ...]
    names: tuple[str, ...]
    sizes: FloatArray
    propensities: FloatArray
    title: str
    file: str = ""
    notes: tuple[str, ...] = ()
    ranges: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    """Cited low/high of a relation (i < j), when it has a range."""

    def index(self, actor: str, what: str = "actor") -> int:
        try:
            return self.actors.index(actor)
        except ValueError:
            raise InputError.single(self.file, what, f"unknown actor {actor!r} (the landscape "
                                    f"has: {', '.join(self.actors)})") from None

    def name(self, k: int) -> str:
        return self.names[k] or self.actors[k]


def _normalised(sizes: npt.ArrayLike, file: str) -> FloatArray:
    s = np.asarray(sizes, dtype=float)
    total = s.sum()
    if not total > 0:
        raise InputError.single(file, "capability", "every actor in the landscape has size 0")
    return s / total


def inputs_from_scenario(scenario: Scenario, actors: list[str] | None = None,
                         file: str | None = None, values: Numbers | None = None) -> AlignmentInputs:
    """The landscape inputs of a scenario (rules in the module docstring). ``file`` names the
    input in error messages (default: the scenario's origin, else its id); ``values``: numbers
    by input path read before the scenario's own (a draw's; a range widens to hold its value)."""
    file = file or scenario.where
    got = values or {}
    by_id = {a.id: a for a in scenario.actors}
    if actors:
        unknown = [a for a in actors if a not in by_id]
        if unknown:
            raise InputError(file, [Problem("--actors", f"unknown actor {a!r}") for a in unknown])
        chosen = list(dict.fromkeys(actors))
    else:
        eligible = [a.id for a in scenario.actors
                    if a.parent is None and a.kind not in _DOMESTIC_KINDS]
        related = {x for r in scenario.relations for x in r.pair
                   if r.pair[0] in eligible and r.pair[1] in eligible}
        chosen = [a for a in eligible if by_id[a].kind == "state" or a in related]
    if len(chosen) < 2:
        need = "an alignment needs at least two actors that are states or have relations"
        if not scenario.relations and len(scenario.actors) >= 2 and not actors:
            raise InputError.single(file, "relations", f"none between its {len(scenario.actors)} "
                                    f"actors, and {len(chosen)} are states: {need} (-1 hostile"
                                    " .. +1 allied); convert the file to a scenario TOML "
                                    "(realpolitik convert) and add [[relations]]")
        raise InputError.single(file, "actors", f"{need} with each other; found {len(chosen)} "
                                f"({', '.join(chosen) or 'none'}) of {len(scenario.actors)} "
                                "actors")
    pos = {a: k for k, a in enumerate(chosen)}
    n = len(chosen)
    sums = np.zeros((n, n))
    counts = np.zeros((n, n))
    ranges: dict[tuple[int, int], tuple[float, float]] = {}
    for r in scenario.relations:
        a, b = r.pair
        if a not in pos or b not in pos:
            continue
        i, j = pos[a], pos[b]
        v = r.value
        x = got.get(relation_path(a, b), v.value)
        if r.directed:
            sums[i, j] += x
            counts[i, j] += 1
        else:
            sums[i, j] += x
            sums[j, i] += x
            counts[i, j] += 1
            counts[j, i] += 1
        lo, hi = widened(v, x)  # (as the scenario with the value set would hold it)
        if lo < hi:
            key = (min(i, j), max(i, j))
            lo0, hi0 = ranges.get(key, (lo, hi))
            ranges[key] = (min(lo0, lo), max(hi0, hi))
    one_way = (counts > 0) & (counts.T == 0)
    sums = np.where(one_way.T, sums.T, sums)
    counts = np.where(one_way.T, counts.T, counts)
    p = np.divide(sums, counts, out=np.zeros((n, n)), where=counts > 0)
    p = 0.5 * (p + p.T)
    np.fill_diagonal(p, 0.0)
    missing = int(((counts + counts.T) == 0).sum() - n) // 2
    notes = ["sizes: capability values, normalised to sum 1"]
    if missing:
        notes.append(f"{missing} pair(s) without a relation count as 0 (indifferent)")
    left_out = [a.id for a in scenario.actors if a.id not in pos]
    if left_out and not actors:
        notes.append("left out (domestic or unrelated): " + ", ".join(left_out))
    return AlignmentInputs(
        tuple(chosen), tuple(by_id[a].name for a in chosen),
        _normalised([got.get(capability_path(a), by_id[a].capability.value) for a in chosen],
                    file),
        p, scenario.scenario.title or scenario.scenario.id, file, tuple(notes), ranges)


def inputs_from_cow(year: int, states: list[str] | None = None) -> AlignmentInputs:
    """Data-built inputs for ``year`` (see :mod:`realpolitik.analysis.cowdata`)."""
    from realpolitik.analysis.cowdata import cow_landscape

    c = cow_landscape(year, states)
    return AlignmentInputs(c.ids, c.names, _normalised(c.sizes, "COW"), c.propensities,
                           f"COW data, {year}", "--states", c.notes)


def inputs_from_tables(sizes_path: str | Path, matrix_path: str | Path,
                       center: float = 0.0) -> AlignmentInputs:
    """Inputs from a sizes CSV and a propensity matrix CSV (Furnas's Syria 2016 format)."""
    from realpolitik.scenario.signed_graph import read_landscape_csv

    t = read_landscape_csv(sizes_path, matrix_path, center)
    p = np.asarray(t.propensities, dtype=float)
    note = f"propensities: matrix value - {center:g}" if center else "propensities as given"
    return AlignmentInputs(tuple(t.actors), tuple(t.actors), _normalised(t.sizes, str(sizes_path)),
                           p, Path(matrix_path).stem, str(matrix_path),
                           ("sizes: normalised to sum 1", note))


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TippingResult:
    """A relation's tipping point, with actor ids and the reading of it."""

    pair: tuple[str, str]
    model: RelationTipping
    partner: str | None
    """The first actor's strongest tie on its side before the change (e.g. China for Russia)."""
    leaves_partner: bool
    range: tuple[float, float] | None
    without_partner: Configuration | None = None
    """The lowest-energy split that parts the first actor from its partner (stable or not)."""
    alternatives: tuple[Alternative, ...] | None = None
    """The least single changes (a relation of the first actor, a relation among the others, or
    one actor's size) that move the first actor off its partner's side, smallest first; empty
    if none within range (or no partner); None when not searched (too many actors)."""

    def to_json(self, actors: tuple[str, ...]) -> dict[str, Any]:
        return {"pair": list(self.pair), "from": self.model.value, "to": self.model.to,
                "switchers": [actors[k] for k in self.model.switchers],
                "required": self.model.threshold,
                "alternatives": None if self.alternatives is None else [
                    alternative_json(a, actors) for a in self.alternatives]}


def alternative_json(alt: Alternative, actors: tuple[str, ...]) -> dict[str, Any]:
    """``{"kind", "pair" | "actor", "from", "to", "change", "switchers"}``: for a size, from/to
    are shares of the landscape's total before the change and change is the factor."""
    where: dict[str, Any] = ({"pair": [actors[k] for k in alt.actors]} if alt.kind == "relation"
                             else {"actor": actors[alt.actors[0]]})
    return {"kind": alt.kind, **where, "from": alt.value, "to": alt.to, "change": alt.change,
            "switchers": [actors[k] for k in alt.switchers]}


def _sides(actors: tuple[str, ...], k: int, labels: npt.ArrayLike) -> list[list[str]]:
    """The actors of each coalition of a configuration (two lists when k = 2, one empty if
    everybody is on one side)."""
    lab = np.asarray(labels)
    k = max(k if k == 2 else int(lab.max()) + 1, 1)
    return [[actors[i] for i in np.flatnonzero(lab == c)] for c in range(k)]


@dataclass(frozen=True)
class AlignmentResult:
    inputs: AlignmentInputs
    landscape: LandscapeResult
    frustration: FloatArray
    """Each actor's frustration F_i in the predicted configuration."""
    triads: tuple[Triad, ...]
    tipping: TippingResult | None

    def sides(self, labels: npt.ArrayLike) -> list[list[str]]:
        return _sides(self.inputs.actors, self.landscape.k, labels)

    def to_json(self) -> dict[str, Any]:
        """The ``realpolitik align --json`` payload."""
        a = self.inputs.actors
        return {
            "configurations": [{"sides": self.sides(c.labels), "energy": c.energy,
                                "basin": c.basin} for c in self.landscape.minima],
            "global": 0,
            "frustration": {a[i]: float(f) for i, f in enumerate(self.frustration)},
            "triads": [{"actors": [a[m] for m in t.members], "type": t.type,
                        "roles": {a[m]: r for m, r in zip(t.members, t.roles, strict=True)}}
                       for t in self.triads],
            "tipping": self.tipping.to_json(a) if self.tipping else None,
        }


def _partner(inputs: AlignmentInputs, labels: npt.ArrayLike, i: int) -> int | None:
    lab = np.asarray(labels)
    mates = np.flatnonzero((lab == lab[i]) & (np.arange(lab.size) != i))
    if mates.size == 0:
        return None
    pull = inputs.sizes[mates] * inputs.propensities[i, mates]
    return int(mates[int(np.argmax(pull))])


def _isolated(inputs: AlignmentInputs, pair: tuple[str, str] | None) -> str | None:
    """Why the tipping ``pair`` cannot be computed because one of its actors is left out as
    indifferent (no nonzero relation, or size 0), or None."""
    if pair is None:
        return None
    w = np.abs(np.outer(inputs.sizes, inputs.sizes) * inputs.propensities).sum(axis=1)
    for who in pair:
        if who in inputs.actors and not w[inputs.actors.index(who)] > 0:
            k = inputs.actors.index(who)
            why = "has size 0" if not inputs.sizes[k] > 0 else "has no nonzero relation to any " \
                "other actor in the landscape (add [[relations]] with it)"
            return f"no tipping point for {pair[0]}-{pair[1]}: {who} {why}"
    return None


def _without_isolated(inputs: AlignmentInputs) -> AlignmentInputs:
    """Drop actors with no nonzero weight s_i s_j p_ij (no relation, or size 0): they are
    indifferent to every configuration and would only duplicate each minimum."""
    w = np.outer(inputs.sizes, inputs.sizes) * inputs.propensities
    keep = np.abs(w).sum(axis=1) > 0
    if keep.all():
        return inputs
    if keep.sum() < 2:
        raise InputError.single(inputs.file, "relations", "no two actors have both a size and "
                                "a nonzero relation: every configuration has energy 0")
    idx = np.flatnonzero(keep)
    pos = {int(o): n for n, o in enumerate(idx)}
    gone = [inputs.actors[i] for i in np.flatnonzero(~keep)]
    return AlignmentInputs(
        tuple(inputs.actors[i] for i in idx), tuple(inputs.names[i] for i in idx),
        _normalised(inputs.sizes[idx], inputs.file), inputs.propensities[np.ix_(idx, idx)],
        inputs.title, inputs.file,
        (*inputs.notes, "left out, indifferent (no relation or size 0): " + ", ".join(gone)),
        {(pos[a], pos[b]): r for (a, b), r in inputs.ranges.items() if a in pos and b in pos})


def align(inputs: AlignmentInputs, *, tipping: tuple[str, str] | None = None, k: int = 2,
          starts: int = 4096, seed: int = 0, tipping_field: str = "--pair") -> AlignmentResult:
    """Stable configurations, frustrations, triads and (optionally) one relation's tipping point.
    Actors with no nonzero weight are left out first (noted); a tipping actor among them is
    bad input naming it and ``tipping_field`` (where the pair came from)."""
    isolated = _isolated(inputs, tipping)
    if isolated:
        raise InputError.single(inputs.file, tipping_field, isolated)
    inputs = _without_isolated(inputs)
    if k < 2:
        raise InputError.single(inputs.file, "--k", "k must be at least 2")
    if tipping is not None and k != 2:
        raise InputError.single(inputs.file, tipping_field, "tipping points are computed for two "
                                "coalitions (k = 2)")
    pair = None
    if tipping is not None:
        pair = (inputs.index(tipping[0], tipping_field), inputs.index(tipping[1], tipping_field))
        if pair[0] == pair[1]:
            raise InputError.single(inputs.file, tipping_field, "name two different actors")
    s, p = inputs.sizes, inputs.propensities
    land = stable_configurations(s, p, k=k, starts=starts, seed=seed)
    best = land.best.labels
    frus = frustration(s, p, best)
    found = triads(p)
    tip = None
    if pair is not None:
        i, j = pair
        model = relation_tipping(s, p, i, j, before=best, bounds=relation_bounds(p))
        partner = _partner(inputs, best, i)
        leaves = bool(partner is not None and model.after[i] != model.after[partner])
        key = (min(i, j), max(i, j))
        apart = pair_minima(s, p, i, partner)[1] if partner is not None else None
        alts = (alternatives(s, p, i, partner, before=best) if partner is not None else ())
        tip = TippingResult((inputs.actors[i], inputs.actors[j]), model,
                            inputs.actors[partner] if partner is not None else None, leaves,
                            inputs.ranges.get(key), apart, alts)
    return AlignmentResult(inputs, land, frus, found, tip)


def global_sides(scenario: Scenario, seed: int = 0,
                 values: Numbers | None = None) -> list[list[str]]:
    """The sides of the global minimum-energy configuration of the scenario's landscape (two
    coalitions): what ``align_scenario(...).landscape.minima[0]`` gives, without the
    frustrations and triads that only the report needs (``simulate`` runs it on every draw, with
    the draw's ``values``)."""
    inputs = _without_isolated(inputs_from_scenario(scenario, values=values))
    land = stable_configurations(inputs.sizes, inputs.propensities, k=2, starts=4096, seed=seed)
    return _sides(inputs.actors, land.k, land.minima[0].labels)


def align_scenario(scenario: Scenario, *,
                   tipping: tuple[str, str] | None | Literal["question"] = "question",
                   actors: list[str] | None = None, k: int = 2, seed: int = 0) -> AlignmentResult:
    """The demo's entry point: ``align(inputs_from_scenario(scenario, actors), ...)``. The
    default tipping pair is the scenario's question pair (``Scenario.question_pair``); a tipping
    pair whose actors are not in the landscape is skipped."""
    field = "--tipping"
    if tipping == "question":
        tipping = scenario.question_pair()
        k_q = next((n for n, q in enumerate(scenario.questions) if q.pair is not None), 0)
        field = f"questions[{k_q}].pair"
    inputs = inputs_from_scenario(scenario, actors)
    if tipping is not None and not all(t in inputs.actors for t in tipping):
        tipping = None
    return align(inputs, tipping=tipping, k=k, seed=seed, tipping_field=field)


# --------------------------------------------------------------------------------------------
# structural balance of signed-graph files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowBalance:
    label: str
    nodes: tuple[str, ...]
    edges: int
    frustration: float
    sides: tuple[tuple[str, ...], tuple[str, ...]]
    frustrated_edges: tuple[tuple[str, str], ...]
    optimal: bool

    def to_json(self) -> dict[str, Any]:
        f = self.frustration
        return {"label": self.label, "nodes": len(self.nodes), "edges": self.edges,
                "frustration": int(f) if float(f).is_integer() else f,
                "sides": [list(s) for s in self.sides],
                "frustrated_edges": [list(e) for e in self.frustrated_edges]}


def balance_file(path: str | Path, at: float | None = None, time_limit: float | None = None,
                 on_window: Callable[[int, int], None] | None = None) -> list[WindowBalance]:
    """Exact frustration index of every window of a signed-graph file; ``on_window(done,
    total)`` is called after each window (progress)."""
    from realpolitik.scenario.signed_graph import read_signed_graph

    if time_limit is not None and not (np.isfinite(time_limit) and time_limit > 0):
        raise InputError.single("--time-limit", "--time-limit",
                                f"give a positive number of seconds, got {time_limit}")
    out: list[WindowBalance] = []
    windows = read_signed_graph(path, at)
    for w in windows:
        g = SignedGraph(len(w.nodes), np.asarray(w.edges, dtype=np.intp).reshape(-1, 2),
                        np.asarray(w.signs, dtype=np.int8), np.asarray(w.weights, dtype=float))
        res = frustration_index(g, time_limit=time_limit)
        x = res.sides if res.sides[0] == 0 else 1 - res.sides
        sides = (tuple(w.nodes[i] for i in np.flatnonzero(x == 0)),
                 tuple(w.nodes[i] for i in np.flatnonzero(x == 1)))
        bad = tuple((w.nodes[int(a)], w.nodes[int(b)]) for a, b in g.edges[res.frustrated])
        out.append(WindowBalance(w.label, tuple(w.nodes), g.m, res.frustration, sides, bad,
                                 res.optimal))
        if on_window is not None:
            on_window(len(out), len(windows))
    return out
