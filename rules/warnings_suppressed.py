"""`warnings-suppressed` (NB404): warnings or numeric errors silenced for the whole notebook."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.imports import dotted
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import is_none
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example


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
        "FutureWarning); ...`, or `with np.errstate(divide='ignore'): ...`. A filter that names the one "
        "warning by its text (`filterwarnings('ignore', message='X does not have valid feature names', "
        "category=UserWarning)`) is targeted and not reported; a category alone, or a message pattern "
        "that matches anything (`'.*'`), still is."
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
        example(
            "import warnings\nwarnings.filterwarnings(\n    'ignore', message='X does not have valid feature names', "
            "category=UserWarning\n)"
        ),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(ast.Call, ast.Assign):
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
            if name == "warnings.filterwarnings" and _names_one_message(node):
                return None  # one known warning, by its text: targeted, not the silencing this rule is about
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


def _names_one_message(call: ast.Call) -> bool:
    """`filterwarnings('ignore', message='X does not have valid feature names', ...)`: a message with
    real text in it, not a pattern that matches anything (`''`, `'.*'`)."""
    message = next((k.value for k in call.keywords if k.arg == "message"), call.args[1] if len(call.args) > 1 else None)
    if not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
        return False
    return len(re.sub(r"[.*+?^$()\[\]\\|]", "", message.value).strip()) >= _MIN_MESSAGE


_MIN_MESSAGE = 8  # characters of literal text: enough to name one warning


def _is_ignore(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "ignore"


def _inside_catch_warnings(cell: CodeCell, nb: Analysis, node: ast.AST) -> bool:
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.With | ast.AsyncWith):
            for item in parent.items:
                if (nb.qualified(getattr(item.context_expr, "func", None)) or "") == "warnings.catch_warnings":
                    return True
    return False
