"""Lint many paths: discovery, the parallel map over notebooks, shared-file dedupe and the exit code.

The CLI, the pytest plugin and the language server all call `lint_paths`, in-process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nblint.config import Settings
from nblint.diagnostics import Diagnostic
from nblint.engine import FileResult, lint_path

PARALLEL_FROM = 8  # below this many files a process pool costs more than it saves


@dataclass
class LintRun:
    """Every file's result, in the order the paths named them."""

    results: list[FileResult]
    settings: Settings

    @property
    def exit_code(self) -> int:
        """2: a file could not be read; 1: findings that fail the level; 0: passed."""
        if any(r.status == "error" for r in self.results):
            return 2
        return 1 if any(r.status == "failed" for r in self.results) else 0


def lint_paths(
    paths: Iterable[str],
    settings: Settings,
    *,
    fix: bool = False,
    diff: bool = False,
    unsafe: bool = False,
    jobs: int | None = None,
) -> LintRun:
    """Lint every notebook below `paths` (files or folders); missing paths become error results."""
    files, results = discover(paths, settings)
    results += _lint_all(files, settings, fix, diff, unsafe, jobs)
    order = {p: i for i, p in enumerate([*files, *(r.path for r in results if r.path not in files)])}
    results.sort(key=lambda r: order.get(r.path, 0))
    dedupe_file_findings(results)
    return LintRun(results, settings)


def _lint_all(files: list[str], settings: Settings, fix: bool, diff: bool, unsafe: bool, jobs: int | None):
    workers = min(jobs or os.cpu_count() or 1, len(files))
    if workers <= 1 or len(files) < PARALLEL_FROM:
        return [lint_path(f, settings, fix, diff, unsafe) for f in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(
            pool.map(partial(lint_path, settings=settings, fix=fix, diff=diff, unsafe=unsafe), files, chunksize=4)
        )


def dedupe_file_findings(results: list[FileResult]) -> None:
    """Findings in a requirements file that several notebooks share are reported once, by the first notebook.

    For rules whose verdict depends on the notebook (`per_notebook`, e.g. an unused requirement), a finding
    in a shared file stands only if every notebook reading that file reports it.
    """
    from nblint.registry import find

    readers: dict[str, set[str]] = {}
    for result in results:
        for path in result.env_files:
            readers.setdefault(path, set()).add(result.path)
    reporters: dict[tuple, set[str]] = {}
    for result in results:
        for d in result.diagnostics:
            if d.path != result.path:
                reporters.setdefault(_file_key(d), set()).add(result.path)
    seen = set()
    for result in results:
        kept = []
        for d in result.diagnostics:
            key = _file_key(d)
            if d.path != result.path:
                if key in seen:
                    continue
                rule = find(d.code)
                if rule is not None and rule.per_notebook and reporters[key] < readers.get(d.path, set()):
                    continue
                seen.add(key)
            kept.append(d)
        result.diagnostics = kept


def _file_key(d: Diagnostic) -> tuple:
    return (d.path, d.code, d.line, d.column, d.message)


def discover(paths: Iterable[str], settings: Settings) -> tuple[list[str], list[FileResult]]:
    """Expand folders into notebooks; missing paths become error results."""
    files: list[str] = []
    errors: list[FileResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not settings.excluded(Path(folder, d, "x")))
                files.extend(
                    str(Path(folder, n))
                    for n in sorted(names)
                    if n.endswith(".ipynb") and not settings.excluded(Path(folder, n))
                )
        elif path.exists():
            files.append(str(path))
        else:
            errors.append(FileResult(str(path), "error", message=f"{path}: no such file or folder"))
    return files, errors
