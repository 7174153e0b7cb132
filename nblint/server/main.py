"""The language server: document state in, diagnostics, code actions and hover out.

Documents are linted after a quiet period (the debounce), in a worker thread, from a snapshot of
the document; a result is published only if the document has not changed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from nblint import __version__
from nblint.server import engine_api as core
from nblint.server.actions import FIX_ALL, code_actions
from nblint.server.diagnostics import Locator, Published, to_lsp
from nblint.server.documents import (
    Model,
    json_model,
    kind_of,
    notebook_model,
    path_uri,
    script_model,
    uri_path,
    virtual_model,
)
from nblint.server.hover import hover

log = logging.getLogger("nblint.server")
LINT_WORKSPACE = "nblint.lintWorkspace"
DEFAULT_DEBOUNCE = 0.15  # seconds of quiet after the last change before linting
WATCHED = ("**/pyproject.toml", "**/requirements*.txt", "**/constraints*.txt")


@dataclass
class Options:
    """What the client may set, in initializationOptions or the `nblint` settings section."""

    level: str | None = None
    unsafe_fixes: bool = False
    debounce: float = DEFAULT_DEBOUNCE

    def update(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            return
        raw = raw.get("nblint", raw) if isinstance(raw.get("nblint"), dict) else raw
        if raw.get("level") in (*core.LEVELS, None):
            self.level = raw.get("level", self.level)
        if isinstance(raw.get("unsafeFixes"), bool):
            self.unsafe_fixes = raw["unsafeFixes"]
        if isinstance(raw.get("debounce"), (int, float)) and raw["debounce"] >= 0:
            self.debounce = float(raw["debounce"])


@dataclass
class State:
    """What was last linted and published for one client document."""

    model: Model | None = None
    settings: core.Settings | None = None
    published: list[Published] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)  # URIs we published to on its behalf
    generation: int = 0


class NblintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "nblint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        cells=[types.NotebookCellLanguage("python")], notebook="jupyter-notebook"
                    )
                ],
                save=True,
            ),
        )
        self.options = Options()
        self.states: dict[str, State] = {}
        self.shared: dict[str, dict[str, list[types.Diagnostic]]] = {}  # file URI -> owner URI -> findings
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.settings_cache: dict[str, tuple[core.Settings, str | None]] = {}
        self.last_latency: float | None = None

    # --- helpers ------------------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        log.info(message)
        try:
            self.window_log_message(types.LogMessageParams(kind, message))
        except Exception:  # no client (yet): the Python log has it
            pass

    @property
    def encoding(self) -> str:
        try:
            value = self.workspace.position_encoding
        except RuntimeError:
            return "utf-16"
        return str(getattr(value, "value", value) or "utf-16")

    def settings_for(self, path: str) -> core.Settings:
        folder = str(Path(path).parent)
        if folder not in self.settings_cache:
            settings, error = core.settings_for(path)
            if error:
                self.log(f"nblint: {error}; using the default settings", types.MessageType.Warning)
            self.settings_cache[folder] = (settings, error)
        settings = self.settings_cache[folder][0]
        if self.options.level:
            from dataclasses import replace

            settings = replace(settings, level=self.options.level)
        return settings

    def document(self, uri: str):
        """The client's text document at `uri`, or None (pygls keys documents by unquoted URI)."""
        return self.workspace.text_documents.get(unquote(uri))

    def schedule(self, uri: str, delay: float | None = None) -> None:
        state = self.states.setdefault(uri, State())
        state.generation += 1
        if uri in self.timers:
            self.timers.pop(uri).cancel()
        loop = asyncio.get_running_loop()
        self.timers[uri] = loop.call_later(
            self.options.debounce if delay is None else delay, lambda: loop.create_task(self.lint(uri))
        )

    def snapshot(self, uri: str) -> Model | None:
        """The document as the client has it now, as a model to lint; None when there is none."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            cells = []
            for cell in notebook.cells:
                doc = self.document(cell.document)
                if doc is None:
                    continue
                summary = cell.execution_summary
                cells.append(
                    {
                        "uri": cell.document,
                        "kind": "code" if cell.kind == types.NotebookCellKind.Code else "markdown",
                        "text": doc.source,
                        "execution_count": summary.execution_order if summary else None,
                        "metadata": cell.metadata if isinstance(cell.metadata, dict) else {},
                    }
                )
            return notebook_model(uri, cells, notebook.metadata if isinstance(notebook.metadata, dict) else None)
        doc = self.document(uri)
        if doc is None:
            return None
        kind = kind_of(uri)
        if kind == "virtual":
            is_json = doc.source.lstrip().startswith("{")
            return json_model(uri, doc.source) if is_json else virtual_model(uri, doc.source)
        if kind == "script":
            return script_model(uri, doc.source)
        return None

    # --- linting ------------------------------------------------------------------------------

    async def lint(self, uri: str) -> None:
        self.timers.pop(uri, None)
        state = self.states.get(uri)
        if state is None:
            return
        generation = state.generation
        try:
            if kind_of(uri) == "requirements" and self.workspace.get_notebook_document(notebook_uri=uri) is None:
                await self.lint_requirements(uri)
                return
            model = self.snapshot(uri)
            if model is None:
                return
            settings = self.settings_for(model.notebook.path)
            started = asyncio.get_running_loop().time()
            findings = await asyncio.get_running_loop().run_in_executor(None, self._findings, model, settings)
        except core.NotebookError as exc:
            self.log(f"nblint: {exc}", types.MessageType.Warning)
            self.publish(uri, state, [], None)
            return
        except Exception as exc:  # never let one document take the server down
            log.exception("linting %s failed", uri)
            self.log(f"nblint: cannot lint {uri}: {type(exc).__name__}: {exc}", types.MessageType.Error)
            return
        if state.generation != generation or uri not in self.states:
            return  # changed or closed while we worked: a newer run publishes
        if model.kind == "virtual" and not state.model:
            for name in model.skip:
                self.log(f"nblint: {uri}: {name} skipped: {core.SKIP_REASON}")
        state.model, state.settings = model, settings
        self.publish(uri, state, findings, Locator(model, self.encoding))
        self.last_latency = asyncio.get_running_loop().time() - started

    def _findings(self, model: Model, settings: core.Settings) -> list[core.Diagnostic]:
        try:
            return core.lint_notebook(model.notebook, settings, model.skip)
        except core.RuleError as exc:
            self.log(f"nblint: {exc}", types.MessageType.Error)
            return []

    def publish(self, uri: str, state: State, findings: list[core.Diagnostic], locator: Locator | None) -> None:
        published = to_lsp(findings, locator) if locator else []
        by_target: dict[str, list[types.Diagnostic]] = {}
        if state.model is not None:  # every cell gets a list, so fixed cells clear
            for place in state.model.places.values():
                by_target.setdefault(place.uri, [])
        by_target.setdefault(uri, [])
        owned = set(by_target)
        for p in published:
            if p.uri in owned:
                by_target[p.uri].append(p.lsp)
            else:  # a requirement file this document reads
                by_target.setdefault(p.uri, []).append(p.lsp)
        shared = {t for t in by_target if t not in owned}
        for target in state.targets - set(by_target):
            self.shared.get(target, {}).pop(uri, None)
            if target not in shared:
                by_target.setdefault(target, [])
        state.published, state.targets = published, set(by_target)
        for target, diagnostics in by_target.items():
            if target not in owned:
                self.shared.setdefault(target, {})[uri] = diagnostics
                diagnostics = self._merged(target)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(target, diagnostics))

    def _merged(self, target: str) -> list[types.Diagnostic]:
        seen, out = set(), []
        for diagnostics in self.shared.get(target, {}).values():
            for d in diagnostics:
                key = (d.range.start.line, d.range.start.character, d.code, d.message)
                if key not in seen:
                    seen.add(key)
                    out.append(d)
        return out

    async def lint_requirements(self, uri: str) -> None:
        """A requirement file: lint the notebooks that read it (open ones as the client has them)."""
        path = str(Path(uri_path(uri)).resolve())
        settings = self.settings_for(path)
        loop = asyncio.get_running_loop()

        def work() -> list[types.Diagnostic]:
            out: list[types.Diagnostic] = []
            open_paths = set()
            for state in list(self.states.values()):
                if state.model is None or state.settings is None:
                    continue
                open_paths.add(str(Path(state.model.notebook.path).resolve()))
                if path in core.environment_files(state.model.notebook.path, state.settings):
                    findings = self._findings(state.model, state.settings)
                    mine = [d for d in findings if str(Path(d.path).resolve()) == path]
                    out += [p.lsp for p in to_lsp(mine, Locator(state.model, self.encoding))]
            disk = core.notebooks_under([str(settings.root)], settings)
            disk = [p for p in disk if str(Path(p).resolve()) not in open_paths]
            users = [p for p in disk[:200] if path in core.environment_files(p, settings)]
            for result in core.lint_files(users, settings):
                mine = [d for d in result.diagnostics if str(Path(d.path).resolve()) == path]
                model = Model(core.notebook(result.path, []), {}, path_uri(result.path), "notebook")
                out += [p.lsp for p in to_lsp(mine, Locator(model, self.encoding))]
            return out

        diagnostics = await loop.run_in_executor(None, work)
        self.shared.setdefault(uri, {})["requirements"] = diagnostics
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, self._merged(uri)))

    def relint_all(self) -> None:
        self.settings_cache.clear()
        for uri in list(self.states):
            self.schedule(uri, 0)

    def close(self, uri: str) -> None:
        state = self.states.pop(uri, None)
        if uri in self.timers:
            self.timers.pop(uri).cancel()
        if state is None:
            return
        for target in state.targets:
            owners = self.shared.get(target, {})
            owners.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(target, self._merged(target)))

    def find_state(self, uri: str) -> tuple[str, State] | None:
        """The open document whose findings include `uri` (a cell URI maps to its notebook)."""
        if uri in self.states:
            return uri, self.states[uri]
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None and notebook.uri in self.states:
            return notebook.uri, self.states[notebook.uri]
        return None

    def lint_workspace(self) -> dict[str, int]:
        """Lint every notebook on disk under the workspace folders; findings go on the notebook files."""
        roots = [uri_path(f.uri) for f in self.workspace.folders.values()] or [self.workspace.root_path or "."]
        files = 0
        findings = 0
        for root in roots:
            settings = self.settings_for(str(Path(root) / "x"))
            paths = core.notebooks_under([root], settings)
            for result in core.lint_files(paths, settings):
                files += 1
                uri = path_uri(result.path)
                if uri in self.states:
                    continue  # the client's copy wins
                try:
                    model = json_model(uri, Path(result.path).read_text(encoding="utf-8-sig"))
                except (OSError, UnicodeDecodeError, core.NotebookError):
                    continue
                mine = [d for d in result.diagnostics if d.path == result.path]
                findings += len(result.diagnostics)
                lsp = [p.lsp for p in to_lsp(mine, Locator(model, self.encoding))]
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, lsp))
        return {"notebooks": files, "findings": findings}


def build() -> NblintServer:
    server = NblintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: NblintServer, params: types.InitializeParams) -> None:
        ls.options.update(params.initialization_options)

    @server.feature(types.INITIALIZED)
    def initialized(ls: NblintServer, _params: types.InitializedParams) -> None:
        watch = ls.client_capabilities.workspace
        if watch and watch.did_change_watched_files and watch.did_change_watched_files.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions([types.FileSystemWatcher(g) for g in WATCHED])
            ls.client_register_capability(
                types.RegistrationParams(
                    [types.Registration("nblint-watch", types.WORKSPACE_DID_CHANGE_WATCHED_FILES, options)]
                )
            )

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: NblintServer, params: types.DidChangeConfigurationParams) -> None:
        ls.options.update(params.settings)
        ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: NblintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.log(f"nblint: {len(params.changes)} watched file(s) changed; reloading settings")
        ls.relint_all()

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def nb_open(ls: NblintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def nb_change(ls: NblintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        if ls.workspace.get_notebook_document(notebook_uri=uri) is None:
            ls.log(f"nblint: change for a notebook that is not open: {uri}", types.MessageType.Warning)
            return
        ls.schedule(uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def nb_save(ls: NblintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls.states:
            ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def nb_close(ls: NblintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.close(params.notebook_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NblintServer, params: types.DidOpenTextDocumentParams) -> None:
        if (
            kind_of(params.text_document.uri)
            and ls.workspace.get_notebook_document(cell_uri=params.text_document.uri) is None
        ):
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NblintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.document(uri) is None:
            ls.log(f"nblint: change for a document that is not open: {uri}", types.MessageType.Warning)
        elif uri in ls.states and kind_of(uri) != "requirements":  # requirement files: on save (read from disk)
            ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NblintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if kind_of(uri) in ("requirements",) or uri_path(uri).endswith("pyproject.toml"):
            ls.relint_all()
        if uri in ls.states:
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NblintServer, params: types.DidCloseTextDocumentParams) -> None:
        if params.text_document.uri in ls.states:
            ls.close(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: NblintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        found = ls.find_state(params.text_document.uri)
        if found is None or found[1].model is None or found[1].settings is None:
            return None
        _, state = found
        return code_actions(
            state.model,
            state.published,
            params.text_document.uri,
            params.range,
            params.context.only,
            Locator(state.model, ls.encoding),
            ls.options.unsafe_fixes,
            state.settings,
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: NblintServer, params: types.HoverParams) -> types.Hover | None:
        found = ls.find_state(params.text_document.uri)
        return hover(found[1].published, params.text_document.uri, params.position) if found else None

    @server.command(LINT_WORKSPACE)
    def lint_workspace(ls: NblintServer, *args: Any) -> dict[str, int]:
        return ls.lint_workspace()

    return server


def serve(tcp: tuple[str, int] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="nblint server: %(message)s")
    server = build()
    if tcp:
        server.start_tcp(*tcp)
    else:
        server.start_io()
