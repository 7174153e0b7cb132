"""The conventions users already type (ruff, pylint) and per-file configs, as monorepos need them."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conftest import make_project, notebook_json, run_nblint

SWALLOW = "try:\n    x = 1\nexcept Exception:\n    pass"
TUPLE_ASSERT = "x = [1]\nassert (len(x) > 0, 'empty')"


def _codes(proc, unless: str = "") -> list[str]:
    """The rule names found, less those of severity `unless` (e.g. the layout rules' info findings)."""
    return sorted(
        d["name"] for f in json.loads(proc.stdout)["files"] for d in f["diagnostics"] if d["severity"] != unless
    )


def test_each_file_uses_the_nearest_config_whatever_the_order(tmp_path):
    make_project(tmp_path, {})
    (tmp_path / "strict").mkdir()
    (tmp_path / "strict" / "pyproject.toml").write_text('[tool.nblint]\nlevel = "production"\n')
    (tmp_path / "strict" / "a.ipynb").write_text(notebook_json("print(1)", {"cell_type": "code", "source": ""}))
    (tmp_path / "relaxed").mkdir()
    (tmp_path / "relaxed" / "nblint.toml").write_text('level = "learning"\n')
    (tmp_path / "relaxed" / "b.ipynb").write_text(notebook_json(SWALLOW))
    forward = run_nblint("lint", "relaxed/b.ipynb", "strict/a.ipynb", "--format", "json", cwd=tmp_path)
    backward = run_nblint("lint", "strict/a.ipynb", "relaxed/b.ipynb", "--format", "json", cwd=tmp_path)
    assert forward.returncode == backward.returncode == 0, forward.stdout + forward.stderr
    # learning never fails, even on a swallowed exception; the other file is clean at production
    statuses = {f["path"]: f["status"] for f in json.loads(forward.stdout)["files"]}
    assert statuses == {"relaxed/b.ipynb": "passed", "strict/a.ipynb": "passed"}
    (tmp_path / "strict" / "c.ipynb").write_text(notebook_json(SWALLOW))
    strict = run_nblint("lint", "relaxed/b.ipynb", "strict/c.ipynb", cwd=tmp_path)
    assert strict.returncode == 1, strict.stdout


def test_an_invalid_config_below_the_paths_is_one_line_and_exit_2(tmp_path):
    make_project(tmp_path, {"ok/a.ipynb": notebook_json("x = 1"), "broken/nblint.toml": "level = 'loud'\n"})
    (tmp_path / "broken" / "b.ipynb").write_text(notebook_json("x = 1"))
    proc = run_nblint("lint", ".", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "broken/nblint.toml" in proc.stderr and "'loud'" in proc.stderr


def test_select_and_ignore_take_comma_lists_and_prefixes(write_nb):
    path = write_nb("nb.ipynb", SWALLOW, TUPLE_ASSERT)
    both = run_nblint("lint", str(path), "--select", "swallowed-exception,NB201", "--format", "json")
    assert _codes(both) == ["ineffective-assertion", "swallowed-exception"]
    one = run_nblint("lint", str(path), "--select", "NB1,NB2", "--ignore", "NB201,NB202", "--format", "json")
    assert _codes(one) == ["swallowed-exception"]
    extended = run_nblint("lint", str(path), "--select", "NB101", "--extend-select", "NB201", "--format", "json")
    assert _codes(extended) == ["ineffective-assertion", "swallowed-exception"]
    unknown = run_nblint("lint", str(path), "--select", "swallowed-exception,no-such-rule")
    assert unknown.returncode == 2 and "no-such-rule" in unknown.stderr


def test_output_format_is_an_alias_and_exit_zero_keeps_bad_input_at_2(write_nb, tmp_path):
    path = write_nb("nb.ipynb", SWALLOW)
    proc = run_nblint("lint", str(path), "--output-format", "json", "--exit-zero")
    assert proc.returncode == 0 and json.loads(proc.stdout)["files"][0]["status"] == "failed"
    missing = run_nblint("lint", str(tmp_path / "nope.ipynb"), "--exit-zero")
    assert missing.returncode == 2


def test_diff_exits_1_when_it_would_change_something_and_writes_nothing(write_nb):
    path = write_nb("nb.ipynb", TUPLE_ASSERT)
    before = path.read_bytes()
    proc = run_nblint("lint", str(path), "--diff")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "+assert len(x) > 0, 'empty'" in proc.stdout and "would fix 1" in proc.stderr
    assert "fixed" not in proc.stdout
    assert path.read_bytes() == before
    clean = write_nb("clean.ipynb", "x = 1")
    nothing = run_nblint("lint", str(clean), "--diff")
    assert nothing.returncode == 0 and nothing.stdout == "" and "nothing to fix" in nothing.stderr


def test_show_fixes_lists_what_was_applied_and_what_is_available(write_nb):
    path = write_nb("nb.ipynb", TUPLE_ASSERT)
    available = run_nblint("lint", str(path), "--show-fixes")
    assert "fixable" in available.stdout and "ineffective-assertion" in available.stdout
    applied = run_nblint("lint", str(path), "--fix", "--show-fixes")
    assert applied.returncode == 0, applied.stdout
    assert "fixed    " in applied.stdout and "fixable" not in applied.stdout


def test_stdin_is_linted_as_the_named_file(tmp_path):
    make_project(tmp_path, {"pyproject.toml": '[tool.nblint]\nignore = ["NB201"]\n'})
    text = notebook_json(SWALLOW, TUPLE_ASSERT)
    proc = subprocess.run(
        [sys.executable, "-m", "nblint", "lint", "-", "--stdin-filename", "sub/nb.ipynb", "--format", "json"],
        input=text, capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["files"][0]["path"] == "sub/nb.ipynb"
    assert _codes(proc, "info") == ["swallowed-exception"]  # the config above sub/ ignored NB201
    alone = run_nblint("lint", "-", cwd=tmp_path)
    assert alone.returncode == 2 and "--stdin-filename" in alone.stderr


def test_colour_follows_force_color_no_color_and_dumb_terminals(write_nb):
    path = write_nb("nb.ipynb", SWALLOW)
    forced = run_nblint("lint", str(path), env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        plain = run_nblint("lint", str(path), env={"NO_COLOR": "", **env})
        assert "\x1b[" not in plain.stdout


def test_a_requirement_file_named_directly_is_linted_with_its_notebooks(tmp_path):
    make_project(tmp_path, {
        "etl/requirements.txt": "pandas>=2\n",
        "etl/load.ipynb": notebook_json("import pandas as pd\nassert pd.__version__"),
        "other/x.ipynb": notebook_json(SWALLOW),
    })  # fmt: skip
    proc = run_nblint("lint", "etl/requirements.txt", "--format", "json", "--level", "staging", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert [f["path"] for f in doc["files"]] == ["etl/load.ipynb"]
    assert "unpinned-requirement" in _codes(proc) and proc.returncode == 1
    lonely = make_project(tmp_path / "lonely", {"requirements.txt": "pandas==2.2.2\n"})
    skipped = run_nblint("lint", str(lonely / "requirements.txt"))
    assert skipped.returncode == 0 and "no notebook" in skipped.stdout


def test_force_exclude_applies_exclude_to_named_files(tmp_path):
    make_project(tmp_path, {"pyproject.toml": '[tool.nblint]\nexclude = ["scratch/*"]\n'})
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "bad.ipynb").write_text(notebook_json(SWALLOW))
    assert run_nblint("lint", "scratch/bad.ipynb", cwd=tmp_path).returncode == 1
    assert run_nblint("lint", "scratch/bad.ipynb", "--force-exclude", cwd=tmp_path).returncode == 0


def test_watch_lints_again_when_a_notebook_changes(tmp_path):
    make_project(tmp_path, {"nb.ipynb": notebook_json("x = 1")})
    proc = subprocess.Popen(
        [sys.executable, "-m", "nblint", "lint", "--watch", "."],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={"NO_COLOR": "1", **_env()},
    )  # fmt: skip
    try:
        first = proc.stdout.readline()
        while "finding" not in first and "notebook" not in first:
            first = proc.stdout.readline()
        time.sleep(0.2)
        (tmp_path / "nb.ipynb").write_text(notebook_json(SWALLOW))
        deadline = time.monotonic() + 30
        seen = ""
        while "swallowed-exception" not in seen and time.monotonic() < deadline:
            seen += proc.stdout.readline()
        assert "swallowed-exception" in seen
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
