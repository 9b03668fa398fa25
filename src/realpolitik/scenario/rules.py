"""One set of rules for what a valid scenario is, applied by every command (docs/scenario-format.md,
Validity).

Three kinds of problem, each decided here once:

- **structure** (types, ranges, references, limits): the schema refuses the file when it is read;
  every command stops with exit 2.
- **model** problems: an issue nobody weighs cannot be forecast, whether it has no stances at all
  or every stance on it weighs 0 (capability x salience, or influence). Every command that runs a
  model stops with exit 2 naming ``issues[k]``; ``validate`` reports it as an error too.
- **evidence** problems: a quote not found in its source, an uncited number, a source file that
  cannot be read. They do not change any number, so the commands that compute (forecast,
  exchange, align, simulate, whatif, levers, demo) print them as warnings on stderr and go on;
  ``validate`` reports them as errors (exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

from realpolitik.errors import InputError, Problem
from realpolitik.scenario.limits import check_count
from realpolitik.scenario.loader import load_any
from realpolitik.scenario.schema import Scenario
from realpolitik.scenario.validate import unweighted_issues, validate_scenario

MAX_WARNINGS = 10
"""At most this many evidence warnings are printed; the rest are counted."""


def model_problems(scenario: Scenario) -> list[Problem]:
    """The problems that stop every model: issues nobody weighs (no stances, or all weigh 0)."""
    return unweighted_issues(scenario)


def evidence_problems(scenario: Scenario) -> list[Problem]:
    """Everything ``validate`` finds that is not a model problem (quotes, provenance, sources)."""
    model = {(p.field, p.message) for p in model_problems(scenario)}
    return [p for p in validate_scenario(scenario) if (p.field, p.message) not in model]


def check_for_models(scenario: Scenario, warn: bool = True) -> list[Problem]:
    """Apply the rules for a command that computes: raise :class:`InputError` on model problems;
    return the evidence problems, printed as warnings on stderr when ``warn``."""
    problems = model_problems(scenario)
    if problems:
        raise InputError(scenario.where, problems)
    found = evidence_problems(scenario)
    if warn and found:
        for p in found[:MAX_WARNINGS]:
            sys.stderr.write(f"warning: {scenario.where}: {p}\n")
        more = len(found) - MAX_WARNINGS
        tail = f" (and {more} more)" if more > 0 else ""
        sys.stderr.write(
            f"warning: {len(found)} evidence problem(s){tail}: the numbers are used as they are; "
            "`realpolitik validate` lists them all\n"
        )
    return found


def load_for_models(path: str | Path, fmt: str | None = None, warn: bool = True) -> Scenario:
    """Load any input (TOML or an importable format) for a command that runs models, with the
    rules above applied."""
    scenario = load_any(path, fmt)
    check_for_models(scenario, warn)
    return scenario


def exchange_problems(scenario: Scenario) -> list[Problem]:
    """Why the exchange model can find no exchange at all, or []: an exchange trades a move on
    one issue for a move on another between two actors (Stokman & Van Oosten 1994), so it needs
    two issues and two actors."""
    out = []
    if len(scenario.issues) < 2:
        out.append(Problem("issues", f"the exchange model needs at least two issues: an exchange "
                           f"trades a move on one issue for a move on another, and this input "
                           f"has {len(scenario.issues)}"))
    if len(scenario.actors) < 2:
        out.append(Problem("actors", "the exchange model needs at least two actors"))
    return out


def exchange_work(scenario: Scenario, rounds: int, repetitions: int) -> int:
    """The candidate exchanges a run weighs: pairs of issues x pairs of actors x rounds x
    repetitions (the ``exchanges`` limit of :mod:`realpolitik.scenario.limits`)."""
    m, n = len(scenario.issues), len(scenario.actors)
    return m * (m - 1) // 2 * (n * (n - 1) // 2) * max(rounds, 1) * repetitions


def check_exchange_work(scenario: Scenario, rounds: int, repetitions: int, file: str) -> None:
    """Refuse an exchange run whose work exceeds the ``exchanges`` limit, before it starts."""
    check_count("exchanges", exchange_work(scenario, rounds, repetitions), file,
                "--rounds x --repetitions")
