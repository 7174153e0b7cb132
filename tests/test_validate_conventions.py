"""`nblint validate` against the peers' conventions (raises-exception, skip tags and metadata), failing
shell commands, --golden with colour codes, and the verdicts of timeouts and dying kernels."""

from __future__ import annotations

import json

import pytest
from conftest import notebook_json, run_nblint

pytest.importorskip("nbclient")


def _validate(path, *args):
    proc = run_nblint("validate", str(path), "--format", "json", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None


def _cell(source: str, tags=(), **metadata) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags), **metadata}}


def test_raises_exception_cells_pass_when_they_raise_and_fail_when_they_do_not(write_nb):
    path = write_nb(
        "raises.ipynb",
        _cell("raise ValueError('shown on purpose')", ["raises-exception"]),
        "after = 1",
        _cell("quiet = 2", ["raises-exception"]),
    )
    proc, doc = _validate(path)
    assert [(c["type"], c["cell"]) for c in doc["checks"]] == [("exception", 3)], doc["checks"]
    assert "raised nothing" in doc["checks"][0]["message"]
    assert [c["status"] for c in doc["cells"]] == ["ok", "ok", "ok"]  # the run went on after the expected error
    assert proc.returncode == 1


def test_skip_conventions(tmp_path, write_nb):
    path = write_nb(
        "skips.ipynb",
        _cell("raise SystemExit(3)", ["skip-execution"]),  # nbmake
        _cell("raise SystemExit(3)", ["nbval-skip"]),  # nbval
        "# NBVAL_SKIP\nraise SystemExit(3)",
        _cell("raise SystemExit(3)", nbreg={"skip": True}),
        _cell("raise SystemExit(3)", papermill={"skip": True}),
        _cell("raise SystemExit(3)", nblint={"skip": True}),
        "ran = True",
    )
    proc, doc = _validate(path)
    assert proc.returncode == 0 and doc["checks"] == [], doc["checks"]
    assert [c["status"] for c in doc["cells"]] == ["skipped"] * 6 + ["ok"]
    data = json.loads(notebook_json("raise SystemExit(3)"))
    data["metadata"]["nbreg"] = {"skip": True}
    whole = tmp_path / "whole.ipynb"
    whole.write_text(json.dumps(data))
    proc, doc = _validate(whole)
    assert proc.returncode == 0 and doc["status"] == "skipped" and "nbreg.skip" in doc["message"]


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("!false", "1"),
        ("!python -c 'import sys; sys.exit(3)'\nprint('carried on')", "3"),
        ("!python -c 'import sys; sys.exit(4)'  # pytest's 'no tests collected'", "4"),
        ("import subprocess\ndone = subprocess.run(['false'])", "1"),
        ("import subprocess\nsubprocess.run(['sh', '-c', 'exit 5'])", "5"),
        ("%%bash\necho working\nexit 6", "6"),
        ("%%sh\nexit 7", "7"),
    ],
    ids=["false", "exit-3", "pytest-4", "run-bound", "run-discarded", "bash", "sh"],
)
def test_failing_shell_commands_are_exit_code_findings(write_nb, source, status):
    proc, doc = _validate(write_nb("shell.ipynb", source))
    [check] = doc["checks"]
    assert check["type"] == "exit-code" and status in check["message"], check
    assert proc.returncode == 1


def test_checked_shell_statuses_pass(write_nb):
    path = write_nb(
        "checked.ipynb",
        "!true",
        "!false\nok = _exit_code != 0",
        "import subprocess\ndone = subprocess.run(['false'])\nfailed = done.returncode != 0",
        "out = subprocess.run(['true'])",
    )
    proc, doc = _validate(path)
    assert doc["checks"] == [] and proc.returncode == 0, doc["checks"]


def test_golden_ignores_colour_codes(write_nb):
    golden = write_nb("golden.ipynb", "x = 1")
    data = json.loads(golden.read_text())
    data["cells"][0]["source"] = "print('\\x1b[31mloss 1\\x1b[0m')"
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["\x1b[32mloss 1\x1b[0m\n"]}]
    golden.write_text(json.dumps(data))
    path = write_nb("run.ipynb", "print('\\x1b[31mloss 1\\x1b[0m')")
    proc, doc = _validate(path, "--golden", str(golden), "--level", "staging")
    assert doc["golden"] == [] and proc.returncode == 0, doc["golden"]


def test_timeout_is_one_finding_not_also_an_exception(write_nb):
    proc, doc = _validate(
        write_nb("slow.ipynb", "import time\ntime.sleep(30)", "print('never')"), "--timeout-cell", "2"
    )
    assert [c["type"] for c in doc["checks"]] == ["timeout"], doc["checks"]
    assert proc.returncode == 1


def test_exception_before_sigkill_is_the_verdict_every_time(write_nb):
    """The cell raises and its kernel is SIGKILLed after the traceback went out but before the execute reply:
    whichever of nbclient's tasks notices the death first, the verdict is the exception."""
    source = (
        "import os, signal, time\n"
        "get_ipython().events.register('post_run_cell', lambda result: (time.sleep(0.3), "
        "os.kill(os.getpid(), signal.SIGKILL)))\n"
        "raise ValueError('bad input')"
    )
    path = write_nb("killed.ipynb", "x = 1", source, "print('never')")
    verdicts = set()
    for _ in range(4):
        proc, doc = _validate(path)
        verdicts.add((proc.returncode, tuple((c["type"], c["cell"]) for c in doc["checks"])))
    assert verdicts == {(1, (("exception", 2),))}, verdicts


def test_sigkill_without_an_exception_is_kernel_died(write_nb):
    path = write_nb("killed.ipynb", "x = 1", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    for _ in range(3):
        proc, doc = _validate(path)
        assert proc.returncode == 1 and [(c["type"], c["cell"]) for c in doc["checks"]] == [("kernel-died", 2)]
        assert "SIGKILL" in doc["checks"][0]["message"]


def test_data_libraries_in_a_real_kernel(write_nb):
    pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    path = write_nb(
        "libraries.ipynb",
        "import polars as pl\nimport pyarrow as pa",
        "# nblint: expect type=polars.DataFrame shape=[3,2] range=[0,10]\n"
        "frame = pl.DataFrame({'a': [1.0, None, 3.0], 'b': [4, 5, 6]})\nframe",  # a gap in raw data: fine
        "lazy = frame.lazy().filter(pl.col('a') > 100)",  # never collected by nblint: nothing to say yet
        "empty = lazy.collect()",
        "table = pa.table({'gone': [float('nan'), float('nan')]})",
    )
    proc, doc = _validate(path)
    found = {(c["type"], c["cell"]) for c in doc["checks"]}
    assert found == {("empty-data", 4), ("nan-value", 5)}, doc["checks"]
    assert proc.returncode == 1
