"""Problems found in the data: values, never exceptions (standard library only)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "erreur"
    WARNING = "avertissement"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the registry, located at 1-based line and column of a file.

    `path` is relative to the registry folder (POSIX separators); line and
    column are 0 when the problem concerns a whole file or the registry.
    """

    path: str
    line: int
    column: int
    code: str
    severity: Severity = field(compare=False)
    message: str = field()
    hint: str = field(default="", compare=False)
    entity: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_row(self) -> tuple[Any, ...]:
        """The problem as plain values (`marshal`, for the cache); `of_row` makes it again."""
        return (self.path, self.line, self.column, self.code, self.severity.value, self.message, self.hint,
                self.entity)

    @classmethod
    def of_row(cls, row: tuple[Any, ...]) -> Problem:
        path, line, column, code, severity, message, hint, entity = row
        return cls(path, line, column, code, Severity(severity), message, hint, entity)


@dataclass
class Report:
    """All problems of one run, plus what was checked."""

    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    entities: int = 0

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def sorted(self) -> list[Problem]:
        # Registry-wide problems (no file) first, then by file, line, column, code.
        return sorted(set(self.problems))

    @property
    def errors(self) -> int:
        return sum(1 for p in set(self.problems) if p.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for p in set(self.problems) if not p.is_error)

    def exit_code(self, strict: bool = False) -> int:
        if self.errors or (strict and self.warnings):
            return 1
        return 0


@dataclass(frozen=True)
class Example:
    """A documented example of a code: files that produce it, and the same fixed.

    Each mapping gives file contents by path relative to the registry; None
    removes the file. The tests apply both to the test registry
    (tests/cases/base): `bad` must produce the code, `good` must not.
    """

    bad: dict[str, str | Special | None]
    good: dict[str, str | Special | None]


@dataclass(frozen=True)
class Special:
    """File content a YAML snippet cannot show: raw bytes, a symbolic link, a huge file."""

    description: str  # French, shown in the documentation
    data: bytes = b""
    link_to: str = ""  # make a symbolic link to this path (relative to the registry)
    pad_to: int = 0  # pad the data with spaces up to this many bytes


def excerpt(text: str, width: int = 40) -> str:
    """A value as a message can quote it: on one line, invisible characters as « ? », cut if long."""
    shown = " ".join(text.split())
    shown = "".join(c if c.isprintable() else "?" for c in shown)
    return shown if len(shown) <= width else shown[:width - 1] + "…"
