"""`hidden-state` (NB401): a notebook that only works when cells run out of order."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.analysis.symbols import KNOWN
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, code_cell, example


class HiddenState(Rule):
    code = "NB401"
    name = "hidden-state"
    summary = "The notebook only works when cells run out of order"
    why = (
        "A cell that reads a name defined only in a later cell worked for its author because they ran "
        "the later cell first. Run top to bottom, as CI, papermill and a colleague do, it fails with a "
        "NameError, or silently uses a stale value. Stored execution counts that go down the page show "
        "the saved outputs came from an out-of-order run (an empty cell repeating the previous count does "
        "not: IPython gives empty cells no new number)."
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
        example(
            code_cell("a = 1", execution_count=1),
            code_cell("", execution_count=1),
            code_cell("b = a", execution_count=2),
        ),
        example("from helpers import *", "print(threshold)", "threshold = 1"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        symbols = nb.symbols
        bound: set[str] = set()  # names earlier cells bind; grown in place, so cost stays linear in cells
        for cs in symbols.cells:
            cell = cs.cell

            def visible(name: str, cs=cs, bound=bound) -> bool:
                return name in bound or name in cs.binds or name in KNOWN

            opaque = symbols.opaque_before(cell.number)
            reported: set[str] = set()
            for read in cs.reads:
                later = symbols.first_binding.get(read.id)
                if visible(read.id) or read.id in reported or later is None or opaque:
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
                    if visible(name) or later is None or later <= cell.number:
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
        if count is None or not cell.source.strip():
            continue  # IPython gives an empty cell no new number: it repeats the previous cell's
        if previous is not None and count <= previous[1]:
            yield Finding(
                f"cells ran out of order: this cell ran as [{count}] after cell {previous[0]} ran as "
                f"[{previous[1]}]; restart and run all before saving",
                cell.number,
                Span(1, 1, 1, len(cell.source.split("\n")[0]) + 1),
            )
            return
        previous = (cell.number, count)
