"""The objects the bridge creates, and the image plan: names, labels, timeouts, credentials, content tags."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest
from conftest import make_project
from nblint.operator_bridge.objects import (
    LABEL_ATTEMPT,
    LABEL_JOB,
    LABEL_ROLE,
    build_objects,
    clone_script,
    expectations_config_map,
    validation_job,
)
from nblint.operator_bridge.plan import content_tag, make_plan
from nblint.operator_bridge.spec import BuildConfig, JobSpec, Validation

IMAGE = "quay.io/team/nblint-env:nb-0123456789abcdef"


def _spec(**build) -> JobSpec:
    return JobSpec(
        name="etl", namespace="data", git_url="https://git.example.com/team/nbs.git", git_ref="v1.2",
        notebook_path="pipelines/etl.ipynb", credentials_secret="git-credentials",
        container_image="python:3.11-slim", build=BuildConfig(enabled=True, **build),
        validation=Validation(level="staging", fail_on=("stderr",),
                              expected_outputs=({"cell": 3, "type": "float"},)),
        build_timeout_s=1200, validation_timeout_s=1800, service_account="runner",
        resources={"limits": {"memory": "2Gi"}},
    )  # fmt: skip


def _assert_common(obj, role, attempt):
    meta = obj["metadata"]
    assert meta["generateName"].startswith(f"etl-{role}-") and meta["namespace"] == "data"
    assert meta["labels"][LABEL_JOB] == "etl" and meta["labels"][LABEL_ROLE] == role
    assert meta["labels"][LABEL_ATTEMPT] == str(attempt)
    assert meta["ownerReferences"][0] == {
        "apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob", "name": "etl", "uid": "u-1",
        "controller": True, "blockOwnerDeletion": True}  # fmt: skip


def _no_secret_in_commands_or_env(obj):
    """Credentials are volumes only: never in a command, an argument or an environment value."""
    for container in _containers(obj):
        assert container.get("env", [{"name": "HOME", "value": "/tmp"}]) == [{"name": "HOME", "value": "/tmp"}]
        assert "envFrom" not in container
        text = json.dumps([container.get("command"), container.get("args"), container.get("script")])
        assert "password=" not in text.replace("echo password=$(cat", "")


def _containers(obj):
    pod = obj["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_validation_job():
    job = validation_job(_spec(), IMAGE, attempt=2, owner_uid="u-1")
    _assert_common(job, "validation", 2)
    spec = job["spec"]
    assert spec["backoffLimit"] == 0 and spec["activeDeadlineSeconds"] == 1800
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["serviceAccountName"] == "runner"
    [container] = pod["containers"]
    assert container["image"] == IMAGE and container["terminationMessagePolicy"] == "File"
    assert container["command"][:5] == ["nblint", "validate", "pipelines/etl.ipynb", "--format", "json"]
    assert "--summary-file" in container["command"] and "--expect" in container["command"]
    assert container["resources"] == {"limits": {"memory": "2Gi"}}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["git-credentials"]["secret"]["secretName"] == "git-credentials"
    assert volumes["expect"]["configMap"]["name"] == expectations_config_map(_spec())["metadata"]["name"]
    _no_secret_in_commands_or_env(job)


def test_tekton_pipeline_run():
    [run] = build_objects(_spec(target="runtime"), IMAGE, "FROM python:3.11\n", attempt=1, owner_uid="u-1")
    _assert_common(run, "build", 1)
    assert run["apiVersion"] == "tekton.dev/v1" and run["spec"]["timeouts"]["pipeline"] == "1200s"
    clone, build = run["spec"]["pipelineSpec"]["tasks"]
    assert build["runAfter"] == ["clone"]
    assert "git -c credential.helper=" in clone["taskSpec"]["steps"][0]["script"]  # credentials read from files
    script = build["taskSpec"]["steps"][0]["script"]
    assert "cat > /workspace/source/.nblint.Dockerfile <<'NBLINT_EOF'\nFROM python:3.11\nNBLINT_EOF" in script
    assert f"--target runtime -f /workspace/source/.nblint.Dockerfile -t {IMAGE}" in script
    assert f"buildah --storage-driver vfs push {IMAGE}" in script
    git = {"name": "git-credentials", "secret": {"secretName": "git-credentials", "defaultMode": 0o440}}
    assert git in run["spec"]["workspaces"]


def test_openshift_build_config_and_build():
    config, build = build_objects(_spec(strategy="s2i", dockerfile="docker/Dockerfile"), IMAGE, "", 1, "u-1")
    assert config["kind"] == "BuildConfig" and config["metadata"]["name"] == "etl-env"
    assert config["spec"]["runPolicy"] == "Serial"
    _assert_common(build, "build", 1)
    assert build["kind"] == "Build" and build["metadata"]["annotations"] == {
        "openshift.io/build-config.name": "etl-env"
    }
    spec = build["spec"]
    assert spec["strategy"]["dockerStrategy"]["dockerfilePath"] == "docker/Dockerfile"
    assert spec["output"]["to"] == {"kind": "DockerImage", "name": IMAGE}
    assert spec["source"]["git"] == {"uri": "https://git.example.com/team/nbs.git", "ref": "v1.2"}
    assert spec["source"]["sourceSecret"] == {"name": "git-credentials"} and spec["completionDeadlineSeconds"] == 1200


def test_kaniko_job_with_cache():
    config_map, job = build_objects(_spec(strategy="kaniko"), IMAGE, "FROM python:3.11\n", 3, "u-1")
    _assert_common(job, "build", 3)
    assert (
        config_map["data"]["Dockerfile"] == "FROM python:3.11\n"
        and config_map["metadata"]["name"] == "etl-dockerfile-3"
    )
    [kaniko] = job["spec"]["template"]["spec"]["containers"]
    assert f"--destination={IMAGE}" in kaniko["args"] and "--cache=true" in kaniko["args"]
    assert job["spec"]["activeDeadlineSeconds"] == 1200
    _no_secret_in_commands_or_env(job)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_clone_script_really_clones_the_ref(tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    for cmd in (["init", "-q"], ["config", "user.email", "t@e"], ["config", "user.name", "t"]):
        subprocess.run(["git", *cmd], cwd=origin, check=True)
    (origin / "nb.ipynb").write_text("{}")
    subprocess.run(["git", "add", "."], cwd=origin, check=True)
    subprocess.run(["git", "commit", "-qm", "x"], cwd=origin, check=True)
    subprocess.run(["git", "tag", "v1.2"], cwd=origin, check=True)
    spec = replace(_spec(), git_url=f"file://{origin}")
    result = subprocess.run(
        ["sh", "-c", clone_script(spec, str(tmp_path / "checkout"))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "checkout" / "nb.ipynb").exists()


def test_content_tag_is_shared_by_equal_environments_and_changes_with_them(tmp_path):
    make_project(tmp_path, {"a/requirements.txt": "pandas==2.2.2\n", "b/requirements.txt": "pandas==2.2.2\n"})
    tag_a = content_tag("FROM x\n", (str(tmp_path / "a/requirements.txt"),), "python:3.11")
    tag_b = content_tag("FROM x\n", (str(tmp_path / "b/requirements.txt"),), "python:3.11")
    assert tag_a == tag_b and tag_a.startswith("nb-")
    (tmp_path / "b/requirements.txt").write_text("pandas==2.2.3\n")
    assert content_tag("FROM x\n", (str(tmp_path / "b/requirements.txt"),), "python:3.11") != tag_a
    assert content_tag("FROM x\n", (str(tmp_path / "a/requirements.txt"),), "python:3.12") != tag_a


def test_plan_from_a_checkout(tmp_path, write_nb):
    make_project(tmp_path, {"pipelines/requirements.txt": "pandas==2.2.2\n"})
    write_nb("pipelines/etl.ipynb", "import pandas")
    spec = replace(_spec(), build=BuildConfig(enabled=True, registry="quay.io", registry_namespace="team"))
    plan = make_plan(spec, tmp_path)
    assert plan.image.startswith("quay.io/team/nblint-env:nb-") and plan.source == "generated"
    assert "COPY pipelines/requirements.txt" in plan.dockerfile and "etl.ipynb" not in plan.dockerfile
    other = make_plan(replace(spec, notebook_path="pipelines/report.ipynb"), tmp_path)
    assert other.image == plan.image  # same environment, same image


def test_api_calls_are_retried_on_throttling_and_server_errors_not_on_conflicts():
    from kubernetes.client.exceptions import ApiException
    from nblint.operator_bridge.kube import retrying

    answers = [ApiException(status=429), ApiException(status=503), "created"]

    def flaky():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retrying(flaky) == "created" and answers == []

    def conflict():
        raise ApiException(status=409)

    with pytest.raises(ApiException):
        retrying(conflict)  # the caller's to interpret: adopt an existing object, or re-read and retry
