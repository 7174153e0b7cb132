"""Kubernetes label selectors, matched client-side (the CLI asks whether an operator's selector covers a job)."""

from __future__ import annotations

import re

_SET = re.compile(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)")


def matches(labels: dict[str, str], selector: str | None) -> bool:
    """Equality- and set-based selectors: `a=b,c!=d,e,!f,g in (x,y),h notin (z)`; empty matches all."""
    for term in re.split(r",(?![^()]*\))", selector or ""):
        term = term.strip()
        if not term:
            continue
        if m := _SET.fullmatch(term):
            values = {v.strip() for v in m.group(3).split(",")}
            if (labels.get(m.group(1)) in values) != (m.group(2) == "in"):
                return False
        elif "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.split("=", 1)
            if labels.get(key.strip().rstrip("=")) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True
