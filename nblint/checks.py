"""The runtime-check catalogue of `nblint validate`: each check's public name, summary and explanation.

Data only, so that docs, the CLI, the reporters and the harness share one list; the harness detects
and grades the checks, the level table (levels.py) gives their severities.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuntimeCheck:
    name: str
    summary: str  # one line, for rule lists (SARIF shortDescription)
    why: str  # why it matters: the `explanation` of every result of this check


_CATALOGUE = (
    RuntimeCheck(
        "exception",
        "A cell raised an exception",
        "A cell raised, so every result after it is missing; the traceback line shows where it failed.",
    ),
    RuntimeCheck(
        "exit-code",
        "The notebook exits with a failure status that a kernel swallows",
        "sys.exit(1) or raise SystemExit('...') means the notebook decided it failed, but a Jupyter kernel "
        "swallows the exit and plain runners report success. exit() and quit() do nothing at all in a kernel.",
    ),
    RuntimeCheck(
        "stderr",
        "A cell wrote to stderr",
        "Text on stderr that is not a warning is usually an error someone logged and carried on from: "
        "logging's default handler and print(..., file=sys.stderr) both end up here.",
    ),
    RuntimeCheck(
        "warning",
        "A cell raised a warning",
        "Warnings are how pandas, NumPy and scikit-learn say a result may be wrong (a chained assignment "
        "that did not write, a model that did not converge). At production level they fail the run.",
    ),
    RuntimeCheck(
        "none-result",
        "A name assigned from a call holds None",
        "A name assigned from a call holds None: the function failed quietly (returned None on an error "
        "path) or an in-place method was used as if it returned a value (`df = df.sort_values(inplace=True)`).",
    ),
    RuntimeCheck(
        "nan-value",
        "A value or result holds NaN",
        "NaN spreads silently through sums, means and models; a metric that is NaN passes every `>` test.",
    ),
    RuntimeCheck(
        "inf-value",
        "A value or result holds an infinite number",
        "An infinite value usually means a division by zero or an overflow upstream.",
    ),
    RuntimeCheck(
        "empty-data",
        "A load, filter or query produced nothing",
        "A load, filter or query produced nothing: every aggregate after it is empty or zero, and the "
        "notebook still 'works'.",
    ),
    RuntimeCheck(
        "expected-output",
        "A cell's result does not match its declared expectation",
        "A cell's result does not match what was declared for it (type, shape, range or non-empty).",
    ),
    RuntimeCheck(
        "timeout",
        "A cell ran longer than its limit",
        "A cell ran longer than its limit; the kernel was interrupted and then stopped.",
    ),
    RuntimeCheck(
        "kernel-died",
        "The kernel process died",
        "The kernel process died (a segfault, os._exit, out of memory, or killed), so nothing after the "
        "last cell ran; nblint does not restart it silently.",
    ),
)

CHECKS: dict[str, RuntimeCheck] = {check.name: check for check in _CATALOGUE}
