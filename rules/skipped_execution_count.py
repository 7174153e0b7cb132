"""`skipped-execution-count` (NB408): execution counts jump, so runs are missing from the saved notebook."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from nblint.analysis.layout import code_with_content, first_line_end
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example


class SkippedExecutionCount(Rule):
    code = "NB408"
    name = "skipped-execution-count"
    summary = "Execution counts skip numbers: some runs that shaped the outputs are not in the notebook"
    why = (
        "Run top to bottom once, a notebook's counts go 1, 2, 3 ... A jump (2, then 5) means code ran "
        "in between that the file does not show: a cell run twice, edited or deleted since. The saved "
        "results may depend on it, and nobody can see what it was."
    )
    how_to_fix = "Restart the kernel and run all cells before saving."
    bad = (
        example(code_cell("df = load()", execution_count=1), code_cell("df = clean(df)", execution_count=4),
                at=((2, 1),)),
        example(code_cell("a = 1", execution_count=3), code_cell("b = a", execution_count=4),
                code_cell("c = b", execution_count=9), at=((3, 1),)),
    )  # fmt: skip
    good = (
        example(code_cell("df = load()", execution_count=1), code_cell("df = clean(df)", execution_count=2)),
        example(code_cell("a = 1", execution_count=1), "b = 2", code_cell("c = a", execution_count=2)),
        example(code_cell("a = 1", execution_count=5), code_cell("b = 2", execution_count=2)),
    )  # fmt: skip
    needs_saved_state = True

    def check(self, nb: Analysis) -> Iterator[Finding]:
        runs = [c for c in code_with_content(nb.notebook) if c.execution_count is not None]
        gap = None
        for previous, cell in pairwise(runs):
            if cell.execution_count <= previous.execution_count:
                return  # out of order: `hidden-state` says so, and the gaps then mean nothing
            if gap is None and cell.execution_count > previous.execution_count + 1:
                gap = previous, cell
        if gap is None:
            return
        previous, cell = gap
        missing = cell.execution_count - previous.execution_count - 1
        yield Finding(
            f"this cell ran as [{cell.execution_count}] right after cell {previous.number} ran as "
            f"[{previous.execution_count}]: {missing} run{'s' if missing > 1 else ''} in between "
            f"{'are' if missing > 1 else 'is'} not in the notebook",
            cell.number,
            Span(1, 1, 1, first_line_end(cell)),
        )
