"""`unexecuted-cell` (NB407): a code cell that never ran, between cells that did."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import code_with_content, first_line_end, ran, skipped_on_purpose
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example


class UnexecutedCell(Rule):
    code = "NB407"
    name = "unexecuted-cell"
    summary = "A code cell never ran, although cells before and after it did"
    why = (
        "The saved outputs after this cell were produced without it: either it was added or edited "
        "after the run, or it was skipped. Whatever it defines or changes is not reflected in the "
        "results shown below it, and a top-to-bottom run may give different ones."
    )
    how_to_fix = (
        "Restart the kernel and run all cells before saving. A cell meant to be skipped can say so with "
        "the `skip-execution` tag (or `nblint.skip` metadata)."
    )
    bad = (
        example(code_cell("df = load()", execution_count=1), "df = df.dropna()",
                code_cell("df.describe()", execution_count=2), at=((2, 1),)),
        example(code_cell("a = 1", execution_count=1), "b = 2", "c = 3", code_cell("a", execution_count=2),
                at=((2, 1), (3, 1))),
    )  # fmt: skip
    good = (
        example(code_cell("df = load()", execution_count=1), code_cell("df.describe()", execution_count=2),
                "df.plot()"),
        example(code_cell("df = load()", execution_count=1),
                code_cell("df.to_sql('t', engine)", metadata={"tags": ["skip-execution"]}),
                code_cell("df.describe()", execution_count=2)),
        example(code_cell("df = load()", execution_count=1), code_cell(""), code_cell("df.head()", execution_count=2)),
    )  # fmt: skip
    needs_saved_state = True

    def check(self, nb: Analysis) -> Iterator[Finding]:
        cells = code_with_content(nb.notebook)
        executed = [i for i, c in enumerate(cells) if ran(c)]
        if not executed:
            return
        for cell in cells[executed[0] + 1 : executed[-1]]:
            if not ran(cell) and not skipped_on_purpose(cell):
                yield Finding(
                    "this cell never ran, but cells before and after it did: the outputs below were made without it",
                    cell.number,
                    Span(1, 1, 1, first_line_end(cell)),
                )
