"""The import direction, read from the source with `ast`: no cycles, and core never imports a component.

Module-level imports are what runs at `import`; imports inside functions are lazy. Imports under
`if TYPE_CHECKING:` never run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folder -> the package it installs as (pyproject.toml `package-dir`).
FOLDERS = {
    "nblint": "nblint",
    "rules": "nblint.rules",
    "harness": "nblint.harness",
    "templates": "nblint.templates",
    "operator_bridge": "nblint.operator_bridge",
}
COMPONENTS = ("nblint.rules", "nblint.harness", "nblint.operator_bridge", "nblint.templates")
# Core modules that may import a component lazily, inside the function that needs it:
# the front ends (CLI, language server, pytest plugin) run a component's command, so they may import it
# inside a function; the registry loads the rule catalogue on first use.
LAZY_COMPONENT_IMPORTERS = ("nblint.cli", "nblint.server", "nblint.pytest_plugin", "nblint.registry")


def _module_name(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = [FOLDERS[folder], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The project modules an import statement loads (a package's `__init__` included)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, node.module] if node.module else package)
        else:
            base = node.module or ""
        # `from pkg import mod` loads pkg.mod when that is a module, else a name in pkg.
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    # A module's own parent packages are loaded before it runs, so importing them is no edge.
    parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 2)}
    loaded = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            prefix = ".".join(parts[:i])
            if prefix in MODULES:
                loaded.add(prefix)
    return sorted(loaded - parents)


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of one module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top: set[str] = set()
    lazy: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.orelse:
                    visit_stmt(stmt, in_function)
                continue
            visit_stmt(child, in_function)

    def visit_stmt(child: ast.AST, in_function: bool) -> None:
        if isinstance(child, ast.Import | ast.ImportFrom):
            (lazy if in_function else top).update(_targets(module, child))
        visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(tree, False)
    return top, lazy


GRAPH = {module: _imports(module) for module in MODULES}


def _is_component(module: str) -> bool:
    return any(module == c or module.startswith(c + ".") for c in COMPONENTS)


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_every_component_folder_is_read():
    for package in FOLDERS.values():
        assert package in MODULES
    assert "nblint.analysis.notebook" in MODULES and "nblint.rules.swallowed_exception" in MODULES


def test_no_import_cycles_at_module_level():
    cycle = _cycle({module: top for module, (top, _) in GRAPH.items()})
    assert cycle is None, " -> ".join(cycle)


def test_no_import_cycles_even_through_lazy_imports():
    """A lazy import hides a cycle from `import`, not from the reader: analysis <-> symbols was one."""
    cycle = _cycle({module: top | lazy for module, (top, lazy) in GRAPH.items()})
    assert cycle is None, " -> ".join(cycle)


def test_core_never_imports_a_component():
    wrong = []
    for module, (top, lazy) in GRAPH.items():
        if _is_component(module):
            continue
        for target in top | lazy:
            if not _is_component(target):
                continue
            if target in lazy and target not in top and module.startswith(LAZY_COMPONENT_IMPORTERS):
                continue
            wrong.append(f"{module} imports {target}" + (" inside a function" if target not in top else ""))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_cycle_finder(edges, expected):
    assert _cycle(edges) == expected


def test_import_reader_sees_relative_lazy_and_type_checking_imports(tmp_path, monkeypatch):
    source = (
        "from typing import TYPE_CHECKING\n"
        "from .registry import find\n"
        "if TYPE_CHECKING:\n    from nblint.engine import check_notebook\n"
        "def f():\n    from nblint.rules import RULES\n"
    )
    (tmp_path / "fake.py").write_text(source, encoding="utf-8")
    monkeypatch.setitem(MODULES, "nblint.fake", tmp_path / "fake.py")
    assert _imports("nblint.fake") == ({"nblint.registry"}, {"nblint.rules"})
