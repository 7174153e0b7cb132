"""What every command shares: the one-line error that exits 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print `error: message` on stderr and exit 2 (bad input or usage): never a traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
