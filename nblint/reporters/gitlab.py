"""GitLab Code Quality: the JSON array of issues a merge request's widget reads (`artifacts:reports:codequality`).

Each issue has a description, the rule or check as `check_name`, a fingerprint that does not change when
cells move, a GitLab severity, and the .ipynb line under `location`, with the path from the repository root
(GitLab matches it against the files of the merge request).
"""

from __future__ import annotations

import json
from pathlib import Path

from nblint.diagnostics import Severity
from nblint.reporters.base import ReportOptions
from nblint.reporters.common import Fingerprints, file_line, line_text, relative_path, repository_root
from nblint.results import FileResult, Run, ValidationReport

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info", Severity.OFF: "info"}


def render(run: Run, options: ReportOptions) -> str:
    root = repository_root()
    issues = [issue for report in run.validations for issue in _validation(report, root)]
    issues += [issue for result in run.lint for issue in _lint(result, root)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(description: str, check: str, fingerprint: str, severity: str, path: str, line: int) -> dict:
    return {
        "description": description,
        "check_name": check,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line}},
    }


def _path(path: str, root: Path) -> str:
    return relative_path(path, root) or Path(path).resolve().as_posix()


def _lint(result: FileResult, root: Path) -> list[dict]:
    fingerprints = Fingerprints()
    issues = []
    if result.status == "error":
        path = _path(result.path, root)
        issues.append(_issue(result.message or "error", "nblint", fingerprints("error", path), "blocker", path, 1))
    for d in result.diagnostics:
        path = _path(d.path, root)
        where = f"cell {d.cell}: " if d.cell else ""
        issues.append(
            _issue(
                f"{where}{d.message} ({d.name})",
                d.name,
                fingerprints(d.code, path, line_text(result, d)),
                _SEVERITY[d.severity],
                path,
                file_line(d.path, d.cell, d.line),
            )
        )
    return issues


def _validation(report: ValidationReport, root: Path) -> list[dict]:
    fingerprints = Fingerprints()
    path = _path(report.notebook, root)
    issues = []
    if report.status == "error":
        message = report.message or "the notebook could not be run"
        issues.append(_issue(message, "could-not-run", fingerprints("could-not-run", path), "blocker", path, 1))
    for check in report.checks:
        issues.append(
            _issue(
                f"cell {check.cell}: {check.message} ({check.type})" if check.cell else check.message,
                check.type,
                fingerprints(check.type, path, check.cell_id or str(check.cell)),
                _SEVERITY[check.severity],
                path,
                file_line(report.notebook, check.cell, check.line),
            )
        )
    return issues
