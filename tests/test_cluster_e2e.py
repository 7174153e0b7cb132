"""The bridge against a real Kubernetes cluster: runs only when NBLINT_E2E_KUBECONFIG is set.

    NBLINT_E2E_KUBECONFIG=~/.kube/config NBLINT_E2E_JOB=job.yaml NBLINT_E2E_CHECKOUT=. \
        python -m pytest tests/test_cluster_e2e.py

NBLINT_E2E_JOB is a NotebookValidationJob whose repository, registry and (for builds) Tekton or OpenShift the
cluster can reach; NBLINT_E2E_CHECKOUT is a working tree of that repository. The CI machines have no
Kubernetes API server, so there this test is skipped and test_cluster_emulated.py covers the same flow.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import run_nblint

KUBECONFIG = os.environ.get("NBLINT_E2E_KUBECONFIG")
JOB = os.environ.get("NBLINT_E2E_JOB")

pytestmark = pytest.mark.skipif(not (KUBECONFIG and JOB), reason="set NBLINT_E2E_KUBECONFIG and NBLINT_E2E_JOB")


def test_submit_on_a_real_cluster():
    import yaml

    with open(JOB, encoding="utf-8") as fh:
        name = yaml.safe_load(fh)["metadata"]["name"]
    checkout = os.environ.get("NBLINT_E2E_CHECKOUT", ".")
    proc = run_nblint("cluster", "--kubeconfig", KUBECONFIG, "submit", JOB, "--wait", "--checkout", checkout)
    assert proc.returncode in (0, 1), proc.stderr
    status = json.loads(run_nblint("cluster", "--kubeconfig", KUBECONFIG, "status", name, "--format", "json").stdout)
    assert status["phase"] in ("Succeeded", "Failed")
    if (status.get("buildStatus") or {}).get("completionTime"):
        ready = next(c for c in status["conditions"] if c["type"] == "BuildReady")
        started = next(c for c in status["conditions"] if c["type"] == "ValidationComplete")
        assert ready["lastTransitionTime"] <= started["lastTransitionTime"]  # validation never before the build
    run_nblint("cluster", "--kubeconfig", KUBECONFIG, "cancel", name)
