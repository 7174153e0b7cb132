"""The cached walks visit what `ast.walk` visits, in its order, less the shared operator and context nodes."""

from __future__ import annotations

import ast

import pytest

from nblint.analysis.tree import children, walk, walk_within

_SHARED = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)
_CODE = [
    "x = a + b * -c if not d else [e for e in f if e in g]",
    "def f(a, /, b=1, *c, d: int = 2, **e) -> None:\n    global z\n    return {k: v for k, v in e.items()}",
    "match p:\n    case {'k': v, **rest}: pass\n    case [1, *others] | None: pass",
    "async def g():\n    async with a as b, c:\n        await b\n",
    "try:\n    pass\nexcept* E as err:\n    raise",
    "d = {**base, 'k': 1}\nlambda q=1: q\nassert x, 'msg'\nclass C(B, metaclass=M):\n    y: int = 1",
]


@pytest.mark.parametrize("code", _CODE)
def test_walk_is_ast_walk_without_shared_nodes(code):
    tree = ast.parse(code)
    expected = [n for n in ast.walk(tree) if not isinstance(n, _SHARED)]
    assert walk(tree) == expected
    assert walk(tree) == expected  # the second walk reads the kept children
    for node in expected:
        assert children(node) == [c for c in ast.iter_child_nodes(node) if not isinstance(c, _SHARED)]


def test_walk_within_lists_boundaries_without_entering_them():
    tree = ast.parse("x = 1\ndef f(a=d):\n    inner = 2\n    g = lambda: inner\nclass C:\n    y = [z for z in x]")
    boundaries = frozenset({ast.FunctionDef, ast.Lambda})
    inside = {id(n) for b in ast.walk(tree) if type(b) in boundaries for c in ast.iter_child_nodes(b)
              for n in ast.walk(c)}  # fmt: skip
    expected = {id(n) for n in ast.walk(tree) if n is not tree and id(n) not in inside and not isinstance(n, _SHARED)}
    found = walk_within(tree, boundaries)
    assert {id(n) for n in found} == expected and len(found) == len(expected)
    assert any(isinstance(n, ast.FunctionDef) for n in found)
    assert not any(getattr(n, "id", "") == "inner" for n in found)
