"""`non-portable-filename` (NB707): a notebook file name that breaks shells, URLs or other systems."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Span
from nblint.rule import Rule, example

# Characters a shell, make, a URL or Windows treats specially (besides spaces and non-ASCII).
_SPECIAL = re.compile(r"""[\\/:*?"<>|'`$&;!#%(){}\[\]~^=,+@]""")


def _problems(name: str) -> list[str]:
    found = []
    if any(ch.isspace() for ch in name):
        found.append("spaces")
    if not name.isascii():
        found.append("non-ASCII characters")
    special = sorted(set(_SPECIAL.findall(name)))
    if special:
        found.append("special characters (" + " ".join(special) + ")")
    if name.startswith("-"):
        found.append("a leading `-` (read as an option)")
    return found


class NonPortableFilename(Rule):
    code = "NB707"
    name = "non-portable-filename"
    summary = "The notebook's file name has spaces, non-ASCII or shell-special characters"
    why = (
        "Spaces and shell characters break unquoted shell loops, Makefiles and CI scripts "
        "(`papermill $NB out.ipynb`); non-ASCII names are spelt differently by macOS and Linux "
        "(Unicode normalisation), garbled in zip files and URL-escaped in links. The notebook works on "
        "the author's machine and fails in the pipeline."
    )
    how_to_fix = (
        "Rename it with letters, digits, `-` and `_` only: `git mv 'Churn Analyse (v2).ipynb' churn-analysis-v2.ipynb`."
    )
    bad = (
        example("x = 1", name="Churn analysis.ipynb", at=((1, 1),)),
        example("x = 1", name="Übersicht.ipynb", at=((1, 1),)),
        example("x = 1", name="report(v2).ipynb", at=((1, 1),)),
    )
    good = (example("x = 1", name="churn-analysis_v2.ipynb"), example("x = 1", name="01.data.prep.ipynb"))

    def check(self, nb: Analysis) -> Iterator[Finding]:
        name = PurePath(nb.notebook.path).name
        problems = _problems(name)
        if not problems:
            return
        first = nb.notebook.cells[0] if nb.notebook.cells else None
        yield Finding(
            f"the file name {name!r} has {', '.join(problems)}; use letters, digits, `-`, `_` and `.`",
            first.number if first else None,
            Span(1, 1, 1, len(first.source.split(chr(10))[0]) + 1) if first else None,
        )
