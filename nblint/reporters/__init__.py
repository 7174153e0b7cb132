"""Reporters turn a `Run` into text, JSON, JUnit, SARIF, LSP, GitHub annotations or GitLab Code Quality.

Every format is a module of this package named for it, with the `Reporter` interface (base.py), listed
once in `REPORTERS` with the commands whose runs it renders. A format's module is imported when it
renders, so a run pays only for its own.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from nblint.reporters.base import LINT, VALIDATE, Reporter, ReportOptions

if TYPE_CHECKING:
    from nblint.results import Run

REPORTERS: dict[str, frozenset[str]] = {
    "text": frozenset({LINT, VALIDATE}),
    "json": frozenset({LINT, VALIDATE}),
    "junit": frozenset({VALIDATE}),
    "sarif": frozenset({LINT, VALIDATE}),
    "lsp": frozenset({LINT}),
    "github": frozenset({LINT, VALIDATE}),
    "gitlab": frozenset({LINT, VALIDATE}),
}


def formats(command: str) -> tuple[str, ...]:
    """The formats that can render a run of `command` (lint or validate), in the order --help lists them."""
    return tuple(name for name, renders in REPORTERS.items() if command in renders)


def render(fmt: str, run: Run, options: ReportOptions) -> str:
    if run.command not in REPORTERS[fmt]:
        raise ValueError(f"the {fmt} format cannot render a {run.command} run")
    reporter: Reporter = import_module(f"nblint.reporters.{fmt}")
    return reporter.render(run, options)


__all__ = ["REPORTERS", "ReportOptions", "Reporter", "formats", "render"]
