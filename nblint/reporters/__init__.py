"""Reporters turn lint results into text, JSON, SARIF, LSP or GitHub annotations.

Every reporter has the same signature: `render(results, options) -> str`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

FORMATS = ("text", "json", "sarif", "lsp", "github")


@dataclass(frozen=True)
class ReportOptions:
    level: str
    explain: bool = False
    color: bool = False
    statistics: bool = False
    quiet: bool = False


def render(fmt: str, results, options: ReportOptions) -> str:
    module = importlib.import_module(f"nblint.reporters.{fmt}_report")
    return module.render(results, options)
