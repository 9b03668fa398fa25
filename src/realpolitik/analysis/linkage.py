"""Issue linkage: run a scenario through the exchange model and read the trades back.

Maps a Scenario (or an imported decide file) onto the equal-gain exchange model
(:mod:`realpolitik.models.exchange`, Stokman & Van Oosten 1994), repeats it with one seed per
repetition (``numpy.random.SeedSequence(seed).spawn(R)``; any ``concurrent.futures.Executor``,
default serial in-process; results never depend on the executor), and summarises which issues get
traded against which: who gives ground where, in return for what, and what each side gains.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from realpolitik.errors import InputError, clip
from realpolitik.models.exchange import ExchangeResult, equal_gain_exchange, equal_gain_exchanges
from realpolitik.scenario.inputs import Numbers, capability_path, stance_path
from realpolitik.scenario.limits import MAX_MAGNITUDE
from realpolitik.scenario.schema import Scenario
from realpolitik.scenario.validate import unweighted_issue_error

POWER_TAG = "decide.power."
SALIENCE_TAG = "decide.salience."
"""Issue tags written by the decide importer when an actor's power differs across issues."""


@dataclass(frozen=True)
class LinkageInputs:
    """A scenario as exchange-model inputs: N actors x K issues, NaN where there is no stance."""

    actors: list[str]
    issues: list[str]
    positions: np.ndarray
    salience: np.ndarray
    power: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def _tag_number(scenario: Scenario, k: int, tag: str, lo: float, hi: float) -> float:
    """The number in issue ``k``'s tag ``tag`` (a decide power or salience), within [lo, hi];
    anything else is bad input naming the tag."""
    text = scenario.issues[k].tags[tag]
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not lo <= v <= hi:
        raise InputError.single(scenario.where, f"issues[{k}].tags.{tag}",
                                f"expected a number in [{lo:g}, {hi:g}], got {clip(text)!r}")
    return v


def linkage_inputs(scenario: Scenario, values: Numbers | None = None) -> LinkageInputs:
    """Positions and saliences from the stances, power = the actor's capability (or the exact
    per-issue decide power and salience when the importer recorded them in the issue's tags).
    ``values``: numbers by input path read before the scenario's own (a draw's)."""
    got = values or {}
    actors = [a.id for a in scenario.actors]
    issues = [i.id for i in scenario.issues]
    a_ix = {a: n for n, a in enumerate(actors)}
    i_ix = {i: n for n, i in enumerate(issues)}
    shape = (len(actors), len(issues))
    x = np.full(shape, np.nan)
    s = np.full(shape, np.nan)
    c = np.full(shape, np.nan)
    cap = {a.id: got.get(capability_path(a.id), a.capability.value) for a in scenario.actors}
    tags = {i.id: i.tags for i in scenario.issues}
    for st in scenario.stances:
        n, k = a_ix[st.actor], i_ix[st.issue]
        x[n, k] = got.get(stance_path(st.actor, st.issue, "position"), st.position.value)
        s[n, k] = got.get(stance_path(st.actor, st.issue, "salience"), st.salience.value)
        c[n, k] = cap[st.actor]
        t = tags[st.issue]
        if POWER_TAG + st.actor in t and SALIENCE_TAG + st.actor in t:
            c[n, k] = _tag_number(scenario, k, POWER_TAG + st.actor, 0.0, MAX_MAGNITUDE)
            s[n, k] = _tag_number(scenario, k, SALIENCE_TAG + st.actor, 0.0, 1.0)
    lower = np.array([i.scale.min for i in scenario.issues], dtype=float)
    upper = np.array([i.scale.max for i in scenario.issues], dtype=float)
    return LinkageInputs(actors, issues, x, s, c, lower, upper)


def _weighted_inputs(scenario: Scenario, values: Numbers | None = None) -> LinkageInputs:
    """:func:`linkage_inputs`, refused when an issue has no weight (:func:`_check_weighted`)."""
    inputs = linkage_inputs(scenario, values)
    _check_weighted(scenario, inputs)
    return inputs


def _repetition_seeds(seed: int, repetitions: int) -> list[np.random.SeedSequence]:
    """Repetition r of a series from ``seed`` uses ``SeedSequence(seed).spawn(repetitions)[r]``
    (a single run is repetition 0 of any longer series)."""
    return np.random.SeedSequence(seed).spawn(repetitions)


def _check_weighted(scenario: Scenario, inputs: LinkageInputs) -> None:
    """Refuse issues with stances on which every power * salience is 0: their outcome (the
    weighted mean of Stokman & Van Oosten 1994) is undefined, so the model would report NaN."""
    taking_part = ~np.isnan(inputs.positions)
    weight = np.where(taking_part, inputs.power * inputs.salience, 0.0).sum(axis=0)
    bad = np.flatnonzero(taking_part.any(axis=0) & ~(weight > 0))
    if bad.size:
        raise unweighted_issue_error(scenario, [inputs.issues[k] for k in bad])


TOGETHER = 32
"""Runs of :func:`exchange_outcomes` taken through the rounds together (more share each round's
set-up; many more hold more state than the cache keeps)."""


def exchange_outcomes(
    scenario: Scenario, seeds: Sequence[int], values: Sequence[Numbers | None], rounds: int = 10
) -> list[dict[str, float]]:
    """Outcome per issue after ``rounds`` rounds of one run per seed, on the scenario with
    that run's ``values`` (:func:`linkage_inputs`): what :func:`exchange_scenario` gives with
    that seed and one repetition, with up to ``TOGETHER`` runs taken through the rounds
    together (``equal_gain_exchanges``). ``simulate`` runs a block of draws this way."""
    inputs = [_weighted_inputs(scenario, v) for v in values]
    out: list[dict[str, float]] = []
    for b in range(0, len(inputs), TOGETHER):
        part = inputs[b : b + TOGETHER]
        runs = equal_gain_exchanges(
            np.stack([i.positions for i in part]),
            np.stack([i.salience for i in part]),
            np.stack([i.power for i in part]),
            part[0].lower,
            part[0].upper,
            rounds=rounds,
            seeds=[_repetition_seeds(s, 1)[0] for s in seeds[b : b + TOGETHER]],
        )
        out += [{i: float(x) for i, x in zip(part[0].issues, r.compromise[-1], strict=True)}
                for r in runs]
    return out


def run_exchange(
    inputs: LinkageInputs, rounds: int, seed: np.random.SeedSequence | int | None
) -> ExchangeResult:
    """One repetition (a module-level function, so process pools can pickle it)."""
    return equal_gain_exchange(
        inputs.positions,
        inputs.salience,
        inputs.power,
        inputs.lower,
        inputs.upper,
        rounds=rounds,
        seed=seed,
    )


@dataclass(frozen=True)
class Trade:
    """One pair of moves across two issues, aggregated over the rounds of a run and averaged
    over the runs in which it happens. Side a gives ground on ``issue_a`` (moving from
    ``from_a`` to ``to_a``) in return for side b's move on ``issue_b``."""

    actor_a: str
    issue_a: str
    actor_b: str
    issue_b: str
    from_a: float
    to_a: float
    from_b: float
    to_b: float
    gain_a: float
    gain_b: float
    rounds: tuple[int, ...]
    runs: int
    repetitions: int

    @property
    def expected_gain(self) -> float:
        """Mean gain of one side per repetition (both gain equally; 0 in runs without it)."""
        return (self.gain_a + self.gain_b) / 2 * self.runs / self.repetitions

    def involves(self, issue: str) -> bool:
        return issue in (self.issue_a, self.issue_b)


@dataclass
class LinkageResult:
    """The exchange model's results on a scenario over one or more repetitions."""

    scenario_id: str
    inputs: LinkageInputs
    runs: list[ExchangeResult]
    rounds: int
    seed: int
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def repetitions(self) -> int:
        return len(self.runs)

    @property
    def compromise_before(self) -> np.ndarray:
        """Per-issue outcome (capability-and-salience-weighted mean) of the initial positions."""
        return self.runs[0].compromise[0]

    def _after(self) -> np.ndarray:
        return np.stack([r.compromise[-1] for r in self.runs])

    @property
    def compromise_after(self) -> np.ndarray:
        """Per-issue outcome after the last round (mean over repetitions)."""
        return self._after().mean(axis=0)

    @property
    def compromise_sd(self) -> np.ndarray:
        """Standard deviation of the outcome after the last round over repetitions."""
        after = self._after()
        return after.std(axis=0, ddof=1) if len(self.runs) > 1 else np.zeros(after.shape[1])

    @property
    def positions_before(self) -> np.ndarray:
        return self.runs[0].positions[0]

    @property
    def positions_after(self) -> np.ndarray:
        """Voting positions after the last round (N x K, mean over repetitions)."""
        return np.stack([r.positions[-1] for r in self.runs]).mean(axis=0)

    def utility_change(self) -> np.ndarray:
        """Per actor: sum over issues of s_ik (|x_ik - O_k before| - |x_ik - O_k after|), the
        salience-weighted move of the outcomes toward the actor's initial positions (the loss
        function of Stokman & Van Oosten), mean over repetitions."""
        x0, s = self.positions_before, self.inputs.salience
        span = (self.inputs.upper - self.inputs.lower) / 100.0
        before = np.abs(x0 - self.compromise_before) / span
        out = []
        for r in self.runs:
            after = np.abs(x0 - r.compromise[-1]) / span
            out.append(np.nansum(s * (before - after), axis=1))
        return np.mean(out, axis=0)

    def trades(self) -> list[Trade]:
        """Every pair (actor a on issue p, actor b on issue q) that traded, best first
        (by expected gain per repetition)."""
        acc: dict[tuple[int, int, int, int], list[dict[str, Any]]] = {}
        for run in self.runs:
            log = run.exchanges
            seen: dict[tuple[int, int, int, int], dict[str, Any]] = {}
            for n in range(len(log)):
                a, b = int(log.actor_i[n]), int(log.actor_j[n])
                p, q = int(log.issue_i[n]), int(log.issue_j[n])
                flip = a > b
                key = (b, q, a, p) if flip else (a, p, b, q)
                sides = (1, 0) if flip else (0, 1)
                starts = (float(log.start_i[n]), float(log.start_j[n]))
                ends = (float(log.end_i[n]), float(log.end_j[n]))
                gains = (float(log.gain_i[n]), float(log.gain_j[n]))
                rec = seen.get(key)
                if rec is None:
                    rec = seen[key] = {
                        "from": [starts[sides[0]], starts[sides[1]]],
                        "gain": [0.0, 0.0],
                        "rounds": set(),
                    }
                rec["to"] = [ends[sides[0]], ends[sides[1]]]
                rec["gain"][0] += gains[sides[0]]
                rec["gain"][1] += gains[sides[1]]
                rec["rounds"].add(int(log.round[n]))
            for key, rec in seen.items():
                acc.setdefault(key, []).append(rec)
        actors, issues = self.inputs.actors, self.inputs.issues
        out = []
        for (a, p, b, q), recs in acc.items():

            def mean(name: str, side: int, recs: list[dict[str, Any]] = recs) -> float:
                return float(np.mean([r[name][side] for r in recs]))

            rounds = sorted(set().union(*(r["rounds"] for r in recs)))
            out.append(
                Trade(
                    actors[a], issues[p], actors[b], issues[q],
                    mean("from", 0), mean("to", 0), mean("from", 1), mean("to", 1),
                    mean("gain", 0), mean("gain", 1), tuple(rounds), len(recs),
                    self.repetitions,
                )  # fmt: skip
            )
        out.sort(key=lambda t: -t.expected_gain)
        return out

    def to_json(self) -> dict[str, Any]:
        """``{"issues": {id: {compromise_before, compromise_after[, sd], positions}},
        "exchanges": [{round, actors, issues, moves, gains[, repetition]}]}``; in an exchange,
        ``actors[k]`` moves on ``issues[k]`` (the issue it gives ground on)."""
        inp = self.inputs
        before, after, sd = self.compromise_before, self.compromise_after, self.compromise_sd
        pos = self.positions_after
        issues: dict[str, Any] = {}
        for k, iid in enumerate(inp.issues):
            entry: dict[str, Any] = {
                "compromise_before": _num(before[k]),
                "compromise_after": _num(after[k]),
            }
            if self.repetitions > 1:
                entry["sd"] = _num(sd[k])
            entry["positions"] = {
                a: float(pos[n, k]) for n, a in enumerate(inp.actors) if not np.isnan(pos[n, k])
            }
            issues[iid] = entry
        exchanges = []
        for rep, run in enumerate(self.runs):
            for rec in run.exchanges.records():
                a, b = inp.actors[rec["actor_i"]], inp.actors[rec["actor_j"]]
                item: dict[str, Any] = {
                    "round": rec["round"],
                    "actors": [a, b],
                    "issues": [inp.issues[rec["issue_i"]], inp.issues[rec["issue_j"]]],
                    "moves": {
                        a: rec["end_i"] - rec["start_i"],
                        b: rec["end_j"] - rec["start_j"],
                    },
                    "gains": {a: rec["gain_i"], b: rec["gain_j"]},
                }
                if self.repetitions > 1:
                    item["repetition"] = rep
                exchanges.append(item)
        return {"issues": issues, "exchanges": exchanges}


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def exchange_scenario(
    scenario: Scenario,
    rounds: int = 10,
    repetitions: int = 1,
    seed: int = 0,
    executor: Executor | None = None,
    progress: Callable[[], None] | None = None,
) -> LinkageResult:
    """Run the equal-gain exchange model on a scenario ``repetitions`` times.

    Repetition r uses ``SeedSequence(seed).spawn(repetitions)[r]`` (a single run is repetition
    0 of any longer series); with an executor the repetitions are mapped over it.
    """
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
    if repetitions < 1:
        raise ValueError("repetitions must be >= 1")
    inputs = _weighted_inputs(scenario)
    seeds = _repetition_seeds(seed, repetitions)
    results: Iterable[ExchangeResult]
    if executor is None:
        results = (run_exchange(inputs, rounds, s) for s in seeds)
    else:
        results = executor.map(run_exchange, repeat(inputs), repeat(rounds), seeds)
    runs = []
    for res in results:
        runs.append(res)
        if progress is not None:
            progress()
    titles = {i.id: i.title or i.id for i in scenario.issues}
    return LinkageResult(scenario.scenario.id, inputs, runs, rounds, seed, titles)
