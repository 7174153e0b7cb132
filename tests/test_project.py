"""The project checks itself: lint, docs in sync, packaging layout, light start-up."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

from nblint.docs import rule_page
from nblint.levels import LEVELS, SEVERITIES, severity
from nblint.registry import all_rules

HEAVY = ("nbformat", "libcst", "astroid", "pandas", "numpy", "nbclient", "kubernetes", "jsonschema", "IPython")


def test_ruff_lint_and_format():
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rule_pages_are_in_sync():
    folder = ROOT / "docs" / "rules"
    expected = {f"{rule.name}.md": rule_page(rule) for rule in all_rules()}
    actual = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    stale = sorted(name for name in expected if actual.get(name) != expected[name])
    extra = sorted(set(actual) - set(expected))
    assert not stale and not extra, f"run `python -m nblint.docs docs/rules` (stale: {stale}, extra: {extra})"
    from nblint.docs import checks_page

    assert (ROOT / "docs" / "runtime-checks.md").read_text(encoding="utf-8") == checks_page()


def test_every_rule_has_a_level_row_and_no_row_is_orphaned():
    names = {rule.name for rule in all_rules()}
    for name in names:
        for level in LEVELS:
            severity(name, level)
    assert set(SEVERITIES) >= names
    assert all(str(severity(name, "learning")) in {"info", "off"} for name in names)  # learning never blocks


def test_import_and_version_stay_light():
    code = (
        f"import sys, nblint, nblint.cli\nheavy = [m for m in {HEAVY!r} if m in sys.modules]\nassert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['nblint', '--version']\n"
        "try:\n    runpy.run_module('nblint', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)


def test_installed_layout_is_namespaced():
    import nblint.operator_bridge
    import nblint.rules

    assert nblint.rules.__file__.startswith(str(ROOT / "rules"))
    assert nblint.operator_bridge.__file__.startswith(str(ROOT / "operator_bridge"))
    import importlib.util

    assert importlib.util.find_spec("rules") is None or "site-packages" not in str(importlib.util.find_spec("rules"))


def test_level_table_matches_the_documented_policy():
    """learning: info; development: obvious errors fail; production: everything is an error, except the
    two rules the requirements issue keeps at info (a duplicate pin or an unused package never blocks)."""
    errors_at_development = {
        "none-on-error", "swallowed-exception", "exit-code-masking", "ineffective-assertion", "hardcoded-secret",
        "syntax-error", "conflicting-requirement", "invalid-requirement",
    }  # fmt: skip
    added_at_staging = {
        "unchecked-io", "missing-assertion", "hidden-state", "inline-install", "warnings-suppressed",
        "error-output-saved", "unpinned-requirement",
    }  # fmt: skip
    info_only = {"duplicate-requirement", "unused-requirement"}
    # What pynblint and Julynter check: advice about the notebook's layout and saved state, info at every
    # level, except the two that break a shipped notebook's tooling or results (a warning in production).
    layout_advice = {
        "never-executed", "skipped-execution-count", "empty-cell", "late-import", "long-cell", "missing-title",
        "missing-opening-markdown", "missing-closing-markdown",
    }  # fmt: skip
    warn_in_production = {"unexecuted-cell", "non-portable-filename"}
    off_below_staging = {"missing-type-hints": "warning", "missing-hash": "warning"}
    for rule in all_rules():
        name = rule.name
        at = {level: str(severity(name, level)) for level in LEVELS}
        if name in info_only | layout_advice:
            assert set(at.values()) == {"info"}, name
            continue
        if name in warn_in_production:
            assert [at[level] for level in LEVELS] == ["info", "info", "info", "warning"], name
            continue
        assert at["production"] == "error", name
        if name in off_below_staging:
            assert at["development"] == "off" and at["staging"] == off_below_staging[name], name
        elif name in errors_at_development:
            assert at["development"] == "error", name
        else:
            assert at["development"] == "warning", name
        if name in errors_at_development | added_at_staging:
            assert at["staging"] == "error", name


def test_ruff_checks_the_declared_python_floor():
    """ruff's target version is the floor pyproject declares, so code newer than the floor fails its lint."""
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    floor = data["project"]["requires-python"].removeprefix(">=").split(".")
    assert data["tool"]["ruff"]["target-version"] == f"py{floor[0]}{floor[1]}"
