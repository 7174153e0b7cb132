"""The issue-12 contract over generated inputs (bench/fuzz.py holds the generators; the long campaign
is `python bench/fuzz.py --count 10000`). Bounded: a few hundred inputs in-process, a few through the CLI."""

from __future__ import annotations

import random
import warnings

import pytest
from conftest import run_nblint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz import check_notebook, check_requirements, notebook_bytes, requirement_project

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(seed=st.integers(0, 2**32))
def test_generated_notebooks_keep_the_contract(tmp_path_factory, seed):
    data = notebook_bytes(random.Random(seed))
    path = tmp_path_factory.mktemp("nb") / "nb.ipynb"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat warns about missing cell ids, which is the input's business
        assert check_notebook(path, data) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32))
def test_generated_requirement_files_keep_the_contract(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("project")
    requirement_project(random.Random(seed), folder)
    assert check_requirements(folder) == []


@pytest.mark.parametrize("seed", range(3))
def test_the_cli_contract_on_generated_notebooks(tmp_path, seed):
    """Exit 0, 1 or 2; never a traceback; exit 2 prints exactly one error line, naming the file (in the
    text report on stdout for an unreadable notebook, on stderr for usage and config errors)."""
    rng = random.Random(f"cli-{seed}")
    paths = []
    for i in range(4):
        path = tmp_path / f"n{i}.ipynb"
        path.write_bytes(notebook_bytes(rng))
        paths.append(path.name)
    (tmp_path / "p").mkdir()
    requirement_project(rng, tmp_path / "p")
    for args in (["lint", *paths], ["lint", *paths, "--format", "sarif"], ["lint", "p/nb.ipynb", "--diff"]):
        result = run_nblint(*args, cwd=tmp_path)
        assert result.returncode in (0, 1, 2), result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    for path in paths:
        result = run_nblint("lint", path, "-q", cwd=tmp_path)
        assert result.returncode in (0, 1, 2) and "Traceback" not in result.stderr
        if result.returncode == 2:
            errors = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.startswith("error")]
            assert len(errors) == 1 and path in errors[0], result.stdout + result.stderr
