"""Editor integration: jupyter-lsp finds the server through its entry point, and the spec it gets starts it."""

from __future__ import annotations

import json
import subprocess

import pytest


def test_jupyter_lsp_discovers_nblint():
    jupyter_lsp = pytest.importorskip("jupyter_lsp")
    manager = jupyter_lsp.LanguageServerManager()
    manager.init_language_servers()  # loads the jupyter_lsp_spec_v1 entry points and validates each spec
    spec = manager.language_servers["nblint"]
    assert spec["languages"] == ["python"] and "text/x-ipython" in spec["mime_types"]
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}).encode()
    exit_ = json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode()
    stdin = b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(m), m) for m in (body, exit_))
    out = subprocess.run(spec["argv"], input=stdin, capture_output=True, timeout=60)
    assert b'"serverInfo"' in out.stdout and b'"nblint"' in out.stdout
