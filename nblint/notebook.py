"""The notebook model: read any notebook nbformat understands into plain cells.

Version 4 files are read with the standard library alone (nbformat costs ~110 ms
to import, too much for a pre-commit hook); older versions go through nbformat's
own upgrade path.

A file that is not a notebook at all (not JSON, no `nbformat`, `cells` not a list, a cell without
`cell_type`) is bad input. A notebook that breaks the nbformat 4 schema in a way that still leaves
its cells readable (a code cell without `outputs`, a `source` of the wrong type) is read as far as
it can be, and each departure is kept in `Notebook.problems` for the `invalid-notebook` rule: a
tool that wrote the file slightly wrong should not hide every other finding. The few required keys
are checked by hand; full JSON-schema validation would cost more than linting.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class NotebookError(Exception):
    """A notebook that cannot be read. The message says where and what to do."""


@dataclass(frozen=True)
class Cell:
    """One cell as read from the file: number, id, type, source, outputs and metadata."""

    number: int  # 1-based, counting every cell, markdown included
    cell_type: str
    source: str
    id: str | None = None
    outputs: tuple[dict[str, Any], ...] = ()
    execution_count: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # False when the file's source held text that is not Unicode (a lone surrogate escape such as
    # `\ud83d`), which `source` shows as U+FFFD: a fix rewriting this cell would lose it, so fixes skip it.
    exact: bool = True

    @property
    def is_code(self) -> bool:
        return self.cell_type == "code"


@dataclass(frozen=True)
class SchemaProblem:
    """Where the file departs from the nbformat 4 schema: a cell (1-based), or None for the top level."""

    cell: int | None
    message: str


@dataclass(frozen=True)
class Notebook:
    """A notebook as nblint reads it: its cells and metadata, upgraded to nbformat 4."""

    path: str
    cells: tuple[Cell, ...]
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    nbformat: int = 4
    text: str = field(default="", compare=False, repr=False)  # the file as read, for fixes and file lines
    problems: tuple[SchemaProblem, ...] = ()

    @property
    def language(self) -> str:
        """The kernel's language, lower-cased; 'python' when the notebook does not say."""
        info, spec, jupytext = (self.metadata.get(k) for k in ("language_info", "kernelspec", "jupytext"))
        language = (
            (info.get("name") if isinstance(info, dict) else None)
            or (spec.get("language") if isinstance(spec, dict) else None)
            or (jupytext.get("main_language") if isinstance(jupytext, dict) else None)  # scripts paired by jupytext
            or "python"
        )
        return str(language).lower()

    @property
    def is_python(self) -> bool:
        return self.language in {"python", "python3", "ipython", "ipython3"}

    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.is_code]


def join_source(source: Any) -> str:
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return "" if source is None else str(source)


def load(path: str | Path) -> Notebook:
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise NotebookError(f"{path}: is a directory, not a notebook") from None
    except OSError as exc:
        raise NotebookError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    return parse(data, str(path))


def parse(data: bytes, path: str) -> Notebook:
    if not data.strip():
        raise NotebookError(f"{path}: file is empty; a notebook is a JSON document (save it from Jupyter)")
    if b"\x00" in data[:4096]:
        raise NotebookError(f"{path}: binary data, not a notebook; check the file is an .ipynb saved by Jupyter")
    try:
        text = data.decode("utf-8")  # a BOM stays in `text`, so a fixed file keeps it
    except UnicodeDecodeError as exc:
        raise NotebookError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "notebooks must be saved as UTF-8"
        ) from None
    try:
        raw = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "fix the file or restore it from version control"
        ) from None
    except RecursionError:
        raise NotebookError(f"{path}: JSON nested too deeply to be a notebook") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise NotebookError(f"{path}: not a Jupyter notebook (no top-level 'nbformat' key)")
    major = raw.get("nbformat")
    if not isinstance(major, int):
        raise NotebookError(f"{path}: 'nbformat' must be an integer, found {major!r}")
    if major > 4:
        raise NotebookError(f"{path}: nbformat {major} is newer than this nblint understands (4); upgrade nblint")
    if major < 4:
        raw = _upgrade(raw, text.removeprefix("\ufeff"), path, major)
    return _from_v4(raw, path, text, major)


def _upgrade(raw: dict[str, Any], text: str, path: str, major: int) -> dict[str, Any]:
    if major in (2, 3):  # read without nbformat, whose import is slow (nblint/notebook_v3.py)
        from nblint.notebook_v3 import UpgradeError, upgrade

        try:
            return upgrade(raw, major)
        except UpgradeError as exc:
            raise NotebookError(f"{path}: nbformat {major} notebook could not be upgraded to v4: {exc}") from None
    import nbformat

    try:
        node = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises many types for old, damaged files
        raise NotebookError(f"{path}: nbformat {major} notebook could not be upgraded to v4: {exc}") from None
    return json.loads(nbformat.writes(node))


KNOWN_MINOR = 5  # the newest nbformat 4 minor version whose schema nblint checks
_CELL_KEYS = {
    "code": (("source", (str, list)), ("metadata", dict), ("outputs", list), ("execution_count", (int, type(None)))),
    "markdown": (("source", (str, list)), ("metadata", dict)),
    "raw": (("source", (str, list)), ("metadata", dict)),
}
_OUTPUT_KEYS = {
    "stream": ("name", "text"),
    "display_data": ("data", "metadata"),
    "execute_result": ("data", "metadata", "execution_count"),
    "error": ("ename", "evalue", "traceback"),
}
_TYPE_NAMES = {str: "a string", list: "a list", dict: "an object", int: "an integer", type(None): "null"}


def _kind(types: type | tuple[type, ...]) -> str:
    return " or ".join(_TYPE_NAMES[t] for t in (types if isinstance(types, tuple) else (types,)))


def _cell_problems(c: dict[str, Any], minor: int) -> list[str]:
    """What the schema requires of one cell and this one lacks, in a few dictionary look-ups."""
    cell_type = c["cell_type"]
    keys = _CELL_KEYS.get(cell_type)
    if keys is None:
        return [f"unknown cell_type {cell_type!r} (code, markdown or raw)"]
    found = []
    for key, types in keys:
        if key not in c:
            found.append(f"{cell_type} cell has no {key!r}")
        elif not isinstance(c[key], types) or isinstance(c[key], bool):
            found.append(f"{key!r} must be {_kind(types)}, not {type(c[key]).__name__}")
    if isinstance(c.get("source"), list) and not all(isinstance(part, str) for part in c["source"]):
        found.append("'source' must be a list of strings")
    if minor >= 5 and not isinstance(c.get("id"), str):
        found.append(f"{cell_type} cell has no 'id' (required from nbformat 4.5)")
    for index, output in enumerate(c.get("outputs") if isinstance(c.get("outputs"), list) else [], start=1):
        output_type = output.get("output_type") if isinstance(output, dict) else None
        if output_type not in _OUTPUT_KEYS:
            found.append(f"output {index} has no valid 'output_type'")
            continue
        missing = [k for k in _OUTPUT_KEYS[output_type] if k not in output]
        if missing:
            found.append(f"{output_type} output {index} has no {', '.join(map(repr, missing))}")
    return found


def _from_v4(raw: dict[str, Any], path: str, text: str, major: int) -> Notebook:
    cells_raw = raw.get("cells")
    if not isinstance(cells_raw, list):
        raise NotebookError(f"{path}: 'cells' must be a list; the notebook structure is damaged")
    inexact: set[int] = set()
    if _SURROGATE_ESCAPE.search(text):
        inexact = {i for i, c in enumerate(cells_raw, 1) if isinstance(c, dict) and _has_surrogate(c.get("source"))}
        raw = _without_surrogates(raw)
        cells_raw = raw["cells"]
    problems = [
        SchemaProblem(None, f"the notebook has no {key!r}") for key in ("metadata", "nbformat_minor") if key not in raw
    ]
    if "metadata" in raw and not isinstance(raw["metadata"], dict):
        problems.append(SchemaProblem(None, "the notebook's 'metadata' must be an object"))
    minor = raw.get("nbformat_minor") if isinstance(raw.get("nbformat_minor"), int) else 0
    # An upgraded v3 file was rewritten by nbformat itself; a minor version newer than 4.5 may add cell
    # and output types, which nbformat accepts too.
    check = major == 4 and minor <= KNOWN_MINOR
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    cells = []
    for number, c in enumerate(cells_raw, start=1):
        if not isinstance(c, dict) or not isinstance(c.get("cell_type"), str):
            raise NotebookError(f"{path}: cell {number} has no 'cell_type'; the notebook structure is damaged")
        if check:
            problems += [SchemaProblem(number, message) for message in _cell_problems(c, minor)]
        source = c.get("source", "")
        if isinstance(source, list):
            source = [part for part in source if isinstance(part, str)]
        elif not isinstance(source, str):
            source = ""  # reported above; the rest of the notebook is still worth linting
        outputs = c.get("outputs") or []
        count = c.get("execution_count")
        cells.append(
            Cell(
                number=number,
                cell_type=c["cell_type"],
                source=join_source(source),
                id=c.get("id") if isinstance(c.get("id"), str) else None,
                outputs=tuple(o for o in outputs if isinstance(o, dict)) if isinstance(outputs, list) else (),
                execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
                metadata=c.get("metadata") if isinstance(c.get("metadata"), dict) else {},
                exact=number not in inexact,
            )
        )
    return Notebook(
        path=path, cells=tuple(cells), metadata=metadata, nbformat=major, text=text, problems=tuple(problems)
    )


# JSON may escape half of a surrogate pair on its own (`"\\ud83d"`): valid JSON, but not Unicode, so no
# reporter could print it. Such strings are read with U+FFFD in its place, everywhere in the notebook.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(source: Any) -> bool:
    return isinstance(source, (str, list)) and bool(_SURROGATE.search(join_source(source)))


def _without_surrogates(value: Any) -> Any:
    """A copy of a parsed JSON value with lone surrogates replaced; iterative, as JSON nests deeply."""

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            return _SURROGATE.sub("\ufffd", item)
        if isinstance(item, dict):
            copy: dict = {}
            pending.append((item, copy))
            return copy
        if isinstance(item, list):
            copy_list: list = []
            pending.append((item, copy_list))
            return copy_list
        return item

    pending: list[tuple[Any, Any]] = []
    root = clean(value)
    while pending:
        original, copy = pending.pop()
        if isinstance(original, dict):
            for key, item in original.items():
                copy[clean(key)] = clean(item)
        else:
            copy.extend(clean(item) for item in original)
    return root
