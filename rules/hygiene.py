"""Rules about notebook state and hygiene."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example
from nblint.suppressions import DIRECTIVE
from nblint.symbols import KNOWN


class HiddenState(Rule):
    code = "NB401"
    name = "hidden-state"
    summary = "The notebook only works when cells run out of order"
    why = (
        "A cell that reads a name defined only in a later cell worked for its author because they ran "
        "the later cell first. Run top to bottom, as CI, papermill and a colleague do, it fails with a "
        "NameError, or silently uses a stale value. Stored execution counts that go down the page show "
        "the saved outputs came from an out-of-order run."
    )
    how_to_fix = "Move the definition above its first use, then restart the kernel and run all cells."
    bad = (
        example("df = load()\nprint(threshold)", "threshold = 0.5", at=((1, 2),)),
        example("def score(x):\n    return x * weight", "score(3)", "weight = 2", at=((2, 1),)),
        example(code_cell("a = 1", execution_count=5), code_cell("b = a + 1", execution_count=2), at=((2, 1),)),
    )
    good = (
        example("threshold = 0.5", "df = load()\nprint(threshold)"),
        example("def score(x):\n    return x * weight", "weight = 2", "score(3)"),
        example(code_cell("a = 1", execution_count=1), code_cell("b = a + 1", execution_count=2)),
        example("from helpers import *", "print(threshold)", "threshold = 1"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        symbols = nb.symbols
        bound: set[str] = set()
        for cs in symbols.cells:
            cell = cs.cell
            visible = bound | cs.binds | KNOWN
            opaque = symbols.opaque_before(cell.number)
            reported: set[str] = set()
            for read in cs.reads:
                later = symbols.first_binding.get(read.id)
                if read.id in visible or read.id in reported or later is None or opaque:
                    continue
                reported.add(read.id)
                yield Finding(
                    f"`{read.id}` is only defined later, in cell {later}; running top to bottom fails here",
                    cell.number,
                    cell.span(read),
                )
            for call in cs.calls:
                fn = symbols.functions.get(call.func.id)
                if fn is None or fn.cell > cell.number or opaque:
                    continue
                for name in fn.free:
                    later = symbols.first_binding.get(name)
                    if name in visible or name in KNOWN or later is None or later <= cell.number:
                        continue
                    yield Finding(
                        f"`{fn.name}()` reads `{name}`, which is only defined later, in cell {later}",
                        cell.number,
                        cell.span(call),
                    )
                    break
            bound |= cs.binds
        yield from _execution_order(nb)


def _execution_order(nb: Analysis) -> Iterator[Finding]:
    previous = None
    for cell in nb.notebook.code_cells():
        count = cell.execution_count
        if count is None:
            continue
        if previous is not None and count <= previous[1]:
            yield Finding(
                f"cells ran out of order: this cell ran as [{count}] after cell {previous[0]} ran as "
                f"[{previous[1]}]; restart and run all before saving",
                cell.number,
                Span(1, 1, 1, len(cell.source.split("\n")[0]) + 1),
            )
            return
        previous = (cell.number, count)


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
        from nblint.registry import find

        for cell in nb.notebook.code_cells():
            for lineno, line in enumerate(cell.source.split("\n"), start=1):
                if "nblint" not in line:
                    continue
                match = DIRECTIVE.search(line)
                if not match:
                    continue
                for name in (n.strip() for n in match.group(1).split(",")):
                    if name and name.lower() != "all" and find(name) is None:
                        start = match.start() + 1
                        yield Finding(
                            f"unknown rule `{name}` in suppression",
                            cell.number,
                            Span(lineno, start, lineno, match.end() + 1),
                        )
