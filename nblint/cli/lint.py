"""`nblint lint`: the static rules over files and folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nblint.cli.common import fail
from nblint.levels import LEVELS
from nblint.reporters import FORMATS


@click.command()
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
    from nblint.lint_run import lint_paths
    from nblint.registry import known_selector
    from nblint.reporters import ReportOptions, render

    if not paths:
        fail("no paths given; try `nblint lint .` or `nblint lint --help`")
    if config is not None and not config.is_file():
        fail(f"{config}: config file not found")
    for selector in (*select, *ignore):
        if not known_selector(selector):
            fail(f"unknown rule {selector!r} in --select/--ignore; see `nblint rules`")
    try:
        settings = load_settings(Path(paths[0]) if Path(paths[0]).exists() else Path.cwd(), config)
    except ConfigError as exc:
        fail(str(exc))
    if requirements_file is not None and not requirements_file.is_file():
        fail(f"{requirements_file}: requirements file not found")
    settings = replace(
        settings,
        level=level or settings.level,
        select=tuple(select) or settings.select,
        ignore=(*settings.ignore, *ignore),
        requirements_file=str(requirements_file) if requirements_file else settings.requirements_file,
    )
    run = lint_paths(paths, settings, fix=fix, diff=diff, unsafe=unsafe_fixes, jobs=jobs)
    color = fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    options = ReportOptions(settings.level, explain, color, statistics, quiet)
    report = render(fmt, run.results, options)
    if output is not None:
        from nblint.fixes import write_atomic

        try:
            write_atomic(output, report)
        except OSError as exc:
            fail(f"{output}: cannot write report ({exc.strerror or exc})")
    else:
        click.echo(report, nl=False)
    sys.exit(run.exit_code)
