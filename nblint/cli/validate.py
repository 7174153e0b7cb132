"""`nblint validate`: run notebooks in a real kernel and judge every cell."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nblint.cli.common import fail
from nblint.levels import LEVELS
from nblint.reporters import formats


@click.command()
@click.argument("notebooks", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--level", type=click.Choice(LEVELS), help="Strictness (default: from config, else development).")
@click.option("--kernel", metavar="NAME", help="Kernel to run (default: the notebook's kernelspec).")
@click.option(
    "--cwd",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run in this folder (default: the notebook's).",
)
@click.option("--timeout-cell", type=click.FloatRange(min=0.1), help="Seconds one cell may run (default 600, or the "
              "notebook's metadata.execution.timeout).")  # fmt: skip
@click.option("--timeout", "total_timeout", type=click.FloatRange(min=0.1), help="Seconds the whole run may take.")
@click.option("--startup-timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds to wait for the kernel to start.")  # fmt: skip
@click.option("-p", "--parameter", "parameters", multiple=True, metavar="NAME=VALUE",
              help="Inject a parameter after the cell tagged `parameters` (papermill-compatible).")  # fmt: skip
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the executed notebook here (atomically); with several notebooks, a folder.")  # fmt: skip
@click.option("--expect", "expect_file", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML/JSON expectations per cell number or id (a job spec's expectedOutputs too).")  # fmt: skip
@click.option("--golden", type=click.Path(dir_okay=False, path_type=Path), help="Compare outputs with this notebook.")
@click.option("--rtol", type=float, default=1e-6, show_default=True, help="Relative tolerance for --golden numbers.")
@click.option("--atol", type=float, default=1e-9, show_default=True, help="Absolute tolerance for --golden numbers.")
@click.option("--compare-images", is_flag=True, help="With --golden, compare image outputs too.")
@click.option("--lint", "with_lint", is_flag=True, help="Run the static rules first; one report holds both.")
@click.option("--env", "env_mode", type=click.Choice(["current", "requirements"]), default="current", show_default=True,
              help="`requirements`: run in a cached virtualenv built from the notebook's requirements.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(formats("validate")), default="text", show_default=True,
              help="text for people; json, junit (Jenkins, GitLab tests), sarif (GitHub code scanning), github "
              "(annotations) or gitlab (Code Quality) for CI.")  # fmt: skip
@click.option("--github-notices", is_flag=True,
              help="With --format github, also annotate info results (GitHub shows 10 of each per step).")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@click.option("--heartbeat", type=click.FloatRange(min=0.1), default=30, show_default=True, metavar="SECONDS",
              help="Without a terminal: say which cell is still running every SECONDS.")  # fmt: skip
@click.option("-o", "--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of stdout.")  # fmt: skip
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Notebooks run in parallel, each with its own kernel.")  # fmt: skip
@click.option("--fail-on", multiple=True, metavar="CHECK", help="Make this runtime check an error at any level.")
@click.option("--ignore-check", multiple=True, metavar="CHECK", help="Turn this runtime check off.")
@click.option("--summary-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a short JSON summary here (e.g. /dev/termination-log in a Kubernetes Job).")  # fmt: skip
def validate(
    notebooks, level, kernel, cwd, timeout_cell, total_timeout, startup_timeout, parameters, output,
    expect_file, golden, rtol, atol, compare_images, with_lint, env_mode, fmt, github_notices, quiet, heartbeat,
    report_file, jobs, fail_on, ignore_check, summary_file,
) -> None:  # fmt: skip
    """Run notebooks with a real Jupyter kernel and judge every cell by what it did.

    Beyond exceptions it reports exit codes a kernel swallows, stderr, warnings,
    names left None, NaN/inf values, empty data and declared expectations.
    Exit codes: 0 passed, 1 a check failed at the level, 2 could not run.
    Progress goes to stderr: rewritten in place on a terminal; in a CI log, a
    line per notebook started and finished and a heartbeat for long cells.

    \b
    Examples:
      nblint validate report.ipynb
      nblint validate train.ipynb -p epochs=5 --level staging --format junit -o junit.xml
      nblint validate etl.ipynb --golden golden/etl.ipynb --rtol 1e-3
    """
    from nblint.config import ConfigError, load_settings

    try:
        from nblint.harness.parameters import parse_parameter
        from nblint.harness.validate import Options, output_paths, unwritable
        from nblint.harness.validate import validate as run_validation
    except ImportError as exc:
        fail(f"the runtime harness needs its extra: pip install 'nblint[harness]' ({exc})")
    if not notebooks:
        fail("no notebooks given; try `nblint validate notebook.ipynb`")
    from nblint.checks import CHECKS
    from nblint.diagnostics import Severity

    for check in (*fail_on, *ignore_check):
        if check not in CHECKS:
            fail(f"unknown runtime check {check!r}; choose from: {', '.join(CHECKS)}")
    overrides = {c: Severity.ERROR for c in fail_on} | {c: Severity.OFF for c in ignore_check}
    if output is not None and len(notebooks) > 1 and output.suffix == ".ipynb":
        fail("--output must be a folder when validating several notebooks")
    try:
        values = dict(parse_parameter(p) for p in parameters)
    except ValueError as exc:
        fail(str(exc))
    expectations = {}
    if expect_file is not None:
        from nblint.harness.expectations import ExpectationError, load_file

        try:
            expectations = load_file(expect_file)
        except ExpectationError as exc:
            fail(str(exc))
    if golden is not None and not golden.is_file():
        fail(f"{golden}: golden notebook not found")
    try:
        settings = load_settings(Path(notebooks[0]) if Path(notebooks[0]).exists() else Path.cwd())
    except ConfigError as exc:
        fail(str(exc))

    batch = output_paths(list(notebooks), output) if output is not None and len(notebooks) > 1 else {}
    targets = [(t, True) for t in batch.values() or ([output] if output else [])]
    for target, create in (*targets, *((t, False) for t in (report_file, summary_file) if t is not None)):
        problem = unwritable(target, create)
        if problem:
            fail(f"cannot write {target}: {problem}")

    def options_for(path: str) -> Options:
        out = batch.get(path, output)
        return Options(
            level=level or settings.level, kernel=kernel, cwd=cwd, cell_timeout=timeout_cell,
            total_timeout=total_timeout, startup_timeout=startup_timeout, parameters=values, output=out,
            expectations=expectations, golden=golden, rtol=rtol, atol=atol, compare_images=compare_images,
            python=_environment_python(path) if env_mode == "requirements" else None,
            progress=cell_progress, severity=overrides,
        )  # fmt: skip

    from contextlib import nullcontext
    from dataclasses import replace

    from nblint.cli import progress
    from nblint.results import Run

    on_terminal = fmt == "text" and jobs == 1 and sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    log = None if quiet or on_terminal else progress.LogProgress(heartbeat)
    cell_progress = log.cell if log else progress.live if on_terminal and not quiet else None

    def validate_one(path: str):
        """One notebook's report (stamped with its start) and, with --lint, its static findings."""
        from datetime import UTC, datetime

        if log:
            log.started(path)
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        report = replace(run_validation(path, options_for(path)), started_at=started)
        lint = _lint_notebook(report, settings) if with_lint else None
        if log:
            log.finished(path, Run("validate", (lint,) if lint else (), (report,)).verdict(report), report.duration_s)
        return report, lint

    with log or nullcontext():
        if jobs > 1 and len(notebooks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(jobs) as pool:
                done = list(pool.map(validate_one, notebooks))
        else:
            done = [validate_one(p) for p in notebooks]
    from nblint.reporters import ReportOptions, render

    reports = [report for report, _ in done]
    run = Run("validate", tuple(lint for _, lint in done if lint is not None), tuple(reports))
    text = render(fmt, run, ReportOptions(level or settings.level, github_notices=github_notices))
    if summary_file is not None:
        import json

        from nblint.reporters.json import termination_summary

        docs = [termination_summary(r) for r in reports]
        try:
            summary_file.write_text(json.dumps(docs[0] if len(docs) == 1 else docs), encoding="utf-8")
        except OSError as exc:
            fail(f"{summary_file}: cannot write summary ({exc.strerror or exc})")
    if report_file is not None:
        from nblint.fixes import write_atomic

        write_atomic(report_file, text)
    else:
        click.echo(text, nl=False)
    sys.exit(run.exit_code)


def _environment_python(notebook: str) -> str:
    from nblint.harness.envbuild import EnvBuildError, python_for_notebook

    try:
        return python_for_notebook(notebook)
    except EnvBuildError as exc:
        fail(str(exc))


def _lint_notebook(report, settings):
    """`validate --lint`: the static findings of a validated notebook, at its level, for the same report."""
    from dataclasses import replace

    from nblint.engine import lint_path

    return lint_path(report.notebook, replace(settings, level=report.level))
