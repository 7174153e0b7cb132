"""One place decides severities: overrides, then switches in force, then the level table."""

from __future__ import annotations

import pytest

from nblint.diagnostics import Severity
from nblint.levels import LEVELS, SWITCHES, fails, resolve, severity, switches_at


def test_without_overrides_or_switches_the_table_decides():
    for level in LEVELS:
        assert resolve("swallowed-exception", level) == severity("swallowed-exception", level)


def test_an_override_wins_over_switches_and_table():
    overrides = {"missing-hash": Severity.INFO}
    assert resolve("missing-hash", "production", overrides, {"verify-hashes": True}) == Severity.INFO


@pytest.mark.parametrize("level", LEVELS)
def test_allow_unpinned_turns_the_rule_off_everywhere(level):
    assert resolve("unpinned-requirement", level, switches={"allow-unpinned": True}) == Severity.OFF
    assert resolve("unpinned-requirement", level, switches={"allow-unpinned": False}) == severity(
        "unpinned-requirement", level
    )


def test_conflicts_only_warn_when_fail_on_conflict_is_off():
    off = {"fail-on-conflict": False}
    assert resolve("conflicting-requirement", "production", switches=off) == Severity.WARNING
    assert resolve("conflicting-requirement", "learning", switches=off) == Severity.INFO
    assert resolve("conflicting-requirement", "staging") == Severity.ERROR


def test_production_demands_hashes_unless_told_otherwise():
    assert switches_at("production")["verify-hashes"] is True
    assert "verify-hashes" not in switches_at("staging")
    assert switches_at("production", {"verify-hashes": None})["verify-hashes"] is True  # unset keeps the level's
    assert resolve("missing-hash", "production", switches={"verify-hashes": False}) == Severity.OFF
    assert resolve("missing-hash", "development", switches={"verify-hashes": True}) == Severity.ERROR


def test_learning_never_fails_whatever_a_switch_says():
    for (key, value), checks in SWITCHES.items():
        for name in checks:
            assert not fails(resolve(name, "learning", switches={key: value}), "learning"), (key, name)


def test_every_switched_check_has_a_table_row():
    for checks in SWITCHES.values():
        for name in checks:
            severity(name, "development")
