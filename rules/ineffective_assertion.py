"""`ineffective-assertion` (NB201): an assert that can never fail."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Edit, Finding, Fix
from nblint.rule import CellRule, example


class IneffectiveAssertion(CellRule):
    code = "NB201"
    name = "ineffective-assertion"
    summary = "An assert that can never fail"
    why = (
        "`assert (len(df) > 0, 'no rows')` asserts a two-element tuple, and a non-empty tuple is always "
        "true: the check never fails, however empty `df` is. The same goes for asserting a non-empty "
        "string or any other constant. The notebook looks validated and is not."
    )
    how_to_fix = "Drop the parentheses so the message is the assert's second part: `assert len(df) > 0, 'no rows'`."
    fix_safety = "Safe: removing the tuple makes the assert test the condition it was meant to test."
    bad = (
        example(
            "assert (len(df) > 0, 'no rows loaded')", at=((1, 1),), fixed=("assert len(df) > 0, 'no rows loaded'",)
        ),
        example(
            "assert (\n    df['price'].notna().all(),\n    'prices missing',\n)",
            at=((1, 1),),
            fixed=("assert df['price'].notna().all(), 'prices missing'",),
        ),
        example("assert 'model trained'", at=((1, 1),)),
        example("def check(x):\n    assert (x > 0,)\n", at=((1, 2),), fixed=("def check(x):\n    assert x > 0",)),
    )
    good = (
        example("assert len(df) > 0, 'no rows loaded'"),
        example("assert (\n    df['price'].notna().all()\n), 'prices missing'"),
        example("assert False, 'unreachable'"),
        example("assert not errors, errors"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(ast.Assert):
            test = node.test
            if isinstance(test, ast.Tuple) and test.elts:
                yield Finding(
                    "assert on a tuple is always true; the condition is never checked",
                    cell.number,
                    cell.span(test),
                    fix=self._fix(cell, test),
                )
            elif _always_true(test):
                yield Finding("assert on a constant that is always true", cell.number, cell.span(test))

    @staticmethod
    def _fix(cell: CodeCell, test: ast.Tuple) -> Fix | None:
        if len(test.elts) > 2 or any(isinstance(e, ast.Starred) for e in test.elts):
            return None
        parts = []
        for elt in test.elts:
            text = cell.segment(elt)
            parts.append(f"({text})" if "\n" in text or "\r" in text else text)
        return Fix("remove the tuple parentheses", (Edit(cell.number, cell.span(test), ", ".join(parts)),))


def _always_true(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return bool(node.value) and node.value is not Ellipsis
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and v.value for v in node.values)
    if isinstance(node, ast.List | ast.Set | ast.Dict):
        return bool(getattr(node, "elts", None) or getattr(node, "keys", None))
    return False
