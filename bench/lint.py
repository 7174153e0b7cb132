"""Measure `nblint lint` against `ruff check` on the same notebooks, in one run.

    python bench/lint.py [--corpus ../shared/corpus] [--runs 7]

Prints a Markdown table: cold start on one small notebook (median of N fresh
processes) and whole-corpus wall time, each with its ratio to ruff.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _time(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ruff = shutil.which("ruff")
    if ruff is None:
        sys.exit("ruff is not installed (pip install -e '.[dev]')")
    nblint = [sys.executable, "-m", "nblint", "lint"]
    small = ROOT / "examples" / "sales_report.ipynb"
    notebooks = sorted(str(p) for p in args.corpus.rglob("*.ipynb"))
    with tempfile.TemporaryDirectory() as cache:
        ruff_one = [ruff, "check", "--no-cache", "--select", "ALL", "--quiet", "--cache-dir", cache]
        rows = [
            (
                "cold start, one notebook",
                _time([*nblint, str(small)], args.runs),
                _time([*ruff_one, str(small)], args.runs),
            ),
            (
                f"whole corpus ({len(notebooks)} notebooks)",
                _time([*nblint, "--level", "production", "-q", str(args.corpus)], max(3, args.runs // 2)),
                _time([*ruff_one, *notebooks], max(3, args.runs // 2)),
            ),
        ]
    version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"| measure | nblint | {version} --select ALL | nblint / ruff |")
    print("|---|---|---|---|")
    for name, ours, theirs in rows:
        print(f"| {name} | {ours:.3f} s | {theirs:.3f} s | {ours / theirs:.1f}x |")


if __name__ == "__main__":
    main()
