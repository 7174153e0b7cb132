"""`pytest --nblint` in real pytest runs (pytester): pass, fail, error, skip, -v, -k, --lf, xdist, junitxml."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]


def notebook(*sources: str, metadata: dict | None = None) -> str:
    """A tidy notebook (a title, code run in order, a closing note) around the given code cells."""
    code = [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "execution_count": i, "outputs": []}
        for i, s in enumerate(sources, start=1)
    ]
    title = {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Report\n\nWhat this computes."}
    summary = {"cell_type": "markdown", "id": "end", "metadata": {}, "source": "That is the result."}
    cells = [title, *code, summary]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata or {}, "cells": cells}, indent=1)


GOOD = notebook("x = 1", "assert x == 1")
BAD = notebook("x = 1", "y = 2\nassert (x, 'x is set')")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".ipynb", good=GOOD, bad=BAD)
    return pytester


def test_inert_without_the_option(project: pytest.Pytester):
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_pass_and_fail_read_like_nblint(project: pytest.Pytester):
    result = project.runpytest("--nblint")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*bad.ipynb:cell 3:2:8: error ineffective-assertion (NB201)*",
            "*2 | assert (x, 'x is set')",
            "*why:*",
        ]
    )
    assert "Traceback" not in out and "pytest_plugin.py" not in out and "NblintFailure" not in out


def test_broken_notebook_is_an_error_and_skips_are_skips(pytester: pytest.Pytester):
    pytester.makefile(".ipynb", broken='{"nbformat": 4, "cells": [')
    skip = {"nblint": {"skip": True, "reason": "WIP"}}
    pytester.makefile(".ipynb", later=notebook("raise SystemExit", metadata=skip))
    result = pytester.runpytest("--nblint", "-rs", "--continue-on-collection-errors")
    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(["*broken.ipynb: invalid JSON at line 1*", "SKIPPED*WIP*"])


def test_excludes_and_pytest_ignores(project: pytest.Pytester):
    project.mkdir("drafts")
    (project.path / "drafts" / "wip.ipynb").write_text(BAD)
    project.mkdir("old")
    (project.path / "old" / "stale.ipynb").write_text(BAD)
    (project.path / ".ipynb_checkpoints").mkdir()
    (project.path / ".ipynb_checkpoints" / "bad-checkpoint.ipynb").write_text(BAD)
    project.makepyprojecttoml('[tool.nblint]\nexclude = ["drafts"]\n')
    result = project.runpytest("--nblint", "--ignore=old", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["bad.ipynb::nblint", "good.ipynb::nblint"])
    assert "wip" not in result.stdout.str() and "stale" not in result.stdout.str()
    assert "checkpoint" not in result.stdout.str()


def test_level_option_and_config(project: pytest.Pytester):
    project.makefile(".ipynb", hints=notebook("def f(a):\n    return a"))
    project.runpytest("--nblint", "-k", "hints").assert_outcomes(passed=1)  # off at development
    project.runpytest("--nblint", "-k", "hints", "--nblint-level", "production").assert_outcomes(failed=1)
    project.makepyprojecttoml('[tool.nblint]\nlevel = "production"\n')
    project.runpytest("--nblint", "-k", "hints").assert_outcomes(failed=1)
    result = project.runpytest("--nblint", "--nblint-level", "strictest")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_verbose_keyword_and_last_failed(project: pytest.Pytester):
    result = project.runpytest("--nblint", "-v")
    result.stdout.fnmatch_lines(
        [
            "*bad.ipynb::nblint FAILED*",
            "    cell 3:2: error ineffective-assertion (NB201)*",
            "*good.ipynb::nblint PASSED*",
        ]
    )
    result.stdout.fnmatch_lines(["    no findings at level development"])
    project.runpytest("--nblint", "-k", "good").assert_outcomes(passed=1)
    result = project.runpytest("--nblint", "--lf")
    result.assert_outcomes(failed=1)
    assert "good.ipynb" not in result.stdout.str().split("short test summary")[0].split("collected")[-1]


def test_junitxml(project: pytest.Pytester):
    result = project.runpytest("--nblint", "--junitxml=report.xml")
    result.assert_outcomes(passed=1, failed=1)
    root = ET.parse(project.path / "report.xml").getroot()
    assert sorted(c.get("classname") for c in root.iter("testcase")) == ["bad.ipynb", "good.ipynb"]
    failures = [f for c in root.iter("testcase") for f in c.iter("failure")]
    assert len(failures) == 1 and "ineffective-assertion (NB201)" in failures[0].text
    props = [p.get("value") for p in root.iter("property") if p.get("name") == "nblint"]
    assert any("NB201" in v for v in props)


def test_xdist(project: pytest.Pytester):
    for i in range(4):
        project.makefile(".ipynb", **{f"more{i}": GOOD})
    result = project.runpytest_subprocess("--nblint", "-n", "2", "-v")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["*gw*FAILED*bad.ipynb::nblint*"])
    assert "bad.ipynb:cell 3:2:8: error ineffective-assertion" in result.stdout.str()


def test_validate_runs_the_notebook(pytester: pytest.Pytester):
    pytest.importorskip("nbclient")
    pytester.makefile(".ipynb", ok=notebook("x = 2", "assert x * 2 == 4"), boom=notebook("x = 1", "1 / 0"))
    result = pytester.runpytest_subprocess("--nblint-validate", "--nblint-timeout", "60", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*boom.ipynb::nblint-validate FAILED*", "*cell 3*exception*ZeroDivisionError*"])
    assert "Traceback (most recent call last)" not in result.stdout.str()
