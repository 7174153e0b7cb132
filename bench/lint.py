"""Measure `nblint lint` against `ruff check` (and `nbqa ruff`, when installed) on the same notebooks.

    python bench/lint.py [--corpus ../shared/corpus] [--runs 7]

Each pair of commands runs interleaved (A B A B ...) so that a noisy machine slows both alike; the
table gives medians and the ratio of medians. Rows: cold start on one small notebook, the whole
corpus with no cache, and the whole corpus with a warm cache (the second run of pre-commit or an editor).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# An installed package has bytecode; a shell with PYTHONDONTWRITEBYTECODE would compile nblint on every run.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _once(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=cwd, env=_ENV)
    return time.perf_counter() - start


def _paired(a: list[str], b: list[str], runs: int, cwd: Path | None = None) -> tuple[float, float]:
    _once(a, cwd), _once(b, cwd)  # warm the file cache (and, for the warm rows, the result caches)
    pairs = [(_once(a, cwd), _once(b, cwd)) for _ in range(runs)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ruff = shutil.which("ruff")
    if ruff is None:
        sys.exit("ruff is not installed (pip install -e '.[dev]')")
    import nblint as package  # compiled as installed; an editable install also maps the component folders

    sources = [Path(package.__file__).parent, *(ROOT / f for f in ("rules", "harness", "templates", "operator_bridge"))]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *map(str, sources)], env=_ENV, check=True)
    nblint = [sys.executable, "-m", "nblint", "lint", "--level", "production", "-q"]
    small = ROOT / "examples" / "sales_report.ipynb"
    corpus = args.corpus.resolve()
    notebooks = sorted(str(p) for p in corpus.rglob("*.ipynb"))
    many = max(3, args.runs // 2)
    with tempfile.TemporaryDirectory() as scratch:
        ruff_cold = [ruff, "check", "--no-cache", "--select", "ALL", "--quiet"]
        ruff_warm = [ruff, "check", "--select", "ALL", "--quiet", "--cache-dir", str(Path(scratch) / "ruff")]
        work = Path(scratch)  # nblint's cache goes to the working directory when no config names a root
        rows = [
            ("cold start, one notebook", "ruff", *_paired([*nblint, "--no-cache", str(small)], [*ruff_cold, str(small)],
                                                          args.runs)),
            (f"corpus, no cache ({len(notebooks)} notebooks)", "ruff",
             *_paired([*nblint, "--no-cache", str(corpus)], [*ruff_cold, *notebooks], many)),
            ("corpus, warm cache", "ruff", *_paired([*nblint, str(corpus)], [*ruff_warm, *notebooks], many, work)),
        ]  # fmt: skip
        nbqa = shutil.which("nbqa")
        if nbqa:
            nbqa_ruff = [nbqa, "ruff", str(corpus)]
            rows.append(
                ("corpus, no cache", "nbqa ruff", *_paired([*nblint, "--no-cache", str(corpus)], nbqa_ruff, many))
            )
    version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"peer: {version} --select ALL" + (" and nbqa" if shutil.which("nbqa") else ""))
    print("| measure | nblint | peer | peer time | nblint / peer |")
    print("|---|---|---|---|---|")
    for name, peer, ours, theirs in rows:
        print(f"| {name} | {ours:.3f} s | {peer} | {theirs:.3f} s | {ours / theirs:.2f}x |")


if __name__ == "__main__":
    main()
