"""The server spec jupyter-lsp finds through its `jupyter_lsp_spec_v1` entry point.

With `pip install 'nblint[lsp]'` next to JupyterLab (and jupyterlab-lsp), notebooks get nblint's
diagnostics with no further setup. jupyter-lsp is not imported: the spec is plain data.
"""

from __future__ import annotations

import sys
from typing import Any

SPEC_VERSION = 2  # jupyter-lsp's spec schema version


def spec(_manager: Any = None) -> dict[str, dict[str, Any]]:
    return {
        "nblint": {
            "argv": [sys.executable, "-m", "nblint", "server"],
            "display_name": "nblint",
            "languages": ["python"],
            "mime_types": ["text/python", "text/x-ipython"],
            "version": SPEC_VERSION,
            "requires_documents_on_disk": False,
            "urls": {"home": "https://github.com/nblint/nblint", "issues": "https://github.com/nblint/nblint/issues"},
            "install": {"pip": "pip install 'nblint[lsp]'"},
        }
    }
