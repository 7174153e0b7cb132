"""`invalid-notebook` (NB003): the file breaks the nbformat 4 schema, though its cells can be read."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example, md


class InvalidNotebook(Rule):
    code = "NB003"
    name = "invalid-notebook"
    summary = "The file breaks the nbformat schema (a required key is missing or has the wrong type)"
    why = (
        "Jupyter writes every key the schema requires; a notebook missing one (a code cell without "
        "`outputs` or `metadata`, a `source` that is a number) was written by some other tool, slightly "
        "wrong. JupyterLab greets it with a validation-error dialog, and `nbformat.validate`, which "
        "nbconvert, papermill and CI checks call, rejects it. nblint still lints every cell it can read, "
        "so this finding sits next to the others instead of hiding them."
    )
    how_to_fix = (
        "Open the notebook in Jupyter and save it (Jupyter fills in the missing keys), or run "
        '`python -c "import nbformat, sys; p = sys.argv[1]; nbformat.write(nbformat.read(p, 4), p)" NB.ipynb`; '
        "then fix the tool that wrote it."
    )
    bad = (
        example(md("# Churn report"), code_cell("df = load()", missing=("outputs", "execution_count")), at=((2, 1),)),
        example(code_cell("import pandas as pd", missing=("metadata",)), "df = pd.read_csv(PATH)", at=((1, 1),)),
    )
    good = (example(md("# Churn report"), "df = load()"), example(code_cell("x = 1", execution_count=1)))

    def check(self, nb: Analysis) -> Iterator[Finding]:
        by_cell: dict[int | None, list[str]] = {}
        for problem in nb.notebook.problems:
            by_cell.setdefault(problem.cell, []).append(problem.message)
        for number, messages in by_cell.items():  # one finding per cell, saying everything it lacks
            where = f"cell {number}: " if number else ""
            message = f"{where}{'; '.join(messages)}; the file does not follow the nbformat 4 schema"
            if number is None:
                yield Finding(message, None, Span(1, 1, 1, 2))
                continue
            first = nb.notebook.cells[number - 1].source.split("\n")[0]
            yield Finding(message, number, Span(1, 1, 1, len(first) + 1))
