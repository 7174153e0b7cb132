"""LSP `Diagnostic` objects, 0-based, grouped per cell, ready for an editor to publish."""

from __future__ import annotations

import json
from pathlib import Path

from nblint.diagnostics import Severity
from nblint.reporters.base import ReportOptions
from nblint.results import Run

_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


def _range(span) -> dict:
    if span is None:
        return {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    return {
        "start": {"line": span.line - 1, "character": span.column - 1},
        "end": {"line": span.end_line - 1, "character": span.end_column - 1},
    }


def lsp_diagnostic(d) -> dict:
    data = {"cell": d.cell, "cell_id": d.cell_id, "name": d.name}
    if d.fix:
        data["fix"] = {
            "title": d.fix.message,
            "safe": d.fix.safe,
            "edits": [{"cell": e.cell, "range": _range(e.span), "newText": e.text} for e in d.fix.edits],
        }
    out = {
        "range": _range(d.span),
        "severity": _SEVERITY[d.severity],
        "code": d.code,
        "codeDescription": {"href": d.help_url},
        "source": "nblint",
        "message": f"{d.message} [{d.name}]",
        "data": data,
    }
    if d.related:
        uri = Path(d.path).resolve().as_uri()
        out["relatedInformation"] = [
            {
                "location": {"uri": uri + (f"#cell={r.cell}" if r.cell else ""), "range": _range(r.span)},
                "message": r.message,
            }
            for r in d.related
        ]
    return out


def render(run: Run, options: ReportOptions) -> str:
    files = []
    for r in run.lint:
        cells: dict[tuple, list] = {}
        for d in r.diagnostics:
            cells.setdefault((d.path, d.cell, d.cell_id), []).append(lsp_diagnostic(d))
        files.append(
            {
                "path": r.path,
                "uri": Path(r.path).resolve().as_uri(),
                "status": r.status,
                "message": r.message,
                "cells": [
                    {"path": path, "cell": cell, "cell_id": cell_id, "diagnostics": diags}
                    for (path, cell, cell_id), diags in cells.items()
                ],
            }
        )
    return json.dumps({"version": 1, "files": files}, indent=2, ensure_ascii=False) + "\n"
