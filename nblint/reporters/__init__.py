"""Reporters turn a `Run` into text, JSON, JUnit, SARIF, LSP, GitHub annotations or GitLab Code Quality.

Every format is a module with the `Reporter` interface (base.py), listed once in `REPORTERS`.
"""

from __future__ import annotations

from nblint.reporters import github, gitlab, json, junit, lsp, sarif, text
from nblint.reporters.base import Reporter, ReportOptions
from nblint.results import Run

REPORTERS: dict[str, Reporter] = {
    "text": text,
    "json": json,
    "junit": junit,
    "sarif": sarif,
    "lsp": lsp,
    "github": github,
    "gitlab": gitlab,
}


def formats(command: str) -> tuple[str, ...]:
    """The formats that can render a run of `command` (lint or validate), in the order --help lists them."""
    return tuple(name for name, reporter in REPORTERS.items() if command in reporter.RENDERS)


def render(fmt: str, run: Run, options: ReportOptions) -> str:
    reporter = REPORTERS[fmt]
    if run.command not in reporter.RENDERS:
        raise ValueError(f"the {fmt} format cannot render a {run.command} run")
    return reporter.render(run, options)


__all__ = ["REPORTERS", "ReportOptions", "Reporter", "formats", "render"]
