"""Where each cell's source sits in the notebook file as written.

Fixes replace exactly those characters, so every other byte of the file
(indentation, key order, outputs, trailing newline) stays as it was; SARIF and
GitHub annotations use the file line that holds each source line.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass

_LINES = re.compile(r"[^\n]*\n|[^\n]+")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


@dataclass(frozen=True)
class SourceSpan:
    """Where a cell's `source` value sits in the notebook's JSON text, so a fix rewrites only it."""

    start: int  # offset of the value's first character ('[' or '"')
    end: int  # offset just past the value
    elements: tuple[int, ...]  # offset of each string, for list-form sources


class JsonMap:
    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self.sources = _find_sources(text)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def file_line(self, cell: int, line: int | None) -> int:
        """The 1-based line of the file holding `line` of cell `cell` (1-based)."""
        span = self.sources.get(cell)
        if span is None:
            return 1
        if span.elements and line:
            return self.line_of(span.elements[min(line, len(span.elements)) - 1])
        return self.line_of(span.start)

    def replace_sources(self, new_sources: dict[int, str]) -> str:
        """The file text with the given cells' sources (1-based cell -> text) re-written in place."""
        ascii_only = _uses_ascii_escapes(self.text.removeprefix("\ufeff"))
        pieces, cursor = [], 0
        for cell in sorted(new_sources, key=lambda c: self.sources[c].start):
            span = self.sources[cell]
            pieces.append(self.text[cursor : span.start])
            pieces.append(self._render(span, new_sources[cell], ascii_only))
            cursor = span.end
        pieces.append(self.text[cursor:])
        return "".join(pieces)

    def _render(self, span: SourceSpan, source: str, ascii_only: bool) -> str:
        original = self.text[span.start : span.end]
        if original.startswith('"'):
            return json.dumps(source, ensure_ascii=ascii_only)
        lines = _LINES.findall(source)  # split at "\n" only, as Jupyter writes source lists
        if not lines:
            return "[]"
        if len(span.elements) >= 1:
            first = span.elements[0]
            lead = self.text[span.start + 1 : first]  # e.g. "\n    "
            last_end = _string_end(self.text, span.elements[-1])
            trail = self.text[last_end : span.end - 1]  # up to the closing "]", e.g. "\n   "
        else:
            indent = _indent_before(self.text, span.start)
            lead, trail = "\n" + indent + " ", "\n" + indent
        sep = "," + lead
        return "[" + lead + sep.join(json.dumps(ln, ensure_ascii=ascii_only) for ln in lines) + trail + "]"


def _uses_ascii_escapes(text: str) -> bool:
    return text.isascii() and "\\u" in text


def _string_end(text: str, start: int) -> int:
    match = _TOKEN.match(text, start)
    return match.end() if match else start + 1


def _indent_before(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return line[: len(line) - len(line.lstrip())]


def _find_sources(text: str) -> dict[int, SourceSpan]:
    """Offsets of cells[i].source for a v4 notebook, by a small tokenizer (JSON keeps no positions)."""
    tokens = _TOKEN.finditer(text)
    spans: dict[int, SourceSpan] = {}  # by 1-based cell: a cell without "source" has none
    stack: list[list] = []  # frames: [kind, key, index, path]
    path: tuple = ()
    key: str | None = None
    pending: tuple | None = None  # path of a value that starts with the next token
    list_value: list | None = None  # (start, elements) while inside a cells[i].source list
    for match in tokens:
        tok = match.group()
        if tok in "{[":
            if stack and stack[-1][0] == "[":
                value_path = (*path, stack[-1][2])
            else:
                value_path = pending if pending is not None else ()
            if _is_source_path(value_path) and tok == "[":
                list_value = [match.start(), []]
            stack.append([tok, None, 0, path])
            path = value_path
            pending = None
        elif tok in "}]":
            frame = stack.pop()
            if list_value is not None and tok == "]" and _is_source_path(path):
                spans[path[1] + 1] = SourceSpan(list_value[0], match.end(), tuple(list_value[1]))
                list_value = None
            path = frame[3]
        elif tok == ":":
            pending = (*path, key)
        elif tok == ",":
            if stack[-1][0] == "[":
                stack[-1][2] += 1
            pending = None
        else:
            frame = stack[-1] if stack else None
            if frame and frame[0] == "{" and pending is None:
                key = json.loads(tok) if tok.startswith('"') else tok
                continue
            if list_value is not None and frame and frame[0] == "[" and _is_source_path(path):
                list_value[1].append(match.start())
            elif pending is not None and _is_source_path(pending) and tok.startswith('"'):
                spans[pending[1] + 1] = SourceSpan(match.start(), match.end(), ())
            pending = None
    return spans


def _is_source_path(path: tuple) -> bool:
    return len(path) == 3 and path[0] == "cells" and isinstance(path[1], int) and path[2] == "source"
