"""Templates: listed, written by `nblint new`, clean at `production`, and they run in a real kernel."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import run_nblint
from nblint.templates import available

TEMPLATES = sorted(available())


def test_list_names_every_template():
    out = run_nblint("new", "--list").stdout
    assert [line.split()[0] for line in out.strip().splitlines()] == TEMPLATES
    assert len(TEMPLATES) >= 5


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_passes_production(tmp_path, name):
    out = tmp_path / "nb.ipynb"
    made = run_nblint("new", "--template", name, str(out))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "requirements.txt").read_text().count("==") >= 2
    proc = run_nblint("lint", "--level", "production", str(out))
    assert proc.returncode == 0, proc.stdout


def test_new_refuses_to_overwrite_and_keeps_existing_requirements(tmp_path):
    out = tmp_path / "nb.ipynb"
    (tmp_path / "requirements.txt").write_text("mine==1.0\n")
    assert run_nblint("new", "-t", "data-loading", str(out)).returncode == 0
    assert (tmp_path / "requirements.txt").read_text() == "mine==1.0\n"
    again = run_nblint("new", "-t", "data-loading", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert run_nblint("new", "-t", "no-such-template", str(tmp_path / "x.ipynb")).returncode == 2


def _write_sales(path, n=60):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "id": range(n),
            "amount": rng.uniform(1, 100, n).round(2),
            "created": pd.date_range("2026-01-01", periods=n, freq="h"),
            "region": rng.choice(["north", "south", "east"], n),
        }
    ).to_csv(path, index=False)


def _write_training(path):
    import pandas as pd
    from sklearn.datasets import make_classification

    features, labels = make_classification(n_samples=400, n_features=6, class_sep=2.0, random_state=0)
    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(6)])
    frame["label"] = labels
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


class _Orders(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps([{"id": i, "amount": i * 1.5} for i in range(5)]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _execute(nb_path, parameters: dict, cwd):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_executes_cleanly(tmp_path, name):
    nb_path = available()[name] / "notebook.ipynb"
    parameters: dict = {}
    server = None
    if name in {"data-loading", "data-cleaning", "scheduled-report"}:
        _write_sales(tmp_path / "data" / "input.csv")
        parameters["DATA_PATH"] = "data/input.csv"
    elif name == "model-training":
        _write_training(tmp_path / "data" / "train.csv")
    elif name == "api-ingestion":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Orders)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        parameters["API_URL"] = f"http://127.0.0.1:{server.server_port}/orders"
    try:
        nb = _execute(nb_path, parameters, tmp_path)
    finally:
        if server:
            server.shutdown()
            server.server_close()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    expected_output = {
        "data-cleaning": "data/clean.csv",
        "model-training": "model.joblib",
        "api-ingestion": "data/orders.csv",
        "scheduled-report": "reports/daily.md",
    }.get(name)
    if expected_output:
        assert expected_output in written


def test_template_fails_loudly_on_missing_input(tmp_path):
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError, match="FileNotFoundError"):
        _execute(available()["data-loading"] / "notebook.ipynb", {"DATA_PATH": "missing.csv"}, tmp_path)
