"""Run the rules on notebooks: selection, severities, suppressions and fixes."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from nblint import levels
from nblint.analysis import Analysis
from nblint.config import Settings
from nblint.diagnostics import Diagnostic, Finding, Severity
from nblint.notebook import Notebook, NotebookError, load, parse
from nblint.registry import all_rules, matches
from nblint.results import FileResult
from nblint.rule import Rule
from nblint.suppressions import Suppressions, file_line_suppressed

MAX_FIX_PASSES = 10


def active_rules(settings: Settings, path: str) -> list[tuple[Rule, Severity]]:
    ignored = (*settings.ignore, *settings.ignored_for(path))
    chosen = []
    for rule in all_rules():
        if not any(matches(rule, s) for s in settings.select) or any(matches(rule, s) for s in ignored):
            continue
        severity = settings.severity.get(rule.name) or settings.severity.get(rule.code)
        if severity is None:
            severity = settings.policy_severity(rule.name)
        if severity is None:
            severity = levels.severity(rule.name, settings.level)
        if severity > Severity.OFF:
            chosen.append((rule, severity))
    return chosen


def check_notebook(nb: Notebook, rules: Iterable[tuple[Rule, Severity]], settings=None) -> list[Diagnostic]:
    analysis = Analysis(nb, settings)
    suppressions = Suppressions(nb.cells)
    found = []
    for rule, severity in rules:
        for finding in _run_rule(rule, analysis):
            line = finding.span.line if finding.span else None
            if suppressions.suppressed((rule.name, rule.code), finding.cell, line):
                continue
            if finding.path and line and file_line_suppressed(finding.path, line, (rule.name, rule.code)):
                continue
            found.append(_diagnostic(nb, rule, severity, finding))
    found.sort(key=lambda d: (d.path != nb.path, d.path, d.cell or 0, d.line or 0, d.column or 0, d.code))
    return found


class RuleCrash(Exception):
    """A rule raised: a bug in nblint, reported as an input error rather than a traceback."""


def _run_rule(rule: Rule, analysis: Analysis) -> list[Finding]:
    try:
        return list(rule.check(analysis))
    except Exception as exc:
        raise RuleCrash(
            f"{analysis.notebook.path}: internal error in rule {rule.name} ({type(exc).__name__}: {exc}); "
            "this is a bug in nblint, please report it with the notebook; "
            f"meanwhile `--ignore {rule.name}` skips the rule"
        ) from exc


def _diagnostic(nb: Notebook, rule: Rule, severity: Severity, f: Finding) -> Diagnostic:
    cell_id = nb.cells[f.cell - 1].id if f.cell else None
    return Diagnostic(
        rule.code,
        rule.name,
        severity,
        f.message,
        f.path or nb.path,
        f.cell,
        cell_id,
        f.span,
        rule.help_url,
        f.fix,
        f.related,
    )


def lint_path(path: str, settings: Settings, fix: bool = False, diff: bool = False, unsafe: bool = False) -> FileResult:
    result = FileResult(path)
    try:
        nb = load(path)
    except NotebookError as exc:
        return FileResult(path, "error", message=str(exc))
    if not nb.is_python:
        return FileResult(path, "skipped", message=f"kernel language is {nb.language!r}, not Python")
    rules = active_rules(settings, path)
    try:
        diagnostics = check_notebook(nb, rules, settings)
        if (fix or diff) and any(d.fix for d in diagnostics):
            nb, diagnostics = _fix(nb, rules, settings, diagnostics, result, write=fix, show_diff=diff, unsafe=unsafe)
    except RuleCrash as exc:
        return FileResult(path, "error", message=str(exc))
    result.diagnostics = diagnostics
    result.sources = {d.cell: nb.cells[d.cell - 1].source for d in diagnostics if d.cell and d.path == nb.path}
    result.file_lines = file_lines(diagnostics, nb.path)
    if result.file_lines:
        from nblint.environment import discover as discover_environment

        result.env_files = tuple(discover_environment(nb.path, settings).requirements.files)
    result.status = "failed" if any(levels.fails(d.severity, settings.level) for d in diagnostics) else "passed"
    return result


def _fix(nb, rules, settings, diagnostics, result: FileResult, write: bool, show_diff: bool, unsafe: bool):
    """Apply fixes until none is left; returns the fixed notebook and its diagnostics.

    Unsafe fixes (those that also change files next to the notebook) only with `unsafe`.
    """
    from nblint.fixes import apply_fixes, cell_diff, merged_appends, text_diff, write_atomic
    from nblint.jsonmap import JsonMap

    if nb.nbformat < 4:
        result.message = "fixes skipped: the file is nbformat 3; open and save it in Jupyter to upgrade it first"
        return nb, diagnostics
    original, appends = nb, []
    for _ in range(MAX_FIX_PASSES):
        sources, applied = apply_fixes(nb, [d.fix for d in diagnostics if d.fix and (d.fix.safe or unsafe)])
        if not applied:
            break
        result.fixed += len(applied)
        appends += [a for f in applied for a in f.appends]
        text = JsonMap(nb.text).replace_sources(sources)
        nb = parse(text.encode("utf-8"), nb.path)
        diagnostics = check_notebook(nb, rules, settings)
    if nb is original:
        return nb, diagnostics
    files = merged_appends(appends)
    if show_diff:
        result.diff = cell_diff(original, nb) + "".join(
            text_diff(path, path.read_text(encoding="utf-8") if path.exists() else "", text)
            for path, text in files.items()
        )
    if write:
        for path, text in files.items():  # files first: a crash then leaves the notebook as it was
            write_atomic(path, text)
        write_atomic(Path(nb.path), nb.text)
    return nb, diagnostics


def file_lines(diagnostics: list[Diagnostic], notebook: str) -> dict[tuple[str, int], str]:
    """The text of each line that findings in files next to the notebook point at, for code frames."""
    from nblint.suppressions import read_lines

    out = {}
    for d in diagnostics:
        if d.path != notebook and d.line:
            lines = read_lines(d.path)
            if d.line <= len(lines):
                out[(d.path, d.line)] = lines[d.line - 1]
    return out


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
