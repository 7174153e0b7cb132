"""What the server lints: a notebook model built from whatever the client sent, and the map from
each of its cells back to a place in a client document (a cell URI, or lines of one text document).

Kept free of pygls so it is plain, fast and testable on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from nblint.server import engine_api as core

VIRTUAL_FOLDER = ".virtual_documents"
# JupyterLab-LSP leaves two blank lines between the cells of its virtual document.
VIRTUAL_SEPARATOR = "\n\n\n"
_PERCENT_CELL = re.compile(r"^# ?%%(?!%)")
# JupyterLab-LSP rewrites IPython syntax into calls so Python servers can parse it; undo that so the
# magic-aware rules (inline-install, ...) see what the user wrote.
_LINE_MAGIC = re.compile(r"""^(\s*)get_ipython\(\)\.run_line_magic\((['"])(\w+)\2,\s*(['"])(.*)\4\)\s*$""")
_SHELL = re.compile(r"""^(\s*)(?:\w+\s*=\s*)?get_ipython\(\)\.(?:getoutput|system)\((['"])(.*)\2\)\s*$""")


@dataclass(frozen=True)
class Place:
    """Where a cell lives in the client: `uri`, starting at 0-based `line` of that document."""

    uri: str
    line: int = 0


@dataclass(frozen=True)
class Model:
    """A notebook to lint and where each of its cells (by 1-based number) is shown."""

    notebook: core.Notebook
    places: dict[int, Place]
    uri: str  # the document the client opened (notebook, script, or virtual document)
    kind: str  # "notebook" | "script" | "virtual"
    skip: tuple[str, ...] = ()  # rules not to run on this model


def uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "") else ""


def path_uri(path: str) -> str:
    return Path(path).resolve().as_uri()


def kind_of(uri: str) -> str:
    """How a text document is linted: "virtual", "script", "requirements" or "" (not ours)."""
    path = PurePosixPath(uri_path(uri) or urlparse(uri).path)
    if VIRTUAL_FOLDER in path.parts or path.name.endswith(".ipynb") or path.name.endswith(".ipynb.py"):
        return "virtual"
    if core.is_requirement_file(path):
        return "requirements"
    if path.suffix == ".py":
        return "script"
    return ""


def real_notebook(uri: str) -> str:
    """The notebook on disk behind a JupyterLab-LSP virtual document: `<root>/.virtual_documents/a/b.ipynb`
    stands for `<root>/a/b.ipynb`."""
    parts = PurePosixPath(uri_path(uri)).parts
    if VIRTUAL_FOLDER in parts:
        i = parts.index(VIRTUAL_FOLDER)
        parts = parts[:i] + parts[i + 1 :]
    path = str(PurePosixPath(*parts)) if parts else ""
    return path[: -len(".py")] if path.endswith(".ipynb.py") else path


def code_units(text: str, encoding: str) -> int:
    """The length of `text` in the client's position encoding (utf-16 unless negotiated)."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def notebook_model(uri: str, cells: list[dict], metadata: dict | None = None) -> Model:
    """A notebook from notebook document sync. `cells`: dicts with uri, kind ("code"/"markdown"), text,
    execution_count and metadata. Outputs are not synced, so they come from the saved file, matched by source."""
    path = uri_path(uri) or uri
    saved = _saved_outputs(path)
    records = []
    for c in cells:
        outputs = saved.get(c["text"], [])
        records.append(
            {
                "cell_type": c["kind"],
                "source": c["text"],
                "id": c.get("id"),
                "outputs": outputs.pop(0) if outputs else (),
                "execution_count": c.get("execution_count"),
                "metadata": c.get("metadata") or {},
            }
        )
    nb = core.notebook(path, records, metadata)
    return Model(nb, {i: Place(c["uri"]) for i, c in enumerate(cells, start=1)}, uri, "notebook")


def _saved(path: str) -> core.Notebook | None:
    """The notebook as saved, parsed once per file version (the client syncs sources, not outputs)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _saved_cached(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _saved_cached(path: str, _mtime: int, _size: int) -> core.Notebook | None:
    try:
        return core.parse_notebook(Path(path).read_bytes(), path)
    except (OSError, core.NotebookError):
        return None


def _saved_outputs(path: str) -> dict[str, list[tuple]]:
    nb = _saved(path)
    if nb is None:
        return {}
    out: dict[str, list[tuple]] = {}
    for cell in nb.cells:
        out.setdefault(cell.source, []).append(cell.outputs)
    return out


def script_model(uri: str, text: str) -> Model:
    """A .py file: one cell, or one per `# %%` marker (the percent format of VS Code, Spyder, jupytext)."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _PERCENT_CELL.match(line)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    ends = [*starts[1:], len(lines)]
    segments = [(start, "\n".join(lines[start:end])) for start, end in zip(starts, ends, strict=True)]
    model = _segments_model(uri, uri_path(uri) or uri, segments, "script")
    return Model(model.notebook, model.places, uri, "script", core.skipped_in_scripts())


def virtual_model(uri: str, text: str) -> Model:
    """JupyterLab-LSP's virtual document: the code cells joined by two blank lines, magics rewritten.

    Cells are found by anchoring on the saved notebook: cells unchanged since the save match from the
    front and the back; what is left between them (the cells being edited) is split at the separator.
    Without a saved notebook the whole text is split at the separator.
    """
    path = real_notebook(uri)
    saved = _saved_code(path)
    segments = split_virtual(text, saved)
    model = _segments_model(uri, path, [(s, _unmagic(t)) for s, t in segments], "virtual")
    return Model(model.notebook, model.places, uri, "virtual", core.skipped_in_virtual())


def _saved_code(path: str) -> list[str] | None:
    nb = _saved(path)
    return None if nb is None else [c.source for c in nb.cells if c.is_code]


def split_virtual(text: str, saved: list[str] | None) -> list[tuple[int, str]]:
    """(first line, text) of each cell of a virtual document."""
    lines = text.split("\n")
    cells = [c.split("\n") for c in saved or []]

    def blank(start: int, stop: int) -> bool:  # a separator, or the document's edge
        return all(not line for line in lines[max(start, 0) : stop])

    head: list[tuple[int, str]] = []
    pos = 0
    while (
        cells and lines[pos : pos + len(cells[0])] == cells[0] and blank(pos + len(cells[0]), pos + len(cells[0]) + 2)
    ):
        head.append((pos, "\n".join(cells[0])))
        pos += len(cells.pop(0)) + 2
    tail: list[tuple[int, str]] = []
    end = len(lines)
    while end > 0 and not lines[end - 1] and not tail:
        end -= 1  # the trailing newline(s) after the last cell
    while cells and end - len(cells[-1]) >= pos and lines[end - len(cells[-1]) : end] == cells[-1]:
        start = end - len(cells[-1])
        if start > pos and not blank(start - 2, start):
            break
        tail.insert(0, (start, "\n".join(cells.pop())))
        end = start - 2
    middle: list[tuple[int, str]] = []
    if pos < end or not (head or tail):
        chunk = "\n".join(lines[pos:end]) if pos < end else ""
        line = pos
        for part in chunk.split(VIRTUAL_SEPARATOR):
            middle.append((line, part))
            line += part.count("\n") + 3
    return head + middle + tail


def _unmagic(source: str) -> str:
    out = []
    for line in source.split("\n"):
        magic = _LINE_MAGIC.match(line)
        shell = _SHELL.match(line) if magic is None else None
        if magic:
            args = magic.group(5)
            line = f"{magic.group(1)}%{magic.group(3)}{' ' if args and not args.startswith(' ') else ''}{args}"
        elif shell:
            line = f"{shell.group(1)}!{shell.group(3)}"
        out.append(line)
    return "\n".join(out)


def json_model(uri: str, text: str) -> Model:
    """A .ipynb opened as a plain text document (its JSON, e.g. in Neovim): findings go on the JSON lines."""
    path = uri_path(uri) or uri
    nb = core.parse_notebook(text.encode("utf-8"), path)
    return Model(nb, {c.number: Place(uri) for c in nb.cells}, uri, "json")


def _segments_model(uri: str, path: str, segments: list[tuple[int, str]], kind: str) -> Model:
    nb = core.notebook(path, [{"cell_type": "code", "source": t} for _, t in segments])
    return Model(nb, {i: Place(uri, start) for i, (start, _) in enumerate(segments, start=1)}, uri, kind)
