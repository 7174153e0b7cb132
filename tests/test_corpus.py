"""Robustness on ~740 real notebooks written by others: no crash, no traceback, clear errors only."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, run_nblint

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not next to the project")


def test_whole_corpus_lints_without_crashing():
    proc = run_nblint("lint", str(CORPUS), "--format", "json", "--level", "production")
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["files"]) > 700
    errors = [f for f in doc["files"] if f["status"] == "error"]
    assert not [f for f in errors if "internal error" in (f["message"] or "")]
    # Only the files nbformat's own test suite ships as broken may fail to load.
    assert {f["path"].rsplit("/", 1)[-1] for f in errors} <= {
        "test3_no_metadata.ipynb",
        "test3_no_worksheets.ipynb",
        "test3_worksheet_with_no_cells.ipynb",
    }


def test_every_output_format_handles_the_corpus():
    folder = CORPUS / "operator"
    for fmt in ("text", "sarif", "lsp", "github"):
        proc = run_nblint("lint", str(folder), "--format", fmt, "--level", "production")
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr
