"""`--golden`: compare a run's outputs with a known-good notebook, cell by cell.

Text outputs are compared as token streams: numbers anywhere in the text (prose, tables, reprs) are
compared with math.isclose(rtol, atol), not by rounding; everything else must match exactly, except
execution counts and timestamp-like strings, which are ignored, and ANSI escape sequences (colours),
which are stripped first. Images are compared only on request.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from nblint.harness.runner import strip_ansi

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf", re.I)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b"
)
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")
_IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")


def compare(nb, golden_path: Path, numbers: list[int | None], rtol: float, atol: float, images: bool) -> list[dict]:
    import nbformat

    golden = nbformat.read(golden_path, as_version=4)
    diffs = []
    executed = [(numbers[i], cell) for i, cell in enumerate(nb.cells) if numbers[i] is not None]
    for (number, cell), expected in zip(executed, golden.cells, strict=False):
        if cell.cell_type != "code" or expected.cell_type != "code":
            continue
        ours, theirs = _render(cell, images), _render(expected, images)
        problem = _first_difference(ours, theirs, rtol, atol)
        if problem:
            diffs.append({"cell": number, "summary": problem, "expected": theirs[:2000], "actual": ours[:2000]})
    return diffs


def _render(cell, images: bool) -> list[tuple[str, str]]:
    """(kind, text) for each output that takes part in the comparison."""
    out = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            out.append((f"stream:{output.get('name')}", _text(output.get("text", ""))))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            for mime in _TEXT_MIMES:
                if mime in data:
                    out.append((mime, _text(data[mime])))
                    break
            if images:
                out += [(mime, str(data[mime])) for mime in _IMAGE_MIMES if mime in data]
        elif kind == "error":
            out.append(("error", _text(f"{output.get('ename')}: {output.get('evalue')}")))
    return out


def _text(value: Any) -> str:
    text = "".join(value) if isinstance(value, list) else str(value)
    return _TIMESTAMP.sub("<time>", strip_ansi(text))


def _first_difference(ours, theirs, rtol: float, atol: float) -> str | None:
    if len(ours) != len(theirs):
        return f"{len(ours)} output(s), golden has {len(theirs)}"
    for (kind, text), (golden_kind, golden_text) in zip(ours, theirs, strict=True):
        if kind != golden_kind:
            return f"output is {kind}, golden has {golden_kind}"
        problem = _compare_text(text, golden_text, rtol, atol)
        if problem:
            return f"{kind}: {problem}"
    return None


def _compare_text(text: str, golden: str, rtol: float, atol: float) -> str | None:
    tokens, golden_tokens = _tokens(text), _tokens(golden)
    for (is_num, value), (golden_is_num, golden_value) in zip(tokens, golden_tokens, strict=False):
        if is_num and golden_is_num:
            a, b = float(value), float(golden_value)
            same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
            if not same:
                return f"{value} differs from golden {golden_value} (rtol={rtol:g}, atol={atol:g})"
        elif value.split() != golden_value.split():
            return f"text {value.strip()[:60]!r} differs from golden {golden_value.strip()[:60]!r}"
    if len(tokens) != len(golden_tokens):
        return "output length differs from golden"
    return None


def _tokens(text: str) -> list[tuple[bool, str]]:
    out, cursor = [], 0
    for match in _NUMBER.finditer(text):
        if match.start() > cursor:
            out.append((False, text[cursor : match.start()]))
        out.append((True, match.group()))
        cursor = match.end()
    if cursor < len(text):
        out.append((False, text[cursor:]))
    # Whitespace-only text between numbers (table padding) does not count.
    return [(is_num, value) for is_num, value in out if is_num or value.strip()]
