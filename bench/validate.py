"""Measure `nblint validate` against plain runners on the same notebooks, in one run.

    pip install papermill nbmake      # the peers (not nblint dependencies)
    python bench/validate.py [--runs 5]

Every command runs in a fresh process (kernel start included), median of --runs. Two notebooks:
a light 10-cell one (runner overhead dominates) and a pandas one with a 1M-row frame (probe cost
dominates: the probe checks every bound DataFrame for NaN/inf after each cell).
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

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

LIGHT = [f"x{i} = sum(range({i} * 1000))\nprint(x{i})" for i in range(10)]
PANDAS = [
    "import numpy as np\nimport pandas as pd",
    "rng = np.random.default_rng(0)\ndf = pd.DataFrame(rng.normal(size=(1_000_000, 10)), columns=list('abcdefghij'))",
    "df['k'] = df['a'] * 2",
    "means = df.mean()",
    "top = df[df['a'] > 2]",
    "summary = df.describe()",
    "df2 = df.assign(l=df['b'] + df['c'])",
    "total = float(df2['l'].sum())",
    "small = df2.head(1000)",
    "print(total)",
]


def _write(folder: Path, name: str, cells: list[str]) -> Path:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    path = folder / name
    nbformat.write(nb, path)
    return path


def _median(cmd: list[str], runs: int, cwd: Path) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            return float("nan")
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for name, cells in (("light, 10 cells", LIGHT), ("pandas 1M rows, 10 cells", PANDAS)):
            nb = _write(folder, f"{len(rows)}.ipynb", cells)
            nbclient = (
                f"import nbformat; from nbclient import NotebookClient; nb = nbformat.read({str(nb)!r}, 4); "
                "NotebookClient(nb, kernel_name='python3').execute()"
            )
            commands = {
                "nblint validate": [py, "-m", "nblint", "validate", str(nb)],
                "plain nbclient": [py, "-c", nbclient],
                "jupyter execute": [py, "-m", "jupyter", "execute", str(nb)],
            }
            if shutil.which("papermill"):
                commands["papermill"] = [
                    py,
                    "-m",
                    "papermill",
                    str(nb),
                    str(folder / "out.ipynb"),
                    "--log-level",
                    "ERROR",
                ]
            if subprocess.run([py, "-c", "import nbmake"], capture_output=True).returncode == 0:
                commands["pytest --nbmake"] = [py, "-m", "pytest", "--nbmake", str(nb), "-q", "-p", "no:cacheprovider"]
            times = {label: _median(cmd, args.runs, folder) for label, cmd in commands.items()}
            rows.append((name, times))
    labels = list(rows[0][1])
    print("| notebook | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for name, times in rows:
        base = times["plain nbclient"]
        cells = [f"{times[label]:.2f} s ({times[label] / base:.2f}x)" for label in labels]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
