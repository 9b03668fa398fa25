"""Stance claims: sentences that state or imply an actor's position on one of a scenario's issues.

An issue is recognised by its own words: the content words of its id, title, description and
scale labels, and any ``keywords`` tag (comma-separated) the scenario gives it. A sentence is a
claim for (actor, issue) when its first named actor is one of the scenario's and it carries at
least two of the issue's words (or one of its title's words and a stance cue), and no other
issue's words more than once more (actor names never count as an issue's words). A sentence
whose subject is a personal pronoun ("Nonetheless, he refused to concede anything on the Kurile
Islands, blaming Japan ...") makes no claim: its first named actor is not who holds the view.
Then:

- ``kind``: ``direct`` when a stance cue (wants, insists, proposes, opposes, ...) follows the
  actor; ``inferred`` when the sentence ties the actor to the issue without one; ``background``
  when the fact it reports is more than :data:`BACKGROUND_YEARS` years older than the article.
- ``position``: the labelled scale point whose words the sentence shares most; a sentence that
  opposes or rejects a change points at the status quo. None when no label, or no single
  label, matches best.

These are suggestions for a person to review, each with its verbatim quote, never edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from realpolitik.scenario.schema import Issue, Scenario

BACKGROUND_YEARS = 5
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "over",
        "under",
        "about",
        "their",
        "there",
        "which",
        "while",
        "what",
        "when",
        "between",
        "after",
        "before",
        "other",
        "more",
        "most",
        "than",
        "then",
        "them",
        "they",
        "have",
        "has",
        "had",
        "were",
        "been",
        "being",
        "will",
        "would",
        "could",
        "should",
        "also",
        "only",
        "such",
        "some",
        "each",
        "both",
        "first",
        "last",
        "issue",
        "issues",
        "settlement",
        "policy",
        "status",
        "quo",
    ]
)
CUE = re.compile(
    r"\b(wants?|wanted|insist\w*|demand\w*|propos\w*|offer\w*|refus\w*|reject\w*|oppos\w*|"
    r"support\w*|prefer\w*|willing|ready to|agree\w*|expect\w*|seek\w*|sought|call\w* for|"
    r"urg\w*|favou?r\w*|against|would like|hopes?|aims?|plans?|intends?|poll\w*|percent)\b"
)
PRONOUN_SUBJECT = re.compile(r"^[^\w\"“‘']*(?:\w+,\s+)?(?:he|she|they|we|i|his|her|their)\b", re.I)
"""A sentence that opens with a personal pronoun, perhaps after one word and a comma ("Nonetheless,
he"); not inside an opening quotation, whose speaker is named after it."""
OPPOSE = re.compile(
    r"\b(oppos\w*|refus\w*|reject\w*|against|never|no deal|not give up|"
    r"would not|won't|will not)\b"
)


def _stem(word: str) -> str:
    """A crude stem: lower case, no possessive or plural s, at most six letters ("Kurils",
    "Kuril's" and "Kuril" meet; "islands" and "island" too)."""
    w = word.lower().strip("'’")
    w = re.sub(r"['’]s$", "", w)
    if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w[:6]


def _words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text) if w.lower() not in STOP}


@dataclass(frozen=True)
class IssueWords:
    issue: Issue
    title: frozenset[str]
    all: frozenset[str]
    labels: tuple[tuple[float, str, frozenset[str]], ...]
    status_quo: float


def issue_words(scenario: Scenario) -> list[IssueWords]:
    from realpolitik.analysis.forecast import disagreement_point

    out = []
    for iss in scenario.issues:
        title = _words(iss.title + " " + iss.id.replace("-", " "))
        extra = _words(iss.description + " " + iss.tags.get("keywords", "").replace(",", " "))
        labels = tuple(
            (float(x), lab, frozenset(_words(lab))) for x, lab in sorted(iss.scale.points.items())
        )
        every = title | extra | {w for _, _, ws in labels for w in ws}
        out.append(
            IssueWords(iss, frozenset(title), frozenset(every), labels, disagreement_point(iss)[0])
        )
    return out


@dataclass(frozen=True)
class Claim:
    actor: str
    issue: str
    position: float | None
    kind: str
    reasoning: str


def find_claims(
    sentence: str,
    first_actor: str | None,
    actor_span: tuple[int, int],
    issues: list[IssueWords],
    sentence_year: int | None,
    article_year: int | None,
) -> list[Claim]:
    """The claims one sentence makes about the scenario's issues (module docstring);
    ``actor_span`` is where the first actor is named."""
    actor_start, actor_end = actor_span
    if first_actor is None:
        return []
    pronoun = PRONOUN_SUBJECT.match(sentence)
    if pronoun is not None and pronoun.end() <= actor_start:
        return []  # the pronoun, not the actor named after it, holds the view
    words = _words(sentence) - actor_words()
    low = sentence.lower()
    cue = CUE.search(low, actor_end)
    out = []
    scored = [(len(words & iw.all), iw) for iw in issues]
    best = max((k for k, _ in scored), default=0)
    for k, iw in scored:
        hits = words & iw.all
        if k < best - 1 or (len(hits) < 2 and not (hits & iw.title and cue)):
            continue
        old = (
            sentence_year is not None
            and article_year is not None
            and article_year - sentence_year > BACKGROUND_YEARS
        )
        if old:
            kind, why = (
                "background",
                f"reports {sentence_year}, over {BACKGROUND_YEARS} years before the article",
            )
        elif cue:
            kind, why = "direct", f"the actor '{cue.group(0)}' on the issue"
        else:
            kind, why = "inferred", "names the actor and the issue without a stance verb"
        out.append(Claim(first_actor, iw.issue.id, _position(sentence, iw), kind, why))
    return out


def _position(sentence: str, iw: IssueWords) -> float | None:
    """The labelled point whose words the sentence shares most, each word weighted by how few
    labels carry it; names (runs of capitalised words) do not count."""
    if OPPOSE.search(sentence.lower()):
        return iw.status_quo
    plain = re.sub(r"\b[A-Z][\w'-]*(?:\s+(?:of\s+)?[A-Z][\w'-]*)+", " ", sentence)
    words = _words(plain)
    scores = sorted(
        (
            (sum(1.0 / sum(w in other for _, _, other in iw.labels) for w in words & lab), x)
            for x, _, lab in iw.labels
        ),
        reverse=True,
    )
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None  # nothing, or nothing unique, ties the sentence to one labelled point
    return scores[0][1]


@lru_cache(maxsize=1)
def actor_words() -> frozenset[str]:
    """Stems of every actor name in the gazetteer: a country's name says nothing about which
    issue a sentence is about."""
    from realpolitik.news.gazetteer import load_gazetteer

    g = load_gazetteer()
    # one-word names only: "North Atlantic Treaty Organization" must not take "treaty" away
    return frozenset(w for n in (*g.names, *g.leaders) if " " not in n for w in _words(n))
