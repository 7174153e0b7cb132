"""Issue 12: inputs that once crashed nblint, lost data or ran away (reproducer IDs in each test name).

Every input is generated here. Cost checks count operations or use structure, never wall time.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
from conftest import notebook_json, run_nblint

from nblint.config import Settings
from nblint.engine import lint_path
from nblint.environment.sources import discover
from nblint.fixes import write_atomic
from nblint.lint_run import lint_paths
from nblint.notebook import parse

SETTINGS = Settings()


def _nb(tmp_path: Path, *cells, name: str = "nb.ipynb") -> Path:
    path = tmp_path / name
    path.write_text(notebook_json(*cells), encoding="utf-8")
    return path


def _sources(path: Path) -> list:
    return [c["source"] for c in json.loads(path.read_text(encoding="utf-8-sig"))["cells"]]


@pytest.mark.parametrize("value", [5, None, [["x"]], {"a": 1}, True])
def test_N01_disable_of_the_wrong_type_is_one_files_error(tmp_path, value):
    (tmp_path / "a").mkdir()
    _nb(tmp_path / "a", {"cell_type": "code", "source": "x = 1", "metadata": {"nblint": {"disable": value}}})
    _nb(tmp_path / "a", "assert (x, 'm')", name="other.ipynb")
    run = lint_paths([str(tmp_path / "a")], SETTINGS)
    by_name = {Path(r.path).name: r for r in run.lint}
    assert by_name["other.ipynb"].diagnostics, "one bad notebook must not empty the folder's report"
    bad = by_name["nb.ipynb"]
    if value is None:
        assert bad.status == "passed"
    else:
        assert bad.status == "error" and "cell 1: metadata nblint.disable" in bad.message


def test_N01_metadata_nblint_not_an_object_and_disable_as_string(tmp_path):
    path = _nb(tmp_path, {"cell_type": "code", "source": "x = 1", "metadata": {"nblint": [1]}})
    assert lint_path(str(path), SETTINGS).status == "error"
    path = _nb(tmp_path, {"cell_type": "code", "source": "assert (x, 'm')", "metadata": {"nblint": {"disable": "all"}}})
    assert lint_path(str(path), SETTINGS).diagnostics == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "lsp", "github"])
def test_N02_lone_surrogates_print_in_every_format(tmp_path, fmt):
    text = notebook_json("api_password = 'S3cure!Passw0rd\udc00x'\nassert (x, '\ud83d')", "y = '\\ud83d'")
    path = tmp_path / "nb.ipynb"
    path.write_text(text.replace("\udc00", "\\udc00").replace("\ud83d", "\\ud83d"), encoding="utf-8")
    result = run_nblint("lint", str(path), "--format", fmt)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    if fmt in ("json", "sarif", "lsp"):
        json.loads(result.stdout)


def test_N02_fix_keeps_a_cell_holding_a_lone_surrogate_byte_for_byte(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook_json("assert (x, 'SURR')", "assert (y, 'm')").replace("SURR", "\\ud83d"), "utf-8")
    before = path.read_text(encoding="utf-8")
    lint_path(str(path), SETTINGS, fix=True)
    after = path.read_text(encoding="utf-8")
    assert "\\ud83d" in after and after != before
    assert _sources(path)[1] == ["assert y, 'm'"]


def _raw_nb(tmp_path: Path, source: str, prefix: bytes = b"") -> Path:
    path = tmp_path / "nb.ipynb"
    doc = {"cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}],
           "metadata": {}, "nbformat": 4, "nbformat_minor": 4}  # fmt: skip
    path.write_bytes(prefix + json.dumps(doc).encode())
    return path


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_N03_fix_keeps_the_cells_newline_style(tmp_path, newline):
    path = _raw_nb(tmp_path, newline.join(["x = 1", "assert (x, 'msg')", "y = 2"]))
    lint_path(str(path), SETTINGS, fix=True)
    assert _sources(path) == [newline.join(["x = 1", "assert x, 'msg'", "y = 2"])]


def test_N04_unsafe_fix_of_a_blocks_only_install_keeps_the_block(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    path = _nb(tmp_path, "if True:\n    %pip install requests\nz = 1", "for i in x:\n    !pip install numpy\n    go()")
    lint_path(str(path), SETTINGS, fix=True, unsafe=True)
    first, second = ("".join(s) for s in _sources(path))
    assert first == "if True:\n    pass\nz = 1"
    assert second == "for i in x:\n    go()"
    assert (tmp_path / "requirements.txt").read_text() == "requests\nnumpy\n"


def _nodes_of(tmp_path, source: str) -> int:
    path = _raw_nb(tmp_path, source)
    result = lint_path(str(path), SETTINGS)
    assert result.status != "error", result.message
    return sum(d.name == "ineffective-assertion" for d in result.diagnostics)


def test_N05_segments_come_from_line_offsets_computed_once(tmp_path, monkeypatch):
    calls = []
    real = ast.get_source_segment
    monkeypatch.setattr(ast, "get_source_segment", lambda *a, **k: calls.append(1) or real(*a, **k))
    splits = []
    import nblint.text_lines as text_lines

    real_starts = text_lines.line_starts
    monkeypatch.setattr(text_lines, "line_starts", lambda t: splits.append(1) or real_starts(t))
    assert _nodes_of(tmp_path, "\n".join("assert (x, 'm')" for _ in range(2000))) == 2000
    assert calls == []
    assert len(splits) <= 4  # per cell: its source and its Python text, not once per node


def test_N05b_a_long_literal_and_a_long_non_ascii_line(tmp_path):
    assert _nodes_of(tmp_path, "s = '" + "é" * 200_000 + "'; assert (s, 'm')") == 1


def test_N06_opaque_cells_are_found_once(tmp_path, monkeypatch):
    from nblint.analysis import symbols

    path = _nb(tmp_path, *[f"v{i} = {i}" for i in range(300)], "from m import *", "print(later)", "later = 1")
    scans = []
    real = symbols._cell_symbols
    monkeypatch.setattr(symbols, "_cell_symbols", lambda c: scans.append(1) or real(c))
    result = lint_path(str(path), Settings(select=("hidden-state",)))
    assert result.diagnostics == []  # the star import may bind `later`
    assert len(scans) == 303


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "+".join(["1"] * 3000),
        "y = " + " if c else ".join(["a"] * 1500),
        "z = " + "not " * 1500 + "x",
        "w = a" + ".b" * 3000 + "()" * 1000,
        "f = " + "lambda: " * 600 + "q",
        "def g() -> " + " | ".join(["A"] * 2000) + ":\n    return None",
        "if a:\n    pass\n" + "elif a:\n    pass\n" * 1500 + "else:\n    raise SystemExit",
        "if r.status_code != " + "+".join(["1"] * 3000) + ":\n    raise ValueError",
        "assert (" + "+".join(["1"] * 3000) + ", 'm')",
        "def h():\n    try:\n        run()\n    except Exception:\n        return " + "+".join(["1"] * 3000),
        "p = f'/home/ana/{" + "+".join(["1"] * 3000) + "}'",
        "import sys\ntry:\n    run()\nexcept Exception:\n    print('x', file=" + "+".join(["e"] * 3000) + ")",
    ],
    ids=[
        "sum",
        "ifexp",
        "not",
        "chain",
        "lambdas",
        "annotation",
        "elif",
        "compare",
        "assert",
        "return",
        "fstring",
        "print-file",
    ],
)
def test_N07_deep_expressions_do_not_recurse(tmp_path, source):
    path = _raw_nb(tmp_path, source)
    result = lint_path(str(path), SETTINGS, fix=True)
    assert result.status != "error", result.message


def test_N08_stream_text_list_holding_null(tmp_path):
    output = {"output_type": "stream", "name": "stderr", "text": ["Traceback (most recent call last):\n", None, 3]}
    path = _nb(tmp_path, {"cell_type": "code", "source": "run()", "outputs": [output]})
    result = lint_path(str(path), SETTINGS)
    assert result.status != "error" and "error-output-saved" in {d.name for d in result.diagnostics}


def test_N09_fix_keeps_bom_and_crlf_json_layout(tmp_path):
    text = notebook_json("assert (x, 'm')", "y = 1").replace("\n", "\r\n")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    lint_path(str(path), SETTINGS, fix=True)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf{\r\n")
    assert data.replace(b"assert x, 'm'", b"assert (x, 'm')") == b"\xef\xbb\xbf" + text.encode()


def _project(tmp_path: Path, **files: str | bytes) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for name, content in files.items():
        target = tmp_path / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return _nb(tmp_path, "import pandas")


@pytest.mark.parametrize(
    "pylock",
    ['packages = ["pandas"]', 'packages = "x"', 'packages = [{name = "p", wheels = "x"}]',
     'packages = [{name = "p", sdist = [1]}]', 'packages = [{name = "p", wheels = [{hashes = "x"}]}]',
     'packages = [{name = 5, version = 1}]', 'packages = [{name = "p", marker = 1}]'],
)  # fmt: skip
def test_R01_pylock_of_the_wrong_shape_is_a_problem(tmp_path, pylock):
    nb = _project(tmp_path, **{"pylock.toml": pylock})
    problems = discover(str(nb)).requirements.problems
    assert problems and all(p.location.path.endswith("pylock.toml") for p in problems)
    assert lint_path(str(nb), SETTINGS).status != "error"


@pytest.mark.parametrize(
    "pyproject",
    ["project = [1]", 'project = "x"', "[project]\ndependencies = 5", "[project]\ndependencies = [1, 'numpy']"],
)
def test_R02_pyproject_project_of_the_wrong_shape(tmp_path, pyproject):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    nb = _nb(tmp_path, "import numpy")
    discover(str(nb))
    assert lint_path(str(nb), SETTINGS).status != "error"
    result = run_nblint("env", "show", str(nb))
    assert result.returncode == 0 and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["loop", "long", "nul", "chain", "diamond"])
def test_R03_to_R06_include_pathologies_become_problems(tmp_path, kind):
    nb = _project(tmp_path)
    req = tmp_path / "requirements.txt"
    if kind == "loop":
        os.symlink("loop.txt", tmp_path / "loop.txt")
        req.write_text("-r loop.txt\n")
    elif kind == "long":
        req.write_text("-r " + "a" * 300 + ".txt\n")
    elif kind == "nul":
        req.write_bytes(b"# " + b"x" * 5000 + b"\n-r a\x00b.txt\n")
    elif kind == "chain":
        req.write_text("-r d0.txt\n")
        for i in range(1200):
            (tmp_path / f"d{i}.txt").write_text(f"-r d{i + 1}.txt\n")
    else:  # each file included twice, 30 levels: 2**30 paths, 30 files
        req.write_text("-r d0.txt\n")
        for i in range(30):
            (tmp_path / f"d{i}.txt").write_text(f"-r d{i + 1}.txt\n-r d{i + 1}.txt\n")
        (tmp_path / "d30.txt").write_text("pandas==2.2.2\n")
    requirements = discover(str(nb)).requirements
    if kind == "diamond":
        assert [r.name for r in requirements.requirements] == ["pandas"]
    else:
        assert requirements.problems
    assert len(requirements.files) <= 102
    result = run_nblint("env", "show", str(nb))
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_R07_R08_requirements_append_keeps_bytes_and_line_ends(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    nb = _nb(tmp_path, "!pip install pandas==2.2.2\nimport pandas")
    req = tmp_path / "requirements.txt"
    req.write_bytes(b"caf\xe9==1.0\r\nnumpy==1.26.4")  # latin-1, CRLF, no final newline
    diff = lint_path(str(nb), SETTINGS, diff=True, unsafe=True).diff
    assert "+pandas==2.2.2" in diff
    lint_path(str(nb), SETTINGS, fix=True, unsafe=True)
    assert req.read_bytes() == b"caf\xe9==1.0\r\nnumpy==1.26.4\r\npandas==2.2.2\r\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [("pyproject.toml", b'tool = "x"'), ("pyproject.toml", b"tool = [1]"), ("pyproject.toml", b"[tool]\nx = '\xe9'"),
     ("nblint.toml", b"level = '\xe9'"), ("pylock.toml", b"packages = '\xe9'")],
)  # fmt: skip
def test_R09_R10_toml_of_the_wrong_shape_or_encoding(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    nb = _nb(tmp_path, "x = 1")
    for args in (["lint", str(nb)], ["lint", str(nb), "--config", str(tmp_path / name)], ["env", "show", str(nb)]):
        result = run_nblint(*args)
        assert result.returncode in (0, 1, 2) and "Traceback" not in result.stderr, result.stderr
        if result.returncode == 2:
            assert len(result.stderr.strip().splitlines()) == 1 and name in result.stderr


def test_X01_new_files_honour_the_umask_and_stay_atomic(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
    existing = tmp_path / "existing.txt"
    existing.write_text("old")
    existing.chmod(0o604)
    link = tmp_path / "link.txt"
    link.symlink_to(existing.name)
    write_atomic(link, b"new")
    assert link.is_symlink() and existing.read_bytes() == b"new" and existing.stat().st_mode & 0o777 == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.txt", "link.txt", "new.txt"]


def test_X01_nblint_new_writes_readable_files(tmp_path):
    result = run_nblint("new", "--template", "api-ingestion", "x.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("x.ipynb", "requirements.txt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_fix_refuses_a_notebook_it_cannot_rewrite_exactly(tmp_path):
    """A cell without a "source" key: the JSON map has no place for it, so nothing is written."""
    doc = {"cells": [{"cell_type": "code", "metadata": {}}, {"cell_type": "code", "source": "assert (x, 'm')"}],
           "metadata": {}, "nbformat": 4, "nbformat_minor": 4}  # fmt: skip
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(doc))
    lint_path(str(path), SETTINGS, fix=True)
    assert parse(path.read_bytes(), str(path)).cells[1].source == "assert x, 'm'"
    assert "source" not in json.loads(path.read_text())["cells"][0]


def test_a_dockerfile_that_is_not_utf8_is_one_line(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(b"FROM python:3.11-slim\n# caf\xe9\n")
    nb = _nb(tmp_path, "x = 1")
    result = run_nblint("env", "dockerfile", str(nb))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Dockerfile (not UTF-8 text)" in lines[0]


@pytest.mark.parametrize("fmt", ["text", "json", "lsp", "github"])
def test_a_file_name_that_is_not_utf8_prints(tmp_path, fmt):
    (tmp_path.joinpath(os.fsdecode(b"\xff.ipynb"))).write_text(notebook_json("assert (x, 'm')"), encoding="utf-8")
    result = run_nblint("lint", ".", "--format", fmt, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "\\udcff" in result.stdout
