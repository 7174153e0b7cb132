"""SARIF 2.1.0 for GitHub code scanning: regions point at the .ipynb line holding the source line.

A lint run is one SARIF run of the tool `nblint`; a validate run is one run of `nblint-validate` (runtime
checks, and a `could-not-run` result for a notebook that did not run, so its open alerts are not closed
as fixed), followed by the `nblint` run of its static findings when `--lint` added them. Artifact URIs are
relative to the repository root (`%SRCROOT%`), so alerts match whatever folder CI ran nblint in.
"""

from __future__ import annotations

import json
from pathlib import Path

from nblint import __version__
from nblint.checks import CHECKS, RuntimeCheck
from nblint.diagnostics import Severity
from nblint.reporters.base import LINT, ReportOptions
from nblint.reporters.common import Fingerprints, file_line, line_text, relative_path, repository_root
from nblint.results import FileResult, Run, ValidationReport

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.OFF: "none"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "nblintLine/v1"
CHECK_DOCS = "https://github.com/nblint/nblint/blob/main/docs/runtime-checks.md#{anchor}"
COULD_NOT_RUN = RuntimeCheck(
    "could-not-run",
    "The notebook could not be run",
    "nblint validate could not run the notebook (unreadable file, missing kernel, bad expectations), so none "
    "of its checks ran. The result keeps the notebook's alerts from being closed as fixed.",
)


def render(run: Run, options: ReportOptions) -> str:
    artifacts = _Artifacts(repository_root())
    if run.command == LINT:
        runs = [_lint_run(run.lint, options.level, artifacts)]
    else:
        runs = [_validate_run(run.validations, options.level, artifacts)]
        if run.lint:
            runs.append(_lint_run(run.lint, options.level, artifacts))
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": runs}, indent=2, ensure_ascii=False) + "\n"


class _Artifacts:
    """Artifact locations relative to the repository root; absolute file URIs for files outside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def relative(self, path: str) -> str:
        """What fingerprints hash: the path from the root (absolute when outside)."""
        return relative_path(path, self.root) or Path(path).resolve().as_posix()

    def location(self, path: str) -> dict:
        from urllib.parse import quote

        relative = relative_path(path, self.root)
        if relative is None:
            return {"uri": Path(path).resolve().as_uri()}
        return {"uri": quote(relative), "uriBaseId": SRCROOT}

    def physical(self, path: str, start: int, end: int | None = None) -> dict:
        region = {"startLine": start} if end is None else {"startLine": start, "endLine": max(start, end)}
        return {"physicalLocation": {"artifactLocation": self.location(path), "region": region}}

    def base_ids(self) -> dict:
        uri = self.root.as_uri()
        return {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}


def _properties(tags: list[str], security_severity: float | None = None) -> dict:
    if security_severity is None:
        return {"tags": tags}
    return {"tags": [*tags, "security"], "security-severity": f"{security_severity:.1f}"}


def _rule_descriptor(rule, level: str) -> dict:
    from nblint.levels import severity as level_severity

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": rule.how_to_fix, "markdown": f"{rule.why}\n\n**How to fix:** {rule.how_to_fix}"},
        "helpUri": rule.help_url,
        "defaultConfiguration": {"level": _LEVEL[level_severity(rule.name, level)]},
        "properties": _properties(["notebook"], rule.security_severity),
    }


def _check_descriptor(check: RuntimeCheck, level: Severity) -> dict:
    anchor = "when-a-notebook-cannot-run" if check is COULD_NOT_RUN else check.name
    url = CHECK_DOCS.format(anchor=anchor)
    return {
        "id": check.name,  # no `name`: SARIF wants it to differ from the id, and the check name is the id
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": check.why},
        "help": {"text": f"{check.why} See {url}", "markdown": f"{check.why}\n\n[More about `{check.name}`]({url})"},
        "helpUri": url,
        "defaultConfiguration": {"level": _LEVEL[level]},
        "properties": _properties(["notebook", "runtime"]),
    }


def _lint_run(results: tuple[FileResult, ...], level: str, artifacts: _Artifacts) -> dict:
    from nblint.registry import all_rules  # the rule catalogue only when a report needs it

    rules = list(all_rules())
    index = {r.code: i for i, r in enumerate(rules)}
    sarif_results, notifications = [], []
    for r in results:
        if r.status == "error":
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": r.message or "error"},
                    "locations": [{"physicalLocation": {"artifactLocation": artifacts.location(r.path)}}],
                }
            )
        fingerprints = Fingerprints()
        for d in r.diagnostics:
            result = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _LEVEL[d.severity],
                "message": {"text": d.message},
                "locations": [_location(artifacts, d.path, d.cell, d.span)],
                "partialFingerprints": {FINGERPRINT: fingerprints(d.code, artifacts.relative(d.path), line_text(r, d))},
                "properties": {
                    "name": d.name,
                    "cell": d.cell,
                    "cellId": d.cell_id,
                    "cellLine": d.line,
                    "cellColumn": d.column,
                },
            }
            if d.related:
                result["relatedLocations"] = [
                    {"id": i, "message": {"text": rel.message}, **_location(artifacts, rel.path or d.path, rel.cell,
                                                                              rel.span)}
                    for i, rel in enumerate(d.related)
                ]  # fmt: skip
            sarif_results.append(result)
    return {
        "tool": {
            "driver": {
                "name": "nblint",
                "version": __version__,
                "informationUri": "https://github.com/nblint/nblint",
                "rules": [_rule_descriptor(rule, level) for rule in rules],
            }
        },
        "originalUriBaseIds": artifacts.base_ids(),
        "results": sarif_results,
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
    }


def _location(artifacts: _Artifacts, path: str, cell, span) -> dict:
    start = file_line(path, cell, span.line if span else None)
    return artifacts.physical(path, start, file_line(path, cell, span.end_line) if span else start)


def _validate_run(reports: tuple[ValidationReport, ...], level: str, artifacts: _Artifacts) -> dict:
    from nblint.levels import severity as level_severity

    descriptors = [_check_descriptor(c, level_severity(c.name, level)) for c in CHECKS.values()]
    descriptors.append(_check_descriptor(COULD_NOT_RUN, Severity.ERROR))
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results, notifications = [], []
    for report in reports:
        fingerprints = Fingerprints()
        path = artifacts.relative(report.notebook)
        if report.status == "error":
            message = {"text": report.message or "the notebook could not be run"}
            where = artifacts.physical(report.notebook, 1)
            rule = {"id": COULD_NOT_RUN.name, "index": index[COULD_NOT_RUN.name]}
            notifications.append({"level": "error", "message": message, "locations": [where], "associatedRule": rule})
            results.append(
                {
                    "ruleId": COULD_NOT_RUN.name,
                    "ruleIndex": index[COULD_NOT_RUN.name],
                    "level": "error",
                    "message": message,
                    "locations": [where],
                    "partialFingerprints": {FINGERPRINT: fingerprints(COULD_NOT_RUN.name, path)},
                }
            )
        elif report.status == "skipped":
            notifications.append({"level": "note", "message": {"text": f"{path}: skipped: {report.message}"}})
        for check in report.checks:
            results.append(
                {
                    "ruleId": check.type,
                    "ruleIndex": index[check.type],
                    "level": _LEVEL[check.severity],
                    "message": {"text": check.message},
                    "locations": [artifacts.physical(report.notebook, file_line(report.notebook, check.cell,
                                                                                 check.line))],
                    # a cell id survives inserting cells before it; a cell number does not
                    "partialFingerprints": {FINGERPRINT: fingerprints(check.type, path, check.cell_id or
                                                                      str(check.cell))},
                    "properties": {"cell": check.cell, "cellId": check.cell_id, "cellLine": check.line,
                                   "status": check.status},
                }
            )  # fmt: skip
    return {
        "tool": {
            "driver": {
                "name": "nblint-validate",
                "version": __version__,
                "informationUri": "https://github.com/nblint/nblint",
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": artifacts.base_ids(),
        "results": results,
        "invocations": [
            {
                "executionSuccessful": not any(n["level"] == "error" for n in notifications),
                "toolExecutionNotifications": notifications,
            }
        ],
    }
