"""`none-on-error` (NB103): a function that returns None on failure, and callers that do not check."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import is_error_test, is_logging_call, is_loud, is_none, terminates
from nblint.analysis.symbols import walk_scope
from nblint.analysis.tree import walk
from nblint.diagnostics import Finding, Related, Span
from nblint.rule import Rule, example


class NoneOnError(Rule):
    code = "NB103"
    name = "none-on-error"
    summary = "A function returns None when something goes wrong, and callers do not check for it"
    why = (
        "`df = load_data(path)` looks fine until `load_data` quietly returns None for a missing file. The "
        "notebook then fails three cells later with `'NoneType' object has no attribute 'groupby'`, or "
        "worse, skips work and reports nothing. An error path should raise, so the failure points at "
        "its cause. A function that ends with `if isinstance(a, T): return ...` and no `else` returns None "
        "for every other type, just as quietly. A function whose every caller tests the result for None "
        "is not reported: there None is an answer the notebook handles."
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
        example(
            "import pandas as pd\n\ndef to_frame(a):\n    if isinstance(a, pd.Series):\n        return a.to_frame()\n"
            "    elif isinstance(a, dict):\n        return pd.DataFrame(a)",
            at=((1, 6),),
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
        example(
            "def connect():\n    try:\n        return open_client()\n    except ConnectionError:\n        return None",
            "client = connect()\nif client is None:\n    client = offline_client()",
        ),
        example(
            "def as_list(x):\n    if isinstance(x, (list, tuple)):\n        return list(x)\n"
            "    raise TypeError(f'expected a list or tuple, got {type(x).__name__}')"
        ),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        flagged: dict[str, tuple[int, ast.AST]] = {}
        calls: dict[str, list[tuple[int, CodeCell, ast.Call]]] | None = None  # built on first need
        for cell in nb.python_cells:
            for fn in cell.of_type(ast.FunctionDef, ast.AsyncFunctionDef):
                found = self._error_returns(cell, nb, fn)
                if found:
                    calls = calls if calls is not None else _calls_by_name(nb)
                    if _every_caller_checks(nb, calls.get(fn.name, [])):
                        continue
                for node, reason in found:
                    yield Finding(
                        f"`{fn.name}()` returns None {reason}; raise instead so the failure shows where it happened",
                        cell.number,
                        cell.span(node),
                    )
                    flagged.setdefault(fn.name, (cell.number, node))
        if flagged:
            yield from self._unchecked_callers(nb, flagged)

    def _error_returns(self, cell: CodeCell, nb: Analysis, fn) -> list[tuple[ast.AST, str]]:
        own = walk_scope(fn)
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
        # `if isinstance(a, Series): return ...` as the last statement, with no `else`: any other type
        # falls off the end, an implicit `return None`.
        last = _last_branch(fn.body[-1]) if fn.body else None
        if last is not None and _is_type_check(last.test) and terminates(last.body):
            found.append((last, "for an argument of a type it does not check (it falls off the end)"))
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


def _calls_by_name(nb: Analysis) -> dict[str, list[tuple[int, CodeCell, ast.Call]]]:
    """Every call of a plain name or a method, by that name: (cell index, cell, call)."""
    calls: dict[str, list[tuple[int, CodeCell, ast.Call]]] = {}
    for index, cell in enumerate(nb.python_cells):
        for node in cell.nodes:
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name:
                    calls.setdefault(name, []).append((index, cell, node))
    return calls


def _every_caller_checks(nb: Analysis, calls: list[tuple[int, CodeCell, ast.Call]]) -> bool:
    """Is the function called, and does every call test its result (`x = f(); if x is None: ...`,
    `if f(): ...`)? Then None is an answer its callers handle, not a failure they miss."""
    cells = nb.python_cells
    for index, cell, node in calls:
        parent = cell.parents.get(node)
        if isinstance(parent, ast.Await):
            node, parent = parent, cell.parents.get(parent)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            if not _none_checked(cells[index:], parent.targets[0].id):
                return False
        elif not (
            isinstance(parent, ast.BoolOp | ast.UnaryOp | ast.Compare)
            or (isinstance(parent, ast.If | ast.While | ast.IfExp) and parent.test is node)
        ):
            return False
    return bool(calls)


def _last_branch(stmt: ast.stmt) -> ast.If | None:
    """The last `if`/`elif` of a chain that has no `else`, or None."""
    while isinstance(stmt, ast.If):
        if not stmt.orelse:
            return stmt
        if len(stmt.orelse) != 1 or not isinstance(stmt.orelse[0], ast.If):
            return None
        stmt = stmt.orelse[0]
    return None


def _is_type_check(test: ast.AST) -> bool:
    """`isinstance(a, T)`, `issubclass(...)`, `type(a) is T` (possibly inside `and`/`or`/`not`)."""
    for node in walk(test):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"isinstance", "issubclass"}:
            return True
        if isinstance(node, ast.Compare) and any(
            isinstance(side, ast.Call) and getattr(side.func, "id", None) == "type"
            for side in [node.left, *node.comparators]
        ):
            return True
    return False


def _node_span(nb: Analysis, cell_number: int, node: ast.AST) -> Span:
    cell = next(c for c in nb.python_cells if c.number == cell_number)
    return cell.span(node)


def _declares_none(fn) -> bool:
    if fn.returns is not None and _mentions(fn.returns, ("None", "Optional", "Any")):
        return True
    doc = ast.get_docstring(fn) or ""
    return "None" in doc


def _mentions(annotation: ast.AST, words: tuple[str, ...]) -> bool:
    """Does an annotation name one of `words` (also inside a string annotation)? `ast.walk`, not
    `ast.unparse`: an annotation `A | B | ...` nests one level per term and must not recurse."""
    for node in walk(annotation):
        text = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(node, ast.Constant):
            text = "None" if node.value is None else node.value if isinstance(node.value, str) else None
        if text and any(word in text for word in words):
            return True
    return False


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
                if any(isinstance(n, ast.Name) and n.id == name for n in walk(test)):
                    return True
    return False
