"""Runtime checks: their public names, what each means, and results graded by the shared level table."""

from __future__ import annotations

from dataclasses import dataclass

from nblint import levels
from nblint.diagnostics import Severity

# name -> why it matters (the `explanation` of every result of that check)
CHECKS: dict[str, str] = {
    "exception": "A cell raised, so every result after it is missing; the traceback line shows where it failed.",
    "exit-code": (
        "sys.exit(1) or raise SystemExit('...') means the notebook decided it failed, but a Jupyter kernel "
        "swallows the exit and plain runners report success. exit() and quit() do nothing at all in a kernel."
    ),
    "stderr": (
        "Text on stderr that is not a warning is usually an error someone logged and carried on from: "
        "logging's default handler and print(..., file=sys.stderr) both end up here."
    ),
    "warning": (
        "Warnings are how pandas, NumPy and scikit-learn say a result may be wrong (a chained assignment "
        "that did not write, a model that did not converge). At production level they fail the run."
    ),
    "none-result": (
        "A name assigned from a call holds None: the function failed quietly (returned None on an error "
        "path) or an in-place method was used as if it returned a value (`df = df.sort_values(inplace=True)`)."
    ),
    "nan-value": "NaN spreads silently through sums, means and models; a metric that is NaN passes every `>` test.",
    "inf-value": "An infinite value usually means a division by zero or an overflow upstream.",
    "empty-data": (
        "A load, filter or query produced nothing: every aggregate after it is empty or zero, and the "
        "notebook still 'works'."
    ),
    "expected-output": "A cell's result does not match what was declared for it (type, shape, range or non-empty).",
    "timeout": "A cell ran longer than its limit; the kernel was interrupted and then stopped.",
    "kernel-died": (
        "The kernel process died (a segfault, os._exit, out of memory, or killed), so nothing after the "
        "last cell ran; nblint does not restart it silently."
    ),
}

# the status of one check result
FAILED, REPORTED = "failed", "reported"


@dataclass(frozen=True)
class CheckResult:
    type: str
    message: str
    cell: int | None = None  # 1-based, counting every cell
    cell_id: str | None = None
    line: int | None = None
    severity: Severity = Severity.ERROR
    status: str = FAILED

    @property
    def explanation(self) -> str:
        return CHECKS[self.type]


def grade(result: CheckResult, level: str, overrides: dict[str, Severity] | None = None) -> CheckResult:
    from dataclasses import replace

    severity = levels.resolve(result.type, level, overrides)
    status = FAILED if levels.fails(severity, level) else REPORTED
    return replace(result, severity=severity, status=status)
