"""`exit-code-masking` (NB102): an error path that exits with status 0."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import call_name, exit_status, is_error_test
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example


class ExitCodeMasking(CellRule):
    code = "NB102"
    name = "exit-code-masking"
    summary = "An error or guard path exits with status 0, which reports success"
    why = (
        "Schedulers, CI and papermill read the exit status. `sys.exit()`, `sys.exit(0)`, `exit()`, "
        "`quit()` or `raise SystemExit` on a path that handles a problem tell them everything went fine. "
        "Inside a Jupyter kernel `exit()` does not even stop the notebook: the next cells still run."
    )
    how_to_fix = (
        "Raise an exception that says what went wrong (`raise FileNotFoundError(path)`), or exit non-zero "
        "with a message: `sys.exit('input file missing')` or `sys.exit(1)`."
    )
    bad = (
        example(
            "import os, sys\nif not os.path.exists('data.csv'):\n    print('no data')\n    sys.exit(0)", at=((1, 4),)
        ),
        example("try:\n    run()\nexcept Exception:\n    exit()", at=((1, 4),)),
        example("if df.empty:\n    raise SystemExit", at=((1, 2),)),
        example("import os\nif errors:\n    os._exit(0)", at=((1, 3),)),
    )
    good = (
        example("import sys\nif df.empty:\n    sys.exit('no rows loaded from data.csv')"),
        example("import sys\ntry:\n    run()\nexcept Exception:\n    sys.exit(1)"),
        example("if df.empty:\n    raise SystemExit('no rows')"),
        example("import sys\nif __name__ == '__main__':\n    sys.exit(main())"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.nodes:
            status = exit_status(nb, node)
            if status is None or not status[0] or not self._on_error_path(cell, node):
                continue
            what = "raise SystemExit" if isinstance(node, ast.Raise) else f"{call_name(nb, node)}()"
            yield Finding(
                f"`{what}` exits with status 0 on an error path: callers will see success", cell.number, cell.span(node)
            )

    @staticmethod
    def _on_error_path(cell: CodeCell, node: ast.AST) -> bool:
        """Inside an except handler, or in the body (not the else) of an `if` that tests for a problem."""
        child = node
        for parent in cell.ancestors(node):
            if isinstance(parent, ast.ExceptHandler):
                return True
            if isinstance(parent, ast.If) and child in parent.body and is_error_test(parent.test):
                return True
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                return False
            child = parent
        return False
