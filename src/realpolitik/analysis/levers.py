"""What would have to change: the smallest changes of the inputs that bring a forecast into a
target band (docs/design.md, Levers).

A lever is one input (an actor's position, salience or capability on the issue) moved from its
cited value to the nearest value that puts the model's forecast inside ``[low, high]``. Sizes are
comparable across kinds as a share of a reference span: a position's issue scale, a salience's
0..1, a capability's own value (doubling it is a change of size 1). Each lever is marked inside or
outside the input's cited range.

The search is exact for any model: the forecast as a function of one input is evaluated on a grid
over everything the format allows (the scale, 0..1, 0..16x the capability), and each crossing
into the band is refined by bisection. Pairs: the best few single inputs are combined two at a
time on a coarse grid, and the pair with the smallest total size that reaches the band is kept.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from realpolitik.analysis.simulate import forecast_at
from realpolitik.errors import InputError
from realpolitik.scenario.inputs import Input, inputs
from realpolitik.scenario.schema import Scenario

GRID = 41
"""Grid points per input before refining a crossing by bisection."""
BISECT = 30
CAPABILITY_SPAN = 16.0
"""A capability is searched from 0 to this multiple of its cited value."""
PAIR_CANDIDATES = 6
PAIR_GRID = 9


@dataclass(frozen=True)
class Lever:
    """One change: ``inputs`` moved ``frm`` -> ``to``; its ``size`` and the forecast it gives."""

    inputs: tuple[str, ...]
    frm: tuple[float, ...]
    to: tuple[float, ...]
    size: float
    forecast: float
    within_range: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": [
                {"path": p, "from": a, "to": b}
                for p, a, b in zip(self.inputs, self.frm, self.to, strict=True)
            ],
            "size": self.size,
            "forecast": self.forecast,
            "within_range": self.within_range,
        }


def span(inp: Input) -> float:
    """The reference span that makes sizes comparable across kinds (module docstring)."""
    if inp.kind == "position":
        return inp.bounds[1] - inp.bounds[0]
    if inp.kind == "capability":
        return max(inp.value, 1e-12)
    return inp.bounds[1] - inp.bounds[0]


def search_bounds(inp: Input) -> tuple[float, float]:
    if inp.kind == "capability":
        return 0.0, max(inp.value, 1e-12) * CAPABILITY_SPAN
    return inp.bounds


def _forecaster(scenario: Scenario, issue: str, model: str) -> Callable[[dict[str, float]], float]:
    """The forecast with some inputs changed. A trial change that leaves nobody weighing the
    issue (a lone actor's capability at 0) has no forecast: NaN, never inside a band; the
    scenario as given still raises its own error."""
    at = partial(forecast_at, scenario, issue, model, field="lever")

    def forecast(changes: dict[str, float]) -> float:
        try:
            return at(changes)
        except InputError:
            if not changes:
                raise
            return math.nan

    return forecast


def _along(forecast: Callable[[dict[str, float]], float], path: str) -> Callable[[float], float]:
    """The forecast as a function of one input."""
    return lambda v: forecast({path: v})


def _inside(y: float, low: float, high: float) -> bool:
    return bool(low <= y <= high)


def _nearest_in_band(
    f: Callable[[float], float], x0: float, lo: float, hi: float, low: float, high: float
) -> float | None:
    """The value nearest ``x0`` in [lo, hi] whose forecast lies in [low, high], or None."""
    grid = np.unique(np.concatenate([np.linspace(lo, hi, GRID), [x0]]))
    ys = np.array([f(x) for x in grid])
    ok = np.array([_inside(y, low, high) for y in ys])
    if not ok.any():
        return None
    best: float | None = None
    i0 = int(np.searchsorted(grid, x0))
    for k in np.flatnonzero(ok):
        x = float(grid[k])
        # refine towards x0 between this grid point and its neighbour on x0's side
        j = k - 1 if k > i0 else k + 1
        if 0 <= j < grid.size and not ok[j]:
            a, b = float(grid[j]), x  # a outside, b inside
            for _ in range(BISECT):
                m = 0.5 * (a + b)
                if _inside(f(m), low, high):
                    b = m
                else:
                    a = m
            x = b
        if best is None or abs(x - x0) < abs(best - x0):
            best = x
    return best


def levers(
    scenario: Scenario, issue: str, model: str, target: tuple[float, float], top: int = 10
) -> dict[str, Any]:
    """Single and paired levers that bring ``model``'s forecast on ``issue`` into ``target``."""
    low, high = target
    actors = {s.actor for s in scenario.stances_on(issue)}
    candidates = [
        i
        for i in inputs(scenario)
        if i.issue == issue or (i.kind == "capability" and i.actor in actors)
    ]
    forecast = _forecaster(scenario, issue, model)
    base = forecast({})
    singles: list[Lever] = []
    if _inside(base, low, high):
        return {
            "issue": issue,
            "model": model,
            "target": [low, high],
            "forecast": base,
            "already": True,
            "singles": [],
            "pairs": [],
        }
    for inp in candidates:
        lo, hi = search_bounds(inp)
        x = _nearest_in_band(_along(forecast, inp.path), inp.value, lo, hi, low, high)
        if x is None:
            continue
        singles.append(
            Lever(
                (inp.path,),
                (inp.value,),
                (x,),
                abs(x - inp.value) / span(inp),
                forecast({inp.path: x}),
                inp.low <= x <= inp.high,
            )
        )
    singles.sort(key=lambda lv: (lv.size, lv.inputs))
    pairs = _pairs(candidates, forecast, singles, low, high)
    return {
        "issue": issue,
        "model": model,
        "target": [low, high],
        "forecast": base,
        "already": False,
        "singles": [lv.to_json() for lv in singles[:top]],
        "pairs": [lv.to_json() for lv in pairs[:top]],
    }


def _pairs(
    candidates: list[Input],
    forecast: Callable[[dict[str, float]], float],
    singles: list[Lever],
    low: float,
    high: float,
) -> list[Lever]:
    """Two inputs moved together on a coarse grid: the smallest total size reaching the band,
    for pairs among the inputs with the most effect (the best single levers, then the rest)."""
    by_path = {i.path: i for i in candidates}
    ranked = [lv.inputs[0] for lv in singles] + [
        i.path for i in candidates if i.path not in {lv.inputs[0] for lv in singles}
    ]
    pool = [by_path[p] for p in ranked[:PAIR_CANDIDATES]]
    best_single = singles[0].size if singles else float("inf")
    found: list[Lever] = []
    for a, b in itertools.combinations(pool, 2):
        grids = [np.linspace(*search_bounds(i), PAIR_GRID) for i in (a, b)]
        best: Lever | None = None
        for xa in grids[0]:
            for xb in grids[1]:
                size = abs(xa - a.value) / span(a) + abs(xb - b.value) / span(b)
                if size >= best_single or (best is not None and size >= best.size):
                    continue
                y = forecast({a.path: float(xa), b.path: float(xb)})
                if _inside(y, low, high):
                    best = Lever(
                        (a.path, b.path),
                        (a.value, b.value),
                        (float(xa), float(xb)),
                        size,
                        y,
                        bool(a.low <= xa <= a.high and b.low <= xb <= b.high),
                    )
        if best is not None:
            found.append(best)
    return sorted(found, key=lambda lv: (lv.size, lv.inputs))
