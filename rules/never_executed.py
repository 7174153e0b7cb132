"""`never-executed` (NB406): the notebook was saved without any cell having run."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.layout import code_with_content, first_line_end, ran
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example, md


class NeverExecuted(Rule):
    code = "NB406"
    name = "never-executed"
    summary = "The notebook was saved without running any cell"
    why = (
        "With no execution counts and no outputs, nothing in the file shows the code ever ran, let alone "
        "from top to bottom: a reader cannot see results, and a reviewer cannot tell whether it works. "
        "If outputs are stripped on purpose (nbstripout), turn this rule off for the project."
    )
    how_to_fix = "Restart the kernel, run all cells, and save; or let `nblint validate` run it in CI."
    bad = (
        example(md("# Churn"), "import pandas as pd", "df = pd.read_csv('churn.csv')\ndf.head()", at=((2, 1),)),
        example("x = 1", "print(x)", at=((1, 1),)),
    )
    good = (
        example(md("# Churn"), code_cell("import pandas as pd", execution_count=1),
                code_cell("df.head()", execution_count=2, outputs=({"output_type": "execute_result",
                          "data": {"text/plain": "..."}, "metadata": {}, "execution_count": 2},))),
        example(md("# Notes only"), code_cell("")),
    )  # fmt: skip
    needs_saved_state = True

    def check(self, nb: Analysis) -> Iterator[Finding]:
        cells = code_with_content(nb.notebook)
        if not cells or any(ran(c) for c in cells):
            return
        first = cells[0]
        yield Finding(
            f"no cell of this notebook has run ({len(cells)} code cell{'s' if len(cells) > 1 else ''}, "
            "no execution count, no output)",
            first.number,
            Span(1, 1, 1, first_line_end(first)),
        )
