"""Who a sentence names: a time-aware gazetteer kept as data (``data/gazetteer.toml`` and
``data/events/countries.csv``), not code.

Countries come with their names and nationality adjectives; the gazetteer file adds capitals and
metonyms ("the Kremlin", "Tokyo"), organisations, an actor's domestic parts (the Russian public,
the Japanese press) with the actor they fall back to, and leaders with their terms in office: a
leader names their country's government, and the mention records whether the leader was in
office on the date the sentence speaks of (Abe in 2018: prime minister; Abe in 2009: former).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from realpolitik.files import read_bounded
from realpolitik.paths import data_file


@dataclass(frozen=True)
class Leader:
    name: str
    actor: str
    role: str
    terms: tuple[tuple[dt.date, dt.date | None], ...]

    def in_office(self, on: dt.date) -> bool:
        return any(a <= on and (b is None or on <= b) for a, b in self.terms)


@dataclass(frozen=True)
class Mention:
    """A name found in a sentence: the actor it denotes, where, and (for a leader) who."""

    actor: str
    start: int
    end: int
    text: str
    leader: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]
    """name -> actor id"""
    leaders: dict[str, Leader]
    """name or alias -> leader"""
    parents: dict[str, str]
    pattern: re.Pattern[str]
    folded: dict[str, str]
    """lower-cased multi-word name -> actor id (those match in any case)"""
    folded_leaders: dict[str, Leader]

    def mentions(self, sentence: str, on: dt.date | None = None) -> list[Mention]:
        """Every actor named in ``sentence``, in order, longest names first where they overlap
        ("South Korea" is not also "Korea")."""
        out = []
        for m in self.pattern.finditer(sentence):
            text = m.group(0)
            key = text
            if (
                self._actor(key) is None
                and self._leader(key) is None
                and (text.lower().startswith("the "))
            ):
                key = text[4:]
            ld = self._leader(key)
            actor = self._actor(key)
            if ld is not None:
                role = None
                if on is not None:
                    if ld.in_office(on):
                        role = ld.role
                    elif ld.terms and on > ld.terms[0][0]:
                        role = f"former {ld.role}"
                    else:
                        role = f"future {ld.role}"
                out.append(Mention(ld.actor, m.start(), m.end(), text, ld.name, role))
            elif actor:
                out.append(Mention(actor, m.start(), m.end(), text))
        return out

    def _actor(self, key: str) -> str | None:
        return self.names.get(key, self.folded.get(key.lower()))

    def _leader(self, key: str) -> Leader | None:
        return self.leaders.get(key, self.folded_leaders.get(key.lower()))

    def resolve(self, actor: str, known: Iterable[str] | None) -> str:
        """``actor``, or the nearest of its parents that ``known`` holds (a scenario that does
        not model the Japanese press gets Japan); unchanged when ``known`` is None."""
        if known is None:
            return actor
        ids = set(known)
        a = actor
        while a not in ids and a in self.parents:
            a = self.parents[a]
        return a if a in ids else actor


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The bundled gazetteer (cached)."""
    names: dict[str, str] = {}
    with io.StringIO(read_bounded(data_file("events", "countries.csv")).decode("utf-8")) as f:
        for row in csv.DictReader(f):
            code = row["CCA3"].strip()
            names[row["Name"].strip()] = code
            for adj in row["Nationality"].split(","):
                adj = adj.strip()
                if adj and adj not in names:
                    names[adj] = code
    data = tomllib.loads(read_bounded(data_file("gazetteer.toml")).decode("utf-8"))
    parents: dict[str, str] = {}
    for a in data.get("actors", []):
        for n in a["names"]:
            names[n] = a["id"]
        if a.get("parent"):
            parents[a["id"]] = a["parent"]
    leaders: dict[str, Leader] = {}
    for ld in data.get("leaders", []):
        terms = tuple((dt.date.fromisoformat(a), _date(b)) for a, b in ld["terms"])
        leader = Leader(ld["name"], ld["actor"], ld["role"], terms)
        for n in (ld["name"], *ld.get("aliases", [])):
            leaders[n] = leader
    for place in data.get("places", {}).get("names", []):
        names[place] = ""  # matched, so that "South China Sea" is not China, but no actor
    # one-word names keep their case ("US" is not "us", "Moon" not "moon"); longer names match
    # in any case ("Public opinion in Russia")
    words = sorted((n for n in {*names, *leaders} if " " not in n), key=len, reverse=True)
    phrases = sorted((n for n in {*names, *leaders} if " " in n), key=len, reverse=True)
    body = "|".join([f"(?i:{re.escape(n)})" for n in phrases] + [re.escape(n) for n in words])
    pattern = re.compile(rf"(?<!\w)(?:(?i:the) )?(?:{body})(?!\w)")
    folded = {n.lower(): a for n, a in names.items() if " " in n}
    folded_leaders = {n.lower(): ld for n, ld in leaders.items() if " " in n}
    return Gazetteer(names, leaders, parents, pattern, folded, folded_leaders)
