"""The `nblint` command line. Commands import what they need when they run, to keep start-up fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nblint import __version__
from nblint.levels import LEVELS

FORMATS = ("text", "json", "sarif", "lsp", "github")
PARALLEL_FROM = 8  # below this many files a process pool costs more than it saves


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nblint")
def main() -> None:
    """nblint checks Jupyter notebooks before they ship.

    \b
    Start with:   nblint lint notebooks/
    Rule list:    nblint rules
    One rule:     nblint explain swallowed-exception
    Exit codes:   0 passed, 1 findings that fail the level, 2 bad input or usage.
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
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel processes (default: one per core).")
def lint(
    paths, level, select, ignore, fmt, output, fix, diff, unsafe_fixes, explain, statistics, quiet, config, jobs
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
    from nblint.engine import discover
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
    settings = replace(
        settings,
        level=level or settings.level,
        select=tuple(select) or settings.select,
        ignore=(*settings.ignore, *ignore),
    )
    files, results = discover(paths, settings)
    results += _lint_all(files, settings, fix, diff, unsafe_fixes, jobs)
    order = {p: i for i, p in enumerate([*files, *(r.path for r in results if r.path not in files)])}
    results.sort(key=lambda r: order.get(r.path, 0))
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


if __name__ == "__main__":  # pragma: no cover
    main()
