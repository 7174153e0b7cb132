"""`nblint cluster submit --dry-run`: every object a first attempt creates, as YAML, with no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT, make_project, run_nblint
from pod_security import pod_specs, restricted_violations

pytest.importorskip("kubernetes_validate")
SAMPLES = sorted((ROOT / "tests" / "fixtures" / "jobs").glob("*.yaml"))
KUBERNETES = "1.33.0"  # as tests/test_chart.py checks the chart
STRATEGIES = ("tekton", "kaniko", "s2i")


def _job(tmp_path: Path, strategy: str) -> Path:
    make_project(tmp_path, {"notebooks/requirements.txt": "pandas==2.2.2\n"})
    job = {
        "apiVersion": "mlops.mlops.dev/v1alpha1",
        "kind": "NotebookValidationJob",
        "metadata": {"name": f"etl-{strategy}", "namespace": "data"},
        "spec": {
            "notebook": {"git": {"url": "https://example.invalid/r.git", "ref": "main"}, "path": "notebooks/etl.ipynb"},
            "podConfig": {
                "containerImage": "python:3.11-slim",
                "buildConfig": {"enabled": True, "strategy": strategy, "privileged": strategy == "kaniko"},
            },
        },
    }
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(job))
    return path


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_dry_run_prints_the_job_its_build_and_the_validation_job(tmp_path, strategy):
    import kubernetes_validate

    job = _job(tmp_path, strategy)
    # a kubeconfig that points nowhere: nothing may try to reach it
    proc = run_nblint("cluster", "--kubeconfig", str(tmp_path / "none.yaml"), "submit", str(job), "--dry-run",
                      "--checkout", str(tmp_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    made = list(yaml.safe_load_all(proc.stdout))
    kinds = [obj["kind"] for obj in made]
    assert kinds[0] == "NotebookValidationJob" and kinds[-1] == "Job" and len(kinds) >= 3
    assert all(obj["metadata"]["namespace"] == "data" and obj["metadata"].get("name") for obj in made)
    assert "generateName" not in str(made)
    for obj in made[1:]:
        if obj["apiVersion"] in ("batch/v1", "v1"):
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
        for pod in pod_specs(obj):
            if strategy != "kaniko":  # kaniko needs root: only with the documented privileged opt-in
                assert restricted_violations(pod) == [], obj["kind"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_reference_sample_is_printed_or_refused_in_one_line(tmp_path, sample):
    make_project(tmp_path, {"requirements.txt": "pandas==2.2.2\n"})
    proc = run_nblint("cluster", "submit", str(sample), "--dry-run", "--checkout", str(tmp_path))
    assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    else:
        kinds = {obj["kind"] for obj in yaml.safe_load_all(proc.stdout)}
        assert "NotebookValidationJob" in kinds and "Job" in kinds
