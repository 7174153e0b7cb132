"""Linting stays linear in notebook size (issue 12): two large notebooks against a 2 s budget, and ruff on
the same code exported to .py, for scale.

    python bench/robustness.py [--runs 3] [--budget 2.0]

Cases: 10,000 small cells; one 5 MB cell (20,000 `assert (x, 'm')` lines around a long string literal);
20,000 such asserts under `--fix` (for scale: not budgeted). Prints a Markdown table (median of N fresh
processes, wall and CPU seconds) and exits 1 when a case's CPU time is over budget (CPU, since a shared
machine inflates wall time).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _notebook(cells: list[str]) -> str:
    doc = {
        "cells": [
            {"cell_type": "code", "source": c.splitlines(keepends=True), "metadata": {}, "outputs": [],
             "execution_count": None, "id": f"c{i}"}
            for i, c in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    return json.dumps(doc, indent=1)


def cases() -> dict[str, tuple[list[str], list[str]]]:
    """name -> (cells, extra nblint arguments)."""
    many = [f"v{i} = {i} + 1\nprint(v{i})" for i in range(10_000)]
    asserts = "\n".join(f"assert (x{i % 97}, 'm')" for i in range(20_000))
    literal = "s = '" + "x" * (5_000_000 - len(asserts)) + "'"
    return {
        "10,000 cells": (many, []),
        "one 5 MB cell": ([literal + "\n" + asserts], []),
        # For scale, not budgeted: --fix lints again after each pass.
        "20,000 fixes in one cell (--fix, not budgeted)": (["x0 = 1\n" + asserts], ["--fix"]),
    }


def _time(cmd: list[str], runs: int, setup=None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of the command: CPU time is what a loaded machine does not inflate."""
    import resource

    walls, cpus = [], []
    for _ in range(runs):
        if setup:
            setup()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per case")
    args = parser.parse_args()
    ruff = shutil.which("ruff")
    work = Path(tempfile.mkdtemp(prefix="nblint-bench-"))
    print("| case | size | nblint wall / CPU | ruff (.py) wall / CPU | ratio (CPU) |\n|---|---|---|---|---|")
    over = False
    try:
        for name, (cells, extra) in cases().items():
            text = _notebook(cells)
            notebook, script = work / "nb.ipynb", work / "nb.py"
            script.write_text("\n".join(cells) + "\n", encoding="utf-8")
            cmd = [sys.executable, "-m", "nblint", "lint", str(notebook), "-q", "--exit-zero", *extra]
            write = lambda text=text, nb=notebook: nb.write_text(text, encoding="utf-8")  # noqa: E731 (fresh per run)
            wall, cpu = _time(cmd, args.runs, setup=write)
            ruff_cmd = [ruff, "check", "--no-cache", "--exit-zero", "-q", str(script)]
            ruff_wall, ruff_cpu = _time(ruff_cmd, args.runs) if ruff else (0.0, 0.0)
            ratio = f"{cpu / ruff_cpu:.1f}x" if ruff_cpu else "n/a"
            size = f"{len(text) / 1e6:.1f} MB"
            print(f"| {name} | {size} | {wall:.2f} s / {cpu:.2f} s | {ruff_wall:.2f} s / {ruff_cpu:.2f} s | {ratio} |")
            over |= cpu > args.budget and "--fix" not in extra
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nbudget: {args.budget:.1f} s per case: {'EXCEEDED' if over else 'met'}")
    return int(over)


if __name__ == "__main__":
    sys.exit(main())
