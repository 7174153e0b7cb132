"""Validation reports: text for people, JSON/JUnit for CI, SARIF and GitHub annotations for failed checks."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from nblint.harness.checks import FAILED
from nblint.harness.validate import Report, document


def render(fmt: str, reports: list[Report]) -> str:
    return {"text": _text, "json": _json, "junit": _junit, "sarif": _sarif, "github": _github}[fmt](reports)


def _json(reports: list[Report]) -> str:
    if len(reports) == 1:
        return json.dumps(document(reports[0]), indent=2, ensure_ascii=False) + "\n"
    return json.dumps({"version": 1, "notebooks": [document(r) for r in reports]}, indent=2, ensure_ascii=False) + "\n"


def _text(reports: list[Report]) -> str:
    out = []
    for report in reports:
        if report.status in ("error", "skipped"):
            out.append(f"{report.notebook}: {report.status}: {report.message}")
            continue
        ran = [c for c in report.cells if c["status"] != "not-run"]
        out.append(f"{report.notebook}: ran {len(ran)} of {len(report.cells)} code cells in {report.duration_s:.1f} s")
        for check in report.checks:
            where = f"cell {check.cell}" if check.cell else "injected parameters"
            where += f":{check.line}" if check.line else ""
            out.append(f"  {where}: {check.severity} {check.type}: {check.message}")
            if check.status == FAILED and report.level == "learning":
                out.append(f"    why: {check.explanation}")
        out.append(f"  {report.status} at level {report.level}")
    return "\n".join(out) + "\n"


def _junit(reports: list[Report]) -> str:
    """One testsuite per notebook and one testcase per code cell; failed checks become failures."""
    suites = []
    for report in reports:
        cases = []
        failures = 0
        for cell in report.cells:
            name = f"cell {cell['cell']}" if cell["cell"] else "injected parameters"
            checks = [c for c in report.checks if c.cell == cell["cell"]]
            failed = [c for c in checks if c.status == FAILED]
            body = ""
            if cell["status"] == "not-run":
                body = '<skipped message="not run: an earlier cell failed"/>'
            elif failed:
                failures += 1
                text = "\n".join(f"{c.type}: {c.message}" for c in failed)
                body = (
                    f"<failure message={quoteattr(failed[0].type + ': ' + failed[0].message)}>{escape(text)}</failure>"
                )
            others = [c for c in checks if c.status != FAILED]
            if others:
                body += f"<system-out>{escape(chr(10).join(f'{c.type}: {c.message}' for c in others))}</system-out>"
            cases.append(f'<testcase classname={quoteattr(report.notebook)} name={quoteattr(name)} '
                         f'time="{cell["duration_s"]:.3f}">{body}</testcase>')  # fmt: skip
        errors = 1 if report.status == "error" else 0
        if errors:
            cases.append(f'<testcase classname={quoteattr(report.notebook)} name="notebook">'
                         f'<error message={quoteattr(report.message or "error")}/></testcase>')  # fmt: skip
        suites.append(
            f'<testsuite name={quoteattr(report.notebook)} tests="{len(cases)}" failures="{failures}" '
            f'errors="{errors}" skipped="{sum(c["status"] == "not-run" for c in report.cells)}" '
            f'time="{report.duration_s:.3f}">{"".join(cases)}</testsuite>'
        )
    return '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>' + "".join(suites) + "</testsuites>\n"


def _sarif(reports: list[Report]) -> str:
    from nblint.harness.checks import CHECKS

    from nblint import __version__
    from nblint.reporters.common import file_line
    from nblint.reporters.sarif_report import SCHEMA

    rules = [{"id": name, "name": name, "shortDescription": {"text": why.split(".")[0]},
              "fullDescription": {"text": why}} for name, why in CHECKS.items()]  # fmt: skip
    results = []
    for report in reports:
        for check in report.checks:
            if check.status != FAILED:
                continue
            line = file_line(report.notebook, check.cell, check.line)
            results.append({
                "ruleId": check.type,
                "level": "error",
                "message": {"text": check.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.notebook},
                                                    "region": {"startLine": line}}}],
                "properties": {"cell": check.cell, "cellId": check.cell_id, "cellLine": check.line},
            })  # fmt: skip
    run = {"tool": {"driver": {"name": "nblint-validate", "version": __version__, "rules": rules}}, "results": results}
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _github(reports: list[Report]) -> str:
    from nblint.reporters.common import file_line
    from nblint.reporters.github_report import _escape_data, _escape_property

    lines = []
    for report in reports:
        if report.status == "error":
            lines.append(f"::error file={_escape_property(report.notebook)}::{_escape_data(report.message or '')}")
        for check in report.checks:
            if check.status == FAILED:
                line = file_line(report.notebook, check.cell, check.line)
                title = _escape_property(f"nblint validate: {check.type}")
                text = _escape_data(f"cell {check.cell}: {check.message}")
                lines.append(f"::error file={_escape_property(report.notebook)},line={line},title={title}::{text}")
    return "\n".join(lines) + ("\n" if lines else "")
