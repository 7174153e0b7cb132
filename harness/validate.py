"""`nblint validate`: run one notebook and judge every cell by what it did."""

from __future__ import annotations

import ast
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nblint.harness.checks import FAILED, CheckResult, grade

from nblint.diagnostics import Severity
from nblint.notebook import NotebookError, load

DEFAULT_CELL_TIMEOUT = 600.0
_ALLOW = re.compile(r"#\s*nblint:\s*allow\s*=\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)")


@dataclass
class Options:
    level: str = "development"
    kernel: str | None = None
    cwd: Path | None = None
    cell_timeout: float | None = None
    total_timeout: float | None = None
    startup_timeout: float = 60
    parameters: dict[str, Any] = field(default_factory=dict)
    output: Path | None = None
    expectations: dict[int | str, Any] = field(default_factory=dict)  # from --expect
    golden: Path | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    compare_images: bool = False
    python: str | None = None  # run the kernel with this interpreter (--env requirements)
    progress: Any = None  # called as progress(label, done, total, status) while cells run
    severity: dict[str, Any] = field(default_factory=dict)  # check name -> Severity, over the level table


@dataclass
class Report:
    notebook: str
    level: str
    status: str = "passed"  # passed | failed | skipped | error
    duration_s: float = 0.0
    checks: list[CheckResult] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None
    golden: list[dict[str, Any]] | None = None
    lint: dict[str, Any] | None = None


def validate(path: str, options: Options) -> Report:
    started = time.monotonic()
    report = Report(path, options.level)
    try:
        report = _validate(path, options, report)
    except NotebookError as exc:
        report.status, report.message = "error", str(exc)
    report.duration_s = round(time.monotonic() - started, 3)
    return report


def _validate(path: str, options: Options, report: Report) -> Report:
    import nbformat
    from nblint.harness.expectations import ExpectationError
    from nblint.harness.runner import RunnerError, run_notebook

    model = load(path)  # clear errors for broken files, before nbformat sees them
    skip = (model.metadata.get("nblint") or {}) if isinstance(model.metadata.get("nblint"), dict) else {}
    if skip.get("skip"):
        report.status, report.message = "skipped", str(skip.get("reason") or "skipped by notebook metadata")
        return report
    nb = nbformat.reads(model.text, as_version=4) if model.nbformat == 4 else nbformat.read(path, as_version=4)
    numbers = _inject_parameters(nb, options.parameters)  # executed position -> original cell number (None: injected)
    try:
        expectations = _expectations(model, options)
    except ExpectationError as exc:
        report.status, report.message = "error", str(exc)
        return report
    kernel = options.kernel or (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
    if options.python:
        from nblint.harness.envbuild import kernel_for

        kernel = kernel_for(options.python)
    cell_timeout = options.cell_timeout or _metadata_timeout(nb) or DEFAULT_CELL_TIMEOUT
    try:
        run = run_notebook(
            nb,
            cwd=options.cwd or Path(path).resolve().parent,
            kernel_name=kernel,
            cell_timeout=cell_timeout,
            total_timeout=options.total_timeout,
            startup_timeout=options.startup_timeout,
            progress=_progress_adapter(path, nb, numbers, options.progress),
        )
    except RunnerError as exc:
        report.status, report.message = "error", f"{path}: {exc}"
        return report
    results = list(_checks(model, nb, numbers, run, expectations))
    report.checks = [grade(r, options.level, options.severity) for r in results]
    report.cells = _cell_summaries(model, nb, numbers, run)
    if options.golden:
        from nblint.harness.golden import compare

        report.golden = compare(nb, options.golden, numbers, options.rtol, options.atol, options.compare_images)
        report.checks += [
            grade(CheckResult("expected-output", f"differs from golden notebook: {d['summary']}", d["cell"],
                              _cell_id(model, d["cell"])), options.level, options.severity)
            for d in report.golden
        ]  # fmt: skip
    report.checks = [c for c in report.checks if c.severity > Severity.OFF]
    report.status = "failed" if any(c.status == FAILED for c in report.checks) else "passed"
    if options.output:
        from nblint.fixes import write_atomic

        write_atomic(options.output, nbformat.writes(nb) + "\n")
    return report


def _progress_adapter(path: str, nb, numbers, progress):
    if progress is None:
        return None
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]

    def report(index, record) -> None:
        done = code.index(index) + (0 if record.status == "not-run" else 1)
        progress(path, numbers[index], done, len(code), record.status)

    return report


def _inject_parameters(nb, parameters: dict[str, Any]) -> list[int | None]:
    """papermill-compatible: a cell tagged `injected-parameters` after the `parameters` cell (or first)."""
    numbers: list[int | None] = list(range(1, len(nb.cells) + 1))
    if not parameters:
        return numbers
    from nbformat.v4 import new_code_cell

    source = "# Parameters\n" + "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    position = tagged[0] + 1 if tagged else 0
    nb.cells.insert(position, cell)
    numbers.insert(position, None)
    return numbers


def _metadata_timeout(nb) -> float | None:
    """The nbmake convention: notebook metadata `execution.timeout` in seconds."""
    value = (nb.metadata.get("execution") or {}).get("timeout")
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _expectations(model, options: Options) -> dict[int, Any]:
    from nblint.harness.expectations import from_comment, from_mapping

    by_number: dict[int, Any] = {}
    ids = {c.id: c.number for c in model.cells if c.id}
    for cell in model.cells:
        meta = cell.metadata.get("nblint") if isinstance(cell.metadata, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("expect"), dict):
            by_number[cell.number] = from_mapping(meta["expect"], f"{model.path}: cell {cell.number} metadata")
        first = cell.source.split("\n", 1)[0]
        from_line = from_comment(first, f"{model.path}: cell {cell.number}") if cell.is_code else None
        if from_line:
            by_number[cell.number] = from_line
    for key, expectation in options.expectations.items():
        number = ids.get(key) if isinstance(key, str) else key
        if number is not None:
            by_number[number] = expectation
    return by_number


def _cell_id(model, number: int | None) -> str | None:
    return model.cells[number - 1].id if number else None


def _allowed(model, number: int | None, line: int | None) -> set[str]:
    if not number:
        return set()
    lines = model.cells[number - 1].source.split("\n")
    names: set[str] = set()
    for candidate in {1, line or 1}:
        if 1 <= candidate <= len(lines):
            match = _ALLOW.search(lines[candidate - 1])
            if match:
                names |= {n.strip() for n in match.group(1).split(",")}
    return names


def _checks(model, nb, numbers, run, expectations):
    for index, record in enumerate(run.cells):
        number = numbers[index]
        where = dict(cell=number, cell_id=_cell_id(model, number))
        if record.status == "not-run" or nb.cells[index].cell_type != "code":
            continue
        found: list[CheckResult] = []
        if record.status == "timeout":
            scope = "the whole run's --timeout" if run.whole_run_timeout else "its time limit"
            found.append(CheckResult("timeout", f"cell exceeded {scope}; the kernel was interrupted, then stopped",
                                     **where))  # fmt: skip
        if record.status == "died":
            how = f" ({run.kernel_exit})" if run.kernel_exit else ""
            tail = _tail(run.kernel_stderr)
            found.append(CheckResult("kernel-died", f"the kernel died while running this cell{how}{tail}", **where))
        error = record.error
        if error and error["ename"] == "SystemExit":
            if record.status == "error":
                message = f"the notebook exits with status {error['evalue']!r}; plain runners report success"
                found.append(CheckResult("exit-code", message, line=error["line"], **where))
        elif error:
            found.append(CheckResult("exception", f"{error['ename']}: {error['evalue']}"[:300], line=error["line"],
                                     **where))  # fmt: skip
        probe = record.probe or {}
        for exit_call in probe.get("exits", []):
            found.append(CheckResult("exit-code", f"{exit_call['call']}() was called: in a kernel it does not stop "
                                     "the notebook; raise an exception or use sys.exit(1)", **where))  # fmt: skip
        for finding in probe.get("findings", []):
            found.append(CheckResult(finding["check"], finding["message"], line=finding.get("line"), **where))
        for warning in probe.get("warnings", []):
            if warning["message"].startswith("To exit: use"):
                continue  # IPython's own note after a SystemExit
            found.append(CheckResult("warning", f"{warning['category']}: {warning['message']}"[:300],
                                     line=warning.get("lineno"), **where))  # fmt: skip
        if record.stderr:
            first = record.stderr.strip().splitlines()[0][:200]
            found.append(CheckResult("stderr", f"wrote to stderr: {first}", **where))
        expectation = expectations.get(number) if number else None
        if expectation is not None and record.status == "ok":
            from nblint.harness.expectations import check

            for problem in check(expectation, probe.get("result")):
                found.append(CheckResult("expected-output", problem, **where))
        for result in found:
            if result.type not in _allowed(model, number, result.line):
                yield result


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


def _cell_summaries(model, nb, numbers, run) -> list[dict[str, Any]]:
    out = []
    for index, record in enumerate(run.cells):
        if nb.cells[index].cell_type != "code":
            continue
        number = numbers[index]
        out.append({
            "cell": number,
            "cell_id": _cell_id(model, number),
            "injected": number is None,
            "status": record.status,
            "duration_s": round(record.duration_s, 3),
        })  # fmt: skip
    return out


def document(report: Report) -> dict[str, Any]:
    """The versioned JSON document of one validation (ARCHITECTURE.md)."""
    doc = {
        "version": 1,
        "notebook": report.notebook,
        "level": report.level,
        "status": report.status,
        "duration_s": report.duration_s,
        "message": report.message,
        "checks": [
            {"type": c.type, "status": c.status, "severity": str(c.severity), "cell": c.cell, "cell_id": c.cell_id,
             "line": c.line, "message": c.message, "explanation": c.explanation}
            for c in report.checks
        ],
        "cells": report.cells,
    }  # fmt: skip
    if report.golden is not None:
        doc["golden"] = report.golden
    if report.lint is not None:
        doc["lint"] = report.lint
    return doc


def summary(report: Report) -> dict[str, Any]:
    """A few hundred bytes for a container's termination message; the full report goes to the log."""
    failed = [c for c in report.checks if c.status == FAILED]
    return {
        "status": report.status,
        "failed": len(failed),
        "checks": sorted({c.type for c in failed}),
        "first": f"cell {failed[0].cell}: {failed[0].type}: {failed[0].message}"[:200] if failed else None,
        "message": (report.message or "")[:200] or None,
    }


def parse_parameter(text: str) -> tuple[str, Any]:
    """`-p name=value`: numbers, true/false/none and JSON become values; anything else stays a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name.isidentifier():
        raise ValueError(f"parameter {text!r} must look like name=value")
    lowered = raw.strip().lower()
    if lowered in {"true", "false"}:
        return name, lowered == "true"
    if lowered in {"none", "null"}:
        return name, None
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        pass
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw
