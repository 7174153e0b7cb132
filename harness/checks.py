"""The runtime checks of each executed cell, from what the kernel and the probe reported, and their grading
by the shared level table. The catalogue of check names and explanations is core data (nblint/checks.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from nblint.harness.notebook_run import NotebookRun
from nblint.harness.runner import CellRun

from nblint import directives, levels
from nblint.diagnostics import Severity
from nblint.results import FAILED, REPORTED, CheckResult


def grade(result: CheckResult, level: str, overrides: dict[str, Severity] | None = None) -> CheckResult:
    severity = levels.resolve(result.type, level, overrides)
    status = FAILED if levels.fails(severity, level) else REPORTED
    return replace(result, severity=severity, status=status)


def cell_results(run: NotebookRun) -> Iterator[CheckResult]:
    """Every check that fired in a code cell that ran, minus those the cell allows (`# nblint: allow=`)."""
    for number, record in run.code_cells():
        if record.status in ("not-run", "skipped"):
            continue
        found = [*_execution(run, record), *_probe(record), *_stderr(record), *_expected(run, number, record)]
        for result in found:
            if result.type not in _allowed(run, number, result.line):
                yield replace(result, cell=number, cell_id=run.cell_id(number))


def _execution(run: NotebookRun, record: CellRun) -> Iterator[CheckResult]:
    """How the cell ended: a timeout, a dead kernel, an exception or an exit status."""
    kernel = run.kernel
    if record.status == "timeout":
        scope = "the whole run's --timeout" if kernel.whole_run_timeout else "its time limit"
        yield CheckResult("timeout", f"cell exceeded {scope}; the kernel was interrupted, then stopped")
    if record.status == "died":
        how = f" ({kernel.kernel_exit})" if kernel.kernel_exit else ""
        yield CheckResult("kernel-died", f"the kernel died while running this cell{how}{_tail(kernel.kernel_stderr)}")
    error = record.error
    if record.expects_error:
        if record.status == "ok" and not error:
            yield CheckResult("exception", "the cell is tagged raises-exception but raised nothing")
        return
    if error and error["ename"] == "CalledProcessError" and _script_cell(run, record):
        yield CheckResult("exit-code", f"the shell cell failed: {error['evalue']}"[:300], line=error["line"])
    elif error and error["ename"] == "SystemExit":
        if record.status == "error":
            message = f"the notebook exits with status {error['evalue']!r}; plain runners report success"
            yield CheckResult("exit-code", message, line=error["line"])
    elif error:
        yield CheckResult(
            "exception",
            f"{error['ename']}: {error['evalue']}"[:300],
            line=error["line"],
            traceback=error.get("traceback"),
        )


def _probe(record: CellRun) -> Iterator[CheckResult]:
    """What the kernel-side probe saw: exit() calls, suspicious values, warnings."""
    probe = record.probe or {}
    for exit_call in probe.get("exits", []):
        call = exit_call["call"]
        if call == "!":
            message = f"`!{exit_call['command']}` exited with status {exit_call['code']} and the notebook went on"
        elif call == "subprocess.run":
            message = (f"subprocess.run({exit_call['command']}) exited with status {exit_call['code']}, never checked "
                       "(pass check=True or test returncode)")  # fmt: skip
        else:
            message = (
                f"{call}() was called: in a kernel it does not stop the notebook; raise an exception or use sys.exit(1)"
            )
        yield CheckResult("exit-code", message, line=exit_call.get("line"))
    for finding in probe.get("findings", []):
        yield CheckResult(finding["check"], finding["message"], line=finding.get("line"))
    for warning in probe.get("warnings", []):
        if warning["message"].startswith("To exit: use"):
            continue  # IPython's own note after a SystemExit
        yield CheckResult("warning", f"{warning['category']}: {warning['message']}"[:300], line=warning.get("lineno"))


def _script_cell(run: NotebookRun, record: CellRun) -> bool:
    """A `%%bash` / `%%sh` / `%%script` cell: IPython raises CalledProcessError for its non-zero status."""
    first = run.executed.cells[record.index].get("source", "").lstrip().split("\n", 1)[0]
    return first.startswith(("%%bash", "%%sh", "%%script"))


def _stderr(record: CellRun) -> Iterator[CheckResult]:
    if record.stderr:
        yield CheckResult("stderr", f"wrote to stderr: {record.stderr.strip().splitlines()[0][:200]}")


def _expected(run: NotebookRun, number: int | None, record: CellRun) -> Iterator[CheckResult]:
    expectation = run.expectations.get(number) if number else None
    if expectation is not None and record.status == "ok":
        from nblint.harness.expectations import check

        for problem in check(expectation, (record.probe or {}).get("result")):
            yield CheckResult("expected-output", problem)


def _allowed(run: NotebookRun, number: int | None, line: int | None) -> set[str]:
    if not number:
        return set()
    lines = run.model.cells[number - 1].source.split("\n")
    names: set[str] = set()
    for candidate in {1, line or 1}:
        if 1 <= candidate <= len(lines):
            directive = directives.first(lines[candidate - 1], "allow", candidate)
            if directive:
                names |= set(directive.names)
    return names


def _tail(text: str) -> str:
    """The useful part of a dead kernel's stderr: faulthandler's fatal line and the crashing thread's frames."""
    lines = [ln.strip() for ln in text.strip().splitlines() if "running over TCP without encryption" not in ln]
    if any(ln.startswith("Fatal Python error") for ln in lines):
        fatal = next(ln for ln in lines if ln.startswith("Fatal Python error"))
        start = next((i for i, ln in enumerate(lines) if ln.startswith("Current thread")), len(lines))
        frames = [ln for ln in lines[start + 1 : start + 6] if ln.startswith('File "')][:3]
        shown = [fatal, *frames]
    else:
        shown = lines[-3:]
    return f"; kernel stderr: {' | '.join(shown)[:400]}" if shown else ""
