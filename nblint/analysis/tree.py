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
_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: ast.AST) -> list[ast.AST]:
    """The direct child nodes, in field order (as `ast.iter_child_nodes`)."""
    try:
        return node._nblint_children  # type: ignore[attr-defined]
    except AttributeError:
        pass
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in _SKIPPED)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            found += [item for item in value if isinstance(item, ast.AST)]
        elif isinstance(value, ast.AST):
            found.append(value)
    node._nblint_children = found  # type: ignore[attr-defined]
    return found


def walk(node: ast.AST) -> list[ast.AST]:
    """`node` and every node below it, breadth first (as `ast.walk`)."""
    found = [node]
    i = 0
    while i < len(found):
        found += children(found[i])
        i += 1
    return found
