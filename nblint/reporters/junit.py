"""JUnit XML for Jenkins and GitLab: one testsuite per notebook, one testcase per code cell.

A testcase is named by the cell's id (`cell 3f2a…`), which inserting a cell elsewhere does not change, and its
classname is the notebook's path from the repository root without `.ipynb`, dots for folders
(`notebooks.etl.clean`), which Jenkins shows as package and class. An exception, a timeout or a dead kernel
is an `<error>`, any other failed check a `<failure>`; both hold the check's text (an exception's traceback
when the harness kept it) and the cell's source around the line. A notebook that could not run is one
`<error>` testcase. With `validate --lint` each suite also holds a `static rules` testcase that fails when
the findings fail the level, so the suite's verdict is the one the exit code follows.
"""

from __future__ import annotations

from pathlib import Path

from nblint import levels
from nblint.reporters.base import ReportOptions
from nblint.reporters.common import relative_path, repository_root
from nblint.results import FAILED, CheckResult, FileResult, Run, ValidationReport

_ERRORS = frozenset({"exception", "timeout", "kernel-died"})  # the cell broke, rather than a result being wrong
# cell statuses that are JUnit skips, with why
_SKIPPED = {"not-run": "not run: an earlier cell failed", "skipped": "skipped: the cell is marked to be skipped"}
_EXCERPT = 2  # source lines shown either side of the failing line


def render(run: Run, options: ReportOptions) -> str:
    import socket

    root, host = repository_root(), socket.gethostname()
    suites = [_Suite(report, run.lint_for(report.notebook), root, host) for report in run.validations]
    totals = "".join(f' {name}="{sum(getattr(s, name) for s in suites)}"' for name in ("tests", "failures", "errors"))
    time = sum(r.duration_s for r in run.validations)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="nblint validate"{totals} time="{time:.3f}">'
        + "".join(s.xml for s in suites)
        + "</testsuites>\n"
    )


def classname(notebook: str, root: Path) -> str:
    """`notebooks/etl/clean.ipynb` -> `notebooks.etl.clean`: dots inside a name become `_`, so they do not
    read as packages."""
    path = Path(relative_path(notebook, root) or notebook)
    parts = [*path.parent.parts, path.stem] if path.suffix == ".ipynb" else [*path.parent.parts, path.name]
    return ".".join(part.replace(".", "_") for part in parts if part not in ("/", "..", "."))


def _quote(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(_xml_chars(text))


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_xml_chars(text))


def _xml_chars(text: str) -> str:
    """XML 1.0 cannot hold most control characters (ANSI colours in tracebacks): drop them."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _excerpt(source: str | None, line: int | None) -> str:
    """The cell's lines around `line`, numbered, the failing one marked `-->` (as IPython shows it)."""
    if not source:
        return ""
    lines = source.split("\n")
    first, last = (max(1, line - _EXCERPT), min(len(lines), line + _EXCERPT)) if line else (1, min(len(lines), 10))
    width = len(str(last))
    return "\n".join(
        f"{'-->' if n == line else '   '} {str(n).rjust(width)} {lines[n - 1]}" for n in range(first, last + 1)
    )


class _Suite:
    """One notebook's testsuite and its counts."""

    def __init__(self, report: ValidationReport, lint: FileResult | None, root: Path, host: str) -> None:
        self.report, self.classname = report, classname(report.notebook, root)
        self.sources = _sources(report.notebook)
        self.failures = self.errors = 0
        cases = [self._cell(cell) for cell in report.cells]
        if lint is not None:
            cases.append(self._static(lint))
        if report.status == "error":
            self.errors += 1
            message = report.message or "the notebook could not be run"
            cases.append(self._case("notebook", f"<error message={_quote(message)}>{_escape(message)}</error>"))
        self.tests = len(cases)
        skipped = sum(c["status"] in _SKIPPED for c in report.cells)
        timestamp = f" timestamp={_quote(report.started_at)}" if report.started_at else ""
        self.xml = (
            f"<testsuite name={_quote(relative_path(report.notebook, root) or report.notebook)} "
            f'tests="{self.tests}" failures="{self.failures}" errors="{self.errors}" skipped="{skipped}" '
            f'time="{report.duration_s:.3f}"{timestamp} hostname={_quote(host)} file={_quote(report.notebook)}>'
            + "".join(cases)
            + "</testsuite>"
        )

    def _case(self, name: str, body: str, seconds: float | None = None) -> str:
        time = f' time="{seconds:.3f}"' if seconds is not None else ""
        return f"<testcase classname={_quote(self.classname)} name={_quote(name)}{time}>{body}</testcase>"

    def _cell(self, cell: dict) -> str:
        number, cell_id = cell["cell"], cell.get("cell_id")
        name = "injected parameters" if number is None else f"cell {cell_id or number}"
        checks = [c for c in self.report.checks if c.cell == number]
        failed = [c for c in checks if c.status == FAILED]
        out = [f"cell {number} ({cell.get('status')})" if number else "the injected parameters cell"]
        out += [f"{c.severity} {c.type}: {c.message}" for c in checks if c.status != FAILED]
        body = ""
        if cell["status"] in _SKIPPED:
            body = f'<skipped message="{_SKIPPED[cell["status"]]}"/>'
        else:
            errors = [c for c in failed if c.type in _ERRORS]
            failures = [c for c in failed if c.type not in _ERRORS]
            self.errors += bool(errors)
            self.failures += bool(failures)
            body = "".join(self._outcome("error", c) for c in errors) + "".join(
                self._outcome("failure", c) for c in failures
            )
        body += f"<system-out>{_escape(chr(10).join(out))}</system-out>"
        return self._case(name, body, cell["duration_s"])

    def _outcome(self, tag: str, check: CheckResult) -> str:
        kind = check.message.split(":", 1)[0] if check.type == "exception" else check.type
        where = f"cell {check.cell}" + (f", line {check.line}" if check.line else "") if check.cell else "parameters"
        text = f"{check.type} in {where}:\n{check.traceback or check.message}"
        excerpt = _excerpt(self.sources.get(check.cell), check.line)
        if excerpt:
            text += "\n\n" + excerpt
        return f"<{tag} type={_quote(kind)} message={_quote(check.message)}>{_escape(text)}</{tag}>"

    def _static(self, lint: FileResult) -> str:
        failed, others = ([lint.message or "error"] if lint.status == "error" else []), []
        for d in lint.diagnostics:
            where = f"cell {d.cell}:{d.line}" if d.cell else f"{d.path}:{d.line}"
            line = f"{where}: {d.severity} {d.name} ({d.code}) {d.message}"
            (failed if levels.fails(d.severity, self.report.level) else others).append(line)
        body = ""
        if failed:
            self.failures += 1
            body = f'<failure type="static rules" message={_quote(failed[0])}>{_escape(chr(10).join(failed))}</failure>'
        if others:
            body += f"<system-out>{_escape(chr(10).join(others))}</system-out>"
        return self._case("static rules", body)


def _sources(notebook: str) -> dict[int, str]:
    """Each cell's source by number, for the excerpts (nothing when the notebook cannot be read)."""
    from nblint.notebook import NotebookError, load

    try:
        return {cell.number: cell.source for cell in load(notebook).cells}
    except NotebookError:
        return {}
