"""--fix and --diff: safe edits, atomic writes, every byte outside the changed sources kept."""

from __future__ import annotations

import json
import os

from conftest import run_nblint

BAD = "import pandas as pd\nassert (len(df) > 0, 'no rows')\nassert (\n    df.a.all(),\n    'bad a',\n)"
FIXED = "import pandas as pd\nassert len(df) > 0, 'no rows'\nassert df.a.all(), 'bad a'"


def _custom_style_notebook(path):
    """Not Jupyter's style: 2-space indent, unsorted keys, a string source, CRLF-free, no final newline."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"language": "python", "name": "python3", "display_name": "Py"}},
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Ünïcode title"},
            {
                "id": "a",
                "cell_type": "code",
                "metadata": {"tags": ["x"]},
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}],
                "source": BAD,
            },
        ],
    }
    path.write_text(json.dumps(nb, indent=2, ensure_ascii=False), encoding="utf-8")


def test_fix_rewrites_only_the_cell_source(tmp_path):
    path = tmp_path / "nb.ipynb"
    _custom_style_notebook(path)
    before = path.read_text(encoding="utf-8")
    proc = run_nblint("lint", str(path), "--fix")
    assert proc.returncode == 0, proc.stdout
    after = path.read_text(encoding="utf-8")
    assert json.loads(after)["cells"][1]["source"] == FIXED
    assert after == before.replace(json.dumps(BAD, ensure_ascii=False), json.dumps(FIXED, ensure_ascii=False))
    assert "fixed 2" in proc.stdout


def test_fix_keeps_jupyter_list_style_and_second_fix_changes_nothing(write_nb):
    path = write_nb("nb.ipynb", {"cell_type": "markdown", "source": "intro"}, BAD, "y = 2")
    run_nblint("lint", str(path), "--fix")
    once = path.read_text(encoding="utf-8")
    data = json.loads(once)
    assert data["cells"][1]["source"] == FIXED.splitlines(keepends=True)
    assert once == json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"  # same style as Jupyter
    mtime = os.stat(path).st_mtime_ns
    second = run_nblint("lint", str(path), "--fix")
    assert second.returncode == 0 and path.read_text(encoding="utf-8") == once
    assert os.stat(path).st_mtime_ns == mtime  # nothing to fix: not even rewritten


def test_diff_shows_change_without_writing(write_nb):
    path = write_nb("nb.ipynb", BAD)
    before = path.read_bytes()
    proc = run_nblint("lint", str(path), "--diff")
    assert path.read_bytes() == before
    assert f"--- a/{path}:cell 1" in proc.stdout
    assert "-assert (len(df) > 0, 'no rows')" in proc.stdout and "+assert len(df) > 0, 'no rows'" in proc.stdout


def test_fix_leaves_no_temporary_files_and_keeps_mode(write_nb):
    path = write_nb("nb.ipynb", BAD)
    os.chmod(path, 0o640)
    run_nblint("lint", str(path), "--fix")
    assert sorted(p.name for p in path.parent.iterdir()) == ["nb.ipynb"]
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_unfixable_tuple_is_reported_not_touched(write_nb):
    path = write_nb("nb.ipynb", "assert (a, b, c)")
    before = path.read_bytes()
    proc = run_nblint("lint", str(path), "--fix")
    assert proc.returncode == 1 and path.read_bytes() == before


def test_unsafe_fix_moves_inline_installs_to_requirements(tmp_path, write_nb):
    (tmp_path / "requirements.txt").write_text("pandas==2.2.2\n")
    path = write_nb("nb.ipynb", "!pip install -q pandas==2.2.2 pyarrow==16.1.0\nimport pandas as pd", "x = 1")
    safe_only = run_nblint("lint", str(path), "--fix", "--select", "inline-install", "--level", "staging")
    assert safe_only.returncode == 1 and "pip install" in path.read_text()  # unsafe fixes need the flag
    diff = run_nblint("lint", str(path), "--diff", "--unsafe-fixes", "--select", "inline-install")
    assert "-!pip install -q pandas==2.2.2 pyarrow==16.1.0" in diff.stdout and "+pyarrow==16.1.0" in diff.stdout
    assert "pip install" in path.read_text()  # --diff writes nothing
    proc = run_nblint("lint", str(path), "--fix", "--unsafe-fixes", "--select", "inline-install")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(path.read_text())["cells"][0]["source"] == ["import pandas as pd"]
    assert (tmp_path / "requirements.txt").read_text() == "pandas==2.2.2\npyarrow==16.1.0\n"
    again = run_nblint("lint", str(path), "--fix", "--unsafe-fixes")
    assert again.returncode == 0 and (tmp_path / "requirements.txt").read_text().count("pyarrow") == 1


def test_installs_with_options_are_not_moved(write_nb):
    path = write_nb("nb.ipynb", "!pip install --index-url https://mirror.example/simple pandas")
    before = path.read_bytes()
    proc = run_nblint("lint", str(path), "--fix", "--unsafe-fixes", "--select", "inline-install", "--level", "staging")
    assert proc.returncode == 1 and path.read_bytes() == before
    assert not (path.parent / "requirements.txt").exists()
