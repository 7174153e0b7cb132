"""Run the rules on notebooks: selection, severities, suppressions and fixes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from nblint import levels
from nblint.analysis.notebook import Analysis
from nblint.config import Settings
from nblint.diagnostics import Diagnostic, Finding, Severity
from nblint.notebook import Notebook, NotebookError, load, parse
from nblint.registry import all_rules, matches, rule_names
from nblint.results import FileResult
from nblint.rule import Rule
from nblint.suppressions import Suppressions, file_line_suppressed

MAX_FIX_PASSES = 10


def active_rules(settings: Settings, path: str) -> list[tuple[Rule, Severity]]:
    """The rules that run on `path`, with their severities; the same for every file a settings object
    covers unless a per-file ignore applies, so remembered per (settings, ignores)."""
    ignored = (*settings.ignore, *settings.ignored_for(path))
    key = (id(settings), ignored)
    known = _ACTIVE.get(key)
    if known is not None and known[0] is settings:  # the settings object itself is kept, so its id is not reused
        return known[1]
    if len(_ACTIVE) >= 64:  # a language server makes new settings as configs change
        _ACTIVE.clear()
    chosen = _choose(settings, ignored)
    _ACTIVE[key] = (settings, chosen)
    return chosen


_ACTIVE: dict[tuple[int, tuple[str, ...]], tuple[Settings, list[tuple[Rule, Severity]]]] = {}


def _choose(settings: Settings, ignored: tuple[str, ...]) -> list[tuple[Rule, Severity]]:
    chosen = []
    for rule in all_rules():
        if not any(matches(rule, s) for s in settings.select) or any(matches(rule, s) for s in ignored):
            continue
        override = settings.severity.get(rule.name) or settings.severity.get(rule.code)
        overrides = {rule.name: override} if override is not None else None
        severity = levels.resolve(rule.name, settings.level, overrides, settings.switches)
        if severity > Severity.OFF:
            chosen.append((rule, severity))
    return chosen


def check_notebook(nb: Notebook, rules: Iterable[tuple[Rule, Severity]], settings=None) -> list[Diagnostic]:
    analysis = Analysis(nb, settings, rule_names())
    suppressions = Suppressions(nb)
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


def lint_path(
    path: str,
    settings: Settings,
    fix: bool = False,
    diff: bool = False,
    unsafe: bool = False,
    data: bytes | None = None,
) -> FileResult:
    """Lint one notebook; `data` is its content when it does not come from `path` (an editor's buffer)."""
    result = FileResult(path, level=settings.level)
    try:
        nb = load(path) if data is None else parse(data, path)
    except NotebookError as exc:
        return FileResult(path, "error", settings.level, message=str(exc))
    if not nb.is_python:
        return FileResult(path, "skipped", settings.level, message=f"kernel language is {nb.language!r}, not Python")
    rules = active_rules(settings, path)
    try:
        diagnostics = check_notebook(nb, rules, settings)
        if (fix or diff) and any(d.fix for d in diagnostics):
            nb, diagnostics = _fix(nb, rules, settings, diagnostics, result, write=fix, show_diff=diff, unsafe=unsafe)
    except (RuleCrash, NotebookError) as exc:  # NotebookError: metadata nblint tells lint nonsense
        return FileResult(path, "error", settings.level, message=str(exc))
    result.diagnostics = diagnostics
    result.sources = {d.cell: nb.cells[d.cell - 1].source for d in diagnostics if d.cell and d.path == nb.path}
    result.file_lines = file_lines(diagnostics, nb.path)
    if result.file_lines:
        from nblint.environment.sources import discover as discover_environment

        result.env_files = tuple(discover_environment(nb.path, settings).requirements.files)
    result.status = "failed" if any(levels.fails(d.severity, settings.level) for d in diagnostics) else "passed"
    return result


def _fix(nb, rules, settings, diagnostics, result: FileResult, write: bool, show_diff: bool, unsafe: bool):
    """Apply fixes until none is left; returns the fixed notebook and its diagnostics.

    Unsafe fixes (those that also change files next to the notebook) only with `unsafe`.
    """
    from nblint.fixes import apply_fixes, cell_diff, merged_appends, text_diff, write_atomic

    if nb.nbformat < 4:
        result.message = "fixes skipped: the file is nbformat 3; open and save it in Jupyter to upgrade it first"
        return nb, diagnostics
    original, appends = nb, []
    for _ in range(MAX_FIX_PASSES):
        candidates = [d.fix for d in diagnostics if d.fix and (d.fix.safe or unsafe) and _fixable(nb, d.fix)]
        sources, applied = apply_fixes(nb, candidates)
        broken = _broken_cells(nb, sources)
        if broken:  # a fix must never add a syntax error: those cells keep their source
            candidates = [f for f in candidates if not any(e.cell in broken for e in f.edits)]
            sources, applied = apply_fixes(nb, candidates)
        if not applied:
            break
        fixed = _rewrite(nb, sources)
        if fixed is None:
            result.message = "some fixes skipped: nblint could not rewrite this notebook's JSON exactly"
            break
        result.fixed += len(applied)
        result.applied += [f.message for f in applied]
        appends += [a for f in applied for a in f.appends]
        nb = fixed
        diagnostics = check_notebook(nb, rules, settings)
    if nb is original:
        return nb, diagnostics
    files = merged_appends(appends)
    if show_diff:
        result.diff = cell_diff(original, nb) + "".join(
            text_diff(path, old.decode("utf-8", "replace"), new.decode("utf-8", "replace"))
            for path, (old, new) in files.items()
        )
    if write:
        for path, (_, new) in files.items():  # files first: a crash then leaves the notebook as it was
            write_atomic(path, new)
        write_atomic(Path(nb.path), nb.text)
    return nb, diagnostics


def _fixable(nb: Notebook, fix) -> bool:
    """A fix may only touch cells whose source the model holds exactly (see `Cell.exact`)."""
    return all(1 <= e.cell <= len(nb.cells) and nb.cells[e.cell - 1].exact for e in fix.edits)


def _broken_cells(nb: Notebook, sources: dict[int, str]) -> set[int]:
    """Cells that parse now and would not with their new source."""
    from nblint.analysis.cells import CodeCell

    return {
        number
        for number, source in sources.items()
        if CodeCell(nb.cells[number - 1]).tree is not None
        and CodeCell(replace(nb.cells[number - 1], source=source)).tree is None
    }


def _rewrite(nb: Notebook, sources: dict[int, str]) -> Notebook | None:
    """The notebook with new sources for some cells, or None when that cannot be done exactly.

    The new file is read back: the changed cells must hold their new source and every other cell
    exactly what it held, or nothing is written.
    """
    from nblint.fixes import encode_text
    from nblint.jsonmap import JsonMap

    mapping = JsonMap(nb.text)
    if any(number not in mapping.sources for number in sources):
        return None
    try:
        fixed = parse(encode_text(mapping.replace_sources(sources)), nb.path)
    except NotebookError:
        return None
    expected = [(c.cell_type, sources.get(c.number, c.source)) for c in nb.cells]
    return fixed if [(c.cell_type, c.source) for c in fixed.cells] == expected else None


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
