"""`nblint operator` against the emulated Kubernetes API (tests/k8s_emulator.py), with test doubles playing
Tekton and the Job controller (tests/k8s_controllers.py): jobs applied as plain objects, many at once,
restarts, leader election, SIGTERM, API errors, the CLI alongside, metrics and events."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

pytest.importorskip("kmock")
pytest.importorskip("kubernetes")
pytest.importorskip("prometheus_client")

from conftest import ROOT
from k8s_controllers import IMAGE_SIZE, Controllers
from k8s_emulator import EmulatedCluster, Fault
from nblint.operator_bridge.controller import Controller, Options
from nblint.operator_bridge.kube import Cluster
from nblint.operator_bridge.leader import LeaderElector, Timing, operator_for

NS = "data"
FAST = Timing(lease_s=3, renew_s=2, retry_s=0.3)


def job_object(name: str, build: bool = True, **build_extra) -> dict:
    return {
        "apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"}, "path": "etl.ipynb"},
                 "podConfig": {"containerImage": "python:3.11-slim",
                               "buildConfig": {"enabled": build, "strategy": "tekton",
                                               "publishToRegistry": "registry.local", "registryNamespace": NS,
                                               **build_extra}}},
    }  # fmt: skip


@pytest.fixture
def emulated():
    with EmulatedCluster() as cluster:
        yield cluster
        assert cluster.emulator.warnings == []  # a Warning header means a field the server drops: a bug here


def _apply(api, *objs: dict) -> None:
    from kubernetes import client

    custom = client.CustomObjectsApi(api)
    for obj in objs:
        custom.create_namespaced_custom_object("mlops.mlops.dev", "v1alpha1", NS, "notebookvalidationjobs", obj)


def _list(api, plural: str) -> list[dict]:
    from kubernetes import client

    if plural == "jobs":
        return json.loads(client.BatchV1Api(api).list_namespaced_job(NS, _preload_content=False).data)["items"]
    if plural == "events":
        return json.loads(client.CoreV1Api(api).list_namespaced_event(NS, _preload_content=False).data)["items"]
    group = {"pipelineruns": ("tekton.dev", "v1"), "notebookvalidationjobs": ("mlops.mlops.dev", "v1alpha1")}[plural]
    return client.CustomObjectsApi(api).list_namespaced_custom_object(*group, NS, plural)["items"]


def _phases(api) -> dict[str, str]:
    return {j["metadata"]["name"]: (j.get("status") or {}).get("phase") for j in _list(api, "notebookvalidationjobs")}


def _wait_for(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _all_done(api, count: int) -> bool:
    phases = _phases(api)
    return len(phases) == count and all(p in ("Succeeded", "Failed") for p in phases.values())


def _controller(api, **kwargs) -> Controller:
    options = Options(namespaces=(NS,), stream_timeout=2, tick_s=0.5, resync_s=30)
    return Controller(Cluster(api), options, check_image=kwargs.pop("check_image", None), **kwargs)


@pytest.fixture
def controller(emulated):
    running = _controller(emulated.api_client()).start()
    running.set_leading(True)
    yield running
    running.stop()


def _builds_per_job(api) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in _list(api, "pipelineruns"):
        job = run["metadata"]["labels"]["nblint.dev/job"]
        counts[job] = counts.get(job, 0) + 1
    return counts


def test_applied_job_is_built_then_validated_without_the_cli(emulated, controller):
    api = emulated.api_client()
    with Controllers(api, NS) as doubles:
        _apply(api, job_object("etl"))
        _wait_for(lambda: _all_done(api, 1), what="the job to finish")
    [stored] = _list(api, "notebookvalidationjobs")
    assert stored["status"]["phase"] == "Succeeded", stored["status"]
    assert stored["status"]["summary"]["first"] is None  # nulls in the summary survive the status write
    order = [what for _, what, _ in doubles.events]
    assert order.index("build-complete") < order.index("validation-passed")
    assert len(_list(api, "pipelineruns")) == 1 and len(_list(api, "jobs")) == 1
    reasons = [e["reason"] for e in _list(api, "events") if e["involvedObject"]["name"] == "etl"]
    assert {"BuildCreated", "BuildComplete", "ValidationCreated", "Succeeded"} <= set(reasons), reasons
    assert emulated.emulator.warnings == []  # every status field the bridge writes is in the CRD's schema


def test_fifty_jobs_at_once(emulated, controller):
    api = emulated.api_client()
    with Controllers(api, NS, delay=0.5):  # the doubles' polling is the costly part here: keep it slow
        _apply(api, *(job_object(f"nb-{i:02}", build=False) for i in range(50)))
        _wait_for(lambda: _all_done(api, 50), timeout=120, what="50 jobs")
    assert set(_phases(api).values()) == {"Succeeded"}
    validations = _list(api, "jobs")
    assert len(validations) == 50 and len({j["metadata"]["labels"]["nblint.dev/job"] for j in validations}) == 50


def test_restart_mid_build_adopts_the_build(emulated):
    api = emulated.api_client()
    first = _controller(api).start()
    first.set_leading(True)
    with Controllers(api, NS, builds={1: "hang"}):
        _apply(api, job_object("etl"))
        _wait_for(lambda: _phases(api).get("etl") == "Building", what="Building")
        first.stop()
    second = _controller(api).start()
    second.set_leading(True)
    try:
        with Controllers(api, NS):
            _wait_for(lambda: _all_done(api, 1), what="the job to finish")
    finally:
        second.stop()
    assert _phases(api) == {"etl": "Succeeded"} and _builds_per_job(api) == {"etl": 1}


def test_api_errors_during_reconcile_are_retried(emulated, controller):
    api = emulated.api_client()
    emulated.emulator.faults += [
        Fault("PUT", "/notebookvalidationjobs/etl/status", 409, times=2),  # a lost status race: re-read
        Fault("POST", "/pipelineruns", 429, times=2),
        Fault("POST", "/namespaces/data/jobs", 500, times=7),  # more than one call's retries: the queue backs off
    ]
    with Controllers(api, NS):
        _apply(api, job_object("etl"))
        _wait_for(lambda: _all_done(api, 1), what="the job to finish")
    assert _phases(api) == {"etl": "Succeeded"}
    assert all(f.times == 0 for f in emulated.emulator.faults)
    assert _builds_per_job(api) == {"etl": 1} and len(_list(api, "jobs")) == 1
    assert controller.metrics.reconcile_errors._value.get() >= 1


def test_cli_and_controller_on_one_job_create_exactly_one_build(emulated, controller):
    """Even forced to drive (no Lease to defer to), the CLI and the controller share one build: fixed
    object names and conditional status writes make the second driver adopt, never duplicate."""
    from nblint.operator_bridge.driver import reconcile
    from nblint.operator_bridge.remote_plan import from_spec
    from nblint.operator_bridge.spec import parse

    api = emulated.api_client()
    obj = job_object("etl")
    spec = parse(obj, "etl")
    with Controllers(api, NS, builds={1: "complete@1"}):
        status = reconcile(Cluster(api), spec, NS, from_spec(spec), tick=0.2, stream_timeout=1, drive=True)
    assert status["phase"] == "Succeeded"
    assert _builds_per_job(api) == {"etl": 1} and len(_list(api, "jobs")) == 1


def _kubeconfig(tmp_path, cluster) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "emu",
        "clusters": [{"name": "emu", "cluster": {"server": cluster.url}}], "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": "emu", "context": {"cluster": "emu", "user": "u", "namespace": NS}}],
    }))  # fmt: skip
    return str(path)


def _operator(kubeconfig: str, identity: str, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "nblint", "operator", "--kubeconfig", kubeconfig, "-n", NS, "--metrics-port", "0",
            "--bind", "127.0.0.1", "--identity", identity, "--lease-duration", "3", "--renew-deadline", "2",
            "--retry-period", "0.3", *extra]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _holder(api) -> str | None:
    return operator_for(Cluster(api), NS, {})


def test_submit_defers_to_a_running_operator(tmp_path, emulated):
    api = emulated.api_client()
    kubeconfig = _kubeconfig(tmp_path, emulated)
    job_file = tmp_path / "etl.yaml"
    job_file.write_text(yaml.safe_dump(job_object("etl", build=False)))
    proc = _operator(kubeconfig, "op-a")
    try:
        _wait_for(lambda: _holder(api) == "op-a", 30, "the operator to hold the Lease")
        with Controllers(api, NS):
            submit = subprocess.run([sys.executable, "-m", "nblint", "cluster", "--kubeconfig", kubeconfig, "submit",
                                     str(job_file), "--wait"], capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    assert submit.returncode == 0, submit.stderr
    assert "mode: operator (op-a drives the jobs" in submit.stderr and "etl: Succeeded" in submit.stdout
    assert len(_list(api, "jobs")) == 1
    help_text = subprocess.run([sys.executable, "-m", "nblint", "cluster", "submit", "--help"], capture_output=True,
                               text=True).stdout  # fmt: skip
    assert "operator" in help_text and "local" in help_text


def test_two_replicas_one_lease_failover_and_sigterm(tmp_path, emulated):
    api = emulated.api_client()
    kubeconfig = _kubeconfig(tmp_path, emulated)
    first = _operator(kubeconfig, "op-a")
    _wait_for(lambda: _holder(api) == "op-a", 30, "op-a to lead")
    second = _operator(kubeconfig, "op-b")
    try:
        with Controllers(api, NS, builds={1: "hang"}):
            _apply(api, job_object("etl"))
            _wait_for(lambda: _phases(api).get("etl") == "Building", 30, "Building")
            time.sleep(1)
            assert _holder(api) == "op-a"  # the follower never took over from a live leader
            first.kill()  # the leader dies without a word
            killed = time.monotonic()
            first.wait(5)
            _wait_for(lambda: _holder(api) == "op-b", 30, "op-b to take over")
            takeover = time.monotonic() - killed
        assert takeover < 30
        with Controllers(api, NS):
            _wait_for(lambda: _all_done(api, 1), 30, "op-b to finish the job")
        assert _phases(api) == {"etl": "Succeeded"} and _builds_per_job(api) == {"etl": 1}
        started = time.monotonic()
        second.send_signal(signal.SIGTERM)
        assert second.wait(10) == 0
        assert time.monotonic() - started < 10
        assert _holder(api) is None  # a clean shutdown hands the Lease back
        assert "Traceback" not in second.stderr.read()
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()


def test_in_process_election_only_the_leader_acts(emulated):
    api = emulated.api_client()
    replicas = []
    for name in ("a", "b"):
        running = _controller(api, identity=name).start()
        elector = LeaderElector(Cluster(api), NS, name, {"namespaces": [NS]}, timing=FAST,
                                on_change=running.set_leading).start()  # fmt: skip
        replicas.append((running, elector))
    try:
        _wait_for(lambda: any(r.leading.is_set() for r, _ in replicas), 10, "a leader")
        time.sleep(1)
        assert sum(r.leading.is_set() for r, _ in replicas) == 1
    finally:
        for running, elector in replicas:
            elector.stop()
            running.stop()


def _scrape(port: int) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}"] = sample.value
    return values


def test_metrics_follow_the_run(emulated):
    from nblint.operator_bridge.health import HealthServer

    api = emulated.api_client()
    running = _controller(api, check_image=lambda image: "reused" in image).start()
    server = HealthServer("127.0.0.1", 0, running.metrics.registry, running.alive, running.synced).start()
    try:
        _wait_for(running.synced, 10, "caches")
        assert urllib.request.urlopen(f"http://127.0.0.1:{server.port}/readyz").status == 200
        running.set_leading(True)
        with Controllers(api, NS, builds={1: "complete@2.5"}, validations={1: "passed"}):
            _apply(api, job_object("slow"), job_object("cached", reuseIfExists=True, imageTag="reused"))
            _wait_for(lambda: _all_done(api, 2), 60, "both jobs")
        metrics = _scrape(server.port)
    finally:
        server.stop()
        running.stop()
    duration = 'namespace="data",result="succeeded",strategy="tekton"'
    assert metrics[f"notebook_validation_build_duration_seconds_count{{{duration}}}"] == 1
    assert 2 <= metrics[f"notebook_validation_build_duration_seconds_sum{{{duration}}}"] < 5
    assert metrics[f'notebook_validation_build_duration_seconds_bucket{{le="1.0",{duration}}}'] == 0
    assert metrics[f'notebook_validation_build_duration_seconds_bucket{{le="5.0",{duration}}}'] == 1
    assert metrics['notebook_validation_build_cache_hits_total{namespace="data"}'] == 1
    assert metrics['notebook_validation_build_cache_misses_total{namespace="data",strategy="tekton"}'] == 1
    assert metrics['notebook_validation_jobs_total{namespace="data",status="succeeded"}'] == 2
    assert metrics['notebook_validation_build_image_size_bytes_sum{namespace="data",strategy="tekton"}'] == IMAGE_SIZE
    assert metrics['notebook_validation_execution_duration_seconds_count{namespace="data",result="succeeded"}'] == 2
    assert metrics["notebook_validation_reconcile_duration_seconds_count{}"] > 0
    assert not any(k.startswith("notebook_validation_jobs_active{") and v for k, v in metrics.items())


def test_forbidden_watch_is_reported_not_swallowed(emulated, caplog):
    api = emulated.api_client()
    emulated.emulator.forbidden.add(("watch", "pods"))
    running = _controller(api).start()
    try:
        _wait_for(lambda: running.caches[NS].forbidden() is not None, 10, "the 403 to surface")
    finally:
        running.stop()
    message = str(running.caches[NS].forbidden())
    assert "watch pods" in message and "'data'" in message
