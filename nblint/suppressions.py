"""`# nblint: disable=...` comments and cell metadata that silence findings."""

from __future__ import annotations

from functools import lru_cache

from nblint import directives
from nblint.notebook import Cell, Notebook, NotebookError


class Suppressions:
    """Which rules are silenced where in one notebook."""

    def __init__(self, nb: Notebook) -> None:
        """Raises NotebookError when a cell's metadata `nblint.disable` is not a list of rule names."""
        self._cell: dict[int, set[str]] = {}
        self._line: dict[tuple[int, int], set[str]] = {}
        for cell in nb.cells:
            disabled = metadata_disabled(nb.path, cell)
            if not cell.is_code or "nblint" not in cell.source:
                if disabled:
                    self._cell[cell.number] = {str(n) for n in disabled}
                continue
            lines = cell.source.split("\n")
            for lineno, line in enumerate(lines, start=1):
                directive = directives.first(line, "disable", lineno)
                if directive:
                    self._line[(cell.number, lineno)] = set(directive.names)
            first = directives.first(next((ln for ln in lines if ln.strip()), ""), "disable")
            if first and first.standalone:
                disabled |= set(first.names)
            if disabled:
                self._cell[cell.number] = {str(n) for n in disabled}

    def suppressed(self, names: tuple[str, str], cell: int | None, line: int | None) -> bool:
        if cell is None:
            return False
        for silenced in (self._cell.get(cell, set()), self._line.get((cell, line or 0), set())):
            if silenced and ("all" in silenced or any(n in silenced for n in names)):
                return True
        return False


def metadata_disabled(path: str, cell: Cell) -> set[str]:
    """The rules cell metadata `{"nblint": {"disable": [...]}}` silences (a string is one name)."""
    meta = cell.metadata.get("nblint") if isinstance(cell.metadata, dict) else None
    if meta is None:
        return set()
    names = meta.get("disable") if isinstance(meta, dict) else meta
    if names is None:
        return set()
    if isinstance(names, str):
        names = [names]
    if not isinstance(meta, dict) or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        what = "metadata nblint" if not isinstance(meta, dict) else "metadata nblint.disable"
        found = _json_type(names if isinstance(meta, dict) else meta)
        raise NotebookError(
            f"{path}: cell {cell.number}: {what} must be "
            + ('{"disable": [rule names]}' if not isinstance(meta, dict) else "a list of rule names")
            + f", found {found}; fix the cell metadata"
        )
    return set(names)


_JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", dict: "an object"}
_JSON_TYPES[list] = "a list"


def _json_type(value: object) -> str:
    if isinstance(value, list):
        bad = [v for v in value if not isinstance(v, str)]
        if not bad:
            return "a list"
        return "a list holding " + ("null" if bad[0] is None else _JSON_TYPES.get(type(bad[0]), "a value"))
    return "null" if value is None else _JSON_TYPES.get(type(value), "a value")


@lru_cache(maxsize=64)
def read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


def file_line_suppressed(path: str, line: int, names: tuple[str, str]) -> bool:
    """`pandas>=2  # nblint: disable=unpinned-requirement` in a requirements file."""
    lines = read_lines(path)
    if not 1 <= line <= len(lines) or "nblint" not in lines[line - 1]:
        return False
    directive = directives.first(lines[line - 1], "disable", line)
    return directive is not None and directive.covers(names)
