"""`long-cell` (NB703): a code cell too long to read as one step."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import first_line_end
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, example

MAX_LINES = 80  # non-blank lines; about two screens


class LongCell(Rule):
    code = "NB703"
    name = "long-cell"
    summary = f"A code cell has more than {MAX_LINES} lines"
    why = (
        "A notebook's value is in small steps whose results show between them. A cell of hundreds of "
        "lines hides its intermediate results, reruns everything when one line changes, and is a "
        "script that would be easier to test as a module."
    )
    how_to_fix = (
        "Split the cell where an intermediate result is worth seeing, or move functions into a `.py` "
        "module the notebook imports (and test it there)."
    )
    bad = (example("\n".join(f"step_{i} = {i}" for i in range(MAX_LINES + 1)), at=((1, 1),)),)
    good = (
        example("\n".join(f"step_{i} = {i}" for i in range(MAX_LINES)) + "\n\n\n"),
        example("df = load()", "df.describe()"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.notebook.code_cells():
            lines = sum(1 for line in cell.source.split("\n") if line.strip())
            if lines > MAX_LINES:
                yield Finding(
                    f"this cell has {lines} non-blank lines (more than {MAX_LINES}); split it into steps",
                    cell.number,
                    Span(1, 1, 1, first_line_end(cell)),
                )
