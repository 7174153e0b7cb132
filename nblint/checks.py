"""The runtime-check catalogue of `nblint validate`: each check's public name, summary and explanation.

Data only, so that docs, the CLI, the reporters and the harness share one list; the harness detects
and grades the checks, the level table (levels.py) gives their severities.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuntimeCheck:
    """A check `nblint validate` applies to every cell it runs, with its docs."""

    name: str
    summary: str  # one line, for rule lists (SARIF shortDescription)
    why: str  # why it matters: the `explanation` of every result of this check


_CATALOGUE = (
    RuntimeCheck(
        "exception",
        "A cell raised an exception",
        "A cell raised, so every result after it is missing; the traceback line shows where it failed. A cell "
        "tagged `raises-exception` is expected to raise: there an exception passes and none is the finding.",
    ),
    RuntimeCheck(
        "exit-code",
        "The notebook exits with a failure status that a kernel swallows",
        "sys.exit(1) or raise SystemExit('...') means the notebook decided it failed, but a Jupyter kernel "
        "swallows the exit and plain runners report success. exit() and quit() do nothing at all in a kernel. "
        "A `!cmd` line that exits non-zero (IPython keeps going and sets `_exit_code`), a failing `%%bash` / "
        "`%%sh` cell, and a `subprocess.run` that failed while the cell never looked at its returncode are "
        "the same silent failure.",
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
        "A result holds NaN: a metric, an aggregate, a model output, or a column that is or became NaN",
        "NaN spreads silently through sums, means and models; a metric that is NaN passes every `>` test. "
        "Missing values in raw data are normal and pass (a load or a literal with gaps, then `dropna()`); the "
        "check fires on NaN *results*: a scalar or metric (also in a dict or list of numbers), an aggregate "
        "(`mean`, `sum`, `std`, `describe`, ...), a model output (`predict`, `model(x)`), a column or array "
        "that is entirely NaN, and a column or array that gained NaN through a computation in the cell (more "
        "NaN than the data it was computed from; rolling windows, shifts and joins excepted). The message "
        "holds the count and names the columns or keys. pandas, numpy, polars, pyarrow, xarray and torch "
        "values are read with the library's own reductions, without copies, only if the notebook imported it.",
    ),
    RuntimeCheck(
        "inf-value",
        "A result holds an infinite number",
        "An infinite value usually means a division by zero or an overflow upstream. Judged like `nan-value`: "
        "results, entirely infinite columns and values a computation of the cell made infinite.",
    ),
    RuntimeCheck(
        "empty-data",
        "A load, filter, query or accumulating loop produced nothing",
        "A load, filter or query produced nothing: every aggregate after it is empty or zero, and the "
        "notebook still 'works'. Also an accumulator the cell meant to fill and left empty (`alerts = []` "
        "then a loop that appended nothing), a comprehension whose `if` filtered everything out, and an "
        "empty fallback frame built in an `else:` / `except:` branch. An empty initialiser alone passes.",
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

CONVENTIONS = """## Conventions of other runners

- A cell tagged `raises-exception` (nbval, nbmake, nbclient's per-cell `allow_errors`) is expected to
  raise: an exception there passes and the run goes on; a cell so tagged that raises nothing is an
  `exception` finding.
- Cells are skipped (status `skipped`) when tagged `skip-execution` (nbmake) or `nbval-skip`, when their
  first line is `# NBVAL_SKIP`, or when their metadata holds `{"nblint": {"skip": true}}` (or the same
  under `nbreg`, `papermill` or `nbmake`). The same metadata on the notebook skips the whole notebook,
  with its `reason` as the message.
- Notebook metadata `execution.timeout` (nbmake) sets the per-cell time limit when `--timeout-cell`
  is not given.
"""
