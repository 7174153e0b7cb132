"""Kubernetes objects for each action: builds (Tekton, OpenShift Build, kaniko) and the validation Job.

Every object carries the labels the bridge finds it by (job, role, attempt), an owner reference to
the NotebookValidationJob when it exists (so deleting the job deletes them), and a name from
generateName. Git credentials come from the job's Secret mounted as files and read by a credential
helper: they never appear on a command line or in an environment value.

Every pod passes the Pod Security `restricted` profile and runs under any UID (OpenShift assigns a random
one with group 0 or the namespace's fsGroup): non-root, RuntimeDefault seccomp, no privilege escalation,
all capabilities dropped, secrets mounted group-readable (0440), HOME on a writable /tmp. The only
exceptions are the documented opt-in `buildConfig.privileged` builds.
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
GOLDEN_CREDENTIALS_DIR = "/etc/nblint/golden-git"
REGISTRY_AUTH_DIR = "/etc/nblint/registry"  # the push Secret's .dockerconfigjson
REGISTRY_CA_DIR = "/etc/nblint/registry-ca"  # ca.crt, as buildah's --cert-dir wants it
WORKSPACE = "/workspace"
SECRET_MODE = 0o440  # readable by the pod's group: OpenShift's random UID shares only the group
_HOME = {"name": "HOME", "value": "/tmp"}  # a random UID has no home directory; git and Jupyter want one


def pod_security(spec: JobSpec, root: bool = False) -> dict[str, Any]:
    """The pod-level securityContext: the restricted profile unless a root build was opted into."""
    if root:
        return {"runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}}
    context: dict[str, Any] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    if spec.pod.run_as_user is not None:
        context["runAsUser"] = spec.pod.run_as_user
    return context


def container_security(privileged: bool = False) -> dict[str, Any]:
    if privileged:
        return {"privileged": True}
    return {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}


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
    return _clone(spec.git_url, spec.git_ref, dest, CREDENTIALS_DIR)


def _clone(url: str, ref: str, dest: str, credentials_dir: str) -> str:
    helper = (
        f"!f() {{ test -f {credentials_dir}/username && echo username=$(cat {credentials_dir}/username); "
        f"test -f {credentials_dir}/password && echo password=$(cat {credentials_dir}/password); }}; f"
    )
    git = f"git -c credential.helper={shlex.quote(helper)}"
    ref, url, dest = shlex.quote(ref), shlex.quote(url), shlex.quote(dest)
    return (
        "set -eu\n"
        f"{git} clone --depth 1 --branch {ref} {url} {dest} 2>/dev/null || "
        f"({git} clone {url} {dest} && git -C {dest} checkout {ref})\n"
    )


def _secret_volume(name: str, secret: str | None, path: str) -> tuple[list[dict], list[dict]]:
    if not secret:
        return [], []
    volume = {"name": name, "secret": {"secretName": secret, "defaultMode": SECRET_MODE}}
    return [volume], [{"name": name, "mountPath": path, "readOnly": True}]


def _credential_volume(spec: JobSpec) -> tuple[list[dict], list[dict]]:
    return _secret_volume("git-credentials", spec.credentials_secret, CREDENTIALS_DIR)


def _init_clone(script: str, mounts: list[dict], root: bool = False) -> dict:
    security = container_security()
    if root:  # in a root pod runAsNonRoot would stop the container; it still drops everything
        security.pop("runAsNonRoot")
    return {"name": "clone", "image": GIT_IMAGE, "command": ["sh", "-c", script], "env": [_HOME],
            "securityContext": security,
            "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}, *mounts]}  # fmt: skip


def _registry_volumes(spec: JobSpec) -> tuple[list[dict], list[dict]]:
    """The push Secret (as an auth file) and the registry's CA, for the builder."""
    volumes, mounts = [], []
    if spec.build.push_secret:
        volumes.append({"name": "registry-auth", "secret": {
            "secretName": spec.build.push_secret, "defaultMode": SECRET_MODE,
            "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}})  # fmt: skip
        mounts.append({"name": "registry-auth", "mountPath": REGISTRY_AUTH_DIR, "readOnly": True})
    if spec.build.registry_ca:
        volumes.append({"name": "registry-ca", "configMap": {"name": spec.build.registry_ca}})
        mounts.append({"name": "registry-ca", "mountPath": REGISTRY_CA_DIR, "readOnly": True})
    return volumes, mounts


def build_objects(spec: JobSpec, image: str, dockerfile: str, attempt: int, owner_uid: str | None = None) -> list[dict]:
    """The objects one build attempt creates, for the job's strategy."""
    if spec.build.strategy == "tekton":
        return [_pipeline_run(spec, image, dockerfile, attempt, owner_uid)]
    if spec.build.strategy == "s2i":
        return _openshift_build(spec, image, dockerfile, attempt, owner_uid)
    return _kaniko_job(spec, image, dockerfile, attempt, owner_uid)


def _build_command(spec: JobSpec, image: str, dockerfile_path: str, context: str) -> str:
    """Rootless buildah (vfs storage, chroot isolation: no privileges, no user namespaces needed)."""
    target = f" --target {shlex.quote(spec.build.target)}" if spec.build.target else ""
    cache = " --layers" if spec.build.cache else ""
    isolation = "" if spec.build.privileged else " --isolation chroot"
    push = ""
    if spec.build.push_secret:
        push += f" --authfile {REGISTRY_AUTH_DIR}/config.json"
    if spec.build.registry_ca:
        push += f" --cert-dir {REGISTRY_CA_DIR}"
    return (
        f"buildah --storage-driver vfs bud{cache}{isolation}{target} -f {shlex.quote(dockerfile_path)} "
        f"-t {shlex.quote(image)} {shlex.quote(context)} && "
        f"buildah --storage-driver vfs push{push} {shlex.quote(image)}"
    )


def _pipeline_run(spec: JobSpec, image: str, dockerfile: str, attempt: int, owner_uid) -> dict:
    source = f"{WORKSPACE}/source"
    dockerfile_path = f"{source}/{spec.build.dockerfile}" if spec.build.dockerfile else f"{source}/.nblint.Dockerfile"
    write_dockerfile = (
        "" if spec.build.dockerfile else f"cat > {dockerfile_path} <<'NBLINT_EOF'\n{dockerfile}NBLINT_EOF\n"
    )
    credentials = [{"name": "git-credentials", "secret": {"secretName": spec.credentials_secret,
                                                          "defaultMode": SECRET_MODE}}] \
        if spec.credentials_secret else []  # fmt: skip
    registry_volumes, registry_mounts = _registry_volumes(spec)
    home = [_HOME]
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
                                  "steps": [{"name": "clone", "image": GIT_IMAGE, "env": home,
                                             "securityContext": container_security(),
                                             "script": clone_script(spec, source)}]}},
                    {"name": "build", "runAfter": ["clone"], "workspaces": [{"name": "source", "workspace": "source"}],
                     "taskSpec": {"workspaces": [{"name": "source", "mountPath": WORKSPACE}],
                                  "volumes": registry_volumes,
                                  "steps": [{"name": "build", "image": BUILDAH_IMAGE, "env": home,
                                             "securityContext": container_security(spec.build.privileged),
                                             "volumeMounts": registry_mounts,
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
    template: dict[str, Any] = {"podTemplate": {"securityContext": pod_security(spec)}}
    if spec.service_account:
        template["serviceAccountName"] = spec.service_account
    run["spec"]["taskRunTemplate"] = template
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
    output: dict[str, Any] = {"to": {"kind": "DockerImage", "name": image}}
    if spec.build.push_secret:
        output["pushSecret"] = {"name": spec.build.push_secret}
    build_spec = {"source": source, "strategy": strategy, "output": output,
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
    """kaniko unpacks the base image as root: only with the opt-in `privileged` (the spec refuses it otherwise)."""
    volumes, mounts = _credential_volume(spec)
    registry_volumes, registry_mounts = _registry_volumes(spec)
    registry_mounts = [{**m, "mountPath": "/kaniko/.docker"} if m["name"] == "registry-auth" else m
                       for m in registry_mounts]  # fmt: skip
    source = f"{WORKSPACE}/source"
    dockerfile_path = f"{source}/{spec.build.dockerfile}" if spec.build.dockerfile else "/etc/nblint/build/Dockerfile"
    args = [f"--context=dir://{source}", f"--dockerfile={dockerfile_path}", f"--destination={image}"]
    if spec.build.cache:
        args.append("--cache=true")
    if spec.build.target:
        args.append(f"--target={spec.build.target}")
    if spec.build.registry_ca:
        host = image.split("/", 1)[0]
        args.append(f"--registry-certificate={host}={REGISTRY_CA_DIR}/ca.crt")
    config_map = _config_map(spec, f"{spec.name}-dockerfile-{attempt}", {"Dockerfile": dockerfile}, owner_uid)
    build_volumes = [] if spec.build.dockerfile else [
        {"name": "dockerfile", "configMap": {"name": config_map["metadata"]["name"]}}]  # fmt: skip
    job = _job(spec, "build", attempt, owner_uid, spec.build_timeout_s, {
        "securityContext": pod_security(spec, root=True),
        "initContainers": [_init_clone(clone_script(spec, source), mounts, root=True)],
        "containers": [{"name": "kaniko", "image": KANIKO_IMAGE, "args": args,
                        "securityContext": {"allowPrivilegeEscalation": False},
                        "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}, *registry_mounts,
                                         *([{"name": "dockerfile", "mountPath": "/etc/nblint/build"}]
                                           if build_volumes else [])]}],
        "volumes": [{"name": "workspace", "emptyDir": {}}, *volumes, *registry_volumes, *build_volumes],
    })  # fmt: skip
    return [job] if spec.build.dockerfile else [config_map, job]


def validation_job(spec: JobSpec, image: str, attempt: int, owner_uid: str | None = None) -> dict:
    """A batch Job in the built image running `nblint validate --format json`: the summary goes to the
    termination message, the full report to the pod log. podConfig's env, envFrom (and `credentials`),
    volumes, volumeMounts, nodeSelector, tolerations and affinity go on this pod; a golden notebook is
    cloned next to the repository and compared with `--golden`."""
    volumes, mounts = _credential_volume(spec)
    repo, golden_root = f"{WORKSPACE}/repo", f"{WORKSPACE}/golden"
    options = spec.pod
    container: dict[str, Any] = {
        "name": "validate",
        "image": image,
        "workingDir": repo,
        "command": spec.validation.command(spec.notebook_path, golden_root),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "env": [_HOME, *options.env],
        "securityContext": container_security(),
        "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}, *options.volume_mounts],
    }
    if options.env_from:
        container["envFrom"] = list(options.env_from)
    if spec.resources:
        container["resources"] = spec.resources
    extra_volumes = list(options.volumes)
    if spec.validation.expected_outputs:
        container["volumeMounts"].append({"name": "expect", "mountPath": "/etc/nblint/expect", "readOnly": True})
        extra_volumes.append({"name": "expect", "configMap": {"name": expectations_name(spec)}})
    script = clone_script(spec, repo)
    golden = spec.validation.golden
    if golden:
        golden_volumes, golden_mounts = _secret_volume(
            "golden-credentials", golden.credentials_secret, GOLDEN_CREDENTIALS_DIR)  # fmt: skip
        volumes, mounts = volumes + golden_volumes, mounts + golden_mounts
        script += _clone(golden.git_url, golden.git_ref, golden_root, GOLDEN_CREDENTIALS_DIR).removeprefix("set -eu\n")
    pod: dict[str, Any] = {
        "securityContext": pod_security(spec),
        "initContainers": [_init_clone(script, mounts)],
        "containers": [container],
        "volumes": [{"name": "workspace", "emptyDir": {}}, *volumes, *extra_volumes],
    }
    if options.node_selector:
        pod["nodeSelector"] = dict(options.node_selector)
    if options.tolerations:
        pod["tolerations"] = list(options.tolerations)
    if options.affinity:
        pod["affinity"] = dict(options.affinity)
    return _job(spec, "validation", attempt, owner_uid, spec.validation_timeout_s, pod)


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


def job_manifest(spec: JobSpec, namespace: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """The NotebookValidationJob object nblint creates for a spec."""
    labels = {**((spec.raw.get("metadata") or {}).get("labels") or {}), "app.kubernetes.io/managed-by": MANAGED_BY}
    meta: dict[str, Any] = {"name": spec.name, "namespace": namespace, "labels": labels}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "metadata": meta, "spec": spec.raw.get("spec", {})}


def fixed_name(obj: dict[str, Any], attempt: int, owner_uid: str | None) -> dict[str, Any]:
    """Give an object made with generateName the name fixed by its attempt and owner, so that two drivers
    (or a restarted one) creating it meet on a 409 instead of making two."""
    meta = obj["metadata"]
    if meta.get("generateName"):
        meta["name"] = f"{meta.pop('generateName')}{attempt}" + (f"-{owner_uid[:5]}" if owner_uid else "")
    return obj


def first_attempt(spec: JobSpec, namespace: str, image: str, dockerfile: str) -> list[dict[str, Any]]:
    """Every object one run creates when nothing fails, in order: the job, its build (when it builds), the
    expectations ConfigMap (when it declares any) and the validation Job. What `submit --dry-run` prints."""
    made = [job_manifest(spec, namespace)]
    if spec.build.enabled:
        made += build_objects(spec, image, dockerfile, 1)
    if spec.validation.expected_outputs:
        made.append(expectations_config_map(spec))
    made.append(validation_job(spec, image, 1))
    for obj in made[1:]:
        fixed_name(obj, 1, None)["metadata"]["namespace"] = namespace
    return made
