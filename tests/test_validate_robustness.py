"""Dying kernels, hangs, floods and missing pieces: clear results, nothing left running, nothing half-written."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import run_nblint

pytest.importorskip("nbclient")


def _processes(marker: str, mark: str) -> set[int]:
    """PIDs of live processes whose command line contains `marker` and whose environment holds `mark`
    (so kernels of other test runs on the same machine do not count)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().split()[2]
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker in cmdline and state != "Z" and mark.encode() in environ:
                pids.add(int(entry.name))
    return pids


@pytest.fixture
def no_leaked_kernels(monkeypatch):
    """Every kernel this test starts inherits a unique variable; none of them may outlive the run."""
    import uuid

    mark = f"NBLINT_TEST_RUN={uuid.uuid4().hex}"
    monkeypatch.setenv("NBLINT_TEST_RUN", mark.partition("=")[2])
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _processes("ipykernel_launcher", mark):
        time.sleep(0.1)
    assert not _processes("ipykernel_launcher", mark), "a kernel process survived the run"


def _validate(path, *args, env=None):
    proc = run_nblint("validate", str(path), "--format", "json", *args, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, (json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None)


@pytest.mark.parametrize(
    ("source", "hint"),
    [("import os\nos._exit(1)", None), ("import ctypes\nctypes.string_at(0)", "Segmentation fault")],
    ids=["os-exit", "segfault"],
)
def test_dying_kernel_is_reported_with_its_last_cell(write_nb, no_leaked_kernels, source, hint):
    proc, doc = _validate(write_nb("die.ipynb", "x = 1", source, "print('never')"))
    assert proc.returncode == 1
    [check] = doc["checks"]
    assert check["type"] == "kernel-died" and check["cell"] == 2
    if hint:
        assert hint in check["message"]
    assert [c["status"] for c in doc["cells"]] == ["ok", "died", "not-run"]


def test_infinite_loop_times_out_and_kernel_is_stopped(write_nb, no_leaked_kernels):
    started = time.monotonic()
    proc, doc = _validate(write_nb("loop.ipynb", "while True:\n    pass", "print('never')"), "--timeout-cell", "2")
    assert time.monotonic() - started < 30
    assert proc.returncode == 1
    assert doc["checks"][0]["type"] == "timeout" and doc["checks"][0]["cell"] == 1


def test_whole_run_timeout(write_nb, no_leaked_kernels):
    path = write_nb("slow.ipynb", "import time\ntime.sleep(1)", "time.sleep(1)", "time.sleep(30)")
    proc, doc = _validate(path, "--timeout", "4")
    assert proc.returncode == 1
    assert doc["checks"][0]["type"] == "timeout" and "whole run" in doc["checks"][0]["message"]


def test_metadata_execution_timeout_is_honoured(tmp_path, no_leaked_kernels):
    from conftest import notebook_json

    data = json.loads(notebook_json("import time\ntime.sleep(30)"))
    data["metadata"]["execution"] = {"timeout": 2}
    path = tmp_path / "nbmake.ipynb"
    path.write_text(json.dumps(data))
    proc, doc = _validate(path)
    assert proc.returncode == 1 and doc["checks"][0]["type"] == "timeout"


def test_fifty_megabytes_of_output(tmp_path, write_nb, no_leaked_kernels):
    out = tmp_path / "executed.ipynb"
    proc, doc = _validate(write_nb("flood.ipynb", "print('x' * 50_000_000)", "y = 1"), "--output", str(out))
    assert proc.returncode == 0 and doc["status"] == "passed"
    saved = json.loads(out.read_text())
    assert out.stat().st_size < 5_000_000  # kept readable: the stream was cut, with a note
    assert "more characters cut" in "".join(saved["cells"][0]["outputs"][0]["text"])


def test_missing_data_file_is_an_exception(write_nb, no_leaked_kernels):
    proc, doc = _validate(write_nb("missing.ipynb", "import json\nwith open('nowhere.json') as fh:\n    json.load(fh)"))
    assert proc.returncode == 1 and doc["checks"][0]["type"] == "exception"
    assert doc["checks"][0]["message"].startswith("FileNotFoundError")
    assert doc["checks"][0]["line"] == 2


def test_missing_kernelspec_is_exit_2_naming_it(tmp_path, write_nb, no_leaked_kernels):
    out = tmp_path / "executed.ipynb"
    out.write_text("previous run")
    proc, doc = _validate(write_nb("k.ipynb", "x = 1"), "--kernel", "no-such-kernel", "--output", str(out))
    assert proc.returncode == 2
    assert "no Jupyter kernel named 'no-such-kernel'" in doc["message"]
    assert out.read_text() == "previous run"  # never half-written, never clobbered
    assert sorted(p.name for p in tmp_path.iterdir()) == ["executed.ipynb", "k.ipynb"]


def test_kernel_that_never_starts(tmp_path, write_nb, monkeypatch):
    kernels = tmp_path / "jupyter" / "kernels" / "stuck"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": ["sleep", "317"], "display_name": "stuck", "language": "python"}))  # fmt: skip
    env = {"JUPYTER_PATH": str(tmp_path / "jupyter")}
    monkeypatch.setenv("NBLINT_TEST_RUN", tmp_path.name)
    started = time.monotonic()
    proc, doc = _validate(write_nb("k.ipynb", "x = 1"), "--kernel", "stuck", "--startup-timeout", "3", env=env)
    assert time.monotonic() - started < 60
    assert proc.returncode == 2 and "did not start" in doc["message"]
    time.sleep(0.5)
    assert not _processes("sleep 317", f"NBLINT_TEST_RUN={tmp_path.name}")


def test_broken_notebook_files_are_exit_2(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text("{not json")
    proc, doc = _validate(path)
    assert proc.returncode == 2 and "invalid JSON" in doc["message"]
    assert run_nblint("validate", str(tmp_path / "none.ipynb")).returncode == 2
