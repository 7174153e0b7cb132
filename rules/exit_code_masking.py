"""`exit-code-masking` (NB102): an error path that exits with status 0."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import (
    EXIT_NODES,
    call_name,
    exit_status,
    handler_swallows,
    is_error_test,
    is_logging_call,
)
from nblint.analysis.tree import walk
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example


class ExitCodeMasking(CellRule):
    code = "NB102"
    name = "exit-code-masking"
    summary = "An error or guard path exits with status 0, which reports success"
    why = (
        "Schedulers, CI and papermill read the exit status. `sys.exit()`, `sys.exit(0)`, `exit()`, "
        "`quit()` or `raise SystemExit` on a path that handles a problem tell them everything went fine. "
        "Inside a Jupyter kernel `exit()` and `quit()` do not even stop the notebook: the code after them "
        "and the next cells still run, so they are reported wherever they are. A guard that prints or logs "
        "a failure (`print('no input files')`, `log.error(...)`) and then exits 0 is an error path too; "
        "one that reports nothing wrong (`'nothing to do'`) is not. An exit that ends an except handler "
        "which only reports the error is reported once, by `swallowed-exception`."
    )
    how_to_fix = (
        "Raise an exception that says what went wrong (`raise FileNotFoundError(path)`), or exit non-zero "
        "with a message: `sys.exit('input file missing')` or `sys.exit(1)`."
    )
    bad = (
        example(
            "import os, sys\nif not os.path.exists('data.csv'):\n    print('no data')\n    sys.exit(0)", at=((1, 4),)
        ),
        example("report = build_report()\nexit()", "report.to_html('report.html')", at=((1, 2),)),
        example(
            "import sys\nif len(set(y)) < 2:\n    print('need at least two classes to train')\n    sys.exit()",
            at=((1, 4),),
        ),
        example("if df.empty:\n    raise SystemExit", at=((1, 2),)),
        example("import os\nif errors:\n    os._exit(0)", at=((1, 3),)),
    )
    good = (
        example("import sys\nif df.empty:\n    sys.exit('no rows loaded from data.csv')"),
        example("import sys\ntry:\n    run()\nexcept Exception:\n    sys.exit(1)"),
        example("if df.empty:\n    raise SystemExit('no rows')"),
        example("import sys\nif __name__ == '__main__':\n    sys.exit(main())"),
        example("import sys\nif not pending:\n    print('nothing to do: all up to date')\n    sys.exit(0)"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(*EXIT_NODES):
            status = exit_status(nb, node)
            if status is None or _in_swallowing_handler(cell, nb, node):
                continue  # an exit that ends a swallowing handler is `swallowed-exception`'s finding
            name = call_name(nb, node)
            if name in _KERNEL_EXITS:
                yield Finding(
                    f"`{name}()` does not stop a Jupyter kernel: the code after it and the next cells keep "
                    "running; raise an exception to stop the notebook",
                    cell.number,
                    cell.span(node),
                )
                continue
            if not status[0] or not self._on_error_path(cell, nb, node):
                continue
            what = "raise SystemExit" if isinstance(node, ast.Raise) else f"{name}()"
            yield Finding(
                f"`{what}` exits with status 0 on an error path: callers will see success", cell.number, cell.span(node)
            )

    @staticmethod
    def _on_error_path(cell: CodeCell, nb: Analysis, node: ast.AST) -> bool:
        """Inside an except handler, or in the body (not the else) of an `if` that tests for a problem
        or reports one before exiting (`if not files: print('no input files'); sys.exit()`)."""
        child = node
        for parent in cell.ancestors(node):
            if isinstance(parent, ast.ExceptHandler):
                return True
            guard = isinstance(parent, ast.If) and child in parent.body
            if guard and (is_error_test(parent.test) or _reports_failure_before(nb, parent.body, child)):
                return True
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                return False
            child = parent
        return False


_KERNEL_EXITS = frozenset({"exit", "quit"})
_FAILURE_WORDS = re.compile(
    r"\b(?:no|cannot|can't|couldn't|unable|error|errors|fail\w*|missing|invalid|empty|need|needs|insufficient|"
    r"too few|abort\w*|not (?:found|enough|available)|(?:does not|doesn't) exist)\b",
    re.I,
)


def _reports_failure_before(nb: Analysis, body: list[ast.stmt], stop: ast.AST) -> bool:
    """Does a statement before `stop` in this block print or log a failure (an error-level log call, a
    print to stderr, or a message such as "no input files found")?"""
    for stmt in body:
        if stmt is stop:
            return False
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if call is None or not is_logging_call(nb, call):
            continue
        level = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        to_stderr = any(k.arg == "file" and "stderr" in ast.unparse(k.value) for k in call.keywords)
        strings = [n for arg in call.args for n in walk(arg) if isinstance(n, ast.Constant)]
        text = " ".join(str(n.value) for n in strings)
        if level in {"error", "critical", "exception", "warning"} or to_stderr or _FAILURE_WORDS.search(text):
            return True
    return False


def _in_swallowing_handler(cell: CodeCell, nb: Analysis, node: ast.AST) -> bool:
    parent = cell.parents.get(node)
    statement = parent if isinstance(parent, ast.Expr) else node
    handler = cell.parents.get(statement)
    return isinstance(handler, ast.ExceptHandler) and statement in handler.body and handler_swallows(nb, handler)
