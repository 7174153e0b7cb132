"""A code cell ready for rules: transformed, parsed once (cached by content), with helpers
that turn AST positions into cell spans."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cached_property, lru_cache

from nblint.analysis.magics import Transformed, transform
from nblint.analysis.tree import children, walk
from nblint.diagnostics import Span
from nblint.notebook import Cell
from nblint.text_lines import LineIndex, split_lines

_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


@lru_cache(maxsize=4096)
def _parse(source: str) -> tuple[Transformed, ast.Module | None, SyntaxError | None]:
    """Parse one cell's source; cached by content, since many notebooks repeat cells."""
    transformed = transform(source)
    if not transformed.is_python:
        return transformed, None, None
    try:
        tree = compile(transformed.python, "<cell>", "exec", _FLAGS)
    except SyntaxError as exc:
        return transformed, None, exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return transformed, None, SyntaxError(str(exc), ("<cell>", 1, 1, "", 1, 1))
    return transformed, tree, None


class CodeCell:
    """One code cell as rules see it."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        self.transformed, self.tree, self.syntax_error = _parse(cell.source)
        self.lines = split_lines(cell.source)  # as Python splits them, so AST line numbers index it

    @property
    def number(self) -> int:
        return self.cell.number

    @property
    def is_python(self) -> bool:
        return self.transformed.is_python

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the cell, walked once and shared by all rules."""
        return walk(self.tree) if self.tree is not None else []

    def of_type(self, *kinds: type[ast.AST]) -> list[ast.AST]:
        """The cell's nodes of these exact types, in walk order: a rule that wants a few kinds of
        statement need not test every node."""
        groups = [group for group in map(self._by_type.get, kinds) if group]
        if len(groups) <= 1:
            return groups[0] if groups else []
        return sorted((node for group in groups for node in group), key=self._order.__getitem__)

    @cached_property
    def _order(self) -> dict[ast.AST, int]:
        return {node: i for i, node in enumerate(self.nodes)}

    @cached_property
    def _by_type(self) -> dict[type[ast.AST], list[ast.AST]]:
        found: dict[type[ast.AST], list[ast.AST]] = {}
        for node in self.nodes:
            found.setdefault(type(node), []).append(node)
        return found

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        parents: dict[ast.AST, ast.AST] = {}
        for node in self.nodes:
            for child in children(node):
                parents[child] = node
        return parents

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parent = self.parents.get(node)
        while parent is not None:
            yield parent
            parent = self.parents.get(parent)

    @cached_property
    def _source_index(self) -> LineIndex:
        return LineIndex(self.cell.source)

    @cached_property
    def _python_index(self) -> LineIndex:
        return LineIndex(self.transformed.python)

    def column(self, line: int, byte_offset: int) -> int:
        """AST columns count UTF-8 bytes; diagnostics count characters (1-based)."""
        if not 1 <= line <= len(self.lines):
            return byte_offset + 1
        return self._source_index.chars(line, byte_offset) + 1

    def span(self, node: ast.AST, end: ast.AST | None = None) -> Span:
        end = end or node
        line, end_line = node.lineno, end.end_lineno or node.lineno
        return Span(
            line,
            self.column(line, node.col_offset),
            end_line,
            self.column(end_line, end.end_col_offset if end.end_col_offset is not None else node.col_offset),
        )

    def line_span(self, line: int) -> Span:
        text = self.lines[line - 1] if 1 <= line <= len(self.lines) else ""
        indent = len(text) - len(text.lstrip())
        return Span(line, indent + 1, line, len(text.rstrip()) + 1)

    def segment(self, node: ast.AST) -> str:
        """The source text of `node`, from line offsets computed once per cell (`ast.get_source_segment`
        splits the whole cell again on every call)."""
        if getattr(node, "end_lineno", None) is None:
            return ""
        index = self._python_index
        start = index.offset(node.lineno, index.chars(node.lineno, node.col_offset))
        end = index.offset(node.end_lineno, index.chars(node.end_lineno, node.end_col_offset))
        return index.text[start:end]
