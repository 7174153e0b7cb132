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
    "invalid-notebook": "iwee",
    "undefined-name": "iwee",
    "error-output-saved": "iwee",
    "hidden-state": "iwee",
    "never-executed": "iiii",
    "unexecuted-cell": "iiiw",
    "skipped-execution-count": "iiii",
    "ineffective-assertion": "ieee",
    "swallowed-exception": "ieee",
    "exit-code-masking": "ieee",
    "none-on-error": "ieee",
    "missing-assertion": "iwee",
    "unchecked-io": "iwee",
    "missing-type-hints": "iowe",
    "warnings-suppressed": "iwee",
    "hardcoded-secret": "ieee",
    "insecure-tls": "iwee",
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
    # notebook hygiene: what pynblint and Julynter check; advice, never a failure before production
    "empty-cell": "iiii",
    "late-import": "iiii",
    "long-cell": "iiii",
    "missing-title": "iiii",
    "missing-opening-markdown": "iiii",
    "missing-closing-markdown": "iiii",
    "non-portable-filename": "iiiw",
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


# Job-spec style switches, as (key, value) -> {check: letters}: what turning one on (or off) does to a
# check's severity at each level. Keys are the `[tool.nblint]` names; the job spec's camelCase maps onto them.
SWITCHES: dict[tuple[str, bool], dict[str, str]] = {
    ("allow-unpinned", True): {"unpinned-requirement": "oooo"},
    ("fail-on-conflict", False): {"conflicting-requirement": "iwww"},
    ("verify-hashes", True): {"missing-hash": "ieee"},
    ("verify-hashes", False): {"missing-hash": "oooo"},
    ("fail-on-stderr", True): {"stderr": "ieee"},
    ("fail-on-warnings", True): {"warning": "ieee"},
    ("require-explicit-exit-codes", True): {"exit-code": "ieee"},
    ("check-output-types", True): {"expected-output": "ieee"},
    ("detect-silent-failures", False): {c: "oooo" for c in ("none-result", "nan-value", "inf-value", "empty-data")},
}

# Switches a level turns on unless they are set explicitly: production demands hashes.
LEVEL_SWITCHES: dict[str, dict[str, bool]] = {"production": {"verify-hashes": True}}


def switches_at(level: str, switches: dict[str, bool | None] | None = None) -> dict[str, bool]:
    """The switches in force at `level`: the explicit ones (None means unset) over the level's own."""
    explicit = {key: value for key, value in (switches or {}).items() if value is not None}
    return {**LEVEL_SWITCHES.get(level, {}), **explicit}


def resolve(
    name: str,
    level: str,
    overrides: dict[str, Severity] | None = None,
    switches: dict[str, bool | None] | None = None,
) -> Severity:
    """The one place a rule's or runtime check's severity is decided.

    An explicit override (config `severity`, `--fail-on`, `--ignore-check`) wins; then a switch in force
    (`allow-unpinned`, `verify-hashes`, ...); then the level table.
    """
    if overrides and name in overrides:
        return overrides[name]
    for key, value in switches_at(level, switches).items():
        letters = SWITCHES.get((key, value), {}).get(name)
        if letters is not None:
            return _LETTERS[letters[LEVELS.index(level)]]
    return severity(name, level)


def severity(name: str, level: str) -> Severity:
    """The level table's severity, before overrides and switches (see `resolve`)."""
    letters = SEVERITIES.get(name)
    if letters is None:
        raise KeyError(f"{name!r} has no row in the level table (nblint/levels.py)")
    return _LETTERS[letters[LEVELS.index(level)]]


def fails(severity_: Severity, level: str) -> bool:
    threshold = FAIL_AT[level]
    return threshold is not None and severity_ >= threshold
