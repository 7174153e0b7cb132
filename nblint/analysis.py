"""A notebook ready for rules: every code cell transformed, parsed once, with helpers
that turn AST positions into cell spans."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from nblint.diagnostics import Span
from nblint.magics import Transformed, transform
from nblint.notebook import Cell, Notebook

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
        self.lines = cell.source.split("\n")

    @property
    def number(self) -> int:
        return self.cell.number

    @property
    def is_python(self) -> bool:
        return self.transformed.is_python

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the cell, walked once and shared by all rules."""
        return list(ast.walk(self.tree)) if self.tree is not None else []

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        parents: dict[ast.AST, ast.AST] = {}
        for node in self.nodes:
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        return parents

    def ancestors(self, node: ast.AST):
        parent = self.parents.get(node)
        while parent is not None:
            yield parent
            parent = self.parents.get(parent)

    def column(self, line: int, byte_offset: int) -> int:
        """AST columns count UTF-8 bytes; diagnostics count characters (1-based)."""
        if not 1 <= line <= len(self.lines):
            return byte_offset + 1
        text = self.lines[line - 1]
        if text.isascii():
            return min(byte_offset, len(text)) + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

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
        return ast.get_source_segment(self.transformed.python, node) or ""


@dataclass
class Analysis:
    notebook: Notebook
    settings: object | None = None  # nblint.config.Settings; None means the defaults
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def level(self) -> str:
        return getattr(self.settings, "level", "development")

    @property
    def switches(self) -> dict[str, bool | None]:
        return getattr(self.settings, "switches", {})

    @property
    def environment(self):
        """The notebook's declared environment (requirement sources, merged set, Dockerfile)."""
        from nblint.environment.sources import discover

        return self.memo("environment", lambda nb: discover(nb.notebook.path, nb.settings))

    def memo(self, key: str, compute):
        """Compute something once per notebook, for rules that share an analysis (data flow)."""
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]

    @cached_property
    def code_cells(self) -> list[CodeCell]:
        return [CodeCell(c) for c in self.notebook.cells if c.is_code]

    @property
    def python_cells(self) -> list[CodeCell]:
        """Code cells that parsed as Python."""
        return [c for c in self.code_cells if c.tree is not None]

    @cached_property
    def symbols(self):
        from nblint.symbols import NotebookSymbols

        return NotebookSymbols(self.python_cells)

    @cached_property
    def aliases(self) -> dict[str, str]:
        return import_aliases(self.python_cells)

    def qualified(self, node: ast.AST) -> str | None:
        """The imported name an expression refers to: `np.seterr` -> `numpy.seterr`."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def import_aliases(cells: list[CodeCell]) -> dict[str, str]:
    """Local name -> what it was imported as, across the notebook (`np` -> `numpy`)."""
    aliases: dict[str, str] = {}
    for cell in cells:
        for node in cell.nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        aliases.setdefault(root, root)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases
