"""The job spec means what it says: each field of the reference samples lands in the object it belongs to,
is mapped onto nblint's own with a warning, or is refused with its path. Every object passes the Pod Security
restricted profile and carries its timeout."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, make_project
from nblint.operator_bridge.objects import build_objects, validation_job
from nblint.operator_bridge.plan import make_plan
from nblint.operator_bridge.spec import SpecError, load_jobs, parse
from pod_security import pod_specs, restricted_violations

SAMPLES = sorted((ROOT / "tests" / "fixtures" / "jobs").glob("*.yaml"))
IMAGE = "quay.io/team/nblint-env:nb-0123456789abcdef"
JOBS = [job for sample in SAMPLES for job in load_jobs(sample)]


def _docs_with(path: str):
    """(job, value) for every sample job whose spec has `path` (dotted, under spec)."""
    out = []
    for job in JOBS:
        node = job.raw["spec"]
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            out.append((job, node))
    assert out, f"no sample has spec.{path}"
    return out


def _seconds(text: str) -> float:
    return {"m": 60, "h": 3600, "s": 1}[text[-1]] * float(text[:-1])


def _pod(job):
    return validation_job(job, IMAGE, 1, "u-1")["spec"]["template"]["spec"]


def _container(job):
    return _pod(job)["containers"][0]


def test_every_field_the_samples_use_is_handled():
    """A field added to the samples (or the CRD) must get a row here and in docs/cluster.md, never be dropped."""
    handled = {
        "notebook", "podConfig.containerImage", "podConfig.resources", "podConfig.serviceAccountName",
        "podConfig.env", "podConfig.envFrom", "podConfig.credentials", "podConfig.volumes", "podConfig.volumeMounts",
        "podConfig.nodeSelector", "podConfig.tolerations", "podConfig.affinity", "podConfig.buildConfig",
        "goldenNotebook", "comparisonConfig", "timeout",
    }  # fmt: skip
    used = set()
    for job in JOBS:
        for key, value in job.raw["spec"].items():
            if key == "podConfig":
                used |= {f"podConfig.{k}" for k in value}
            else:
                used.add(key)
    assert used - handled == set()
    docs = (ROOT / "docs" / "cluster.md").read_text()
    for name in ("env", "envFrom", "credentials", "volumes", "nodeSelector", "tolerations", "affinity",
                 "goldenNotebook", "comparisonConfig", "fallbackStrategy", "modelValidation", "maxRetries",
                 "backoffLimit", "timeout"):  # fmt: skip
        assert re.search(rf"`[^`\n]*\b{name}\b[^`\n]*`", docs), name


def test_env_goes_into_the_validation_container():
    for job, env in _docs_with("podConfig.env"):
        container_env = _container(job)["env"]
        assert all(entry in container_env for entry in env)
        assert container_env[0] == {"name": "HOME", "value": "/tmp"}  # ours first: the user's wins if it sets HOME


def test_env_from_and_the_credentials_shorthand():
    for job, env_from in _docs_with("podConfig.envFrom"):
        assert all(entry in _container(job)["envFrom"] for entry in env_from)
    for job, names in _docs_with("podConfig.credentials"):
        assert all({"secretRef": {"name": name}} in _container(job)["envFrom"] for name in names)


def test_volumes_and_mounts():
    for job, volumes in _docs_with("podConfig.volumes"):
        assert all(volume in _pod(job)["volumes"] for volume in volumes)
    for job, mounts in _docs_with("podConfig.volumeMounts"):
        assert all(mount in _container(job)["volumeMounts"] for mount in mounts)


@pytest.mark.parametrize(("field", "key"), [("nodeSelector", "nodeSelector"), ("tolerations", "tolerations"),
                                            ("affinity", "affinity")])  # fmt: skip
def test_scheduling_fields(field, key):
    for job, value in _docs_with(f"podConfig.{field}"):
        expected = value
        if field == "tolerations":  # the CRD defaults operator: Equal, as the API server stores it
            expected = [{"operator": "Equal", **t} for t in value]
        assert _pod(job)[key] == expected


def test_golden_notebook_is_cloned_and_compared_with_the_tolerance():
    for job, golden in _docs_with("goldenNotebook"):
        pod = _pod(job)
        script = pod["initContainers"][0]["command"][2]
        assert golden["git"]["url"] in script and "/workspace/golden" in script
        command = pod["containers"][0]["command"]
        assert command[command.index("--golden") + 1] == f"/workspace/golden/{golden['path']}"
        comparison = job.raw["spec"].get("comparisonConfig") or {}
        tolerance = 0.0 if comparison.get("strategy") == "exact" else float(
            comparison.get("floatingPointTolerance", "0.0001"))  # fmt: skip
        assert float(command[command.index("--rtol") + 1]) == float(command[command.index("--atol") + 1]) == tolerance
        secret = golden["git"].get("credentialsSecret")
        golden_volumes = [v for v in pod["volumes"] if v["name"] == "golden-credentials"]
        assert [v["secret"]["secretName"] for v in golden_volumes] == ([secret] if secret else [])


def test_comparison_options_nblint_cannot_honour_are_warned_about():
    for job, comparison in _docs_with("comparisonConfig"):
        if comparison.get("customTimestampPatterns"):
            assert any("customTimestampPatterns" in w for w in job.warnings)
        if comparison.get("ignoreTimestamps") is False:
            assert any("ignoreTimestamps" in w for w in job.warnings)


def test_timeouts_are_on_every_object():
    for job, timeout in _docs_with("timeout"):
        if "validationTimeout" not in job.raw["spec"]:  # the old single timeout is the validation Job's deadline
            assert job.validation_timeout_s == _seconds(timeout)
        assert validation_job(job, IMAGE, 1)["spec"]["activeDeadlineSeconds"] == int(job.validation_timeout_s)
    built = [job for job in JOBS if job.build.enabled]
    assert built
    for job in built:
        limit = int(job.build_timeout_s)
        for strategy in ("tekton", "s2i", "kaniko"):
            variant = replace(job, build=replace(job.build, strategy=strategy, privileged=strategy == "kaniko"))
            obj = build_objects(variant, IMAGE, "FROM python:3.11\n", 1)[-1]
            if obj["kind"] == "PipelineRun":
                assert obj["spec"]["timeouts"]["pipeline"] == f"{limit}s"
            elif obj["kind"] == "Build":
                assert obj["spec"]["completionDeadlineSeconds"] == limit
            else:
                assert obj["spec"]["activeDeadlineSeconds"] == limit


def test_every_object_passes_the_restricted_profile():
    for job in JOBS:
        objects = [validation_job(job, IMAGE, 1, "u-1")]
        if job.build.enabled:
            objects += build_objects(job, IMAGE, "FROM python:3.11\n", 1, "u-1")
        pods = [pod for obj in objects for pod in pod_specs(obj)]
        assert pods
        for pod in pods:
            assert restricted_violations(pod) == [], job.name
            secrets = [v["secret"] for v in pod.get("volumes", []) if "secret" in v]
            # readable by OpenShift's random UID through its group (Kubernetes' default mode is 0644); a mode the
            # user chose that is not is kept, and warned about
            unreadable = [s for s in secrets if not s.get("defaultMode", 0o644) & 0o040]
            assert all(any(f"{s['defaultMode']:#o} is readable by its owner" in w for w in job.warnings)
                       for s in unreadable)  # fmt: skip
            assert all(s["defaultMode"] == 0o440 for s in secrets if s["secretName"] == job.credentials_secret)


def test_privileged_builds_are_opt_in_and_visible():
    job = next(job for job in JOBS if job.build.enabled)
    privileged = replace(job, build=replace(job.build, strategy="tekton", privileged=True))
    [run] = build_objects(privileged, IMAGE, "FROM x\n", 1)
    assert any("privileged" in v for pod in pod_specs(run) for v in restricted_violations(pod))
    rootless = build_objects(replace(job, build=replace(job.build, strategy="tekton")), IMAGE, "FROM x\n", 1)[0]
    assert "--isolation chroot" in rootless["spec"]["pipelineSpec"]["tasks"][1]["taskSpec"]["steps"][0]["script"]
    kaniko = build_objects(replace(job, build=replace(job.build, strategy="kaniko", privileged=True)), IMAGE, "F", 1)
    assert restricted_violations(pod_specs(kaniko[-1])[0])  # root: only by choice


def test_restricted_violations_catches_each_check():
    good = {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": False,
                                                             "capabilities": {"drop": ["ALL"]}}}]}  # fmt: skip
    assert restricted_violations(good) == []
    bad = yaml.safe_load(yaml.safe_dump(good))
    bad["hostNetwork"] = True
    bad["volumes"] = [{"name": "h", "hostPath": {"path": "/"}}]
    bad["securityContext"] = {"runAsUser": 0}
    bad["containers"][0]["securityContext"] = {"capabilities": {"add": ["SYS_ADMIN"]}, "privileged": True}
    found = " ".join(restricted_violations(bad))
    for expected in ("hostNetwork", "hostPath", "runAsUser", "privileged", "allowPrivilegeEscalation",
                     "runAsNonRoot", "seccompProfile", "drop", "SYS_ADMIN"):  # fmt: skip
        assert expected in found, expected


def _doc(**spec):
    doc = {"apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob", "metadata": {"name": "etl"},
           "spec": {"notebook": {"git": {"url": "https://git.example.com/x.git", "ref": "main"}, "path": "etl.ipynb"},
                    "podConfig": {"containerImage": "python:3.11"}}}  # fmt: skip
    doc["spec"].update(spec)
    return doc


@pytest.mark.parametrize(
    ("retry", "budgets", "warned"),
    [
        ({"maxRetries": 4}, (4, 4), ["maxRetries"]),
        ({"backoffLimit": 3}, (2, 3), ["backoffLimit"]),
        ({"maxRetries": 4, "backoffLimit": 1}, (4, 1), ["maxRetries", "backoffLimit"]),
        ({"maxRetries": 4, "maxBuildRetries": 0}, (0, 4), ["maxRetries"]),
        ({"maxBuildRetries": 1, "maxValidationRetries": 0}, (1, 0), []),
        ({}, (2, 2), []),
    ],
)
def test_reference_retry_names_map_onto_both_budgets(retry, budgets, warned):
    job = parse(_doc(retryPolicy=retry), "job.yaml")
    assert (job.max_build_retries, job.max_validation_retries) == budgets
    assert [w.split(":")[0] for w in job.warnings] == [f"spec.retryPolicy.{name}" for name in warned]


def test_model_validation_is_refused_unless_disabled():
    with pytest.raises(SpecError, match=r"spec\.modelValidation: nblint does not check model-serving endpoints"):
        parse(_doc(modelValidation={"platform": "kserve", "targetModels": ["m"]}), "job.yaml")
    job = parse(_doc(modelValidation={"enabled": False}), "job.yaml")
    assert any(w.startswith("spec.modelValidation") for w in job.warnings)


def test_kaniko_needs_the_privileged_opt_in():
    build = {"enabled": True, "strategy": "kaniko"}
    with pytest.raises(SpecError, match=r"strategy: kaniko runs as root"):
        parse(_doc(podConfig={"containerImage": "x", "buildConfig": build}), "job.yaml")
    assert parse(
        _doc(podConfig={"containerImage": "x", "buildConfig": {**build, "privileged": True}}), "j"
    ).build.privileged


def test_reserved_volume_names_and_mount_paths_are_refused():
    pod = {"containerImage": "x", "volumes": [{"name": "workspace", "emptyDir": {}}]}
    with pytest.raises(SpecError, match=r"volumes\[0\]\.name: 'workspace' is used by nblint"):
        parse(_doc(podConfig=pod), "job.yaml")
    pod = {"containerImage": "x", "volumes": [{"name": "data", "emptyDir": {}}],
           "volumeMounts": [{"name": "data", "mountPath": "/workspace/repo/data"}]}  # fmt: skip
    with pytest.raises(SpecError, match=r"volumeMounts\[0\]\.mountPath"):
        parse(_doc(podConfig=pod), "job.yaml")
    pod["volumeMounts"] = [{"name": "other", "mountPath": "/data"}]
    with pytest.raises(SpecError, match=r"volumeMounts\[0\]\.name: 'other' is not in podConfig.volumes"):
        parse(_doc(podConfig=pod), "job.yaml")


def test_push_secret_and_registry_ca_reach_the_builder():
    build = {"enabled": True, "pushSecret": "quay-push", "registryCA": "corp-ca"}
    job = parse(_doc(podConfig={"containerImage": "x", "buildConfig": build}), "job.yaml")
    [run] = build_objects(job, IMAGE, "FROM x\n", 1)
    step = run["spec"]["pipelineSpec"]["tasks"][1]["taskSpec"]["steps"][0]
    assert (
        "--authfile /etc/nblint/registry/config.json" in step["script"]
        and "--cert-dir /etc/nblint/registry-ca" in step["script"]
    )
    volumes = {v["name"]: v for v in run["spec"]["pipelineSpec"]["tasks"][1]["taskSpec"]["volumes"]}
    assert volumes["registry-auth"]["secret"]["secretName"] == "quay-push"
    assert volumes["registry-ca"]["configMap"]["name"] == "corp-ca"
    _, openshift_build = build_objects(replace(job, build=replace(job.build, strategy="s2i")), IMAGE, "FROM x\n", 1)
    assert openshift_build["spec"]["output"]["pushSecret"] == {"name": "quay-push"}


@pytest.mark.parametrize(("fallback", "outcome"), [("fail", "error"), ("warn", "warning"), ("auto", "quiet")])
def test_fallback_strategy_when_no_requirements_are_found(tmp_path, write_nb, fallback, outcome):
    from nblint.environment.dockerfile import DockerfileError

    make_project(tmp_path, {"README.md": "x\n"})
    write_nb("etl.ipynb", "print(1)")
    job = parse(_doc(podConfig={"containerImage": "x", "buildConfig": {"enabled": True, "fallbackStrategy": fallback}}),
                "job.yaml")  # fmt: skip
    if outcome == "error":
        with pytest.raises(DockerfileError, match="fallbackStrategy is fail"):
            make_plan(job, tmp_path)
        return
    plan = make_plan(job, tmp_path)
    assert bool(plan.warnings) == (outcome == "warning")
    (Path(tmp_path) / "requirements.txt").write_text("pandas==2.2.2\n")
    assert make_plan(job, tmp_path).warnings == ()


def test_warnings_are_printed_by_the_cli_and_kept_in_status(tmp_path):
    pytest.importorskip("kmock")
    from conftest import run_nblint
    from k8s_controllers import Controllers
    from k8s_emulator import EmulatedCluster

    with EmulatedCluster() as cluster:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "emu",
            "clusters": [{"name": "emu", "cluster": {"server": cluster.url}}], "users": [{"name": "u", "user": {}}],
            "contexts": [{"name": "emu", "context": {"cluster": "emu", "user": "u", "namespace": "data"}}],
        }))  # fmt: skip
        doc = _doc(retryPolicy={"maxRetries": 3})
        doc["metadata"]["namespace"] = "data"
        job_file = tmp_path / "job.yaml"
        job_file.write_text(yaml.safe_dump(doc))
        with Controllers(cluster.api_client(), "data"):
            submit = run_nblint("cluster", "--kubeconfig", str(kubeconfig), "submit", str(job_file), "--wait")
            status = run_nblint("cluster", "--kubeconfig", str(kubeconfig), "status", "etl", "--format", "json")
    assert submit.returncode == 0, submit.stderr
    assert "warning: etl: spec.retryPolicy.maxRetries: 3 is used as maxBuildRetries and maxValidationRetries" in (
        submit.stderr)  # fmt: skip
    warnings = json.loads(status.stdout)["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("spec.retryPolicy.maxRetries: 3")
