"""Strictness levels are data: one table of severities per rule and runtime check."""

from __future__ import annotations

from nblint.diagnostics import Severity

LEVELS = ("learning", "development", "staging", "production")
DEFAULT_LEVEL = "development"

# The lowest severity that fails a run at each level; None: never fails.
FAIL_AT: dict[str, Severity | None] = {
    "learning": None,
    "development": Severity.ERROR,
    "staging": Severity.ERROR,
    "production": Severity.WARNING,
}

_LETTERS = {"o": Severity.OFF, "i": Severity.INFO, "w": Severity.WARNING, "e": Severity.ERROR}

# One letter per level, in LEVELS order: o(ff) i(nfo) w(arning) e(rror).
SEVERITIES: dict[str, str] = {
    # static rules
    "syntax-error": "ieee",
    "unknown-suppression": "iwwe",
    "error-output-saved": "iwee",
    "hidden-state": "iwee",
    "ineffective-assertion": "ieee",
    "swallowed-exception": "ieee",
    "exit-code-masking": "ieee",
    "none-on-error": "ieee",
    "missing-assertion": "iwee",
    "unchecked-io": "iwee",
    "missing-type-hints": "iowe",
    "warnings-suppressed": "iwee",
    "hardcoded-secret": "ieee",
    "absolute-path": "iwwe",
    "inline-install": "iwee",
    "invalid-requirement": "ieee",
    "unpinned-requirement": "iwee",
    "missing-hash": "oowe",
    "conflicting-requirement": "ieee",
    "duplicate-requirement": "iiii",
    "undeclared-import": "iwee",
    "unused-requirement": "iiii",
    "insecure-index": "iwee",
    # runtime checks (nblint validate)
    "exception": "ieee",
    "exit-code": "ieee",
    "kernel-died": "ieee",
    "timeout": "ieee",
    "none-result": "ieee",
    "nan-value": "ieee",
    "inf-value": "ieee",
    "empty-data": "iwee",
    "expected-output": "iwee",
    "stderr": "iwee",
    "warning": "iwwe",
}


def severity(name: str, level: str) -> Severity:
    letters = SEVERITIES.get(name)
    if letters is None:
        raise KeyError(f"{name!r} has no row in the level table (nblint/levels.py)")
    return _LETTERS[letters[LEVELS.index(level)]]


def fails(severity_: Severity, level: str) -> bool:
    threshold = FAIL_AT[level]
    return threshold is not None and severity_ >= threshold
