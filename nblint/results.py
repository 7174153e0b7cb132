"""What a run produced, as values every reporter renders: lint results, runtime checks, validation reports.

`Run` holds the lint results of `nblint lint`, or the validation reports of `nblint validate` together
with the static findings `--lint` adds; its `status` and `exit_code` are the verdict every format shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nblint.diagnostics import Diagnostic, Severity

EXIT_CODES = {"passed": 0, "failed": 1, "error": 2}

# the status of one check result
FAILED, REPORTED = "failed", "reported"


@dataclass
class FileResult:
    """One notebook's lint result; the engine fills it in (fixes, dedupe across notebooks)."""

    path: str
    status: str = "passed"  # passed | failed | skipped | error
    level: str = "development"  # the level the file was judged at (each file has its own config)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    message: str | None = None  # why the file was skipped, or what went wrong
    fixed: int = 0
    applied: list[str] = field(default_factory=list)  # what each applied fix did, for --show-fixes
    diff: str = ""
    sources: dict[int, str] = field(default_factory=dict)  # cells with findings, for code frames
    file_lines: dict[tuple[str, int], str] = field(default_factory=dict)  # (file, line) of findings in other files
    env_files: tuple[str, ...] = ()  # the requirement files this notebook's environment reads


@dataclass(frozen=True)
class CheckResult:
    """One runtime check that fired in one cell (cell None: the injected parameters cell)."""

    type: str
    message: str
    cell: int | None = None  # 1-based, counting every cell
    cell_id: str | None = None
    line: int | None = None
    severity: Severity = Severity.ERROR
    status: str = FAILED
    traceback: str | None = None  # an exception's traceback as the kernel printed it (ANSI colours stripped)

    @property
    def explanation(self) -> str:
        from nblint.checks import CHECKS  # the catalogue is validate's: a lint run need not import it

        return CHECKS[self.type].why


@dataclass(frozen=True)
class ValidationReport:
    """One notebook's validation: its verdict, the graded checks and what each code cell did."""

    notebook: str
    level: str
    status: str = "passed"  # passed | failed | skipped | error
    duration_s: float = 0.0
    checks: tuple[CheckResult, ...] = ()
    cells: tuple[dict[str, Any], ...] = ()  # cell, cell_id, injected, status, duration_s
    message: str | None = None
    golden: tuple[dict[str, Any], ...] | None = None  # differences from --golden, when given
    started_at: str | None = None  # when the run began, UTC, ISO 8601 without offset (JUnit's timestamp)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == FAILED]


def overall(statuses: Iterable[str]) -> str:
    """The worst of several statuses: error, then failed, else passed (skipped counts as passed)."""
    seen = set(statuses)
    return "error" if "error" in seen else "failed" if "failed" in seen else "passed"


@dataclass(frozen=True)
class Run:
    """Everything one command produced, for the reporters and the exit code."""

    command: str  # lint | validate
    lint: tuple[FileResult, ...] = ()  # `nblint lint`, or the static findings of `validate --lint`
    validations: tuple[ValidationReport, ...] = ()

    def lint_for(self, notebook: str) -> FileResult | None:
        return next((r for r in self.lint if r.path == notebook), None)

    def verdict(self, report: ValidationReport) -> str:
        """A validated notebook's verdict, counting its static findings when `--lint` added them."""
        lint = self.lint_for(report.notebook)
        combined = overall([report.status, lint.status if lint else "passed"])
        return "skipped" if combined == "passed" and report.status == "skipped" else combined

    @property
    def status(self) -> str:
        if self.command == "validate":
            return overall(self.verdict(r) for r in self.validations)
        return overall(r.status for r in self.lint)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]
