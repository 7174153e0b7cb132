"""Values that cross module boundaries: severities, locations, fixes, diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path


class Severity(IntEnum):
    OFF = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; use off, info, warning or error") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Span:
    """A range inside one cell: 1-based lines and columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Location:
    """A place in a file other than the notebook (a requirements line): 1-based, end column exclusive."""

    path: str
    line: int
    column: int = 1
    end_column: int | None = None

    @property
    def span(self) -> Span:
        """The place as a one-line span, at least one character wide."""
        return Span(self.line, self.column, self.line, max(self.end_column or 0, self.column + 1))

    @property
    def short(self) -> str:
        """`requirements.txt:3`, for pointing at another place in a message."""
        return f"{Path(self.path).name}:{self.line}"


@dataclass(frozen=True)
class Edit:
    """Replace `span` of cell `cell` (1-based, counting every cell) with `text`."""

    cell: int
    span: Span
    text: str


@dataclass(frozen=True)
class Append:
    """Lines to add to a text file next to the notebook (e.g. requirements.txt), each only if absent."""

    path: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Fix:
    """A change that resolves a finding: its edits, and whether applying them is safe without review."""

    message: str
    edits: tuple[Edit, ...]
    safe: bool = True
    appends: tuple[Append, ...] = ()


@dataclass(frozen=True)
class Related:
    """A second place worth looking at, e.g. the function behind a finding."""

    message: str
    cell: int | None
    span: Span | None
    path: str | None = None


@dataclass(frozen=True)
class Finding:
    """What a rule reports: where and why. The engine adds rule, path and severity.

    `cell` is None for findings located in another file (then `path` says which);
    `span` is None for whole-notebook or whole-cell findings.
    """

    message: str
    cell: int | None = None
    span: Span | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    path: str | None = None


def file_finding(location: Location, message: str, **kwargs) -> Finding:
    """A finding in a file other than the notebook, at `location`."""
    return Finding(message, None, location.span, path=location.path, **kwargs)


@dataclass(frozen=True)
class Diagnostic:
    """A finding as reported: the rule, its severity at the run's level, where, and the fix if any."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    cell: int | None
    cell_id: str | None
    span: Span | None
    help_url: str
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default=())

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        return self.span.column if self.span else None
