"""Errors that reach the user: bad input names the file and the field."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One problem in one input: where (TOML path, column, line) and what."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class InputError(Exception):
    """A user's input is wrong. The CLI prints it and exits with status 2."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def single(cls, file: str, field_: str, message: str) -> InputError:
        return cls(str(file), [Problem(field_, message)])

    def __str__(self) -> str:
        lines = [f"{self.file}: {p}" for p in self.problems]
        return "\n".join(lines) if lines else f"{self.file}: invalid input"
