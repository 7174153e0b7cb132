"""Every use of nblint's core by the language server and the pytest plugin, in one place, so that when a
core module moves only this file changes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from nblint.config import ConfigError, Settings, load_settings
from nblint.diagnostics import Diagnostic, Fix, Related, Severity, Span
from nblint.engine import RuleCrash, active_rules, check_notebook
from nblint.environment.sources import is_requirement_file
from nblint.levels import LEVELS
from nblint.notebook import Cell, Notebook, NotebookError, parse
from nblint.registry import find
from nblint.results import FileResult, Run

__all__ = [
    "LEVELS",
    "ConfigError",
    "Diagnostic",
    "FileResult",
    "Fix",
    "Notebook",
    "NotebookError",
    "Related",
    "Settings",
    "Severity",
    "Span",
    "find",
    "is_requirement_file",
]


# Rules whose verdict rests on the saved outputs. A JupyterLab-LSP virtual document carries sources
# only, so these are skipped there, and the server logs why. (hidden-state's execution-count half
# simply finds no counts there; its order half runs.)
def skipped_in_virtual() -> tuple[str, ...]:
    """Rules that judge saved outputs or execution counts (`Rule.needs_saved_state`)."""
    from nblint.registry import all_rules

    return tuple(rule.name for rule in all_rules() if rule.needs_saved_state)


SKIP_REASON = "it judges saved outputs or execution counts, which a virtual document does not carry"


def skipped_in_scripts() -> tuple[str, ...]:
    """A .py script has no saved state and no markdown: the saved-state rules and the notebook-structure ones
    (title, opening and closing markdown, notebook file names) say nothing about it."""
    from nblint.registry import all_rules

    structure = {"missing-title", "missing-opening-markdown", "missing-closing-markdown", "non-portable-filename"}
    return (*skipped_in_virtual(), *(rule.name for rule in all_rules() if rule.name in structure))


def settings_for(path: str, level: str | None = None) -> tuple[Settings, str | None]:
    """Settings from the nearest pyproject.toml of `path`; on a config error the defaults and the message."""
    start = Path(path)
    start = start if start.exists() else start.parent if start.parent.exists() else Path.cwd()
    try:
        settings, error = load_settings(start), None
    except ConfigError as exc:
        settings, error = Settings(root=start if start.is_dir() else start.parent), str(exc)
    if level and level in LEVELS:
        settings = replace(settings, level=level)
    return settings, error


def notebook(path: str, cells: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> Notebook:
    """A notebook model from cells held in memory: dicts with cell_type, source and optional id,
    outputs, execution_count, metadata."""
    return Notebook(
        path=path,
        cells=tuple(
            Cell(
                number=i,
                cell_type=c.get("cell_type", "code"),
                source=c.get("source", ""),
                id=c.get("id"),
                outputs=tuple(c.get("outputs") or ()),
                execution_count=c.get("execution_count"),
                metadata=c.get("metadata") or {},
            )
            for i, c in enumerate(cells, start=1)
        ),
        metadata=metadata or {},
    )


def parse_notebook(data: bytes, path: str) -> Notebook:
    return parse(data, path)


def lint_notebook(nb: Notebook, settings: Settings, skip: tuple[str, ...] = ()) -> list[Diagnostic]:
    """The findings for a notebook held in memory. Raises RuleError when a rule crashes."""
    rules = [(rule, severity) for rule, severity in active_rules(settings, nb.path) if rule.name not in skip]
    try:
        return check_notebook(nb, rules, settings)
    except RuleCrash as exc:
        raise RuleError(str(exc)) from None


class RuleError(Exception):
    """A rule crashed on this notebook (a bug in nblint); the message says which and how to skip it."""


def fixed_sources(nb: Notebook, fixes: list[Fix]) -> dict[int, str]:
    """New sources of the cells that the fixes change (overlapping fixes wait for a later pass)."""
    from nblint.fixes import apply_fixes

    return apply_fixes(nb, fixes)[0]


def lint_files(paths: list[str], settings: Settings) -> list[FileResult]:
    from nblint.lint_run import lint_paths

    return list(lint_paths(paths, settings).lint)


def notebooks_under(paths: list[str], settings: Settings) -> list[str]:
    from nblint.lint_run import discover

    return [path for path, _ in discover(paths, lambda _path: settings)[0]]


def excluded(path: Path, settings: Settings) -> bool:
    return settings.excluded(path)


def render_text(results: list[FileResult], level: str, explain: bool = True) -> str:
    from nblint.reporters import ReportOptions, render

    return render("text", Run("lint", tuple(results)), ReportOptions(level, explain=explain))


def environment_files(path: str, settings: Settings) -> tuple[str, ...]:
    """The requirement files a notebook's environment reads."""
    from nblint.environment.sources import discover as discover_environment

    return tuple(str(Path(f).resolve()) for f in discover_environment(path, settings).requirements.files)


# --- the runtime harness (nblint validate) -------------------------------------------------------


def validate(path: str, level: str, timeout: float | None, kernel: str | None):
    """Run one notebook with a real kernel; returns the harness Report."""
    from nblint.harness.validate import Options
    from nblint.harness.validate import validate as run

    return run(path, Options(level=level, kernel=kernel, cell_timeout=timeout))


def validation_failed(check) -> bool:
    from nblint.results import FAILED

    return check.status == FAILED


def notebook_skip(path: str) -> str | None:
    """The reason when the notebook's metadata says `{"nblint": {"skip": true}}`, else None."""
    try:
        nb = parse(Path(path).read_bytes(), path)
    except (OSError, NotebookError):
        return None
    meta = nb.metadata.get("nblint")
    if isinstance(meta, dict) and meta.get("skip"):
        return str(meta.get("reason") or "skipped by notebook metadata")
    return None


def appended_files(appends) -> dict[Path, str]:
    """The new text of each file a fix appends lines to (requirements.txt, ...)."""
    from nblint.fixes import merged_appends

    return merged_appends(list(appends))


def disable_directive(line: str):
    """The first `# nblint: disable=...` directive on a line of source, or None."""
    from nblint.directives import first

    return first(line, "disable")


def with_sources(nb: Notebook, sources: dict[int, str]) -> Notebook:
    return replace(nb, cells=tuple(replace(c, source=sources.get(c.number, c.source)) for c in nb.cells))


def json_line(text: str, cell: int | None, line: int | None) -> int:
    """The 1-based line of a notebook's JSON text that holds a cell's line."""
    from nblint.jsonmap import JsonMap

    if cell is None:
        return 1
    return JsonMap(text).file_line(cell, line)


def render_validation(report) -> str:
    from nblint.reporters import ReportOptions, render

    return render("text", Run("validate", validations=(report,)), ReportOptions(report.level))
