"""nblint findings as LSP diagnostics, each placed on the client document that shows its cell."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from nblint.server import engine_api as core
from nblint.server.documents import Model, Place, code_units, path_uri

SEVERITY = {
    core.Severity.ERROR: types.DiagnosticSeverity.Error,
    core.Severity.WARNING: types.DiagnosticSeverity.Warning,
    core.Severity.INFO: types.DiagnosticSeverity.Information,
}


@dataclass(frozen=True)
class Published:
    """One finding as sent, kept so code actions and hover can find the finding behind a range."""

    uri: str
    lsp: types.Diagnostic
    finding: core.Diagnostic


class Locator:
    """Turns (cell, span) of a model, or (file, line) of a requirement file, into LSP locations."""

    def __init__(self, model: Model, encoding: str) -> None:
        self.model = model
        self.encoding = encoding
        self._files: dict[str, list[str]] = {}

    def cell_place(self, cell: int | None) -> Place:
        if cell in self.model.places:
            return self.model.places[cell]
        first_code = next((c.number for c in self.model.notebook.cells if c.is_code), 1)
        return self.model.places.get(first_code, Place(self.model.uri))

    def cell_range(self, cell: int | None, span: core.Span | None) -> types.Range:
        place = self.cell_place(cell)
        if self.model.kind == "json":  # the whole line of the JSON text that holds the cell's line
            line = core.json_line(self.model.notebook.text, cell, span.line if span else None) - 1
            text = self._json_lines()[line] if line < len(self._json_lines()) else ""
            return types.Range(types.Position(line, 0), types.Position(line, code_units(text, self.encoding)))
        if span is None or cell is None:
            return types.Range(types.Position(place.line, 0), types.Position(place.line, 0))
        lines = self.model.notebook.cells[cell - 1].source.split("\n")
        return types.Range(
            self._position(lines, span.line, span.column, place.line),
            self._position(lines, span.end_line, span.end_column, place.line),
        )

    def file_range(self, path: str, span: core.Span | None) -> types.Range:
        if span is None:
            return types.Range(types.Position(0, 0), types.Position(0, 0))
        lines = self._file_lines(path)
        return types.Range(
            self._position(lines, span.line, span.column, 0), self._position(lines, span.end_line, span.end_column, 0)
        )

    def _position(self, lines: list[str], line: int, column: int, offset: int) -> types.Position:
        text = lines[line - 1] if 1 <= line <= len(lines) else ""
        return types.Position(offset + max(line - 1, 0), code_units(text[: max(column - 1, 0)], self.encoding))

    def _json_lines(self) -> list[str]:
        if "" not in self._files:
            self._files[""] = self.model.notebook.text.split("\n")
        return self._files[""]

    def _file_lines(self, path: str) -> list[str]:
        if path not in self._files:
            try:
                with open(path, encoding="utf-8-sig", errors="replace") as fh:
                    self._files[path] = fh.read().split("\n")
            except OSError:
                self._files[path] = []
        return self._files[path]

    def location(self, finding: core.Diagnostic) -> tuple[str, types.Range]:
        if finding.path != self.model.notebook.path:
            return path_uri(finding.path), self.file_range(finding.path, finding.span)
        return self.cell_place(finding.cell).uri, self.cell_range(finding.cell, finding.span)

    def related(self, rel: core.Related) -> types.DiagnosticRelatedInformation:
        if rel.path and rel.path != self.model.notebook.path:
            uri, where = path_uri(rel.path), self.file_range(rel.path, rel.span)
        else:
            uri, where = self.cell_place(rel.cell).uri, self.cell_range(rel.cell, rel.span)
        return types.DiagnosticRelatedInformation(types.Location(uri, where), rel.message)


def to_lsp(findings: list[core.Diagnostic], locator: Locator) -> list[Published]:
    out = []
    for d in findings:
        uri, where = locator.location(d)
        lsp = types.Diagnostic(
            range=where,
            message=d.message,
            severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Hint),
            code=d.code,
            code_description=types.CodeDescription(href=d.help_url),
            source="nblint",
            related_information=[locator.related(r) for r in d.related] or None,
            data={"name": d.name, "cell": d.cell, "fixable": bool(d.fix), "safe": bool(d.fix and d.fix.safe)},
        )
        out.append(Published(uri, lsp, d))
    return out
