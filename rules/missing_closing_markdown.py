"""`missing-closing-markdown` (NB706): the notebook ends with code, with no conclusion."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import content_cells, first_line_end
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, example, md


class MissingClosingMarkdown(Rule):
    code = "NB706"
    name = "missing-closing-markdown"
    summary = "The notebook ends with code: no closing text says what the results mean"
    why = (
        "The last output of a notebook is rarely self-explanatory: which number is the result, is it "
        "good, what should happen next? A closing markdown cell records the conclusion while the author "
        "still knows it."
    )
    how_to_fix = "Add a markdown cell at the end: the result, what it means, and the next steps."
    bad = (
        example(md("# Churn"), "model = train(df)", "score(model)", at=((3, 1),)),
        example(md("# Churn"), "x = 1", md("## Plots"), "plot(x)", at=((4, 1),)),
    )
    good = (
        example(md("# Churn"), "score(model)", md("## Conclusion\n\nAUC 0.91: ship it.")),
        example("x = 1", "print(x)"),  # no markdown at all: `missing-opening-markdown` says so once
        example(md("# Churn"), "score(model)", md("Done."), md("")),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        cells = content_cells(nb.notebook)
        if not cells or not cells[-1].is_code or not any(c.cell_type == "markdown" for c in cells):
            return
        yield Finding(
            "the notebook ends with code; add a closing markdown cell with the conclusion",
            cells[-1].number,
            Span(1, 1, 1, first_line_end(cells[-1])),
        )
