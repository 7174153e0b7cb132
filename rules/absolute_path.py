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

_SYSTEM_ROOT = re.compile(r"^/(usr|opt|srv|var|data|mnt|media)/")
_PROGRAM_DIRS = frozenset({"bin", "sbin", "include", "run", "lock", "spool", "cache"})
_DATA_DIRS = frozenset({"data", "dataset", "datasets", "input", "output", "share"})
_DATA_SUFFIXES = (
    ".csv",
    ".tsv",
    ".json",
    ".jsonl",
    ".parquet",
    ".txt",
    ".xlsx",
    ".xls",
    ".h5",
    ".hdf5",
    ".npy",
    ".npz",
    ".pkl",
    ".pickle",
    ".feather",
    ".zip",
    ".gz",
    ".tar",
    ".db",
    ".sqlite",
    ".nc",
    ".tif",
    ".png",
    ".jpg",
)


class AbsolutePath(CellRule):
    code = "NB405"
    name = "absolute-path"
    summary = "A machine-specific absolute path in code"
    why = (
        "`pd.read_csv('/Users/ana/Downloads/sales.csv')` works on exactly one laptop. In CI, on a "
        "colleague's machine or in the production image the file is not there, and the notebook fails, "
        "or worse, `/tmp` holds a stale copy from an earlier run and the notebook quietly uses it. Data "
        "under system folders (`/usr/share/...`, `/opt/data/...`, `/mnt/...`) is just as local; programs "
        "and libraries there (`/usr/bin/env`, `/usr/lib/jvm`) and `/dev/null` or `/etc/...` are not "
        "reported. An f-string such as `f'/home/{user}/data'` is one path, reported once."
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
        example("import getpass\nuser = getpass.getuser()\nroot = f'/home/{user}/data'", at=((1, 3),)),
        example("words = open('/usr/share/dict/words').read().split()", at=((1, 1),)),
    )
    good = (
        example("from pathlib import Path\ndf = pd.read_csv(Path('data') / 'sales.csv')"),
        example("import os\nDATA_DIR = os.environ['DATA_DIR']"),
        example("resp = client.get('/api/v1/users')"),
        example("import tempfile\nwith tempfile.TemporaryDirectory() as tmp:\n    df.to_csv(f'{tmp}/x.csv')"),
        example("def f():\n    '''Writes to /home/user/out by default in the docs example.'''"),
        example("import subprocess\nsubprocess.run(['/usr/bin/env', 'python3', 'train.py'], check=True)"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(ast.Constant, ast.JoinedStr):
            text = _leading_text(node)
            if text is None or not (_USER_PATH.match(text) or _system_data(text)) or _is_part(cell, node):
                continue
            yield Finding(f"absolute path `{_shorten(text)}` only exists on one machine", cell.number, cell.span(node))


def _leading_text(node: ast.AST) -> str | None:
    """A string's text; an f-string's with each replacement field as `{name}`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return "".join(
            str(v.value) if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" for v in node.values
        )
    return None


def _system_data(text: str) -> bool:
    """A data location under a system folder (`/usr/share/dict/words`, `/opt/data/train.csv`), not a
    program or library (`/usr/bin/env`, `/usr/lib/jvm`)."""
    match = _SYSTEM_ROOT.match(text)
    if not match:
        return False
    parts = [p for p in text.split("/") if p]
    if any(p in _PROGRAM_DIRS or p.startswith("lib") for p in parts):
        return False
    if match.group(1) == "usr":
        return len(parts) > 2 and "share" in parts[1:3]
    last = parts[-1].lower() if parts else ""
    return any(p.lower() in _DATA_DIRS for p in parts[1:]) or last.endswith(_DATA_SUFFIXES)


def _is_part(cell: CodeCell, node: ast.AST) -> bool:
    """A docstring, or a piece of an f-string (the f-string as a whole is judged once)."""
    parent = cell.parents.get(node)
    return isinstance(parent, ast.Expr | ast.JoinedStr | ast.FormattedValue)


def _shorten(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
