"""The server's document model on its own: position encodings and JupyterLab virtual documents."""

from __future__ import annotations

import pytest

from nblint.server.documents import code_units, kind_of, real_notebook, split_virtual, virtual_model


@pytest.mark.parametrize(("encoding", "expected"), [("utf-16", 5), ("utf-8", 10), ("utf-32", 4)])
def test_code_units(encoding: str, expected: int):
    assert code_units("a😀é€", encoding) == expected


def test_document_kinds():
    assert kind_of("file:///p/.virtual_documents/a.ipynb") == "virtual"
    assert kind_of("file:///p/requirements-dev.txt") == kind_of("file:///p/pyproject.toml") == "requirements"
    assert kind_of("file:///p/constraints.txt") == "requirements"
    assert kind_of("file:///p/job.py") == "script" and kind_of("file:///p/notes.md") == ""
    assert real_notebook("file:///p/.virtual_documents/sub/a%20b.ipynb") == "/p/sub/a b.ipynb"


def test_split_keeps_blank_lines_inside_saved_cells():
    saved = ["import os", "def f():\n    pass\n\n\ndef g():\n    pass", "print(1)"]
    text = "\n\n\n".join(saved) + "\n"
    assert split_virtual(text, saved) == [(0, saved[0]), (3, saved[1]), (11, saved[2])]
    # without the saved notebook, the separator is all there is to go on
    assert [start for start, _ in split_virtual(text, None)][:3] == [0, 3, 7]


def test_split_an_edited_cell_between_unchanged_ones():
    saved = ["a = 1", "b = 2", "c = 3"]
    current = ["a = 1", "b = 2\nb += 1", "new = 0", "c = 3"]
    text = "\n\n\n".join(current)
    segments = split_virtual(text, saved)
    assert [t for _, t in segments] == current
    lines = text.split("\n")
    assert all(lines[start] == t.split("\n")[0] for start, t in segments)


def test_line_magics_are_undone():
    model = virtual_model(
        "file:///nowhere/.virtual_documents/x.ipynb",
        "get_ipython().run_line_magic('pip', 'install pandas')\nfiles = get_ipython().getoutput('ls')",
    )
    assert model.notebook.cells[0].source == "%pip install pandas\n!ls"
    # every rule that judges saved outputs or execution counts, and only those
    from nblint.registry import all_rules

    assert set(model.skip) == {r.name for r in all_rules() if r.needs_saved_state} >= {"error-output-saved"}
