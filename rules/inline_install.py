"""Rule inline-install: a cell that installs packages instead of declaring them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Append, Edit, Finding, Fix, Span
from nblint.environment.install_command import Install, parse_install
from nblint.rule import Rule, example
from nblint.text_lines import LineIndex

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
    fix_safety = (
        "Unsafe, applied only with `--fix --unsafe-fixes`: it deletes the install line and adds its packages "
        "to the requirements.txt next to the notebook, which changes a second file. Plain `pip install` lines "
        "only; installs with `-r`, `-e`, index options or conda are left for you."
    )
    bad = (
        example("!pip install pandas scikit-learn\nimport pandas as pd", at=((1, 1),), fixed=("import pandas as pd",)),
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
        example("%pip show pandas", files={"requirements.txt": "pandas==2.2.2\n"}),
        example("subprocess.run(['python', 'train.py'], check=True)"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.code_cells:
            for magic in cell.transformed.magics:
                if magic.kind == "cell" and not cell.is_python:
                    yield from self._script_body(cell, magic, nb)
                elif magic.kind in {"system", "line"}:
                    command = f"{magic.name} {magic.text}" if magic.kind == "line" else magic.text
                    install = parse_install(command)
                    if install:
                        fix = self._move_fix(nb, cell, magic, install)
                        yield self._finding(cell, magic.line, install, fix=fix, nb=nb)
            if cell.tree is not None:
                yield from self._subprocess_installs(cell, nb)

    def _script_body(self, cell: CodeCell, magic, nb: Analysis) -> Iterator[Finding]:
        if magic.name not in {"bash", "sh", "script", "system"}:
            return
        for offset, line in enumerate(cell.lines[magic.line :], start=magic.line + 1):
            install = parse_install(line)
            if install:
                yield self._finding(cell, offset, install, nb=nb)

    def _subprocess_installs(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(ast.Call):
            if nb.qualified(node.func) not in _SUBPROCESS or not node.args:
                continue
            words = _command_words(node.args[0])
            install = parse_install(" ".join(words)) if words else None
            if install:
                yield self._finding(cell, node.lineno, install, span=cell.span(node), nb=nb)

    def _finding(
        self, cell: CodeCell, line: int, install: Install, span=None, fix: Fix | None = None, nb: Analysis = None
    ) -> Finding:
        specs = install.specs
        what = ", ".join(f"`{s}`" for s in specs[:4]) + (" ..." if len(specs) > 4 else "") if specs else "packages"
        message = f"installs {what} at run time; declare them, pinned, in requirements.txt"
        declared = nb.environment.declared_among(specs) if nb is not None else []
        if declared and len(declared) == len(specs):
            message = f"installs {what} at run time, which the requirements already declare; delete this install"
        elif declared:
            message += f" ({', '.join(f'`{d}`' for d in declared)} already declared)"
        return Finding(message, cell.number, span or cell.line_span(line), fix=fix)

    @staticmethod
    def _move_fix(nb: Analysis, cell: CodeCell, magic, install: Install) -> Fix | None:
        """Unsafe: delete the install line and add its packages to requirements.txt next to the notebook."""
        line, lines = magic.line, cell.lines
        if not install.movable or lines[line - 1].rstrip().endswith("\\"):
            return None
        text = lines[line - 1]
        indent = text[: len(text) - len(text.lstrip())]
        if line < len(lines):
            span = Span(line, 1, line + 1, 1)
        elif line > 1:
            span = Span(line - 1, len(lines[line - 2]) + 1, line, len(lines[line - 1]) + 1)
        else:
            span = Span(1, 1, 1, len(lines[0]) + 1)
        replacement = ""
        if indent and not _parses(cell, span):  # the install was a block's only statement: keep the block
            span, replacement = Span(line, 1, line, len(text) + 1), f"{indent}pass"
        requirements = str(Path(nb.notebook.path).parent / "requirements.txt")
        return Fix(
            f"move {', '.join(install.specs)} to requirements.txt",
            (Edit(cell.number, span, replacement),),
            safe=False,
            appends=(Append(requirements, install.specs),),
        )


def _parses(cell: CodeCell, deleted: Span) -> bool:
    """Does the cell still parse once `deleted` is removed?"""
    source, index = cell.cell.source, LineIndex(cell.cell.source)
    start = index.offset(deleted.line, deleted.column - 1)
    end = index.offset(deleted.end_line, deleted.end_column - 1)
    return CodeCell(replace(cell.cell, source=source[:start] + source[end:])).tree is not None


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
