"""Measure `nblint validate` against plain runners on the same notebooks, in one run.

    pip install papermill nbmake      # the peers (not nblint dependencies)
    python bench/validate.py [--runs 5]

Every command runs in a fresh process (kernel start included), median of --runs. Three notebooks:
a light 10-cell one (start-up dominates), 1,000 small cells (the per-cell cost of runner and probe
dominates) and a pandas one with a 1M-row frame (the probe checks the frames each cell binds).
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

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

LIGHT = [f"x{i} = sum(range({i} * 1000))\nprint(x{i})" for i in range(10)]
SMALL = [f"v{i} = {i} * 2" if i % 2 else f"v{i} = [{i}, {i} + 1]\nlen(v{i})" for i in range(1000)]
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


# Only the plugin under test loads in `pytest --nbmake` (`-p nbmake`): another installed plugin (here
# pytest-lsp's) can break nbmake's run, which then fails in a fraction of a second.
_ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _medians(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, float]:
    """Median wall time of each command, the commands interleaved run by run (load on a shared machine
    then weighs on all of them alike)."""
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, cmd in commands.items():
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_ENV)
            # nblint exits 1 for findings; a peer that fails did not run the notebook, and its time means nothing
            ok = proc.returncode in ((0, 1) if label == "nblint validate" else (0,))
            samples[label].append(time.perf_counter() - start if ok else float("nan"))
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        notebooks = (("light, 10 cells", LIGHT), ("1,000 small cells", SMALL), ("pandas 1M rows, 10 cells", PANDAS))
        for name, cells in notebooks:
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
                commands["pytest --nbmake"] = [py, "-m", "pytest", "-p", "nbmake", "--nbmake", str(nb), "-q", "-p",
                                               "no:cacheprovider"]  # fmt: skip
            times = _medians(commands, args.runs, folder)
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
