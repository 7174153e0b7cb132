"""One notebook's validation in progress: the notebook as written, the copy the kernel ran, and the map
between them, carried as one value through the steps of `validate` (checks, golden, report)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nblint.harness.expectations import Expectation
from nblint.harness.runner import CellRun, KernelRun

from nblint.notebook import Notebook
from nblint.results import CheckResult


@dataclass
class Options:
    """How `nblint validate` runs a notebook: level, kernel, folder, timeouts, parameters."""

    level: str = "development"
    kernel: str | None = None
    cwd: Path | None = None
    cell_timeout: float | None = None
    total_timeout: float | None = None
    startup_timeout: float = 60
    parameters: dict[str, Any] = field(default_factory=dict)
    output: Path | None = None
    expectations: dict[int | str, Any] = field(default_factory=dict)  # from --expect
    golden: Path | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    compare_images: bool = False
    python: str | None = None  # run the kernel with this interpreter (--env requirements)
    progress: Any = None  # called as progress(label, done, total, status) while cells run
    severity: dict[str, Any] = field(default_factory=dict)  # check name -> Severity, over the level table


@dataclass
class NotebookRun:
    """One notebook's run: the notebook as written, the options and each cell's result."""

    path: str
    options: Options
    model: Notebook  # the notebook as the user wrote it: cell numbers, ids and sources
    executed: Any  # the nbformat copy the kernel runs: parameters injected, outputs filled in
    numbers: list[int | None]  # executed position -> the user's cell number (None: the injected cell)
    expectations: dict[int, Expectation] = field(default_factory=dict)
    kernel: KernelRun | None = None  # set once the kernel has run the notebook
    checks: list[CheckResult] = field(default_factory=list)  # graded
    golden: list[dict[str, Any]] | None = None

    def cell_id(self, number: int | None) -> str | None:
        return self.model.cells[number - 1].id if number else None

    def code_cells(self) -> Iterator[tuple[int | None, CellRun]]:
        """(the user's cell number, what the kernel did) for every code cell, in executed order."""
        records = self.kernel.cells if self.kernel else []
        for index, record in enumerate(records):
            if self.executed.cells[index].cell_type == "code":
                yield self.numbers[index], record

    def cell_summaries(self) -> tuple[dict[str, Any], ...]:
        return tuple(
            {
                "cell": number,
                "cell_id": self.cell_id(number),
                "injected": number is None,
                "status": record.status,
                "duration_s": round(record.duration_s, 3),
            }
            for number, record in self.code_cells()
        )
