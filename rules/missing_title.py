"""`missing-title` (NB704): the notebook opens with text, but no title heading."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import code_with_content, content_cells, first_line_end, has_heading
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import ExampleCell, Rule, example, md


def _titled_elsewhere(nb) -> bool:
    """A title in notebook metadata, or in a raw front-matter cell (Quarto, Jupyter Book)."""
    if str(nb.metadata.get("title", "")).strip():
        return True
    return any(c.cell_type == "raw" and "title:" in c.source for c in nb.cells)


class MissingTitle(Rule):
    code = "NB704"
    name = "missing-title"
    summary = "The markdown above the notebook's first code cell has no title heading"
    why = (
        "The first heading is the notebook's title: Jupyter's table of contents, Jupyter Book, nbconvert "
        "and GitHub's preview show it, and a reader looks for it to learn what the notebook is for. "
        "Opening text without one leaves the file name to say it."
    )
    how_to_fix = "Start the first markdown cell with a heading: `# Monthly churn report`."
    bad = (
        example(md("This notebook trains the churn model."), "import pandas as pd", at=((1, 1),)),
        example(md("**Churn report**, May"), "df = load()", at=((1, 1),)),
    )
    good = (
        example(md("# Churn model\n\nTrains and evaluates it."), "import pandas as pd"),
        example(md("Churn model\n===========\n"), "x = 1"),
        example(md("#Churn model"), "x = 1"),
        example(md("This notebook is part of the project's documentation."), md("# Churn model"), "x = 1"),
        example(ExampleCell("---\ntitle: Churn model\n---", "raw"), md("Trains it."), "x = 1"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        cells = content_cells(nb.notebook)
        if not code_with_content(nb.notebook) or not cells or _titled_elsewhere(nb.notebook):
            return
        first = cells[0]
        opening = [c.source for c in cells[: next((i for i, c in enumerate(cells) if c.is_code), len(cells))]]
        if first.cell_type == "markdown" and not any(has_heading(text) for text in opening):
            yield Finding(
                "the markdown above the first code cell has no heading; start it with a title (`# ...`)",
                first.number,
                Span(1, 1, 1, first_line_end(first)),
            )
