"""Code actions: quick fixes, "disable for this line / cell", and source.fixAll.nblint.

Every edit replaces whole cells (or, for text documents, the lines a cell spans): the same text
`nblint lint --fix` would write, whatever the client's document looks like.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from nblint.server import engine_api as core
from nblint.server.diagnostics import Locator, Published
from nblint.server.documents import Model, code_units, path_uri

FIX_ALL = "source.fixAll.nblint"
MAX_PASSES = 10


def code_actions(
    model: Model,
    published: list[Published],
    uri: str,
    where: types.Range,
    only: list[str] | None,
    locator: Locator,
    unsafe: bool,
    settings: core.Settings,
) -> list[types.CodeAction]:
    wanted = _wanted(only)
    actions: list[types.CodeAction] = []
    hits = [p for p in published if p.uri == uri and _overlaps(p.lsp.range, where)]
    if "quickfix" in wanted:
        for p in hits:
            fix = p.finding.fix
            if fix is not None and (fix.safe or unsafe):
                actions.append(_quick_fix(model, p, fix, locator))
        for p in hits:
            if p.finding.cell is not None and p.finding.path == model.notebook.path:
                actions += _disable(model, p, locator)
    if FIX_ALL in wanted or "source" in wanted:
        edit = fix_all(model, settings, locator, unsafe)
        if edit is not None:
            actions.append(types.CodeAction("nblint: fix all", kind=FIX_ALL, edit=edit))
    return actions


def _wanted(only: list[str] | None) -> set[str]:
    if not only:
        return {"quickfix", FIX_ALL}
    kinds = set()
    for kind in only:
        if kind in ("quickfix", "") or "quickfix".startswith(kind):
            kinds.add("quickfix")
        if FIX_ALL.startswith(kind) or kind == "source":
            kinds.add(FIX_ALL)
    return kinds


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _quick_fix(model: Model, p: Published, fix: core.Fix, locator: Locator) -> types.CodeAction:
    sources = core.fixed_sources(model.notebook, [fix])
    changes = _cell_edits(model, sources, locator)
    changes += _file_edits(fix.appends)
    return types.CodeAction(
        f"nblint: {fix.message}" + ("" if fix.safe else " (unsafe: also edits other files)"),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[p.lsp],
        is_preferred=fix.safe,
        edit=types.WorkspaceEdit(document_changes=changes),
    )


def fix_all(model: Model, settings: core.Settings, locator: Locator, unsafe: bool) -> types.WorkspaceEdit | None:
    """Every fix, pass after pass until none applies, as one edit."""
    nb, sources, appends = model.notebook, {}, []
    for _ in range(MAX_PASSES):
        try:
            findings = core.lint_notebook(nb, settings, model.skip)
        except core.RuleError:
            break
        fixes = [d.fix for d in findings if d.fix and (d.fix.safe or unsafe)]
        step = core.fixed_sources(nb, fixes)
        if not step:
            break
        appends += [a for f in fixes for a in f.appends]
        sources.update(step)
        nb = core.with_sources(nb, step)
    if not sources:
        return None
    return types.WorkspaceEdit(document_changes=[*_cell_edits(model, sources, locator), *_file_edits(appends)])


def _cell_edits(model: Model, sources: dict[int, str], locator: Locator) -> list:
    by_uri: dict[str, list[types.TextEdit]] = {}
    for number, text in sorted(sources.items()):
        old = model.notebook.cells[number - 1].source.split("\n")
        place = locator.cell_place(number)
        end = types.Position(place.line + len(old) - 1, code_units(old[-1], locator.encoding))
        by_uri.setdefault(place.uri, []).append(types.TextEdit(types.Range(types.Position(place.line, 0), end), text))
    return [
        types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(uri, None), edits)
        for uri, edits in by_uri.items()
    ]


def _file_edits(appends) -> list:
    out: list = []
    for path, text in core.appended_files(appends).items():
        uri = path_uri(str(path))
        if Path(path).exists():
            old = Path(path).read_text(encoding="utf-8").split("\n")
            end = types.Position(len(old) - 1, code_units(old[-1], "utf-16"))
        else:
            out.append(types.CreateFile(uri, options=types.CreateFileOptions(ignore_if_exists=True)))
            end = types.Position(0, 0)
        out.append(
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri, None),
                [types.TextEdit(types.Range(types.Position(0, 0), end), text)],
            )
        )
    return out


def _disable(model: Model, p: Published, locator: Locator) -> list[types.CodeAction]:
    d = p.finding
    name = d.name
    source = model.notebook.cells[d.cell - 1].source
    lines = source.split("\n")
    out = []
    if d.span is not None and 1 <= d.span.line <= len(lines):
        line = lines[d.span.line - 1]
        found = core.disable_directive(line)
        lines_new = list(lines)
        lines_new[d.span.line - 1] = (
            line[: found.end_column - 1] + f",{name}" + line[found.end_column - 1 :]
            if found
            else f"{line}  # nblint: disable={name}"
        )
        out.append(_edit_action(model, p, f"nblint: disable {name} for this line", "\n".join(lines_new), locator))
    first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    found = core.disable_directive(lines[first]) if lines else None
    if found and found.standalone:
        head = lines[first]
        cut = found.end_column - 1
        cell_new = "\n".join([*lines[:first], head[:cut] + f",{name}" + head[cut:], *lines[first + 1 :]])
    else:
        cell_new = f"# nblint: disable={name}\n{source}"
    out.append(_edit_action(model, p, f"nblint: disable {name} for this cell", cell_new, locator))
    return out


def _edit_action(model: Model, p: Published, title: str, new_source: str, locator: Locator) -> types.CodeAction:
    return types.CodeAction(
        title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[p.lsp],
        edit=types.WorkspaceEdit(document_changes=_cell_edits(model, {p.finding.cell: new_source}, locator)),
    )
