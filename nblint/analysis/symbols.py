"""One symbol table across cells, in notebook order.

For each cell: names it binds at module level, names it reads while running,
names free in the functions it defines, and the functions it calls. This is
what order-dependent rules (hidden state, None flowing out of a helper) need.
"""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from nblint.analysis.cells import CodeCell
from nblint.analysis.tree import children, walk, walk_within

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
    """A function a cell defines, with the free names it reads."""

    name: str
    cell: int
    node: ast.FunctionDef | ast.AsyncFunctionDef
    free: dict[str, ast.Name] = field(default_factory=dict)  # first read of each free name


@dataclass
class CellSymbols:
    """What one cell binds, reads and calls when it runs."""

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
        """Did a cell at or before this one bind names we cannot see (a star import, %run)?"""
        return self._first_opaque <= cell_number

    @cached_property
    def _first_opaque(self) -> float:
        return min((s.cell.number for s in self.cells if s.opaque), default=math.inf)


def _cell_symbols(cell: CodeCell) -> CellSymbols:
    symbols = CellSymbols(cell)
    symbols.opaque = any(m.kind == "line" and m.name in {"run", "load", "store"} for m in cell.transformed.magics)
    _walk_module(symbols, cell.tree)
    return symbols


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in walk(target) if isinstance(n, ast.Name)}


def _walk_module(s: CellSymbols, tree: ast.AST) -> None:
    """Walk code that runs when the cell runs (module level and class bodies), in source order.

    An explicit stack, not a recursive visitor: `1 + 1 + ... + 1` nests one AST level per term, and
    valid Python must never hit the recursion limit. A callable on the stack closes a comprehension.
    """
    stack: list[ast.AST | Callable[[], None]] = [tree]
    while stack:
        node = stack.pop()
        if callable(node):
            node()
            continue
        only: list[ast.AST] | None = None  # None: every child
        kind = type(node)
        if kind not in _BINDING_OR_SCOPING:
            stack.extend(reversed(children(node)))
            continue
        if kind is ast.Name:
            if isinstance(node.ctx, ast.Load):
                s.reads.append(node)
            else:
                s.binds.add(node.id)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    s.opaque = True
                elif isinstance(node, ast.Import):
                    s.binds.add(alias.asname or alias.name.split(".")[0])
                else:
                    s.binds.add(alias.asname or alias.name)
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            s.binds.add(node.name)
            only = [*node.decorator_list, *_defaults(node.args)]
            info = FunctionInfo(node.name, s.cell.number, node)
            info.free = _free_names(node)
            # Names a function declares global and assigns are bound once it runs; count them here.
            for inner in walk(node):
                if isinstance(inner, ast.Global):
                    s.binds.update(inner.names)
            s.functions.append(info)
        elif isinstance(node, ast.Lambda):
            only = _defaults(node.args)
        elif isinstance(node, ast.ClassDef | ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
            if node.name:
                s.binds.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            s.binds.add(node.rest)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            s.calls.append(node)
        elif isinstance(node, _COMPREHENSIONS):
            stack.append(_comprehension(s, node))
        stack.extend(reversed(only if only is not None else children(node)))


# The node types `_walk_module` does more with than walk their children.
_BINDING_OR_SCOPING = frozenset(
    {ast.Name, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
     ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping, ast.Call, *_COMPREHENSIONS}
)  # fmt: skip


def _comprehension(s: CellSymbols, node: ast.AST) -> Callable[[], None]:
    """Record what a comprehension binds; returns what to do once its children are walked."""
    local = set()
    for gen in node.generators:
        local |= _target_names(gen.target)
    for child in walk(node):
        if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
            s.binds.add(child.target.id)
    before, new_names = len(s.reads), local - s.binds

    def close() -> None:
        s.reads[before:] = [n for n in s.reads[before:] if n.id not in local]
        s.binds.difference_update(new_names)  # comprehension targets do not leak

    return close


def _defaults(args: ast.arguments) -> list[ast.expr]:
    annotations = [a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.annotation]
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None), *annotations]


def _free_names(fn: ast.AST) -> dict[str, ast.Name]:
    """Names a function reads that are neither its own locals nor an enclosing function's."""
    free: dict[str, ast.Name] = {}
    scopes: list[tuple[ast.AST, frozenset[str]]] = [(fn, frozenset())]  # a stack: lambdas nest without limit
    while scopes:
        scope, enclosing = scopes.pop()
        local = enclosing | _local_names(scope)
        for child in walk_scope(scope):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id not in local:
                free.setdefault(child.id, child)
            elif isinstance(child, SCOPES):
                scopes.append((child, local))
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


def walk_scope(node: ast.AST) -> list[ast.AST]:
    """Every node below `node` that runs in its scope: nested functions are listed, not entered."""
    return walk_within(node, _SCOPE_TYPES)


_SCOPE_TYPES = frozenset(SCOPES)
