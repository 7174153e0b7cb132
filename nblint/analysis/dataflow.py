"""Where values come from and whether anything checks them, across cells.

Shared by `missing-assertion` and `unchecked-io`: which names hold loaded data, a
trained model or a metric; which names each name was derived from; and which
names are validated (assert, an `if` that raises, a validation call, a helper
that asserts on its parameters). Validating a value counts for everything it
was derived from, so `assert accuracy > 0.8` also covers the model and the data.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nblint.analysis.cells import CodeCell
from nblint.analysis.patterns import is_loud
from nblint.analysis.symbols import SCOPES, walk_scope

if TYPE_CHECKING:
    from nblint.analysis.notebook import Analysis

LOADERS = frozenset(
    {
        "numpy.load",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "json.load",
        "json.loads",
        "pickle.load",
        "pickle.loads",
        "yaml.safe_load",
        "yaml.load",
        "yaml.full_load",
        "yaml.unsafe_load",
        "joblib.load",
        "csv.reader",
        "csv.DictReader",
        "torch.load",
        "pyarrow.parquet.read_table",
        "xarray.open_dataset",
        "geopandas.read_file",
        "scipy.io.loadmat",
        "h5py.File",
    }
)
_LOADER_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_", "modin.pandas.read_")
_FETCH_METHODS = frozenset({"fetchall", "fetchone", "fetchmany", "fetch_pandas_all", "fetchdf"})
_EVALUATORS = frozenset({"score", "evaluate"})  # predictions are a step towards a metric, not a result
_METRIC_PREFIXES = ("sklearn.metrics.", "sklearn.model_selection.cross_val", "scipy.stats.")
_VALIDATOR_NAME = re.compile(r"validat|check|verify|assert|expect|ensure", re.I)


@dataclass(frozen=True)
class Producer:
    name: str
    kind: str  # "load", "model", "metric"
    what: str  # the call, for messages
    cell: CodeCell
    node: ast.AST  # the statement


@dataclass
class DataFlow:
    producers: list[Producer] = field(default_factory=list)
    parents: dict[str, set[str]] = field(default_factory=dict)  # name -> names it was computed from
    validated: set[str] = field(default_factory=set)

    def is_validated(self, name: str) -> bool:
        return name in self.validated

    def ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = [name]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen


def call_kind(nb: Analysis, call: ast.Call, loaders: set[str] = frozenset()) -> tuple[str, str] | None:
    """('load' | 'model' | 'metric', description) for a call that produces data worth checking."""
    name = nb.qualified(call.func) or ""
    if name in LOADERS or name.startswith(_LOADER_PREFIXES) or name in loaders:
        return "load", name
    if isinstance(call.func, ast.Attribute):
        attr = call.func.attr
        if attr in _FETCH_METHODS or attr == "read_sql":
            return "load", attr
        if attr == "fit":
            return "model", "fit"
        if attr in _EVALUATORS:
            return "metric", attr
    if name.startswith(_METRIC_PREFIXES) and not name.endswith(("train_test_split", "make_scorer")):
        return "metric", name
    return None


def _module_statements(cell: CodeCell):
    """Statements that run at cell level: not inside function or class bodies."""
    stack = list(reversed(cell.tree.body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (*SCOPES, ast.ClassDef)):
            continue
        for child in reversed(list(ast.iter_child_nodes(stmt))):
            if isinstance(child, ast.stmt):
                stack.append(child)
            elif isinstance(child, ast.ExceptHandler | ast.match_case):
                stack.extend(reversed(child.body))


def _loads(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _targets(stmt: ast.stmt) -> list[ast.AST]:
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    if isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        return [stmt.target]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.target]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    return []


def _value(stmt: ast.stmt) -> ast.AST | None:
    if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
        return stmt.value
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return stmt.iter
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return ast.Tuple([i.context_expr for i in stmt.items], ast.Load())
    return None


def build_dataflow(nb: Analysis) -> DataFlow:
    """The notebook's data flow; read it as `Analysis.dataflow`, which builds it once."""
    flow = DataFlow()
    loaders, validating_functions = _user_functions(nb)
    seen: set[str] = set()
    for cell in nb.python_cells:
        for stmt in _module_statements(cell):
            value = _value(stmt)
            targets = [n for t in _targets(stmt) for n in _target_names(t)]
            for target in targets:
                flow.parents.setdefault(target, set()).update(_loads(value) - {target})
            # `model.fit(X, y)` as a statement trains `model` from X and y.
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
                if isinstance(receiver, ast.Name):
                    flow.parents.setdefault(receiver.id, set()).update(_loads(call) - {receiver.id})
                    kind = call_kind(nb, call, loaders)
                    if kind and kind[0] == "model" and receiver.id not in seen:
                        seen.add(receiver.id)
                        flow.producers.append(Producer(receiver.id, "model", "fit", cell, stmt))
            if value is not None and targets and isinstance(stmt, ast.Assign | ast.AnnAssign):
                kind = _value_kind(nb, value, loaders)
                if kind:
                    for target in targets:
                        if target not in seen:
                            seen.add(target)
                            flow.producers.append(Producer(target, kind[0], kind[1], cell, stmt))
        flow.validated |= _checked_names(nb, cell, validating_functions)
    # Validation flows back to everything a checked value was computed from.
    stack = list(flow.validated)
    while stack:
        for parent in flow.parents.get(stack.pop(), ()):
            if parent not in flow.validated:
                flow.validated.add(parent)
                stack.append(parent)
    return flow


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for e in target.elts for n in _target_names(e)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _value_kind(nb: Analysis, value: ast.AST, loaders: set[str]) -> tuple[str, str] | None:
    """The first producing call in an expression: `pd.read_csv(p).dropna()` is a load."""
    calls = [n for n in ast.walk(value) if isinstance(n, ast.Call)]
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        kind = call_kind(nb, call, loaders)
        if kind:
            return kind
    return None


def _user_functions(nb: Analysis) -> tuple[set[str], set[str]]:
    """Functions that load and return data without checking it, and functions that check their arguments."""
    loaders, validators = set(), set()
    for cell in nb.python_cells:
        for fn in cell.nodes:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            own = list(walk_scope(fn))
            params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
            checked = set()
            for node in own:
                checked |= _direct_checks(nb, node)
            if params & checked:
                validators.add(fn.name)
            returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in own)
            loads = any(isinstance(n, ast.Call) and call_kind(nb, n) and call_kind(nb, n)[0] == "load" for n in own)
            if loads and returns_value and not checked:
                loaders.add(fn.name)
    return loaders, validators


def _direct_checks(nb: Analysis, node: ast.AST) -> set[str]:
    """Names a single node checks: assert tests, tests of an `if` that raises, validation call arguments."""
    if isinstance(node, ast.Assert) and not isinstance(node.test, ast.Tuple):
        return _loads(node.test)
    if isinstance(node, ast.If) and is_loud(nb, node.body):
        return _loads(node.test)
    if isinstance(node, ast.Call):
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if _VALIDATOR_NAME.search(last or ""):
            names = set()
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                names |= _loads(arg)
            if isinstance(func, ast.Attribute) and not node.args:
                names |= _loads(func.value)  # df.validate()
            return names
    return set()


def _checked_names(nb: Analysis, cell: CodeCell, validating_functions: set[str]) -> set[str]:
    names: set[str] = set()
    for node in walk_scope(cell.tree):  # cell level only: a function's own asserts check its locals
        names |= _direct_checks(nb, node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in validating_functions:
            for arg in node.args:
                names |= _loads(arg)
    return names
