"""The scenario: actors, issues, stances and relations, every number cited (docs/design.md).

A scenario is plain data. It knows nothing about models; ``analysis/`` maps it onto model inputs.
Structural checks (types, ranges, references, ``low <= value <= high``) live here; checks that
need the source texts (verbatim quotes) live in :mod:`realpolitik.scenario.validate`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from realpolitik.errors import Problem
from realpolitik.scenario.limits import Id, check_number

REFERENCE_ERROR = "scenario_references"
"""The pydantic error type whose ``ctx["problems"]`` lists the reference problems."""

# Numbers and flags are strict: TOML has real numbers and booleans, so a quoted "0.7" or "yes" is
# a mistake to report, not a string to coerce (ints are still accepted as numbers).
ActorKind = Literal["state", "leader", "public", "organization", "bloc", "group"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


EvidenceKind = Literal["direct", "inferred", "background"]


class Citation(_Model):
    """A verbatim quote from a source (checked by ``realpolitik validate``).

    ``kind``: ``direct`` (the quote states the number's substance about that actor), ``inferred``
    (it implies it; ``reasoning`` says how, in one line) or ``background`` (context only).
    Unset, a quote counts as background (files written before kinds existed). ``date`` is the
    date of the fact the quote reports, when it differs from the source's date.
    """

    source: str
    quote: str = Field(min_length=1)
    page: str | None = None
    kind: EvidenceKind | None = None
    reasoning: str | None = None
    date: dt.date | None = None

    @model_validator(mode="after")
    def _reasoned(self) -> Citation:
        if self.kind == "inferred" and not (self.reasoning or "").strip():
            raise ValueError("an inferred citation needs a one-line reasoning")
        return self


class Value(_Model):
    """A number with an optional range and its provenance.

    Provenance is one of: ``cite`` (quotes), ``source`` (a named data set or source id),
    or ``assumed = true`` with a one-line ``note``. A value inside a stance or relation that
    carries ``cite`` inherits it.
    """

    value: StrictFloat
    low: StrictFloat | None = None
    high: StrictFloat | None = None
    source: str | None = None
    note: str | None = None
    assumed: StrictBool = False
    cite: list[Citation] = Field(default_factory=list)
    low_cite: list[Citation] = Field(default_factory=list)
    """Evidence for the low end of the range (the value's own ``cite`` covers only the value)."""
    high_cite: list[Citation] = Field(default_factory=list)
    """Evidence for the high end of the range."""

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"value": data}
        if not isinstance(data, dict | Value):  # "0.7", true, [1]: say what belongs here
            raise ValueError(f"expected a number (or a table with value = ...), got {data!r}")
        return data

    @model_validator(mode="after")
    def _check(self) -> Value:
        for name in ("value", "low", "high"):
            check_number(name, getattr(self, name))
        if self.low is not None and self.low > self.value:
            raise ValueError(f"low ({self.low}) must be <= value ({self.value})")
        if self.high is not None and self.high < self.value:
            raise ValueError(f"high ({self.high}) must be >= value ({self.value})")
        return self

    @property
    def lo(self) -> float:
        return self.value if self.low is None else self.low

    @property
    def hi(self) -> float:
        return self.value if self.high is None else self.high

    @property
    def ranged(self) -> bool:
        return self.lo != self.hi

    def has_provenance(self) -> bool:
        return bool(self.cite) or self.source is not None or (self.assumed and bool(self.note))


class ScenarioInfo(_Model):
    id: Id = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str = ""
    as_of: dt.date | None = None
    description: str = ""


class Grade(_Model):
    """A source's grade on the Admiralty (NATO) scale: ``reliability`` of the source A (completely
    reliable) .. E (unreliable), F (cannot be judged); ``credibility`` of its information
    1 (confirmed) .. 5 (improbable), 6 (cannot be judged); a one-line ``note`` saying why."""

    reliability: Literal["A", "B", "C", "D", "E", "F"]
    credibility: Literal[1, 2, 3, 4, 5, 6]
    note: str = Field(min_length=1)

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.credibility}"


class Source(_Model):
    """A document (``path`` relative to the scenario file, or ``url``) or a named data set."""

    id: Id = Field(min_length=1)
    title: str = ""
    publisher: str | None = None
    author: str | None = None
    date: dt.date | None = None
    path: str | None = None
    url: str | None = None
    kind: Literal["article", "dataset", "expert", "other"] = "article"
    note: str | None = None
    grade: Grade | None = None


class Actor(_Model):
    id: Id = Field(min_length=1)
    name: str = ""
    kind: ActorKind = "state"
    capability: Value = Field(default_factory=lambda: Value(value=1.0, assumed=True, note="equal"))
    parent: str | None = None
    description: str = ""

    @field_validator("capability")
    @classmethod
    def _nonneg(cls, v: Value) -> Value:
        if v.lo < 0:
            raise ValueError("capability must be >= 0")
        return v


def _value_citations(path: str, v: Value) -> list[tuple[str, list[Citation]]]:
    return [(f"{path}.{k}", getattr(v, k)) for k in ("cite", "low_cite", "high_cite")]


def point_key(x: float) -> str:
    """A scale point as a key: 50.0 -> "50", 12.5 -> "12.5"."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class Scale(_Model):
    """An issue's scale [min, max] with labelled points, e.g. ``{0 = "status quo"}``."""

    min: StrictFloat = 0.0
    max: StrictFloat = 100.0
    points: dict[float, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Scale:
        check_number("scale min", self.min)
        check_number("scale max", self.max)
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be > min ({self.min})")
        for p in self.points:
            if not self.min <= p <= self.max:
                raise ValueError(f"labelled point {p} lies outside [{self.min}, {self.max}]")
        return self

    @property
    def range(self) -> float:
        return self.max - self.min

    def labels(self) -> dict[str, str]:
        """The labelled points keyed as text ("50", "12.5"), as TOML and JSON write them."""
        return {point_key(k): v for k, v in self.points.items()}

    def nearest_label(self, x: float) -> tuple[float, str] | None:
        if not self.points:
            return None
        p = min(self.points, key=lambda q: abs(q - x))
        return p, self.points[p]


class Issue(_Model):
    id: Id = Field(min_length=1)
    title: str = ""
    description: str = ""
    scale: Scale = Field(default_factory=Scale)
    reference: StrictFloat | None = None
    """The status quo / reversion point (DEU ``rp``): Nash's disagreement point."""
    reference_note: str | None = None
    """Why the reference point is where it is, when no quote supports it (assumed)."""
    outcome: StrictFloat | None = None
    """The actual outcome, when known (back-testing)."""
    tags: dict[str, str] = Field(default_factory=dict)
    cite: list[Citation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _on_scale(self) -> Issue:
        for name in ("reference", "outcome"):
            v = getattr(self, name)
            if v is None:
                continue
            check_number(name, v)
            if not self.scale.min <= v <= self.scale.max:
                raise ValueError(
                    f"{name} {v} lies outside the scale [{self.scale.min}, {self.scale.max}]"
                )
        return self


class WinSet(_Model):
    """A domestic win-set on an issue (Putnam 1988): outcomes the ratifier accepts."""

    low: StrictFloat
    high: StrictFloat
    cite: list[Citation] = Field(default_factory=list)
    assumed: StrictBool = False
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> WinSet:
        if self.low > self.high:
            raise ValueError(f"win-set low ({self.low}) must be <= high ({self.high})")
        return self


def _within(v: Value, lo: float, hi: float, what: str) -> Value:
    if not (v.lo >= lo and v.hi <= hi):
        raise ValueError(f"{what} must lie in [{lo:g}, {hi:g}], got {v.value} [{v.lo}, {v.hi}]")
    return v


class _Evidenced(_Model):
    """A statement backed by quotes (``cite``) or marked ``assumed`` with a ``note``."""

    cite: list[Citation] = Field(default_factory=list)
    assumed: StrictBool = False
    note: str | None = None


class Stance(_Evidenced):
    """An actor's stance on an issue. A stance-level ``cite`` (older files) still gives position
    and salience provenance, but as evidence it counts as background: it does not say which
    number it supports (docs/scenario-format.md, Evidence)."""

    actor: str
    issue: str
    position: Value
    salience: Value
    winset: WinSet | None = None
    influence: Value | None = None
    """The actor's clout on this issue; where given, the weight used instead of
    capability x salience (0: the actor holds a view but has no say)."""

    @field_validator("salience")
    @classmethod
    def _unit(cls, v: Value) -> Value:
        return _within(v, 0.0, 1.0, "salience")

    @field_validator("influence")
    @classmethod
    def _nonneg(cls, v: Value | None) -> Value | None:
        if v is not None and v.lo < 0:
            raise ValueError("influence must be >= 0")
        return v

    @model_validator(mode="after")
    def _influence_needs_salience(self) -> Stance:
        if self.influence is not None and self.influence.value > 0 and self.salience.value == 0:
            raise ValueError("influence > 0 needs salience > 0 (the models weigh by both)")
        return self

    def weight(self, capability: float) -> float:
        """The stance's weight: ``influence`` where given, else capability x salience."""
        if self.influence is not None:
            return self.influence.value
        return capability * self.salience.value


class Relation(_Evidenced):
    """A propensity between two actors, -1 (hostile) .. +1 (allied)."""

    pair: tuple[str, str]
    value: Value
    directed: StrictBool = False

    @field_validator("value")
    @classmethod
    def _unit(cls, v: Value) -> Value:
        return _within(v, -1.0, 1.0, "relation")

    @field_validator("pair")
    @classmethod
    def _distinct(cls, v: tuple[str, str]) -> tuple[str, str]:
        if v[0] == v[1]:
            raise ValueError(f"a relation needs two different actors, got {v[0]} twice")
        return v


class Question(_Model):
    """A question the scenario is built to answer; the demo and ``align`` report on it."""

    id: Id = Field(min_length=1)
    title: str = Field(min_length=1)
    issue: str | None = None
    """The focus issue: forecasts and linkage trades on it are summarised."""
    pair: tuple[str, str] | None = None
    """Two actors: their trades are summarised and their relation is the tipping pair."""
    horizon: StrictFloat | dt.date | None = None
    """How far ahead the question looks: years after ``as_of``, or a date."""
    kind: str | None = Field(default=None, min_length=1)
    """The kind of negotiation (``territorial``, ``trade`` ...): the class ``base_rate`` is of."""
    base_rate: Value | None = None
    """How often negotiations of this ``kind`` reach agreement within ``base_rate_years``
    (cited, a data set, or assumed with a note): the prior of the headline's P(agreement)."""
    base_rate_years: StrictFloat | None = None
    """The period the base rate covers (default: the horizon itself)."""

    @field_validator("horizon", "base_rate_years")
    @classmethod
    def _positive(cls, v: float | dt.date | None) -> float | dt.date | None:
        if isinstance(v, float | int) and not v > 0:
            raise ValueError(f"must be > 0 years, got {v}")
        return v

    @field_validator("base_rate")
    @classmethod
    def _rate(cls, v: Value | None) -> Value | None:
        if v is None:
            return v
        if not v.has_provenance():
            raise ValueError("a base rate needs cite, source, or assumed = true with a note")
        return _within(v, 0.0, 1.0, "base_rate")

    @field_validator("pair")
    @classmethod
    def _distinct(cls, v: tuple[str, str] | None) -> tuple[str, str] | None:
        if v is not None and v[0] == v[1]:
            raise ValueError("a question's pair needs two different actors")
        return v


class StanceTarget(_Model):
    actor: str
    issue: str
    field: Literal["position", "salience"] = "position"


class Link(_Evidenced):
    """A bargaining outcome that moves a relation or another stance (docs/scenario-format.md,
    Links): when the ``model``'s forecast on ``issue`` lies in [``low``, ``high``], ``shift`` is
    added to the ``relation``'s value or the ``stance``'s number (clipped to its bounds)."""

    issue: str
    model: Literal["compromise", "median", "nash", "eum"] = "median"
    low: StrictFloat
    high: StrictFloat
    relation: tuple[str, str] | None = None
    stance: StanceTarget | None = None
    shift: Value

    @model_validator(mode="after")
    def _one_target(self) -> Link:
        if (self.relation is None) == (self.stance is None):
            raise ValueError("a link moves exactly one target: relation = [a, b] or stance = {...}")
        if self.low > self.high:
            raise ValueError(f"link low ({self.low}) must be <= high ({self.high})")
        return self


class Shock(_Evidenced):
    """One of the sources' own what-ifs: ``changes`` maps what-if paths (``relations.A-B``,
    ``stances.ACTOR.ISSUE.position`` ...) to new values; ``demo`` reports each one's effect."""

    id: Id = Field(min_length=1)
    title: str = ""
    changes: dict[str, StrictFloat] = Field(min_length=1)


class Scenario(_Model):
    scenario: ScenarioInfo
    sources: list[Source] = Field(default_factory=list)
    actors: list[Actor] = Field(min_length=1)
    issues: list[Issue] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    shocks: list[Shock] = Field(default_factory=list)
    _origin: Path | None = PrivateAttr(default=None)

    @property
    def origin(self) -> Path | None:
        """The file this scenario was read from, if any (source paths resolve against it)."""
        return self._origin

    @property
    def where(self) -> str:
        """What error messages name: the file it was read from, else the scenario id."""
        return str(self._origin or self.scenario.id)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = self.reference_problems()
        if problems:
            # the problems travel as they are (ctx), each with its own field, to the loader
            raise PydanticCustomError(
                REFERENCE_ERROR,
                "{summary}",
                {"summary": "; ".join(map(str, problems)), "problems": problems},
            )
        return self

    def reference_problems(self) -> list[Problem]:
        """Ids that are defined twice or refer to nothing, stances off their issue's scale, link
        cycles: one :class:`Problem` per fault (:func:`.references.problems`)."""
        from realpolitik.scenario.references import problems

        return problems(self)

    def _citations(self) -> list[tuple[str, list[Citation]]]:
        """Every list of quotes with its field path (``stances[3].position.cite``)."""
        out: list[tuple[str, list[Citation]]] = []
        for k, a in enumerate(self.actors):
            out += _value_citations(f"actors[{k}].capability", a.capability)
        for k, i in enumerate(self.issues):
            out.append((f"issues[{k}].cite", i.cite))
        for k, st in enumerate(self.stances):
            out.append((f"stances[{k}].cite", st.cite))
            for name in ("position", "salience", "influence"):
                v = getattr(st, name)
                if v is not None:
                    out += _value_citations(f"stances[{k}].{name}", v)
            if st.winset is not None:
                out.append((f"stances[{k}].winset.cite", st.winset.cite))
        for k, r in enumerate(self.relations):
            out.append((f"relations[{k}].cite", r.cite))
            out += _value_citations(f"relations[{k}].value", r.value)
        for k, q in enumerate(self.questions):
            if q.base_rate is not None:
                out += _value_citations(f"questions[{k}].base_rate", q.base_rate)
        for k, sh in enumerate(self.shocks):
            out.append((f"shocks[{k}].cite", sh.cite))
        for k, ln in enumerate(self.links):
            out.append((f"links[{k}].cite", ln.cite))
            out += _value_citations(f"links[{k}].shift", ln.shift)
        return out

    # convenient look-ups -------------------------------------------------------------------
    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def question_pair(self) -> tuple[str, str] | None:
        """The pair of the first question that names one (the default tipping pair)."""
        return next((q.pair for q in self.questions if q.pair is not None), None)

    def stances_on(self, issue_id: str) -> list[Stance]:
        return [s for s in self.stances if s.issue == issue_id]

    def relation_value(self, a: str, b: str) -> float | None:
        for r in self.relations:
            if tuple(r.pair) == (a, b) or (not r.directed and tuple(r.pair) == (b, a)):
                return r.value.value
        return None
