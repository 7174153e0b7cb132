"""GitHub Actions workflow commands: one annotation per finding, on the .ipynb line."""

from __future__ import annotations

from nblint.diagnostics import Severity
from nblint.reporters.common import file_line

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(results, options) -> str:
    lines = []
    for r in results:
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
    return "\n".join(lines) + ("\n" if lines else "")
