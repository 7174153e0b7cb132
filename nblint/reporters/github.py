"""GitHub Actions workflow commands: one annotation per finding or failed check, on the .ipynb line."""

from __future__ import annotations

from nblint.diagnostics import Severity
from nblint.reporters.base import LINT, VALIDATE, ReportOptions
from nblint.reporters.common import file_line
from nblint.results import FileResult, Run

RENDERS = frozenset({LINT, VALIDATE})
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(run: Run, options: ReportOptions) -> str:
    if run.command == LINT:
        lines = [line for r in run.lint for line in _file(r)]
    else:
        lines = []
        for report in run.validations:
            path = _escape_property(report.notebook)
            if report.status == "error":
                lines.append(f"::error file={path}::{_escape_data(report.message or '')}")
            for check in report.failed:
                line = file_line(report.notebook, check.cell, check.line)
                title = _escape_property(f"nblint validate: {check.type}")
                text = _escape_data(f"cell {check.cell}: {check.message}")
                lines.append(f"::error file={path},line={line},title={title}::{text}")
            lint = run.lint_for(report.notebook)
            if lint is not None:
                lines.extend(_file(lint))
    return "\n".join(lines) + ("\n" if lines else "")


def _file(r: FileResult) -> list[str]:
    lines = []
    if r.status == "error":
        lines.append(f"::error file={_escape_property(r.path)},title=nblint::{_escape_data(r.message or '')}")
    for d in r.diagnostics:
        start = file_line(d.path, d.cell, d.line)
        end = file_line(d.path, d.cell, d.span.end_line) if d.span else start
        where = f"cell {d.cell}, line {d.line}: " if d.cell and d.line else f"cell {d.cell}: " if d.cell else ""
        title = f"{d.name} ({d.code})"
        lines.append(
            f"::{_COMMAND[d.severity]} file={_escape_property(d.path)},line={start},endLine={max(end, start)},"
            f"title={_escape_property(title)}::{_escape_data(where + d.message)}"
        )
    return lines
