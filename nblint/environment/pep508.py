"""PEP 508 requirement strings: the common plain ones read by one regular expression, the rest by packaging.

Importing `packaging.requirements` costs ~40 ms (its marker grammar pulls in tags, logging, subprocess and
platform), more than linting a notebook. Nearly every line of a requirements file or pyproject.toml is a
plain `name[extras] op version, ...`: those are read here to exactly what packaging gives (the name as
written, the extras sorted, the specifier in packaging's normal form), and anything else, markers, URLs,
local versions and every invalid string, goes to packaging. tests/test_pep508.py holds the two to the same
answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_SUFFIX = r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"  # canonical pre/post/dev only
_CLAUSE = (
    rf"(?:==|!=)\s*{_RELEASE}(?:\.\*|{_SUFFIX})"
    rf"|~=\s*[0-9]+(?:\.[0-9]+)+{_SUFFIX}"  # ~= needs two release parts
    rf"|(?:<=|>=|<|>)\s*{_RELEASE}{_SUFFIX}"
)
_PLAIN = re.compile(
    rf"\s*(?P<name>{_NAME})\s*"
    rf"(?:\[\s*(?P<extras>{_NAME}(?:\s*,\s*{_NAME})*)?\s*\])?\s*"
    rf"(?P<specifier>(?:{_CLAUSE})(?:\s*,\s*(?:{_CLAUSE}))*)?\s*"
)
_OPERATOR = re.compile(r"[=!~<>]+")


class InvalidRequirement(ValueError):
    """Not a PEP 508 requirement; the message is packaging's."""


@dataclass(frozen=True)
class Pep508:
    """A parsed requirement string."""

    name: str  # as written
    extras: tuple[str, ...] = ()  # sorted
    specifier: str = ""  # packaging's normal form: clauses without spaces, sorted, comma-joined
    marker: str | None = None
    url: str | None = None


def parse(text: str) -> Pep508:
    match = _PLAIN.fullmatch(text)
    if match is not None:
        clauses = [re.sub(r"\s+", "", c) for c in (match["specifier"] or "").split(",") if c.strip()]
        operators = [_OPERATOR.match(c).group() for c in clauses]
        if len(set(operators)) == len(operators):  # packaging folds `>=1,>=1.0` into one clause: leave it that
            extras = (e.strip() for e in (match["extras"] or "").split(",") if e.strip())
            return Pep508(match["name"], tuple(sorted(set(extras))), ",".join(sorted(clauses)))
    return _packaging(text)


def _packaging(text: str) -> Pep508:
    from packaging.requirements import InvalidRequirement as Invalid
    from packaging.requirements import Requirement

    try:
        parsed = Requirement(text)
    except Invalid as exc:
        raise InvalidRequirement(str(exc)) from None
    marker = str(parsed.marker) if parsed.marker else None
    return Pep508(parsed.name, tuple(sorted(parsed.extras)), str(parsed.specifier), marker, parsed.url)
