"""Human output: a code frame with a caret under the span; teaching text at `learning` or --explain.

A validate run shows each notebook's cells and checks, then its static findings (`--lint`), then the
notebook's verdict, which is the one the exit code follows.
"""

from __future__ import annotations

from collections import Counter

from nblint.diagnostics import Severity, Span
from nblint.reporters.base import LINT, ReportOptions
from nblint.reporters.common import summary
from nblint.results import FileResult, Run, ValidationReport

_COLORS = {"error": "31", "warning": "33", "info": "36", "bold": "1", "dim": "2", "blue": "34", "green": "32"}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m" if self.enabled else text


def render(run: Run, options: ReportOptions) -> str:
    paint = _Paint(options.color)
    out = _lint_run(run.lint, options, paint) if run.command == LINT else _validate_run(run, options, paint)
    return "\n".join(out) + "\n" if out else ""


def _frame(source: str, span, paint: _Paint, first_line: int = 1) -> list[str]:
    """A code frame; `first_line` is the number shown for the first line of `source`."""
    lines = source.split("\n")
    if span is None or not lines or span.line > len(lines):
        return []
    offset = first_line - 1
    width = len(str(span.end_line + offset))
    gutter = " " * (width + 1) + paint("|", "blue")
    out = [gutter]
    last = min(span.end_line, span.line + 4, len(lines))
    for number in range(span.line, last + 1):
        text = lines[number - 1].expandtabs(4)
        out.append(f"{paint(str(number + offset).rjust(width), 'blue')} {paint('|', 'blue')} {text}")
        if number == span.line:
            start = span.column - 1
            end = span.end_column - 1 if span.end_line == span.line else len(text.rstrip())
            out.append(f"{gutter} {' ' * start}{paint('^' * max(1, end - start), 'bold')}")
    return out


def _teaching(name: str, paint: _Paint) -> list[str]:
    from nblint.registry import find

    rule = find(name)
    if rule is None:
        return []
    out = [f"  {paint('why:', 'bold')} {rule.why}", f"  {paint('fix:', 'bold')} {rule.how_to_fix}"]
    if rule.good:
        out.append(f"  {paint('better:', 'bold')}")
        for cell in rule.good[0].cells:
            out.extend(f"    {paint(line, 'green')}" for line in cell.source.split("\n"))
    return out


def _lint_run(results: tuple[FileResult, ...], options: ReportOptions, paint: _Paint) -> list[str]:
    out: list[str] = []
    for r in results:
        out.extend(_file(r, options, paint))
    if options.statistics:
        counts = Counter((d.code, d.name, str(d.severity)) for r in results for d in r.diagnostics)
        for (code, name, sev), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"{count:>5}  {code:<6} {name:<26} {sev}")
    if not options.quiet or any(r.status in ("failed", "error") for r in results):
        out.append(_summary_line(summary(results, options.level), options.level, paint))
    return out


def _file(r: FileResult, options: ReportOptions, paint: _Paint) -> list[str]:
    """One notebook's lint result: its note or error, then each finding with its code frame."""
    if r.status == "error":
        return [f"{paint('error', 'error')}: {r.message}"]
    if r.status == "skipped":
        return [] if options.quiet else [f"{paint('skipped', 'dim')}: {r.path}: {r.message}"]
    out: list[str] = []
    explain = options.explain or options.level == "learning"
    if r.message and not options.quiet:
        out.append(f"{paint('note', 'info')}: {r.path}: {r.message}")
    if r.diff:
        out.append(r.diff.rstrip("\n"))
    for d in r.diagnostics:
        if options.quiet and d.severity < Severity.ERROR:
            continue
        where = d.path + (f":cell {d.cell}" if d.cell else "")
        if d.span:
            where += f":{d.span.line}:{d.span.column}"
        sev = str(d.severity)
        out.append(f"{paint(where, 'bold')}: {paint(sev, sev)} {paint(d.name, 'bold')} ({d.code}) {d.message}")
        source = r.sources.get(d.cell) if d.cell else r.file_lines.get((d.path, d.line))
        if source is not None and not options.quiet:
            span = d.span if d.cell else Span(1, d.span.column, 1, d.span.end_column)
            out.extend(_frame(source, span, paint, first_line=1 if d.cell else d.line))
        for rel in d.related:
            rel_where = f"cell {rel.cell}" if rel.cell else rel.path or d.path  # another file: requirements.txt
            rel_where += f":{rel.span.line}:{rel.span.column}" if rel.span else ""
            out.append(f"  {paint('note:', 'info')} {rel.message} ({rel_where})")
        if d.fix and d.fix.safe and not options.quiet:
            out.append(f"  {paint('fixable:', 'green')} {d.fix.message} (run with --fix)")
        if explain:
            out.extend(_teaching(d.name, paint))
        if not options.quiet:
            out.append(f"  {paint('docs:', 'dim')} {d.help_url}")
            out.append("")
    return out


def _summary_line(s: dict, level: str, paint: _Paint) -> str:
    total = s["errors"] + s["warnings"] + s["infos"]
    parts = [f"{s['errors']} error(s)", f"{s['warnings']} warning(s)", f"{s['infos']} info"]
    verdict = {
        "passed": paint("passed", "green"),
        "failed": paint("failed", "error"),
        "error": paint("input error", "error"),
    }[s["status"]]
    line = f"{total} finding(s) ({', '.join(parts)}) in {s['files']} notebook(s) at level {level}: {verdict}"
    if s["fixed"]:
        line += f"; fixed {s['fixed']}"
    if s["fixable"]:
        line += f"; {s['fixable']} fixable with --fix"
    return line


def _validate_run(run: Run, options: ReportOptions, paint: _Paint) -> list[str]:
    out: list[str] = []
    for report in run.validations:
        lint = run.lint_for(report.notebook)
        out.extend(_notebook(report, options))
        if lint is not None:
            out.append(f"  static rules: {len(lint.diagnostics)} finding(s), {lint.status}")
            out.extend(_file(lint, options, paint))
        verdict = run.verdict(report)
        if report.status not in ("error", "skipped") or verdict != report.status:
            out.append(f"  {verdict} at level {report.level}")
    return out


def _notebook(report: ValidationReport, options: ReportOptions) -> list[str]:
    if report.status in ("error", "skipped"):
        return [f"{report.notebook}: {report.status}: {report.message}"]
    ran = [c for c in report.cells if c["status"] != "not-run"]
    out = [f"{report.notebook}: ran {len(ran)} of {len(report.cells)} code cells in {report.duration_s:.1f} s"]
    explain = options.explain or report.level == "learning"
    for check in report.checks:
        where = f"cell {check.cell}" if check.cell else "injected parameters"
        where += f":{check.line}" if check.line else ""
        out.append(f"  {where}: {check.severity} {check.type}: {check.message}")
        if explain:
            out.append(f"    why: {check.explanation}")
    return out
