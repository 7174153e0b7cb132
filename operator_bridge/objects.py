"""Kubernetes objects for each action: builds (Tekton, OpenShift Build, kaniko) and the validation Job.

Every object carries the labels the bridge finds it by (job, role, attempt), an owner reference to
the NotebookValidationJob when it exists (so deleting the job deletes them), and a name from
generateName. Git credentials come from the job's Secret mounted as files and read by a credential
helper: they never appear on a command line or in an environment value.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from nblint.operator_bridge.spec import GROUP, KIND, VERSION, JobSpec

MANAGED_BY = "nblint"
LABEL_JOB, LABEL_ROLE, LABEL_ATTEMPT = "nblint.dev/job", "nblint.dev/role", "nblint.dev/attempt"
GIT_IMAGE = "docker.io/alpine/git:2.45.2"
BUILDAH_IMAGE = "quay.io/buildah/stable:v1.37.3"
KANIKO_IMAGE = "gcr.io/kaniko-project/executor:v1.23.2"
CREDENTIALS_DIR = "/etc/nblint/git"
WORKSPACE = "/workspace"


def labels(spec: JobSpec, role: str, attempt: int) -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        LABEL_JOB: spec.name,
        LABEL_ROLE: role,
        LABEL_ATTEMPT: str(attempt),
    }


def selector(spec: JobSpec, role: str) -> str:
    return f"{LABEL_JOB}={spec.name},{LABEL_ROLE}={role}"


def _metadata(spec: JobSpec, role: str, attempt: int, owner_uid: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "generateName": f"{spec.name[:40]}-{role}-",
        "labels": labels(spec, role, attempt),
    }
    if spec.namespace:
        meta["namespace"] = spec.namespace
    if owner_uid:
        meta["ownerReferences"] = [{
            "apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "name": spec.name, "uid": owner_uid,
            "controller": True, "blockOwnerDeletion": True,
        }]  # fmt: skip
    return meta


def clone_script(spec: JobSpec, dest: str) -> str:
    """Shell that clones the job's repository; credentials are read from mounted files by a helper."""
    helper = (
        f"!f() {{ test -f {CREDENTIALS_DIR}/username && echo username=$(cat {CREDENTIALS_DIR}/username); "
        f"test -f {CREDENTIALS_DIR}/password && echo password=$(cat {CREDENTIALS_DIR}/password); }}; f"
    )
    return (
        "set -eu\n"
        f"git -c credential.helper={shlex.quote(helper)} clone --depth 1 --branch {shlex.quote(spec.git_ref)} "
        f"{shlex.quote(spec.git_url)} {shlex.quote(dest)} 2>/dev/null || "
        f"(git -c credential.helper={shlex.quote(helper)} clone {shlex.quote(spec.git_url)} {shlex.quote(dest)} && "
        f"git -C {shlex.quote(dest)} checkout {shlex.quote(spec.git_ref)})\n"
    )


def _credential_volume(spec: JobSpec) -> tuple[list[dict], list[dict]]:
    if not spec.credentials_secret:
        return [], []
    volume = {"name": "git-credentials", "secret": {"secretName": spec.credentials_secret, "defaultMode": 0o400}}
    mount = {"name": "git-credentials", "mountPath": CREDENTIALS_DIR, "readOnly": True}
    return [volume], [mount]


def build_objects(spec: JobSpec, image: str, dockerfile: str, attempt: int, owner_uid: str | None = None) -> list[dict]:
    """The objects one build attempt creates, for the job's strategy."""
    if spec.build.strategy == "tekton":
        return [_pipeline_run(spec, image, dockerfile, attempt, owner_uid)]
    if spec.build.strategy == "s2i":
        return _openshift_build(spec, image, dockerfile, attempt, owner_uid)
    return _kaniko_job(spec, image, dockerfile, attempt, owner_uid)


def _build_command(spec: JobSpec, image: str, dockerfile_path: str, context: str) -> str:
    target = f" --target {shlex.quote(spec.build.target)}" if spec.build.target else ""
    cache = " --layers" if spec.build.cache else ""
    return (
        f"buildah --storage-driver vfs bud{cache}{target} -f {shlex.quote(dockerfile_path)} "
        f"-t {shlex.quote(image)} {shlex.quote(context)} && buildah --storage-driver vfs push {shlex.quote(image)}"
    )


def _pipeline_run(spec: JobSpec, image: str, dockerfile: str, attempt: int, owner_uid) -> dict:
    source = f"{WORKSPACE}/source"
    dockerfile_path = f"{source}/{spec.build.dockerfile}" if spec.build.dockerfile else f"{source}/.nblint.Dockerfile"
    write_dockerfile = (
        "" if spec.build.dockerfile else f"cat > {dockerfile_path} <<'NBLINT_EOF'\n{dockerfile}NBLINT_EOF\n"
    )
    credentials = [{"name": "git-credentials", "secret": {"secretName": spec.credentials_secret}}] \
        if spec.credentials_secret else []  # fmt: skip
    run = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": _metadata(spec, "build", attempt, owner_uid),
        "spec": {
            "timeouts": {"pipeline": f"{int(spec.build_timeout_s or 3600)}s"},
            "pipelineSpec": {
                "workspaces": [{"name": "source"}, {"name": "git-credentials", "optional": True}],
                "tasks": [
                    {"name": "clone", "workspaces": [{"name": "source", "workspace": "source"},
                                                     {"name": "git-credentials", "workspace": "git-credentials"}],
                     "taskSpec": {"workspaces": [{"name": "source", "mountPath": WORKSPACE},
                                                 {"name": "git-credentials", "mountPath": CREDENTIALS_DIR,
                                                  "optional": True}],
                                  "steps": [{"name": "clone", "image": GIT_IMAGE,
                                             "script": clone_script(spec, source)}]}},
                    {"name": "build", "runAfter": ["clone"], "workspaces": [{"name": "source", "workspace": "source"}],
                     "taskSpec": {"workspaces": [{"name": "source", "mountPath": WORKSPACE}],
                                  "steps": [{"name": "build", "image": BUILDAH_IMAGE,
                                             "securityContext": {"privileged": True},
                                             "script": "set -eu\n" + write_dockerfile +
                                             _build_command(spec, image, dockerfile_path, source) + "\n"}]}},
                ],
            },
            "workspaces": [
                {"name": "source", "volumeClaimTemplate": {"spec": {
                    "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}},
                *credentials,
            ],
        },
    }  # fmt: skip
    if spec.service_account:
        run["spec"]["taskRunTemplate"] = {"serviceAccountName": spec.service_account}
    return run


def _openshift_build(spec: JobSpec, image: str, dockerfile: str, attempt: int, owner_uid) -> list[dict]:
    """A BuildConfig for the job (docker strategy) and one Build per attempt, linked to it the way
    `oc start-build` links them (annotation and label), so OpenShift's console shows the history."""
    source: dict[str, Any] = {"type": "Git", "git": {"uri": spec.git_url, "ref": spec.git_ref}}
    strategy: dict[str, Any] = {"type": "Docker", "dockerStrategy": {}}
    if spec.build.dockerfile:
        strategy["dockerStrategy"]["dockerfilePath"] = spec.build.dockerfile
    else:
        source["dockerfile"] = dockerfile
    if spec.build.target:
        strategy["dockerStrategy"]["buildArgs"] = [{"name": "NBLINT_TARGET", "value": spec.build.target}]
    if spec.credentials_secret:
        source["sourceSecret"] = {"name": spec.credentials_secret}
    if spec.build.cache is False:
        strategy["dockerStrategy"]["noCache"] = True
    build_spec = {"source": source, "strategy": strategy, "output": {"to": {"kind": "DockerImage", "name": image}},
                  "completionDeadlineSeconds": int(spec.build_timeout_s or 3600)}  # fmt: skip
    config_name = f"{spec.name}-env"
    config_meta = _metadata(spec, "buildconfig", 1, owner_uid)
    config_meta.pop("generateName")
    config_meta["name"] = config_name
    build_meta = _metadata(spec, "build", attempt, owner_uid)
    build_meta["labels"]["buildconfig"] = config_name
    build_meta["annotations"] = {"openshift.io/build-config.name": config_name}
    return [
        {"apiVersion": "build.openshift.io/v1", "kind": "BuildConfig", "metadata": config_meta,
         "spec": {"runPolicy": "Serial", **build_spec}},
        {"apiVersion": "build.openshift.io/v1", "kind": "Build", "metadata": build_meta, "spec": build_spec},
    ]  # fmt: skip


def _kaniko_job(spec: JobSpec, image: str, dockerfile: str, attempt: int, owner_uid) -> list[dict]:
    volumes, mounts = _credential_volume(spec)
    source = f"{WORKSPACE}/source"
    dockerfile_path = f"{source}/{spec.build.dockerfile}" if spec.build.dockerfile else "/etc/nblint/build/Dockerfile"
    args = [f"--context=dir://{source}", f"--dockerfile={dockerfile_path}", f"--destination={image}"]
    if spec.build.cache:
        args.append("--cache=true")
    if spec.build.target:
        args.append(f"--target={spec.build.target}")
    config_map = _config_map(spec, f"{spec.name}-dockerfile-{attempt}", {"Dockerfile": dockerfile}, owner_uid)
    build_volumes = [] if spec.build.dockerfile else [
        {"name": "dockerfile", "configMap": {"name": config_map["metadata"]["name"]}}]  # fmt: skip
    job = _job(spec, "build", attempt, owner_uid, spec.build_timeout_s, {
        "initContainers": [{"name": "clone", "image": GIT_IMAGE, "command": ["sh", "-c", clone_script(spec, source)],
                            "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}, *mounts]}],
        "containers": [{"name": "kaniko", "image": KANIKO_IMAGE, "args": args,
                        "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE},
                                         *([{"name": "dockerfile", "mountPath": "/etc/nblint/build"}]
                                           if build_volumes else [])]}],
        "volumes": [{"name": "workspace", "emptyDir": {}}, *volumes, *build_volumes],
    })  # fmt: skip
    return [job] if spec.build.dockerfile else [config_map, job]


def validation_job(spec: JobSpec, image: str, attempt: int, owner_uid: str | None = None) -> dict:
    """A batch Job in the built image running `nblint validate --format json`: the summary goes to the
    termination message, the full report to the pod log."""
    volumes, mounts = _credential_volume(spec)
    repo = f"{WORKSPACE}/repo"
    container: dict[str, Any] = {
        "name": "validate",
        "image": image,
        "workingDir": repo,
        "command": spec.validation.command(spec.notebook_path),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}],
    }
    if spec.resources:
        container["resources"] = spec.resources
    extra_volumes = []
    if spec.validation.expected_outputs:
        container["volumeMounts"].append({"name": "expect", "mountPath": "/etc/nblint/expect", "readOnly": True})
        extra_volumes.append({"name": "expect", "configMap": {"name": expectations_name(spec)}})
    return _job(spec, "validation", attempt, owner_uid, spec.validation_timeout_s, {
        "initContainers": [{"name": "clone", "image": GIT_IMAGE, "command": ["sh", "-c", clone_script(spec, repo)],
                            "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}, *mounts]}],
        "containers": [container],
        "volumes": [{"name": "workspace", "emptyDir": {}}, *volumes, *extra_volumes],
    })  # fmt: skip


def expectations_name(spec: JobSpec) -> str:
    return f"{spec.name}-expect"


def expectations_config_map(spec: JobSpec, owner_uid: str | None = None) -> dict:
    """The job spec's expectedOutputs, mounted where the validation command reads them."""
    data = {"expect.json": json.dumps({"expectedOutputs": list(spec.validation.expected_outputs)})}
    return _config_map(spec, expectations_name(spec), data, owner_uid)


def _config_map(spec: JobSpec, name: str, data: dict[str, str], owner_uid) -> dict:
    meta = _metadata(spec, "config", 1, owner_uid)
    meta.pop("generateName")
    meta["name"] = name
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _job(spec: JobSpec, role: str, attempt: int, owner_uid, timeout_s: float | None, pod: dict) -> dict:
    job_spec: dict[str, Any] = {
        "backoffLimit": 0,  # retries are the bridge's decision: infrastructure failures only
        "ttlSecondsAfterFinished": 86400,
        "template": {
            "metadata": {"labels": labels(spec, role, attempt)},
            "spec": {"restartPolicy": "Never", **pod},
        },
    }
    if timeout_s:
        job_spec["activeDeadlineSeconds"] = int(timeout_s)
    if spec.service_account:
        job_spec["template"]["spec"]["serviceAccountName"] = spec.service_account
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _metadata(spec, role, attempt, owner_uid),
            "spec": job_spec}  # fmt: skip
