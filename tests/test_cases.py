"""The labelled notebooks in tests/cases/: each rule fires exactly where its bad cases say, and stays
quiet on its good cases (the tricky ones included). bench/accuracy.py turns the same results into
per-rule precision and recall."""

from __future__ import annotations

import pytest
from conftest import ROOT

from bench.accuracy import cases, evaluate
from nblint.registry import all_rules

CASES = cases(ROOT / "tests" / "cases")


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case_matches_its_label(path):
    result = evaluate(path)
    assert result.found == result.expected


def test_every_rule_has_three_bad_and_three_good_cases():
    per_rule: dict[str, list[int]] = {rule.name: [0, 0] for rule in all_rules()}
    for path in CASES:
        result = evaluate(path)
        per_rule[result.rule][0 if result.expected else 1] += 1
    short = {name: counts for name, counts in per_rule.items() if min(counts) < 3}
    assert not short, f"rules with fewer than 3 bad or 3 good cases: {short}"
