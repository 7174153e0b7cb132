"""Machine-readable outputs: JSON, SARIF (checked against the official schema), LSP and GitHub."""

from __future__ import annotations

import json

import pytest
from conftest import SCHEMAS, run_nblint

from nblint.diagnostics import Severity

CELLS = (
    {"cell_type": "markdown", "source": "# Report"},
    "import os\n\ndef load(p):\n    if not os.path.exists(p):\n        print('missing')\n        return None\n"
    "    return open(p).read()",
    "text = load('a.txt')\nassert (text, 'empty')",
)


def _lint(path, fmt, *extra):
    proc = run_nblint("lint", str(path), "--format", fmt, *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def test_json_document_has_the_contract_keys(write_nb):
    doc = json.loads(_lint(write_nb("nb.ipynb", *CELLS), "json"))
    assert doc["version"] == 1 and doc["level"] == "development"
    [file] = doc["files"]
    assert file["status"] == "failed"
    keys = {
        "code",
        "name",
        "severity",
        "message",
        "path",
        "cell",
        "cell_id",
        "line",
        "column",
        "end_line",
        "end_column",
        "help_url",
        "fix",
    }
    for diag in file["diagnostics"]:
        assert keys <= diag.keys()
    by_name = {d["name"]: d for d in file["diagnostics"]}
    assertion = by_name["ineffective-assertion"]
    assert (assertion["cell"], assertion["cell_id"], assertion["line"], assertion["column"]) == (3, "c3", 2, 8)
    assert assertion["fix"]["edits"][0]["text"] == "text, 'empty'"
    caller = next(d for d in file["diagnostics"] if d["name"] == "none-on-error" and d["cell"] == 3)
    assert caller["related"][0]["cell"] == 2 and caller["related"][0]["line"] == 6
    assert doc["summary"]["errors"] == len([d for d in file["diagnostics"] if d["severity"] == "error"])


@pytest.fixture(scope="module")
def sarif_schema():
    return json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())


def test_sarif_validates_and_points_at_ipynb_lines(write_nb, sarif_schema):
    import jsonschema

    path = write_nb("nb.ipynb", *CELLS)
    doc = json.loads(_lint(path, "sarif"))
    jsonschema.validate(doc, sarif_schema)
    run = doc["runs"][0]
    assert {r["name"] for r in run["tool"]["driver"]["rules"]} >= {"swallowed-exception", "hidden-state"}
    file_lines = path.read_text().split("\n")
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        props = result["properties"]
        cell_source = json.loads(path.read_text())["cells"][props["cell"] - 1]["source"]
        expected = cell_source[props["cellLine"] - 1]
        assert json.loads(file_lines[region["startLine"] - 1].strip().rstrip(",")) == expected
        assert props["cellId"] == f"c{props['cell']}"


def test_sarif_fingerprints_survive_moving_cells(write_nb, sarif_schema):
    # Only the code rules: cells added at the top change what the notebook-layout rules (NB4, NB7) say.
    first = json.loads(_lint(write_nb("a.ipynb", *CELLS), "sarif", "--select", "NB1,NB2"))
    moved = json.loads(_lint(write_nb("b.ipynb", "x = 1", "y = 2", *CELLS), "sarif", "--select", "NB1,NB2"))

    def prints(doc):
        return sorted(r["partialFingerprints"]["nblintLine/v1"] for r in doc["runs"][0]["results"])

    # Same path is part of the key, so compare through a copy at the same path.
    assert len(prints(first)) == len(prints(moved))
    same_path = json.loads(_lint(write_nb("a.ipynb", "x = 1", "y = 2", *CELLS), "sarif", "--select", "NB1,NB2"))
    assert prints(same_path) == prints(first)


def test_sarif_reports_unreadable_files_as_notifications(tmp_path, sarif_schema):
    import jsonschema

    bad = tmp_path / "bad.ipynb"
    bad.write_text("{")
    proc = run_nblint("lint", str(bad), "--format", "sarif")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, sarif_schema)
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "invalid JSON" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_lsp_output_is_zero_based_and_grouped_per_cell(write_nb):
    doc = json.loads(_lint(write_nb("nb.ipynb", *CELLS), "lsp"))
    [file] = doc["files"]
    assert file["uri"].startswith("file://")
    groups = {g["cell"]: g for g in file["cells"]}
    assert set(groups) == {2, 3}
    [assertion] = [d for d in groups[3]["diagnostics"] if d["code"] == "NB201"]
    assert assertion["range"]["start"] == {"line": 1, "character": 7}
    assert assertion["severity"] == 1 and assertion["source"] == "nblint"
    assert assertion["codeDescription"]["href"].endswith("ineffective-assertion.md")
    assert assertion["data"]["cell_id"] == "c3"
    assert assertion["data"]["fix"]["edits"][0]["newText"] == "text, 'empty'"
    assert "relatedInformation" in next(d for d in groups[3]["diagnostics"] if d["code"] == "NB103")


def test_github_annotations(write_nb):
    path = write_nb("nb.ipynb", *CELLS)
    lines = _lint(path, "github").strip().split("\n")
    file_lines = path.read_text().split("\n")
    assertion = next(ln for ln in lines if "NB201" in ln)
    assert assertion.startswith(f"::error file={path},line=")
    line = int(assertion.split("line=")[1].split(",")[0])
    assert "assert (text" in file_lines[line - 1]
    assert "title=ineffective-assertion (NB201)::cell 3, line 2: assert on a tuple" in assertion


def test_each_command_accepts_only_the_formats_that_render_it(write_nb):
    path = str(write_nb("nb.ipynb", "x = 1"))
    for command, fmt in (("lint", "junit"), ("validate", "lsp")):
        proc = run_nblint(command, path, "--format", fmt)
        assert proc.returncode == 2 and "Invalid value for '--format'" in proc.stderr, (command, proc.stderr)
    from nblint.reporters import ReportOptions, render
    from nblint.results import Run

    with pytest.raises(ValueError, match="cannot render a validate run"):
        render("lsp", Run("validate"), ReportOptions("development"))


def test_a_run_has_one_verdict_that_every_format_and_the_exit_code_share(write_nb):
    from nblint.config import Settings
    from nblint.engine import lint_path
    from nblint.reporters import ReportOptions, render
    from nblint.results import CheckResult, Run, ValidationReport

    bad = lint_path(str(write_nb("bad.ipynb", *CELLS)), Settings())
    clean = lint_path(str(write_nb("clean.ipynb", "x = 1")), Settings())
    assert (Run("lint", (clean,)).exit_code, Run("lint", (clean, bad)).exit_code) == (0, 1)
    assert Run("lint", (bad, lint_path("missing.ipynb", Settings()))).exit_code == 2
    reported = CheckResult("stderr", "wrote to stderr: note", 2, "c2", status="reported", severity=Severity.WARNING)
    passed = ValidationReport(bad.path, "development", checks=(reported,), cells=({"cell": 2, "cell_id": "c2",
                              "injected": False, "status": "ok", "duration_s": 0.1},))  # fmt: skip
    run = Run("validate", (bad,), (passed,))
    assert run.verdict(passed) == "failed" and run.exit_code == 1  # the static findings fail the notebook
    options = ReportOptions("development")
    assert render("text", run, options).rstrip().endswith("failed at level development")
    doc = json.loads(render("json", run, options))
    assert doc["status"] == "passed" and doc["lint"]["status"] == "failed"  # the documented shape stays
    assert (
        doc["lint"]["diagnostics"]
        == json.loads(render("json", Run("lint", (bad,)), options))["files"][0]["diagnostics"]
    )
    assert Run("validate", validations=(passed,)).exit_code == 0
    skipped = ValidationReport(clean.path, "development", "skipped", message="needs a GPU")
    assert Run("validate", (clean,), (skipped,)).verdict(skipped) == "skipped"
    text = render("text", Run("validate", validations=(passed,)), options)
    assert "  cell 2: warning stderr: wrote to stderr: note\n  passed at level development\n" in text
