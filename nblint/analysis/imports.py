"""What a notebook imports: every import site, and the local names imports bind (`np` -> `numpy`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nblint.analysis.cells import CodeCell
from nblint.analysis.tree import walk

if TYPE_CHECKING:
    from nblint.analysis.notebook import Analysis

_OPTIONAL_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "*"})


@dataclass(frozen=True)
class ImportSite:
    """One absolute import of `module` (`import m`, `from m import x`, `importlib.import_module('m')`)."""

    cell: CodeCell
    node: ast.AST
    module: str
    optional: bool  # inside a `try` whose handler catches ImportError: the notebook copes without it


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
        for node in cell.of_type(ast.Import, ast.ImportFrom):
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


def find_imports(nb: Analysis) -> Iterator[ImportSite]:
    """Every absolute import in the notebook's Python cells, in notebook order."""
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Import, ast.ImportFrom, ast.Call):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            elif isinstance(node, ast.Call) and nb.qualified(node.func) in {"importlib.import_module", "__import__"}:
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not arg.value.startswith("."):
                    modules = [arg.value]
            if modules:
                optional = _optional(cell, node)
                for module in modules:
                    yield ImportSite(cell, node, module, optional)


def _optional(cell: CodeCell, node: ast.AST) -> bool:
    child = node
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = (
                    {getattr(t, "id", getattr(t, "attr", "")) for t in walk(handler.type)} if handler.type else {"*"}
                )
                if names & _OPTIONAL_GUARDS:
                    return True
        child = parent
    return False


def extends_sys_path(nb: Analysis) -> bool:
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Call):
            if nb.qualified(node.func) in {"sys.path.insert", "sys.path.append", "sys.path.extend", "site.addsitedir"}:
                return True
    return False
