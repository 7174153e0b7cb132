"""The probe's cost per cell, by kind of value and size, in a real in-process IPython shell.

    python bench/probe.py [--runs 5]

For each data library that imports here (numpy, pandas, polars, pyarrow, xarray, torch) and each size
(10^5, 10^6, 10^7 float64 elements, a tenth of them NaN-free columns of a table), two cells are timed:
the cell that binds the value (the probe reads it once, with the library's own reductions, no copy) and
a following small cell that leaves it alone (the probe must not look at it again: flat as values grow).
Figures are the probe's own time (its post_run_cell hook), median of --runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

SIZES = (10**5, 10**6, 10**7)
KINDS = {
    "numpy": ("import numpy as np", "value = np.random.default_rng(0).random({n})"),
    "pandas": (
        "import numpy as np, pandas as pd",
        "value = pd.DataFrame(np.random.default_rng(0).random(({n} // 10, 10)), columns=list('abcdefghij'))",
    ),
    "polars": (
        "import numpy as np, polars as pl",
        "value = pl.DataFrame(np.random.default_rng(0).random(({n} // 10, 10)), schema=list('abcdefghij'))",
    ),
    "pyarrow": (
        "import numpy as np, pyarrow as pa",
        "value = pa.table({{c: np.random.default_rng(0).random({n} // 10) for c in 'abcdefghij'}})",
    ),
    "xarray": ("import numpy as np, xarray as xr", "value = xr.DataArray(np.random.default_rng(0).random({n}))"),
    "torch": ("import torch", "value = torch.rand({n})"),
}


def _shell():
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from nblint.harness import probe
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance(config=config)
    ip.display_pub = CapturingDisplayPublisher()
    installed = probe.install(ip)
    timings: list[float] = []
    original = installed.post_run_cell

    def timed(result) -> None:
        start = time.perf_counter()
        original(result)
        timings.append(time.perf_counter() - start)

    ip.events.unregister("post_run_cell", original)
    ip.events.register("post_run_cell", timed)
    return ip, timings


def _measure(kind: str, n: int, runs: int) -> tuple[float, float] | None:
    setup, make = KINDS[kind]
    ip, timings = _shell()
    if not ip.run_cell(setup, silent=True).success:
        return None
    binding, later = [], []
    for _ in range(runs):
        timings.clear()
        ip.run_cell(make.format(n=n))
        ip.run_cell("other = 1")
        binding.append(timings[0])
        later.append(timings[1])
        ip.display_pub.outputs.clear()
    return statistics.median(binding) * 1000, statistics.median(later) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    header = " | ".join(f"{n:.0e} binds / next cell" for n in SIZES)
    print(f"| value | {header} |")
    print("|---|" + "---|" * len(SIZES))
    for kind in KINDS:
        cells = []
        for n in SIZES:
            found = _measure(kind, n, args.runs)
            if found is None:
                cells = ["not installed"] * len(SIZES)
                break
            cells.append(f"{found[0]:.2f} / {found[1]:.3f} ms")
        print(f"| {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
