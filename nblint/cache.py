"""A content-addressed cache of per-notebook lint results, as ruff keeps one: re-runs from pre-commit and
editors cost a hash and a small read instead of a lint.

A result is reused only when everything it depends on is unchanged: nblint's version, the settings, the
notebook's bytes and path, every requirement file its environment reads, the modules next to it that
count as local, and the installed packages (for import-name mapping). The cache lives in
`.nblint_cache/` at the settings' root and holds JSON decoded into known types only, so a cache that
someone else wrote can never run code.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields, is_dataclass
from pathlib import Path

from nblint import __version__
from nblint.config import Settings
from nblint.diagnostics import Append, Diagnostic, Edit, Fix, Related, Severity, Span
from nblint.results import FileResult

FOLDER = ".nblint_cache"
_TYPES = {cls.__name__: cls for cls in (Diagnostic, Span, Fix, Edit, Append, Related)}


class LintCache:
    def __init__(self, root: Path) -> None:
        self.folder = root / FOLDER / __version__

    def key(self, path: str, data: bytes, settings: Settings) -> str:
        from hashlib import sha256

        from nblint.environment.import_names import local_modules, site_stamps
        from nblint.environment.sources import discover

        environment = discover(path, settings)
        local = sorted(local_modules(Path(path).resolve().parent, environment.root))
        depends = [*environment.requirements.files, *(s.path for s in environment.sources)]
        digest = sha256(data)
        for part in (__version__, path, repr(settings), *_stamps(depends), *site_stamps(), *local):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> FileResult | None:
        try:
            doc = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return _result(doc)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, unreadable or from another layout: lint again

    def put(self, key: str, result: FileResult) -> None:
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder.parent / ".gitignore").write_text("# written by nblint\n*\n", encoding="utf-8")
            tmp = self.folder / f"{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(_encode(_fields(result))), encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
        except (OSError, ValueError):
            pass  # a read-only checkout: just slower next time


def _stamps(paths: list[str]) -> list[str]:
    out = []
    for path in sorted(set(paths)):
        try:
            st = os.stat(path)
            out.append(f"{path}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            out.append(f"{path}:missing")
    return out


def _fields(result: FileResult) -> dict:
    doc = {f.name: getattr(result, f.name) for f in fields(result)}
    doc["sources"] = [[cell, text] for cell, text in result.sources.items()]
    doc["file_lines"] = [[path, line, text] for (path, line), text in result.file_lines.items()]
    return doc


def _result(doc: dict) -> FileResult:
    doc = _decode(doc)
    doc["sources"] = {cell: text for cell, text in doc["sources"]}
    doc["file_lines"] = {(path, line): text for path, line, text in doc["file_lines"]}
    doc["env_files"] = tuple(doc["env_files"])
    return FileResult(**doc)


def _encode(value):
    if isinstance(value, Severity):
        return {"$severity": int(value)}
    if is_dataclass(value):
        return {"$type": type(value).__name__, **{f.name: _encode(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if "$severity" in value:
            return Severity(value["$severity"])
        if "$type" in value:
            cls = _TYPES[value["$type"]]
            kwargs = {k: _decode(v) for k, v in value.items() if k != "$type"}
            # frozen value types hold tuples where JSON gives lists
            return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()})
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
