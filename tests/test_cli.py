"""The command line, run as a real process: exit codes, bad input, options."""

from __future__ import annotations

import json

import pytest
from conftest import run_nblint

SWALLOW = "try:\n    x = 1\nexcept Exception:\n    pass"
HIDDEN = ("print(limit)", "limit = 3")


def _no_traceback(proc):
    assert "Traceback" not in proc.stderr + proc.stdout


def test_clean_notebook_passes(write_nb):
    proc = run_nblint("lint", str(write_nb("ok.ipynb", "x = 1\nassert x == 1")))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed" in proc.stdout


def test_findings_fail_with_exit_1_and_locations(write_nb):
    path = write_nb("nb.ipynb", {"cell_type": "markdown", "source": "# t"}, SWALLOW)
    proc = run_nblint("lint", str(path))
    assert proc.returncode == 1
    assert f"{path}:cell 2:3:1: error swallowed-exception (NB101)" in proc.stdout
    assert "except Exception:" in proc.stdout and "^^^" in proc.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"\x00\x01\x02garbage", "binary data"),
        (b'{"cells": [}', "invalid JSON at line 1"),
        (b"\xff\xfe\x00n\x00o", "binary data"),
        (b"\xc3\x28 not utf8", "not UTF-8"),
        (b'{"nbformat": 4, "cells": 5}', "'cells' must be a list"),
    ],
)
def test_bad_notebooks_exit_2_with_one_clear_line(tmp_path, content, expected):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    proc = run_nblint("lint", str(path))
    assert proc.returncode == 2
    _no_traceback(proc)
    assert expected in proc.stdout
    assert str(path) in proc.stdout


def test_missing_path_exits_2(tmp_path):
    proc = run_nblint("lint", str(tmp_path / "missing.ipynb"))
    assert proc.returncode == 2 and "no such file or folder" in proc.stdout
    _no_traceback(proc)


def test_bad_option_values_exit_2(write_nb):
    path = str(write_nb("a.ipynb", "x = 1"))
    for args in (["--level", "strict"], ["--format", "xml"], ["--select", "no-such-rule"], ["--jobs", "0"]):
        proc = run_nblint("lint", path, *args)
        assert proc.returncode == 2, args
        _no_traceback(proc)
    assert run_nblint("lint").returncode == 2
    assert run_nblint("explain", "no-such-rule").returncode == 2


def test_one_bad_file_does_not_stop_the_others(tmp_path, write_nb):
    write_nb("good.ipynb", SWALLOW)
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    proc = run_nblint("lint", str(tmp_path), "--format", "json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2
    status = {f["path"].rsplit("/", 1)[-1]: f["status"] for f in doc["files"]}
    assert status == {"broken.ipynb": "error", "good.ipynb": "failed"}


def test_non_python_notebook_is_skipped(write_nb):
    proc = run_nblint("lint", str(write_nb("r.ipynb", "x <- c(1, 2", language="R")))
    assert proc.returncode == 0 and "skipped" in proc.stdout and "'r'" in proc.stdout


def test_levels_decide_failure(write_nb):
    path = str(write_nb("h.ipynb", *HIDDEN))  # hidden-state: warning at development, error at staging
    assert run_nblint("lint", path).returncode == 0
    assert run_nblint("lint", path, "--level", "staging").returncode == 1
    assert run_nblint("lint", path, "--level", "production").returncode == 1
    learning = run_nblint("lint", str(write_nb("s.ipynb", SWALLOW)), "--level", "learning")
    assert learning.returncode == 0
    assert "why:" in learning.stdout and "better:" in learning.stdout  # learning teaches


def test_select_and_ignore(write_nb):
    path = str(write_nb("b.ipynb", SWALLOW, *HIDDEN))
    only = json.loads(run_nblint("lint", path, "--format", "json", "--select", "NB4").stdout)
    assert {d["name"] for d in only["files"][0]["diagnostics"]} == {"hidden-state", "never-executed"}
    without = json.loads(run_nblint("lint", path, "--format", "json", "--ignore", "swallowed-exception").stdout)
    assert {d["name"] for d in without["files"][0]["diagnostics"] if d["severity"] != "info"} == {"hidden-state"}


def test_statistics_and_quiet(write_nb):
    path = str(write_nb("s.ipynb", SWALLOW, SWALLOW))
    stats = run_nblint("lint", path, "--statistics")
    assert "    2  NB101  swallowed-exception" in stats.stdout
    quiet = run_nblint("lint", path, "-q")
    assert "^^^" not in quiet.stdout and "swallowed-exception" in quiet.stdout


def test_output_file(tmp_path, write_nb):
    out = tmp_path / "report.json"
    proc = run_nblint("lint", str(write_nb("s.ipynb", SWALLOW)), "--format", "json", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text())["summary"]["errors"] == 1


def test_unwritable_output_is_exit_2(tmp_path, write_nb):
    proc = run_nblint("lint", str(write_nb("a.ipynb", "x=1")), "-o", str(tmp_path / "no" / "dir" / "r.txt"))
    assert proc.returncode == 2 and "cannot write report" in proc.stderr
    _no_traceback(proc)


def test_help_texts_explain_commands():
    for command in ("lint", "rules", "explain"):
        proc = run_nblint(command, "--help")
        assert proc.returncode == 0 and "Usage:" in proc.stdout
    assert "nblint lint notebooks/" in run_nblint("--help").stdout


def test_rules_and_explain():
    listing = run_nblint("rules")
    assert "NB101  swallowed-exception" in listing.stdout
    page = run_nblint("explain", "NB201")
    assert "# ineffective-assertion (NB201)" in page.stdout and "## Use instead" in page.stdout


def test_parallel_results_match_sequential(tmp_path, write_nb):
    for i in range(12):
        write_nb(f"n{i:02}.ipynb", SWALLOW if i % 2 else "x = 1", *HIDDEN)
    parallel = json.loads(run_nblint("lint", str(tmp_path), "--format", "json", "-j", "2").stdout)
    serial = json.loads(run_nblint("lint", str(tmp_path), "--format", "json", "-j", "1").stdout)
    assert parallel == serial
    assert [f["path"] for f in parallel["files"]] == sorted(f["path"] for f in parallel["files"])


def test_checkpoints_and_excluded_folders_are_skipped(tmp_path, write_nb):
    write_nb(".ipynb_checkpoints/a-checkpoint.ipynb", SWALLOW)
    write_nb("real.ipynb", "x = 1")
    doc = json.loads(run_nblint("lint", str(tmp_path), "--format", "json").stdout)
    assert [f["path"].rsplit("/", 1)[-1] for f in doc["files"]] == ["real.ipynb"]
