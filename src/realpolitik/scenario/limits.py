"""Limits on what an input may declare, checked before anything is allocated, and safe slugs.

Model inputs are small: a few dozen actors, a few hundred issues. A file that declares far more
(``*Vertices 999999999``, a header of a million actor columns) is a mistake, refused with a
message naming the file, the field and the limit before any array is made. Every limit can be
raised for one run through an environment variable (docs/scenario-format.md, Limits):

=================  ===============================  =========
limit              environment variable             default
=================  ===============================  =========
actors             ``REALPOLITIK_MAX_ACTORS``       5,000
issues             ``REALPOLITIK_MAX_ISSUES``       10,000
actors x issues    ``REALPOLITIK_MAX_CELLS``        1,000,000
graph vertices     ``REALPOLITIK_MAX_VERTICES``     10,000
exchange work      ``REALPOLITIK_MAX_EXCHANGES``    10,000,000
=================  ===============================  =========

Exchange work is what one ``exchange`` command asks of the exchange model: pairs of issues x
pairs of actors x rounds x repetitions, the candidate exchanges it weighs (Stokman & Van Oosten
1994). Its time grows with it (about 0.7 microseconds each on a 2-core machine, so the default
is some seconds): the DEU file's 237 issues and 30 actors for 10 rounds ask for 122 million.

Numbers: every number of a scenario and of an imported table must be finite with magnitude at
most :data:`MAX_MAGNITUDE` (1e15), so that the models' products (capability x salience x squared
distances, summed over actors) stay far inside the range of a float; larger figures (a GDP in
units) must be rescaled. This bound is fixed.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

from realpolitik.errors import InputError

FIRST_YEAR, LAST_YEAR = 1000, 2999
"""Years a date may name (a command's dates, an article's): relative dates such as "last week"
are worked out from them and must not fall off the calendar."""

MAX_MAGNITUDE = 1e15
"""The largest magnitude of any number in a scenario or an imported table."""

DEFAULTS = {"actors": 5_000, "issues": 10_000, "cells": 1_000_000, "vertices": 10_000,
            "exchanges": 10_000_000}
"""The default limits; ``REALPOLITIK_MAX_<NAME>`` raises (or lowers) one of them."""

_WHAT = {"actors": "actors", "issues": "issues", "cells": "actors x issues",
         "vertices": "graph vertices", "exchanges": "candidate exchanges"}  # fmt: skip


def env_name(name: str) -> str:
    return f"REALPOLITIK_MAX_{name.upper()}"


def limit(name: str) -> int:
    """The limit ``name`` (a key of :data:`DEFAULTS`), as raised by its environment variable.
    A variable that is not a positive integer is itself bad input."""
    raw = os.environ.get(env_name(name), "").strip().replace("_", "")
    if not raw:
        return DEFAULTS[name]
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError.single(env_name(name), "", f"expected a positive integer, got {raw!r}")
    return value


def check_count(name: str, count: int, file: str, field: str) -> None:
    """Refuse ``count`` (declared or found) when it exceeds the limit ``name``: the message
    names the file, the field, the limit and how to raise it."""
    cap = limit(name)
    if count > cap:
        raise InputError.single(
            file, field,
            f"{count:,} {_WHAT[name]} exceed the limit of {cap:,} (set {env_name(name)} "
            "to raise it)",
        )  # fmt: skip


def check_table(actors: int, issues: int, file: str, field: str) -> None:
    """The three limits of a table of actors x issues, checked before it is allocated."""
    check_count("actors", actors, file, field)
    check_count("issues", issues, file, field)
    check_count("cells", actors * issues, file, field)


_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (NUL, newline, escape, ...)."""
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in text)


def slug(text: str, default: str = "scenario") -> str:
    """``text`` as one safe path component: letters, digits, ``_``, ``-`` and inner dots only,
    no separators or control characters, never ``.`` or ``..`` nor a hidden name ("../x y" ->
    "x_y"), at most 100 characters; ``default`` when nothing is left."""
    out = _UNSAFE.sub("_", unicodedata.normalize("NFKC", text)).strip("._-")[:100]
    return out.strip("._-") or default


def _plain_id(v: str) -> str:
    if has_control(v):
        raise ValueError(f"an id may not hold control characters, got {v!r}")
    if v.strip() != v or not v:
        raise ValueError(f"an id may not be empty or start or end with spaces, got {v!r}")
    return v


Id = Annotated[str, AfterValidator(_plain_id)]
"""An id of the scenario (actor, issue, source, question, shock): no control characters, no
leading or trailing spaces. Where an id names a file or folder, :func:`slug` makes it safe."""


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError(f"must be a finite number, got {v}")
    if abs(v) > MAX_MAGNITUDE:
        raise ValueError(f"{v:g} is too large: numbers are limited to +-{MAX_MAGNITUDE:g} "
                         "(rescale)")
    return v


def check_number(name: str, v: float | None) -> None:
    """Raise ``ValueError`` naming ``name`` when ``v`` is not finite or exceeds
    :data:`MAX_MAGNITUDE` (a pydantic validator turns it into a problem at that field)."""
    if v is not None:
        try:
            _finite(v)
        except ValueError as err:
            raise ValueError(f"{name} {err}") from None
