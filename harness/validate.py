"""`nblint validate`: run one notebook and judge every cell by what it did.

The steps share one `NotebookRun`: load and prepare (parameters, expectations), execute with the kernel,
check each cell (checks.py), compare with a golden notebook, write the executed copy, then report.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from nblint.harness.checks import cell_results, grade
from nblint.harness.notebook_run import NotebookRun, Options

from nblint.diagnostics import Severity
from nblint.notebook import NotebookError, load
from nblint.results import FAILED, CheckResult, ValidationReport

DEFAULT_CELL_TIMEOUT = 600.0

__all__ = ["DEFAULT_CELL_TIMEOUT", "Options", "output_paths", "unwritable", "validate"]


def validate(path: str, options: Options) -> ValidationReport:
    """One notebook's verdict, always: whatever goes wrong becomes this notebook's error report."""
    started = time.monotonic()
    try:
        report = _validate(path, options)
    except NotebookError as exc:
        report = ValidationReport(path, options.level, "error", message=str(exc))
    except Exception as exc:  # never lose the other notebooks' reports of a batch to one bad input
        report = ValidationReport(path, options.level, "error", message=f"{path}: cannot validate: "
                                  f"{type(exc).__name__}: {exc}"[:500])  # fmt: skip
    return replace(report, duration_s=round(time.monotonic() - started, 3))


def output_paths(notebooks: list[str], folder: Path) -> dict[str, Path]:
    """Where `--output FOLDER` writes each executed notebook: the notebooks' paths relative to their common
    folder, mirrored, so that a/x.ipynb and b/x.ipynb stay apart."""
    resolved = {nb: Path(os.path.abspath(nb)) for nb in notebooks}
    root = Path(os.path.commonpath([str(p.parent) for p in resolved.values()]))
    return {nb: folder / p.relative_to(root) for nb, p in resolved.items()}


def unwritable(path: Path, create_folders: bool = False) -> str | None:
    """Why a file cannot be written at `path` (checked before a run, not after it), or None.
    With `create_folders` (--output), missing folders below an existing one will be created."""
    if path.is_dir():
        return f"{path}: is a folder"
    if path.is_file():
        return None if os.access(path, os.W_OK) else f"{path}: file is not writable"
    parent = path.parent
    while create_folders and not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.exists():
        return f"{parent}: folder does not exist"
    if not parent.is_dir():
        return f"{parent}: not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{parent}: folder is not writable"
    return None


def _validate(path: str, options: Options) -> ValidationReport:
    from nblint.harness.expectations import ExpectationError
    from nblint.harness.runner import RunnerError

    model = load(path)  # clear errors for broken files, before nbformat sees them
    for tool in ("nblint", "nbreg", "papermill", "nbmake"):  # the peers' notebook-level skip metadata
        meta = model.metadata.get(tool)
        if isinstance(meta, dict) and meta.get("skip"):
            reason = meta.get("reason") or f"skipped by notebook metadata ({tool}.skip)"
            return ValidationReport(path, options.level, "skipped", message=str(reason))
    try:
        run = _prepare(path, model, options)
    except ExpectationError as exc:
        return ValidationReport(path, options.level, "error", message=str(exc))
    try:
        _execute(run)
    except RunnerError as exc:
        return ValidationReport(path, options.level, "error", message=f"{path}: {exc}")
    run.checks = [grade(r, options.level, options.severity) for r in cell_results(run)]
    if options.golden:
        _compare_golden(run)
    run.checks = [c for c in run.checks if c.severity > Severity.OFF]
    if options.output:
        import nbformat

        from nblint.fixes import write_atomic

        options.output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(options.output, nbformat.writes(run.executed) + "\n")
    return ValidationReport(
        path,
        options.level,
        "failed" if any(c.status == FAILED for c in run.checks) else "passed",
        checks=tuple(run.checks),
        cells=run.cell_summaries(),
        golden=tuple(run.golden) if run.golden is not None else None,
    )


def _prepare(path: str, model, options: Options) -> NotebookRun:
    """The copy the kernel runs (parameters injected) and every cell's expectation."""
    import nbformat
    from nblint.harness.expectations import for_notebook
    from nblint.harness.parameters import inject

    try:
        nb = nbformat.reads(model.text, as_version=4) if model.nbformat == 4 else nbformat.read(path, as_version=4)
    except Exception as exc:  # shapes nblint's own loader tolerates but nbformat cannot read
        raise NotebookError(f"{path}: not a runnable notebook ({type(exc).__name__}: {exc})"[:500]) from None
    for cell in nb.cells:  # wrong-typed cell metadata (`[]`) is read as none at all
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.NotebookNode()
    numbers = inject(nb, options.parameters)
    return NotebookRun(path, options, model, nb, numbers, for_notebook(model, options.expectations))


def _execute(run: NotebookRun) -> None:
    from nblint.harness.runner import run_notebook

    options, nb = run.options, run.executed
    spec = nb.metadata.get("kernelspec")
    named = spec.get("name") if isinstance(spec, dict) else None
    kernel = options.kernel or (named if isinstance(named, str) and named else "python3")
    if options.python:
        from nblint.harness.envbuild import kernel_for

        kernel = kernel_for(options.python)
    run.kernel = run_notebook(
        nb,
        cwd=options.cwd or Path(run.path).resolve().parent,
        kernel_name=kernel,
        cell_timeout=options.cell_timeout or _metadata_timeout(nb) or DEFAULT_CELL_TIMEOUT,
        total_timeout=options.total_timeout,
        startup_timeout=options.startup_timeout,
        progress=_progress_adapter(run),
    )


def _metadata_timeout(nb) -> float | None:
    """The nbmake convention: notebook metadata `execution.timeout` in seconds."""
    execution = nb.metadata.get("execution")
    value = execution.get("timeout") if isinstance(execution, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _progress_adapter(run: NotebookRun):
    progress = run.options.progress
    if progress is None:
        return None
    code = [i for i, c in enumerate(run.executed.cells) if c.cell_type == "code"]
    position = {index: n for n, index in enumerate(code)}

    def report(index, record) -> None:
        done = position[index] + (0 if record.status == "not-run" else 1)
        progress(run.path, run.numbers[index], done, len(code), record.status)

    return report


def _compare_golden(run: NotebookRun) -> None:
    from nblint.harness.golden import compare

    options = run.options
    run.golden = compare(run.executed, options.golden, run.numbers, options.rtol, options.atol, options.compare_images)
    run.checks += [
        grade(CheckResult("expected-output", f"differs from golden notebook: {d['summary']}", d["cell"],
                          run.cell_id(d["cell"])), options.level, options.severity)
        for d in run.golden
    ]  # fmt: skip
