"""The operator on a real Kubernetes cluster: runs only when NBLINT_E2E_KUBECONFIG is set.

    NBLINT_E2E_KUBECONFIG=~/.kube/config NBLINT_E2E_JOB=job.yaml \
    NBLINT_E2E_OPERATOR_IMAGE=registry.example/nblint-operator:0.1.0 python -m pytest tests/test_operator_e2e.py

It installs the operator from deploy/install.yaml (the image replaced by NBLINT_E2E_OPERATOR_IMAGE, built
from the Containerfile and pushed where the cluster can pull it), waits for it to be ready, applies the
job with kubectl as a GitOps tool would, and waits for the operator alone to finish it: built, then
validated. The job's repository, registry and builder (Tekton, OpenShift or kaniko) must be reachable from
the cluster. The operator is left installed; the job is deleted. CI has no API server: there this is
skipped and tests/test_operator.py runs the same flow against the emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest
import yaml
from conftest import ROOT, run_nblint

KUBECONFIG = os.environ.get("NBLINT_E2E_KUBECONFIG")
JOB = os.environ.get("NBLINT_E2E_JOB")
IMAGE = os.environ.get("NBLINT_E2E_OPERATOR_IMAGE")
TIMEOUT_S = float(os.environ.get("NBLINT_E2E_TIMEOUT", "1800"))

pytestmark = pytest.mark.skipif(
    not (KUBECONFIG and JOB and IMAGE and shutil.which("kubectl")),
    reason="set NBLINT_E2E_KUBECONFIG, NBLINT_E2E_JOB and NBLINT_E2E_OPERATOR_IMAGE, with kubectl on PATH",
)


def _kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(["kubectl", "--kubeconfig", KUBECONFIG, *args], input=stdin, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
    return proc


def test_the_operator_installed_from_install_yaml_drives_a_job_applied_with_kubectl():
    manifests = list(yaml.safe_load_all((ROOT / "deploy" / "install.yaml").read_text(encoding="utf-8")))
    for obj in manifests:
        if obj and obj["kind"] == "Deployment":
            for container in obj["spec"]["template"]["spec"]["containers"]:
                container["image"] = IMAGE
    if subprocess.run(["kubectl", "--kubeconfig", KUBECONFIG, "get", "namespace", "nblint-system"],
                      capture_output=True).returncode:  # fmt: skip
        _kubectl("create", "namespace", "nblint-system")
    _kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))
    _kubectl("rollout", "status", "deployment/nblint-operator", "-n", "nblint-system", "--timeout=300s")

    with open(JOB, encoding="utf-8") as fh:
        job = yaml.safe_load(fh)
    name = job["metadata"]["name"]
    namespace = job["metadata"].get("namespace") or "default"
    _kubectl("apply", "-n", namespace, "-f", JOB)  # no nblint CLI involved in driving it
    try:
        deadline = time.monotonic() + TIMEOUT_S
        status: dict = {}
        while time.monotonic() < deadline:
            shown = run_nblint("cluster", "--kubeconfig", KUBECONFIG, "status", name, "-n", namespace, "--format",
                               "json")  # fmt: skip
            status = json.loads(shown.stdout) if shown.returncode == 0 else {}
            if status.get("phase") in ("Succeeded", "Failed"):
                break
            time.sleep(5)
        assert status.get("phase") in ("Succeeded", "Failed"), status
        if (status.get("buildStatus") or {}).get("completionTime"):
            ready = next(c for c in status["conditions"] if c["type"] == "BuildReady")
            started = next(c for c in status["conditions"] if c["type"] == "ValidationComplete")
            assert ready["lastTransitionTime"] <= started["lastTransitionTime"]  # validation never before the build
        events = _kubectl("get", "events", "-n", namespace, "--field-selector", f"involvedObject.name={name}", "-o",
                          "json")  # fmt: skip
        assert json.loads(events.stdout)["items"], "the operator records what it did as Events"
    finally:
        _kubectl("delete", "-n", namespace, "notebookvalidationjobs", name, "--ignore-not-found")
