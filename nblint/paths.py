"""Where nblint keeps what it can rebuild: the distribution map, virtual environments, kernelspecs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """`$XDG_CACHE_HOME/nblint`, else `~/.cache/nblint`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nblint"
