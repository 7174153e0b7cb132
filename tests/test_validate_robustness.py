"""Dying kernels, hangs, floods and missing pieces: clear results, nothing left running, nothing half-written."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import notebook_json, run_nblint

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
    assert "more characters cut" in "".join("".join(o["text"]) for o in saved["cells"][0]["outputs"])


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


# Issue 12, V01-V07: bad input gets its own clear verdict (exit 2 and one line, or an error report), never a
# traceback, and nothing is lost or overwritten.


def _notebook(tmp_path, name: str, mutate=None, *cells: str) -> Path:
    data = json.loads(notebook_json(*(cells or ("x = 1",))))
    if mutate:
        mutate(data)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def _set(section: str, key: str, value):
    def mutate(data):
        target = data["metadata"] if section == "notebook" else data["cells"][0]
        target[key] = value

    return mutate


BAD_SHAPES = {
    "execution-string": _set("notebook", "execution", "fast"),
    "execution-list": _set("notebook", "execution", [1]),
    "kernelspec-string": _set("notebook", "kernelspec", "python3"),
    "kernelspec-name-number": _set("notebook", "kernelspec", {"name": 3}),
    "cell-metadata-list": _set("cell", "metadata", []),
    "cell-tags-string": _set("cell", "metadata", {"tags": "raises-exception"}),
    "source-list-number": _set("cell", "source", ["x = ", 5]),
}


@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_wrong_typed_metadata_and_sources_never_crash(tmp_path, shape):
    proc, doc = _validate(_notebook(tmp_path, "nb.ipynb", BAD_SHAPES[shape]))
    assert proc.returncode in (0, 2), (proc.returncode, proc.stdout, proc.stderr)
    assert doc is not None and doc["status"] in ("passed", "error")
    if proc.returncode == 2:
        assert doc["message"] and "\n" not in doc["message"]


def test_missing_cwd_is_one_line_exit_2(tmp_path):
    proc = run_nblint("validate", str(_notebook(tmp_path, "nb.ipynb")), "--cwd", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "nope" in proc.stderr


@pytest.mark.parametrize("option", ["--output", "-o", "--summary-file"])
def test_unwritable_targets_fail_before_the_run(tmp_path, option):
    import os

    nb = _notebook(tmp_path, "nb.ipynb", None, "import pathlib\npathlib.Path('ran').write_text('yes')")
    (tmp_path / "a-file").write_text("")
    targets = {tmp_path / "a-file" / "out.json": "not a folder"}
    if option != "--output":  # --output creates its folders; a report goes into an existing one
        targets[tmp_path / "missing" / "out.json"] = "does not exist"
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() != 0:  # root writes anywhere
        targets[locked / "out.json"] = "not writable"
    try:
        for target, why in targets.items():
            proc = run_nblint("validate", str(nb), option, str(target))
            assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
            assert why in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
            assert not (tmp_path / "ran").exists()  # failed up front: the notebook never ran
    finally:
        locked.chmod(0o700)
    if option == "--output":
        target = tmp_path / "new" / "folder" / "out.ipynb"
        assert run_nblint("validate", str(nb), option, str(target)).returncode == 0 and target.is_file()


def test_one_bad_notebook_in_a_parallel_batch_keeps_every_other_verdict(tmp_path):
    good = [str(_notebook(tmp_path, f"n{i}.ipynb", None, f"x = {i}")) for i in range(5)]
    bad = str(_notebook(tmp_path, "bad.ipynb", _set("notebook", "kernelspec", ["python3"])))
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [{"cell_type": "code", "source": ["x", 5], "metadata": {}, "outputs": []}], '
                      '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}')  # fmt: skip
    order = [*good[:2], bad, str(broken), *good[2:]]
    proc = run_nblint("validate", *order, "--jobs", "4", "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    assert [n["notebook"] for n in doc["notebooks"]] == order
    statuses = {n["notebook"]: n["status"] for n in doc["notebooks"]}
    assert [statuses[g] for g in good] == ["passed"] * 5
    assert statuses[str(broken)] == "error"


def test_same_names_in_different_folders_keep_their_own_output(tmp_path):
    paths = [str(_notebook(tmp_path, f"{folder}/analysis.ipynb", None, f"print('{folder}')")) for folder in "abc"]
    out = tmp_path / "out"
    proc = run_nblint("validate", *paths, "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.ipynb"))
    assert written == ["a/analysis.ipynb", "b/analysis.ipynb", "c/analysis.ipynb"]
    for folder in "abc":
        assert f"{folder}\\n" in (out / folder / "analysis.ipynb").read_text()


def test_output_cap_applies_to_a_cell_not_to_each_write(tmp_path):
    nb = _notebook(tmp_path, "flood.ipynb", None,
                   "import sys\nfor _ in range(30):\n    sys.stdout.write('x' * 1_000_000); sys.stdout.flush()",
                   "print('y' * 10)")  # fmt: skip
    out = tmp_path / "executed.ipynb"
    proc, doc = _validate(nb, "--output", str(out))
    assert proc.returncode == 0, doc
    assert out.stat().st_size < 3_000_000
    saved = json.loads(out.read_text())
    text = "".join("".join(o.get("text", "")) for o in saved["cells"][0]["outputs"])
    assert "more characters cut" in text and "y" * 10 in "".join(saved["cells"][1]["outputs"][0]["text"])
