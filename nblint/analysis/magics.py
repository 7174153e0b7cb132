"""Turn IPython syntax in a code cell into plain Python, line for line.

IPython's own input transformer is the reference behaviour, but importing IPython
costs far more than linting a notebook, so this module re-implements the parts
that matter for analysis:

* ``!cmd`` and ``x = !cmd``           -> ``get_ipython().system(...)`` / ``getoutput``
* ``%magic args`` and ``x = %magic``  -> ``get_ipython().run_line_magic(...)``
* ``obj?`` / ``?obj`` / ``obj??``      -> ``get_ipython().run_line_magic('pinfo', ...)``
* ``cd ../``, ``pip install x`` (automagic: a magic name without ``%``, on a line
  that is not valid Python) -> ``get_ipython().run_line_magic(...)``
* ``%%magic`` on the first line: the body stays Python for magics that run
  Python (``%%time``, ``%%capture`` ...); other cell magics mark the cell as
  not Python.

Every transformed line stays on its own line number (continuation lines of a
magic become blank), so positions map back to the original cell exactly on
untouched lines and to the start of the magic on transformed ones.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Cell magics whose body is Python code run in the user namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "px", "pxresult", "memit"})

_ASSIGN = re.compile(r"^(?P<indent>\s*)(?P<target>[\w.\[\]'\", ]+?)\s*=\s*(?P<kind>!|%)(?P<rest>.*)$")
# Line magics people type without `%`: with automagic on (IPython's default) `cd ../` or
# `pip install x` runs the magic. Only a line that is not valid Python is read that way.
_AUTOMAGIC = re.compile(
    r"^(cd|ls|ll|pwd|pip|conda|mamba|mkdir|rm|rmdir|cp|mv|cat|env|load_ext|matplotlib|run|time|timeit|who|whos"
    r"|reset|history|pushd|popd|bookmark|autoreload|config|store|alias)(?=\s|$)"
)
# The cheap pre-check: a line starting with one of those names, whatever follows.
_MAYBE_AUTOMAGIC = re.compile(r"^[ \t]*" + _AUTOMAGIC.pattern[1:], re.M)
# Where `_transform_line` can find IPython syntax: `!`, `%` or `?` opening a line, `= !` / `= %`, `?` ending
# one. A cell with none of them (nor an automagic) is Python as it stands, `!=` and `"%d" % n` included.
_MAYBE_MAGIC = re.compile(r"^[ \t]*[!%?]|=[ \t]*[!%]|\?[ \t]*$", re.M)
_HELP = re.compile(r"^(?P<indent>\s*)(?P<pre>\?{1,2})?(?P<obj>[\w.\[\]()*]+)(?P<post>\?{1,2})?\s*$")


@dataclass(frozen=True)
class Magic:
    """One IPython construct found in a cell (line is 1-based)."""

    line: int
    kind: str  # "system", "line", "cell", "help"
    name: str  # magic name ("pip", "time") or the shell command's first word
    text: str  # the full command after the escape, continuation lines joined


@dataclass(frozen=True)
class Transformed:
    """A cell's source with IPython syntax turned into Python, line for line, and the magics found."""

    python: str
    magics: tuple[Magic, ...]
    is_python: bool  # False for %%bash, %%html, %%writefile ... bodies
    cell_magic: str | None = None


def transform(source: str) -> Transformed:
    if not _MAYBE_MAGIC.search(source) and not _MAYBE_AUTOMAGIC.search(source):
        return Transformed(source, (), True)  # most cells: nothing to transform
    return _transform(source)


def _transform(source: str) -> Transformed:
    lines = source.split("\n")
    magics: list[Magic] = []
    first = _first_code_line(lines)
    cell_magic = None
    if first is not None and lines[first].startswith("%%"):
        name, _, args = lines[first][2:].partition(" ")
        name = name.strip()
        cell_magic = name
        body = "\n".join(lines[first + 1 :])
        magics.append(Magic(first + 1, "cell", name, (args + "\n" + body).strip()))
        if name not in PYTHON_CELL_MAGICS:
            return Transformed("", tuple(magics), False, name)
        lines[first] = ""

    out = list(lines)
    starts = _logical_line_starts(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        if not starts[i] or not line.strip():
            i += 1
            continue
        # Join backslash continuations the way IPython does for escaped lines.
        end = i
        while end < len(lines) - 1 and lines[end].rstrip().endswith("\\") and _is_escaped(line):
            end += 1
        joined = " ".join(part.rstrip().rstrip("\\").strip() for part in lines[i : end + 1])
        replacement = _transform_line(line[: len(line) - len(line.lstrip())], joined, i + 1, magics)
        if replacement is not None:
            out[i] = replacement
            for k in range(i + 1, end + 1):
                out[k] = ""
            i = end + 1
        else:
            i += 1
    return Transformed("\n".join(out), tuple(magics), True, cell_magic)


def _first_code_line(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if line.strip():
            return index
    return None


def _is_escaped(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("!", "%")) or bool(_ASSIGN.match(line))


def _transform_line(indent: str, joined: str, lineno: int, magics: list[Magic]) -> str | None:
    stripped = joined.strip()
    if stripped.startswith("!"):
        command = stripped.lstrip("!").strip()
        magics.append(Magic(lineno, "system", command.split(" ", 1)[0] if command else "", command))
        return f"{indent}get_ipython().system({command!r})"
    if stripped.startswith("%") and not stripped.startswith("%%"):
        name, _, args = stripped[1:].partition(" ")
        magics.append(Magic(lineno, "line", name, args.strip()))
        return f"{indent}get_ipython().run_line_magic({name!r}, {args.strip()!r})"
    assign = _ASSIGN.match(joined)
    if assign and not assign.group("rest").startswith(("=", "%")):
        rest = assign.group("rest").strip()
        target = assign.group("target").strip()
        if assign.group("kind") == "!":
            magics.append(Magic(lineno, "system", rest.split(" ", 1)[0] if rest else "", rest))
            return f"{indent}{target} = get_ipython().getoutput({rest!r})"
        name, _, args = rest.partition(" ")
        magics.append(Magic(lineno, "line", name, args.strip()))
        return f"{indent}{target} = get_ipython().run_line_magic({name!r}, {args.strip()!r})"
    automagic = _AUTOMAGIC.match(stripped)
    if automagic and not _compiles(stripped):
        name, args = automagic.group(1), stripped[automagic.end() :].strip()
        magics.append(Magic(lineno, "line", name, args))
        return f"{indent}get_ipython().run_line_magic({name!r}, {args!r})"
    if ("?" in stripped) and not stripped.startswith("#"):
        help_match = _HELP.match(joined)
        if help_match and (help_match.group("pre") or help_match.group("post")):
            obj = help_match.group("obj")
            magics.append(Magic(lineno, "help", "pinfo", obj))
            return f"{indent}get_ipython().run_line_magic('pinfo', {obj!r})"
    return None


def _logical_line_starts(lines: list[str]) -> list[bool]:
    """For each line, whether it starts a logical Python line.

    A line inside a triple-quoted string, inside brackets, or after a backslash
    continuation is not a place where IPython looks for ``!`` or ``%``.
    """
    starts = []
    depth = 0
    quote: str | None = None  # the open triple quote, if any
    continued = False
    for line in lines:
        starts.append(quote is None and depth == 0 and not continued)
        stripped = line.lstrip()
        if starts[-1] and stripped.startswith(("!", "%")):
            continued = line.rstrip().endswith("\\")
            continue
        depth, quote = _scan(line, depth, quote)
        continued = quote is None and line.rstrip().endswith("\\") and not line.lstrip().startswith("#")
    return starts


_SIGNIFICANT = re.compile(r"[#\"'()\[\]{}]")  # what _scan looks at; everything else is skipped in one search


def _scan(line: str, depth: int, quote: str | None) -> tuple[int, str | None]:
    i, n = 0, len(line)
    while i < n:
        if quote:
            end = line.find(quote, i)
            while end > 0 and _escaped(line, end):
                end = line.find(quote, end + 1)
            if end < 0:
                return depth, quote
            i, quote = end + 3, None
            continue
        match = _SIGNIFICANT.search(line, i)
        if match is None:
            break
        i = match.start()
        ch = line[i]
        if ch == "#":
            break
        if ch in "\"'":
            triple = line[i : i + 3]
            if triple in ('"""', "'''"):
                quote = triple
                i += 3
                continue
            end = line.find(ch, i + 1)
            while end > 0 and _escaped(line, end):
                end = line.find(ch, end + 1)
            i = (end if end >= 0 else n) + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, quote


def _escaped(line: str, index: int) -> bool:
    backslashes = 0
    index -= 1
    while index >= 0 and line[index] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


def _compiles(line: str) -> bool:
    try:
        compile(line, "<line>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return False
    return True
