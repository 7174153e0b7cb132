"""IPython syntax becomes Python line for line, the way IPython's transformer reads it."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from nblint.analysis.cells import CodeCell
from nblint.analysis.magics import transform
from nblint.notebook import Cell


def _python(source: str) -> str:
    result = transform(source)
    ast.parse(result.python)  # whatever we produce must parse
    return result.python


def test_line_magics_and_shell_escapes():
    out = _python("%matplotlib inline\n!pip install pandas\nfiles = !ls data\nt = %time f()\nimport os")
    assert out.split("\n") == [
        "get_ipython().run_line_magic('matplotlib', 'inline')",
        "get_ipython().system('pip install pandas')",
        "files = get_ipython().getoutput('ls data')",
        "t = get_ipython().run_line_magic('time', 'f()')",
        "import os",
    ]


def test_automagic_only_where_the_line_is_not_python():
    # IPython's automagic (on by default) runs `cd ../` as `%cd ../`; a line that is valid Python
    # (`ls`, `cd = 3`, `time.sleep(1)`) stays Python, as IPython keeps it when a name shadows the magic.
    out = _python("cd ../\npip install pandas==2.2\nls\ncd = 3\ntime.sleep(1)\nif ok:\n    cd data")
    assert out.split("\n") == [
        "get_ipython().run_line_magic('cd', '../')",
        "get_ipython().run_line_magic('pip', 'install pandas==2.2')",
        "ls",
        "cd = 3",
        "time.sleep(1)",
        "if ok:",
        "    get_ipython().run_line_magic('cd', 'data')",
    ]
    assert [m.name for m in transform("cd ../\nprint 'x'").magics] == ["cd"]


def test_line_count_is_kept_for_continuations():
    source = "!pip install a \\\n    b\nx = 1"
    out = _python(source)
    assert out.split("\n") == ["get_ipython().system('pip install a b')", "", "x = 1"]
    assert transform(source).magics[0].text == "pip install a b"


def test_indented_escape_keeps_indentation():
    assert _python("for f in fs:\n    !echo {f}").split("\n")[1] == "    get_ipython().system('echo {f}')"


def test_escapes_inside_strings_and_brackets_are_left_alone():
    source = 's = """\n!not a command\n%not a magic\n"""\nfoo(\n    1,\n)\nx = a != b'
    assert _python(source) == source


def test_help_syntax():
    assert _python("df.groupby?") == "get_ipython().run_line_magic('pinfo', 'df.groupby')"
    assert _python("??df") == "get_ipython().run_line_magic('pinfo', 'df')"


def test_python_cell_magic_keeps_body():
    result = transform("%%time\nx = 1\ny = x")
    assert result.is_python and result.cell_magic == "time"
    assert result.python.split("\n") == ["", "x = 1", "y = x"]


def test_other_cell_magics_are_not_python():
    for magic in ("%%bash\nls -l", "%%html\n<b>hi</b>", "%%writefile out.py\nimport os"):
        result = transform(magic)
        assert result.is_python is False


def test_top_level_await_parses():
    cell = CodeCell(Cell(1, "code", "data = await fetch()\nasync with s as c:\n    pass"))
    assert cell.syntax_error is None and cell.tree is not None


def test_columns_count_characters_not_bytes():
    cell = CodeCell(Cell(1, "code", "s = 'héllo'; x = undefined_name"))
    name = next(n for n in ast.walk(cell.tree) if isinstance(n, ast.Name) and n.id == "undefined_name")
    span = cell.span(name)
    assert cell.lines[0][span.column - 1 : span.end_column - 1] == "undefined_name"


_FRAGMENTS = [
    "x = 1", "if a != b:", "    pass", "s = '%d items' % n", "y = x % 2", "z %= 3", "!ls -la", "  %time f()",
    "files = !ls", "t = %timeit -o f()", "df.head?", "??np.mean", "q = a ? b", "# what?", "'''doc", "%%timeit",
    "cd ..", "pip install pandas", "d = {'k': '!'}", "x = 1 \\", "  + 2", "print('done!')", "w = x!=y",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=6))
def test_the_quick_check_never_skips_a_cell_that_transforms(lines):
    """Cells the quick check passes as plain Python are exactly those the full transform leaves alone."""
    from nblint.analysis.magics import _transform, transform

    source = "\n".join(lines)
    quick = transform(source)
    if quick.magics == () and quick.python == source:
        assert _transform(source) == quick
