"""Answers about folders that every notebook in them shares, remembered while a lint run lasts.

For each notebook a run asks where its project root is, which requirement files and Dockerfile the folders
up to it hold, and which local modules sit beside it: ~90 `stat` calls a notebook, with the same answers
for every notebook of a folder. Inside `remembered()` each answer is looked up once; outside it (the
language server between edits, `--watch` between runs) every call looks again, so a new file counts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

T = TypeVar("T")
_memo: dict[tuple, object] | None = None


@contextmanager
def remembered() -> Iterator[None]:
    """Remember folder answers until the block ends (nested blocks share the outer one's)."""
    global _memo
    outer = _memo
    if outer is None:
        _memo = {}
    try:
        yield
    finally:
        _memo = outer


def remember_in_process() -> None:
    """For a pool worker, which lives for one run: remember answers until it exits."""
    global _memo
    if _memo is None:
        _memo = {}


def once_per_run(function: Callable[..., T]) -> Callable[..., T]:
    """Within `remembered()`, `function` runs once per arguments (which must be hashable); its result is
    shared, so it must not be changed by callers."""

    @wraps(function)
    def remembering(*args):
        if _memo is None:
            return function(*args)
        key = (function, *args)
        try:
            return _memo[key]
        except KeyError:
            result = _memo[key] = function(*args)
            return result

    return remembering
