"""`late-import` (NB702): an import in a cell after the notebook's code has begun."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.rule import Rule, example, md


def _setup_only(cell: CodeCell) -> bool:
    """A cell of imports, magics (`%matplotlib inline`, `!pip install`) and docstrings: still the preamble."""
    for stmt in cell.tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Expr) and "get_ipython()" in cell.segment(stmt):
            continue
        return False
    return True


class LateImport(Rule):
    code = "NB702"
    name = "late-import"
    summary = "A module is imported in a later cell, after the notebook's code has begun"
    why = (
        "Imports at the top tell a reader what the notebook needs and fail at once when a package is "
        "missing. An import halfway down fails only after every cell above it ran, perhaps an hour of "
        "training later, and hides a dependency where nobody looks for it."
    )
    how_to_fix = (
        "Move the import into the first code cell. Imports inside functions, and optional imports in "
        "`try: ... except ImportError:`, are not reported."
    )
    bad = (
        example("import pandas as pd\ndf = pd.read_csv('sales.csv')", "import seaborn as sns\nsns.histplot(df)",
                at=((2, 1),)),
        example(md("# Model"), "%matplotlib inline\nimport numpy as np", "X = np.zeros(3)",
                "x = 1\nfrom sklearn.linear_model import Ridge", at=((4, 2),)),
    )  # fmt: skip
    good = (
        example("%matplotlib inline", "import numpy as np\nimport pandas as pd", "df = pd.DataFrame(np.zeros(3))"),
        example("import pandas as pd", "def plot(df):\n    import seaborn as sns\n    return sns.histplot(df)"),
        example("x = 1", "try:\n    import torch\nexcept ImportError:\n    torch = None"),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        started = None  # the first cell that does more than set up
        for cell in nb.python_cells:
            if started is None:
                if not _setup_only(cell):
                    started = cell.number
                continue
            stmt = next((s for s in cell.tree.body if isinstance(s, (ast.Import, ast.ImportFrom))), None)
            if stmt is not None:
                yield Finding(
                    f"`{cell.lines[stmt.lineno - 1].strip()}` comes after the code began in cell {started}; "
                    "move imports to the first code cell",
                    cell.number,
                    cell.span(stmt),
                )
