"""Name lists as users give them: repeated options and/or comma-separated values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from realpolitik.errors import InputError


def split_names(values: Iterable[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (blanks dropped)."""
    return [v.strip() for x in values or [] for v in x.split(",") if v.strip()]


def choose(values: Iterable[str] | None, known: Sequence[str], option: str) -> list[str]:
    """The names chosen from ``known`` (lower-cased, in the order given, each once); none given
    or ``all`` means all of them. An unknown name is an InputError naming ``option``."""
    out: list[str] = []
    for m in (v.lower() for v in split_names(values)):
        if m == "all":
            return list(known)
        if m not in known:
            raise InputError.single(
                option, "", f"unknown model {m!r}; choose from {', '.join(known)} or all"
            )
        if m not in out:
            out.append(m)
    return out or list(known)


def require_known(value: str, ids: Sequence[str], file: str, option: str, what: str) -> None:
    """An InputError naming ``file`` and ``option`` unless ``value`` is one of ``ids``; the
    message lists the known ids (see :func:`known_ids`)."""
    if value not in ids:
        raise InputError.single(file, option, f"unknown {what} {value!r} (known: {known_ids(ids)})")


def known_ids(ids: Sequence[str], limit: int = 12) -> str:
    """The ids a user can choose from, for an error message: all of them, or the first
    ``limit`` and how many more."""
    if len(ids) <= limit:
        return ", ".join(ids)
    return f"{', '.join(ids[:limit])} and {len(ids) - limit} more"
