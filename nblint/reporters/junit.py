"""JUnit XML for CI: one testsuite per notebook, one testcase per code cell; failed checks become failures.

With `validate --lint` each suite also holds a `static rules` testcase that fails when the findings fail
the level, so the suite's verdict is the one the exit code follows.
"""

from __future__ import annotations

from nblint import levels
from nblint.reporters.base import VALIDATE, ReportOptions
from nblint.results import FAILED, FileResult, Run, ValidationReport

RENDERS = frozenset({VALIDATE})


def render(run: Run, options: ReportOptions) -> str:
    suites = "".join(_suite(report, run.lint_for(report.notebook)) for report in run.validations)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>' + suites + "</testsuites>\n"


def _case(classname: str, name: str, body: str, seconds: float | None = None) -> str:
    from xml.sax.saxutils import quoteattr

    time = f' time="{seconds:.3f}"' if seconds is not None else ""
    return f"<testcase classname={quoteattr(classname)} name={quoteattr(name)}{time}>{body}</testcase>"


def _outcome(failed: list[str], others: list[str]) -> str:
    """A testcase body: a failure holding every failing line, and the rest as system-out."""
    from xml.sax.saxutils import escape, quoteattr

    body = ""
    if failed:
        body = f"<failure message={quoteattr(failed[0])}>{escape(chr(10).join(failed))}</failure>"
    if others:
        body += f"<system-out>{escape(chr(10).join(others))}</system-out>"
    return body


def _suite(report: ValidationReport, lint: FileResult | None) -> str:
    from xml.sax.saxutils import quoteattr

    cases, failures = [], 0
    for cell in report.cells:
        name = f"cell {cell['cell']}" if cell["cell"] else "injected parameters"
        checks = [c for c in report.checks if c.cell == cell["cell"]]
        failed = [f"{c.type}: {c.message}" for c in checks if c.status == FAILED]
        others = [f"{c.type}: {c.message}" for c in checks if c.status != FAILED]
        if cell["status"] == "not-run":
            body = '<skipped message="not run: an earlier cell failed"/>' + _outcome([], others)
        else:
            failures += bool(failed)
            body = _outcome(failed, others)
        cases.append(_case(report.notebook, name, body, cell["duration_s"]))
    if lint is not None:
        failed, others = ([lint.message or "error"] if lint.status == "error" else []), []
        for d in lint.diagnostics:
            where = f"cell {d.cell}" if d.cell else f"{d.path}:{d.line}"
            line = f"{where}: {d.name} ({d.code}) {d.message}"
            (failed if levels.fails(d.severity, report.level) else others).append(line)
        failures += bool(failed)
        cases.append(_case(report.notebook, "static rules", _outcome(failed, others)))
    errors = 1 if report.status == "error" else 0
    if errors:
        cases.append(_case(report.notebook, "notebook", f"<error message={quoteattr(report.message or 'error')}/>"))
    skipped = sum(c["status"] == "not-run" for c in report.cells)
    return (
        f'<testsuite name={quoteattr(report.notebook)} tests="{len(cases)}" failures="{failures}" '
        f'errors="{errors}" skipped="{skipped}" time="{report.duration_s:.3f}">{"".join(cases)}</testsuite>'
    )
