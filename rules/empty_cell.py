"""`empty-cell` (NB701): a cell with nothing in it."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import has_content
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example, md


class EmptyCell(Rule):
    code = "NB701"
    name = "empty-cell"
    summary = "A cell is empty"
    why = (
        "An empty cell is clutter a reader scrolls past and wonders about: was something deleted, or is "
        "something missing? Jupyter leaves one behind after running the last cell."
    )
    how_to_fix = "Delete the cell (`d d` in Jupyter's command mode)."
    bad = (
        example("df = load()", code_cell(""), "df.head()", at=((2, 1),)),
        example(md("# Report"), md("  \n"), "x = 1", at=((2, 1),)),
        example("x = 1", code_cell("\n\n"), at=((2, 1),)),
    )
    good = (example(md("# Report"), "df = load()", "df.head()"), example("# placeholder for the plots"))

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.notebook.cells:
            if not has_content(cell):
                yield Finding(f"empty {cell.cell_type} cell", cell.number, Span(1, 1, 1, 1))
