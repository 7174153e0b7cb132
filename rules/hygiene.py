"""Rules about notebook state and hygiene."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nblint.analysis import Analysis, CodeCell, dotted
from nblint.diagnostics import Finding, Span
from nblint.rule import CellRule, Rule, code_cell, example
from nblint.suppressions import DIRECTIVE
from nblint.symbols import KNOWN

from .patterns import first_line_span, is_none


class HiddenState(Rule):
    code = "NB401"
    name = "hidden-state"
    summary = "The notebook only works when cells run out of order"
    why = (
        "A cell that reads a name defined only in a later cell worked for its author because they ran "
        "the later cell first. Run top to bottom, as CI, papermill and a colleague do, it fails with a "
        "NameError, or silently uses a stale value. Stored execution counts that go down the page show "
        "the saved outputs came from an out-of-order run."
    )
    how_to_fix = "Move the definition above its first use, then restart the kernel and run all cells."
    bad = (
        example("df = load()\nprint(threshold)", "threshold = 0.5", at=((1, 2),)),
        example("def score(x):\n    return x * weight", "score(3)", "weight = 2", at=((2, 1),)),
        example(code_cell("a = 1", execution_count=5), code_cell("b = a + 1", execution_count=2), at=((2, 1),)),
    )
    good = (
        example("threshold = 0.5", "df = load()\nprint(threshold)"),
        example("def score(x):\n    return x * weight", "weight = 2", "score(3)"),
        example(code_cell("a = 1", execution_count=1), code_cell("b = a + 1", execution_count=2)),
        example("from helpers import *", "print(threshold)", "threshold = 1"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        symbols = nb.symbols
        bound: set[str] = set()
        for cs in symbols.cells:
            cell = cs.cell
            visible = bound | cs.binds | KNOWN
            opaque = symbols.opaque_before(cell.number)
            reported: set[str] = set()
            for read in cs.reads:
                later = symbols.first_binding.get(read.id)
                if read.id in visible or read.id in reported or later is None or opaque:
                    continue
                reported.add(read.id)
                yield Finding(
                    f"`{read.id}` is only defined later, in cell {later}; running top to bottom fails here",
                    cell.number,
                    cell.span(read),
                )
            for call in cs.calls:
                fn = symbols.functions.get(call.func.id)
                if fn is None or fn.cell > cell.number or opaque:
                    continue
                for name in fn.free:
                    later = symbols.first_binding.get(name)
                    if name in visible or name in KNOWN or later is None or later <= cell.number:
                        continue
                    yield Finding(
                        f"`{fn.name}()` reads `{name}`, which is only defined later, in cell {later}",
                        cell.number,
                        cell.span(call),
                    )
                    break
            bound |= cs.binds
        yield from _execution_order(nb)


def _execution_order(nb: Analysis) -> Iterator[Finding]:
    previous = None
    for cell in nb.notebook.code_cells():
        count = cell.execution_count
        if count is None:
            continue
        if previous is not None and count <= previous[1]:
            yield Finding(
                f"cells ran out of order: this cell ran as [{count}] after cell {previous[0]} ran as "
                f"[{previous[1]}]; restart and run all before saving",
                cell.number,
                Span(1, 1, 1, len(cell.source.split("\n")[0]) + 1),
            )
            return
        previous = (cell.number, count)


class UnknownSuppression(Rule):
    code = "NB002"
    name = "unknown-suppression"
    summary = "A suppression comment names a rule that does not exist"
    why = (
        "`# nblint: disable=...` with a misspelt rule name suppresses nothing, so the finding you meant "
        "to silence still shows, or worse, you believe a check is off when it is not."
    )
    how_to_fix = "Use a name from `nblint rules` (for example `swallowed-exception`) or its code (`NB101`)."
    bad = (example("x = 1  # nblint: disable=swallowed-exceptions", at=((1, 1),)),)
    good = (example("x = 1  # nblint: disable=swallowed-exception"), example("x = 1  # nblint: disable=NB101"))

    def check(self, nb: Analysis) -> Iterator[Finding]:
        from nblint.registry import find

        for cell in nb.notebook.code_cells():
            for lineno, line in enumerate(cell.source.split("\n"), start=1):
                if "nblint" not in line:
                    continue
                match = DIRECTIVE.search(line)
                if not match:
                    continue
                for name in (n.strip() for n in match.group(1).split(",")):
                    if name and name.lower() != "all" and find(name) is None:
                        start = match.start() + 1
                        yield Finding(
                            f"unknown rule `{name}` in suppression",
                            cell.number,
                            Span(lineno, start, lineno, match.end() + 1),
                        )


class WarningsSuppressed(CellRule):
    code = "NB404"
    name = "warnings-suppressed"
    summary = "Warnings or numeric errors are silenced for the whole notebook"
    why = (
        "Warnings are how pandas, NumPy and scikit-learn tell you a result may be wrong: a chained "
        "assignment that did not write, a division by zero that produced inf, a model that did not "
        "converge. `warnings.filterwarnings('ignore')` at the top of a notebook hides all of them, for "
        "every cell, for good."
    )
    how_to_fix = (
        "Fix what the warning points at. If one known, harmless warning must go, silence only that one, "
        "only where it happens: `with warnings.catch_warnings(): warnings.simplefilter('ignore', "
        "FutureWarning); ...`, or `with np.errstate(divide='ignore'): ...`."
    )
    bad = (
        example("import warnings\nwarnings.filterwarnings('ignore')", at=((1, 2),)),
        example("import warnings\nwarnings.simplefilter(action='ignore', category=FutureWarning)", at=((1, 2),)),
        example("import numpy as np\nnp.seterr(all='ignore')", at=((1, 2),)),
        example("import pandas as pd\npd.options.mode.chained_assignment = None", at=((1, 2),)),
        example("import pandas as pd\npd.set_option('mode.chained_assignment', None)", at=((1, 2),)),
        example("import logging\nlogging.disable(logging.WARNING)", at=((1, 2),)),
    )
    good = (
        example("import warnings\nwarnings.simplefilter('error')"),
        example("import numpy as np\nwith np.errstate(all='raise'):\n    ratio = a / b"),
        example(
            "import warnings\nwith warnings.catch_warnings():\n"
            "    warnings.simplefilter('ignore', FutureWarning)\n    old_api()"
        ),
        example("import numpy as np\nwith np.errstate(divide='ignore'):\n    logs = np.log(x)"),
        example("import pandas as pd\npd.set_option('display.max_columns', 50)"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.nodes:
            what = None
            if isinstance(node, ast.Call):
                what = self._silencing_call(nb, node)
                if what and _inside_catch_warnings(cell, nb, node):
                    what = None
            elif isinstance(node, ast.Assign) and any(
                (dotted(t) or "").endswith("options.mode.chained_assignment") for t in node.targets
            ):
                what = "pandas chained-assignment warnings are switched off"
                what = what if is_none(node.value) or _is_ignore(node.value) else None
            if what:
                yield Finding(what, cell.number, cell.span(node))

    @staticmethod
    def _silencing_call(nb: Analysis, node: ast.Call) -> str | None:
        name = nb.qualified(node.func) or ""
        args = [*node.args, *(kw.value for kw in node.keywords if kw.arg in {"action", "all"})]
        if name in {"warnings.filterwarnings", "warnings.simplefilter"} and args and _is_ignore(args[0]):
            return f"`{name}('ignore')` hides every matching warning for the rest of the notebook"
        if name == "numpy.seterr" and any(_is_ignore(v) for v in [*node.args, *(k.value for k in node.keywords)]):
            return "`numpy.seterr(... 'ignore')` hides division by zero, overflow and invalid results"
        if name == "pandas.set_option" and len(node.args) >= 2:
            key = node.args[0]
            if isinstance(key, ast.Constant) and str(key.value).endswith("chained_assignment"):
                return "pandas chained-assignment warnings are switched off" if is_none(node.args[1]) else None
        if name == "logging.disable":
            return "`logging.disable()` silences log records, warnings and errors included"
        return None


def _is_ignore(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "ignore"


def _inside_catch_warnings(cell: CodeCell, nb: Analysis, node: ast.AST) -> bool:
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.With | ast.AsyncWith):
            for item in parent.items:
                if (nb.qualified(getattr(item.context_expr, "func", None)) or "") == "warnings.catch_warnings":
                    return True
    return False


_USER_PATH = re.compile(
    r"^(?:/home/[^/\s]+/|/Users/[^/\s]+/|/root/|/tmp/[^\s]|/private/var/folders/|/Volumes/|/mnt/[a-z]/"
    r"|[A-Za-z]:[\\/](?!/))"
)


class AbsolutePath(CellRule):
    code = "NB405"
    name = "absolute-path"
    summary = "A machine-specific absolute path in code"
    why = (
        "`pd.read_csv('/Users/ana/Downloads/sales.csv')` works on exactly one laptop. In CI, on a "
        "colleague's machine or in the production image the file is not there, and the notebook fails, "
        "or worse, `/tmp` holds a stale copy from an earlier run and the notebook quietly uses it."
    )
    how_to_fix = (
        "Use a path relative to the notebook or project (`Path('data') / 'sales.csv'`), or read the "
        "location from a parameter or environment variable (`os.environ['DATA_DIR']`). For scratch files "
        "use `tempfile.TemporaryDirectory()`."
    )
    bad = (
        example("import pandas as pd\ndf = pd.read_csv('/Users/ana/Downloads/sales.csv')", at=((1, 2),)),
        example("DATA_DIR = '/home/bob/projects/churn/data'", at=((1, 1),)),
        example("model.save(r'C:\\Users\\ana\\models\\churn.pkl')", at=((1, 1),)),
        example("out = f'/tmp/results/{run_id}.parquet'", at=((1, 1),)),
    )
    good = (
        example("from pathlib import Path\ndf = pd.read_csv(Path('data') / 'sales.csv')"),
        example("import os\nDATA_DIR = os.environ['DATA_DIR']"),
        example("resp = client.get('/api/v1/users')"),
        example("import tempfile\nwith tempfile.TemporaryDirectory() as tmp:\n    df.to_csv(f'{tmp}/x.csv')"),
        example("def f():\n    '''Writes to /home/user/out by default in the docs example.'''"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.nodes:
            if isinstance(node, ast.Expr):
                continue
            text = _leading_text(node)
            if text is None or not _USER_PATH.match(text) or _is_docstring(cell, node):
                continue
            yield Finding(f"absolute path `{_shorten(text)}` only exists on one machine", cell.number, cell.span(node))


def _leading_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _is_docstring(cell: CodeCell, node: ast.AST) -> bool:
    parent = cell.parents.get(node)
    return isinstance(parent, ast.Expr) or isinstance(cell.parents.get(parent), ast.JoinedStr)


def _shorten(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class MissingTypeHints(CellRule):
    code = "NB403"
    name = "missing-type-hints"
    summary = "A function's parameters or return value are not annotated"
    why = (
        "Functions in a notebook that ships become the pipeline's API: `clean(df, cols)` says nothing "
        "about whether `cols` is a list or a string, or whether the result can be None. Type hints "
        "document that contract and let tools catch a wrong call before a run fails halfway."
    )
    how_to_fix = (
        "Annotate every parameter and the return value: "
        "`def clean(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:`."
    )
    bad = (
        example("def clean(df, cols):\n    return df.dropna(subset=cols)", at=((1, 1),)),
        example("def score(model, X: pd.DataFrame):\n    return model.score(X)", at=((1, 1),)),
        example("def load(path: str):\n    return open(path).read()", at=((1, 1),)),
    )
    good = (
        example("def clean(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:\n    return df.dropna(subset=cols)"),
        example("square = lambda x: x * x"),
        example(
            "class Loader:\n    def __init__(self, path: str):\n        self.path = path\n\n"
            "    def read(self) -> str:\n        return open(self.path).read()"
        ),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.nodes:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            if params and params[0].arg in {"self", "cls"} and isinstance(cell.parents.get(node), ast.ClassDef):
                params = params[1:]
            params += [a for a in (args.vararg, args.kwarg) if a]
            missing = [f"`{a.arg}`" for a in params if a.annotation is None]
            if node.returns is None and node.name != "__init__":
                missing.append("the return value")
            if missing:
                listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
                yield Finding(
                    f"`{node.name}()` has no type hint for {listed}", cell.number, first_line_span(cell, node)
                )
