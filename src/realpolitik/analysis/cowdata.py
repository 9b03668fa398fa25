"""Landscape inputs for any year from Correlates of War data (no scenario needed).

Sizes are NMC v7.0 CINC scores (Singer, Bremer & Stuckey 1972; Greig & Enterline) for the year.
The propensity of each pair of states is the sum of three terms, clipped to [-1, 1]:

* alliance (ATOP 5.1, Leeds et al. 2002), the strongest obligation in force that year in either
  direction: defense 1.0, offense 0.75, neutrality 0.25, non-aggression 0.25, consultation 0.1
  (only defense and offense pacts commit a state to fight alongside another; neutrality and
  non-aggression only not to fight against it, and multilateral pledges such as the Treaty of
  Amity and Cooperation in Southeast Asia give them to most of Asia at once);
* militarized disputes (MID 5.0 dyad-years, Palmer et al. 2022), the highest hostility level
  either side reached that year: threat -0.25, display -0.5, use of force -0.75, war -1.0;
* strategic rivalry (Thompson & Dreyer 2012) active that year: -0.5.

The weights follow the ordering of the categories and are not fitted to outcomes (the one
revision, non-aggression and neutrality from 0.5 to 0.25 and consultation from 0.25 to 0.1, is
explained in docs/alignment.md). Coverage: NMC 1816-2022, ATOP 1815-2018, MIDs 1816-2014,
rivalries to 2010. Rivalries still running in 2010 (the data's last year) are carried forward;
after 2014 there is no dispute term. Each gap is stated in the result's notes.

States are named by COW abbreviation (``UKG``, ``ROK``, ``GMY``), COW code (``365``) or, when
the code is not a COW abbreviation, a common ISO 3166 alpha-3 code (``DEU``, ``GBR``).
Data files are read from the package's ``data/cow/`` folder.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from realpolitik.errors import InputError
from realpolitik.paths import data_file

ALLIANCE_WEIGHTS = {"defense": 1.0, "offense": 0.75, "neutral": 0.25, "nonagg": 0.25,
                    "consul": 0.1}
"""ATOP obligation -> propensity (the strongest in force counts)."""
MID_WEIGHTS = {2: -0.25, 3: -0.5, 4: -0.75, 5: -1.0}
"""MID hostility level (2 threat, 3 display, 4 use of force, 5 war) -> propensity."""
RIVALRY_WEIGHT = -0.5
"""An active Thompson-Dreyer strategic rivalry."""
MID_LAST_YEAR = 2014
RIVALRY_LAST_YEAR = 2010
STATES_LAST_YEAR = 2016
"""COW state-system and major-power lists end in 2016; membership then is carried forward."""


@lru_cache(maxsize=1)
def iso_aliases() -> dict[str, str]:
    """ISO alpha-3 codes -> COW abbreviation (``data/cow/iso_aliases.csv``). A code that is also
    a COW abbreviation means the COW state when that state is in the system that year (AUS is
    COW's Austria, not ISO's Australia: use AUL or 900; MNG is Montenegro), else the ISO alias
    (ISO's code for South Korea names it once COW's Korea, 730, has left the system)."""
    with open(_cow_file("iso_aliases.csv"), newline="") as f:
        return {r["iso3"]: r["stateabb"] for r in csv.DictReader(f)}


def _cow_file(name: str) -> Path:
    return data_file("cow", name)


@dataclass(frozen=True)
class StateInfo:
    abb: str
    ccode: int
    name: str
    spells: tuple[tuple[int, int], ...]

    def member(self, year: int) -> bool:
        return any(a <= year <= (9999 if b >= STATES_LAST_YEAR else b) for a, b in self.spells)


@lru_cache(maxsize=1)
def _states() -> dict[int, StateInfo]:
    out: dict[int, StateInfo] = {}
    with open(_cow_file("cow_states.csv"), newline="") as f:
        for r in csv.DictReader(f):
            c = int(r["ccode"])
            spell = (int(r["styear"]), int(r["endyear"]))
            old = out.get(c)
            spells = (old.spells if old else ()) + (spell,)
            out[c] = StateInfo(r["stateabb"], c, r["statenme"], spells)
    return out


@lru_cache(maxsize=1)
def _cinc() -> dict[tuple[int, int], float]:
    with open(_cow_file("cow_nmc_cinc.csv"), newline="") as f:
        return {(int(r["ccode"]), int(r["year"])): float(r["cinc"]) for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _atop() -> npt.NDArray[np.float64]:
    """Rows (ccode1, ccode2, year, score): the strongest ATOP obligation of a directed dyad-year."""
    with gzip.open(_cow_file("atop_alliance_full.csv.gz"), "rt") as f:
        header = f.readline().strip().split(",")
        raw = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    cols = {h: k for k, h in enumerate(header)}
    score = np.zeros(raw.shape[0])
    for kind, w in ALLIANCE_WEIGHTS.items():
        score = np.maximum(score, np.where(raw[:, cols[f"atop_{kind}"]] > 0, w, 0.0))
    return np.column_stack([raw[:, cols["ccode1"]], raw[:, cols["ccode2"]],
                            raw[:, cols["year"]], score])


@lru_cache(maxsize=1)
def _mids() -> npt.NDArray[np.int64]:
    return np.loadtxt(_cow_file("cow_mid_dyad_hostility.csv"), delimiter=",", skiprows=1,
                      dtype=np.int64, ndmin=2)


@lru_cache(maxsize=1)
def _rivalries() -> list[tuple[int, int, int, int, str]]:
    with open(_cow_file("td_rivalries.csv"), newline="") as f:
        return [(int(r["ccode1"]), int(r["ccode2"]), int(r["styear"]), int(r["endyear"]),
                 r["rivalryname"]) for r in csv.DictReader(f)]


def resolve_state(code: str, year: int) -> StateInfo:
    """A COW abbreviation, COW code or ISO alpha-3 alias -> the state (member in ``year``)."""
    states = _states()
    key = code.strip().upper()
    found: StateInfo | None = None
    if key.isdigit():
        found = states.get(int(key))
    else:
        by_abb = {s.abb: s for s in states.values()}
        found = by_abb.get(key)
        alias = by_abb.get(iso_aliases().get(key, ""))
        if alias is not None and (found is None or not found.member(year)):
            found = alias
    if found is None:
        raise InputError.single("--states", code, "unknown state: use a COW abbreviation "
                                "(UKG, ROK, GMY), a COW code (365) or an ISO alpha-3 code")
    if not found.member(year):
        spells = ", ".join(f"{a}-{b if b < STATES_LAST_YEAR else ''}" for a, b in found.spells)
        raise InputError.single("--states", code, f"{found.name} is not in the state system in "
                                f"{year} (member {spells})")
    return found


def major_powers(year: int) -> list[str]:
    """COW major powers in ``year`` (abbreviations, by COW code)."""
    states = _states()
    out: list[str] = []
    with open(_cow_file("cow_majors.csv"), newline="") as f:
        for r in csv.DictReader(f):
            end = int(r["endyear"])
            if int(r["styear"]) <= year <= (9999 if end >= STATES_LAST_YEAR else end):
                c = int(r["ccode"])
                abb = states[c].abb if c in states else str(c)
                if abb not in out:
                    out.append(abb)
    return out


@dataclass(frozen=True)
class CowLandscape:
    """Data-built inputs: ids as given, COW codes, names, CINC sizes, propensities, notes."""

    year: int
    ids: tuple[str, ...]
    ccodes: tuple[int, ...]
    names: tuple[str, ...]
    sizes: npt.NDArray[np.float64]
    propensities: npt.NDArray[np.float64]
    components: dict[str, npt.NDArray[np.float64]]
    """The alliance, dispute and rivalry terms before summing (for documentation)."""
    notes: tuple[str, ...]


def cow_landscape(year: int, states: list[str] | None = None) -> CowLandscape:
    """Sizes and propensities for ``states`` (default: the COW major powers) in ``year``."""
    if not 1816 <= year <= 2022:
        raise InputError.single("--year", str(year), "COW data cover 1816-2022 (alliances to "
                                "2018)")
    codes = states if states else major_powers(year)
    infos = [resolve_state(c, year) for c in codes]
    ids = tuple(c.strip().upper() for c in codes)
    seen: dict[int, str] = {}
    for ident, s in zip(ids, infos, strict=True):
        if s.ccode in seen:
            raise InputError.single("--states", ident,
                                    f"{ident} and {seen[s.ccode]} are the same state")
        seen[s.ccode] = ident
    cinc = _cinc()
    missing = [ident for ident, s in zip(ids, infos, strict=True) if (s.ccode, year) not in cinc]
    if missing:
        raise InputError.single("--states", ", ".join(missing), f"no NMC CINC score in {year}")
    n = len(infos)
    if n < 2:
        raise InputError.single("--states", " ".join(ids), "a landscape needs at least 2 states")
    sizes = np.array([cinc[(s.ccode, year)] for s in infos])
    cc = np.array([s.ccode for s in infos])
    pos = {c: k for k, c in enumerate(cc.tolist())}
    notes: list[str] = [f"sizes: NMC v7.0 CINC {year}"]

    ally = np.zeros((n, n))
    if year <= 2018:
        a = _atop()
        sel = (a[:, 2] == year) & np.isin(a[:, 0], cc) & np.isin(a[:, 1], cc)
        for c1, c2, _, sc in a[sel]:
            i, j = pos[int(c1)], pos[int(c2)]
            ally[i, j] = ally[j, i] = max(ally[i, j], sc)
        notes.append(f"alliances: ATOP 5.1 {year}")
    else:
        notes.append("alliances: none (ATOP 5.1 ends in 2018)")

    mid = np.zeros((n, n))
    if year <= MID_LAST_YEAR:
        m = _mids()
        sel = (m[:, 2] == year) & np.isin(m[:, 0], cc) & np.isin(m[:, 1], cc)
        for c1, c2, _, lev in m[sel]:
            i, j = pos[int(c1)], pos[int(c2)]
            mid[i, j] = mid[j, i] = min(mid[i, j], MID_WEIGHTS.get(int(lev), 0.0))
        notes.append(f"disputes: MID 5.0 {year}")
    else:
        notes.append(f"disputes: none (MID 5.0 ends in {MID_LAST_YEAR})")

    riv = np.zeros((n, n))
    carried: list[str] = []
    for c1, c2, y0, y1, name in _rivalries():
        end = 9999 if y1 >= RIVALRY_LAST_YEAR else y1
        if c1 in pos and c2 in pos and y0 <= year <= end:
            i, j = pos[c1], pos[c2]
            riv[i, j] = riv[j, i] = RIVALRY_WEIGHT
            if year > RIVALRY_LAST_YEAR:
                carried.append(name)
    notes.append("rivalries: Thompson & Dreyer (2012)" + (
        f"; carried forward from 2010: {', '.join(carried)}" if carried else ""))
    p = np.clip(ally + mid + riv, -1.0, 1.0)
    np.fill_diagonal(p, 0.0)
    return CowLandscape(year, ids, tuple(int(c) for c in cc), tuple(s.name for s in infos),
                        sizes, p, {"alliance": ally, "dispute": mid, "rivalry": riv},
                        tuple(notes))


# --------------------------------------------------------------------------------------------
# whole-system look-ups for the alignment record (analysis/alignment_record.py)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cinc_by_year() -> dict[int, list[tuple[float, int]]]:
    out: dict[int, list[tuple[float, int]]] = {}
    for (c, y), v in _cinc().items():
        out.setdefault(y, []).append((v, c))
    return out


def top_states(year: int, k: int) -> tuple[int, ...]:
    """COW codes of the ``k`` states in the system in ``year`` with the highest NMC CINC that
    year, largest first (ties by lower code)."""
    states = _states()
    ranked = sorted((-v, c) for v, c in _cinc_by_year().get(year, [])
                    if c in states and states[c].member(year))
    return tuple(c for _, c in ranked[:k])


def in_system(year: int, ccodes: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Whether each state is a member of the COW state system in ``year``."""
    states = _states()
    return np.array([c in states and states[c].member(year) for c in ccodes], dtype=bool)


def state_abb(ccode: int) -> str:
    """The COW abbreviation of a code (the code itself when unknown)."""
    s = _states().get(ccode)
    return s.abb if s else str(ccode)


ATOP_LAST_YEAR = 2018
"""ATOP 5.1 ends in 2018."""


@lru_cache(maxsize=1)
def _defence_rows() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """ATOP rows with a defense obligation (ccode1, ccode2, year), sorted by year, and the first
    row of each year from 0 to ATOP_LAST_YEAR + 1 (for slicing)."""
    a = _atop()
    d = a[a[:, 3] >= ALLIANCE_WEIGHTS["defense"], :3].astype(np.int64)  # defense: the only 1.0
    d = d[np.argsort(d[:, 2], kind="stable")]
    return d, np.searchsorted(d[:, 2], np.arange(ATOP_LAST_YEAR + 2))


def defence_pacts(year: int, ccodes: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """(N, N) symmetric: an ATOP 5.1 defense obligation in force in ``year`` between the two
    states, in either direction."""
    d, first = _defence_rows()
    out = np.zeros((len(ccodes), len(ccodes)), dtype=bool)
    if not 0 <= year <= ATOP_LAST_YEAR:
        return out
    pos = {c: k for k, c in enumerate(ccodes)}
    for c1, c2, _ in d[first[year]: first[year + 1]].tolist():
        if c1 in pos and c2 in pos:
            out[pos[c1], pos[c2]] = out[pos[c2], pos[c1]] = True
    return out
