"""`swallowed-exception` (NB101): an exception handler that hides the error and carries on."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import call_name, first_line_span, is_logging_call, is_loud, is_none
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example

_BROAD = frozenset({"Exception", "BaseException"})
_OPTIONAL_IMPORT = frozenset({"ImportError", "ModuleNotFoundError"})


class SwallowedException(CellRule):
    code = "NB101"
    name = "swallowed-exception"
    summary = "An exception handler hides the error and carries on"
    why = (
        "When a handler only passes, prints, logs or returns a placeholder, the notebook keeps going with "
        "missing or half-built data and still finishes 'successfully'. The error surfaces much later, far "
        "from its cause, or never. A bare `except:` also catches KeyboardInterrupt and SystemExit."
    )
    how_to_fix = (
        "Catch the specific exception you expect and handle it for real, or re-raise after logging "
        "(`logger.exception(...); raise`), or raise a clearer error (`raise ValueError(...) from exc`). "
        "A retry loop needs an `else: raise ...` for when every attempt failed."
    )
    bad = (
        example("try:\n    df = pd.read_csv('data.csv')\nexcept Exception:\n    pass", at=((1, 3),)),
        example("try:\n    model.fit(X, y)\nexcept:\n    model = None", at=((1, 3),)),
        example(
            "for path in paths:\n    try:\n        frames.append(pd.read_csv(path))\n"
            "    except ValueError as exc:\n        print(f'skipping {path}: {exc}')\n        continue",
            at=((1, 4),),
        ),
        example(
            "import contextlib\nwith contextlib.suppress(Exception):\n    df = df.merge(lookup, on='id')",
            at=((1, 2),),
        ),
        example(
            "import time\nfor attempt in range(3):\n    try:\n        resp = fetch()\n        break\n"
            "    except ConnectionError:\n        time.sleep(2)",
            at=((1, 6),),
        ),
        example(
            "import logging\nlog = logging.getLogger(__name__)\ndef load(p):\n    try:\n        return read(p)\n"
            "    except Exception as exc:\n        log.error('could not load %s', p)\n        return {}",
            at=((1, 6),),
        ),
    )
    good = (
        example(
            "try:\n    df = pd.read_csv('data.csv')\nexcept FileNotFoundError:\n"
            "    logger.exception('input missing')\n    raise"
        ),
        example(
            "try:\n    value = int(text)\nexcept ValueError as exc:\n"
            "    raise ValueError(f'bad value {text!r}') from exc"
        ),
        example("try:\n    import torch\nexcept ImportError:\n    torch = None"),
        example("import sys\ntry:\n    main()\nexcept Exception:\n    sys.exit(1)"),
        example(
            "import time\nfor attempt in range(3):\n    try:\n        resp = fetch()\n        break\n"
            "    except ConnectionError:\n        time.sleep(2)\nelse:\n    raise RuntimeError('service down')"
        ),
        example("import os\ntry:\n    os.makedirs('out')\nexcept FileExistsError:\n    pass"),
        example(
            "errors = []\nfor row in rows:\n    try:\n        check(row)\n"
            "    except ValueError as exc:\n        errors.append(exc)\nassert not errors, errors"
        ),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.nodes:
            if isinstance(node, ast.Try | ast.TryStar):
                for handler in node.handlers:
                    message = self._judge(cell, nb, handler)
                    if message:
                        yield Finding(message, cell.number, first_line_span(cell, handler))
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    ctx = item.context_expr
                    if call_name(nb, ctx) == "contextlib.suppress" and _catches_broad(ctx.args):
                        yield Finding(
                            "`contextlib.suppress` of every exception hides all errors in this block",
                            cell.number,
                            first_line_span(cell, node),
                        )

    def _judge(self, cell: CodeCell, nb: Analysis, handler: ast.ExceptHandler) -> str | None:
        if is_loud(nb, handler.body):
            return None
        if handler.type is None:
            return "bare `except:` catches everything, even KeyboardInterrupt, and does not re-raise"
        kinds = [_swallow_kind(nb, stmt) for stmt in handler.body]
        if None in kinds:
            return None  # the handler does real work
        loop = _enclosing_loop(cell, handler)
        if "sleep" in kinds and loop is not None and not is_loud(nb, loop.orelse):
            return "retry loop gives up silently when every attempt fails; add `else: raise ...` to the loop"
        caught = _caught(handler)
        if caught & _BROAD:
            return f"`except {'/'.join(sorted(caught & _BROAD))}` swallows every error: {_what(kinds)}"
        # `except ImportError: print("install x for plots")` is the optional-dependency idiom.
        if "log" in kinds and "assign" not in kinds and not caught <= _OPTIONAL_IMPORT:
            return f"handler reports the error and carries on: {_what(kinds)}"
        return None


def _swallow_kind(nb: Analysis, stmt: ast.stmt) -> str | None:
    """How a statement in a handler lets the error go, or None if it does real work."""
    if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
        return "pass"
    if isinstance(stmt, ast.Expr):
        if isinstance(stmt.value, ast.Constant):
            return "pass"
        if is_logging_call(nb, stmt.value):
            return "log"
        if call_name(nb, stmt.value) in {"time.sleep", "sleep", "asyncio.sleep"}:
            return "sleep"
        if isinstance(stmt.value, ast.Await) and call_name(nb, stmt.value.value) == "asyncio.sleep":
            return "sleep"
    if isinstance(stmt, ast.Return) and (is_none(stmt.value) or _is_sentinel(stmt.value)):
        return "return"
    if isinstance(stmt, ast.Assign) and _is_sentinel(stmt.value):
        return "assign"
    return None


def _is_sentinel(node: ast.AST | None) -> bool:
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
        return not getattr(node, "elts", None) and not getattr(node, "keys", None)
    return False


def _what(kinds: list[str]) -> str:
    if "return" in kinds:
        return "it returns a placeholder instead of failing"
    if "log" in kinds:
        return "it only logs or prints"
    if "assign" in kinds:
        return "it only sets a placeholder value"
    return "it does nothing with the error"


def _caught(handler: ast.ExceptHandler) -> set[str]:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}


def _catches_broad(args: list[ast.expr]) -> bool:
    return any(isinstance(a, ast.Name) and a.id in _BROAD for a in args)


def _enclosing_loop(cell: CodeCell, node: ast.AST) -> ast.For | ast.While | None:
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.For | ast.AsyncFor | ast.While):
            return parent
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return None
    return None
