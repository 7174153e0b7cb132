from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
SCHEMAS = ROOT / "tests" / "fixtures" / "schemas"  # vendored: the SARIF 2.1.0 schema and the reference CRD


def notebook_json(*cells, language: str = "python", nbformat_minor: int = 5) -> str:
    """A notebook in Jupyter's own on-disk style (indent 1, sorted keys, list sources)."""
    out = []
    for i, cell in enumerate(cells, start=1):
        if isinstance(cell, str):
            cell = {"cell_type": "code", "source": cell}
        cell = dict(cell)
        source = cell["source"]
        cell["source"] = source.splitlines(keepends=True) if isinstance(source, str) else source
        cell.setdefault("metadata", {})
        cell.setdefault("id", f"c{i}")
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        out.append(cell)
    nb = {
        "cells": out,
        "metadata": {
            "kernelspec": {"name": "python3", "language": language, "display_name": "k"},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": nbformat_minor,
    }
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.fixture
def write_nb(tmp_path):
    def write(name: str, *cells, **kwargs) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook_json(*cells, **kwargs), encoding="utf-8")
        return path

    return write


def run_nblint(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real console entry point in a fresh process."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "nblint", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_project(root: Path, files: dict[str, str]) -> Path:
    """A project folder (marked by .git) holding the given files."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def buildah(*args: str, storage: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Debian's buildah with its own storage under `storage` (vfs driver, chroot isolation)."""
    cmd = ["buildah", "--storage-driver", "vfs", "--root", str(storage / "root"), "--runroot", str(storage / "run")]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def busybox_base_image(workdir: Path, storage: Path, tag: str = "localhost/nblint-base") -> str:
    """A local base image (no registry is reachable here): busybox plus tests/fixtures/fake_base/python."""
    import shutil

    context = workdir / "base"
    (context / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox"), context / "bin" / "busybox")
    shutil.copy(ROOT / "tests" / "fixtures" / "fake_base" / "python", context / "bin" / "python")
    (context / "bin" / "python").chmod(0o755)
    (context / "Containerfile").write_text(
        'FROM scratch\nCOPY bin/ /bin/\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
    )
    made = buildah("bud", "--isolation", "chroot", "-t", tag, "-f", "Containerfile", ".", cwd=context, storage=storage)
    assert made.returncode == 0, made.stderr
    return tag
