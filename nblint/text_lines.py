"""Lines as Python counts them (`\r\n`, `\r` and `\n` each end one), and offsets into them.

The AST's line numbers, cell spans and fix edits must all agree on this one split: a cell saved
with CR-only newlines is several lines to `compile`, and one line to `str.split("\n")`.
"""

from __future__ import annotations

import bisect
import re

_NEWLINE = re.compile(r"\r\n|\r|\n")
_BLOCK = 4096
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that do not start a character


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their line ends; `"a\\n"` is `["a", ""]`, as `str.split` gives."""
    return _NEWLINE.split(text)


def line_starts(text: str) -> list[int]:
    """Offset of the first character of each line."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


class LineIndex:
    """Turns (1-based line, 0-based column) into an offset of `text`, in O(log lines) per call."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)
        self._ascii = text.isascii()  # then byte and character columns are the same
        self._bytes: dict[int, _ByteColumns] = {}

    def line(self, number: int) -> str:
        """The text of line `number` (1-based), without its line end."""
        if not 1 <= number <= len(self.starts):
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] if number < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def offset(self, line: int, column: int) -> int:
        """`column` counts characters from 0; clamped to the text."""
        line = min(max(line, 1), len(self.starts))
        return min(self.starts[line - 1] + max(column, 0), len(self.text))

    def chars(self, line: int, byte_column: int) -> int:
        """A UTF-8 byte column (what the AST gives) as a character column of that line."""
        if self._ascii:
            return max(byte_column, 0)
        text = self.line(line)
        if text.isascii():
            return min(max(byte_column, 0), len(text))
        if line not in self._bytes:
            self._bytes[line] = _ByteColumns(text)
        return self._bytes[line].chars(byte_column)


class _ByteColumns:
    """Byte -> character columns of one non-ASCII line: continuation bytes are counted once per 4 KiB
    block, so each lookup costs one block, however long the line (a 2 MB string literal)."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")
        self.before = [0]
        for start in range(0, len(self.data), _BLOCK):
            self.before.append(self.before[-1] + _continuations(self.data[start : start + _BLOCK]))

    def chars(self, byte_column: int) -> int:
        end = min(max(byte_column, 0), len(self.data))
        block = end // _BLOCK
        return end - self.before[block] - _continuations(self.data[block * _BLOCK : end])


def _continuations(chunk: bytes) -> int:
    return len(chunk) - len(chunk.translate(None, _CONTINUATION))
