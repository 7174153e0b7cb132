"""`undefined-name` (NB004): a name that nothing in the notebook defines, so reading it raises NameError."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from nblint.analysis.cells import CodeCell
from nblint.analysis.layout import errors_expected
from nblint.analysis.notebook import Analysis
from nblint.analysis.symbols import KNOWN
from nblint.analysis.tree import walk
from nblint.diagnostics import Finding
from nblint.rule import Rule, code_cell, example

# Names a kernel, platform or scope provides without a statement: IPython's output history (`_3`,
# `_i3`) and shell status, VS Code's notebook path, class-body and method names, Windows' builtins,
# Spark and Databricks sessions.
_INJECTED = frozenset(
    {
        "__IPYTHON__", "_exit_code", "_sh", "__session__", "__vsc_ipynb_file__", "__class__", "__annotations__",
        "__qualname__", "__module__", "WindowsError",
        "spark", "sc", "sqlContext", "dbutils", "displayHTML", "mssparkutils", "notebookutils",
    }
)  # fmt: skip
_HISTORY = re.compile(r"_i{0,3}\d+$")
_WORD = re.compile(r"[A-Za-z_]\w*")
# Using these lets a notebook define names nblint cannot see; it then stands down.
_DYNAMIC = frozenset({"exec", "execfile", "globals", "locals", "__builtins__", "builtins", "__main__"})
# `%run` and `%load` bring in another file's names, `%pylab` numpy's and matplotlib's.
_OPAQUE_MAGICS = frozenset({"run", "load", "loadpy", "pylab"})


@dataclass
class _Names:
    """Names bound, bound only in dead code, and read, across the notebook."""

    bound: set[str] = field(default_factory=set)
    dead: set[str] = field(default_factory=set)  # bound only under `if False:`
    reads: list[tuple[CodeCell, ast.Name]] = field(default_factory=list)
    opaque: bool = False


class UndefinedName(Rule):
    code = "NB004"
    name = "undefined-name"
    summary = "A name is read that nothing in the notebook defines: that line raises NameError"
    why = (
        "No cell assigns, imports or defines the name, and it is not a builtin or one of IPython's own "
        "names, so the line raises NameError on every run. The notebook only ever worked in a kernel "
        "where the name was left over from a deleted cell, another notebook, or a typo's correct twin."
    )
    how_to_fix = (
        "Define the name in a cell above its first use (or fix the spelling), then restart the kernel and "
        "run all cells. A name bound only under `if False:` is never bound: move it out."
    )
    bad = (
        example("a = 1", "c = b + a", at=((2, 1),)),
        example("if False:\n    threshold = 0.5", "flagged = [v for v in values if v > threshold]",
                at=((2, 1),)),
        example("def score(row):\n    return row.total * wieght", "weight = 2", at=((1, 2),)),
    )  # fmt: skip
    good = (
        example("from helpers import *", "print(threshold)"),
        example("%store -r threshold", "print(threshold)"),
        example("%run setup.ipynb", "print(config)"),
        example("globals()['threshold'] = 0.5", "print(threshold)"),
        example("def setup():\n    global cfg\n    cfg = {}", "setup()\nprint(cfg)"),
        example("squares = [n * n for n in range(3)]\nclass A:\n    k = 1\n    v = [k]\nf = lambda x: x + 1",
                "display(squares)\nprint(_, __, _i, In[1], Out, _2, get_ipython(), __name__)"),
        example("x = 1\ndel x", "try:\n    x\nexcept NameError:\n    x = 2"),
        example(code_cell("%%capture captured\nprint('quiet')"), "captured.show()"),
        example(code_cell("%%R -o fit\nfit <- lm(y ~ x)"), "print(fit)"),
        example("if 'model' in dir() and model is not None:\n    print(model)"),
        example(code_cell("raise Error('not reached')", metadata={"tags": ["raises-exception"]})),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        if _python2(nb.notebook.metadata):
            return
        names = _Names()
        for cell in nb.code_cells:
            _collect(cell, names, errors_expected(cell.cell, nb.notebook))
        if names.opaque:
            return
        names.dead -= names.bound
        known = KNOWN | _INJECTED | names.bound
        reported: set[str] = set()
        for cell, node in names.reads:
            name = node.id
            if name in known or name in reported or _HISTORY.match(name) or _not_evaluated_plainly(cell, node):
                continue
            reported.add(name)
            if name in names.dead:
                message = f"`{name}` is only defined under `if False:`, which never runs; this raises NameError"
            else:
                message = f"`{name}` is never defined in this notebook; this raises NameError"
            yield Finding(message, cell.number, cell.span(node))


def _python2(metadata: dict) -> bool:
    info, spec = metadata.get("language_info"), metadata.get("kernelspec")
    version = str(info.get("version", "")) if isinstance(info, dict) else ""
    kernel = str(spec.get("name", "")) if isinstance(spec, dict) else ""
    return version.startswith("2.") or kernel == "python2"


def _collect(cell: CodeCell, names: _Names, expected_to_fail: bool) -> None:
    mock = cell.cell.metadata.get("nbmake", {})
    if isinstance(mock, dict) and isinstance(mock.get("mock"), dict):  # nbmake replaces the cell with these names
        names.bound |= set(mock["mock"])
    for magic in cell.transformed.magics:
        restore_all = magic.name == "store" and magic.text.split() == ["-r"]
        if magic.kind in {"line", "cell"} and (magic.name in _OPAQUE_MAGICS or restore_all):
            names.opaque = True
        # Magics bind names in many ways (`%%capture out`, `%R -o df`, `%store -r x`): every word counts.
        names.bound |= set(_WORD.findall(magic.text))
    if cell.tree is None:  # a cell magic in another language, or a syntax error: it may bind any word in it
        names.bound |= set(_WORD.findall(cell.cell.source))
        return
    never_run = [stmt for node in cell.of_type(ast.If, ast.While) if _never_runs(node) for stmt in node.body]
    dead = {id(inner) for stmt in never_run for inner in walk(stmt)}
    for node in cell.nodes:
        kind = type(node)
        if kind is ast.Name:
            if not isinstance(node.ctx, ast.Load):
                (names.dead if id(node) in dead else names.bound).add(node.id)
            elif _dynamic(cell, node):
                names.opaque = True
            elif id(node) not in dead and not expected_to_fail:
                names.reads.append((cell, node))
            continue
        if kind in _BINDERS:
            for bound in _binds(node):
                (names.dead if id(node) in dead else names.bound).add(bound)
        if kind in (ast.ImportFrom, ast.Attribute) and _opaque(node):
            names.opaque = True
        elif kind is ast.Subscript and _static_globals_store(cell, node):
            names.bound.add(node.slice.value)
        elif kind is ast.Compare and _namespace_test(node):
            names.bound.add(node.left.value)


def _not_evaluated_plainly(cell: CodeCell, node: ast.Name) -> bool:
    """Is the read inside an annotation (often a name imported only for type checkers, or never evaluated)
    or in the body of a `try` that catches NameError (which tests whether the name exists)? Asked only
    of the few reads of names nothing binds, by walking up from the read."""
    child = node
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.arg | ast.AnnAssign) and parent.annotation is child:
            return True
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef) and parent.returns is child:
            return True
        if _catches_name_error(parent) and child in parent.body:
            return True
        child = parent
    return False


def _dynamic(cell: CodeCell, node: ast.Name) -> bool:
    """`exec(...)`, `globals().update(...)`, `vars()[k] = v`: names appear that no statement binds."""
    if node.id not in _DYNAMIC and node.id != "vars":
        return False
    call = cell.parents.get(node)
    if isinstance(call, ast.Call) and _namespace_test(cell.parents.get(call)):
        return False  # `"x" in globals()` only asks
    if node.id in _DYNAMIC:
        return not _static_globals_store(cell, node)
    return node.id == "vars" and isinstance(call, ast.Call) and not call.args


def _namespace_test(node: ast.AST | None) -> bool:
    """`"model" in dir()` / `in globals()` / `not in locals()`: the code checks whether the name exists."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))):
        return False
    space = node.comparators[0]
    return (
        isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
        and isinstance(space, ast.Call)
        and not space.args
        and getattr(space.func, "id", "") in {"dir", "globals", "locals", "vars"}
    )


def _opaque(node: ast.AST) -> bool:
    """A star import, or IPython's namespace written directly (`get_ipython().push(...)`, `.user_ns`)."""
    if isinstance(node, ast.ImportFrom):
        return any(a.name == "*" for a in node.names)
    if not isinstance(node, ast.Attribute):
        return False
    value = node.value
    pushed = node.attr == "push" and isinstance(value, ast.Call) and getattr(value.func, "id", "") == "get_ipython"
    return pushed or node.attr == "user_ns"


# Nodes other than a stored `Name` that bind a name (`_binds`); PEP 695's type parameters from Python 3.12.
_BINDERS = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.arg, ast.Global,
     ast.Nonlocal, ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping}
    | {getattr(ast, kind) for kind in ("TypeVar", "ParamSpec", "TypeVarTuple") if hasattr(ast, kind)}
)  # fmt: skip


def _binds(node: ast.AST) -> Iterator[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        yield from node.names
    elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        yield node.name
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest
    elif type(node).__name__ in {"TypeVar", "ParamSpec", "TypeVarTuple"}:  # PEP 695, Python 3.12
        yield node.name


def _never_runs(node: ast.AST) -> bool:
    """`if False:` / `if 0:` / `while False:`: a body no run enters."""
    return isinstance(node, (ast.If, ast.While)) and isinstance(node.test, ast.Constant) and not node.test.value


def _catches_name_error(node: ast.AST) -> bool:
    """`try: x` / `except NameError:` tests whether a name exists: reading it there is the point."""
    if not isinstance(node, (ast.Try, ast.TryStar)):
        return False
    for handler in node.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if caught is None or any(isinstance(n, ast.Name) and n.id in {"NameError", "Exception", "BaseException"}
                                 for n in names):  # fmt: skip
            return True
    return False


def _static_globals_store(cell: CodeCell, node: ast.AST) -> bool:
    """`globals()["name"] = ...`: binds `name`, which nblint can read (for the Subscript or its `globals`)."""
    if isinstance(node, ast.Name):
        call = cell.parents.get(node)
        subscript = cell.parents.get(call) if isinstance(call, ast.Call) else None
        return isinstance(subscript, ast.Subscript) and _static_globals_store(cell, subscript)
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "globals"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    )
