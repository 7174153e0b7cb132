"""`missing-type-hints` (NB403): a function whose parameters or return value are not annotated."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import first_line_span
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example


class MissingTypeHints(CellRule):
    code = "NB403"
    name = "missing-type-hints"
    summary = "A function's parameters or return value are not annotated"
    why = (
        "Functions in a notebook that ships become the pipeline's API: `clean(df, cols)` says nothing "
        "about whether `cols` is a list or a string, or whether the result can be None. Type hints "
        "document that contract and let tools catch a wrong call before a run fails halfway."
    )
    how_to_fix = (
        "Annotate every parameter and the return value: "
        "`def clean(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:`."
    )
    bad = (
        example("def clean(df, cols):\n    return df.dropna(subset=cols)", at=((1, 1),)),
        example("def score(model, X: pd.DataFrame):\n    return model.score(X)", at=((1, 1),)),
        example("def load(path: str):\n    return open(path).read()", at=((1, 1),)),
    )
    good = (
        example("def clean(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:\n    return df.dropna(subset=cols)"),
        example("square = lambda x: x * x"),
        example(
            "class Loader:\n    def __init__(self, path: str):\n        self.path = path\n\n"
            "    def read(self) -> str:\n        return open(self.path).read()"
        ),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(ast.FunctionDef, ast.AsyncFunctionDef):
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            if params and params[0].arg in {"self", "cls"} and isinstance(cell.parents.get(node), ast.ClassDef):
                params = params[1:]
            params += [a for a in (args.vararg, args.kwarg) if a]
            missing = [f"`{a.arg}`" for a in params if a.annotation is None]
            if node.returns is None and node.name != "__init__":
                missing.append("the return value")
            if missing:
                listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
                yield Finding(
                    f"`{node.name}()` has no type hint for {listed}", cell.number, first_line_span(cell, node)
                )
