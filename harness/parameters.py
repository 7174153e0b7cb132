"""Parameters for a run (`-p name=value`), injected papermill-style into the notebook the kernel runs."""

from __future__ import annotations

import ast
import json
from typing import Any


def inject(nb, parameters: dict[str, Any]) -> list[int | None]:
    """Add a cell tagged `injected-parameters` after the `parameters` cell (or first); changes `nb`.

    Returns, for each executed position, the user's cell number (None for the injected cell).
    """
    numbers: list[int | None] = list(range(1, len(nb.cells) + 1))
    if not parameters:
        return numbers
    from nbformat.v4 import new_code_cell

    source = "# Parameters\n" + "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    position = tagged[0] + 1 if tagged else 0
    nb.cells.insert(position, cell)
    numbers.insert(position, None)
    return numbers


def parse_parameter(text: str) -> tuple[str, Any]:
    """`-p name=value`: numbers, true/false/none and JSON become values; anything else stays a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name.isidentifier():
        raise ValueError(f"parameter {text!r} must look like name=value")
    lowered = raw.strip().lower()
    if lowered in {"true", "false"}:
        return name, lowered == "true"
    if lowered in {"none", "null"}:
        return name, None
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        pass
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw
