"""Applying fixes to cell sources and writing notebooks safely."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from nblint.diagnostics import Append, Edit, Fix
from nblint.notebook import Notebook


def apply_fixes(nb: Notebook, fixes: list[Fix]) -> tuple[dict[int, str], list[Fix]]:
    """New sources for the cells the fixes touch, and the fixes applied.

    A fix whose edits overlap one already taken waits for the next pass.
    """
    taken: dict[int, list[Edit]] = {}
    applied: list[Fix] = []
    for fix in fixes:
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken.get(edit.cell, [])):
            continue
        for edit in fix.edits:
            taken.setdefault(edit.cell, []).append(edit)
        applied.append(fix)
    sources = {}
    for cell_number, edits in taken.items():
        source = nb.cells[cell_number - 1].source
        for edit in sorted(edits, key=lambda e: (e.span.line, e.span.column), reverse=True):
            start = _offset(source, edit.span.line, edit.span.column)
            end = _offset(source, edit.span.end_line, edit.span.end_column)
            source = source[:start] + edit.text + source[end:]
        sources[cell_number] = source
    return sources, applied


def _offset(source: str, line: int, column: int) -> int:
    lines = source.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.cell != b.cell:
        return False
    a_start, a_end = (a.span.line, a.span.column), (a.span.end_line, a.span.end_column)
    b_start, b_end = (b.span.line, b.span.column), (b.span.end_line, b.span.end_column)
    return a_start < b_end and b_start < a_end


def merged_appends(appends: list[Append]) -> dict[Path, str]:
    """The new text of each file the appends touch; lines already in a file are not added again."""
    texts: dict[Path, str] = {}
    for append in appends:
        path = Path(append.path)
        if path not in texts:
            texts[path] = path.read_text(encoding="utf-8") if path.exists() else ""
        present = {line.strip() for line in texts[path].splitlines()}
        for line in append.lines:
            if line.strip() not in present:
                if texts[path] and not texts[path].endswith("\n"):
                    texts[path] += "\n"
                texts[path] += line + "\n"
                present.add(line.strip())
    return texts


def text_diff(path: Path, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )


def cell_diff(before: Notebook, after: Notebook) -> str:
    chunks = []
    for old, new in zip(before.cells, after.cells, strict=False):
        if old.source != new.source:
            chunks.extend(
                difflib.unified_diff(
                    old.source.splitlines(keepends=True),
                    new.source.splitlines(keepends=True),
                    f"a/{before.path}:cell {old.number}",
                    f"b/{after.path}:cell {new.number}",
                )
            )
            if chunks and not chunks[-1].endswith("\n"):
                chunks[-1] += "\n"
    return "".join(chunks)


def write_atomic(path: Path, text: str) -> None:
    """Write next to the target and rename over it: a crash leaves the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
