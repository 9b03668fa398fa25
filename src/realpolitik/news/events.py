"""Who did what to whom: events coded from sentences with CAMEO 1.1b3 codes (Schrodt 2012),
their penta class, PLOVER type (PLOVER draft 0.8, 2021) and Goldstein (1992) score.

A trigger lexicon (``data/events/lexicon.toml``: phrase patterns -> CAMEO codes, the first
matching rule wins) finds the event; the gazetteer finds the actors. The source is the actor
named nearest before the trigger (the one after "by" in a passive), the target the first other
actor after it (else before it); a reciprocal trigger ("joint exercises") with two actors before
it codes the first as source and the second as target. An actor right after a preposition
("on instructions from Washington") is not a source. A sentence without two distinct actors gives
no event.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from realpolitik.files import read_bounded
from realpolitik.news.gazetteer import Gazetteer, Mention
from realpolitik.paths import data_file

PENTA = {
    0: "statement/appeal",
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


def penta_class(code: str) -> int:
    """CAMEO root 01-02 -> 0, 03-05 -> 1, 06-08 -> 2, 09-13 -> 3, 14-20 -> 4 (the quad/penta
    classes of Schrodt's CAMEO and of ConfliBERT's penta task)."""
    root = int(code[:2])
    return 0 if root <= 2 else 1 if root <= 5 else 2 if root <= 8 else 3 if root <= 13 else 4


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    code: str
    reciprocal: bool
    negated: re.Pattern[str] | None


@dataclass(frozen=True)
class Codebook:
    rules: tuple[Rule, ...]
    goldstein: dict[str, float]
    names: dict[str, str]
    plover: dict[str, str]

    def lookup(self, table: dict[str, str] | dict[str, float], code: str) -> str | float | None:
        """A code's entry, else its nearest listed parent (0854 -> 085 -> 08)."""
        for k in range(len(code), 1, -1):
            if code[:k] in table:
                return table[code[:k]]
        return None


@dataclass(frozen=True)
class Event:
    source: str
    target: str
    cameo: str
    name: str
    penta: int
    plover: str | None
    score: float | None
    trigger: str


@lru_cache(maxsize=1)
def load_codebook() -> Codebook:
    lex = tomllib.loads(read_bounded(data_file("events", "lexicon.toml")).decode("utf-8"))
    rules = tuple(
        Rule(
            re.compile(r["pattern"]),
            str(r["code"]),
            bool(r.get("reciprocal", False)),
            re.compile(r["negated"]) if r.get("negated") else None,
        )
        for r in lex["rules"]
    )
    goldstein, names = {}, {}
    text = read_bounded(data_file("events", "cameo_1.1b3_goldstein.csv")).decode("utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        goldstein[row["cameo_code"]] = float(row["goldstein"])
        names[row["cameo_code"]] = row["name"]
    plover: dict[str, str] = {}
    text = read_bounded(data_file("events", "CAMEO2PLOVER-2021.txt")).decode("utf-8")
    for line in text.splitlines():
        m = re.match(r"^(\d{2,4}):\s*([A-Z]+)", line)
        if m and m[1] not in plover:
            plover[m[1]] = m[2]
    return Codebook(rules, goldstein, names, plover)


def code_event(
    sentence: str,
    mentions: list[Mention],
    book: Codebook,
    resolve: Iterable[str] | None = None,
    gazetteer: Gazetteer | None = None,
) -> Event | None:
    """The event a sentence reports, or None (no trigger, a negated one, or not two distinct
    actors). Names that are no actor here are left out first: a place of a meeting ("the G20
    summit", "the Singapore Summit") and a name inside a quotation the trigger is not in
    (Putin said "Japan must choose" and criticised Washington: Russia criticised the US)."""
    low = sentence.lower()
    quotes = [q.span() for q in QUOTATION.finditer(sentence)]
    for rule in book.rules:
        m = rule.pattern.search(low)
        if m is None:
            continue
        if rule.negated is not None and rule.negated.search(low):
            continue
        if NEGATION.search(low[max(0, m.start() - NEGATION_REACH) : m.start()]):
            continue  # "Japan did not threaten China": no event (as PETRARCH drops them)
        inside = next(((a, b) for a, b in quotes if a <= m.start() < b), None)
        actors = [
            x for x in mentions
            if not VENUE.match(sentence, x.end)
            and not any(a <= x.start < b and (a, b) != inside for a, b in quotes)
        ]  # fmt: skip
        return _event(sentence, actors, rule, m, book, resolve, gazetteer)
    return None


NEGATION = re.compile(
    r"\b(not(?! only)|cannot|never|no longer|denied|denies|deny|unable to|failed to|yet to)\b"
    r"[^,;.]*$|n't\b[^,;.]*$"
)
"""A negation (or an act that did not happen: "unable to sign") in the same clause shortly
before a trigger."""
NEGATION_REACH = 30
"""How many characters before the trigger a negation is looked for."""
QUOTATION = re.compile(r"“[^”]*”|\"[^\"]*\"")
"""A quotation in curly or straight double quotes."""
VENUE = re.compile(r"['’]?s?\s+(summit|forum|games|olympics)\b", re.I)
"""What makes a name the name of a meeting rather than of an actor ("the G20 summit")."""


PREPOSITION = re.compile(
    r"\b(of|from|by|with|to|in|on|for|between|against|among|about|than|like|under|over)\s+"
    r"(the\s+)?$",
    re.I,
)


def _after_preposition(sentence: str, mention: Mention) -> bool:
    return PREPOSITION.search(sentence[max(0, mention.start - 20) : mention.start]) is not None


def _actor(mention: Mention, resolve: Iterable[str] | None, gazetteer: Gazetteer | None) -> str:
    return gazetteer.resolve(mention.actor, resolve) if gazetteer else mention.actor


def _event(
    sentence: str,
    mentions: list[Mention],
    rule: Rule,
    m: re.Match[str],
    book: Codebook,
    resolve: Iterable[str] | None,
    gazetteer: Gazetteer | None,
) -> Event | None:
    ids = [(_actor(x, resolve, gazetteer), x) for x in mentions]
    before = [a for a, x in ids if x.end <= m.start()]
    after = [a for a, x in ids if x.start >= m.start()]
    passive = re.search(r"\bby\b", sentence[m.end() :].lower()[:40] or "")
    source: str | None = None
    target: str | None = None
    subjects = [a for a, x in ids if x.end <= m.start() and not _after_preposition(sentence, x)]
    if passive:
        # "sanctions imposed on Russia by Japan": the actor after "by" acted
        tail = [a for a, x in ids if x.start >= m.end() + passive.start()]
        head = [a for a, x in ids if x.start < m.end() + passive.start() and x.start >= m.start()]
        if tail and head:
            source, target = tail[0], head[0]
    if source is None and before:
        if rule.reciprocal and len({*before}) >= 2:
            # "Russia and China conducted joint exercises": the first two act together
            source = before[0]
            target = next(a for a in before if a != source)
        else:
            source = (subjects or before)[-1]  # the nearest actor before the trigger
            others = [a for a in after if a != source] or [a for a in before if a != source]
            target = others[0] if others else None
    if source is None or target is None or source == target:
        return None
    score = book.lookup(book.goldstein, rule.code)
    name = book.lookup(book.names, rule.code)
    plover = book.lookup(book.plover, rule.code)
    return Event(
        source,
        target,
        rule.code,
        str(name or ""),
        penta_class(rule.code),
        None if plover is None else str(plover),
        None if score is None else float(score),
        m.group(0),
    )
