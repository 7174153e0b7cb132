"""The bridge end to end against an emulated Kubernetes API (kmock with the gaps closed, see k8s_emulator.py),
reached by the official kubernetes client over real HTTP, with test doubles playing the cluster's controllers.

No Kubernetes API server can be installed on these machines; test_cluster_e2e.py runs the same flow against
a real cluster when NBLINT_E2E_KUBECONFIG is set.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("kmock")
pytest.importorskip("kubernetes")

from k8s_controllers import FAILED, PASSED, Controllers
from k8s_emulator import EmulatedCluster
from nblint.operator_bridge.driver import reconcile, reconcile_many
from nblint.operator_bridge.kube import Cluster
from nblint.operator_bridge.plan import BuildPlan
from nblint.operator_bridge.spec import BuildConfig, JobSpec, Validation

NS = "data"
IMAGE = "registry.local/data/nblint-env:nb-0123456789abcdef"
PLAN = BuildPlan(IMAGE, "FROM python:3.11-slim\n", "generated", None, ())


def _spec(name="etl", strategy="tekton", **kwargs) -> JobSpec:
    return JobSpec(
        name=name, namespace=NS, git_url="https://git.example.com/nbs.git", git_ref="main",
        notebook_path="etl.ipynb", credentials_secret="git-credentials", container_image="python:3.11-slim",
        build=BuildConfig(enabled=True, strategy=strategy, **kwargs.pop("build", {})), validation=Validation(),
        raw={"spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"},
                                   "path": "etl.ipynb"}, "podConfig": {"containerImage": "python:3.11-slim"}}},
        **kwargs,
    )  # fmt: skip


@pytest.fixture
def cluster():
    with EmulatedCluster() as emulated:
        api = emulated.api_client()
        yield emulated, Cluster(api), api
        assert emulated.emulator.warnings == []  # a Warning header means a field the server drops: a bug here


def _run(cluster_obj, spec, **kwargs):
    return reconcile(cluster_obj, spec, NS, PLAN, tick=0.2, stream_timeout=1, **kwargs)


def _objects(api, plural):
    from kubernetes import client

    if plural == "jobs":
        return client.BatchV1Api(api).list_namespaced_job(NS).items
    group = {"pipelineruns": "tekton.dev", "builds": "build.openshift.io"}[plural]
    return client.CustomObjectsApi(api).list_namespaced_custom_object(group, "v1", NS, plural)["items"]


def _condition(status, kind):
    return next(c for c in status["conditions"] if c["type"] == kind)


def test_build_then_validate_in_the_built_image(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS) as controllers:
        status = _run(bridge, _spec())
    assert status["phase"] == "Succeeded" and _condition(status, "Ready")["status"] == "True"
    assert status["buildStatus"]["phase"] == "Complete" and status["buildStatus"]["imageReference"] == IMAGE
    assert status["summary"] == PASSED
    [job] = _objects(api, "jobs")
    assert job.spec.template.spec.containers[0].image == IMAGE
    assert job.metadata.owner_references[0].kind == "NotebookValidationJob"
    # No validation object existed before the build completed.
    order = [what for _, what, _ in controllers.events]
    assert order.index("build-complete") < order.index("validation-passed")
    stored = bridge.get_job(NS, "etl")
    assert stored["status"]["phase"] == "Succeeded"  # status lives on the object, for `cluster status`


def test_build_failure_then_success_within_budget(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS, builds={1: "fail", 2: "complete"}):
        status = _run(bridge, _spec())
    assert status["phase"] == "Succeeded" and status["buildRetryCount"] == 1
    assert len(_objects(api, "pipelineruns")) == 2


def test_evicted_validation_is_rerun_but_failing_notebook_is_final(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS, validations={1: "evicted", 2: "passed"}):
        status = _run(bridge, _spec())
    assert status["phase"] == "Succeeded" and status["validationRetryCount"] == 1
    with Controllers(api, NS, validations={1: "failed"}):
        status = _run(bridge, _spec(name="nan"))
    assert status["phase"] == "Failed" and _condition(status, "Ready")["reason"] == "NotebookFailed"
    assert status["summary"] == FAILED
    assert len([j for j in _objects(api, "jobs") if j.metadata.labels["nblint.dev/job"] == "nan"]) == 1


def test_unreadable_report_is_failed(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS, validations={1: "garbage"}):
        status = _run(bridge, _spec())
    assert status["phase"] == "Failed" and _condition(status, "Ready")["reason"] == "ReportUnreadable"


def test_bridge_restart_mid_build_never_starts_a_duplicate(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS, builds={1: "hang"}):
        first = reconcile(bridge, _spec(), NS, PLAN, wait=False)
        assert first["phase"] == "Building"
        second = reconcile(Cluster(api), _spec(), NS, PLAN, wait=False)  # a new bridge process
        assert second["phase"] == "Building"
    assert len(_objects(api, "pipelineruns")) == 1
    with Controllers(api, NS):
        status = _run(Cluster(api), _spec())
    assert status["phase"] == "Succeeded" and len(_objects(api, "pipelineruns")) == 1


def test_reuse_if_exists_skips_the_build(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS):
        status = _run(bridge, _spec(build={"reuse_if_exists": True}), check_image=lambda image: image == IMAGE)
    assert status["phase"] == "Succeeded" and _condition(status, "BuildReady")["reason"] == "ImageReused"
    assert _objects(api, "pipelineruns") == []


def test_watches_survive_410_gone(cluster):
    emulated, bridge, api = cluster
    emulated.emulator.compacted = 10**9  # every resumed watch is told its version is gone
    with Controllers(api, NS):
        status = _run(bridge, _spec())
    assert status["phase"] == "Succeeded"


def test_total_timeout_deletes_what_runs(cluster):
    _, bridge, api = cluster
    with Controllers(api, NS, builds={1: "hang"}):
        status = _run(bridge, replace(_spec(), total_timeout_s=1.5))
    assert status["phase"] == "Failed" and _condition(status, "Ready")["reason"] == "TotalTimeout"
    assert _objects(api, "pipelineruns") == []


@pytest.mark.parametrize("strategy", ["kaniko", "s2i"])
def test_other_build_strategies(cluster, strategy):
    _, bridge, api = cluster
    with Controllers(api, NS):
        status = _run(bridge, _spec(strategy=strategy))
    assert status["phase"] == "Succeeded" and status["buildStatus"]["strategy"] == strategy


def test_twenty_jobs_at_once_without_cross_talk(cluster):
    _, _, api = cluster
    specs = [_spec(name=f"job-{i:02}") for i in range(20)]
    with Controllers(api, NS):
        outcomes = reconcile_many(Cluster(api), [(s, PLAN) for s in specs], NS, tick=0.2, stream_timeout=1)
    assert sorted(outcomes) == [s.name for s in specs]
    assert all(status["phase"] == "Succeeded" for status in outcomes.values())
    jobs = _objects(api, "jobs")
    assert len(jobs) == 20 and len({j.metadata.labels["nblint.dev/job"] for j in jobs}) == 20
    for job in jobs:  # each job's validation runs its own notebook and reports to its own object
        assert job.metadata.owner_references[0].name == job.metadata.labels["nblint.dev/job"]
