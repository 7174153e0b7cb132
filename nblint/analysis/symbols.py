"""One symbol table across cells, in notebook order.

For each cell: names it binds at module level, names it reads while running,
names free in the functions it defines, and the functions it calls. This is
what order-dependent rules (hidden state, None flowing out of a helper) need.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field

from nblint.analysis.cells import CodeCell

# Names IPython puts in the user namespace.
IPYTHON_NAMES = frozenset(
    {
        "get_ipython",
        "display",
        "In",
        "Out",
        "exit",
        "quit",
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_iii",
        "_ih",
        "_oh",
        "_dh",
        "__file__",
        "__name__",
        "__builtins__",
        "__doc__",
    }
)
KNOWN = frozenset(dir(builtins)) | IPYTHON_NAMES

# Nodes that open a new function scope: code in them runs when called, not when the cell runs.
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class FunctionInfo:
    name: str
    cell: int
    node: ast.FunctionDef | ast.AsyncFunctionDef
    free: dict[str, ast.Name] = field(default_factory=dict)  # first read of each free name


@dataclass
class CellSymbols:
    cell: CodeCell
    binds: set[str] = field(default_factory=set)
    reads: list[ast.Name] = field(default_factory=list)  # module-level reads, in source order
    calls: list[ast.Call] = field(default_factory=list)  # module-level calls of a plain name
    functions: list[FunctionInfo] = field(default_factory=list)
    opaque: bool = False  # star import or %run: may bind names we cannot see


class NotebookSymbols:
    def __init__(self, cells: list[CodeCell]) -> None:
        self.cells = [_cell_symbols(c) for c in cells]
        self.first_binding: dict[str, int] = {}
        for symbols in self.cells:
            for name in symbols.binds:
                self.first_binding.setdefault(name, symbols.cell.number)
        self.functions: dict[str, FunctionInfo] = {}
        for symbols in self.cells:
            for fn in symbols.functions:
                self.functions[fn.name] = fn

    def opaque_before(self, cell_number: int) -> bool:
        return any(s.opaque and s.cell.number <= cell_number for s in self.cells)


def _cell_symbols(cell: CodeCell) -> CellSymbols:
    symbols = CellSymbols(cell)
    symbols.opaque = any(m.kind == "line" and m.name in {"run", "load", "store"} for m in cell.transformed.magics)
    _ModuleVisitor(symbols).visit(cell.tree)
    return symbols


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


class _ModuleVisitor(ast.NodeVisitor):
    """Walks code that runs when the cell runs (module level and class bodies)."""

    def __init__(self, symbols: CellSymbols) -> None:
        self.s = symbols

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.s.reads.append(node)
        else:
            self.s.binds.add(node.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.s.binds.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.s.opaque = True
            else:
                self.s.binds.add(alias.asname or alias.name)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.s.binds.add(node.name)
        for expr in [*node.decorator_list, *_defaults(node.args)]:
            self.visit(expr)
        info = FunctionInfo(node.name, self.s.cell.number, node)
        info.free = _free_names(node)
        # Names a function declares global and assigns are bound once it runs; count them here.
        for inner in ast.walk(node):
            if isinstance(inner, ast.Global):
                self.s.binds.update(inner.names)
        self.s.functions.append(info)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in _defaults(node.args):
            self.visit(expr)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.s.binds.add(node.name)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.s.binds.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.s.binds.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.s.binds.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.s.binds.add(node.rest)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name):
            self.s.calls.append(node)
        self.generic_visit(node)

    def _comprehension(self, node: ast.AST) -> None:
        local = set()
        for gen in node.generators:
            local |= _target_names(gen.target)
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr):
                self.s.binds.add(child.target.id)
        before, bound_before = len(self.s.reads), set(self.s.binds)
        self.generic_visit(node)
        self.s.reads[before:] = [n for n in self.s.reads[before:] if n.id not in local]
        self.s.binds -= local - bound_before  # comprehension targets do not leak

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def _defaults(args: ast.arguments) -> list[ast.expr]:
    annotations = [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.annotation]
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None), *annotations]


def _free_names(fn: ast.AST, enclosing: frozenset[str] = frozenset()) -> dict[str, ast.Name]:
    """Names a function reads that are neither its own locals nor an enclosing function's."""
    local = set(enclosing) | _local_names(fn)
    free: dict[str, ast.Name] = {}
    for child in walk_scope(fn):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id not in local:
            free.setdefault(child.id, child)
        elif isinstance(child, SCOPES) and child is not fn:
            for name, node in _free_names(child, frozenset(local)).items():
                free.setdefault(name, node)
    return free


def _local_names(fn: ast.AST) -> set[str]:
    args = fn.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a}
    declared_global: set[str] = set()
    for child in walk_scope(fn):
        if isinstance(child, ast.Global):
            declared_global.update(child.names)
        elif isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            names.add(child.id)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in child.names}
        elif (isinstance(child, (*SCOPES[:2], ast.ClassDef)) and child is not fn) or (
            isinstance(child, ast.ExceptHandler) and child.name
        ):
            names.add(child.name)
        elif isinstance(child, _COMPREHENSIONS):
            for gen in child.generators:
                names |= _target_names(gen.target)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
    return names - declared_global


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` that runs in its scope: nested functions are yielded, not entered."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, SCOPES):
            stack.extend(ast.iter_child_nodes(child))
