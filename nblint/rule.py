"""The rule API: a rule is data (name, teaching text, examples) plus a small check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.notebook import Notebook

DOCS_URL = "https://github.com/nblint/nblint/blob/main/docs/rules/{name}.md"


@dataclass(frozen=True)
class ExampleCell:
    """One cell of a rule's good or bad example notebook."""

    source: str
    cell_type: str = "code"
    outputs: tuple[dict[str, Any], ...] = ()
    execution_count: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    missing: tuple[str, ...] = ()  # keys the cell is saved without, as a tool that breaks the schema writes it

    def raw(self, number: int) -> dict[str, Any]:
        """The cell as Jupyter saves it (less the `missing` keys)."""
        raw: dict[str, Any] = {"cell_type": self.cell_type, "id": f"cell-{number}", "metadata": self.metadata}
        raw["source"] = self.source
        if self.cell_type == "code":
            raw["outputs"], raw["execution_count"] = list(self.outputs), self.execution_count
        return {key: value for key, value in raw.items() if key not in self.missing}


def code_cell(source: str, **kwargs: Any) -> ExampleCell:
    return ExampleCell(source.strip("\n"), "code", **kwargs)


def md(source: str) -> ExampleCell:
    return ExampleCell(source.strip("\n"), "markdown")


@dataclass(frozen=True)
class Example:
    """A small notebook. A bad example lists where the rule must fire: (cell, line) pairs.

    `fixed`, when given, is every cell's source after `nblint lint --fix`.
    """

    cells: tuple[ExampleCell, ...]
    expect: tuple[tuple[int | str, int], ...] = ()  # (cell, line), or (file name, line) for files
    fixed: tuple[str, ...] | None = None
    files: tuple[tuple[str, str], ...] = ()  # (name, text) of files next to the notebook
    name: str = "example.ipynb"  # the notebook's file name

    def write_files(self, folder) -> None:
        from pathlib import Path

        for name, text in self.files:
            target = Path(folder) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def notebook(self, path: str | None = None) -> Notebook:
        """The example as a notebook read from its JSON, so that schema checks see it as a file."""
        import json

        from nblint.notebook import parse

        raw = {
            "cells": [c.raw(i) for i, c in enumerate(self.cells, start=1)],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        return parse(json.dumps(raw).encode(), path or self.name)


def example(
    *cells: str | ExampleCell,
    at: tuple[tuple[int | str, int], ...] = (),
    fixed: tuple[str, ...] | None = None,
    files: dict[str, str] | None = None,
    name: str = "example.ipynb",
) -> Example:
    cells_ = tuple(code_cell(c) if isinstance(c, str) else c for c in cells)
    return Example(cells_, at, fixed, tuple((files or {}).items()), name)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    why: ClassVar[str]
    how_to_fix: ClassVar[str]
    bad: ClassVar[tuple[Example, ...]]
    good: ClassVar[tuple[Example, ...]]
    fix_safety: ClassVar[str] = ""  # empty: the rule has no fix
    # A finding in a file several notebooks share (requirements.txt) that depends on the notebook
    # (e.g. "never imported") stands only if every notebook sharing the file reports it.
    per_notebook: ClassVar[bool] = False
    # The rule judges saved outputs or execution counts, which an editor's unsaved buffer (a language
    # server's virtual document) does not have: such clients skip it.
    needs_saved_state: ClassVar[bool] = False
    # A security rule's CVSS-like score (0.0-10.0): GitHub code scanning ranks its alerts by it.
    security_severity: ClassVar[float | None] = None

    def check(self, nb: Analysis) -> Iterator[Finding]:
        raise NotImplementedError

    @property
    def help_url(self) -> str:
        return DOCS_URL.format(name=self.name)


class CellRule(Rule):
    """A rule that looks at one parsed code cell at a time."""

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.python_cells:
            yield from self.check_cell(cell, nb)

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        raise NotImplementedError
