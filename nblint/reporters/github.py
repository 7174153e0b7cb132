"""GitHub Actions workflow commands: one annotation per finding or check, on the .ipynb line.

GitHub shows at most 10 annotations of each type per step and 50 per job, so errors come first, then
warnings, and info findings (`::notice`) only with `--github-notices`; a closing plain line gives the counts
with what the annotations could not show.
"""

from __future__ import annotations

from nblint.diagnostics import Severity
from nblint.reporters.base import LINT, ReportOptions
from nblint.reporters.common import file_line
from nblint.results import FileResult, Run, ValidationReport

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SHOWN_PER_TYPE = 10  # what GitHub displays of each annotation type in one step


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(run: Run, options: ReportOptions) -> str:
    annotations: list[tuple[Severity, str]] = []
    for report in run.validations:
        annotations += _validation(report)
    for result in run.lint:
        annotations += _file(result)
    annotations.sort(key=lambda a: -a[0])  # stable: errors, then warnings, then notices, each in input order
    counts = {sev: sum(1 for s, _ in annotations if s == sev) for sev in _COMMAND}
    lines = [line for sev, line in annotations if sev > Severity.INFO or options.github_notices]
    lines.append(_summary(run, counts, options))
    return "\n".join(lines) + "\n"


def _annotation(severity: Severity, path: str, text: str, title: str, line: int | None = None,
                end: int | None = None) -> tuple[Severity, str]:  # fmt: skip
    where = f"file={_escape_property(path)}"
    if line is not None:
        where += f",line={line}" + (f",endLine={max(end, line)}" if end is not None else "")
    return severity, f"::{_COMMAND[severity]} {where},title={_escape_property(title)}::{_escape_data(text)}"


def _validation(report: ValidationReport) -> list[tuple[Severity, str]]:
    out = []
    if report.status == "error":
        out.append(_annotation(Severity.ERROR, report.notebook, report.message or "could not run", "nblint validate"))
    for check in report.checks:
        if check.severity > Severity.OFF:
            line = file_line(report.notebook, check.cell, check.line)
            text = f"cell {check.cell}: {check.message}" if check.cell else check.message
            out.append(_annotation(check.severity, report.notebook, text, f"nblint validate: {check.type}", line))
    return out


def _file(r: FileResult) -> list[tuple[Severity, str]]:
    out = []
    if r.status == "error":
        out.append(_annotation(Severity.ERROR, r.path, r.message or "error", "nblint"))
    for d in r.diagnostics:
        start = file_line(d.path, d.cell, d.line)
        end = file_line(d.path, d.cell, d.span.end_line) if d.span else start
        where = f"cell {d.cell}, line {d.line}: " if d.cell and d.line else f"cell {d.cell}: " if d.cell else ""
        out.append(_annotation(d.severity, d.path, where + d.message, f"{d.name} ({d.code})", start, end))
    return out


def _summary(run: Run, counts: dict[Severity, int], options: ReportOptions) -> str:
    files = len(run.validations) if run.command != LINT else len(run.lint)
    line = (
        f"nblint: {counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
        f"{counts[Severity.INFO]} info in {files} notebook(s) at level {options.level}: {run.status}"
    )
    hidden = [str(_COMMAND[sev]) + "s" for sev in (Severity.ERROR, Severity.WARNING) if counts[sev] > SHOWN_PER_TYPE]
    if hidden:
        line += f" (GitHub shows the first {SHOWN_PER_TYPE} {' and '.join(hidden)}; the step log lists all)"
    if counts[Severity.INFO] and not options.github_notices:
        line += "; info findings not annotated (--github-notices)"
    return line
