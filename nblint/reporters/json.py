"""The versioned JSON documents (ARCHITECTURE.md); `version` changes only on incompatible edits."""

from __future__ import annotations

import json
from typing import Any

from nblint.reporters.base import LINT, ReportOptions
from nblint.reporters.common import summary
from nblint.results import FileResult, Run, ValidationReport

VERSION = 1


def span_dict(span) -> dict:
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def diagnostic_dict(d) -> dict:
    span = span_dict(d.span) if d.span else dict.fromkeys(("line", "column", "end_line", "end_column"))
    fix = None
    if d.fix:
        fix = {
            "message": d.fix.message,
            "safe": d.fix.safe,
            "edits": [{"cell": e.cell, **span_dict(e.span), "text": e.text} for e in d.fix.edits],
        }
    return {
        "code": d.code,
        "name": d.name,
        "severity": str(d.severity),
        "message": d.message,
        "path": d.path,
        "cell": d.cell,
        "cell_id": d.cell_id,
        **span,
        "help_url": d.help_url,
        "fix": fix,
        "related": [
            {"message": r.message, "path": r.path or d.path, "cell": r.cell, **(span_dict(r.span) if r.span else {})}
            for r in d.related
        ],
    }


def render(run: Run, options: ReportOptions) -> str:
    if run.command == LINT:
        document = lint_document(run.lint, options.level)
    elif len(run.validations) == 1:
        document = validation_document(run.validations[0], run.lint_for(run.validations[0].notebook))
    else:
        notebooks = [validation_document(r, run.lint_for(r.notebook)) for r in run.validations]
        document = {"version": VERSION, "notebooks": notebooks}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def lint_document(results: tuple[FileResult, ...], level: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "level": level,
        "files": [
            {
                "path": r.path,
                "status": r.status,
                "message": r.message,
                "fixed": r.fixed,
                "diagnostics": [diagnostic_dict(d) for d in r.diagnostics],
            }
            for r in results
        ],
        "summary": summary(results, level),
    }


def validation_document(report: ValidationReport, lint: FileResult | None = None) -> dict[str, Any]:
    """One notebook's validation; `lint` holds the static findings of `validate --lint`."""
    doc = {
        "version": VERSION,
        "notebook": report.notebook,
        "level": report.level,
        "status": report.status,
        "duration_s": report.duration_s,
        "message": report.message,
        "checks": [
            {"type": c.type, "status": c.status, "severity": str(c.severity), "cell": c.cell, "cell_id": c.cell_id,
             "line": c.line, "message": c.message, "explanation": c.explanation}
            for c in report.checks
        ],
        "cells": list(report.cells),
    }  # fmt: skip
    if report.golden is not None:
        doc["golden"] = list(report.golden)
    if lint is not None:
        doc["lint"] = {
            "status": lint.status,
            "message": lint.message,
            "diagnostics": [diagnostic_dict(d) for d in lint.diagnostics],
        }
    return doc


def termination_summary(report: ValidationReport) -> dict[str, Any]:
    """A few hundred bytes for a container's termination message; the full report goes to the log."""
    failed = report.failed
    return {
        "status": report.status,
        "failed": len(failed),
        "checks": sorted({c.type for c in failed}),
        "first": f"cell {failed[0].cell}: {failed[0].type}: {failed[0].message}"[:200] if failed else None,
        "message": (report.message or "")[:200] or None,
    }
