"""Evidence per number: what each number of a scenario rests on, and how strong that is.

Every number a model uses on an issue (each stance's position, salience, range ends, win-set and
influence, and the capability of an actor without influence) is traced to its own citations.
A citation counts as *evidence* when its ``kind`` is ``direct`` or ``inferred``, its fact is
no older than ``window`` days before the scenario's ``as_of`` and its source is graded at or
above the threshold on the Admiralty scale. The definitions are in docs/scenario-format.md,
Evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from realpolitik.errors import Problem

if TYPE_CHECKING:  # the CLI reads the defaults below without loading pydantic
    from realpolitik.scenario.schema import Citation, Grade, Scenario, Source, Stance, Value

STALE_DAYS = 730
"""Default window: a fact more than two years older than ``as_of`` is stale."""
MIN_GRADE = "C3"
"""Default threshold: reliability A-C and credibility 1-3 pass; F and 6 ("cannot be judged")
do not."""

KIND_WEIGHT = {"direct": 1.0, "inferred": 0.6, "background": 0.0}
RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.3}
CREDIBILITY_WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.3}
UNGRADED_WEIGHT = 0.25


def grade_weight(grade: Grade | None) -> float:
    """A source's grade as a factor in (0, 1]: reliability weight x credibility weight."""
    if grade is None:
        return UNGRADED_WEIGHT
    return RELIABILITY_WEIGHT[grade.reliability] * CREDIBILITY_WEIGHT[grade.credibility]


def parse_grade(code: str) -> tuple[str, int]:
    """ "C3" -> ("C", 3); raises ValueError on anything else."""
    code = code.strip().upper()
    if len(code) != 2 or code[0] not in "ABCDEF" or code[1] not in "123456":
        raise ValueError(f"a grade is a letter A-F and a digit 1-6, e.g. C3; got {code!r}")
    return code[0], int(code[1])


def meets(grade: Grade | None, threshold: str) -> bool:
    """Whether a grade is at or above ``threshold`` on both scales (A and 1 are best)."""
    if grade is None:
        return False
    rel, cred = parse_grade(threshold)
    return grade.reliability <= rel and grade.credibility <= cred


@dataclass
class Number:
    """One number a model uses, with the quotes (or data set) behind it."""

    path: str
    cites: list[Citation]
    dataset: str | None = None
    inherited: list[Citation] = field(default_factory=list)
    """Stance-level quotes: they do not say which number they support, so count as background."""

    @property
    def assumed(self) -> bool:
        return not (self.cites or self.dataset or self.inherited)


@dataclass
class Judged:
    path: str
    status: str  # "evidence", "assumed", "background_only", "stale", "low_grade"
    strength: float


@dataclass
class IssueEvidence:
    strength: float
    stances: dict[str, float]
    numbers: list[Judged]

    def listed(self, status: str) -> list[str]:
        return [n.path for n in self.numbers if n.status == status]

    def as_json(self) -> dict[str, object]:
        return {
            "strength": round(self.strength, 3),
            "background_only": self.listed("background_only"),
            "stale": self.listed("stale"),
            "low_grade": self.listed("low_grade"),
            "assumed": self.listed("assumed"),
            "stances": {k: round(v, 3) for k, v in self.stances.items()},
        }


def _value_numbers(path: str, v: Value, inherited: list[Citation]) -> list[Number]:
    out = [Number(path, list(v.cite), v.source, inherited)]
    if v.ranged:
        out.append(Number(f"{path}.low", list(v.low_cite)))
        out.append(Number(f"{path}.high", list(v.high_cite)))
    return out


def stance_numbers(scenario: Scenario, st: Stance) -> list[Number]:
    """The numbers of stance ``k`` the models use, each with its own evidence."""
    base = f"stances.{st.actor}.{st.issue}"
    out = _value_numbers(f"{base}.position", st.position, st.cite)
    out += _value_numbers(f"{base}.salience", st.salience, st.cite)
    if st.winset is not None:
        out.append(Number(f"{base}.winset", list(st.winset.cite)))
    if st.influence is not None:
        out += _value_numbers(f"{base}.influence", st.influence, [])
    else:
        cap = scenario.actor(st.actor).capability
        out.append(Number(f"actors.{st.actor}.capability", list(cap.cite), cap.source))
    return out


class Judge:
    """Judges numbers against a scenario's sources, ``as_of``, a window and a grade threshold."""

    def __init__(self, scenario: Scenario, window_days: int, min_grade: str) -> None:
        parse_grade(min_grade)
        self.sources: dict[str, Source] = {s.id: s for s in scenario.sources}
        as_of = scenario.scenario.as_of
        self.cutoff = None if as_of is None else as_of - dt.timedelta(days=window_days)
        self.min_grade = min_grade

    def fact_date(self, c: Citation) -> dt.date | None:
        src = self.sources.get(c.source)
        return c.date or (src.date if src else None)

    def stale(self, d: dt.date | None) -> bool:
        """Undated facts are not judged stale (the bundled scenario dates every source)."""
        return self.cutoff is not None and d is not None and d < self.cutoff

    def number(self, n: Number) -> Judged:
        if n.assumed:
            return Judged(n.path, "assumed", 0.0)
        # (source id, kind, fact date) of each piece of evidence; a data set counts as direct
        items = [
            (c.source, c.kind or "background", self.fact_date(c))
            for c in n.cites
            if c.kind in ("direct", "inferred")
        ]
        if n.dataset is not None:
            src = self.sources.get(n.dataset)
            items.append((n.dataset, "direct", src.date if src else None))
        if not items:
            return Judged(n.path, "background_only", 0.0)
        fresh = [it for it in items if not self.stale(it[2])]
        if not fresh:
            return Judged(n.path, "stale", 0.0)
        grades = {sid: self.sources[sid].grade for sid, _, _ in fresh if sid in self.sources}
        strength = max(KIND_WEIGHT[kind] * grade_weight(grades.get(sid)) for sid, kind, _ in fresh)
        if not any(meets(grades.get(sid), self.min_grade) for sid, _, _ in fresh):
            return Judged(n.path, "low_grade", strength)
        return Judged(n.path, "evidence", strength)


def issue_evidence(
    scenario: Scenario, window_days: int = STALE_DAYS, min_grade: str = MIN_GRADE
) -> dict[str, IssueEvidence]:
    """Per issue: every number judged, each stance's strength (the mean of its numbers'), and the
    issue's strength (the stances' strengths weighted by their weights in the models)."""
    judge = Judge(scenario, window_days, min_grade)
    caps = {a.id: a.capability.value for a in scenario.actors}
    out: dict[str, IssueEvidence] = {}
    for issue in scenario.issues:
        numbers: list[Judged] = []
        stances: dict[str, float] = {}
        weights: dict[str, float] = {}
        for st in scenario.stances_on(issue.id):
            judged = [judge.number(n) for n in stance_numbers(scenario, st)]
            numbers += judged
            stances[st.actor] = sum(j.strength for j in judged) / len(judged)
            weights[st.actor] = st.weight(caps.get(st.actor, 0.0))
        total = sum(weights.values())
        if total > 0:
            strength = sum(stances[a] * w for a, w in weights.items()) / total
        else:
            strength = sum(stances.values()) / len(stances) if stances else 0.0
        out[issue.id] = IssueEvidence(strength, stances, numbers)
    return out


def ungraded_sources(scenario: Scenario) -> list[Problem]:
    """Sources that are cited (by a quote or a value's ``source``) but carry no grade."""
    used = {c.source for _, cs in scenario._citations() for c in cs}
    for a in scenario.actors:
        if a.capability.source:
            used.add(a.capability.source)
    for st in scenario.stances:
        for v in (st.position, st.salience, st.influence):
            if v is not None and v.source:
                used.add(v.source)
    return [
        Problem(f"sources[{k}].grade", f"source {s.id!r} is cited but not graded")
        for k, s in enumerate(scenario.sources)
        if s.id in used and s.grade is None
    ]


def strict_problems(
    scenario: Scenario, evidence: dict[str, IssueEvidence], min_grade: str = MIN_GRADE
) -> list[Problem]:
    """What ``validate --strict`` fails on: numbers resting only on background, on stale
    evidence or on sources graded below the threshold, and cited sources without a grade."""
    what = {
        "background_only": "rests only on background quotes",
        "stale": "rests only on evidence older than the window before as_of",
        "low_grade": f"rests only on sources graded below {min_grade}",
    }
    out = ungraded_sources(scenario)
    for issue_id, ev in evidence.items():
        for n in ev.numbers:
            if n.status in what:
                out.append(Problem(f"evidence.{issue_id}: {n.path}", what[n.status]))
    return out
