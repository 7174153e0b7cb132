"""The Kubernetes side of the bridge: observe a job's objects, apply the state machine's actions, wait.

A thin adapter around the pure state machine (state.py). It finds its own objects by label (so a
restarted bridge never starts a duplicate), retries API calls on 409/429/5xx with backoff, and waits
with watches that resume after `410 Gone` instead of a polling loop.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from nblint.operator_bridge import objects
from nblint.operator_bridge.plan import BuildPlan
from nblint.operator_bridge.spec import GROUP, KIND, VERSION, JobSpec
from nblint.operator_bridge.state import BuildSeen, Observed, ValidationSeen

PLURAL = "notebookvalidationjobs"
RETRYABLE = {409, 429, 500, 502, 503, 504}
_BUILD_RESOURCES = {  # strategy -> (group, version, plural) of the build object
    "tekton": ("tekton.dev", "v1", "pipelineruns"),
    "s2i": ("build.openshift.io", "v1", "builds"),
}
_WAITING_INFRA = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError"}


class ClusterError(Exception):
    """The cluster could not be reached or refused a request (the message says which and why)."""


def retrying(call: Callable, *args, attempts: int = 5, **kwargs):
    """Call the API, retrying conflicts, throttling and server errors with exponential backoff."""
    from kubernetes.client.exceptions import ApiException

    delay = 0.1
    for attempt in range(attempts):
        try:
            return call(*args, **kwargs)
        except ApiException as exc:
            if exc.status not in RETRYABLE or attempt == attempts - 1:
                raise
            retry_after = (exc.headers or {}).get("Retry-After") if exc.headers else None
            time.sleep(float(retry_after) if retry_after and retry_after.isdigit() else delay)
            delay = min(delay * 2, 5)
    return None


def items(call: Callable, *args, **kwargs) -> list[dict]:
    """A list call's items as plain dicts: raw JSON, without the client's slow model round trip."""
    response = retrying(call, *args, _preload_content=False, **kwargs)
    return json.loads(response.data)["items"]


class Cluster:
    def __init__(self, api_client) -> None:
        from kubernetes import client

        self.api = api_client
        self.batch = client.BatchV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)

    @classmethod
    def connect(cls, kubeconfig: str | None = None, context: str | None = None) -> Cluster:
        """The user's kubeconfig (or in-cluster config); a missing or unreachable cluster is a ClusterError."""
        from kubernetes import client, config

        try:
            if kubeconfig or not _in_cluster():
                api = config.new_client_from_config(config_file=kubeconfig, context=context)
            else:
                config.load_incluster_config()
                api = client.ApiClient()
            client.VersionApi(api).get_code(_request_timeout=10)
        except Exception as exc:  # config errors, connection refused, TLS: all one line for the user
            raise ClusterError(
                f"cannot reach the cluster ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
            ) from None
        return cls(api)

    # -- the NotebookValidationJob object holds the spec and the status -----------------------------
    def get_job(self, namespace: str, name: str) -> dict | None:
        from kubernetes.client.exceptions import ApiException

        try:
            return retrying(self.custom.get_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def ensure_job(self, spec: JobSpec, namespace: str) -> dict:
        existing = self.get_job(namespace, spec.name)
        if existing is not None:
            return existing
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND,
                "metadata": {"name": spec.name, "namespace": namespace,
                             "labels": {"app.kubernetes.io/managed-by": objects.MANAGED_BY}},
                "spec": spec.raw.get("spec", {})}  # fmt: skip
        return retrying(self.custom.create_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, body)

    def patch_status(self, namespace: str, name: str, status: dict) -> None:
        retrying(self.custom.patch_namespaced_custom_object_status, GROUP, VERSION, namespace, PLURAL, name,
                 {"status": status})  # fmt: skip

    def list_jobs(self, namespace: str) -> list[dict]:
        return items(self.custom.list_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL)

    # -- observing ----------------------------------------------------------------------------------
    def snapshot(self, namespace: str, selector: str, strategies: set[str]) -> Snapshot:
        """Everything the bridge owns under `selector`, one list call per kind (not per job)."""
        builds: list[tuple[str, dict]] = []
        for strategy in sorted(strategies & set(_BUILD_RESOURCES)):
            group, version, plural = _BUILD_RESOURCES[strategy]
            builds += [(strategy, o) for o in items(self.custom.list_namespaced_custom_object, group, version,
                                                      namespace, plural, label_selector=selector)]  # fmt: skip
        jobs = items(self.batch.list_namespaced_job, namespace, label_selector=selector)
        pods = items(self.core.list_namespaced_pod, namespace, label_selector=selector)
        return Snapshot(builds, jobs, pods)

    def observe(self, spec: JobSpec, namespace: str, image: str, image_exists: bool | None, now=None) -> Observed:
        snapshot = self.snapshot(namespace, f"{objects.LABEL_JOB}={spec.name}", {spec.build.strategy})
        return snapshot.observed(spec, image, image_exists, now)

    # -- acting -------------------------------------------------------------------------------------
    def apply(self, action, spec: JobSpec, namespace: str, plan: BuildPlan, owner_uid: str | None) -> str | None:
        """Turn one state-machine action into API calls; returns the created object's name, if any."""
        from kubernetes.client.exceptions import ApiException

        if action.kind == "create-build":
            created = None
            for obj in objects.build_objects(spec, plan.image, plan.dockerfile, action.params["attempt"], owner_uid):
                try:
                    created = self._create(obj, namespace)
                except ApiException as exc:
                    if exc.status != 409 or obj["kind"] not in ("BuildConfig", "ConfigMap"):
                        raise  # a job's BuildConfig is created by its first attempt and kept
            return created
        if action.kind == "create-validation":
            if spec.validation.expected_outputs:
                try:
                    self._create(objects.expectations_config_map(spec, owner_uid), namespace)
                except ApiException as exc:
                    if exc.status != 409:  # already there from an earlier attempt
                        raise
            job = objects.validation_job(spec, action.params["image"], action.params["attempt"], owner_uid)
            return self._create(job, namespace)
        if action.kind in ("delete-build", "delete-validation"):
            self._delete(spec, namespace, action.kind == "delete-build", action.name)
        return None

    def _create(self, obj: dict, namespace: str) -> str:
        kind = obj["kind"]
        if kind == "Job":
            created = retrying(self.batch.create_namespaced_job, namespace, obj)
            return created.metadata.name
        if kind == "ConfigMap":
            return retrying(self.core.create_namespaced_config_map, namespace, obj).metadata.name
        group, version = obj["apiVersion"].split("/")
        plural = {"PipelineRun": "pipelineruns", "Build": "builds", "BuildConfig": "buildconfigs"}[kind]
        created = retrying(self.custom.create_namespaced_custom_object, group, version, namespace, plural, obj)
        return created["metadata"]["name"]

    def _delete(self, spec: JobSpec, namespace: str, build: bool, name: str) -> None:
        from kubernetes.client.exceptions import ApiException

        try:
            if build and spec.build.strategy in _BUILD_RESOURCES:
                group, version, plural = _BUILD_RESOURCES[spec.build.strategy]
                retrying(self.custom.delete_namespaced_custom_object, group, version, namespace, plural, name)
            else:
                retrying(self.batch.delete_namespaced_job, name, namespace, propagation_policy="Background")
        except ApiException as exc:
            if exc.status != 404:
                raise

    def delete_all(self, spec: JobSpec, namespace: str) -> int:
        """`cluster cancel`: everything this job created, then the job object itself."""
        count = 0
        observed = self.observe(spec, namespace, "", None)
        for seen in observed.builds:
            self._delete(spec, namespace, True, seen.name)
            count += 1
        for seen in observed.validations:
            self._delete(spec, namespace, False, seen.name)
            count += 1
        from kubernetes.client.exceptions import ApiException

        try:
            retrying(self.custom.delete_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, spec.name)
        except ApiException as exc:
            if exc.status != 404:
                raise
        return count

    def validation_log(self, spec: JobSpec, namespace: str) -> str:
        """The newest validation pod's log: the full JSON report."""
        jobs = items(self.batch.list_namespaced_job, namespace, label_selector=objects.selector(spec, "validation"))
        if not jobs:
            return ""
        newest = max(jobs, key=lambda j: _attempt(j["metadata"]))
        pods = items(self.core.list_namespaced_pod, namespace, label_selector=f"job-name={newest['metadata']['name']}")
        if not pods:
            return ""
        return retrying(self.core.read_namespaced_pod_log, pods[0]["metadata"]["name"], namespace)

    # -- waiting ------------------------------------------------------------------------------------
    def watcher(self, namespace: str, selector: str, strategies: set[str], stream_timeout: int = 60) -> Watcher:
        return Watcher(self, namespace, selector, strategies, stream_timeout)


class Snapshot:
    """Raw objects from one pass; `observed()` sorts out one job's share (pure, no API calls)."""

    def __init__(self, builds: list[tuple[str, dict]], jobs: list[dict], pods: list[dict]) -> None:
        self.builds, self.jobs = builds, jobs
        self.pods_by_job: dict[str, list[dict]] = {}
        for pod in pods:
            job_name = ((pod.get("metadata") or {}).get("labels") or {}).get("job-name")
            self.pods_by_job.setdefault(job_name, []).append(pod)

    def observed(self, spec: JobSpec, image: str, image_exists: bool | None, now=None) -> Observed:
        def mine(obj: dict, role: str) -> bool:
            labels = (obj.get("metadata") or {}).get("labels") or {}
            return labels.get(objects.LABEL_JOB) == spec.name and labels.get(objects.LABEL_ROLE) == role

        builds: list[BuildSeen] = []
        if spec.build.enabled:
            if spec.build.strategy in _BUILD_RESOURCES:
                convert = _pipeline_run_seen if spec.build.strategy == "tekton" else _openshift_build_seen
                builds = [
                    convert(o) for strategy, o in self.builds if strategy == spec.build.strategy and mine(o, "build")
                ]
            else:
                builds = [_kaniko_seen(job) for job in self.jobs if mine(job, "build")]
        validations = [
            _validation_seen(job, self.pods_by_job.get(job["metadata"]["name"], []))
            for job in self.jobs if mine(job, "validation")
        ]  # fmt: skip
        return Observed(
            now=now or datetime.now(UTC),
            image=image,
            image_exists=image_exists,
            builds=tuple(sorted(builds, key=lambda b: b.attempt)),
            validations=tuple(sorted(validations, key=lambda v: v.attempt)),
        )


class Watcher:
    """Background watches on the bridge's builds, Jobs and pods under a selector; `wait()` returns on any change.

    One watch per kind serves every job (pods inherit the Job template's labels, so the same selector finds
    them). A watch that ends (server timeout) or is told `410 Gone` starts again from a fresh list.
    """

    def __init__(
        self, cluster: Cluster, namespace: str, selector: str, strategies: set[str], stream_timeout: int = 60
    ) -> None:
        self.stream_timeout = stream_timeout  # the server ends each watch after this; it is then resumed
        self.changed = threading.Event()
        self._stop = threading.Event()
        self._threads = []
        streams = [
            (cluster.batch.list_namespaced_job, (namespace,), {"label_selector": selector}),
            (cluster.core.list_namespaced_pod, (namespace,), {"label_selector": selector}),
        ]
        for strategy in sorted(strategies & set(_BUILD_RESOURCES)):
            group, version, plural = _BUILD_RESOURCES[strategy]
            streams.append((cluster.custom.list_namespaced_custom_object, (group, version, namespace, plural),
                            {"label_selector": selector}))  # fmt: skip
        for call, args, kwargs in streams:
            thread = threading.Thread(target=self._run, args=(call, args, kwargs), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, call, args, kwargs) -> None:
        from kubernetes import watch
        from kubernetes.client.exceptions import ApiException

        version = None
        while not self._stop.is_set():
            stream = watch.Watch()
            try:
                for event in stream.stream(
                    call, *args, resource_version=version, timeout_seconds=self.stream_timeout, **kwargs
                ):
                    obj = event.get("raw_object") or {}
                    version = (obj.get("metadata") or {}).get("resourceVersion") or version
                    self.changed.set()
                    if self._stop.is_set():
                        break
            except ApiException as exc:
                if exc.status == 410:
                    version = None  # compacted: start again from a fresh list
                    self.changed.set()
                else:
                    time.sleep(0.5)
            except Exception:
                time.sleep(0.5)  # a dropped connection: reconnect
            finally:
                stream.stop()

    def wait(self, timeout: float) -> bool:
        fired = self.changed.wait(timeout)
        self.changed.clear()
        return fired

    def close(self) -> None:
        self._stop.set()


def _attempt(meta: dict) -> int:
    try:
        return int((meta.get("labels") or {}).get(objects.LABEL_ATTEMPT, "1"))
    except ValueError:
        return 1


def _pipeline_run_seen(obj: dict) -> BuildSeen:
    meta, status = obj.get("metadata", {}), obj.get("status") or {}
    succeeded = next((c for c in status.get("conditions") or [] if c.get("type") == "Succeeded"), None)
    phase = "Pending"
    if succeeded:
        phase = {"True": "Complete", "False": "Failed"}.get(succeeded.get("status"), "Running")
    image = next((r.get("value") for r in status.get("results") or [] if r.get("name") == "IMAGE_URL"), None)
    return BuildSeen(meta.get("name", ""), phase, (succeeded or {}).get("message", ""), image, _attempt(meta))


def _openshift_build_seen(obj: dict) -> BuildSeen:
    meta, status = obj.get("metadata", {}), obj.get("status") or {}
    phase = {"New": "Pending", "Pending": "Pending", "Running": "Running", "Complete": "Complete"}.get(
        status.get("phase", "New"), "Failed")  # fmt: skip
    image = status.get("outputDockerImageReference")
    return BuildSeen(meta.get("name", ""), phase, status.get("message", ""), image, _attempt(meta))


def _job_phase(status: dict) -> tuple[str, str]:
    conditions = {c.get("type"): c for c in status.get("conditions") or [] if c.get("status") == "True"}
    if "Complete" in conditions:
        return "Succeeded", ""
    if "Failed" in conditions:
        return "Failed", conditions["Failed"].get("reason", "")
    return ("Running" if status.get("active") else "Pending"), ""


def _kaniko_seen(obj: dict) -> BuildSeen:
    phase, reason = _job_phase(obj.get("status") or {})
    phase = {"Succeeded": "Complete"}.get(phase, phase)
    return BuildSeen(obj["metadata"]["name"], phase, reason, None, _attempt(obj["metadata"]))


def _validation_seen(job: dict, pods: list[dict]) -> ValidationSeen:
    """A validation Job as the state machine sees it: phase, an infrastructure reason, the report."""
    meta = job["metadata"]
    phase, reason = _job_phase(job.get("status") or {})
    report, report_error = None, None
    for pod in pods:
        pod_status = pod.get("status") or {}
        if pod_status.get("reason") in ("Evicted", "Preempted", "NodeLost"):
            return ValidationSeen(meta["name"], "Failed", pod_status["reason"], attempt=_attempt(meta))
        for container in pod_status.get("containerStatuses") or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in _WAITING_INFRA:
                return ValidationSeen(meta["name"], "Failed", "ImagePullBackOff", attempt=_attempt(meta))
            terminated = (container.get("state") or {}).get("terminated")
            if terminated and container.get("name") == "validate":
                try:
                    report = json.loads(terminated.get("message") or "")
                    if not isinstance(report, dict):
                        raise ValueError("not an object")
                except ValueError as exc:
                    report, report_error = None, f"termination message is not a JSON report ({exc})"
    if phase in ("Succeeded", "Failed") and report is None and report_error is None:
        report_error = "the validation pod left no termination message"
    return ValidationSeen(meta["name"], phase, reason, report, report_error, _attempt(meta))


def _in_cluster() -> bool:
    import os

    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def owner_uid(job: dict | None) -> str | None:
    return ((job or {}).get("metadata") or {}).get("uid")
