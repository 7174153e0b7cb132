"""The result cache: a re-run reuses unchanged results and never serves a stale one."""

from __future__ import annotations

import json

from conftest import make_project, notebook_json, run_nblint

SWALLOW = "try:\n    x = 1\nexcept Exception:\n    pass"
TUPLE_ASSERT = "x = [1]\nassert (len(x) > 0, 'empty')"


def _lint(project, *extra):
    proc = run_nblint("lint", ".", "--format", "json", "--level", "staging", *extra, cwd=project)
    return proc, json.loads(proc.stdout)


def _entries(project):
    return sorted(p.name for p in (project / ".nblint_cache").rglob("*.json"))


def test_a_rerun_reuses_results_and_reports_the_same(tmp_path):
    project = make_project(tmp_path, {
        "pyproject.toml": "[tool.nblint]\n",
        "a.ipynb": notebook_json(SWALLOW, TUPLE_ASSERT),
        "b.ipynb": notebook_json("x = 1"),
    })  # fmt: skip
    first, doc1 = _lint(project)
    cached = _entries(project)
    assert len(cached) == 2
    assert (project / ".nblint_cache" / ".gitignore").read_text().strip().endswith("*")
    second, doc2 = _lint(project)
    assert (second.returncode, doc2) == (first.returncode, doc1)
    assert _entries(project) == cached
    # proof that the second run read the cache: a marked entry is what it reports
    for entry in (project / ".nblint_cache").rglob("*.json"):
        entry.write_text(entry.read_text().replace("swallows every error", "MARKED"))
    _, marked = _lint(project)
    assert "MARKED" in json.dumps(marked)
    _, fresh = _lint(project, "--no-cache")
    assert fresh == doc1


def test_a_changed_requirement_file_or_a_new_local_module_is_never_served_stale(tmp_path):
    project = make_project(tmp_path, {
        "pyproject.toml": "[tool.nblint]\n",
        "requirements.txt": "pandas>=2\n",
        "nb.ipynb": notebook_json("import pandas as pd\nimport helpers\nassert pd.__version__"),
    })  # fmt: skip
    _, before = _lint(project)
    names = {d["name"] for d in before["files"][0]["diagnostics"]}
    assert {"unpinned-requirement", "undeclared-import"} <= names
    (project / "requirements.txt").write_text("pandas==2.2.2\n")
    (project / "helpers.py").write_text("X = 1\n")
    _, after = _lint(project)
    assert {d["name"] for d in after["files"][0]["diagnostics"]} & {
        "unpinned-requirement",
        "undeclared-import",
    } == set()


def test_an_edited_notebook_is_linted_again(tmp_path):
    project = make_project(tmp_path, {"pyproject.toml": "[tool.nblint]\n", "nb.ipynb": notebook_json("x = 1")})
    _, clean = _lint(project)
    (project / "nb.ipynb").write_text(notebook_json(SWALLOW))
    proc, dirty = _lint(project)

    def failing(doc):
        return [d["name"] for d in doc["files"][0]["diagnostics"] if d["severity"] != "info"]

    assert failing(clean) == [] and proc.returncode == 1
    assert failing(dirty) == ["swallowed-exception"]


def test_a_tampered_cache_is_ignored(tmp_path):
    project = make_project(tmp_path, {"pyproject.toml": "[tool.nblint]\n", "nb.ipynb": notebook_json(SWALLOW)})
    _, expected = _lint(project)
    for entry in (project / ".nblint_cache").rglob("*.json"):
        entry.write_text('{"$type": "os.system", "command": "echo owned"}')
    proc, doc = _lint(project)
    assert doc == expected and "owned" not in proc.stdout


def test_no_cache_and_fix_write_no_cache(tmp_path):
    project = make_project(tmp_path, {"pyproject.toml": "[tool.nblint]\n", "nb.ipynb": notebook_json(TUPLE_ASSERT)})
    _lint(project, "--no-cache")
    run_nblint("lint", ".", "--fix", cwd=project)
    assert not (project / ".nblint_cache").exists()
