"""`nblint lint`: the static rules over files and folders."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from nblint.cli.common import fail, split_commas, use_color
from nblint.levels import LEVELS
from nblint.reporters import formats


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--level", type=click.Choice(LEVELS), help="Strictness (default: from config, else development).")
@click.option("--select", multiple=True, metavar="RULES",
              help="Only these rules: names, codes or prefixes like NB1, comma-separated or repeated.")  # fmt: skip
@click.option("--extend-select", multiple=True, metavar="RULES", help="Add these rules to the configured selection.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (comma-separated or repeated).")
@click.option("--format", "--output-format", "fmt", type=click.Choice(formats("lint")), default="text",
              show_default=True, help="text for people; json, lsp, sarif (GitHub code scanning), github (annotations) "
              "or gitlab (Code Quality) for tools.")  # fmt: skip
@click.option("--github-notices", is_flag=True,
              help="With --format github, also annotate info findings (GitHub shows 10 of each per step).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the notebooks in place.")
@click.option("--diff", is_flag=True,
              help="Print what --fix would change, write nothing; exit 1 if anything would change.")  # fmt: skip
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix/--diff, also apply fixes that change more than the cell "
              "(e.g. move installs to requirements.txt).")  # fmt: skip
@click.option("--show-fixes", is_flag=True, help="List the fixes applied (with --fix) or available.")
@click.option("--explain", is_flag=True, help="Explain each finding: why it matters and a better example.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the level (bad input still exits 2).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary line.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this TOML file for every path (default: the nearest nblint.toml or "
              "pyproject.toml [tool.nblint] above each file).")  # fmt: skip
@click.option("--force-exclude", is_flag=True,
              help="Apply `exclude` to files named on the command line too (pre-commit passes files).")  # fmt: skip
@click.option("--stdin-filename", metavar="PATH",
              help="With `-` as the path: the notebook read from stdin is linted as if it were PATH.")  # fmt: skip
@click.option("--requirements", "requirements_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this requirements file for every notebook instead of discovering one.")  # fmt: skip
@click.option(
    "--watch", is_flag=True, help="Lint again whenever a notebook or requirement file changes (Ctrl-C stops)."
)
@click.option("--no-cache", is_flag=True,
              help="Lint every notebook afresh instead of reusing unchanged results from .nblint_cache/.")  # fmt: skip
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel processes (default: one per core).")
def lint(
    paths, level, select, extend_select, ignore, fmt, github_notices, output, fix, diff, unsafe_fixes, show_fixes,
    explain, statistics, exit_zero, quiet, config, force_exclude, stdin_filename, requirements_file, watch, no_cache,
    jobs,
) -> None:  # fmt: skip
    """Check notebooks (files or folders) with the static rules.

    Folders are searched for *.ipynb files; .ipynb_checkpoints and configured
    excludes are skipped. A requirement file named directly (requirements.txt,
    pylock.toml, pyproject.toml) is linted with the notebooks that read it.
    Each file's settings come from the nearest nblint.toml or pyproject.toml
    [tool.nblint] above it; options given here win.

    \b
    Examples:
      nblint lint analysis.ipynb
      nblint lint notebooks/ --level production --format sarif -o nblint.sarif
      nblint lint nb.ipynb --select swallowed-exception,NB2 --explain
      cat nb.ipynb | nblint lint - --stdin-filename nb.ipynb
    """
    from nblint.config import ConfigError, SettingsFinder
    from nblint.registry import known_selector

    if not paths:
        fail("no paths given; try `nblint lint .` or `nblint lint --help`")
    if config is not None and not config.is_file():
        fail(f"{config}: config file not found")
    select, extend_select, ignore = split_commas(select), split_commas(extend_select), split_commas(ignore)
    for selector in (*select, *extend_select, *ignore):
        if not known_selector(selector):
            fail(f"unknown rule {selector!r} in --select/--extend-select/--ignore; see `nblint rules`")
    if requirements_file is not None and not requirements_file.is_file():
        fail(f"{requirements_file}: requirements file not found")
    if "-" in paths and (len(paths) > 1 or not stdin_filename):
        fail("`-` reads one notebook from stdin: give it alone, with --stdin-filename PATH")
    if "-" in paths and (fix or watch):
        fail("--fix and --watch cannot work on stdin; use --diff to see what --fix would change")
    finder = SettingsFinder(
        config,
        level=level,
        select=select or None,
        extend_select=extend_select,
        ignore=ignore,
        requirements_file=str(requirements_file) if requirements_file else None,
    )
    report = _Report(fmt, output, explain, statistics, quiet, show_fixes, diff, exit_zero, github_notices)
    if "-" in paths:
        sys.exit(report.show(_lint_stdin(stdin_filename, finder, diff, unsafe_fixes)))
    if watch:
        _watch(paths, finder, report, jobs, force_exclude, not no_cache)
    from nblint.lint_run import lint_paths

    try:
        run = lint_paths(
            paths, finder, fix=fix, diff=diff, unsafe=unsafe_fixes, jobs=jobs, force_exclude=force_exclude,
            cache=not no_cache,
        )  # fmt: skip
    except ConfigError as exc:
        fail(str(exc))
    code = report.show(run)
    # The process ends here. Its last garbage collection would walk every parsed cell still cached, to find
    # nothing (linting makes no cycles): 2 s after 734 notebooks in one process. Frozen objects are skipped.
    gc.freeze()
    sys.exit(code)


class _Report:
    """Renders a run as the options ask and gives the exit code."""

    def __init__(self, fmt, output, explain, statistics, quiet, show_fixes, diff, exit_zero, github_notices) -> None:
        self.fmt, self.output, self.explain, self.statistics, self.quiet = fmt, output, explain, statistics, quiet
        self.show_fixes, self.diff, self.exit_zero, self.github_notices = show_fixes, diff, exit_zero, github_notices

    def show(self, run) -> int:
        if self.diff:
            return self._show_diff(run)
        from nblint.reporters import ReportOptions, render

        level = run.lint[0].level if run.lint else "development"
        color = self.fmt == "text" and self.output is None and use_color(sys.stdout)
        options = ReportOptions(level, self.explain, color, self.statistics, self.quiet, self.github_notices)
        text = render(self.fmt, run, options)
        if self.show_fixes:
            text += _fixes_section(run.lint)
        if self.output is not None:
            from nblint.fixes import write_atomic

            try:
                write_atomic(self.output, text)
            except OSError as exc:
                fail(f"{self.output}: cannot write report ({exc.strerror or exc})")
        else:
            click.echo(_printable(text), nl=False, color=color)  # click strips colour off a pipe unless told
        return 0 if self.exit_zero and run.exit_code == 1 else run.exit_code

    def _show_diff(self, run) -> int:
        """As ruff --diff: the changes on stdout, a count on stderr, exit 1 if anything would change."""
        changed = [r for r in run.lint if r.diff]
        click.echo(_printable("".join(r.diff for r in changed)), nl=False)
        for r in run.lint:
            if r.status == "error":
                click.echo(f"error: {r.message}", err=True)
        fixes = sum(r.fixed for r in changed)
        if changed:
            click.echo(f"would fix {fixes} finding(s) in {len(changed)} file(s); run with --fix to apply", err=True)
        else:
            click.echo("nothing to fix", err=True)
        if run.exit_code == 2:
            return 2
        return 1 if changed and not self.exit_zero else 0


def _printable(text: str) -> str:
    """A lone surrogate (a file name with bytes that are not UTF-8) prints as its \\uXXXX escape."""
    from nblint.fixes import encode_text

    return encode_text(text).decode("utf-8")


def _fixes_section(results) -> str:
    lines = []
    for r in results:
        lines += [f"  fixed    {r.path}: {message}" for message in r.applied]
        for d in r.diagnostics:
            if d.fix:
                where = f"cell {d.cell}:{d.line}" if d.cell else f"{d.path}:{d.line}"
                lines.append(f"  fixable  {r.path}: {where} {d.name}: {d.fix.message}")
    return "\nfixes:\n" + "\n".join(lines) + "\n" if lines else "\nfixes: none\n"


def _lint_stdin(stdin_filename: str, finder, diff: bool, unsafe: bool):
    from nblint.config import ConfigError
    from nblint.engine import lint_path
    from nblint.results import Run

    data = sys.stdin.buffer.read()
    try:
        settings = finder.for_path(stdin_filename)
    except ConfigError as exc:
        fail(str(exc))
    return Run("lint", (lint_path(stdin_filename, settings, diff=diff, unsafe=unsafe, data=data),))


def _watch(paths, finder, report: _Report, jobs, force_exclude, cache: bool) -> None:
    """Lint, then lint again each time a watched file changes; polling keeps it dependency-free."""
    import time

    from nblint.config import ConfigError
    from nblint.lint_run import lint_paths, watched_files

    seen: dict[str, float] | None = None
    try:
        while True:
            now = watched_files(paths)
            if now != seen:
                if seen is not None:
                    click.echo(f"\n-- change detected at {time.strftime('%H:%M:%S')}; linting again --", err=True)
                try:
                    report.show(lint_paths(paths, finder, jobs=jobs, force_exclude=force_exclude, cache=cache))
                except ConfigError as exc:  # a config being edited: say so and keep watching
                    click.echo(f"error: {exc}", err=True)
                sys.stdout.flush()
                seen = now
            time.sleep(0.5)
    except KeyboardInterrupt:
        sys.exit(0)
