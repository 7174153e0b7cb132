"""Requirement discovery per notebook, `nblint env show`, and requirement findings in every output format."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SCHEMAS, make_project, notebook_json, run_nblint

from nblint.config import Settings
from nblint.environment.sources import discover


def test_auto_discovery_merges_nearest_first_up_to_the_root(tmp_path, write_nb):
    make_project(tmp_path, {
        "requirements.txt": "pandas==2.2.2\n",
        "team/requirements.txt": "numpy==1.26.4\n",
        "pylock.toml": '[[packages]]\nname = "six"\nversion = "1.16.0"\n'
                       '[[packages.wheels]]\nhashes = {sha256 = "' + "a" * 64 + '"}\n',
    })  # fmt: skip
    (tmp_path.parent / "requirements.txt").write_text("outside-the-root==1.0\n")
    nb = write_nb("team/analysis/nb.ipynb", "import pandas")
    env = discover(str(nb))
    assert [Path(s.path).relative_to(tmp_path).as_posix() for s in env.sources] == [
        "team/requirements.txt", "requirements.txt", "pylock.toml"]  # fmt: skip
    assert [r.name for r in env.requirements.requirements] == ["numpy", "pandas", "six"]
    assert env.requirements.requirements[2].good_hashes


def test_explicit_file_and_sources_chain_win(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas==2.2.2\n", "deploy/req.txt": "numpy==1.26.4\n",
                        "other.txt": "scipy==1.13.1\n"})  # fmt: skip
    nb = write_nb("nb.ipynb", "import numpy")
    chain = Settings(requirements_sources=("missing.txt", "deploy/req.txt", "requirements.txt"))
    assert [r.name for r in discover(str(nb), chain).requirements.requirements] == ["numpy"]
    explicit = Settings(requirements_file=str(tmp_path / "other.txt"))
    assert [r.name for r in discover(str(nb), explicit).requirements.requirements] == ["scipy"]


def test_pyproject_dependencies_at_the_root(tmp_path, write_nb):
    make_project(tmp_path, {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = [\n'
                                          '  "pandas>=2",\n  "numpy==1.26.4",\n]\n'})  # fmt: skip
    env = discover(str(write_nb("nb.ipynb", "import pandas")))
    assert [(r.name, r.location.line) for r in env.requirements.requirements] == [("pandas", 5), ("numpy", 6)]


def test_dockerfile_precedence(tmp_path, write_nb):
    make_project(tmp_path, {"Dockerfile": "FROM python:3.11\n", "requirements.txt": "pandas==2.2.2\n"})
    nb = str(write_nb("nb.ipynb", "import pandas"))
    assert discover(nb).build_from == "requirements"  # requirements win by default
    assert discover(nb, Settings(prefer_dockerfile=True)).build_from == "dockerfile"
    (tmp_path / "requirements.txt").unlink()
    assert discover(nb).build_from == "dockerfile"  # nothing else to build from


def test_env_show(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas>=2\nnumpy==1.26.4 --hash=sha256:" + "a" * 64 + "\n"})
    nb = write_nb("nb.ipynb", "import pandas")
    text = run_nblint("env", "show", str(nb))
    assert text.returncode == 0
    assert "requirements.txt next to the notebook" in text.stdout and "UNPINNED >=2" in text.stdout
    doc = json.loads(run_nblint("env", "show", str(nb), "--format", "json").stdout)
    assert [(r["name"], r["pinned"], r["hashes"]) for r in doc["requirements"]] == [
        ("pandas", None, 0), ("numpy", "1.26.4", 1)]  # fmt: skip
    assert run_nblint("env", "show", str(tmp_path / "missing.ipynb")).returncode == 2


def test_lint_reports_requirement_findings_with_file_and_line_in_every_format(tmp_path, write_nb):
    import jsonschema

    make_project(tmp_path, {"requirements.txt": "# deps\npandas>=2.0\n--extra-index-url https://internal/simple\n"})
    nb = write_nb("nb.ipynb", "import pandas\nimport requests")
    doc = json.loads(run_nblint("lint", str(nb), "--format", "json").stdout)
    found = {(d["name"], Path(d["path"]).name, d["cell"], d["line"]) for d in doc["files"][0]["diagnostics"]}
    assert ("unpinned-requirement", "requirements.txt", None, 2) in found
    assert ("insecure-index", "requirements.txt", None, 3) in found
    assert ("undeclared-import", "nb.ipynb", 1, 2) in found
    sarif = json.loads(run_nblint("lint", str(nb), "--format", "sarif").stdout)
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    regions = {
        (Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name, r["ruleId"]):
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in sarif["runs"][0]["results"]
    }  # fmt: skip
    assert regions[("requirements.txt", "NB602")] == 2
    github = run_nblint("lint", str(nb), "--format", "github").stdout
    assert "requirements.txt,line=2,endLine=2,title=unpinned-requirement (NB602)" in github
    lsp = json.loads(run_nblint("lint", str(nb), "--format", "lsp").stdout)
    groups = {(Path(g["path"]).name, g["cell"]) for g in lsp["files"][0]["cells"]}
    assert ("requirements.txt", None) in groups and ("nb.ipynb", 1) in groups
    text = run_nblint("lint", str(nb)).stdout
    assert "requirements.txt:2:1: warning unpinned-requirement" in text and "2 | pandas>=2.0" in text


def test_shared_requirement_findings_are_reported_once(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas>=2.0\n"})
    write_nb("a.ipynb", "import pandas")
    write_nb("b.ipynb", "import pandas")
    doc = json.loads(run_nblint("lint", str(tmp_path), "--format", "json").stdout)
    unpinned = [d for f in doc["files"] for d in f["diagnostics"] if d["name"] == "unpinned-requirement"]
    assert len(unpinned) == 1


def test_suppression_comment_in_requirements_file(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas>=2.0  # nblint: disable=unpinned-requirement\nnumpy\n"})
    nb = write_nb("nb.ipynb", "import pandas, numpy")
    doc = json.loads(run_nblint("lint", str(nb), "--format", "json", "--select", "NB602").stdout)
    assert [d["line"] for d in doc["files"][0]["diagnostics"]] == [2]


def test_config_switches_mirror_the_job_spec(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas>=2.0\npandas==1.5.3\nnumpy==1.26.4\n"})
    nb = write_nb("nb.ipynb", "import pandas, numpy")

    def names(toml: str) -> dict[str, str]:
        (tmp_path / "pyproject.toml").write_text("[tool.nblint]\n" + toml)
        doc = json.loads(run_nblint("lint", str(nb), "--format", "json").stdout)
        return {d["name"]: d["severity"] for d in doc["files"][0]["diagnostics"]}

    default = names("")
    assert default["unpinned-requirement"] == "warning" and default["conflicting-requirement"] == "error"
    assert "missing-hash" not in default
    relaxed = names("allow-unpinned = true\nfail-on-conflict = false\nverify-hashes = true\n")
    assert "unpinned-requirement" not in relaxed
    assert relaxed["conflicting-requirement"] == "warning" and relaxed["missing-hash"] == "error"
    assert "missing-hash" in names('level = "production"\n')
    bad = run_nblint("lint", str(nb), "--config", str(_write_toml(tmp_path, "verify-hashes = 'yes'\n")))
    assert bad.returncode == 2 and "verify-hashes = 'yes'; use true or false" in bad.stderr


def _write_toml(folder: Path, text: str) -> Path:
    path = folder / "nblint.toml"
    path.write_text(text)
    return path


def test_requirements_option(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas==2.2.2\n", "ci/req.txt": "pandas>=2\n"})
    nb = write_nb("nb.ipynb", "import pandas")
    assert run_nblint("lint", str(nb), "--select", "NB602").returncode == 0
    proc = run_nblint("lint", str(nb), "--select", "NB602", "--level", "staging", "--requirements",
                      str(tmp_path / "ci" / "req.txt"))  # fmt: skip
    assert proc.returncode == 1 and "ci/req.txt:1:1" in proc.stdout
    assert run_nblint("lint", str(nb), "--requirements", str(tmp_path / "nope.txt")).returncode == 2


def test_unused_in_a_shared_file_only_when_no_notebook_imports_it(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\nseaborn==0.13.2\n"})
    write_nb("a.ipynb", "import numpy")
    write_nb("b.ipynb", "import pandas\nimport numpy")
    doc = json.loads(run_nblint("lint", str(tmp_path), "--format", "json").stdout)
    unused = [d["message"] for f in doc["files"] for d in f["diagnostics"] if d["name"] == "unused-requirement"]
    assert len(unused) == 1 and "seaborn" in unused[0]


def test_inline_install_of_a_declared_package_says_so(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas==2.2.2\n"})
    nb = write_nb("nb.ipynb", "!pip install pandas\n%pip install pandas pyarrow")
    doc = json.loads(run_nblint("lint", str(nb), "--format", "json", "--select", "inline-install").stdout)
    messages = [d["message"] for d in doc["files"][0]["diagnostics"]]
    assert "which the requirements already declare; delete this install" in messages[0]
    assert "(`pandas` already declared)" in messages[1]


def test_distribution_map_cache_survives_new_files_in_the_working_directory(tmp_path):
    """`python -m nblint` puts the cwd on sys.path; a report written there must not rebuild the map."""
    project = make_project(tmp_path / "p", {"nb.ipynb": notebook_json("import pandas")})
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    run_nblint("lint", "nb.ipynb", "-o", "first.txt", cwd=project, env=env)
    caches = list((tmp_path / "cache" / "nblint").glob("dists-*.json"))
    assert len(caches) == 1
    written = caches[0].stat().st_mtime_ns
    run_nblint("lint", "nb.ipynb", "-o", "second.txt", cwd=project, env=env)
    assert list((tmp_path / "cache" / "nblint").glob("dists-*.json")) == caches
    assert caches[0].stat().st_mtime_ns == written
