"""Rules about errors that are hidden, masked or left behind."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis import Analysis, CodeCell
from nblint.diagnostics import Finding, Related, Span
from nblint.rule import CellRule, Rule, code_cell, example, md

from .patterns import (
    call_name,
    exit_status,
    first_line_span,
    is_error_test,
    is_logging_call,
    is_loud,
    is_none,
    terminates,
    walk_scope,
)


class SyntaxErrorRule(Rule):
    code = "NB001"
    name = "syntax-error"
    summary = "A code cell is not valid Python"
    why = (
        "A cell that does not parse stops the notebook at that point when it runs top to bottom, and "
        "nblint cannot check it. Each cell is parsed on its own, so the other cells are still checked."
    )
    how_to_fix = "Fix the syntax at the line shown. IPython magics (`%time`, `!ls`) are understood and fine."
    bad = (example("values = [1, 2]", "total = 0\nfor x in values\n    total += x", at=((2, 2),)),)
    good = (
        example("import pandas as pd", "df = pd.DataFrame({'a': [1, 2]})\nprint(df)"),
        example("%matplotlib inline\n!ls data\nx = await fetch()\ny = !pwd"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.code_cells:
            exc = cell.syntax_error
            if exc is None:
                continue
            line = min(max(exc.lineno or 1, 1), max(len(cell.lines), 1))
            column = max(exc.offset or 1, 1)
            text = cell.lines[line - 1] if cell.lines else ""
            column = min(column, len(text) + 1)
            yield Finding(
                f"SyntaxError: {exc.msg}",
                cell.number,
                Span(line, column, line, max(column + 1, len(text.rstrip()) + 1)),
            )


class ErrorOutputSaved(Rule):
    code = "NB402"
    name = "error-output-saved"
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
        ename, evalue = output.get("ename") or "Error", str(output.get("evalue") or "")
        return f"{ename}: {evalue[:80]}" if evalue else str(ename)
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if "Traceback (most recent call last):" in text:
            last = [ln for ln in text.strip().splitlines() if ln.strip()][-1]
            return f"a traceback printed to stderr ({last.strip()[:80]})"
    return None


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


class NoneOnError(Rule):
    code = "NB103"
    name = "none-on-error"
    summary = "A function returns None when something goes wrong, and callers do not check for it"
    why = (
        "`df = load_data(path)` looks fine until `load_data` quietly returns None for a missing file. The "
        "notebook then fails three cells later with `'NoneType' object has no attribute 'groupby'`, or "
        "worse, skips work and reports nothing. An error path should raise, so the failure points at "
        "its cause."
    )
    how_to_fix = (
        "Raise instead of returning None: `raise FileNotFoundError(path)`. If None is a real answer "
        "(nothing found), say so with `-> X | None` and check the result where you call it."
    )
    bad = (
        example(
            "import os\nimport pandas as pd\n\ndef load_data(path):\n    if not os.path.exists(path):\n"
            "        print(f'missing {path}')\n        return None\n    return pd.read_csv(path)",
            "df = load_data('sales.csv')\ndf.groupby('region').sum()",
            at=((1, 7), (2, 1)),
        ),
        example(
            "import json\n\ndef read_config(path):\n    try:\n        with open(path) as fh:\n"
            "            return json.load(fh)\n    except FileNotFoundError:\n        print('no config')",
            at=((1, 7),),
        ),
        example(
            "def train(X, y):\n    try:\n        return model.fit(X, y)\n    except ValueError:\n        return",
            at=((1, 5),),
        ),
    )
    good = (
        example(
            "import os\nimport pandas as pd\n\ndef load_data(path):\n    if not os.path.exists(path):\n"
            "        raise FileNotFoundError(path)\n    return pd.read_csv(path)",
            "df = load_data('sales.csv')",
        ),
        example(
            "def find_user(users, name) -> dict | None:\n    for user in users:\n        if user['name'] == name:\n"
            "            return user\n    return None",
            "user = find_user(users, 'ada')\nif user is None:\n    raise KeyError('ada')",
        ),
        example(
            "def save(df, path):\n    if df.empty:\n        print('nothing to save')\n        return\n"
            "    df.to_csv(path)",
            "save(df, 'out.csv')",
        ),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        flagged: dict[str, tuple[int, ast.AST]] = {}
        for cell in nb.python_cells:
            for fn in cell.nodes:
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    for node, reason in self._error_returns(cell, nb, fn):
                        yield Finding(
                            f"`{fn.name}()` returns None {reason}; raise instead so the failure "
                            "shows where it happened",
                            cell.number,
                            cell.span(node),
                        )
                        flagged.setdefault(fn.name, (cell.number, node))
        if flagged:
            yield from self._unchecked_callers(nb, flagged)

    def _error_returns(self, cell: CodeCell, nb: Analysis, fn) -> list[tuple[ast.AST, str]]:
        own = list(walk_scope(fn))
        returns = [n for n in own if isinstance(n, ast.Return)]
        if not any(not is_none(r.value) for r in returns) or any(isinstance(n, ast.Yield | ast.YieldFrom) for n in own):
            return []
        if _declares_none(fn):
            return []
        found: list[tuple[ast.AST, str]] = []
        for ret in returns:
            if is_none(ret.value):
                reason = self._error_context(cell, nb, ret, fn)
                if reason:
                    found.append((ret, reason))
        # Falling off the end after a handler that does not return is an implicit `return None`.
        for node in own:
            if isinstance(node, ast.Try) and _is_tail(fn.body, node):
                for handler in node.handlers:
                    if not terminates(handler.body) and not is_loud(nb, handler.body):
                        found.append((handler, "when it catches an error (it falls off the end)"))
        return found

    @staticmethod
    def _error_context(cell: CodeCell, nb: Analysis, ret: ast.Return, fn) -> str | None:
        child: ast.AST = ret
        for parent in cell.ancestors(ret):
            if parent is fn:
                return None
            if isinstance(parent, ast.ExceptHandler):
                return "when it catches an error"
            reports = isinstance(parent, ast.If) and any(
                isinstance(s, ast.Expr) and is_logging_call(nb, s.value) for s in parent.body
            )
            if isinstance(parent, ast.If) and child in parent.body and (is_error_test(parent.test) or reports):
                return "after a failed check"
            child = parent
        return None

    def _unchecked_callers(self, nb: Analysis, flagged: dict[str, tuple[int, ast.AST]]) -> Iterator[Finding]:
        cells = nb.python_cells
        for index, cell in enumerate(cells):
            for node in cell.nodes:
                if not (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name)
                    and node.value.func.id in flagged
                ):
                    continue
                fn_cell, fn_node = flagged[node.value.func.id]
                if fn_cell >= cell.number or any(
                    isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef) for p in cell.ancestors(node)
                ):
                    continue
                target = node.targets[0].id
                if not _none_checked(cells[index:], target):
                    yield Finding(
                        f"`{target}` may be None: `{node.value.func.id}()` returns None when it fails, and "
                        f"`{target}` is never checked",
                        cell.number,
                        cell.span(node),
                        related=(
                            Related(
                                f"`{node.value.func.id}()` returns None here", fn_cell, _node_span(nb, fn_cell, fn_node)
                            ),
                        ),
                    )


def _node_span(nb: Analysis, cell_number: int, node: ast.AST) -> Span:
    cell = next(c for c in nb.python_cells if c.number == cell_number)
    return cell.span(node)


def _declares_none(fn) -> bool:
    ret = fn.returns
    if ret is not None:
        text = ast.unparse(ret)
        if "None" in text or "Optional" in text or "Any" in text:
            return True
    doc = ast.get_docstring(fn) or ""
    return "None" in doc


def _is_tail(body: list[ast.stmt], node: ast.stmt) -> bool:
    """Is `node` a statement after which the function can fall off its end?"""
    if node in body:
        return body[-1] is node or not terminates(body[body.index(node) + 1 :])
    for stmt in body:
        if isinstance(stmt, ast.With | ast.AsyncWith) and node in stmt.body:
            return _is_tail(stmt.body, node) and (body[-1] is stmt or not terminates(body[body.index(stmt) + 1 :]))
    return False


def _none_checked(cells: list[CodeCell], name: str) -> bool:
    """Is `name` tested for None or truthiness anywhere in these cells?"""
    for cell in cells:
        for node in cell.nodes:
            tests = []
            if isinstance(node, ast.Assert) and isinstance(node.test, ast.Tuple):
                continue  # `assert (x, "msg")` never fails, so it checks nothing
            if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
                tests.append(node.test)
            elif isinstance(node, ast.BoolOp):
                tests.extend(node.values)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance":
                tests.extend(node.args[:1])
            for test in tests:
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(test)):
                    return True
    return False
