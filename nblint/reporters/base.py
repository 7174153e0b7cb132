"""The reporter interface: a format renders a `Run` of the commands it declares in `RENDERS`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nblint.results import Run

LINT, VALIDATE = "lint", "validate"  # the commands whose runs a reporter can render


@dataclass(frozen=True)
class ReportOptions:
    level: str
    explain: bool = False
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    github_notices: bool = False  # --format github: also annotate info findings (GitHub caps annotations)


class Reporter(Protocol):
    """A reporter module: `RENDERS` names the commands it supports, `render` turns their run into text."""

    RENDERS: frozenset[str]

    def render(self, run: Run, options: ReportOptions) -> str: ...
