"""The reporter interface: a format's module renders a `Run` (of the commands `REPORTERS` lists for it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from nblint.results import Run

LINT, VALIDATE = "lint", "validate"  # the commands whose runs a reporter can render


@dataclass(frozen=True)
class ReportOptions:
    """How a run is rendered: the level, explanations, colour, statistics and quietness."""

    level: str
    explain: bool = False
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    github_notices: bool = False  # --format github: also annotate info findings (GitHub caps annotations)


class Reporter(Protocol):
    """A reporter module: `render` turns a run into the format's text."""

    def render(self, run: Run, options: ReportOptions) -> str: ...
