"""`swallowed-exception` (NB101): an exception handler that hides the error and carries on."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import call_name, first_line_span, is_loud, swallow_kind
from nblint.analysis.symbols import walk_scope
from nblint.analysis.tree import walk
from nblint.diagnostics import Finding
from nblint.rule import Rule, example

_BROAD = frozenset({"Exception", "BaseException"})
_OPTIONAL_IMPORT = frozenset({"ImportError", "ModuleNotFoundError"})


class SwallowedException(Rule):
    code = "NB101"
    name = "swallowed-exception"
    summary = "An exception handler hides the error and carries on"
    why = (
        "When a handler only passes, prints, logs or returns a placeholder, the notebook keeps going with "
        "missing or half-built data and still finishes 'successfully'. The error surfaces much later, far "
        "from its cause, or never. A bare `except:` also catches KeyboardInterrupt and SystemExit. A narrow "
        "handler that returns a placeholder (`except ValueError: return 0`) in a function applied item by "
        "item turns bad input into silently wrong or missing rows. A handler that ends in `sys.exit(0)` "
        "or `exit()` reports the failure as success; this rule reports it (not `exit-code-masking`), once. "
        "Not reported: a working fallback whose own failure still propagates (`except ImportError: from old "
        "import f`; a bare `except:` too), a yes/no function whose handler answers `return False`, and a "
        "cell that shows an error on purpose: it builds nothing in its `try`, and its "
        "handler only displays the error itself (`except SchemaError as e: display(e.failure_cases)`)."
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
        example(
            "import json\n\ndef parse(line):\n    try:\n        return json.loads(line)\n"
            "    except json.JSONDecodeError:\n        return None",
            "records = [parse(line) for line in lines]\nrecords = [r for r in records if r is not None]",
            at=((1, 6),),
        ),
        example(
            "import sys\ntry:\n    df = pd.read_csv('input.csv')\nexcept FileNotFoundError as exc:\n"
            "    print(f'missing input: {exc}')\n    sys.exit(0)",
            at=((1, 4),),
        ),
        example("try:\n    run()\nexcept Exception:\n    exit()", at=((1, 3),)),
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
        example("try:\n    from tomllib import loads\nexcept ImportError:\n    from tomli import loads"),
        example(
            "import requests\n\ndef service_up(url):\n    try:\n"
            "        requests.get(url, timeout=5).raise_for_status()\n        return True\n"
            "    except requests.RequestException:\n        return False"
        ),
        example(
            "import pandera as pa",
            "try:\n    schema.validate(bad_rows, lazy=True)\nexcept pa.errors.SchemaErrors as err:\n"
            "    display(err.failure_cases)",
        ),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        per_item = _per_item_functions(nb)
        for cell in nb.python_cells:
            yield from self._check_cell(cell, nb, per_item)

    def _check_cell(self, cell: CodeCell, nb: Analysis, per_item: set[str]) -> Iterator[Finding]:
        for node in cell.of_type(ast.Try, ast.TryStar, ast.With, ast.AsyncWith):
            if isinstance(node, ast.Try | ast.TryStar):
                for handler in node.handlers:
                    message = self._judge(cell, nb, node, handler, per_item)
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

    def _judge(self, cell: CodeCell, nb: Analysis, try_: ast.Try, handler: ast.ExceptHandler, per_item) -> str | None:
        if is_loud(nb, handler.body):
            return None
        kinds = [swallow_kind(nb, stmt) for stmt in handler.body]
        if "exit" in kinds and None not in kinds:
            exit_stmt = handler.body[kinds.index("exit")]
            name = call_name(nb, getattr(exit_stmt, "value", None)) or "raise SystemExit"
            still_runs = " (and in a kernel `exit()` does not even stop the notebook)" if name in _KERNEL_EXITS else ""
            return (
                f"handler {'reports the error and ' if 'log' in kinds else ''}exits with status 0 "
                f"(`{name}`): callers see success{still_runs}"
            )
        if None in kinds:
            return None  # the handler does real work, e.g. a fallback whose own failure propagates
        if handler.type is None:
            return "bare `except:` catches everything, even KeyboardInterrupt, and does not re-raise"
        loop = _enclosing_loop(cell, handler)
        if "sleep" in kinds and loop is not None and not is_loud(nb, loop.orelse):
            return "retry loop gives up silently when every attempt fails; add `else: raise ...` to the loop"
        fn = _enclosing_function(cell, handler)
        if fn is not None and _answers_false(handler, fn):
            return None
        caught = _caught(handler)
        if caught & _BROAD:
            return f"`except {'/'.join(sorted(caught & _BROAD))}` swallows every error: {_what(kinds)}"
        if "log" in kinds and _demonstrates(cell, nb, try_, handler):
            return None
        # `except ImportError: print("install x for plots")` is the optional-dependency idiom.
        if "log" in kinds and "assign" not in kinds and not caught <= _OPTIONAL_IMPORT:
            return f"handler reports the error and carries on: {_what(kinds)}"
        if "return" in kinds and fn is not None and fn.name in per_item:
            placeholder = ast.unparse(handler.body[kinds.index("return")])
            return (
                f"`except {'/'.join(sorted(caught))}` turns bad input into a placeholder (`{placeholder}`) and "
                f"`{fn.name}()` is applied item by item: bad items silently become placeholders or are "
                "filtered out; raise, or count the failures and check the count"
            )
        return None


def _answers_false(handler: ast.ExceptHandler, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`def test_connection(): try: ...; return True / except Exception: return False`: for a function
    that answers yes or no, the error is the answer."""
    returns = [n for n in walk_scope(fn) if isinstance(n, ast.Return)]
    mine = [r for r in returns if r in handler.body]
    if not mine or not all(isinstance(r.value, ast.Constant) and r.value.value is False for r in mine):
        return False
    others = [r.value for r in returns if r not in mine]
    return bool(others) and all(_is_boolean(v) for v in others)


def _is_boolean(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"bool", "isinstance", "callable"}:
        return True
    # `return self.connected` after `self.connected = response.status_code == 200`: a flag.
    return isinstance(node, ast.Compare | ast.BoolOp | ast.Attribute | ast.Name)


def _demonstrates(cell: CodeCell, nb: Analysis, try_: ast.Try, handler: ast.ExceptHandler) -> bool:
    """A teaching cell that shows an error on purpose (`try: schema.validate(bad)` / `except SchemaError
    as e: display(e.failure_cases)`): the error is the output, and the `try` builds nothing that
    later cells could use half-built."""
    if handler.name is None or _enclosing_loop(cell, handler) or _enclosing_function(cell, handler):
        return False
    binds = any(isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) for s in try_.body for n in walk(s))
    shown = [arg for stmt in handler.body if swallow_kind(nb, stmt) == "log" for arg in stmt.value.args]
    # Only the error itself is shown (`e`, `e.failure_cases`, `repr(e)`), no "step failed" message.
    return not binds and bool(shown) and all(_only_the_error(arg, handler.name) for arg in shown)


def _only_the_error(node: ast.AST, name: str) -> bool:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        return _only_the_error(node.args[0], name)  # str(e), repr(e), type(e)
    return isinstance(node, ast.Name) and node.id == name


def _per_item_functions(nb: Analysis) -> set[str]:
    """Functions the notebook applies item by item: called in a loop or comprehension, or passed to
    `map`, `filter`, `.apply`, `.map`, `.applymap`, `.transform`."""
    names: set[str] = set()
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Call):
            if isinstance(node.func, ast.Name) and any(isinstance(a, _REPEATING) for a in cell.ancestors(node)):
                names.add(node.func.id)
            mapper = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if mapper in _MAPPERS:
                names |= {a.id for a in node.args if isinstance(a, ast.Name)}
    return names


_REPEATING = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_MAPPERS = frozenset({"map", "filter", "apply", "applymap", "transform", "starmap", "imap", "map_elements"})
_KERNEL_EXITS = frozenset({"exit", "quit"})


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


def _enclosing_function(cell: CodeCell, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return next((p for p in cell.ancestors(node) if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef)), None)
