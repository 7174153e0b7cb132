"""What several reporters share: lint summary counts and the .ipynb line that holds a cell's line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from nblint import levels
from nblint.diagnostics import Severity
from nblint.results import FileResult, overall


def summary(results: Sequence[FileResult], level: str) -> dict:
    counts = Counter(d.severity for r in results for d in r.diagnostics)
    return {
        "files": len(results),
        "failed_files": sum(r.status == "failed" for r in results),
        "error_files": sum(r.status == "error" for r in results),
        "skipped_files": sum(r.status == "skipped" for r in results),
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
        "infos": counts[Severity.INFO],
        "fixed": sum(r.fixed for r in results),
        "fixable": sum(1 for r in results for d in r.diagnostics if d.fix and d.fix.safe),
        "status": overall(r.status for r in results),
        "fails_at": str(levels.FAIL_AT[level]) if levels.FAIL_AT[level] else None,
    }


@lru_cache(maxsize=256)
def _json_map(path: str):
    from nblint.jsonmap import JsonMap

    try:
        return JsonMap(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def file_line(path: str, cell: int | None, line: int | None) -> int:
    """The line of the .ipynb file that holds a cell's line (1 when unknown)."""
    if cell is None:
        return line or 1
    mapping = _json_map(path)
    return mapping.file_line(cell, line) if mapping else 1
