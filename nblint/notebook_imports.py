"""The modules a notebook imports, found in its code (for the requirement rules)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis import Analysis, CodeCell


def extends_sys_path(nb: Analysis) -> bool:
    """Does the notebook add folders to sys.path at run time (so any module may be a local helper)?"""
    for cell in nb.python_cells:
        for node in cell.nodes:
            if isinstance(node, ast.Call):
                name = nb.qualified(node.func) or ""
                if name in {"sys.path.insert", "sys.path.append", "sys.path.extend", "site.addsitedir"}:
                    return True
    return False


def imported_modules(nb: Analysis, optional: bool = False) -> list[tuple[CodeCell, ast.AST, str]]:
    """(cell, node, module) for every absolute import; optional ones (inside `except ImportError`) on request."""
    found = nb.memo("imports", lambda nb: list(_find_imports(nb)))
    return [(cell, node, module) for cell, node, module, is_optional in found if optional or not is_optional]


def _find_imports(nb: Analysis) -> Iterator[tuple[CodeCell, ast.AST, str, bool]]:
    for cell in nb.python_cells:
        for node in cell.nodes:
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
                is_optional = _optional(cell, node)
                for module in modules:
                    yield cell, node, module, is_optional


def _optional(cell: CodeCell, node: ast.AST) -> bool:
    """Is the import guarded by a handler that catches ImportError?"""
    child = node
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = (
                    {getattr(t, "id", getattr(t, "attr", "")) for t in ast.walk(handler.type)}
                    if handler.type
                    else {"*"}
                )
                if names & {"ImportError", "ModuleNotFoundError", "Exception", "*"}:
                    return True
        child = parent
    return False
