"""Rules about how a notebook declares what it needs."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator

from nblint.analysis import Analysis, CodeCell
from nblint.diagnostics import Finding
from nblint.rule import Rule, example

_INSTALLERS = re.compile(
    r"(?:^|[;&|]\s*|\s)(?:(?:\S*python[\d.]*|\{sys\.executable\}|\$\{?PYTHON\}?)\s+-m\s+)?"
    r"(?P<tool>pip3?|conda|mamba|micromamba|uv\s+pip|poetry|pipenv)\s+(?:add|install)\b(?P<rest>.*)",
)
_SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "os.system",
        "os.popen",
    }
)


def install_specs(command: str) -> list[str]:
    """The requirement specifiers an install command names (options and their values dropped)."""
    match = _INSTALLERS.search(command)
    if not match:
        return []
    try:
        words = shlex.split(match.group("rest"), posix=True)
    except ValueError:
        words = match.group("rest").split()
    specs, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in {
            "-r",
            "-c",
            "-e",
            "--requirement",
            "--constraint",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "--target",
            "-t",
            "--channel",
        }:
            skip = True
        elif not word.startswith("-") and word not in {"&&", "||", ";", "|"}:
            specs.append(word)
    return specs


class InlineInstall(Rule):
    code = "NB601"
    name = "inline-install"
    summary = "A cell installs packages instead of declaring them"
    why = (
        "`!pip install pandas` in a cell installs whatever version is newest today, into whichever "
        "environment the kernel happens to run in. The validation image and production never see it, "
        "so the notebook passes on your laptop and fails, or behaves differently, everywhere else."
    )
    how_to_fix = (
        "Move the packages, pinned, into the notebook's requirements.txt (`pandas==2.2.3`) and delete "
        "the install cell. The environment is then built once, the same for validation and production."
    )
    bad = (
        example("!pip install pandas scikit-learn", at=((1, 1),)),
        example("%pip install -q xgboost==2.0.3", at=((1, 1),)),
        example("import sys\n!{sys.executable} -m pip install requests", at=((1, 2),)),
        example(
            "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'tqdm'])",
            at=((1, 2),),
        ),
        example("%%bash\nset -e\nconda install -y numpy", at=((1, 3),)),
        example("%conda install -c conda-forge geopandas", at=((1, 1),)),
    )
    good = (
        example("import pandas as pd"),
        example("!pip list\n!pip freeze > used.txt"),
        example("subprocess.run(['python', 'train.py'], check=True)"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.code_cells:
            for magic in cell.transformed.magics:
                if magic.kind == "cell" and not cell.is_python:
                    yield from self._script_body(cell, magic)
                elif magic.kind in {"system", "line"}:
                    command = f"{magic.name} {magic.text}" if magic.kind == "line" else magic.text
                    specs = install_specs(command)
                    if specs or _INSTALLERS.search(command):
                        yield self._finding(cell, magic.line, specs)
            if cell.tree is not None:
                yield from self._subprocess_installs(cell, nb)

    def _script_body(self, cell: CodeCell, magic) -> Iterator[Finding]:
        if magic.name not in {"bash", "sh", "script", "system"}:
            return
        for offset, line in enumerate(cell.lines[magic.line :], start=magic.line + 1):
            if _INSTALLERS.search(line):
                yield self._finding(cell, offset, install_specs(line))

    def _subprocess_installs(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in ast.walk(cell.tree):
            if not isinstance(node, ast.Call) or nb.qualified(node.func) not in _SUBPROCESS or not node.args:
                continue
            words = _command_words(node.args[0])
            if words and _INSTALLERS.search(" ".join(words)):
                yield self._finding(cell, node.lineno, install_specs(" ".join(words)), cell.span(node))

    @staticmethod
    def _finding(cell: CodeCell, line: int, specs: list[str], span=None) -> Finding:
        what = ", ".join(f"`{s}`" for s in specs[:4]) + (" ..." if len(specs) > 4 else "") if specs else "packages"
        return Finding(
            f"installs {what} at run time; declare them, pinned, in requirements.txt",
            cell.number,
            span or cell.line_span(line),
        )


def _command_words(node: ast.AST) -> list[str] | None:
    """The words of a command given as a string or a list, with unknown parts as placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{x}" for v in node.values).split()
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else "python" for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # [sys.executable, "-m", "pip", ...] + pkgs
        return _command_words(node.left)
    return None
