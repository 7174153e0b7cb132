"""`unknown-suppression` (NB002): a suppression comment naming a rule that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from nblint import directives
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, example


class UnknownSuppression(Rule):
    code = "NB002"
    name = "unknown-suppression"
    summary = "A suppression comment names a rule that does not exist"
    why = (
        "`# nblint: disable=...` with a misspelt rule name suppresses nothing, so the finding you meant "
        "to silence still shows, or worse, you believe a check is off when it is not."
    )
    how_to_fix = "Use a name from `nblint rules` (for example `swallowed-exception`) or its code (`NB101`)."
    bad = (example("x = 1  # nblint: disable=swallowed-exceptions", at=((1, 1),)),)
    good = (example("x = 1  # nblint: disable=swallowed-exception"), example("x = 1  # nblint: disable=NB101"))

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.notebook.code_cells():
            for lineno, line in enumerate(cell.source.split("\n"), start=1):
                directive = directives.first(line, "disable", lineno)
                if directive is None:
                    continue
                for name in directive.names:
                    if name.lower() != "all" and name not in nb.rule_names and name.upper() not in nb.rule_names:
                        yield Finding(
                            f"unknown rule `{name}` in suppression",
                            cell.number,
                            Span(lineno, directive.column, lineno, directive.end_column),
                        )
