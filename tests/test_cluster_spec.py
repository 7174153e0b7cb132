"""Job specs: NotebookValidationJob manifests parse, invalid ones fail before anything is created."""

from __future__ import annotations

import pytest
import yaml
from conftest import CORPUS
from nblint.operator_bridge.spec import SpecError, load_jobs

SAMPLES = sorted((CORPUS / "operator" / "job-samples").glob("*.yaml")) if CORPUS.is_dir() else []

MINIMAL = {
    "apiVersion": "mlops.mlops.dev/v1alpha1",
    "kind": "NotebookValidationJob",
    "metadata": {"name": "etl", "namespace": "data"},
    "spec": {
        "notebook": {"git": {"url": "https://git.example.com/team/nbs.git", "ref": "main"}, "path": "etl.ipynb"},
        "podConfig": {"containerImage": "python:3.11-slim"},
    },
}


def _write(tmp_path, doc, name="job.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(doc) if isinstance(doc, list) else yaml.safe_dump(doc))
    return path


@pytest.mark.skipif(not SAMPLES, reason="../shared/corpus not present")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem.split("notebookvalidationjob")[-1] or "basic")
def test_every_reference_sample_parses(sample):
    jobs = load_jobs(sample)
    assert jobs and all(j.git_url.startswith(("https://", "git@")) and j.notebook_path.endswith(".ipynb") for j in jobs)


def test_all_sixteen_sample_files_are_covered():
    assert len(SAMPLES) in (0, 16)


def test_extended_fields_and_mappings(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["spec"].update({
        "retryPolicy": {"maxBuildRetries": 4, "maxValidationRetries": 1},
        "buildTimeout": "20m", "validationTimeout": "1h30m", "totalTimeout": "2h",
        "validationConfig": {"strictMode": True, "failOnStderr": True, "failOnWarnings": True,
                             "detectSilentFailures": False, "verifyAssertions": True,
                             "expectedOutputs": [{"cell": 2, "type": "float", "minValue": "0.8"}]},
    })  # fmt: skip
    doc["spec"]["podConfig"]["buildConfig"] = {
        "enabled": True, "strategy": "openshift", "dockerfilePath": "docker/Dockerfile", "target": "runtime",
        "reuseIfExists": True, "publishToRegistry": "quay.io", "registryNamespace": "team", "imageName": "etl-env",
    }  # fmt: skip
    [job] = load_jobs(_write(tmp_path, doc))
    assert (job.max_build_retries, job.max_validation_retries) == (4, 1)
    assert (job.build_timeout_s, job.validation_timeout_s, job.total_timeout_s) == (1200, 5400, 7200)
    assert job.build.strategy == "s2i" and job.build.dockerfile == "docker/Dockerfile"
    assert job.build.reuse_if_exists and job.build.registry == "quay.io"
    cmd = job.validation.command("etl.ipynb")
    assert cmd[:3] == ["nblint", "validate", "etl.ipynb"] and cmd[cmd.index("--level") + 1] == "production"
    assert cmd[cmd.index("stderr") - 1 : cmd.index("stderr") + 1] == ["--fail-on", "stderr"]
    assert "--lint" in cmd and "--expect" in cmd and cmd.count("--ignore-check") == 4


def test_other_kinds_in_the_file_are_skipped_and_bare_specs_work(tmp_path):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"a": "b"}}
    assert [j.name for j in load_jobs(_write(tmp_path, [secret, MINIMAL]))] == ["etl"]
    bare = _write(tmp_path, MINIMAL["spec"], "nightly.yaml")
    assert load_jobs(bare)[0].name == "nightly"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["spec"].pop("notebook"), "spec: 'notebook' is a required property"),
        (lambda d: d["spec"]["podConfig"].update(buildConfig={"strategy": "docker"}),
         "spec.podConfig.buildConfig.strategy: 'docker' is not one of"),
        (lambda d: d["spec"]["podConfig"].update(buildConfig={"strategy": "shipwright"}),
         "'shipwright' is not supported by nblint; use one of kaniko, openshift, s2i, tekton"),
        (lambda d: d["spec"].update(buildTimeout="twenty minutes"),
         "spec.buildTimeout: 'twenty minutes' does not match"),
        (lambda d: d["spec"].update(retryPolicy={"maxBuildRetries": -1}),
         "spec.retryPolicy.maxBuildRetries: -1 is less"),
        (lambda d: d["spec"].update(validationConfig={"level": "strict"}),
         "spec.validationConfig.level: 'strict' is not one of"),
        (lambda d: d.pop("spec"), "spec: required"),
    ],
)  # fmt: skip
def test_invalid_specs_name_the_field(tmp_path, change, expected):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    change(doc)
    with pytest.raises(SpecError) as info:
        load_jobs(_write(tmp_path, doc))
    assert expected in str(info.value) and "job.yaml" in str(info.value)


def test_unreadable_or_empty_files(tmp_path):
    (tmp_path / "bad.yaml").write_text("spec: [unclosed")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_jobs(tmp_path / "bad.yaml")
    (tmp_path / "other.yaml").write_text("kind: ConfigMap\napiVersion: v1\n")
    with pytest.raises(SpecError, match="no NotebookValidationJob found"):
        load_jobs(tmp_path / "other.yaml")
