"""`nblint validate` with a real ipykernel: every runtime check, options and reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import SCHEMAS, run_nblint

pytest.importorskip("nbclient")


def _validate(path, *args):
    proc = run_nblint("validate", str(path), "--format", "json", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None


def _found(doc):
    return {(c["type"], c["cell"]) for c in doc["checks"]}


def test_clean_notebook_passes(write_nb):
    proc, doc = _validate(write_nb("ok.ipynb", "x = 1 + 1", "assert x == 2\nx"))
    assert proc.returncode == 0 and doc["status"] == "passed" and doc["checks"] == []
    assert [c["status"] for c in doc["cells"]] == ["ok", "ok"]


def test_silent_failures_that_plain_runners_pass(write_nb):
    path = write_nb(
        "silent.ipynb",
        "import numpy as np\nimport pandas as pd",
        "def load_data(path):\n    return None\ndata = load_data('sales.csv')",
        "df = pd.DataFrame({'a': [1.0, np.nan, 3.0], 'b': [np.inf, 2.0, 1.0], 'name': ['x', None, 'z']})\n"
        "clean = df.dropna()",  # raw data with gaps: normal
        "big = df[df.a > 100]\nq = df.query('a > 100')",
        "metrics = {'auc': float('nan'), 'n': 3}\nscores = [0.5, float('inf')]\narr = np.array([1.0, np.nan])",
        "ordered = df.sort_values('a', inplace=True)",
        "df['ratio'] = (df['a'] - 1.0) / (df['a'] - 1.0)\nspread = df['ratio'].std()",
        "def load():\n    pass\nframe = load()",
        "print('done')",
    )
    proc, doc = _validate(path)
    assert proc.returncode == 1 and doc["status"] == "failed"
    found = _found(doc)
    assert {("none-result", 2), ("empty-data", 4), ("nan-value", 5), ("inf-value", 5), ("none-result", 6),
            ("nan-value", 7), ("none-result", 8)} <= found  # fmt: skip
    assert not {t for t, cell in found if cell == 3}, doc["checks"]  # gaps in raw data pass
    messages = {c["message"] for c in doc["checks"]}
    assert "`data` is None after this cell (it was assigned from a call)" in messages
    assert any("`metrics` contains 1 NaN" in m and "'auc'" in m for m in messages)
    assert any("column ratio became NaN/inf in 2 row(s)" in m for m in messages)  # the column named, counted
    assert any(m.startswith("`spread` contains 1 NaN") for m in messages)  # an aggregate: std of one value
    assert "`arr`" not in " ".join(messages)  # a literal array with a gap is data
    empties = [c for c in doc["checks"] if c["type"] == "empty-data"]
    assert {c["line"] for c in empties} == {1, 2}
    assert all(c["explanation"] for c in doc["checks"])


def test_raw_data_with_gaps_passes_at_every_level(write_nb):
    path = write_nb(
        "gaps.ipynb",
        "import numpy as np\nimport pandas as pd\ndf = pd.DataFrame({'t': [1.0, np.nan, 3.0], 'id': [1, 2, 3]})",
        "df.dropna()",
        "filled = df.fillna(0)\nmean_t = df['t'].mean()\ndf",
    )
    for level in ("learning", "development", "staging", "production"):
        proc, doc = _validate(path, "--level", level)
        assert doc["checks"] == [] and proc.returncode == 0, (level, doc["checks"])


def test_results_that_are_not_failures(write_nb):
    path = write_nb(
        "fine.ipynb",
        "results = []\nlookup = {}\nframe = dict()",  # empty initialisers, not loads
        "print('a call returning None as the last expression')",
        "import logging\nlogging.getLogger('x').info('quiet')",
        "import sys\nsys.exit(0)",
        "value = {}.get('k')  # nblint: allow=none-result",
    )
    proc, doc = _validate(path)
    assert doc["checks"] == [], doc["checks"]
    assert proc.returncode == 0


def test_exceptions_exit_codes_stderr_and_warnings(write_nb):
    cells = {
        "exc": ("x = 1\nraise KeyError('region')",),
        "exit1": ("import sys\nsys.exit(1)",),
        "exitmsg": ("raise SystemExit('input missing')",),
        "exit": ("exit()",),
    }
    for name, sources in cells.items():
        proc, doc = _validate(write_nb(f"{name}.ipynb", *sources, "print('after')"))
        assert proc.returncode == 1, name
        check = doc["checks"][0]
        assert check["type"] == ("exception" if name == "exc" else "exit-code"), name
        if name == "exc":
            assert check["message"] == "KeyError: 'region'" and check["line"] == 2
            assert [c["status"] for c in doc["cells"]] == ["error", "not-run"]  # the run stops at an exception
    path = write_nb(
        "streams.ipynb",
        "import warnings, logging, sys\nwarnings.warn('deprecated thing', FutureWarning)",
        "logging.warning('could not reach the API')",
        "print('written to stderr', file=sys.stderr)",
    )
    proc, doc = _validate(path)
    by_cell = {(c["cell"], c["type"]) for c in doc["checks"]}
    assert by_cell == {(1, "warning"), (2, "stderr"), (3, "stderr")}  # a warning is not also stderr
    assert proc.returncode == 0  # stderr and warnings do not fail at development
    staging, doc = _validate(path, "--level", "staging")
    assert staging.returncode == 1
    production, doc = _validate(path, "--level", "production")
    assert production.returncode == 1
    assert {c["type"] for c in doc["checks"] if c["status"] == "failed"} == {"warning", "stderr"}
    learning, doc = _validate(path, "--level", "learning")
    assert learning.returncode == 0 and {c["severity"] for c in doc["checks"]} == {"info"}


def test_expectations_from_metadata_comment_and_file(tmp_path, write_nb):
    path = write_nb(
        "expect.ipynb",
        {"cell_type": "code", "source": "import pandas as pd\ndf = pd.DataFrame({'a': range(4), 'b': range(4)})",
         "metadata": {"nblint": {"expect": {"type": "pandas.DataFrame", "shape": [None, 3], "not_empty": True}}}},
        "# nblint: expect type=float range=[0.7,1.0]\naccuracy = 0.65",
        "count = len(df)",
        "class Sub(list):\n    pass\nitems = Sub([1])",
    )  # fmt: skip
    expect = tmp_path / "expect.yaml"
    expect.write_text("expectedOutputs:\n  - cell: 2\n    type: int\n    minValue: '10'\n  - cell: 3\n"
                      "    type: list\n    notEmpty: true\n")  # fmt: skip
    proc, doc = _validate(path, "--expect", str(expect), "--level", "staging")
    problems = {(c["cell"], c["message"]) for c in doc["checks"] if c["type"] == "expected-output"}
    assert (1, "shape is (4, 2), expected (any, 3)") in problems
    assert (2, "values span [0.65, 0.65], outside [0.7, 1]") in problems
    assert (3, "values span [4, 4], outside [10, inf]") in problems
    assert not [p for p in problems if p[0] == 4]  # a subclass of list is a list
    assert proc.returncode == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("1: {colour: red}\n")
    assert run_nblint("validate", str(path), "--expect", str(bad)).returncode == 2


def test_parameters_are_injected_after_the_parameters_cell(tmp_path, write_nb):
    path = write_nb(
        "params.ipynb",
        {"cell_type": "code", "source": "epochs = 1\nname = 'x'", "metadata": {"tags": ["parameters"]}},
        "assert epochs == 5 and name == 'prod' and rate == 0.5 and flag is True, (epochs, name)",
    )
    out = tmp_path / "executed.ipynb"
    proc, doc = _validate(path, "-p", "epochs=5", "-p", "name=prod", "-p", "rate=0.5", "-p", "flag=true",
                          "--output", str(out))  # fmt: skip
    assert proc.returncode == 0, doc
    executed = json.loads(out.read_text())
    assert executed["cells"][1]["metadata"]["tags"] == ["injected-parameters"]
    assert "application/vnd.nblint.probe+json" not in out.read_text()  # the probe leaves no trace
    assert [c["cell"] for c in doc["cells"]] == [1, None, 2]
    assert run_nblint("validate", str(path), "-p", "not a parameter").returncode == 2


def test_skip_metadata(tmp_path):
    from conftest import notebook_json

    data = json.loads(notebook_json("raise SystemExit(3)"))
    data["metadata"]["nblint"] = {"skip": True, "reason": "needs a GPU"}
    path = tmp_path / "skip.ipynb"
    path.write_text(json.dumps(data))
    proc, doc = _validate(path)
    assert proc.returncode == 0 and doc["status"] == "skipped" and doc["message"] == "needs a GPU"


def test_junit_sarif_and_github_reports(tmp_path, write_nb):
    import jsonschema

    path = write_nb("r.ipynb", "x = 1", "raise ValueError('bad')", "y = 2")
    junit = run_nblint("validate", str(path), "--format", "junit").stdout
    suite = ET.fromstring(junit).find("testsuite")
    assert suite.get("errors") == "1" and len(suite.findall("testcase")) == 3  # an exception is a JUnit error
    assert suite.findall("testcase")[2].find("skipped") is not None
    sarif = json.loads(run_nblint("validate", str(path), "--format", "sarif").stdout)
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "exception"
    github = run_nblint("validate", str(path), "--format", "github").stdout
    assert github.startswith(f"::error file={path},line=") and "exception" in github


def test_validate_with_lint_holds_both(write_nb):
    path = write_nb("both.ipynb", "try:\n    x = 1\nexcept Exception:\n    pass")
    proc, doc = _validate(path, "--lint")
    assert doc["status"] == "passed" and doc["lint"]["status"] == "failed"
    assert "swallowed-exception" in {d["name"] for d in doc["lint"]["diagnostics"]}
    assert proc.returncode == 1


def test_validate_with_lint_carries_the_findings_in_every_format(write_nb):
    import jsonschema

    path = write_nb("both.ipynb", "try:\n    x = 1\nexcept Exception:\n    pass")

    def report(fmt):
        proc = run_nblint("validate", str(path), "--lint", "--format", fmt)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, (fmt, proc.stderr)
        return proc.stdout

    text = report("text")
    assert f"{path}:cell 1:3:1: error swallowed-exception" in text
    assert text.rstrip().endswith("failed at level development")  # the verdict the exit code follows
    suite = ET.fromstring(report("junit")).find("testsuite")
    static = next(c for c in suite.findall("testcase") if c.get("name") == "static rules")
    assert "swallowed-exception" in static.find("failure").get("message") and suite.get("failures") == "1"
    sarif = json.loads(report("sarif"))
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    validated, linted = sarif["runs"]
    assert validated["results"] == [] and linted["tool"]["driver"]["name"] == "nblint"
    assert [r["properties"]["name"] for r in linted["results"] if r["level"] != "note"] == ["swallowed-exception"]
    [annotation, summary] = report("github").strip().split("\n")
    assert summary.startswith("nblint: 1 error(s), 0 warning(s)") and ": failed" in summary
    assert annotation.startswith(f"::error file={path},line=") and "title=swallowed-exception" in annotation


def test_nan_and_inf_results_leave_nothing_on_stderr(tmp_path, write_nb):
    """jupyter_client 8.10 rejects NaN in a message and prints its failure into the cell's stderr: the
    probe's payload holds none, and nothing the probe does (an all-NaN nanmin) reaches the user's stderr."""
    path = write_nb(
        "nan.ipynb",
        "import numpy as np\nall_nan = np.array([np.nan])\nall_nan",
        "# nblint: expect type=float\nloss = float('nan')\nloss",
        "scores = {'auc': float('inf'), 'n': 3}",
    )
    out = tmp_path / "executed.ipynb"
    proc, doc = _validate(path, "--output", str(out))
    assert _found(doc) == {("nan-value", 1), ("nan-value", 2), ("inf-value", 3)}, doc["checks"]
    outputs = [o for cell in json.loads(out.read_text())["cells"] for o in cell["outputs"]]
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs
    assert proc.returncode == 1


def test_golden_comparison_with_numeric_tolerance(tmp_path, write_nb):
    golden = write_nb("golden.ipynb", "print('loss 0.123456 at 2024-01-01 10:00:00')")
    data = json.loads(golden.read_text())
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                    "text": ["loss 0.123457 at 2026-11-26 22:00:01\n"]}]  # fmt: skip
    golden.write_text(json.dumps(data))
    path = write_nb("run.ipynb", "print('loss 0.123456 at 2024-01-01 10:00:00')")
    close, doc = _validate(path, "--golden", str(golden), "--rtol", "1e-4", "--level", "staging")
    assert close.returncode == 0 and doc["golden"] == []
    strict, doc = _validate(path, "--golden", str(golden), "--rtol", "1e-9", "--level", "staging")
    assert strict.returncode == 1
    assert "0.123456 differs from golden 0.123457" in doc["golden"][0]["summary"]


def test_several_notebooks_in_parallel_keep_input_order(tmp_path, write_nb):
    paths = [str(write_nb(f"n{i}.ipynb", f"x = {i}")) for i in range(3)]
    proc = run_nblint("validate", *reversed(paths), "--format", "json", "--jobs", "3")
    doc = json.loads(proc.stdout)
    assert [n["notebook"] for n in doc["notebooks"]] == list(reversed(paths))
    assert proc.returncode == 0


def test_env_requirements_builds_once_and_isolates(tmp_path, write_nb):
    """The local mirror of build-then-validate: a cached virtualenv from the notebook's requirements."""
    from conftest import make_project

    make_project(tmp_path, {"requirements.txt": "six==1.16.0\n"})
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    path = write_nb("nb.ipynb", "import sys, six\nassert '/nblint/envs/' in sys.executable, sys.executable")
    first = run_nblint("validate", str(path), "--env", "requirements", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    [marker] = (tmp_path / "cache" / "nblint" / "envs").glob("*/nblint-env.json")
    built = marker.stat().st_mtime_ns
    again = run_nblint("validate", str(path), "--env", "requirements", env=env)
    assert again.returncode == 0 and marker.stat().st_mtime_ns == built  # reused, not rebuilt
    isolated = write_nb("pandas.ipynb", "import pandas")  # installed here, but not declared
    proc = run_nblint("validate", str(isolated), "--env", "requirements", "--format", "json", env=env)
    assert json.loads(proc.stdout)["checks"][0]["message"].startswith("ModuleNotFoundError")


def test_live_progress_on_a_terminal(write_nb):
    """A real pseudo-terminal: progress lines appear on stderr; redirected output stays clean."""
    import os
    import pty
    import subprocess
    import sys

    path = write_nb("p.ipynb", "x = 1", "y = 2")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "nblint", "validate", str(path)], stdout=subprocess.PIPE,
                            stderr=slave, env={k: v for k, v in os.environ.items() if k != "NO_COLOR"})  # fmt: skip
    os.close(slave)
    stdout, _ = proc.communicate(timeout=120)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    terminal = b"".join(chunks).decode(errors="replace")
    assert "[0/2] cell 1 running" in terminal and "[1/2] cell 1 ok" in terminal and "[2/2] cell 2 ok" in terminal
    assert b"[1/2]" not in stdout and b"passed at level development" in stdout


def test_check_overrides_and_summary_file(tmp_path, write_nb):
    path = write_nb("o.ipynb", "import warnings\nwarnings.warn('x')", "v = float('nan')")
    summary = tmp_path / "summary.json"
    proc, doc = _validate(path, "--fail-on", "warning", "--ignore-check", "nan-value", "--summary-file", str(summary))
    assert [(c["type"], c["severity"]) for c in doc["checks"]] == [("warning", "error")]
    assert proc.returncode == 1
    assert json.loads(summary.read_text()) == {
        "status": "failed", "failed": 1, "checks": ["warning"], "first": "cell 1: warning: UserWarning: x",
        "message": None}  # fmt: skip
    assert run_nblint("validate", str(path), "--fail-on", "nonsense").returncode == 2
