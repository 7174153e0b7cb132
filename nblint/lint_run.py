"""Lint many paths: discovery, the parallel map over notebooks and the dedupe of shared-file findings.

The CLI, the pytest plugin and the language server all call `lint_paths`, in-process.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path

from nblint import folders
from nblint.config import Settings, SettingsFinder
from nblint.diagnostics import Diagnostic
from nblint.engine import lint_path
from nblint.environment.sources import is_requirement_file
from nblint.results import FileResult, Run

PARALLEL_FROM = 8  # below this many files a process pool costs more than it saves


def lint_paths(
    paths: Iterable[str],
    settings: Settings | SettingsFinder,
    *,
    fix: bool = False,
    diff: bool = False,
    unsafe: bool = False,
    jobs: int | None = None,
    force_exclude: bool = False,
    cache: bool = False,
) -> Run:
    """Lint every notebook below `paths` (files or folders); missing paths become error results.

    `settings` is one Settings for every file, or a SettingsFinder that gives each file the nearest
    config above it. `force_exclude` applies `exclude` to files named directly too (for pre-commit).
    `cache` reuses results from `.nblint_cache/` when nothing they depend on changed (nblint.cache).
    Raises ConfigError when a config that applies is invalid.
    """
    settings_for = settings.for_path if isinstance(settings, SettingsFinder) else lambda _path: settings
    errors: list[FileResult] = []
    names: list[str] = []

    def notebooks() -> Iterator[tuple[str, Settings]]:  # consumed while notebooks are linted
        for item in discovered(paths, settings_for, force_exclude):
            if isinstance(item, FileResult):
                errors.append(item)
            else:
                names.append(item[0])
                yield item

    with folders.remembered():
        linted = _lint_all(notebooks(), fix, diff, unsafe, jobs, cache)
    results = errors + linted
    order = {p: i for i, p in enumerate([*names, *(r.path for r in errors if r.path not in names)])}
    results.sort(key=lambda r: order.get(r.path, 0))
    dedupe_file_findings(results)
    return Run("lint", tuple(results))


def _lint_one(job: tuple[str, Settings], fix: bool, diff: bool, unsafe: bool, cache: bool) -> FileResult:
    path, settings = job
    if fix or diff or not cache:
        return lint_path(path, settings, fix, diff, unsafe)
    from nblint.cache import LintCache

    try:
        data = Path(path).read_bytes()
    except OSError:
        return lint_path(path, settings)  # which reports why it cannot be read
    store = LintCache(settings.root if settings.source else Path.cwd())
    key = store.key(path, data, settings)
    result = store.get(key)
    if result is None:
        result = lint_path(path, settings, data=data)
        if result.status != "error":
            store.put(key, result)
    return result


_CHUNK = 4  # notebooks a pool worker takes at a time


def _lint_all(
    files: Iterator[tuple[str, Settings]], fix: bool, diff: bool, unsafe: bool, jobs: int | None, cache: bool
) -> list[FileResult]:
    """Lint the notebooks as discovery yields them: in-process below PARALLEL_FROM of them (or with one
    job), else in a process pool that starts on the first ones while later folders are still read."""
    workers = jobs or os.cpu_count() or 1
    first = list(islice(files, max(PARALLEL_FROM, _CHUNK * workers)))
    if workers <= 1 or len(first) < PARALLEL_FROM:
        with _collector_paused():
            return [_lint_one(job, fix, diff, unsafe, cache) for job in chain(first, files)]
    workers = min(workers, -(-len(first) // _CHUNK))  # a short run (all of it in `first`) needs fewer
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start) as pool:
        work = partial(_lint_one, fix=fix, diff=diff, unsafe=unsafe, cache=cache)
        return list(pool.map(work, chain(first, files), chunksize=_CHUNK))


def _worker_start() -> None:
    """A pool worker lives for one run: folder answers are kept and the collector stays off throughout."""
    folders.remember_in_process()
    gc.disable()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Linting makes no reference cycles to collect (a full collection after every 50 notebooks of a
    corpus run found none), but the collector's passes over every live syntax tree cost a fifth of the
    run; pool workers run with it off for the same reason."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def discover(
    paths: Iterable[str], settings_for: Callable[[str], Settings], force_exclude: bool = False
) -> tuple[list[tuple[str, Settings]], list[FileResult]]:
    """Expand folders into notebooks, each with its settings; a requirement file named directly stands for
    the notebooks that read it. Missing paths become error results; an invalid config raises ConfigError."""
    files: list[tuple[str, Settings]] = []
    errors: list[FileResult] = []
    for item in discovered(paths, settings_for, force_exclude):
        (errors if isinstance(item, FileResult) else files).append(item)
    return files, errors


def discovered(
    paths: Iterable[str], settings_for: Callable[[str], Settings], force_exclude: bool = False
) -> Iterator[tuple[str, Settings] | FileResult]:
    """`discover`, one notebook (or error result) at a time, so linting can start before the last folder
    is read. A notebook named twice comes once."""
    seen: set[str] = set()
    for item in _discovered(paths, settings_for, force_exclude):
        if isinstance(item, FileResult):
            yield item
        elif item[0] not in seen:
            seen.add(item[0])
            yield item


def _discovered(paths, settings_for, force_exclude) -> Iterator[tuple[str, Settings] | FileResult]:
    for raw in paths:
        path = Path(raw)
        try:
            path.stat()
        except FileNotFoundError:
            pass  # reported below
        except (OSError, ValueError) as exc:  # a name too long, a NUL: the system refuses the name
            reason = getattr(exc, "strerror", None) or exc
            yield FileResult(raw, "error", message=f"{path}: cannot open ({reason})")
            continue
        settings = settings_for(raw)
        if path.is_dir():
            yield from ((notebook, settings_for(notebook)) for notebook in _notebooks_below(path, settings_for))
        elif not path.exists():
            yield FileResult(raw, "error", message=f"{path}: no such file or folder")
        elif force_exclude and settings.excluded(path):
            continue
        elif path.suffix != ".ipynb" and is_requirement_file(path):
            readers = _notebooks_reading(path, settings_for)
            if not readers:
                yield FileResult(raw, "skipped", message=f"{path}: no notebook in its project reads it")
            yield from ((notebook, settings_for(notebook)) for notebook in readers)
        else:
            yield raw, settings


def _notebooks_below(folder: Path, settings_for: Callable[[str], Settings]) -> Iterator[str]:
    for parent, dirs, names in os.walk(folder):
        excluded = settings_for(parent).excluded
        dirs[:] = sorted(d for d in dirs if not excluded(Path(parent, d, "x")))
        yield from (
            str(Path(parent, n)) for n in sorted(names) if n.endswith(".ipynb") and not excluded(Path(parent, n))
        )


def _notebooks_reading(path: Path, settings_for: Callable[[str], Settings]) -> list[str]:
    """The notebooks of the file's project whose environment reads it (directly or through -r/-c)."""
    from nblint.environment.sources import discover as discover_environment
    from nblint.environment.sources import display_path, project_root

    target = path.resolve()
    readers = []
    for notebook in _notebooks_below(project_root(path.parent), settings_for):
        environment = discover_environment(notebook, settings_for(notebook))
        read = {Path(f).resolve() for f in environment.requirements.files}
        read |= {Path(s.path).resolve() for s in environment.sources}
        if target in read:
            readers.append(display_path(Path(notebook)))
    return readers


def watched_files(paths: Iterable[str]) -> dict[str, float]:
    """Modification times of the notebooks and requirement files below `paths`, for --watch."""
    seen: dict[str, float] = {}
    for raw in paths:
        path = Path(raw)
        candidates = path.rglob("*") if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.suffix == ".ipynb" or is_requirement_file(candidate) or candidate.name == "nblint.toml":
                try:
                    seen[str(candidate)] = candidate.stat().st_mtime_ns
                except OSError:
                    continue
    return seen
