"""`syntax-error` (NB001): a code cell that is not valid Python."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, example


class SyntaxErrorRule(Rule):
    code = "NB001"
    name = "syntax-error"
    summary = "A code cell is not valid Python"
    why = (
        "A cell that does not parse stops the notebook at that point when it runs top to bottom, and "
        "nblint cannot check it. Each cell is parsed on its own, so the other cells are still checked."
    )
    how_to_fix = (
        "Fix the syntax at the line shown. IPython magics (`%time`, `!ls`) are understood and fine, and so "
        "are magics typed without `%` (`cd ../`, `pip install x`), which IPython runs with automagic on, "
        "its default."
    )
    bad = (example("values = [1, 2]", "total = 0\nfor x in values\n    total += x", at=((2, 2),)),)
    good = (
        example("import pandas as pd", "df = pd.DataFrame({'a': [1, 2]})\nprint(df)"),
        example("%matplotlib inline\n!ls data\nx = await fetch()\ny = !pwd"),
        example("cd ../", "pip install pandas==2.2.3"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.code_cells:
            exc = cell.syntax_error
            if exc is None:
                continue
            line = min(max(exc.lineno or 1, 1), max(len(cell.lines), 1))
            column = max(exc.offset or 1, 1)
            text = cell.lines[line - 1] if cell.lines else ""
            column = min(column, len(text) + 1)
            yield Finding(
                f"SyntaxError: {exc.msg}",
                cell.number,
                Span(line, column, line, max(column + 1, len(text.rstrip()) + 1)),
            )
