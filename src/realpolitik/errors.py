"""Errors that reach the user: bad input names the file and the field."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ECHO = 80
"""Text from the input that a message repeats is cut to this many characters."""


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, marked with how much was left out: messages quote
    the user's input, never a whole 29 KB header."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


@dataclass
class Problem:
    """One problem in one input: where (TOML path, column, line) and what."""

    field: str
    message: str

    def __str__(self) -> str:
        # a safety net: no message may echo a whole input (each names what it quotes, cut short)
        field, message = clip(self.field, 200), clip(self.message, 1000)
        return f"{field}: {message}" if field else message


@dataclass
class InputError(Exception):
    """A user's input is wrong. The CLI prints it and exits with status 2."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def single(cls, file: str, field_: str, message: str) -> InputError:
        return cls(str(file), [Problem(field_, message)])

    def __str__(self) -> str:
        # an option is both the "file" and the field of its problem: name it once
        lines = [f"{self.file}: {p.message if p.field == self.file else p}" for p in self.problems]
        return "\n".join(lines) if lines else f"{self.file}: invalid input"
