"""The `# nblint:` comment grammar, parsed in one place for lint, validate and the rules.

# nblint: disable=<rule>[,<rule>...]     silence lint findings (line, or a cell's first line)
# nblint: allow=<check>[,<check>...]     silence runtime checks (line, or a cell's first line)
# nblint: expect <key>[=<value>] ...     declare what a cell's result must be (first line)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["disable", "allow", "expect"]

# A lookahead, so every `#` is tried on its own: an `expect` (which takes the rest of the line)
# never hides a `disable=` after it, and each kind's first occurrence on a line is found.
_DIRECTIVE = re.compile(
    r"(?=(#\s*nblint:\s*(?:(?P<kind>disable|allow)\s*=\s*(?P<names>[\w\-]+(?:\s*,\s*[\w\-]+)*)"
    r"|expect\s+(?P<args>.*))))"
)


@dataclass(frozen=True)
class Directive:
    """One `# nblint:` comment: disable rules, allow checks, or expect a cell's result."""

    kind: Kind
    names: tuple[str, ...]  # the rules (disable) or checks (allow) named, in order; () for expect
    args: str  # what follows `expect`; "" for disable and allow
    line: int  # 1-based, as given by the caller
    column: int  # 1-based column of the `#`
    end_column: int  # 1-based column just past the directive
    standalone: bool  # nothing but whitespace before it: the comment is the whole line

    def covers(self, names: tuple[str, ...]) -> bool:
        """Does this directive name one of `names`, or `all`?"""
        return "all" in self.names or any(n in self.names for n in names)


def parse_line(text: str, line: int = 1) -> list[Directive]:
    """Every directive in one line of source, left to right."""
    if "nblint" not in text:  # the common case, and cheap
        return []
    found = []
    for match in _DIRECTIVE.finditer(text):
        start, end = match.span(1)
        kind = match.group("kind") or "expect"
        names = tuple(n.strip() for n in match.group("names").split(",")) if match.group("names") else ()
        found.append(
            Directive(kind, names, match.group("args") or "", line, start + 1, end + 1, not text[:start].strip())
        )
    return found


def first(text: str, kind: Kind, line: int = 1) -> Directive | None:
    """The first directive of `kind` in one line of source, or None."""
    return next((d for d in parse_line(text, line) if d.kind == kind), None)
