"""SARIF 2.1.0 for GitHub code scanning: regions point at the .ipynb line holding the source line.

A lint run is one SARIF run of the tool `nblint`; a validate run is one run of `nblint-validate` (failed
runtime checks), followed by the `nblint` run of its static findings when `--lint` added them.
"""

from __future__ import annotations

import json
from pathlib import Path

from nblint import __version__
from nblint.checks import CHECKS
from nblint.diagnostics import Severity
from nblint.reporters.base import LINT, VALIDATE, ReportOptions
from nblint.reporters.common import file_line
from nblint.results import FileResult, Run, ValidationReport

RENDERS = frozenset({LINT, VALIDATE})
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.OFF: "none"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(run: Run, options: ReportOptions) -> str:
    if run.command == LINT:
        runs = [_lint_run(run.lint, options.level)]
    else:
        runs = [_validate_run(run.validations), *([_lint_run(run.lint, options.level)] if run.lint else [])]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": runs}, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.resolve().as_uri()


def _fingerprint(d, line_text: str, seen: dict) -> str:
    """Stable when cells move: the rule, the path and the text of the line, not cell or line numbers."""
    import hashlib

    key = (d.code, d.path, line_text.strip())
    seen[key] = seen.get(key, 0) + 1
    raw = "\0".join([*map(str, key), str(seen[key])])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


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
        "properties": {"tags": ["notebook"]},
    }


def _location(path: str, cell, span) -> dict:
    start = file_line(path, cell, span.line if span else None)
    end = file_line(path, cell, span.end_line) if span else start
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path)},
            "region": {"startLine": start, "endLine": max(start, end)},
        }
    }


def _lint_run(results: tuple[FileResult, ...], level: str) -> dict:
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
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.path)}}}],
                }
            )
        seen: dict = {}
        for d in r.diagnostics:
            source = r.sources.get(d.cell, "") if d.cell else ""
            lines = source.split("\n")
            line_text = lines[d.line - 1] if d.line and d.line <= len(lines) else ""
            result = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _LEVEL[d.severity],
                "message": {"text": d.message},
                "locations": [_location(d.path, d.cell, d.span)],
                "partialFingerprints": {"nblintLine/v1": _fingerprint(d, line_text, seen)},
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
                    {"id": i, "message": {"text": rel.message}, **_location(rel.path or d.path, rel.cell, rel.span)}
                    for i, rel in enumerate(d.related)
                ]
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
        "results": sarif_results,
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
    }


def _validate_run(reports: tuple[ValidationReport, ...]) -> dict:
    rules = [
        {"id": c.name, "name": c.name, "shortDescription": {"text": c.summary}, "fullDescription": {"text": c.why}}
        for c in CHECKS.values()
    ]
    results = []
    for report in reports:
        for check in report.failed:
            line = file_line(report.notebook, check.cell, check.line)
            results.append(
                {
                    "ruleId": check.type,
                    "level": "error",
                    "message": {"text": check.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": _uri(report.notebook)},
                                "region": {"startLine": line},
                            }
                        }
                    ],
                    "properties": {"cell": check.cell, "cellId": check.cell_id, "cellLine": check.line},
                }
            )
    return {"tool": {"driver": {"name": "nblint-validate", "version": __version__, "rules": rules}}, "results": results}
