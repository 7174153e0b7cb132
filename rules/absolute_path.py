"""`absolute-path` (NB405): a machine-specific absolute path in code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example

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
