"""`missing-opening-markdown` (NB705): the notebook starts with code, with no title or introduction."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import content_cells, first_line_end
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, example, md


class MissingOpeningMarkdown(Rule):
    code = "NB705"
    name = "missing-opening-markdown"
    summary = "The notebook starts with code: no title or introduction says what it does"
    why = (
        "A reader opening the notebook, in Jupyter, on GitHub or in a rendered report, first needs to "
        "know what it is for, what data it reads and what it produces. Code first makes them reverse-"
        "engineer that from the imports."
    )
    how_to_fix = "Add a markdown cell at the top with a title and a few sentences: purpose, inputs, outputs."
    bad = (
        example("import pandas as pd", md("## Load"), "df = pd.read_csv('x.csv')", at=((1, 1),)),
        example("x = 1", "print(x)", at=((1, 1),)),
    )
    good = (
        example(md("# Churn\n\nReads `churn.csv`, writes `model.pkl`."), "import pandas as pd"),
        example(md(""), md("# Churn"), "x = 1"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        cells = content_cells(nb.notebook)
        if not cells or not cells[0].is_code:
            return
        markdown = any(c.cell_type == "markdown" for c in cells)
        yield Finding(
            "the notebook starts with code; add a title and an introduction above it"
            + ("" if markdown else " (it has no markdown at all)"),
            cells[0].number,
            Span(1, 1, 1, first_line_end(cells[0])),
        )
