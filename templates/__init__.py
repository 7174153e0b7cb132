"""Starter notebooks that pass the `production` level, each with a pinned requirements.txt.

Each template is a folder holding `notebook.ipynb` and `requirements.txt`; its name is the folder
name with dashes (`model_training` -> `model-training`).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path


def _root() -> Path:
    return Path(str(resources.files(__name__)))


def available() -> dict[str, Path]:
    """Template name -> its folder."""
    return {
        folder.name.replace("_", "-"): folder
        for folder in sorted(_root().iterdir())
        if (folder / "notebook.ipynb").is_file()
    }


def describe(folder: Path) -> str:
    """The template's title: the first heading of its first markdown cell."""
    cells = json.loads((folder / "notebook.ipynb").read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            return "".join(cell["source"]).split("\n", 1)[0].lstrip("# ").strip()
    return ""
