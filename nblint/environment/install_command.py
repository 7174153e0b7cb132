"""Install commands (`pip install ...`, `conda install ...`) found in notebook code: which packages they name."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_INSTALLERS = re.compile(
    r"(?:^|[;&|]\s*|\s)(?:(?:\S*python[\d.]*|\{sys\.executable\}|\$\{?PYTHON\}?)\s+-m\s+)?"
    r"(?P<tool>pip3?|conda|mamba|micromamba|uv\s+pip|poetry|pipenv)\s+(?:add|install)\b(?P<rest>.*)",
)
_OPTIONS_WITH_VALUE = frozenset(
    {"-r", "-c", "-e", "--requirement", "--constraint", "--editable", "-i", "--index-url", "--extra-index-url"}
    | {"-f", "--find-links", "--target", "-t", "--channel", "--prefix", "--root"}
)
_HARMLESS_OPTIONS = frozenset({"-q", "--quiet", "-U", "--upgrade", "--no-cache-dir", "--user", "-y", "--yes"})


@dataclass(frozen=True)
class Install:
    """What an install command (`pip install ...`, `%pip`, `conda`) would install."""

    tool: str
    specs: tuple[str, ...]
    movable: bool  # plain pip specs only: nothing a requirements line could not say the same way


def parse_install(command: str) -> Install | None:
    """The packages an install command names, or None when it is not an install."""
    match = _INSTALLERS.search(command)
    if not match:
        return None
    try:
        words = shlex.split(match.group("rest"), posix=True)
    except ValueError:
        words = match.group("rest").split()
    specs, skip, movable = [], False, True
    for word in words:
        if word in {"&&", "||", ";", "|"}:
            movable = False
            break
        if skip:
            skip = False
        elif word in _OPTIONS_WITH_VALUE:
            skip, movable = True, False
        elif word.startswith("-"):
            movable = movable and word in _HARMLESS_OPTIONS
        else:
            specs.append(word)
            movable = movable and "/" not in word and not word.startswith((".", "{", "$"))
    tool = " ".join(match.group("tool").split())
    return Install(tool, tuple(specs), movable and bool(specs) and tool in {"pip", "pip3", "uv pip"})
