"""Applying fixes to cell sources and writing notebooks safely."""

from __future__ import annotations

import bisect
import difflib
import os
import re
import tempfile
from pathlib import Path

from nblint.diagnostics import Append, Edit, Fix
from nblint.notebook import Notebook
from nblint.text_lines import LineIndex


def apply_fixes(nb: Notebook, fixes: list[Fix]) -> tuple[dict[int, str], list[Fix]]:
    """New sources for the cells the fixes touch, and the fixes applied.

    A fix whose edits overlap one already taken waits for the next pass.
    """
    taken: dict[int, list[tuple[tuple[int, int], tuple[int, int]]]] = {}  # per cell: sorted, disjoint spans
    edits_by_cell: dict[int, list[Edit]] = {}
    applied: list[Fix] = []
    for fix in fixes:
        if any(_overlaps_taken(taken.get(edit.cell, []), edit) for edit in fix.edits):
            continue
        for edit in fix.edits:
            bisect.insort(taken.setdefault(edit.cell, []), _interval(edit))
            edits_by_cell.setdefault(edit.cell, []).append(edit)
        applied.append(fix)
    sources = {}
    for cell_number, edits in edits_by_cell.items():
        source = nb.cells[cell_number - 1].source
        index = LineIndex(source)  # once per cell: many edits in one big cell stay linear
        pieces, cursor = [], 0
        for edit in sorted(edits, key=lambda e: (e.span.line, e.span.column)):
            start = index.offset(edit.span.line, edit.span.column - 1)
            end = index.offset(edit.span.end_line, edit.span.end_column - 1)
            pieces += [source[cursor:start], edit.text]
            cursor = max(cursor, end)
        sources[cell_number] = "".join([*pieces, source[cursor:]])
    return sources, applied


def _interval(edit: Edit) -> tuple[tuple[int, int], tuple[int, int]]:
    return (edit.span.line, edit.span.column), (edit.span.end_line, edit.span.end_column)


def _overlaps_taken(taken: list[tuple[tuple[int, int], tuple[int, int]]], edit: Edit) -> bool:
    """Does `edit` overlap one of the sorted, disjoint spans taken? Only its neighbours can."""
    start, end = _interval(edit)
    i = bisect.bisect_left(taken, (start, end))
    before = taken[i - 1] if i else None
    after = taken[i] if i < len(taken) else None
    return bool(before and start < before[1] and before[0] < end) or bool(after and start < after[1] and after[0] < end)


def merged_appends(appends: list[Append]) -> dict[Path, tuple[bytes, bytes]]:
    """(old bytes, new bytes) of each file the appends touch; lines already in a file are not added again.

    Bytes, not text: every byte already there stays as it is (a latin-1 file, a BOM), and new lines
    end the way the file's lines do (CRLF stays CRLF).
    """
    files: dict[Path, tuple[bytes, bytes]] = {}
    for append in appends:
        path = Path(append.path)
        if path not in files:
            data = path.read_bytes() if path.exists() else b""
            files[path] = (data, data)
        old, new = files[path]
        newline = _newline_of(new)
        present = {line.strip() for line in new.decode("utf-8", "replace").splitlines()}
        for line in append.lines:
            if line.strip() not in present:
                if new and not new.endswith((b"\n", b"\r")):
                    new += newline
                new += line.encode("utf-8") + newline
                present.add(line.strip())
        files[path] = (old, new)
    return files


def _newline_of(data: bytes) -> bytes:
    """The line end a file uses (its first one), LF for a file without any."""
    first = min((i for i in (data.find(b"\r"), data.find(b"\n")) if i >= 0), default=-1)
    if first < 0 or data[first : first + 1] == b"\n":
        return b"\n"
    return b"\r\n" if data[first + 1 : first + 2] == b"\n" else b"\r"


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


_SURROGATE = re.compile("[\ud800-\udfff]")


def encode_text(text: str) -> bytes:
    """UTF-8, with any lone surrogate (a JSON `\\ud83d` escape read back) written as that `\\uXXXX` escape:
    UTF-8 cannot encode it, and in a JSON string the escape means exactly the same character."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8")


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write next to the target and rename over it: a crash leaves the old file or the new one, never half.

    Text is written as `encode_text` gives it, bytes as they are. An existing file keeps its mode (a
    symlink is followed, so the link stays); a new one gets 0666 less the umask, as `open()` would.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    data = encode_text(content) if isinstance(content, str) else content
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask; reading it means setting it, so it is set straight back."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
