"""`nblint cluster ...` as a real process, talking to the emulated API through a kubeconfig."""

from __future__ import annotations

import json
import time

import pytest
import yaml

pytest.importorskip("kmock")
pytest.importorskip("kubernetes")

from conftest import make_project, run_nblint
from k8s_controllers import Controllers
from k8s_emulator import EmulatedCluster

NS = "data"


@pytest.fixture
def emulated(tmp_path):
    with EmulatedCluster() as cluster:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "emu",
            "clusters": [{"name": "emu", "cluster": {"server": cluster.url}}],
            "users": [{"name": "u", "user": {}}],
            "contexts": [{"name": "emu", "context": {"cluster": "emu", "user": "u", "namespace": NS}}],
        }))  # fmt: skip
        yield cluster, str(kubeconfig)


def _job_file(tmp_path, name="etl", build=True):
    job = {
        "apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"}, "path": "etl.ipynb"},
                 "podConfig": {"containerImage": "python:3.11-slim",
                               "buildConfig": {"enabled": build, "strategy": "tekton",
                                               "publishToRegistry": "registry.local", "registryNamespace": NS}}},
    }  # fmt: skip
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(job))
    return path


def _cli(kubeconfig, *args, cwd=None):
    proc = run_nblint("cluster", "--kubeconfig", kubeconfig, *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_submit_wait_status_logs_list_cancel(tmp_path, write_nb, emulated):
    cluster, kubeconfig = emulated
    checkout = make_project(tmp_path / "repo", {"requirements.txt": "pandas==2.2.2\n"})
    write_nb("repo/etl.ipynb", "import pandas")
    job_file = _job_file(tmp_path)
    with Controllers(cluster.api_client(), NS, logs=cluster.emulator.pod_logs):
        proc = _cli(kubeconfig, "submit", str(job_file), "--wait", "--checkout", str(checkout))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "etl: Succeeded" in proc.stdout
    assert "etl: Building" in proc.stderr and "etl: ValidationRunning" in proc.stderr  # progress as it goes
    status = _cli(kubeconfig, "status", "etl")
    assert "etl: Succeeded" in status.stdout and "BuildReady" in status.stdout
    assert "registry.local/data/nblint-env:nb-" in status.stdout
    doc = json.loads(_cli(kubeconfig, "status", "etl", "--format", "json").stdout)
    assert doc["phase"] == "Succeeded" and doc["buildRetryCount"] == 0
    logs = _cli(kubeconfig, "logs", "etl", "--validation")
    assert json.loads(logs.stdout)["status"] == "passed"
    assert "etl" in _cli(kubeconfig, "list").stdout
    cancel = _cli(kubeconfig, "cancel", "etl")
    assert cancel.returncode == 0 and "deleted 2 object(s)" in cancel.stdout
    assert _cli(kubeconfig, "status", "etl").returncode == 2


def test_failing_notebook_exits_1(tmp_path, emulated):
    cluster, kubeconfig = emulated
    with Controllers(cluster.api_client(), NS, validations={1: "failed"}):
        proc = _cli(kubeconfig, "submit", str(_job_file(tmp_path, "nan", build=False)), "--wait")
    assert proc.returncode == 1 and "nan: Failed: the notebook failed validation: cell 4: nan-value" in proc.stdout


def test_invalid_spec_fails_before_anything_is_created(tmp_path, emulated):
    cluster, kubeconfig = emulated
    job_file = _job_file(tmp_path)
    doc = yaml.safe_load(job_file.read_text())
    doc["spec"]["podConfig"]["buildConfig"]["strategy"] = "docker"
    job_file.write_text(yaml.safe_dump(doc))
    proc = _cli(kubeconfig, "submit", str(job_file))
    assert proc.returncode == 2 and "spec.podConfig.buildConfig.strategy" in proc.stderr
    assert cluster.emulator.api_calls == 0


def test_unreachable_cluster_is_one_line_exit_2(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "x", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {}}], "contexts": [{"name": "x", "context": {"cluster": "x", "user": "u"}}],
    }))  # fmt: skip
    proc = _cli(str(kubeconfig), "list")
    assert proc.returncode == 2 and proc.stderr.startswith("error: cannot reach the cluster")
    assert len(proc.stderr.strip().splitlines()) == 1
    missing = _cli(str(tmp_path / "nope"), "list")
    assert missing.returncode == 2 and "cannot reach the cluster" in missing.stderr


@pytest.mark.parametrize(
    ("args", "verb", "resource"),
    [
        (["status", "etl"], "get", "notebookvalidationjobs.mlops.mlops.dev"),
        (["list"], "list", "notebookvalidationjobs.mlops.mlops.dev"),
        (["logs", "etl"], "get", "notebookvalidationjobs.mlops.mlops.dev"),
        (["cancel", "etl"], "get", "notebookvalidationjobs.mlops.mlops.dev"),
    ],
)
def test_forbidden_is_one_line_naming_verb_and_resource(emulated, args, verb, resource):
    cluster, kubeconfig = emulated
    cluster.emulator.forbidden.add((verb, "notebookvalidationjobs"))
    proc = _cli(kubeconfig, *args)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert f"{verb} {resource} in namespace '{NS}'" in proc.stderr


def test_forbidden_submit_names_the_missing_permission(tmp_path, emulated):
    cluster, kubeconfig = emulated
    cluster.emulator.forbidden.add(("create", "pipelineruns"))
    proc = _cli(kubeconfig, "submit", str(_job_file(tmp_path)), "--checkout", str(make_project(tmp_path / "r", {})))
    assert proc.returncode == 2 and "create pipelineruns.tekton.dev in namespace 'data'" in proc.stderr


def test_logs_fall_back_to_the_status_summary(tmp_path, emulated):
    cluster, kubeconfig = emulated
    with Controllers(cluster.api_client(), NS):
        assert _cli(kubeconfig, "submit", str(_job_file(tmp_path, build=False)), "--wait").returncode == 0
    cluster.emulator.forbidden.add(("get", "pods/log"))
    proc = _cli(kubeconfig, "logs", "etl")
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "passed"
    assert "cannot be read; the summary from status" in proc.stderr


def test_submit_wait_survives_an_api_server_restart(tmp_path, emulated):
    import subprocess
    import sys

    cluster, kubeconfig = emulated
    with Controllers(cluster.api_client(), NS, validations={1: "hang"}):
        proc = subprocess.Popen([sys.executable, "-m", "nblint", "cluster", "--kubeconfig", kubeconfig, "submit",
                                 str(_job_file(tmp_path, build=False)), "--wait"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        from nblint.operator_bridge.kube import Cluster

        bridge, deadline = Cluster(cluster.api_client()), time.monotonic() + 60
        while ((bridge.get_job(NS, "etl") or {}).get("status") or {}).get("phase") != "ValidationRunning":
            assert time.monotonic() < deadline and proc.poll() is None, "submit never reached ValidationRunning"
            time.sleep(0.2)
        cluster.restart(down_s=3)  # while the CLI waits in its loop
        time.sleep(5)
    with Controllers(cluster.api_client(), NS):  # the pod finishes once the server is back
        stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and "etl: Succeeded" in stdout
