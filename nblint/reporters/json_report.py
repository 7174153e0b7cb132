"""The versioned JSON document (ARCHITECTURE.md); `version` changes only on incompatible edits."""

from __future__ import annotations

import json

from nblint.reporters.common import summary

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


def render(results, options) -> str:
    document = {
        "version": VERSION,
        "level": options.level,
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
        "summary": summary(results, options.level),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
