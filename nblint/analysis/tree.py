"""Walks over a cell's syntax tree that pay for each node's fields once.

`ast.walk` and `ast.iter_child_nodes` scan every field of every node on every walk, and the rules walk
each cell many times (a corpus run called `iter_child_nodes` 2 M times). Here a node's children are found
once and kept on the node, as pyflakes keeps `_pyflakes_parent`; every later walk reads that list.

Expression contexts and operators (`Load`, `Add`, `Eq`) are left out: they are shared singletons that
rules read as attributes (`node.ctx`, `node.op`), never look for in a walk, and a third of all nodes.
"""

from __future__ import annotations

import ast

_SKIPPED = frozenset({"ctx", "op", "ops"})
# Fields of the most common nodes that the grammar (Parser/Python.asdl) types as identifiers, strings or
# constants, never nodes: not looking at them makes a Name or a Constant a node with nothing to scan.
_SCALARS = {
    ast.Name: {"id"}, ast.Constant: {"value", "kind"}, ast.Attribute: {"attr"}, ast.arg: {"arg", "type_comment"},
    ast.keyword: {"arg"}, ast.alias: {"name", "asname"}, ast.ImportFrom: {"module", "level"},
}  # fmt: skip
_FIELDS: dict[type, tuple[str, ...]] = {}
_KEPT = "_nblint_children"  # the attribute a node keeps its children in


def children(node: ast.AST) -> list[ast.AST]:
    """The direct child nodes, in field order (as `ast.iter_child_nodes`)."""
    found = node.__dict__.get(_KEPT)
    return _scan(node) if found is None else found


def walk(node: ast.AST) -> list[ast.AST]:
    """`node` and every node below it, breadth first (as `ast.walk`)."""
    found = [node]
    i = 0
    while i < len(found):
        below = found[i].__dict__.get(_KEPT)
        found += _scan(found[i]) if below is None else below
        i += 1
    return found


def walk_within(node: ast.AST, boundaries: frozenset[type]) -> list[ast.AST]:
    """Every node below `node`, depth first, without entering nodes of the `boundaries` types (which are
    listed themselves): the code of one scope, when the boundaries are the nodes that open a new one."""
    found = []
    stack = list(children(node))
    while stack:
        child = stack.pop()
        found.append(child)
        if type(child) not in boundaries:
            below = child.__dict__.get(_KEPT)
            stack += _scan(child) if below is None else below
    return found


def _scan(node: ast.AST) -> list[ast.AST]:
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        scalars = _SCALARS.get(kind, ())
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in _SKIPPED and f not in scalars)
    values = node.__dict__
    found: list[ast.AST] = []
    for name in fields:
        value = values.get(name)
        if type(value) is list:
            found += [item for item in value if isinstance(item, ast.AST)]
        elif isinstance(value, ast.AST):
            found.append(value)
    values[_KEPT] = found
    return found
