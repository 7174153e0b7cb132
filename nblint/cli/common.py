"""What every command shares: the one-line error that exits 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print `error: message` on stderr and exit 2 (bad input or usage): never a traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def use_color(stream) -> bool:
    """Colour on a terminal; FORCE_COLOR forces it, NO_COLOR and TERM=dumb turn it off (FORCE_COLOR wins)."""
    import os

    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def split_commas(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select a,b --select c` -> (a, b, c), as ruff and pylint take them."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
