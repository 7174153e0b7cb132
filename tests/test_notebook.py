"""Reading notebooks: every version nbformat understands, and clear errors for everything else."""

from __future__ import annotations

import json

import pytest

from nblint.notebook import NotebookError, load, parse


def test_reads_v4_cells_with_numbers_ids_and_outputs(write_nb):
    path = write_nb(
        "a.ipynb",
        {"cell_type": "markdown", "source": "# Title"},
        {"cell_type": "code", "source": "x = 1\ny = 2", "execution_count": 3, "outputs": [{"output_type": "stream"}]},
    )
    nb = load(path)
    assert [c.number for c in nb.cells] == [1, 2]
    assert nb.cells[0].cell_type == "markdown"
    code = nb.cells[1]
    assert (code.source, code.id, code.execution_count, len(code.outputs)) == ("x = 1\ny = 2", "c2", 3, 1)


def test_upgrades_v3(tmp_path):
    import nbformat
    from nbformat import v3

    nb3 = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[v3.new_code_cell(input="a = 1\nb = a")])])
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.v3.writes_json(nb3), encoding="utf-8")
    nb = load(path)
    assert nb.nbformat == 3
    assert [c.source for c in nb.cells] == ["a = 1\nb = a"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"   \n", "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b'{"cells": [', "invalid JSON at line 1 column 12"),
        (b'{\n "cells": [],\n "nbformat": 4,\n}', "invalid JSON at line 4"),
        (b'{"cells": [], "nbformat": 4, "x": "\xff\xfe"}', "not UTF-8"),
        (b"[1, 2, 3]", "not a Jupyter notebook"),
        (b'{"cells": []}', "not a Jupyter notebook"),
        (b'{"cells": [], "nbformat": 5, "metadata": {}}', "nbformat 5 is newer"),
        (b'{"cells": {}, "nbformat": 4, "metadata": {}}', "'cells' must be a list"),
        (b'{"cells": [{"source": "x"}], "nbformat": 4, "metadata": {}}', "cell 1 has no 'cell_type'"),
        (b'{"nbformat": 3, "metadata": {}}', "could not be upgraded"),
        (b"[" * 100000, "nested too deeply"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, content, expected):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError) as info:
        load(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(NotebookError, match="cannot read file"):
        load(tmp_path / "nope.ipynb")
    with pytest.raises(NotebookError, match="is a directory"):
        load(tmp_path)


def test_bom_is_accepted(tmp_path, write_nb):
    path = write_nb("bom.ipynb", "x = 1")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load(path).cells[0].source == "x = 1"


def test_language_detection(write_nb):
    assert load(write_nb("r.ipynb", "x <- 1", language="R")).is_python is False
    assert load(write_nb("p.ipynb", "x = 1")).is_python is True
    path = write_nb("bare.ipynb", "x = 1")
    data = json.loads(path.read_text())
    data["metadata"] = {"kernelspec": "python3"}  # seen in the wild: not a dict
    path.write_text(json.dumps(data))
    assert load(path).is_python is True


def _raw(*cells, **top):
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}).encode()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ({"cell_type": "code", "id": "a", "metadata": {}, "source": "x = 1", "execution_count": None},
         "code cell has no 'outputs'"),
        ({"cell_type": "code", "id": "a", "source": "x = 1", "outputs": [], "execution_count": None},
         "code cell has no 'metadata'"),
        ({"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None},
         "code cell has no 'source'"),
        ({"cell_type": "code", "id": "a", "metadata": {}, "source": 3, "outputs": [], "execution_count": None},
         "'source' must be a string or a list, not int"),
        ({"cell_type": "code", "id": "a", "metadata": {}, "source": "", "outputs": [], "execution_count": "1"},
         "'execution_count' must be an integer or null, not str"),
        ({"cell_type": "markdown", "id": "a", "metadata": [], "source": "# t"},
         "'metadata' must be an object, not list"),
        ({"cell_type": "markdown", "metadata": {}, "source": "# t"},
         "markdown cell has no 'id' (required from nbformat 4.5)"),
        ({"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1,
          "outputs": [{"output_type": "stream", "name": "stdout"}]}, "stream output 1 has no 'text'"),
        ({"cell_type": "heading", "id": "a", "metadata": {}, "source": "t"},
         "unknown cell_type 'heading' (code, markdown or raw)"),
    ],
)  # fmt: skip
def test_schema_departures_are_kept_and_the_cells_still_read(cell, expected):
    good = {"cell_type": "code", "id": "b", "metadata": {}, "source": "y = 2", "outputs": [], "execution_count": 1}
    nb = parse(_raw(cell, good), "nb.ipynb")
    assert [(p.cell, p.message) for p in nb.problems] == [(1, expected)]
    assert nb.cells[1].source == "y = 2" and len(nb.cells) == 2


def test_a_notebook_jupyter_wrote_has_no_schema_problems(write_nb):
    nb = load(write_nb("ok.ipynb", {"cell_type": "markdown", "source": "# t"}, "x = 1"))
    assert nb.problems == ()
    assert parse(_raw(nbformat_minor=4, cells=[{"cell_type": "raw", "metadata": {}, "source": ""}]), "a").problems == ()
    future = {"cell_type": "future cell", "metadata": {}, "source": ""}  # a newer minor may add cell types
    assert parse(_raw(future, nbformat_minor=99), "b").problems == ()


def test_top_level_keys_are_checked_too():
    raw = json.dumps({"cells": [], "nbformat": 4}).encode()
    assert [p.message for p in parse(raw, "nb.ipynb").problems] == [
        "the notebook has no 'metadata'",
        "the notebook has no 'nbformat_minor'",
    ]


def test_lint_reports_a_schema_departure_as_a_finding_not_bad_input(tmp_path):
    from conftest import run_nblint

    broken = {"cell_type": "code", "id": "a", "metadata": {}, "source": "try:\n    x = 1\nexcept Exception:\n    pass"}
    path = tmp_path / "written-by-a-tool.ipynb"
    path.write_bytes(_raw({"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# t"}, broken))
    proc = run_nblint("lint", str(path), "--format", "json")
    assert proc.returncode == 1, proc.stderr  # linted: swallowed-exception still fails the run
    found = {(d["name"], d["cell"]): d["message"] for d in json.loads(proc.stdout)["files"][0]["diagnostics"]}
    assert "cell 2: code cell has no 'outputs'" in found["invalid-notebook", 2]
    assert ("swallowed-exception", 2) in found


def test_v3_is_read_as_nbformat_reads_it_without_importing_nbformat(tmp_path):
    """The native v3 upgrade gives what nbformat's does, for everything nblint reads."""
    import subprocess
    import sys

    import nbformat
    from nbformat import v3

    code = v3.new_code_cell(input="print(1)\n1/0", prompt_number=4, outputs=[
        v3.new_output("stream", output_text="1\n", stream="stdout"),
        v3.new_output("pyout", output_text="2", output_html="<b>2</b>", prompt_number=4),
        v3.new_output("display_data", output_png="iVBOR"),
        v3.new_output("pyerr", ename="ZeroDivisionError", evalue="division by zero", traceback=["tb"]),
    ])  # fmt: skip
    cells = [v3.new_heading_cell("Title", level=2), v3.new_text_cell("markdown", source="text"), code,
             v3.new_text_cell("raw", source="raw")]  # fmt: skip
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.v3.writes_json(v3.new_notebook(worksheets=[v3.new_worksheet(cells=cells)])))
    ours = load(path)
    theirs = nbformat.read(path, as_version=4)
    assert [c.cell_type for c in ours.cells] == [c.cell_type for c in theirs.cells]
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert ours.cells[2].execution_count == theirs.cells[2].execution_count == 4

    def plain(value):  # on disk a text may be a list of lines; nbformat joins them when it reads
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "transient"}
        return "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value

    assert [plain(o) for o in ours.cells[2].outputs] == [plain(dict(o)) for o in theirs.cells[2].outputs]
    probe = f"import sys; from nblint.notebook import load; load({str(path)!r}); assert 'nbformat' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_v2_is_read_as_nbformat_reads_it_without_importing_nbformat(tmp_path):
    """Version 2 stores texts as lines without their ends; nbformat joins them with newlines, and so do we."""
    import subprocess
    import sys

    import nbformat

    code = {
        "cell_type": "code",
        "input": ["x = 1", "print(x)"],
        "prompt_number": 2,
        "language": "python",
        "collapsed": False,
        "outputs": [
            {"output_type": "stream", "stream": "stdout", "text": ["1", "2"]},
            {"output_type": "pyout", "text": ["a", "b"], "prompt_number": 2},
        ],
    }
    doc = {"metadata": {"name": "old"}, "nbformat": 2, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["# Title", "", "text"]}, code]}]}  # fmt: skip
    path = tmp_path / "v2.ipynb"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ours, theirs = load(path), nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source) for c in ours.cells] == [(c.cell_type, c.source) for c in theirs.cells]
    assert ours.cells[1].source == "x = 1\nprint(x)" and ours.cells[1].execution_count == 2
    texts = [o.get("text", o.get("data", {}).get("text/plain")) for o in ours.cells[1].outputs]
    assert texts == [o.get("text", o.get("data", {}).get("text/plain")) for o in theirs.cells[1].outputs]
    probe = f"import sys; from nblint.notebook import load; load({str(path)!r}); assert 'nbformat' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True)
