"""[tool.nblint] settings and suppressions."""

from __future__ import annotations

import json

import pytest
from conftest import run_nblint

SWALLOW = "try:\n    x = 1\nexcept Exception:\n    pass"


def _names(proc) -> list[str]:
    """Rule names above info: the notebook-layout rules' advice (empty cells, no title ...) aside."""
    return [d["name"] for f in json.loads(proc.stdout)["files"] for d in f["diagnostics"] if d["severity"] != "info"]


def test_pyproject_settings_apply(tmp_path, write_nb):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nblint]\nlevel = "staging"\nignore = ["swallowed-exception"]\nexclude = ["scratch/*"]\n'
        'severity = { unknown-suppression = "error" }\n'
    )
    write_nb("nb.ipynb", SWALLOW, "print(y)", "y = 1")
    write_nb("scratch/wip.ipynb", "print(z)", "z = 1")
    proc = run_nblint("lint", str(tmp_path), "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["level"] == "staging"
    assert [f["path"].rsplit("/", 1)[-1] for f in doc["files"]] == ["nb.ipynb"]
    assert _names(proc) == ["hidden-state"]
    assert proc.returncode == 1  # hidden-state is an error at staging


def test_command_line_level_wins(tmp_path, write_nb):
    (tmp_path / "pyproject.toml").write_text('[tool.nblint]\nlevel = "production"\n')
    path = write_nb("nb.ipynb", "print(y)", "y = 1")
    assert json.loads(run_nblint("lint", str(path), "--format", "json", "--level", "learning").stdout)["level"] == (
        "learning"
    )


def test_per_path_ignores_and_severity_override(tmp_path, write_nb):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nblint]\n[tool.nblint.per-path-ignores]\n"tutorials/*" = ["swallowed-exception"]\n'
        '[tool.nblint.severity]\nswallowed-exception = "info"\n'
    )
    write_nb("tutorials/t.ipynb", SWALLOW)
    write_nb("main.ipynb", SWALLOW)
    proc = run_nblint("lint", str(tmp_path), "--format", "json")
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(proc.stdout)["files"]}
    assert not [d for d in files["t.ipynb"]["diagnostics"] if d["name"] == "swallowed-exception"]
    assert [d["severity"] for d in files["main.ipynb"]["diagnostics"] if d["name"] == "swallowed-exception"] == ["info"]
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[tool.nblint]\nlevl = "staging"\n', "unknown key 'levl'; allowed keys:"),
        ('[tool.nblint]\nlevel = "strict"\n', "level = 'strict' is not allowed"),
        ('[tool.nblint]\nignore = ["no-such-rule"]\n', "ignore: unknown rule 'no-such-rule'"),
        ('[tool.nblint]\nseverity = { hidden-state = "loud" }\n', "severity.hidden-state = 'loud'"),
        ('[tool.nblint]\nexclude = "x" \nselect = [1]\n', "select must be a list of strings"),
        ("[tool.nblint\n", "invalid TOML"),
    ],
)
def test_invalid_config_is_exit_2_naming_the_key(tmp_path, write_nb, toml, expected):
    (tmp_path / "pyproject.toml").write_text(toml)
    proc = run_nblint("lint", str(write_nb("nb.ipynb", "x = 1")))
    assert proc.returncode == 2
    assert expected in proc.stderr and "pyproject.toml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_config_option(tmp_path, write_nb):
    config = tmp_path / "nblint.toml"
    config.write_text('ignore = ["swallowed-exception"]\n')
    path = write_nb("nb.ipynb", SWALLOW)
    assert run_nblint("lint", str(path), "--config", str(config)).returncode == 0
    assert run_nblint("lint", str(path), "--config", str(tmp_path / "missing.toml")).returncode == 2


def test_line_and_cell_suppressions(write_nb):
    path = write_nb(
        "nb.ipynb",
        "try:\n    x = 1\nexcept Exception:  # nblint: disable=swallowed-exception\n    pass",
        "# nblint: disable=NB101\ntry:\n    x = 1\nexcept Exception:\n    pass",
        {"cell_type": "code", "source": SWALLOW, "metadata": {"nblint": {"disable": ["swallowed-exception"]}}},
        SWALLOW,
    )
    proc = run_nblint("lint", str(path), "--format", "json")
    cells = [d["cell"] for f in json.loads(proc.stdout)["files"] for d in f["diagnostics"] if d["code"] == "NB101"]
    assert cells == [4]


def test_unknown_suppression_is_reported(write_nb):
    path = write_nb("nb.ipynb", "x = 1  # nblint: disable=swallowed-exceptoin")
    proc = run_nblint("lint", str(path), "--format", "json")
    [diag] = [d for d in json.loads(proc.stdout)["files"][0]["diagnostics"] if d["severity"] != "info"]
    assert diag["name"] == "unknown-suppression" and "swallowed-exceptoin" in diag["message"]
