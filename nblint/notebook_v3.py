"""nbformat 2 and 3 notebooks read as version 4, without importing nbformat.

nbformat's own upgrade imports its schema validator, and with it jsonschema, whose import alone can cost
seconds (format checkers that compile grammars). The conversion itself is small; it follows nbformat's
`v3.convert.upgrade` (version 2 is version 3 with other line joins) and `v4.convert.upgrade` for what
nblint reads: cells, sources, execution counts, outputs and metadata.
"""

from __future__ import annotations

from typing import Any

# v3 output keys -> v4 MIME types
_MIME = {
    "text": "text/plain",
    "html": "text/html",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "latex": "text/latex",
    "json": "application/json",
    "javascript": "application/javascript",
}


_MULTILINE = ("text", "html", "svg", "latex", "javascript", "json")  # output keys stored as lists of lines


class UpgradeError(ValueError):
    """The file says nbformat 2 or 3 but does not have its shape."""


def _joined(value: Any, major: int) -> Any:
    """A text stored as a list of lines, joined as nbformat's readers do (version 2 and `splitlines()`
    without ends: with newlines; `splitlines(True)`: as they are)."""
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        return value
    if major == 3 and value and value[0].endswith(("\n", "\r")):
        return "".join(value)
    return "\n".join(value)


def upgrade(raw: dict[str, Any], major: int = 3) -> dict[str, Any]:
    worksheets = raw.get("worksheets")
    if not isinstance(worksheets, list) or not all(isinstance(w, dict) for w in worksheets):
        raise UpgradeError("'worksheets' must be a list of objects")
    cells = []
    for worksheet in worksheets:
        found = worksheet.get("cells", [])
        if not isinstance(found, list):
            raise UpgradeError("a worksheet's 'cells' must be a list")
        cells += [_cell(c, major) for c in found]
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    metadata = {k: v for k, v in metadata.items() if k != "name"}
    return {"cells": cells, "metadata": {**metadata, "orig_nbformat": major}, "nbformat": 4, "nbformat_minor": 0}


def _cell(cell: Any, major: int) -> dict[str, Any]:
    if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
        raise UpgradeError("every cell must be an object with a 'cell_type'")
    metadata = dict(cell.get("metadata") or {}) if isinstance(cell.get("metadata"), dict) else {}
    kind = cell["cell_type"]
    if kind == "code":
        if "collapsed" in cell:
            metadata["collapsed"] = cell["collapsed"]
        outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
        count = cell.get("prompt_number")
        return {
            "cell_type": "code",
            "source": _joined(cell.get("input", ""), major),
            "metadata": metadata,
            "execution_count": count if isinstance(count, int) else None,
            "outputs": [
                _output({k: _joined(v, major) if k in _MULTILINE else v for k, v in o.items()})
                for o in outputs
                if isinstance(o, dict)
            ],
        }
    source = _joined(cell.get("source", ""), major)
    if kind == "heading":
        text = "".join(source) if isinstance(source, list) else str(source)
        level = cell.get("level") if isinstance(cell.get("level"), int) else 1
        return {
            "cell_type": "markdown",
            "source": "#" * level + " " + " ".join(text.splitlines()),
            "metadata": metadata,
        }
    return {"cell_type": kind, "source": source, "metadata": metadata}


def _output(output: dict[str, Any]) -> dict[str, Any]:
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": output.get("stream", "stdout"), "text": output.get("text", "")}
    if kind == "pyerr":
        return {"output_type": "error", "ename": output.get("ename", ""), "evalue": output.get("evalue", ""),
                "traceback": output.get("traceback", [])}  # fmt: skip
    if kind in ("pyout", "display_data"):
        data = {mime: output[key] for key, mime in _MIME.items() if key in output}
        metadata = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
        if kind == "pyout":
            count = output.get("prompt_number")
            return {"output_type": "execute_result", "data": data, "metadata": metadata,
                    "execution_count": count if isinstance(count, int) else None}  # fmt: skip
        return {"output_type": "display_data", "data": data, "metadata": metadata}
    return dict(output)
