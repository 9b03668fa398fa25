"""Write a Scenario as TOML (``realpolitik convert --to toml``)."""

from __future__ import annotations

from typing import Any

import tomli_w

from realpolitik.scenario.schema import Scenario, point_key

_MAPPINGS = ("tags", "points")
"""Free-form mappings (issue tags, scale labels), written whole."""


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in _MAPPINGS and isinstance(v, dict):
                if v:  # free-form: an empty tag or label is data, kept as it is
                    out[k] = {_key(key): val for key, val in v.items()}
                continue
            v = _clean(v)
            if v is None or v in ([], {}, "") or (k == "assumed" and v is False):
                continue
            if k == "directed" and v is False:
                continue
            out[_key(k)] = v
        # A Value with nothing but a number is written as that number.
        if set(out) == {"value"} and isinstance(out["value"], int | float):
            return out["value"]
        return out
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def _key(k: Any) -> str:
    return point_key(k) if isinstance(k, float) else str(k)


def to_toml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="python")
    for issue in data["issues"]:
        # keep scale bounds even when they equal the defaults
        issue["scale"] = {
            "min": issue["scale"]["min"],
            "max": issue["scale"]["max"],
            **({"points": issue["scale"]["points"]} if issue["scale"]["points"] else {}),
        }
    return tomli_w.dumps(_clean(data))
