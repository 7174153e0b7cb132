"""Every rule, by name and code. The catalogue is imported only when rules are needed."""

from __future__ import annotations

from functools import cache

from nblint.rule import Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    from nblint.rules import RULES

    return tuple(cls() for cls in RULES)


@cache
def rule_names() -> frozenset[str]:
    """Every name and code a `disable=` comment may use (besides `all`)."""
    return frozenset(n for rule in all_rules() for n in (rule.name, rule.code))


def find(name_or_code: str) -> Rule | None:
    key = name_or_code.strip()
    for rule in all_rules():
        if key in (rule.name, rule.code) or key.upper() == rule.code:
            return rule
    return None


def matches(rule: Rule, selector: str) -> bool:
    """A selector is a rule name, a code, a code prefix ('NB1') or 'ALL'."""
    selector = selector.strip()
    return selector.upper() == "ALL" or selector == rule.name or rule.code.startswith(selector.upper())


def known_selector(selector: str) -> bool:
    return any(matches(rule, selector) for rule in all_rules())
