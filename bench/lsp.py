"""Measure the language server's latency and the pytest plugin's overhead, in one run.

    pip install nbmake                # the peer (not an nblint dependency)
    python bench/lsp.py [--edits 30] [--runs 3]

1. Latency: `nblint server` over stdio, driven by pygls's client. A 50-cell notebook is opened
   through notebook document sync, then one cell is edited --edits times, alternating between a
   version with a finding and one without. Latency = time from sending the change to receiving that
   cell's new diagnostics, minus the server's debounce (the quiet period it waits on purpose).
2. Plugin overhead: `pytest --nblint-validate` against `pytest --nbmake` on the same two notebooks
   (bench/validate.py's light and pandas ones), each in a fresh process, median of --runs; plus
   `pytest --nblint` (static rules only). Plugin autoloading is off in these runs, so the other
   plugins installed in a dev venv (pytest-lsp, kmock, ...) do not weigh on either side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).parent))
from validate import LIGHT, PANDAS, _write

DEBOUNCE = 0.15


def cell_source(i: int) -> str:
    return (
        f"def step{i}(frame):\n"
        f"    out = frame.copy()\n"
        f"    out['c{i}'] = out['a'] * {i}\n"
        f"    return out\n\n"
        f"data{i} = step{i}(data{i - 1})\n"
        f"assert len(data{i}) > 0, 'no rows after step {i}'"
    )


async def latency(folder: Path, edits: int) -> list[float]:
    nb = folder / "fifty.ipynb"
    uris = [f"vscode-notebook-cell:{nb}#C{i}" for i in range(50)]
    sources = ["import pandas as pd\ndata0 = pd.DataFrame({'a': [1, 2, 3]})", *(cell_source(i) for i in range(1, 50))]
    client = LanguageClient("bench", "1")
    arrived: dict[str, tuple[float, int]] = {}
    event = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        arrived[params.uri] = (time.perf_counter(), len(params.diagnostics))
        event.set()

    await client.start_io(sys.executable, "-m", "nblint", "server")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=folder.as_uri(),
            initialization_options={"debounce": DEBOUNCE},
        )
    )
    client.initialized(types.InitializedParams())
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(
                nb.as_uri(), "jupyter-notebook", 1, [types.NotebookCell(types.NotebookCellKind.Code, u) for u in uris]
            ),
            [types.TextDocumentItem(u, "python", 1, s) for u, s in zip(uris, sources, strict=True)],
        )
    )
    target = uris[25]
    await wait_for(arrived, event, target, 0)
    samples = []
    for n in range(edits):
        broken = n % 2 == 0
        text = cell_source(25)
        if broken:  # an assert on a tuple: ineffective-assertion fires
            text = text.replace(
                "assert len(data25) > 0, 'no rows after step 25'", "assert (len(data25) > 0, 'no rows')"
            )
        sent = time.perf_counter()
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                types.VersionedNotebookDocumentIdentifier(n + 2, nb.as_uri()),
                types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                types.VersionedTextDocumentIdentifier(version=n + 2, uri=target),
                                [types.TextDocumentContentChangeWholeDocument(text)],
                            )
                        ]
                    )
                ),
            )
        )
        got = await wait_for(arrived, event, target, 1 if broken else 0, after=sent)
        samples.append(got - sent - DEBOUNCE)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return samples


async def wait_for(arrived, event, uri: str, count: int, after: float = 0.0) -> float:
    while True:
        if uri in arrived and arrived[uri][0] > after and arrived[uri][1] == count:
            return arrived[uri][0]
        event.clear()
        await asyncio.wait_for(event.wait(), 30)


def median_run(cmd: list[str], runs: int, cwd: Path) -> float:
    """Median wall time; plugin autoloading is off so only the plugin under test loads (-p names it)."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        samples = sorted(asyncio.run(latency(folder, args.edits)))
        p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
        print(f"diagnostics after the debounce, 50-cell notebook, {len(samples)} edits:")
        print(
            f"  median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {samples[-1] * 1000:.1f} ms"
        )
        nbs = folder / "nbs"
        nbs.mkdir()
        _write(nbs, "light.ipynb", LIGHT)
        _write(nbs, "pandas.ipynb", PANDAS)
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."]
        plugin = ["-p", "nblint.pytest_plugin"]
        nbmake = median_run([*base, "-p", "nbmake", "--nbmake"], args.runs, nbs)
        validate = median_run([*base, *plugin, "--nblint-validate"], args.runs, nbs)
        lint = median_run([*base, *plugin, "--nblint"], args.runs, nbs)
        print("pytest on the light and pandas notebooks (bench/validate.py), median of", args.runs)
        print(f"  pytest --nbmake           {nbmake:.2f} s (1.00x)")
        print(f"  pytest --nblint-validate  {validate:.2f} s ({validate / nbmake:.2f}x)")
        print(f"  pytest --nblint           {lint:.2f} s ({lint / nbmake:.2f}x)")


if __name__ == "__main__":
    main()
