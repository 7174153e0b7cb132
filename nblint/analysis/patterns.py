"""AST shapes several rules look for: exits, logging calls, None checks, guards."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from nblint.analysis.cells import CodeCell
from nblint.analysis.imports import dotted
from nblint.analysis.symbols import walk_scope
from nblint.analysis.tree import walk
from nblint.diagnostics import Span

if TYPE_CHECKING:
    from nblint.analysis.notebook import Analysis

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print_exc"})
EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit"})
EXIT_NODES = (ast.Raise, ast.Call)  # the node types `exit_status` can find an exit in


def call_name(nb: Analysis, call: ast.AST) -> str | None:
    return nb.qualified(call.func) if isinstance(call, ast.Call) else None


def is_logging_call(nb: Analysis, node: ast.AST) -> bool:
    """print(), logging/logger calls, warnings.warn(), traceback.print_exc(), display()."""
    if not isinstance(node, ast.Call):
        return False
    name = call_name(nb, node) or ""
    if name in {"print", "warnings.warn", "display", "traceback.print_exc", "pprint", "pprint.pprint"}:
        return True
    if isinstance(node.func, ast.Attribute) and node.func.attr in LOG_METHODS:
        owner = (dotted(node.func.value) or "").lower()
        return "log" in owner or owner in {"", "traceback", "warnings"} or owner.endswith("logging")
    return False


def exit_status(nb: Analysis, node: ast.AST) -> tuple[bool, ast.AST | None] | None:
    """For an exit (sys.exit(...), exit(), raise SystemExit ...): (is it a zero/None status, the status).

    Returns None when `node` is not an exit.
    """
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc
        if isinstance(exc, ast.Name) and exc.id == "SystemExit":
            return True, None
        if isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name) and exc.func.id == "SystemExit":
            status = exc.args[0] if exc.args else None
            return _zero(status), status
        return None
    if isinstance(node, ast.Call) and call_name(nb, node) in EXIT_CALLS:
        status = node.args[0] if node.args else None
        for kw in node.keywords:
            if kw.arg in {"status", "code", "arg"}:
                status = kw.value
        return _zero(status), status
    return None


def _zero(status: ast.AST | None) -> bool:
    return status is None or (isinstance(status, ast.Constant) and status.value in (0, None, False))


def is_loud(nb: Analysis, stmts: list[ast.stmt]) -> bool:
    """Does this block raise or exit non-zero somewhere (not counting nested functions)?"""
    for stmt in stmts:
        for node in [stmt, *walk_scope(stmt)]:
            if isinstance(node, ast.Raise):
                exit_ = exit_status(nb, node)
                if exit_ is None or not exit_[0]:
                    return True
            elif isinstance(node, ast.Assert) and isinstance(node.test, ast.Constant) and not node.test.value:
                return True
            elif isinstance(node, ast.Call):
                exit_ = exit_status(nb, node)
                if exit_ is not None and not exit_[0]:
                    return True
    return False


def swallow_kind(nb: Analysis, stmt: ast.stmt) -> str | None:
    """How a statement in an except handler lets the error go, or None if it does real work.

    "pass" (pass, continue, break, a bare constant), "log" (print/log/display), "sleep",
    "return" (a placeholder), "assign" (a placeholder), "exit" (an exit with status 0).
    """
    if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
        return "pass"
    exit_ = exit_status(nb, stmt.value if isinstance(stmt, ast.Expr) else stmt)
    if exit_ is not None and exit_[0]:
        return "exit"
    if isinstance(stmt, ast.Expr):
        if isinstance(stmt.value, ast.Constant):
            return "pass"
        if is_logging_call(nb, stmt.value):
            return "log"
        if call_name(nb, stmt.value) in {"time.sleep", "sleep", "asyncio.sleep"}:
            return "sleep"
        if isinstance(stmt.value, ast.Await) and call_name(nb, stmt.value.value) == "asyncio.sleep":
            return "sleep"
    if isinstance(stmt, ast.Return) and (is_none(stmt.value) or is_sentinel(stmt.value)):
        return "return"
    if isinstance(stmt, ast.Assign) and is_sentinel(stmt.value):
        return "assign"
    return None


def is_sentinel(node: ast.AST | None) -> bool:
    """A placeholder value: a constant, a negated constant or an empty container."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
        return not getattr(node, "elts", None) and not getattr(node, "keys", None)
    return False


def handler_swallows(nb: Analysis, handler: ast.ExceptHandler) -> bool:
    """Does every statement of the handler only let the error go (see `swallow_kind`)?"""
    return all(swallow_kind(nb, stmt) is not None for stmt in handler.body)


def is_none(node: ast.AST | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def terminates(stmts: list[ast.stmt]) -> bool:
    """Whether control can never fall off the end of this block."""
    # An `elif` chain nests one If per branch without indenting: follow it in a loop, not by recursion
    # (bodies are bounded by Python's indentation limit).
    while stmts:
        last = stmts[-1]
        if not isinstance(last, ast.If):
            return _last_terminates(last)
        if not terminates(last.body):
            return False
        stmts = last.orelse
    return False


def _last_terminates(last: ast.stmt) -> bool:
    if isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return (dotted(last.value.func) or "") in EXIT_CALLS
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return terminates(last.body)
    if isinstance(last, ast.Try):
        if terminates(last.finalbody):
            return True
        happy = terminates(last.body) or terminates(last.orelse)
        return happy and all(terminates(h.body) for h in last.handlers)
    if isinstance(last, ast.While):
        forever = isinstance(last.test, ast.Constant) and bool(last.test.value)
        return forever and not any(isinstance(n, ast.Break) for n in walk_scope(last))
    return False


def first_line_span(cell: CodeCell, node: ast.stmt) -> Span:
    """The span of a compound statement's header line, e.g. `except ValueError as exc:`."""
    start = cell.span(node)
    text = cell.lines[node.lineno - 1] if node.lineno <= len(cell.lines) else ""
    return Span(start.line, start.column, start.line, max(start.column + 1, len(text.rstrip()) + 1))


_CHECK_CALLS = frozenset({"exists", "isfile", "isdir", "is_file", "is_dir", "access"})
_PROBLEM_WORDS = ("err", "fail", "invalid", "missing", "broken", "problem", "corrupt")
_SUCCESS_WORDS = ("ok", "success", "valid", "available", "exist", "ready", "found", "loaded", "connected")


def is_error_test(test: ast.AST) -> bool:
    """Does an `if` test look for a problem: a failed existence/status/None/empty check or an error flag?

    A bare `if not x:` is not enough: that is as often "nothing to do" as "something broke".
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        operand = test.operand
        if isinstance(operand, ast.Call) and _is_check_call(operand):
            return True  # not os.path.exists(p)
        return _has_word(operand, _SUCCESS_WORDS) and not _has_word(operand, _PROBLEM_WORDS)  # not ok
    if isinstance(test, ast.Name | ast.Attribute) and _has_word(test, _PROBLEM_WORDS):
        return True
    if isinstance(test, ast.BoolOp):
        return any(is_error_test(v) for v in test.values)
    if isinstance(test, ast.Compare):
        ops = test.ops
        if any(isinstance(op, ast.Is | ast.Eq) for op in ops) and any(is_none(c) for c in test.comparators):
            return True  # x is None
        if any(isinstance(op, ast.Eq | ast.LtE) for op in ops) and any(
            isinstance(c, ast.Constant) and c.value == 0 for c in test.comparators
        ):
            return True  # len(x) == 0
        status = any(_mentions_status(side) for side in [test.left, *test.comparators])
        return status and any(isinstance(op, ast.NotEq | ast.GtE | ast.Gt | ast.NotIn) for op in ops)
    if isinstance(test, ast.Attribute) and test.attr == "empty":
        return True
    return isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in {"isnull", "isna"}


def _mentions_status(node: ast.AST) -> bool:
    """`resp.status_code`, `status`, `r["status"]`: walked, not unparsed (deep expressions must not recurse)."""
    for child in walk(node):
        text = getattr(child, "id", None) or getattr(child, "attr", None)
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            text = child.value
        if text and "status" in text:
            return True
    return False


def _is_check_call(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in _CHECK_CALLS


def _has_word(node: ast.AST, words: tuple[str, ...]) -> bool:
    text = (dotted(node) or "").lower()
    return any(word in text for word in words)
