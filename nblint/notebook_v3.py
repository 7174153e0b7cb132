"""nbformat 3 notebooks read as version 4, without importing nbformat.

nbformat's own upgrade imports its schema validator, and with it jsonschema, whose import alone can cost
seconds (format checkers that compile grammars). The conversion itself is small; it follows nbformat's
`v4.convert.upgrade` for what nblint reads: cells, sources, execution counts, outputs and metadata.
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


class UpgradeError(ValueError):
    """The file says nbformat 3 but does not have its shape."""


def upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    worksheets = raw.get("worksheets")
    if not isinstance(worksheets, list) or not all(isinstance(w, dict) for w in worksheets):
        raise UpgradeError("'worksheets' must be a list of objects")
    cells = []
    for worksheet in worksheets:
        found = worksheet.get("cells", [])
        if not isinstance(found, list):
            raise UpgradeError("a worksheet's 'cells' must be a list")
        cells += [_cell(c) for c in found]
    metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    metadata = {k: v for k, v in metadata.items() if k != "name"}
    return {"cells": cells, "metadata": {**metadata, "orig_nbformat": 3}, "nbformat": 4, "nbformat_minor": 0}


def _cell(cell: Any) -> dict[str, Any]:
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
            "source": cell.get("input", ""),
            "metadata": metadata,
            "execution_count": count if isinstance(count, int) else None,
            "outputs": [_output(o) for o in outputs if isinstance(o, dict)],
        }
    source = cell.get("source", "")
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
