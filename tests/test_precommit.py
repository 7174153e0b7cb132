"""The pre-commit hook, run by the real `pre-commit` tool in a throwaway git repository."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import ROOT, notebook_json

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_hook_blocks_a_bad_notebook_and_passes_a_good_one(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    (repo / "bad.ipynb").write_text(notebook_json("try:\n    x = 1\nexcept Exception:\n    pass"))
    (repo / "good.ipynb").write_text(notebook_json("x = 1\nassert x == 1"))
    (repo / "notes.txt").write_text("not a notebook")
    (repo / "pyproject.toml").write_text('[tool.nblint]\nlevel = "staging"\nexclude = ["scratch/*"]\n')
    (repo / "etl").mkdir()
    (repo / "etl" / "requirements.txt").write_text("pandas>=2\n")
    (repo / "etl" / "load.ipynb").write_text(notebook_json("import pandas as pd\nassert pd.__version__"))
    (repo / "scratch").mkdir()
    (repo / "scratch" / "bad.ipynb").write_text(notebook_json("try:\n    x = 1\nexcept Exception:\n    pass"))
    _git(repo, "add", ".")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PATH": __import__("os").environ["PATH"]}

    def try_repo(*files):
        return subprocess.run(
            ["pre-commit", "try-repo", str(ROOT), "nblint", "--files", *files],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )

    bad = try_repo("bad.ipynb", "notes.txt")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "swallowed-exception" in bad.stdout
    good = try_repo("good.ipynb", "notes.txt")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    # a commit that changes only a requirement file still runs the hook, on the notebooks that read it
    requirements = try_repo("etl/requirements.txt")
    assert requirements.returncode == 1, requirements.stdout + requirements.stderr
    assert "unpinned-requirement" in requirements.stdout
    # pre-commit passes files by name: `exclude` applies to them too (--force-exclude)
    excluded = try_repo("scratch/bad.ipynb")
    assert excluded.returncode == 0, excluded.stdout + excluded.stderr
