"""Every rule runs against its own examples: bad ones must fire where they say, good ones must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from nblint.diagnostics import Severity
from nblint.engine import check_notebook
from nblint.fixes import apply_fixes
from nblint.registry import all_rules

RULES = sorted(all_rules(), key=lambda r: r.code)


def _cases(kind: str):
    for rule in RULES:
        for index, example in enumerate(getattr(rule, kind), start=1):
            yield pytest.param(rule, example, id=f"{rule.name}-{kind}-{index}")


def _run(rule, example, folder):
    """Run one rule on an example, with the example's files written next to the notebook."""
    example.write_files(folder)
    (folder / ".git").mkdir(exist_ok=True)  # the example folder is its own project root
    return check_notebook(example.notebook(str(folder / example.name)), [(rule, Severity.ERROR)])


def _where(diagnostic, folder):
    if diagnostic.cell is not None:
        return (diagnostic.cell, diagnostic.line)
    return (Path(diagnostic.path).relative_to(folder).as_posix(), diagnostic.line)


@pytest.mark.parametrize(("rule", "example"), list(_cases("bad")))
def test_bad_example_fires_where_stated(rule, example, tmp_path):
    assert example.expect, "a bad example must say where the rule fires"
    found = sorted({_where(d, tmp_path) for d in _run(rule, example, tmp_path)}, key=str)
    assert found == sorted(set(example.expect), key=str)


@pytest.mark.parametrize(("rule", "example"), list(_cases("good")))
def test_good_example_is_quiet(rule, example, tmp_path):
    assert _run(rule, example, tmp_path) == []


@pytest.mark.parametrize(("rule", "example"), [c for c in _cases("bad") if c.values[1].fixed is not None])
def test_fix_produces_the_stated_sources(rule, example, tmp_path):
    nb = example.notebook(str(tmp_path / example.name))
    sources, applied = apply_fixes(nb, [d.fix for d in _run(rule, example, tmp_path) if d.fix])
    assert applied
    after = tuple(sources.get(c.number, c.source) for c in nb.cells)
    assert after == example.fixed


def test_every_rule_has_examples_and_text():
    for rule in RULES:
        assert rule.bad and rule.good, rule.name
        assert rule.why and rule.how_to_fix and rule.summary, rule.name
        assert rule.name == rule.name.lower() and " " not in rule.name


def test_names_and_codes_are_unique():
    assert len({r.name for r in RULES}) == len(RULES)
    assert len({r.code for r in RULES}) == len(RULES)


def _stripped(example):
    """The example as an editor's unsaved buffer has it: no execution counts, no outputs."""
    from dataclasses import replace

    return replace(example, cells=tuple(replace(c, execution_count=None, outputs=()) for c in example.cells))


@pytest.mark.parametrize("rule", [r for r in RULES if r.needs_saved_state], ids=lambda r: r.name)
def test_rules_that_declare_saved_state_judge_it(rule, tmp_path):
    """`needs_saved_state` is the language server's cue to skip a rule: it must be true of the rule."""
    changed = []
    for index, example in enumerate((*rule.bad, *rule.good)):
        folder = tmp_path / str(index)
        folder.mkdir()
        saved = {_where(d, folder) for d in _run(rule, example, folder)}
        changed.append(saved != {_where(d, folder) for d in _run(rule, _stripped(example), folder)})
    assert any(changed)
