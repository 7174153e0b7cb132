"""The language server end to end: pytest-lsp starts `nblint server` over stdio and drives it."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytest.importorskip("pygls")

SERVER = [sys.executable, "-m", "nblint", "server"]
OPTIONS = {"debounce": 0.05}


def capabilities(encodings: list[str] | None = None) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
            ),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    types.ClientCodeActionKindOptions(value_set=["quickfix", "source.fixAll"])
                )
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, code_description_support=True, data_support=True
            ),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(types.NotebookDocumentSyncClientCapabilities()),
    )


def accept_registrations(lsp_client: LanguageClient) -> None:
    """The server registers its file watchers; the test client records them."""

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        lsp_client.registrations = params.registrations


# the notebook-layout and execution-state rules (info) would add a finding to nearly every test cell
QUIET_CONFIG = '[tool.nblint]\nignore = ["NB7", "NB406", "NB407", "NB408"]\n'


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(QUIET_CONFIG)
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=tmp_path.as_uri(),
            workspace_folders=[types.WorkspaceFolder(tmp_path.as_uri(), "ws")],
            initialization_options=OPTIONS,
        )
    )
    yield
    await lsp_client.shutdown_session()


async def diagnostics_for(client: LanguageClient, uri: str, until=lambda ds: True, timeout: float = 20) -> list:
    """Wait until diagnostics for `uri` arrive that satisfy `until`."""

    async def wait():
        while True:
            if uri in client.diagnostics and until(client.diagnostics[uri]):
                return list(client.diagnostics[uri])
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    try:
        return await asyncio.wait_for(wait(), timeout)
    except TimeoutError:
        got = {u: [(d.code, d.range.start.line) for d in ds] for u, ds in client.diagnostics.items()}
        logs = [m.message for m in client.log_messages]
        raise AssertionError(f"no matching diagnostics for {uri}; got {got}; server log {logs}") from None


def cell_uri(nb: Path, n: int) -> str:
    return f"vscode-notebook-cell:{nb}#W{n}sZmlsZQ%3D%3D"


def open_notebook(client: LanguageClient, nb: Path, sources: list[str], version: int = 1) -> None:
    cells, docs = [], []
    for i, source in enumerate(sources):
        cells.append(types.NotebookCell(types.NotebookCellKind.Code, cell_uri(nb, i)))
        docs.append(types.TextDocumentItem(cell_uri(nb, i), "python", 1, source))
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(nb.as_uri(), "jupyter-notebook", version, cells), docs
        )
    )


def edit_cell(client: LanguageClient, nb: Path, i: int, text: str, version: int) -> None:
    whole = types.Range(types.Position(0, 0), types.Position(10_000, 0))
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(version, nb.as_uri()),
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            types.VersionedTextDocumentIdentifier(uri=cell_uri(nb, i), version=version),
                            [types.TextDocumentContentChangePartial(range=whole, text=text)],
                        )
                    ]
                )
            ),
        )
    )


def codes(ds) -> list[tuple[str, int]]:
    return sorted((d.code, d.range.start.line) for d in ds)


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        return sum(len(x) + 1 for x in lines[: p.line]) + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        start, end = offset(e.range.start), min(offset(e.range.end), len(text))
        text = text[:start] + e.new_text + text[end:]
    return text


@pytest.mark.asyncio
async def test_notebook_sync_edit_moves_diagnostics(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "a.ipynb"
    open_notebook(client, nb, ["x = 1", "assert (x, 'x set')", "print(y)", "y = 2"])
    ds = await diagnostics_for(client, cell_uri(nb, 1))
    assert [d.code for d in ds] == ["NB201"]
    d = ds[0]
    assert d.source == "nblint" and d.severity == types.DiagnosticSeverity.Error
    assert d.code_description.href.endswith("/ineffective-assertion.md")
    hidden = await diagnostics_for(client, cell_uri(nb, 2))
    assert [x.code for x in hidden] == ["NB401"]
    assert hidden[0].severity == types.DiagnosticSeverity.Warning  # development level
    assert (await diagnostics_for(client, cell_uri(nb, 0))) == []

    # fix the assertion: its cell clears; move it down a line: the finding follows
    edit_cell(client, nb, 1, "assert x == 1", 2)
    await diagnostics_for(client, cell_uri(nb, 1), lambda ds: not ds)
    edit_cell(client, nb, 1, "z = 0\nassert (x, 'x set')", 3)
    ds = await diagnostics_for(client, cell_uri(nb, 1), lambda ds: bool(ds))
    assert codes(ds) == [("NB201", 1)]


@pytest.mark.asyncio
async def test_cells_inserted_and_deleted(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "b.ipynb"
    open_notebook(client, nb, ["print(threshold)", "threshold = 0.5"])
    assert [d.code for d in await diagnostics_for(client, cell_uri(nb, 0))] == ["NB401"]
    # insert a defining cell at the top: hidden-state goes away
    new = cell_uri(nb, 9)
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(2, nb.as_uri()),
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        types.NotebookCellArrayChange(0, 0, [types.NotebookCell(types.NotebookCellKind.Code, new)]),
                        did_open=[types.TextDocumentItem(new, "python", 1, "threshold = 0.1")],
                    )
                )
            ),
        )
    )
    await diagnostics_for(client, cell_uri(nb, 0), lambda ds: not ds)
    # delete it again: the finding is back on the cell that reads too early
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(3, nb.as_uri()),
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        types.NotebookCellArrayChange(0, 1, []),
                        did_close=[types.TextDocumentIdentifier(new)],
                    )
                )
            ),
        )
    )
    ds = await diagnostics_for(client, cell_uri(nb, 0), lambda ds: bool(ds))
    assert [d.code for d in ds] == ["NB401"]


@pytest.mark.asyncio
async def test_quick_fix_disable_and_fix_all(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "c.ipynb"
    source = "x = 1\nassert (x, 'x set')"
    open_notebook(client, nb, [source])
    uri = cell_uri(nb, 0)
    [d] = await diagnostics_for(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), d.range, types.CodeActionContext([d]))
    )
    by_title = {a.title: a for a in actions}
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and a.is_preferred)
    [change] = fix.edit.document_changes
    assert change.text_document.uri == uri
    assert apply(source, change.edits) == "x = 1\nassert x, 'x set'"
    line = by_title["nblint: disable ineffective-assertion for this line"].edit.document_changes[0]
    assert apply(source, line.edits) == "x = 1\nassert (x, 'x set')  # nblint: disable=ineffective-assertion"
    cell = by_title["nblint: disable ineffective-assertion for this cell"].edit.document_changes[0]
    assert apply(source, cell.edits).startswith("# nblint: disable=ineffective-assertion\nx = 1")

    # the disabled source really is clean, as the server sees it
    edit_cell(client, nb, 0, apply(source, line.edits), 2)
    await diagnostics_for(client, uri, lambda ds: not ds)
    edit_cell(client, nb, 0, "assert (1, 'a')\nassert (2, 'b')", 3)
    await diagnostics_for(client, uri, lambda ds: len(ds) == 2)
    [fix_all] = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(0, 0)),
            types.CodeActionContext([], only=["source.fixAll.nblint"]),
        )
    )
    assert fix_all.kind == "source.fixAll.nblint"
    assert apply("assert (1, 'a')\nassert (2, 'b')", fix_all.edit.document_changes[0].edits) == (
        "assert 1, 'a'\nassert 2, 'b'"
    )


@pytest.mark.asyncio
async def test_hover_explains_the_rule(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "d.ipynb"
    open_notebook(client, nb, ["try:\n    run()\nexcept Exception:\n    pass"])
    [d] = await diagnostics_for(client, cell_uri(nb, 0))
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(cell_uri(nb, 0)), d.range.start)
    )
    text = result.contents.value
    assert "swallowed-exception" in text and "**Why:**" in text and "```python" in text
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(cell_uri(nb, 0)), types.Position(1, 0))
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_utf16_positions(client: LanguageClient, tmp_path: Path):
    script = tmp_path / "s.py"
    text = "label = '😀😀'; assert (label, 'set')"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(script.as_uri(), "python", 1, text))
    )
    [d] = await diagnostics_for(client, script.as_uri())
    assert d.code == "NB201"
    # two emoji before the asserted tuple: 2 code points, 4 UTF-16 code units
    assert d.range.start.character == text.index("(label") + 2


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client32(lsp_client: LanguageClient, tmp_path: Path):
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(["utf-32"]), root_uri=tmp_path.as_uri())
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf32
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_negotiated_utf32_positions(client32: LanguageClient, tmp_path: Path):
    script = tmp_path / "s.py"
    text = "label = '😀😀'; assert (label, 'set')"
    client32.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(script.as_uri(), "python", 1, text))
    )
    [d] = await diagnostics_for(client32, script.as_uri())
    assert d.range.start.character == text.index("(label")  # code points


@pytest.mark.asyncio
async def test_script_cells_and_related_requirement(client: LanguageClient, tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    script = tmp_path / "job.py"
    text = "# %%\nimport numpy\n\n# %%\nimport requests\nprint(numpy, requests)\n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(script.as_uri(), "python", 1, text))
    )
    ds = await diagnostics_for(client, script.as_uri())
    undeclared = [d for d in ds if d.code == "NB606"]
    assert [d.range.start.line for d in undeclared] == [4]  # line 5 of the script, in its second cell


@pytest.mark.asyncio
async def test_jupyterlab_virtual_document(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "lab.ipynb"
    saved = ["import os", "x = 1\n\n\ny = 2", "print(z)"]
    nb.write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "execution_count": None,
                   "outputs": [{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}]}
                  for i, s in enumerate(saved)],
    }))  # fmt: skip
    # the edited last cell: hidden-state must see the blank lines inside cell 2 as part of it
    current = [*saved[:2], "print(z)\nget_ipython().run_line_magic('pip', 'install pandas')", "z = 3"]
    uri = (tmp_path / ".virtual_documents" / "lab.ipynb").as_uri()
    text = "\n\n\n".join(current) + "\n"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    ds = await diagnostics_for(client, uri)
    lines = text.split("\n")
    found = {(d.code, lines[d.range.start.line]) for d in ds}
    assert ("NB401", "print(z)") in found  # z is defined in the next cell
    assert ("NB601", "get_ipython().run_line_magic('pip', 'install pandas')") in found
    assert not any(d.code == "NB402" for d in ds)  # saved outputs are not in a virtual document
    assert any("error-output-saved skipped" in m.message for m in client.log_messages)


@pytest.mark.asyncio
async def test_config_reload_and_level(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "e.ipynb"
    open_notebook(client, nb, ["def f(a):\n    return a"])
    assert await diagnostics_for(client, cell_uri(nb, 0)) == []  # missing-type-hints is off at development
    [watch] = client.registrations
    assert watch.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    (tmp_path / "pyproject.toml").write_text(QUIET_CONFIG + 'level = "production"\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent((tmp_path / "pyproject.toml").as_uri(), types.FileChangeType.Created)]
        )
    )
    ds = await diagnostics_for(client, cell_uri(nb, 0), lambda ds: bool(ds))
    assert {d.code for d in ds} == {"NB403"} and ds[0].severity == types.DiagnosticSeverity.Error


@pytest.mark.asyncio
async def test_bad_input_keeps_serving(client: LanguageClient, tmp_path: Path):
    broken = tmp_path / "broken.ipynb"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(broken.as_uri(), "json", 1, '{"nbformat": 4, "cells": [')
        )
    )
    binary = tmp_path / "bin.py"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(binary.as_uri(), "python", 1, "\x00\x01\xff" * 1000))
    )
    # changes for documents nobody opened, and a version from the past
    ghost = tmp_path / "ghost.ipynb"
    edit_cell(client, ghost, 0, "x = 1", 7)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=binary.as_uri(), version=0),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(99, 0), types.Position(99, 5)), text="?"
                )
            ],
        )
    )
    big = tmp_path / "big.ipynb"
    open_notebook(client, big, ["x = 1\n" * 20_000 + "assert (x, 'm')"] * 10)
    ds = await diagnostics_for(client, cell_uri(big, 9), timeout=60)
    assert [d.code for d in ds] == ["NB201"]
    # still alive and correct after all that
    nb = tmp_path / "ok.ipynb"
    open_notebook(client, nb, ["assert (1, 'x')"])
    assert [d.code for d in await diagnostics_for(client, cell_uri(nb, 0))] == ["NB201"]
    assert any("broken.ipynb" in m.message for m in client.log_messages)


@pytest.mark.asyncio
async def test_lint_workspace_command(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "disk.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "source": ["x = 1\n", "assert (x, 'm')"],
         "execution_count": None, "outputs": []}]}, indent=1))  # fmt: skip
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams("nblint.lintWorkspace"))
    assert result["notebooks"] == 1 and result["findings"] == 1
    [d] = await diagnostics_for(client, nb.as_uri())
    line = nb.read_text().split("\n")[d.range.start.line]
    assert "assert (x, 'm')" in line  # the JSON line that holds the cell's source line


@pytest.mark.asyncio
async def test_requirement_file_diagnostics(client: LanguageClient, tmp_path: Path):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy>=1.0\n")
    nb = tmp_path / "uses.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "source": "import numpy", "execution_count": None,
         "outputs": []}]}))  # fmt: skip
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(req.as_uri(), "pip-requirements", 1, req.read_text()))
    )
    [d] = await diagnostics_for(client, req.as_uri())
    assert d.code == "NB602" and d.range.start.line == 0


def test_shutdown_exit_and_tcp(tmp_path: Path):
    """`nblint server --tcp` listens on the address given; exit ends the process with status 0."""
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*SERVER, "--tcp", f"127.0.0.1:{port}"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not listen"
                time.sleep(0.1)

        def send(obj):
            body = json.dumps(obj).encode()
            conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "processId": None}})
        reply = conn.recv(65536).decode()
        assert '"name":"nblint"' in reply.replace(" ", "") and "textDocumentSync" in reply
        send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        time.sleep(0.2)
        send({"jsonrpc": "2.0", "method": "exit"})
        conn.close()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_bad_tcp_address():
    import subprocess

    out = subprocess.run([*SERVER, "--tcp", "nowhere"], capture_output=True, text=True)
    assert out.returncode == 2 and "HOST:PORT" in out.stderr


@pytest.mark.asyncio
async def test_client_settings_set_the_level(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "f.ipynb"
    open_notebook(client, nb, ["def f(a):\n    return a"])
    assert await diagnostics_for(client, cell_uri(nb, 0)) == []
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"nblint": {"level": "production"}})
    )
    ds = await diagnostics_for(client, cell_uri(nb, 0), lambda ds: bool(ds))
    assert {d.code for d in ds} == {"NB403"}
