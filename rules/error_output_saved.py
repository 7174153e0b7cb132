"""`error-output-saved` (NB402): a notebook saved with an error in its outputs."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.notebook import join_source
from nblint.rule import Rule, code_cell, example, md


class ErrorOutputSaved(Rule):
    code = "NB402"
    name = "error-output-saved"
    needs_saved_state = True
    summary = "The notebook was saved with an error traceback in its outputs"
    why = (
        "A stored traceback means the last run of this notebook failed, or cells ran out of order. "
        "Whoever opens it next cannot tell whether the results above and below are real. Errors also "
        "printed to stderr by logging count, because the run carried on after them."
    )
    how_to_fix = (
        "Restart the kernel and run all cells. If the error is expected (a teaching example), catch it "
        "explicitly in the cell, or clear the outputs before committing (`nbstripout`)."
    )
    bad = (
        example(
            code_cell(
                "df = pd.read_csv('sales.csv')",
                outputs=(
                    {
                        "output_type": "error",
                        "ename": "FileNotFoundError",
                        "evalue": "sales.csv",
                        "traceback": ["FileNotFoundError: sales.csv"],
                    },
                ),
            ),
            at=((1, 1),),
        ),
        example(
            "import logging",
            code_cell(
                "run_pipeline()",
                outputs=(
                    {
                        "output_type": "stream",
                        "name": "stderr",
                        "text": "ERROR:root:failed\nTraceback (most recent call last):\n  ...\nKeyError: 'x'\n",
                    },
                ),
            ),
            at=((2, 1),),
        ),
    )
    good = (
        example(
            code_cell(
                "df = pd.read_csv('sales.csv')", outputs=({"output_type": "stream", "name": "stdout", "text": "ok\n"},)
            )
        ),
        example(md("```\nTraceback (most recent call last):\n```")),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.notebook.code_cells():
            for output in cell.outputs:
                what = _error_in_output(output)
                if what:
                    span = Span(1, 1, 1, len(cell.source.split("\n")[0]) + 1)
                    yield Finding(f"saved output holds an error: {what}", cell.number, span)
                    break


def _error_in_output(output: dict) -> str | None:
    if output.get("output_type") == "error":
        ename, evalue = str(output.get("ename") or "Error"), str(output.get("evalue") or "")
        return f"{ename}: {evalue[:80]}" if evalue else str(ename)
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        text = join_source(output.get("text"))
        if "Traceback (most recent call last):" in text:
            last = [ln for ln in text.strip().splitlines() if ln.strip()][-1]
            return f"a traceback printed to stderr ({last.strip()[:80]})"
    return None
