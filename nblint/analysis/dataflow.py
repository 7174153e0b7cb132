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
from nblint.analysis.tree import children, walk

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
_TEXT_PARSERS = frozenset(
    {"json.loads", "pickle.loads", "yaml.safe_load", "yaml.load", "yaml.full_load", "yaml.unsafe_load"}
)
_IN_MEMORY_FILES = frozenset({"io.StringIO", "io.BytesIO"})
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "encode", "format", "replace"})
_TRANSFORM_METHODS = frozenset({"transform", "inverse_transform", "get_feature_names_out"})
_PREDICT_METHODS = frozenset({"predict", "predict_proba", "decision_function", "score", "evaluate"})
_TRANSFORMER_MODULES = ("sklearn.preprocessing.", "sklearn.feature_extraction.", "sklearn.impute.")
_OUTPUT_METHODS = frozenset(
    {
        "plot",
        "hist",
        "scatter",
        "bar",
        "barh",
        "boxplot",
        "pie",
        "imshow",
        "savefig",
        "show",
        "display",
        "head",
        "tail",
        "info",
        "describe",
        "print",
        "write",
        "save",
    }
)
_FRAME_BUILDERS = frozenset({"pandas.DataFrame", "pandas.DataFrame.from_records", "pandas.concat", "polars.DataFrame"})
_VALIDATOR_NAME = re.compile(r"validat|check|verify|assert|expect|ensure", re.I)


@dataclass(frozen=True)
class Producer:
    """A name bound to loaded data, a trained model or a metric, where it was bound."""

    name: str
    kind: str  # "load", "model", "metric"
    what: str  # the call, for messages
    cell: CodeCell
    node: ast.AST  # the statement


@dataclass
class DataFlow:
    """The notebook's producers, what each name was computed from, and which names are checked."""

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


def call_kind(
    nb: Analysis, call: ast.Call, loaders: set[str] = frozenset(), texts: set[str] = frozenset()
) -> tuple[str, str] | None:
    """('load' | 'model' | 'metric', description) for a call that produces data worth checking.

    `texts` are names bound only to string literals: parsing text written in the notebook
    (`json.loads(TEXT)`, `pd.read_csv(io.StringIO(TEXT))`) is not loading external data.
    """
    name = nb.qualified(call.func) or ""
    if name in LOADERS or name.startswith(_LOADER_PREFIXES) or name in loaders:
        return None if _parses_inline_text(nb, call, name, texts) else ("load", name)
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


def _parses_inline_text(nb: Analysis, call: ast.Call, name: str, texts: set[str]) -> bool:
    source = call.args[0] if call.args else None
    if isinstance(source, ast.Call) and nb.qualified(source.func) in _IN_MEMORY_FILES:
        return bool(source.args) and _is_text(nb, source.args[0], texts)  # read_csv(io.StringIO(TEXT))
    return name in _TEXT_PARSERS and source is not None and _is_text(nb, source, texts)


def _is_text(nb: Analysis, node: ast.AST, texts: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Name):
        return node.id in texts
    if isinstance(node, ast.Call) and nb.qualified(node.func) in {"textwrap.dedent", "str.strip"} and node.args:
        return _is_text(nb, node.args[0], texts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _STRING_METHODS:
        return _is_text(nb, node.func.value, texts)  # TEXT.strip(), TEXT.encode()
    return False


def _text_names(nb: Analysis) -> set[str]:
    """Names every assignment of which is a string (or bytes) literal."""
    literal, other = set(), set()
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With, ast.NamedExpr):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    for name in _target_names(target):
                        text = isinstance(target, ast.Name) and _is_text(nb, node.value, set())
                        (literal if text else other).add(name)
            elif isinstance(node, ast.AugAssign | ast.For | ast.With | ast.NamedExpr):
                other.update(n.id for n in walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return literal - other


def _transformer_names(nb: Analysis) -> set[str]:
    """Fitted objects used to transform, never to predict or score: a scaler or an encoder's `fit`
    learns a preprocessing step, not a model with a quality to check."""
    transforms, predicts = set(), set()
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Call, ast.Assign):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                if isinstance(receiver, ast.Name):
                    if node.func.attr in _TRANSFORM_METHODS:
                        transforms.add(receiver.id)
                    elif node.func.attr in _PREDICT_METHODS:
                        predicts.add(receiver.id)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                constructor = node.value.func
                if isinstance(constructor, ast.Attribute) and constructor.attr == "fit":
                    constructor = getattr(constructor.value, "func", constructor)  # StandardScaler().fit(X)
                if (nb.qualified(constructor) or "").startswith(_TRANSFORMER_MODULES):
                    transforms.update(n for t in node.targets for n in _target_names(t))
    return transforms - predicts


def _skipping_accumulators(nb: Analysis, cell: CodeCell) -> set[str]:
    """Lists filled in a loop that can skip items (`continue`, or an except handler that carries on)."""
    names: set[str] = set()
    for loop in cell.of_type(ast.For, ast.AsyncFor, ast.While):
        body = [n for stmt in loop.body for n in walk_scope(stmt)]
        skips = any(isinstance(n, ast.Continue) for n in body) or any(
            isinstance(n, ast.ExceptHandler) and not is_loud(nb, n.body) for n in body
        )
        if not skips:
            continue
        for n in body:
            appends = (
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in {"append", "extend"}
            )
            if appends and isinstance(n.func.value, ast.Name):
                names.add(n.func.value.id)
    return names


def _module_statements(cell: CodeCell):
    """Statements that run at cell level: not inside function or class bodies."""
    stack = list(reversed(cell.tree.body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (*SCOPES, ast.ClassDef)):
            continue
        for child in reversed(children(stmt)):
            if isinstance(child, ast.stmt):
                stack.append(child)
            elif isinstance(child, ast.ExceptHandler | ast.match_case):
                stack.extend(reversed(child.body))


def _loads(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in walk(node) if isinstance(n, ast.Name)}


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
    texts = _text_names(nb)
    loaders, validating_functions = _user_functions(nb, texts)
    transformers = _transformer_names(nb)
    seen: set[str] = set()
    accumulated: set[str] = set()
    for cell in nb.python_cells:
        accumulated |= _skipping_accumulators(nb, cell)
        for stmt in _module_statements(cell):
            value = _value(stmt)
            targets = [n for t in _targets(stmt) for n in _target_names(t)]
            for target in targets:
                flow.parents.setdefault(target, set()).update(_loads(value) - {target})
            # `model.fit(X, y)` as a statement trains `model` from X and y.
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
                if isinstance(receiver, ast.Name) and _updates_receiver(call):
                    flow.parents.setdefault(receiver.id, set()).update(_loads(call) - {receiver.id})
                    kind = call_kind(nb, call, loaders, texts)
                    if kind and kind[0] == "model" and receiver.id not in seen | transformers:
                        seen.add(receiver.id)
                        flow.producers.append(Producer(receiver.id, "model", "fit", cell, stmt))
            if value is not None and targets and isinstance(stmt, ast.Assign | ast.AnnAssign):
                kind = _value_kind(nb, value, loaders, texts) or _collected(nb, value, accumulated)
                if kind:
                    for target in targets:
                        if target not in seen and not (kind[0] == "model" and target in transformers):
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


def _updates_receiver(call: ast.Call) -> bool:
    """`model.fit(X, y)` makes `model` depend on X and y; `b.plot(ax=ax)` or `df.to_csv(p)` do not."""
    method = call.func.attr
    return not (method.startswith("to_") or method in _OUTPUT_METHODS)


def _collected(nb: Analysis, value: ast.AST, accumulated: set[str]) -> tuple[str, str] | None:
    """`pd.DataFrame(rows)` of rows gathered in a loop that may have skipped some."""
    if not isinstance(value, ast.Call) or not value.args or not isinstance(value.args[0], ast.Name):
        return None
    name = nb.qualified(value.func) or ""
    if value.args[0].id in accumulated and name in _FRAME_BUILDERS:
        return "collect", name
    return None


def _value_kind(nb: Analysis, value: ast.AST, loaders: set[str], texts: set[str]) -> tuple[str, str] | None:
    """The first producing call in an expression: `pd.read_csv(p).dropna()` is a load."""
    calls = [n for n in walk(value) if isinstance(n, ast.Call)]
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        kind = call_kind(nb, call, loaders, texts)
        if kind:
            return kind
    return None


def _user_functions(nb: Analysis, texts: set[str]) -> tuple[set[str], set[str]]:
    """Functions that load and return data without checking it, and functions that check their arguments."""
    loaders, validators = set(), set()
    for cell in nb.python_cells:
        for fn in cell.of_type(ast.FunctionDef, ast.AsyncFunctionDef):
            own = walk_scope(fn)
            params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
            checked = set()
            for node in own:
                if isinstance(node, _CHECKING):
                    checked |= _direct_checks(nb, node)
            if params & checked:
                validators.add(fn.name)
            returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in own)
            loads = any(isinstance(n, ast.Call) and (call_kind(nb, n, texts=texts) or ("",))[0] == "load" for n in own)
            if loads and returns_value and not checked:
                loaders.add(fn.name)
    return loaders, validators


_CHECKING = (ast.Assert, ast.If, ast.Call)  # the nodes `_direct_checks` can find a check in


def _in_functions(cell: CodeCell) -> set[int]:
    """ids of the nodes inside the cell's functions and lambdas (decorators and defaults too); each
    outermost one is walked once, which covers the ones nested in it."""
    inside: set[int] = set()
    for scope in cell.of_type(*SCOPES):  # walk order: an enclosing scope comes before those inside it
        if id(scope) not in inside:
            inside.update(id(node) for child in children(scope) for node in walk(child))
    return inside


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
    in_functions = _in_functions(cell)
    for node in cell.of_type(*_CHECKING):
        if id(node) in in_functions:  # cell level only: a function's own asserts check its locals
            continue
        names |= _direct_checks(nb, node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in validating_functions:
            for arg in node.args:
                names |= _loads(arg)
    return names
