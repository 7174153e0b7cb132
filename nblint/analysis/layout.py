"""What a notebook's saved file shows besides code: which cells hold anything, which ran, its headings."""

from __future__ import annotations

import re

from nblint.notebook import Cell, Notebook

# `#Title` without the space is a heading to classic Jupyter's renderer, if not to CommonMark.
_ATX = re.compile(r"^ {0,3}#{1,6}(?:\s|$|[^#\s!])", re.M)
_SETEXT = re.compile(r"^ {0,3}\S.*\n {0,3}(?:=+|-+)\s*$", re.M)
_HTML_HEADING = re.compile(r"<h[1-6][\s>]", re.I)


def has_content(cell: Cell) -> bool:
    return bool(cell.source.strip())


def content_cells(nb: Notebook) -> list[Cell]:
    """Cells that hold anything, raw cells (front matter, build directives) left out."""
    return [c for c in nb.cells if has_content(c) and c.cell_type != "raw"]


def code_with_content(nb: Notebook) -> list[Cell]:
    return [c for c in nb.cells if c.is_code and has_content(c)]


def ran(cell: Cell) -> bool:
    """Did the saved notebook run this cell? (a count, or outputs the count was stripped from)"""
    return cell.execution_count is not None or bool(cell.outputs)


def skipped_on_purpose(cell: Cell) -> bool:
    """Tagged to be skipped (nbmake's `skip-execution`, papermill/nbval style `skip`) or `nblint.skip`."""
    tags = cell.metadata.get("tags")
    nblint = cell.metadata.get("nblint")
    tagged = isinstance(tags, list) and any("skip" in str(tag).lower() for tag in tags)
    return tagged or (isinstance(nblint, dict) and bool(nblint.get("skip")))


def errors_expected(cell: Cell, nb: Notebook) -> bool:
    """The author means this cell to fail, or not to run: nbval / nbmake / nbclient / nbsphinx conventions."""
    tags = cell.metadata.get("tags")
    if (isinstance(tags, list) and "raises-exception" in tags) or skipped_on_purpose(cell):
        return True
    first = cell.source.lstrip().split("\n", 1)[0].strip().upper()
    if first in {"# NBVAL_SKIP", "# NBVAL_RAISES_EXCEPTION"}:
        return True
    return any(isinstance(nb.metadata.get(key), dict) and nb.metadata[key].get("allow_errors") is True
               for key in ("nbsphinx", "execution"))  # fmt: skip


def has_heading(markdown: str) -> bool:
    return bool(_ATX.search(markdown) or _SETEXT.search(markdown) or _HTML_HEADING.search(markdown))


def first_line_end(cell: Cell) -> int:
    """The column just past the cell's first line, for a finding about the whole cell."""
    return len(cell.source.split("\n")[0]) + 1
