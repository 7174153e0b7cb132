"""The `# nblint:` comment grammar, and what lint does with it."""

from __future__ import annotations

from nblint import directives
from nblint.config import Settings
from nblint.engine import active_rules, check_notebook
from nblint.rule import example


def test_disable_names_and_position():
    line = "x = f()  # nblint: disable=swallowed-exception, NB102"
    (d,) = directives.parse_line(line, 4)
    assert (d.kind, d.names, d.args, d.line) == ("disable", ("swallowed-exception", "NB102"), "", 4)
    assert line[d.column - 1 : d.end_column - 1] == "# nblint: disable=swallowed-exception, NB102"
    assert not d.standalone
    assert d.covers(("NB102", "exit-code-masking")) and not d.covers(("hidden-state", "NB401"))


def test_all_covers_every_rule():
    assert directives.first("#nblint:disable=all", "disable").covers(("hidden-state", "NB401"))


def test_allow_and_expect():
    allow = directives.first("   # nblint: allow=nan-result,empty-result", "allow")
    assert allow.names == ("nan-result", "empty-result") and allow.standalone
    expect = directives.first("# nblint: expect type=float range=[0.7, 1.0]", "expect")
    assert (expect.names, expect.args, expect.standalone) == ((), "type=float range=[0.7, 1.0]", True)


def test_not_directives():
    for line in ("x = 1", "# nblint disable=a", "# nblint: disable=", "# nblint: expect", "# nblint: expect=x"):
        assert directives.parse_line(line) == [], line


def test_each_kind_is_found_after_another():
    # `expect` takes the rest of the line, yet a `disable` after it is still seen.
    found = directives.parse_line("# nblint: expect not_empty  # nblint: disable=hidden-state")
    assert [d.kind for d in found] == ["expect", "disable"]
    assert directives.first("# nblint: allow=x  # nblint: disable=y", "disable").names == ("y",)
    assert not directives.first("# nblint: allow=x  # nblint: disable=y", "disable").standalone


def _lint(*cells: str) -> list[tuple[str, int | None, int | None]]:
    nb = example(*cells).notebook()
    rules = [
        (r, s) for r, s in active_rules(Settings(), nb.path) if r.name in {"hardcoded-secret", "unknown-suppression"}
    ]
    return [(d.name, d.cell, d.line) for d in check_notebook(nb, rules)]


def test_a_line_directive_silences_its_line_and_a_first_line_one_its_cell():
    secret = "db_password = 'S3cure!Passw0rd'"
    assert _lint(f"{secret}\n{secret}") == [("hardcoded-secret", 1, 1), ("hardcoded-secret", 1, 2)]
    assert _lint(f"{secret}  # nblint: disable=hardcoded-secret\n{secret}") == [("hardcoded-secret", 1, 2)]
    assert _lint(f"# nblint: disable=NB501\n{secret}\n{secret}") == []
    # Only a comment that is the whole first line speaks for the cell.
    assert _lint(f"{secret}  # nblint: disable=all\n{secret}") == [("hardcoded-secret", 1, 2)]


def test_an_unknown_name_is_reported_where_it_is_written():
    assert _lint("x = 1\ny = 2  # nblint: disable=hardcoded-secrets,NB501,nb101") == [("unknown-suppression", 1, 2)]
