"""The `nblint` command line. Commands import what they need when they run, to keep start-up fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nblint import __version__
from nblint.cli_operator import ClusterCommands
from nblint.levels import LEVELS
from nblint.reporters import FORMATS

PARALLEL_FROM = 8  # below this many files a process pool costs more than it saves


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nblint")
def main() -> None:
    """nblint checks Jupyter notebooks before they ship.

    \b
    Static rules:   nblint lint notebooks/
    Run and judge:  nblint validate report.ipynb
    Environment:    nblint env show report.ipynb
    On Kubernetes:  nblint cluster submit job.yaml --wait
    Rule list:      nblint rules          (one rule: nblint explain swallowed-exception)
    Exit codes:     0 passed, 1 findings that fail the level, 2 bad input or usage.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--level", type=click.Choice(LEVELS), help="Strictness (default: from config, else development).")
@click.option("--select", multiple=True, metavar="RULE", help="Only these rules (names, codes or prefixes like NB1).")
@click.option("--ignore", multiple=True, metavar="RULE", help="Skip these rules.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format: text for people, json/sarif/lsp/github for tools.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the notebooks in place.")
@click.option("--diff", is_flag=True, help="Show what --fix would change, without writing.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix/--diff, also apply fixes that change more than the cell (e.g. move installs to requirements.txt).",
)
@click.option("--explain", is_flag=True, help="Explain each finding: why it matters and a better example.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary line.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="Read settings from this TOML file.")
@click.option(
    "--requirements",
    "requirements_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this requirements file for every notebook instead of discovering one.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel processes (default: one per core).")
def lint(
    paths,
    level,
    select,
    ignore,
    fmt,
    output,
    fix,
    diff,
    unsafe_fixes,
    explain,
    statistics,
    quiet,
    config,
    requirements_file,
    jobs,
) -> None:
    """Check notebooks (files or folders) with the static rules.

    Folders are searched for *.ipynb files; .ipynb_checkpoints and configured
    excludes are skipped. Settings come from [tool.nblint] in the nearest
    pyproject.toml; options given here win.

    \b
    Examples:
      nblint lint analysis.ipynb
      nblint lint notebooks/ --level production --format sarif -o nblint.sarif
      nblint lint nb.ipynb --select swallowed-exception --explain
    """
    from dataclasses import replace

    from nblint.config import ConfigError, load_settings
    from nblint.engine import dedupe_file_findings, discover
    from nblint.registry import known_selector
    from nblint.reporters import ReportOptions, render

    if not paths:
        _fail("no paths given; try `nblint lint .` or `nblint lint --help`")
    if config is not None and not config.is_file():
        _fail(f"{config}: config file not found")
    for selector in (*select, *ignore):
        if not known_selector(selector):
            _fail(f"unknown rule {selector!r} in --select/--ignore; see `nblint rules`")
    try:
        settings = load_settings(Path(paths[0]) if Path(paths[0]).exists() else Path.cwd(), config)
    except ConfigError as exc:
        _fail(str(exc))
    if requirements_file is not None and not requirements_file.is_file():
        _fail(f"{requirements_file}: requirements file not found")
    settings = replace(
        settings,
        level=level or settings.level,
        select=tuple(select) or settings.select,
        ignore=(*settings.ignore, *ignore),
        requirements_file=str(requirements_file) if requirements_file else settings.requirements_file,
    )
    files, results = discover(paths, settings)
    results += _lint_all(files, settings, fix, diff, unsafe_fixes, jobs)
    order = {p: i for i, p in enumerate([*files, *(r.path for r in results if r.path not in files)])}
    results.sort(key=lambda r: order.get(r.path, 0))
    dedupe_file_findings(results)
    color = fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    options = ReportOptions(settings.level, explain, color, statistics, quiet)
    report = render(fmt, results, options)
    if output is not None:
        from nblint.fixes import write_atomic

        try:
            write_atomic(output, report)
        except OSError as exc:
            _fail(f"{output}: cannot write report ({exc.strerror or exc})")
    else:
        click.echo(report, nl=False)
    if any(r.status == "error" for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.status == "failed" for r in results) else 0)


def _lint_all(files, settings, fix, diff, unsafe, jobs):
    from nblint.engine import lint_path

    workers = min(jobs or os.cpu_count() or 1, len(files))
    if workers <= 1 or len(files) < PARALLEL_FROM:
        return [lint_path(f, settings, fix, diff, unsafe) for f in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(
            pool.map(partial(lint_path, settings=settings, fix=fix, diff=diff, unsafe=unsafe), files, chunksize=4)
        )


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule: code, name, summary and severity at each level."""
    import json

    from nblint.levels import severity
    from nblint.registry import all_rules

    rows = [
        {
            "code": r.code,
            "name": r.name,
            "summary": r.summary,
            "fix": bool(r.fix_safety),
            "severity": {lv: str(severity(r.name, lv)) for lv in LEVELS},
        }
        for r in sorted(all_rules(), key=lambda r: r.code)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    header = f"{'code':<6} {'name':<24} " + " ".join(f"{lv[:5]:<7}" for lv in LEVELS) + " summary"
    click.echo(header)
    for row in rows:
        sevs = " ".join(f"{row['severity'][lv]:<7}" for lv in LEVELS)
        click.echo(f"{row['code']:<6} {row['name']:<24} {sevs} {row['summary']}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show the full page for one rule (by name or code): why, examples, how to fix."""
    from nblint.docs import rule_page
    from nblint.registry import find

    found = find(rule)
    if found is None:
        _fail(f"unknown rule {rule!r}; `nblint rules` lists them all")
    click.echo(rule_page(found))


@main.command()
@click.option("--list", "list_", is_flag=True, help="List the templates.")
@click.option("-t", "--template", metavar="NAME", help="The template to start from (see --list).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
def new(list_: bool, template: str | None, force: bool, out: Path | None) -> None:
    """Start a notebook from a template that already passes the production level.

    Writes OUT and, next to it, a pinned requirements.txt (an existing
    requirements.txt is left alone and the pins it needs are printed).

    \b
    Examples:
      nblint new --list
      nblint new --template model-training churn.ipynb
    """
    from nblint.templates import available, describe

    templates = available()
    if list_:
        for name, folder in templates.items():
            click.echo(f"{name:<18} {describe(folder)}")
        return
    if not template or out is None:
        _fail("give --template NAME and OUT.ipynb, or --list to see the templates")
    if template not in templates:
        _fail(f"unknown template {template!r}; choose from: {', '.join(templates)}")
    if out.exists() and not force:
        _fail(f"{out} exists; choose another name or pass --force to overwrite it")
    from nblint.fixes import write_atomic

    folder = templates[template]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, (folder / "notebook.ipynb").read_text(encoding="utf-8"))
    click.echo(f"wrote {out} from template {template}")
    pins = (folder / "requirements.txt").read_text(encoding="utf-8")
    requirements = out.parent / "requirements.txt"
    if requirements.exists():
        click.echo(f"{requirements} exists and was left alone; the template needs:\n{pins}", nl=False)
    else:
        write_atomic(requirements, pins)
        click.echo(f"wrote {requirements}")


@main.command()
@click.argument("notebooks", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--level", type=click.Choice(LEVELS), help="Strictness (default: from config, else development).")
@click.option("--kernel", metavar="NAME", help="Kernel to run (default: the notebook's kernelspec).")
@click.option(
    "--cwd", type=click.Path(file_okay=False, path_type=Path), help="Run in this folder (default: the notebook's)."
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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "sarif", "github"]), default="text",
              show_default=True)  # fmt: skip
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
    expect_file, golden, rtol, atol, compare_images, with_lint, env_mode, fmt, report_file, jobs,
    fail_on, ignore_check, summary_file,
) -> None:  # fmt: skip
    """Run notebooks with a real Jupyter kernel and judge every cell by what it did.

    Beyond exceptions it reports exit codes a kernel swallows, stderr, warnings,
    names left None, NaN/inf values, empty data and declared expectations.
    Exit codes: 0 passed, 1 a check failed at the level, 2 could not run.

    \b
    Examples:
      nblint validate report.ipynb
      nblint validate train.ipynb -p epochs=5 --level staging --format junit -o junit.xml
      nblint validate etl.ipynb --golden golden/etl.ipynb --rtol 1e-3
    """
    from nblint.config import ConfigError, load_settings

    try:
        from nblint.harness.validate import Options, parse_parameter
        from nblint.harness.validate import validate as run_validation
    except ImportError as exc:
        _fail(f"the runtime harness needs its extra: pip install 'nblint[harness]' ({exc})")
    if not notebooks:
        _fail("no notebooks given; try `nblint validate notebook.ipynb`")
    from nblint.diagnostics import Severity
    from nblint.harness.checks import CHECKS

    for check in (*fail_on, *ignore_check):
        if check not in CHECKS:
            _fail(f"unknown runtime check {check!r}; choose from: {', '.join(CHECKS)}")
    overrides = {c: Severity.ERROR for c in fail_on} | {c: Severity.OFF for c in ignore_check}
    if output is not None and len(notebooks) > 1 and output.suffix == ".ipynb":
        _fail("--output must be a folder when validating several notebooks")
    try:
        values = dict(parse_parameter(p) for p in parameters)
    except ValueError as exc:
        _fail(str(exc))
    expectations = {}
    if expect_file is not None:
        from nblint.harness.expectations import ExpectationError, load_file

        try:
            expectations = load_file(expect_file)
        except ExpectationError as exc:
            _fail(str(exc))
    if golden is not None and not golden.is_file():
        _fail(f"{golden}: golden notebook not found")
    try:
        settings = load_settings(Path(notebooks[0]) if Path(notebooks[0]).exists() else Path.cwd())
    except ConfigError as exc:
        _fail(str(exc))

    def options_for(path: str) -> Options:
        out = output
        if output is not None and len(notebooks) > 1:
            out = output / Path(path).name
        return Options(
            level=level or settings.level, kernel=kernel, cwd=cwd, cell_timeout=timeout_cell,
            total_timeout=total_timeout, startup_timeout=startup_timeout, parameters=values, output=out,
            expectations=expectations, golden=golden, rtol=rtol, atol=atol, compare_images=compare_images,
            python=_environment_python(path) if env_mode == "requirements" else None,
            progress=_live_progress if live else None, severity=overrides,
        )  # fmt: skip

    live = fmt == "text" and jobs == 1 and sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    if output is not None and len(notebooks) > 1:
        output.mkdir(parents=True, exist_ok=True)
    if jobs > 1 and len(notebooks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(jobs) as pool:
            reports = list(pool.map(lambda p: run_validation(p, options_for(p)), notebooks))
    else:
        reports = [run_validation(p, options_for(p)) for p in notebooks]
    if with_lint:
        _attach_lint(reports, settings)
    from nblint.harness.reporting import render as render_report

    text = render_report(fmt, reports)
    if summary_file is not None:
        import json

        from nblint.harness.validate import summary

        docs = [summary(r) for r in reports]
        try:
            summary_file.write_text(json.dumps(docs[0] if len(docs) == 1 else docs), encoding="utf-8")
        except OSError as exc:
            _fail(f"{summary_file}: cannot write summary ({exc.strerror or exc})")
    if report_file is not None:
        from nblint.fixes import write_atomic

        write_atomic(report_file, text)
    else:
        click.echo(text, nl=False)
    if any(r.status == "error" for r in reports):
        sys.exit(2)
    lint_failed = any(r.lint and r.lint.get("status") == "failed" for r in reports)
    sys.exit(1 if lint_failed or any(r.status == "failed" for r in reports) else 0)


def _live_progress(path: str, cell: int | None, done: int, total: int, status: str) -> None:
    """One line per notebook on the terminal, rewritten as each cell starts and finishes."""
    where = f"cell {cell}" if cell else "parameters"
    state = "running" if status == "not-run" else status
    end = "\n" if done == total and status != "not-run" else ""
    click.echo(f"\r\x1b[2K{path}: [{done}/{total}] {where} {state}", nl=False, err=True)
    if end or status in ("error", "timeout", "died"):
        click.echo("", err=True)


def _environment_python(notebook: str) -> str:
    from nblint.harness.envbuild import EnvBuildError, python_for_notebook

    try:
        return python_for_notebook(notebook)
    except EnvBuildError as exc:
        _fail(str(exc))


def _attach_lint(reports, settings) -> None:
    """`validate --lint`: the static findings go into each notebook's report as `lint`."""
    from dataclasses import replace

    from nblint.engine import lint_path
    from nblint.reporters.json_report import diagnostic_dict

    for report in reports:
        result = lint_path(report.notebook, replace(settings, level=report.level))
        report.lint = {
            "status": result.status,
            "message": result.message,
            "diagnostics": [diagnostic_dict(d) for d in result.diagnostics],
        }


@main.group()
def env() -> None:
    """Inspect a notebook's declared environment and build its Dockerfile."""


_requirements_option = click.option(
    "--requirements",
    "requirements_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this requirements file instead of discovering one.",
)


def _environment(notebook: Path, requirements_file: Path | None):
    from dataclasses import replace

    from nblint.config import ConfigError, load_settings
    from nblint.environment import discover

    if not notebook.is_file():
        _fail(f"{notebook}: no such notebook")
    if requirements_file is not None and not requirements_file.is_file():
        _fail(f"{requirements_file}: requirements file not found")
    try:
        settings = load_settings(notebook)
    except ConfigError as exc:
        _fail(str(exc))
    if requirements_file:
        settings = replace(settings, requirements_file=str(requirements_file))
    return discover(str(notebook), settings)


@env.command("show")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@_requirements_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def env_show(notebook: Path, requirements_file: Path | None, fmt: str) -> None:
    """Show which requirement sources apply to NOTEBOOK, why, and the effective pinned set."""
    import json

    environment = _environment(notebook, requirements_file)
    reqs = environment.requirements
    doc = {
        "notebook": str(notebook),
        "project_root": str(environment.root),
        "sources": [{"path": s.path, "kind": s.kind, "reason": s.reason} for s in environment.sources],
        "dockerfile": environment.dockerfile,
        "build_from": environment.build_from,
        "requirements": [
            {"name": r.display_name, "specifier": r.specifier, "pinned": r.pinned_version, "marker": r.marker,
             "hashes": len(r.good_hashes), "path": r.location.path, "line": r.location.line}
            for r in reqs.requirements
        ],
        "constraints": [{"name": c.display_name, "specifier": c.specifier} for c in reqs.constraints],
        "options": [{"name": o.name, "value": o.value} for o in reqs.options],
        "problems": [{"message": p.message, "path": p.location.path, "line": p.location.line} for p in reqs.problems],
    }  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"notebook:     {notebook}\nproject root: {environment.root}")
    if not environment.sources:
        click.echo("sources:      none found (no requirements.txt, pylock.toml or [project] dependencies)")
    for source in environment.sources:
        click.echo(f"source:       {source.path}  ({source.reason})")
    if environment.dockerfile:
        click.echo(f"dockerfile:   {environment.dockerfile} (image built from: {environment.build_from})")
    for r in doc["requirements"]:
        state = f"=={r['pinned']}" if r["pinned"] else f"UNPINNED {r['specifier'] or ''}".rstrip()
        hashes = f", {r['hashes']} hash(es)" if r["hashes"] else ""
        click.echo(f"  {r['name']:<28} {state}{hashes}   [{r['path']}:{r['line']}]")
    for p in doc["problems"]:
        click.echo(f"problem:      {p['path']}:{p['line']}: {p['message']}")


@env.command("dockerfile")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@_requirements_option
@click.option(
    "--base-image", metavar="IMAGE", help="Base image for the generated Dockerfile (default python:3.11-slim)."
)
@click.option("--target", metavar="STAGE", help="Stage of a user Dockerfile to build.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
def env_dockerfile(notebook, requirements_file, base_image, target, output) -> None:
    """Write the Dockerfile that validation and production will share for NOTEBOOK.

    Generated from the discovered requirements, or the user's Dockerfile when the
    notebook has no requirements or `prefer-dockerfile` is set. Build it with the
    project root as context, e.g. `buildah bud -f Dockerfile .`.
    """
    from nblint.dockerfile import DockerfileError, plan

    environment = _environment(notebook, requirements_file)
    try:
        result = plan(environment, base_image, target)
    except DockerfileError as exc:
        _fail(str(exc))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    which = "generated from the requirements" if result.source == "generated" else f"user Dockerfile {result.source}"
    click.echo(f"using {which}; build context: {result.context}", err=True)
    if output is None:
        click.echo(result.text, nl=False)
        return
    from nblint.fixes import write_atomic

    write_atomic(output, result.text)


@main.group(cls=ClusterCommands)
@click.option("--kubeconfig", type=click.Path(dir_okay=False), envvar="KUBECONFIG",
              help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster).")  # fmt: skip
@click.option("--context", help="Kubeconfig context to use.")
@click.pass_context
def cluster(ctx, kubeconfig, context) -> None:
    """Build once, wait, then validate in the same image on Kubernetes.

    \b
    Examples:
      nblint cluster submit job.yaml --wait       # NotebookValidationJob YAML
      nblint cluster status etl -n data
      nblint cluster logs etl --validation        # the full JSON report
      nblint cluster cancel etl                   # deletes what it created
    """
    ctx.obj = {"kubeconfig": kubeconfig, "context": context}


def _connect(ctx):
    try:
        from nblint.operator_bridge.kube import Cluster, ClusterError
    except ImportError as exc:
        _fail(f"the cluster bridge needs its extra: pip install 'nblint[cluster]' ({exc})")
    try:
        return Cluster.connect(ctx.obj["kubeconfig"], ctx.obj["context"])
    except ClusterError as exc:
        _fail(str(exc))


def _namespace(ctx, explicit: str | None, spec=None) -> str:
    if explicit:
        return explicit
    if spec is not None and spec.namespace:
        return spec.namespace
    try:
        from kubernetes import config

        _, active = config.list_kube_config_contexts(config_file=ctx.obj["kubeconfig"])
        return (active or {}).get("context", {}).get("namespace") or "default"
    except Exception:
        return "default"


@cluster.command("submit")
@click.argument("job_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-n", "--namespace", help="Namespace (default: the job's, else the kubeconfig context's).")
@click.option("--wait", is_flag=True, help="Stay until the job is Succeeded or Failed (exit 0 or 1).")
@click.option("--checkout", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
              show_default=True, help="Working tree of the job's repository (requirements, Dockerfile).")  # fmt: skip
@click.pass_context
def cluster_submit(ctx, job_file: Path, namespace: str | None, wait: bool, checkout: Path) -> None:
    """Create the job's NotebookValidationJob and start it: build the image, then validate in it.

    \b
    Two modes, chosen at run time (the first stderr line says which):
      operator  an `nblint operator` holds a fresh Lease covering the job: submit only creates the job
                and, with --wait, follows its status; the operator drives it.
      local     no operator: submit drives the job itself (one step; with --wait, to the end).
    """
    from nblint.operator_bridge.spec import SpecError, load_jobs

    try:
        specs = load_jobs(job_file)
    except SpecError as exc:
        _fail(str(exc))
    from dataclasses import replace

    from nblint.dockerfile import DockerfileError
    from nblint.operator_bridge.driver import reconcile_many
    from nblint.operator_bridge.plan import BuildPlan, make_plan

    jobs = []
    for spec in specs:
        if spec.build.enabled:
            try:
                plan = make_plan(spec, checkout)
            except (DockerfileError, OSError) as exc:
                _fail(f"{job_file}: {spec.name}: cannot plan the build from {checkout}: {exc}")
        else:
            plan = BuildPlan(spec.container_image, "", "none", None, ())
        jobs.append((replace(spec, warnings=spec.warnings + plan.warnings), plan))
    bridge = _connect(ctx)
    for spec, _ in jobs:  # fields mapped or not fully honoured: said aloud, and kept in status
        for warning in spec.warnings:
            click.echo(f"warning: {spec.name}: {warning}", err=True)
    ns = _namespace(ctx, namespace, specs[0])
    live = sys.stderr.isatty()

    def progress(name: str, status: dict) -> None:
        build = status.get("buildStatus") or {}
        line = f"{name}: {status.get('phase')}" + (f" (build {build.get('phase')})" if build.get("phase") else "")
        click.echo(("\r\x1b[2K" if live else "") + line, nl=not live, err=True)

    from kubernetes.client.exceptions import ApiException

    try:
        results = reconcile_many(bridge, jobs, ns, wait=wait, on_status=progress, on_mode=_announce_mode)
    except ApiException as exc:
        _fail(f"the cluster refused a request: HTTP {exc.status} {exc.reason}")
    if live:
        click.echo("", err=True)
    for name, status in results.items():
        click.echo(f"{name}: {status.get('phase')}" + (f": {status['message']}" if status.get("message") else ""))
    if not wait:
        click.echo("submitted; follow with `nblint cluster status NAME`, or run submit again with --wait")
        return
    sys.exit(0 if all(s.get("phase") == "Succeeded" for s in results.values()) else 1)


@cluster.command("status")
@click.argument("name")
@click.option("-n", "--namespace")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def cluster_status(ctx, name: str, namespace: str | None, fmt: str) -> None:
    """Phase, conditions, build status and retry counts of one job."""
    import json

    bridge = _connect(ctx)
    job = bridge.get_job(_namespace(ctx, namespace), name)
    if job is None:
        _fail(f"no NotebookValidationJob named {name!r}")
    status = job.get("status") or {}
    if fmt == "json":
        click.echo(json.dumps(status, indent=2))
        return
    build = status.get("buildStatus") or {}
    click.echo(
        f"{name}: {status.get('phase', 'Pending')}" + (f": {status['message']}" if status.get("message") else "")
    )
    if build:
        click.echo(
            f"  build:      {build.get('phase')} {build.get('imageReference', '')} ({build.get('buildName', '-')})"
        )
    click.echo(
        f"  retries:    build {status.get('buildRetryCount', 0)}, validation {status.get('validationRetryCount', 0)}"
    )
    for condition in status.get("conditions", []):
        click.echo(f"  {condition['type']:<19} {condition['status']:<6} {condition['reason']}: {condition['message']}")
    for warning in status.get("warnings", []):
        click.echo(f"  warning:    {warning}")


@cluster.command("logs")
@click.argument("name")
@click.option("-n", "--namespace")
@click.option("--validation", "which", flag_value="validation", default=True, help="The validation report (default).")
@click.option("--build", "which", flag_value="build", help="The build's status message.")
@click.pass_context
def cluster_logs(ctx, name: str, namespace: str | None, which: str) -> None:
    """Print the full validation report (the validation pod's log), or the build's message."""
    import json

    bridge = _connect(ctx)
    ns = _namespace(ctx, namespace)
    job = bridge.get_job(ns, name)
    if job is None:
        _fail(f"no NotebookValidationJob named {name!r}")
    from nblint.operator_bridge.spec import SpecError, parse

    try:
        spec = parse(job, name)
    except SpecError as exc:
        _fail(str(exc))
    if which == "build":
        build = (job.get("status") or {}).get("buildStatus") or {}
        click.echo(build.get("message") or "no build message yet")
        return
    log = bridge.validation_log(spec, ns)
    summary = (job.get("status") or {}).get("summary")
    if not log and summary is not None:  # the pod (or its log) is gone: the summary in status remains
        click.echo(f"{name}: the validation pod's log cannot be read; the summary from status:", err=True)
        log = json.dumps(summary, indent=2)
    if not log:
        _fail(f"{name}: no validation log yet")
    click.echo(log.rstrip("\n"))


@cluster.command("cancel")
@click.argument("name")
@click.option("-n", "--namespace")
@click.pass_context
def cluster_cancel(ctx, name: str, namespace: str | None) -> None:
    """Delete the job and everything it created (builds, validation Jobs)."""
    bridge = _connect(ctx)
    ns = _namespace(ctx, namespace)
    job = bridge.get_job(ns, name)
    if job is None:
        _fail(f"no NotebookValidationJob named {name!r}")
    from nblint.operator_bridge.spec import parse

    count = bridge.delete_all(parse(job, name), ns)
    click.echo(f"{name}: cancelled; deleted {count} object(s) and the job")


@cluster.command("list")
@click.option("-n", "--namespace")
@click.pass_context
def cluster_list(ctx, namespace: str | None) -> None:
    """The NotebookValidationJobs in a namespace, with their phase."""
    bridge = _connect(ctx)
    for job in bridge.list_jobs(_namespace(ctx, namespace)):
        status = job.get("status") or {}
        click.echo(f"{job['metadata']['name']:<40} {status.get('phase', 'Pending'):<18} {status.get('message', '')}")


def _announce_mode(mode: str, operator: str | None) -> None:
    if mode == "follow":
        click.echo(f"mode: operator ({operator} drives the jobs; this command creates and follows them)", err=True)
    else:
        click.echo("mode: local (no nblint operator covers these jobs; this command drives them)", err=True)


from nblint.cli_operator import operator as _operator  # noqa: E402

main.add_command(_operator)

if __name__ == "__main__":  # pragma: no cover
    main()
