"""`pytest --nblint`: every notebook a test item, reported the way `nblint lint` reports it.

Registered through the `pytest11` entry point, and inert unless `--nblint` or `--nblint-validate`
is given: it then collects each `.ipynb` under the paths pytest collects (pytest's own --ignore,
--ignore-glob and norecursedirs apply first, then `[tool.nblint]` exclude) as a `nblint` item,
and with `--nblint-validate` also as a `nblint-validate` item that runs it with a real kernel.
nblint itself is imported only when a notebook is collected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

LINT_ITEM, VALIDATE_ITEM = "nblint", "nblint-validate"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nblint", "notebook checks (nblint)")
    group.addoption("--nblint", action="store_true", help="Check every collected .ipynb with nblint's static rules.")
    group.addoption(
        "--nblint-validate",
        action="store_true",
        help="Also run every notebook with a real kernel and fail on the runtime checks of the level.",
    )
    group.addoption(
        "--nblint-level",
        metavar="LEVEL",
        help="Strictness: learning, development, staging or production (default: [tool.nblint], else development).",
    )
    group.addoption(
        "--nblint-timeout", type=float, metavar="SECONDS", help="Seconds one cell may run under --nblint-validate."
    )
    group.addoption("--nblint-kernel", metavar="NAME", help="Kernel for --nblint-validate (default: the notebook's).")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("nblint") or config.getoption("nblint_validate"))


def pytest_configure(config: pytest.Config) -> None:
    if not _enabled(config):
        return
    level = config.getoption("nblint_level")
    if level is not None:
        from nblint.server.engine_api import LEVELS

        if level not in LEVELS:
            raise pytest.UsageError(f"--nblint-level {level!r}: use one of {', '.join(LEVELS)}")
    if config.getoption("verbose") > 0:
        config.pluginmanager.register(_CheckPrinter(config), "nblint-check-printer")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".ipynb" or not _enabled(parent.config):
        return None
    from nblint.server import engine_api as core

    settings, _ = core.settings_for(str(file_path), parent.config.getoption("nblint_level"))
    if core.excluded(file_path, settings):
        return None
    return NotebookFile.from_parent(parent, path=file_path)


class NotebookFile(pytest.File):
    def collect(self):
        from nblint.server import engine_api as core

        try:
            core.parse_notebook(self.path.read_bytes(), str(self.path))
        except (OSError, core.NotebookError) as exc:
            raise self.CollectError(str(exc)) from None
        if self.config.getoption("nblint"):
            yield LintItem.from_parent(self, name=LINT_ITEM)
        if self.config.getoption("nblint_validate"):
            yield ValidateItem.from_parent(self, name=VALIDATE_ITEM)


class NblintFailure(Exception):
    """A failed check; its text is the report shown instead of a traceback."""


class _NotebookItem(pytest.Item):
    # Plugins that wrap pytest_runtest_call expect function items' `funcargs` (pytest-lsp 1.0 fails to
    # yield without it); a notebook has no fixtures.
    funcargs: dict[str, Any] = {}

    def setup(self) -> None:
        from nblint.server import engine_api as core

        reason = core.notebook_skip(str(self.path))
        if reason is not None:
            pytest.skip(reason)

    def level(self) -> str:
        from nblint.server import engine_api as core

        return core.settings_for(str(self.path), self.config.getoption("nblint_level"))[0].level

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, NblintFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def record(self, lines: list[str]) -> None:
        """Per-check results: shown under the item with -v, and written to --junitxml as properties."""
        self.user_properties.extend(("nblint", line) for line in lines)


class LintItem(_NotebookItem):
    def runtest(self) -> None:
        from nblint.server import engine_api as core

        settings, error = core.settings_for(str(self.path), self.config.getoption("nblint_level"))
        if error:
            raise NblintFailure(error)
        [result] = core.lint_files([str(self.path)], settings)
        if result.status == "skipped":  # e.g. an R notebook
            pytest.skip(result.message or "skipped")
        self.record(
            [
                f"cell {d.cell}:{d.line or 1}: {d.severity} {d.name} ({d.code}) {d.message}"
                if d.cell
                else f"{d.path}:{d.line or 1}: {d.severity} {d.name} ({d.code}) {d.message}"
                for d in result.diagnostics
            ]
            or [f"no findings at level {settings.level}"]
        )
        if result.status in ("failed", "error"):
            raise NblintFailure(core.render_text([result], settings.level).rstrip("\n"))


class ValidateItem(_NotebookItem):
    def runtest(self) -> None:
        from nblint.server import engine_api as core

        try:
            report = core.validate(
                str(self.path),
                self.level(),
                self.config.getoption("nblint_timeout"),
                self.config.getoption("nblint_kernel"),
            )
        except ImportError as exc:
            pytest.skip(f"--nblint-validate needs the harness: pip install 'nblint[harness]' ({exc.name} missing)")
        if report.status == "skipped":
            pytest.skip(report.message or "skipped")
        self.record([f"{c.type}: {c.status} ({c.severity}) cell {c.cell}: {c.message}" for c in report.checks])
        if report.status in ("failed", "error"):
            raise NblintFailure(core.render_validation(report).rstrip("\n"))


class _CheckPrinter:
    """Under -v, prints each check's result below its item (reports from xdist workers included)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        lines = [line for key, line in report.user_properties if key == "nblint"]
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if report.when != "call" or not lines or reporter is None:
            return
        reporter.ensure_newline()
        for line in lines:
            reporter.write_line(f"    {line}")
