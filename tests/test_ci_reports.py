"""Reports CI systems read: SARIF for GitHub code scanning (checked with Microsoft's SARIF multitool and its
GitHub rules), JUnit for Jenkins and GitLab (Jenkins' XSD), GitLab Code Quality (a schema from GitLab's docs),
GitHub annotations, and progress lines in CI logs."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, SCHEMAS, make_project, notebook_json, run_nblint

from nblint.diagnostics import Diagnostic, Severity, Span

SECRET = "token = 'ghp_" + "a1B2" * 9 + "'"  # a GitHub token format hardcoded-secret recognises
PROJECT = {
    "notebooks/etl/clean.ipynb": notebook_json(
        "import pandas\n\ntry:\n    x = 1\nexcept Exception:\n    pass", SECRET, "import numpy"
    ),
    "notebooks/etl/requirements.txt": "pandas==2.2.2\nPandas==1.5.3\n",
}


@pytest.fixture
def repo(tmp_path) -> Path:
    """A checkout (marked by .git) with a notebook two folders down and a pyproject.toml in between."""
    root = make_project(tmp_path / "repo", PROJECT)
    (root / "notebooks" / "pyproject.toml").write_text("[tool.nblint]\nlevel = 'development'\n")
    return root


def _out(proc: subprocess.CompletedProcess, codes=(0, 1)) -> str:
    assert proc.returncode in codes, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


@pytest.fixture(scope="session")
def sarif_multitool(request, tmp_path_factory) -> Path:
    """Microsoft's SARIF multitool, installed from npm once into pytest's cache folder (a temporary folder
    with `-p no:cacheprovider`); skipped only when npm is missing."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the SARIF multitool comes from npm")
    cache = getattr(request.config, "cache", None)
    prefix = Path(cache.mkdir("sarif-multitool") if cache else tmp_path_factory.mktemp("sarif-multitool"))
    if not (prefix / "node_modules" / "@microsoft" / "sarif-multitool").is_dir():
        installed = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "@microsoft/sarif-multitool"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert installed.returncode == 0, installed.stderr
    # the package's own bin script joins arguments through a shell (a `;` in --rule-kind breaks it): ask it
    # for the native binary instead
    found = subprocess.run(["node", "-p", "require('@microsoft/sarif-multitool')"], cwd=prefix,
                           capture_output=True, text=True, check=True)  # fmt: skip
    return Path(found.stdout.strip())


def _multitool_findings(tool: Path, doc: dict, folder: Path) -> list[tuple[str, str, list]]:
    """What the multitool's GitHub and SARIF rules find at level error or warning: (rule, level, arguments)."""
    log, out = folder / "report.sarif", folder / "multitool.sarif"
    log.write_text(json.dumps(doc))
    out.unlink(missing_ok=True)
    proc = subprocess.run(
        [str(tool), "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning", "-o", str(out), str(log)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.is_file(), proc.stdout + proc.stderr
    results = json.loads(out.read_text())["runs"][0]["results"]
    return [(r["ruleId"], r.get("level", "warning"), r["message"].get("arguments", [])) for r in results]


def test_sarif_passes_the_multitool_github_rules(repo, sarif_multitool, tmp_path):
    lint = json.loads(_out(run_nblint("lint", "notebooks", "--format", "sarif", cwd=repo)))
    assert _multitool_findings(sarif_multitool, lint, tmp_path) == []
    (repo / "notebooks" / "broken.ipynb").write_text("{")
    validate = json.loads(
        _out(run_nblint("validate", "notebooks/etl/clean.ipynb", "notebooks/broken.ipynb", "--lint", "--format",
                        "sarif", cwd=repo), codes=(2,))
    )  # fmt: skip
    assert [r["tool"]["driver"]["name"] for r in validate["runs"]] == ["nblint-validate", "nblint"]
    assert _multitool_findings(sarif_multitool, validate, tmp_path) == []
    # the GitHub rules are really applied: a rule without help is what GitHub rejects
    del validate["runs"][0]["tool"]["driver"]["rules"][0]["help"]
    assert "GH2012" in {rule for rule, _, _ in _multitool_findings(sarif_multitool, validate, tmp_path)}


def test_sarif_locations_and_fingerprints_do_not_depend_on_the_folder_ci_runs_in(repo):
    from_root = json.loads(_out(run_nblint("lint", "notebooks/etl/clean.ipynb", "--format", "sarif", cwd=repo)))
    inside = json.loads(_out(run_nblint("lint", "clean.ipynb", "--format", "sarif", cwd=repo / "notebooks" / "etl")))

    def seen(doc):
        [run] = doc["runs"]
        assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
        return [
            (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"],
             r["partialFingerprints"]["nblintLine/v1"])
            for r in run["results"]
        ]  # fmt: skip

    assert seen(from_root) == seen(inside)
    locations = {json.dumps(loc, sort_keys=True) for _, loc, _ in seen(inside)}
    assert locations == {
        json.dumps({"uri": "notebooks/etl/clean.ipynb", "uriBaseId": "%SRCROOT%"}, sort_keys=True),
        json.dumps({"uri": "notebooks/etl/requirements.txt", "uriBaseId": "%SRCROOT%"}, sort_keys=True),
    }
    prints = [fingerprint for _, _, fingerprint in seen(inside)]
    assert len(set(prints)) == len(prints)


def test_security_rules_carry_security_severity_and_tag(repo):
    from nblint.registry import all_rules

    doc = json.loads(_out(run_nblint("lint", "notebooks", "--format", "sarif", cwd=repo)))
    descriptors = {rule["name"]: rule for rule in doc["runs"][0]["tool"]["driver"]["rules"]}
    secret, index = descriptors["hardcoded-secret"]["properties"], descriptors["insecure-index"]["properties"]
    assert "security" in secret["tags"] and float(secret["security-severity"]) >= 7.0
    assert "security" in index["tags"] and 0 < float(index["security-severity"]) <= 10
    flagged = {name for name, rule in descriptors.items() if "security-severity" in rule["properties"]}
    assert flagged == {rule.name for rule in all_rules() if rule.security_severity is not None}
    assert "security" not in descriptors["swallowed-exception"]["properties"]["tags"]
    assert "NB501" in {r["ruleId"] for r in doc["runs"][0]["results"]}


def test_validate_sarif_rules_link_to_their_docs_and_a_broken_notebook_keeps_its_alerts(repo):
    (repo / "broken.ipynb").write_text("{")
    proc = run_nblint("validate", "broken.ipynb", "notebooks/etl/clean.ipynb", "--format", "sarif", cwd=repo)
    doc = json.loads(_out(proc, codes=(2,)))
    [run] = doc["runs"]
    docs = (ROOT / "docs" / "runtime-checks.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^## (.+)$", docs, re.M)}
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        page, _, anchor = rule["helpUri"].partition("#")
        assert page.endswith("docs/runtime-checks.md") and anchor in anchors, rule["helpUri"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    not_run = by_rule["could-not-run"]
    assert not_run["level"] == "error" and "invalid JSON" in not_run["message"]["text"]
    assert not_run["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.ipynb"
    assert all(r["partialFingerprints"]["nblintLine/v1"] for r in run["results"])
    [invocation] = run["invocations"]
    [note] = invocation["toolExecutionNotifications"]
    assert invocation["executionSuccessful"] is False and note["level"] == "error"
    assert note["associatedRule"]["id"] == "could-not-run"


def _junit(folder: Path, *args: str) -> str:
    return _out(run_nblint("validate", *args, "--format", "junit", cwd=folder), codes=(0, 1, 2))


def test_junit_is_valid_for_jenkins_and_names_tests_by_cell_id(tmp_path):
    import xmlschema

    schema = xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))
    root = make_project(tmp_path / "repo", {})
    (root / "reports").mkdir()
    cells = [
        {"cell_type": "code", "source": "x = 1", "id": "load-data"},
        {"cell_type": "code", "source": "import math\n\nscore = math.nan\nprint(score)", "id": "score"},
        {"cell_type": "code", "source": "y = 2\nraise ValueError('bad input')\nz = 3", "id": "fit"},
        {"cell_type": "code", "source": "print('never')", "id": "plot"},
    ]
    path = root / "reports" / "v1.2 model.ipynb"
    path.write_text(notebook_json(*cells))
    (root / "broken.ipynb").write_text("{")
    xml = _junit(root, "reports/v1.2 model.ipynb", "broken.ipynb")
    schema.validate(xml)
    suites = ET.fromstring(xml).findall("testsuite")
    assert [s.get("name") for s in suites] == ["reports/v1.2 model.ipynb", "broken.ipynb"]
    suite = suites[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp"))
    assert suite.get("hostname") == socket.gethostname()
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["cell load-data", "cell score", "cell fit", "cell plot"]
    assert {c.get("classname") for c in cases.values()} == {"reports.v1_2 model"}
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("1", "1", "1")
    error = cases["cell fit"].find("error")
    assert error.get("type") == "ValueError" and error.get("message") == "ValueError: bad input"
    assert "--> 2 raise ValueError('bad input')" in error.text and "    1 y = 2" in error.text
    assert "score = math.nan" in cases["cell score"].find("failure").text
    assert cases["cell plot"].find("skipped") is not None
    [broken] = suites[1].findall("testcase")
    assert suites[1].get("errors") == "1" and "invalid JSON" in broken.find("error").text

    path.write_text(notebook_json({"cell_type": "code", "source": "import os", "id": "setup"}, *cells))
    again = ET.fromstring(_junit(root, "reports/v1.2 model.ipynb")).find("testsuite")
    assert [c.get("name") for c in again.findall("testcase")] == ["cell setup", *cases]  # none renamed


def _gitlab_schema():
    return json.loads((SCHEMAS / "gitlab-codequality.schema.json").read_text())


def test_gitlab_code_quality_for_lint_and_validate(repo):
    import jsonschema

    etl = repo / "notebooks" / "etl"
    issues = json.loads(_out(run_nblint("lint", "clean.ipynb", "--format", "gitlab", cwd=etl)))
    jsonschema.validate(issues, _gitlab_schema())
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    by_check = {i["check_name"]: i for i in issues}
    swallowed = by_check["swallowed-exception"]
    assert swallowed["severity"] == "major" and swallowed["location"]["path"] == "notebooks/etl/clean.ipynb"
    file_line = (etl / "clean.ipynb").read_text().split("\n")[swallowed["location"]["lines"]["begin"] - 1]
    assert "except Exception" in file_line
    conflict = by_check["conflicting-requirement"]
    assert conflict["location"] == {"path": "notebooks/etl/requirements.txt", "lines": {"begin": 2}}
    from_root = json.loads(_out(run_nblint("lint", "notebooks", "--format", "gitlab", cwd=repo)))
    assert sorted(i["fingerprint"] for i in from_root) == sorted(i["fingerprint"] for i in issues)

    (repo / "broken.ipynb").write_text("{")
    proc = run_nblint("validate", "broken.ipynb", "notebooks/etl/clean.ipynb", "--lint", "--format", "gitlab", cwd=repo)
    issues = json.loads(_out(proc, codes=(2,)))
    jsonschema.validate(issues, _gitlab_schema())
    checks = {i["check_name"]: i for i in issues}
    assert checks["could-not-run"]["severity"] == "blocker"
    assert checks["could-not-run"]["location"]["path"] == "broken.ipynb"
    assert {"swallowed-exception", "hardcoded-secret"} <= set(checks)  # the static findings of --lint too


def _diagnostic(severity: Severity, n: int) -> Diagnostic:
    return Diagnostic("NB101", "swallowed-exception", severity, f"finding {n}", "nb.ipynb", None, None,
                      Span(n, 1, n, 2), "https://example.invalid")  # fmt: skip


def test_github_annotations_put_errors_first_and_notices_only_when_asked():
    from nblint.reporters import ReportOptions, render
    from nblint.results import FileResult, Run

    order = [Severity.INFO, Severity.WARNING, *[Severity.ERROR] * 12, Severity.WARNING, Severity.INFO]
    diagnostics = [_diagnostic(sev, n) for n, sev in enumerate(order, start=1)]
    run = Run("lint", (FileResult("nb.ipynb", "failed", diagnostics=diagnostics),))
    lines = render("github", run, ReportOptions("development")).strip().split("\n")
    kinds = [line.split(" ", 1)[0] for line in lines[:-1]]
    assert kinds == ["::error"] * 12 + ["::warning"] * 2
    assert [line.split("::")[-1] for line in lines[:3]] == ["finding 3", "finding 4", "finding 5"]  # input order
    assert lines[-1].startswith("nblint: 12 error(s), 2 warning(s), 2 info in 1 notebook(s)")
    assert "GitHub shows the first 10 errors" in lines[-1] and "--github-notices" in lines[-1]
    with_notices = render("github", run, ReportOptions("development", github_notices=True)).strip().split("\n")
    assert [line.split(" ", 1)[0] for line in with_notices[-3:-1]] == ["::notice", "::notice"]


def test_github_notices_option_on_the_command_line(write_nb):
    path = write_nb("nb.ipynb", "import numpy", "import os")
    plain = _out(run_nblint("lint", str(path), "--format", "github", "--level", "learning"))
    asked = _out(run_nblint("lint", str(path), "--format", "github", "--level", "learning", "--github-notices"))
    assert "::notice" not in plain and "::notice" in asked
    plain_summary, asked_summary = plain.strip().split("\n")[-1], asked.strip().split("\n")[-1]
    assert plain_summary == asked_summary + "; info findings not annotated (--github-notices)"


def test_validate_progress_in_a_ci_log(write_nb):
    slow = write_nb("slow.ipynb", "x = 1", "import time\ntime.sleep(2.6)")
    quick = write_nb("quick.ipynb", "raise ValueError('no')")
    proc = run_nblint("validate", str(slow), str(quick), "--heartbeat", "1", "--jobs", "2", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    log = proc.stderr
    assert f"nblint: started {slow}\n" in log and f"nblint: started {quick}\n" in log
    assert re.search(rf"nblint: {re.escape(str(slow))}: still running cell 2 \(\d\.\ds\)", log), log
    assert re.search(rf"nblint: finished {re.escape(str(slow))}: passed in \d+\.\ds", log), log
    assert re.search(rf"nblint: finished {re.escape(str(quick))}: failed in", log), log
    assert json.loads(proc.stdout)["notebooks"][0]["status"] == "passed"  # stdout holds only the report
    quiet = run_nblint("validate", str(quick), "-q")
    assert quiet.returncode == 1 and "nblint:" not in quiet.stderr


def test_progress_counts_static_findings_in_the_verdict(write_nb):
    path = write_nb("both.ipynb", "try:\n    x = 1\nexcept Exception:\n    pass")
    proc = run_nblint("validate", str(path), "--lint")
    assert proc.returncode == 1 and f"nblint: finished {path}: failed in" in proc.stderr


def test_text_related_note_in_a_requirement_file_names_the_file(tmp_path):
    root = make_project(tmp_path, {"nb.ipynb": notebook_json("import pandas"),
                                   "requirements.txt": "pandas==2.2.2\nPandas==1.5.3\n"})  # fmt: skip
    text = _out(run_nblint("lint", "nb.ipynb", cwd=root))
    assert "(requirements.txt:1:1)" in text and "cell None" not in text


def test_junit_error_body_holds_the_kernel_traceback(write_nb):
    import xmlschema

    from nblint.reporters import ReportOptions, render
    from nblint.results import CheckResult, Run, ValidationReport

    path = write_nb("t.ipynb", "import json\njson.loads('{')")
    traceback = "Traceback (most recent call last):\n  File json/decoder.py, line 355\nJSONDecodeError: Expecting"
    check = CheckResult("exception", "JSONDecodeError: Expecting", 1, "c1", line=2, traceback=traceback)
    cell = {"cell": 1, "cell_id": "c1", "injected": False, "status": "error", "duration_s": 0.2}
    report = ValidationReport(str(path), "development", "failed", 0.5, (check,), (cell,))
    xml = render("junit", Run("validate", validations=(report,)), ReportOptions("development"))
    xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd")).validate(xml)
    error = ET.fromstring(xml).find("testsuite/testcase/error")
    assert traceback in error.text and "--> 2 json.loads('{')" in error.text
    assert error.get("type") == "JSONDecodeError"


def test_junit_error_body_of_a_real_run_carries_the_frames(write_nb):
    """The harness keeps the kernel's traceback (colours stripped) for the JUnit body, not just its last line."""
    path = write_nb("t.ipynb", "def parse(text):\n    import json\n    return json.loads(text)", "parse('{')")
    proc = run_nblint("validate", str(path), "--format", "junit")
    assert proc.returncode == 1, proc.stderr
    error = ET.fromstring(proc.stdout).find("testsuite/testcase/error")
    assert "JSONDecodeError" in error.text and "parse(" in error.text and "\x1b[" not in error.text
    assert "return json.loads(text)" in error.text  # a frame below the cell: the whole traceback is there
