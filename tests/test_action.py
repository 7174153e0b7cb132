"""The GitHub Action: its metadata against GitHub's rules for composite actions, and its steps' commands
run the way a runner runs them (bash --noprofile --norc -eo pipefail) in a scratch repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STEP_KEYS = {"name", "id", "if", "run", "shell", "uses", "with", "env", "working-directory", "continue-on-error"}
SHELLS = {"bash", "pwsh", "python", "sh", "cmd", "powershell"}


def expressions(value) -> list[str]:
    if isinstance(value, dict):
        return [e for v in value.values() for e in expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in expressions(v)]
    return EXPRESSION.findall(value) if isinstance(value, str) else []


def test_metadata_follows_githubs_rules():
    assert {"name", "description", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    ids = [s["id"] for s in steps if "id" in s]
    assert len(ids) == len(set(ids))
    for step in steps:
        assert set(step) <= STEP_KEYS, step
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:  # composite run steps must name their shell
            assert step.get("shell") in SHELLS, step
            assert not EXPRESSION.search(step["run"]), "inputs go through env, never into the script"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), step["uses"]
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[A-Za-z_][\w-]*", name) and spec.get("description"), name
    for name, spec in ACTION["outputs"].items():  # composite outputs need a value, from a step that exists
        assert spec.get("description") and "value" in spec, name
    refs = expressions(ACTION["runs"]) + expressions(ACTION["outputs"]) + [s["if"] for s in steps if "if" in s]
    declared_inputs = set(ACTION["inputs"])
    for ref in refs:
        for used in re.findall(r"\binputs\.([\w-]+)", ref):
            assert used in declared_inputs, used
        for step_id in re.findall(r"\bsteps\.([\w-]+)\.outputs", ref):
            assert step_id in ids, step_id
    written = set(
        re.findall(r'echo "([\w-]+)=.*>> "\$GITHUB_OUTPUT"', next(s["run"] for s in steps if s.get("id") == "run"))
    )
    for ref in refs:
        for name in re.findall(r"\bsteps\.run\.outputs\.([\w-]+)", ref):
            assert name in written, name


class Runner:
    """Evaluates the `${{ }}` expressions this action uses and runs its run steps with bash."""

    def __init__(self, workspace: Path, inputs: dict[str, str]) -> None:
        self.workspace = workspace
        self.inputs = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()} | inputs
        self.outputs: dict[str, dict[str, str]] = {}
        self.temp = workspace.parent / "runner-temp"
        self.temp.mkdir(exist_ok=True)

    def value(self, expr: str) -> str:
        context = {"inputs": self.inputs, "github": {"action_path": str(ROOT)}, "steps": self.outputs}
        for part in expr.split("."):
            context = context.get(part, "") if isinstance(context, dict) else ""
        return str(context)

    def condition(self, expr: str) -> bool:
        python = re.sub(r"[a-z][\w.-]*\.[\w.-]+", lambda m: repr(self.value(m.group(0))), expr)
        return bool(eval(python.replace("&&", " and ").replace("||", " or ")))  # only ==, &&, || and literals

    def run(self) -> tuple[int, list[dict]]:
        skipped_uses = []
        for step in ACTION["runs"]["steps"]:
            if "if" in step and not self.condition(step["if"]):
                continue
            if "uses" in step:
                skipped_uses.append(
                    {"uses": step["uses"], "with": {k: EXPRESSION.sub(lambda m: self.value(m.group(1)), str(v))
                                                    for k, v in step.get("with", {}).items()}}
                )  # fmt: skip
                continue
            output = self.temp / "output"
            output.write_text("")
            env = {**os.environ, "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(self.temp), "NO_COLOR": "1"}
            env.update({k: EXPRESSION.sub(lambda m: self.value(m.group(1)), str(v)) for k, v in step["env"].items()})
            env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
            script = self.temp / "step.sh"
            script.write_text(step["run"])
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=self.workspace, env=env,
                capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            if "id" in step:
                self.outputs[step["id"]] = {"outputs": dict(ln.split("=", 1) for ln in output.read_text().splitlines())}
            if done.returncode != 0:
                return done.returncode, skipped_uses
        return 0, skipped_uses


def notebook(*sources: str) -> str:
    cells = [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "execution_count": None, "outputs": []}
        for i, s in enumerate(sources)
    ]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    (work / "notebooks").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "notebooks" / "good.ipynb").write_text(notebook("x = 2", "assert x * 2 == 4"))
    return work


def test_lint_mode_writes_sarif_uploads_and_fails(repo: Path):
    (repo / "notebooks" / "bad.ipynb").write_text(notebook("x = 1", "assert (x, 'set')"))
    runner = Runner(repo, {"paths": "notebooks", "install": "nblint"})  # already installed here: pip is a no-op
    code, uses = runner.run()
    assert code == 1  # the verdict step fails the job on findings
    report = Path(runner.outputs["run"]["outputs"]["report"])
    sarif = json.loads(report.read_text())
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results if r["level"] != "note"] == ["NB201"]  # notes: the layout rules (info)
    assert "bad.ipynb" in results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    upload = next(u for u in uses if u["uses"].startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == str(report)
    assert not any("upload-artifact" in u["uses"] for u in uses)


def test_validate_mode_writes_junit(repo: Path):
    pytest.importorskip("nbclient")
    runner = Runner(repo, {"paths": "notebooks", "mode": "validate", "level": "production", "install": "nblint"})
    code, uses = runner.run()
    assert code == 0, runner.outputs
    junit = ET.parse(runner.outputs["run"]["outputs"]["report"]).getroot()
    assert list(junit.iter("testcase")) and not list(junit.iter("failure"))
    assert [u["uses"].split("@")[0] for u in uses] == ["actions/setup-python", "actions/upload-artifact"]


def test_bad_mode_is_an_input_error(repo: Path):
    code, _ = Runner(repo, {"mode": "publish", "install": "nblint"}).run()
    assert code == 2
