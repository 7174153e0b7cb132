"""What several reporters share: lint summary counts, the .ipynb line that holds a cell's line, paths
relative to the repository root and stable fingerprints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from nblint import levels
from nblint.diagnostics import Diagnostic, Severity
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


def repository_root() -> Path:
    """The checkout CI runs in: the folder holding .git above the working directory, else the working directory.

    CI formats give paths relative to it, so alerts and fingerprints stay the same whatever folder runs nblint.
    """
    cwd = Path.cwd().resolve()
    return next((folder for folder in (cwd, *cwd.parents) if (folder / ".git").exists()), cwd)


def relative_path(path: str, root: Path) -> str | None:
    """`path` relative to `root`, with forward slashes; None when it lies outside."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def line_text(result: FileResult, d: Diagnostic) -> str:
    """The source line a finding points at ('' when unknown): what its fingerprint hashes."""
    if d.cell is None:
        return result.file_lines.get((d.path, d.line), "")
    lines = result.sources.get(d.cell, "").split("\n")
    return lines[d.line - 1] if d.line and d.line <= len(lines) else ""


class Fingerprints:
    """Stable ids for findings: a hash of what identifies one (never a cell or line number, which move),
    numbered by occurrence so that identical findings in one file stay distinct."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[str, ...]] = Counter()

    def __call__(self, *key: str) -> str:
        import hashlib

        key = tuple(part.strip() for part in key)
        self._seen[key] += 1
        return hashlib.sha256("\0".join((*key, str(self._seen[key]))).encode("utf-8")).hexdigest()[:32]
