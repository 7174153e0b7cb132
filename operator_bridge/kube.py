"""The Kubernetes side of the bridge: observe a job's objects, apply the state machine's actions.

A thin adapter around the pure state machine (state.py), shared by `nblint cluster` and `nblint operator`.
It finds its own objects by label and gives each one a deterministic name (a second driver, or a restarted
one, gets 409 AlreadyExists and adopts the object instead of starting a duplicate), writes status with
optimistic concurrency, retries API calls on 429/5xx with backoff, reads the server's Warning headers,
and turns a refused call into one line naming the verb and the resource. Watching lives in informer.py.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from nblint.operator_bridge import objects
from nblint.operator_bridge.plan import BuildPlan
from nblint.operator_bridge.spec import GROUP, KIND, VERSION, JobSpec
from nblint.operator_bridge.state import BuildSeen, Observed, ValidationSeen

PLURAL = "notebookvalidationjobs"
RETRYABLE = {429, 500, 502, 503, 504}
BUILD_RESOURCES = {  # strategy -> (group, version, plural) of the build object
    "tekton": ("tekton.dev", "v1", "pipelineruns"),
    "s2i": ("build.openshift.io", "v1", "builds"),
}
POD_SETTLE_S = 10  # how long a finished Job's pod may lag behind it in the caches
_WAITING_INFRA = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError"}
_VERBS = {"read": "get", "list": "list", "create": "create", "patch": "patch", "replace": "update",
          "delete": "delete", "get": "get"}  # fmt: skip
log = logging.getLogger("nblint.cluster")


class ClusterError(Exception):
    """The cluster could not be reached or refused a request (the message says which and why)."""


class Forbidden(ClusterError):
    """RBAC refused a call: the message names the verb and the resource that are missing."""


class Conflict(Exception):
    """A status write lost a race (409): re-read the object and step again."""


def _what(call: Callable, args: tuple, kwargs: dict) -> tuple[str, str, str]:
    """(verb, resource, namespace) of a client call, from its name and arguments."""
    name = getattr(call, "__name__", str(call))
    first = name.split("_")[0]
    verb = "watch" if kwargs.get("watch") else _VERBS.get(first, first)
    namespaced = "namespaced" in name
    if "custom_object" in name:  # (group, version, [namespace,] plural, ...)
        resource = f"{args[3] if namespaced else args[2]}.{args[0]}" + ("/status" if name.endswith("_status") else "")
        return verb, resource, args[2] if namespaced else ""
    parts = name.split("_")
    sub = parts[-1] if parts[-1] in ("log", "status") else ""
    kind = parts[-2] if sub else parts[-1]
    resource = {"job": "jobs.batch", "pod": "pods", "lease": "leases.coordination.k8s.io", "event": "events",
                "map": "configmaps"}.get(kind, kind) + (f"/{sub}" if sub else "")  # fmt: skip
    by_name = first in ("read", "delete", "replace", "patch")  # (name, namespace, ...) rather than (namespace, ...)
    namespace = (args[1] if by_name else args[0]) if namespaced and len(args) > by_name else ""
    return verb, resource, namespace


def forbidden(exc, call: Callable, args: tuple = (), kwargs: dict | None = None) -> Forbidden:
    verb, resource, namespace = _what(call, args, kwargs or {})
    where = f" in namespace {namespace!r}" if namespace else " in all namespaces"
    return Forbidden(f"forbidden: the cluster does not let this account {verb} {resource}{where} "
                     f"(add `{verb}` on `{resource}` to its Role; see docs/operator.md#rbac)")  # fmt: skip


def retrying(call: Callable, *args, attempts: int = 5, **kwargs):
    """Call the API, retrying throttling and server errors (and dropped connections) with backoff.

    A 403 becomes Forbidden, a connection that stays down becomes ClusterError; a 409 is the caller's
    to interpret (AlreadyExists: adopt; Conflict: re-read).
    """
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    delay = 0.1
    for attempt in range(attempts):
        try:
            return call(*args, **kwargs)
        except ApiException as exc:
            if exc.status == 403:
                raise forbidden(exc, call, args, kwargs) from None
            if exc.status not in RETRYABLE or attempt == attempts - 1:
                raise
            retry_after = (exc.headers or {}).get("Retry-After") if exc.headers else None
            time.sleep(float(retry_after) if retry_after and retry_after.isdigit() else delay)
        except HTTPError as exc:  # connection refused or reset: the API server restarting
            if attempt == attempts - 1:
                raise ClusterError(f"cannot reach the cluster ({type(exc).__name__})") from None
            time.sleep(delay)
        delay = min(delay * 2, 5)
    return None


def items(call: Callable, *args, **kwargs) -> list[dict]:
    """A list call's items as plain dicts: raw JSON, without the client's slow model round trip."""
    return listing(call, *args, **kwargs)["items"]


def listing(call: Callable, *args, **kwargs) -> dict:
    response = retrying(call, *args, _preload_content=False, **kwargs)
    return json.loads(response.data)


def _watch_warnings(api_client) -> list[str]:
    """Every Warning header the server sends on this client's responses is logged and kept (tests fail on them)."""
    rest = api_client.rest_client
    if not hasattr(rest, "nblint_warnings"):
        request, rest.nblint_warnings = rest.request, []

        def noting(*args, **kwargs):
            response = request(*args, **kwargs)
            warning = response.headers.get("Warning") if response.headers else None
            if warning:
                log.warning("the API server warns: %s", warning)
                rest.nblint_warnings.append(warning)
            return response

        rest.request = noting
    return rest.nblint_warnings


class Cluster:
    def __init__(self, api_client) -> None:
        from kubernetes import client

        self.api = api_client
        self.batch = client.BatchV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)
        self.coordination = client.CoordinationV1Api(api_client)
        self.warnings = _watch_warnings(api_client)

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

    def ensure_job(self, spec: JobSpec, namespace: str, annotations: dict[str, str] | None = None) -> dict:
        """The job's object, created if missing; one created meanwhile by someone else (409) is adopted."""
        from kubernetes.client.exceptions import ApiException

        existing = self.get_job(namespace, spec.name)
        if existing is not None:
            return existing
        body = objects.job_manifest(spec, namespace, annotations)
        try:
            return retrying(self.custom.create_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, body)
        except ApiException as exc:
            if exc.status != 409:
                raise
        return self.get_job(namespace, spec.name) or body

    def write_status(self, job: dict, status: dict) -> dict:
        """Replace the job's status, conditional on the resourceVersion it was read at; returns the stored object.

        A PUT rather than a merge patch: a merge patch cannot carry a precondition reliably and turns a
        `null` in the summary into a deleted key. A lost race raises Conflict.
        """
        from kubernetes.client.exceptions import ApiException

        meta = job["metadata"]
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "status": status,
                "metadata": {"name": meta["name"], "namespace": meta["namespace"],
                             "resourceVersion": meta.get("resourceVersion")}}  # fmt: skip
        try:
            return retrying(self.custom.replace_namespaced_custom_object_status, GROUP, VERSION, meta["namespace"],
                            PLURAL, meta["name"], body)  # fmt: skip
        except ApiException as exc:
            if exc.status == 409:
                raise Conflict(meta["name"]) from None
            raise

    def list_jobs(self, namespace: str | None) -> list[dict]:
        if namespace is None:
            return items(self.custom.list_cluster_custom_object, GROUP, VERSION, PLURAL)
        return items(self.custom.list_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL)

    # -- observing (one-off: `cancel`, `logs`; the loops observe through informers) --------------------
    def snapshot(self, namespace: str, selector: str, strategies: set[str]) -> Snapshot:
        """Everything the bridge owns under `selector`, one list call per kind (not per job)."""
        builds: list[tuple[str, dict]] = []
        for strategy in sorted(strategies & set(BUILD_RESOURCES)):
            group, version, plural = BUILD_RESOURCES[strategy]
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
        """Turn one state-machine action into API calls; returns the created (or adopted) object's name."""
        if action.kind == "create-build":
            created = None
            for obj in objects.build_objects(spec, plan.image, plan.dockerfile, action.params["attempt"], owner_uid):
                created = self._create(obj, namespace, owner_uid, action.params["attempt"])
            return created
        if action.kind == "create-validation":
            if spec.validation.expected_outputs:
                self._create(objects.expectations_config_map(spec, owner_uid), namespace, owner_uid, 1)
            job = objects.validation_job(spec, action.params["image"], action.params["attempt"], owner_uid)
            return self._create(job, namespace, owner_uid, action.params["attempt"])
        if action.kind in ("delete-build", "delete-validation"):
            self._delete(spec, namespace, action.kind == "delete-build", action.name)
        return None

    def _create(self, obj: dict, namespace: str, owner_uid: str | None, attempt: int) -> str:
        """Create under a name fixed by (job, role, attempt, owner): a 409 means another driver (or an
        earlier life of this one) made it already, so it is adopted, never duplicated."""
        from kubernetes.client.exceptions import ApiException

        meta = objects.fixed_name(obj, attempt, owner_uid)["metadata"]
        kind = obj["kind"]
        try:
            if kind == "Job":
                retrying(self.batch.create_namespaced_job, namespace, obj, _preload_content=False)
            elif kind == "ConfigMap":
                retrying(self.core.create_namespaced_config_map, namespace, obj, _preload_content=False)
            else:
                group, version = obj["apiVersion"].split("/")
                plural = {"PipelineRun": "pipelineruns", "Build": "builds", "BuildConfig": "buildconfigs"}[kind]
                retrying(self.custom.create_namespaced_custom_object, group, version, namespace, plural, obj)
        except ApiException as exc:
            if exc.status != 409:
                raise
            log.info("%s %s already exists: adopted", kind, meta["name"])
        return meta["name"]

    def _delete(self, spec: JobSpec, namespace: str, build: bool, name: str) -> None:
        from kubernetes.client.exceptions import ApiException

        try:
            if build and spec.build.strategy in BUILD_RESOURCES:
                group, version, plural = BUILD_RESOURCES[spec.build.strategy]
                retrying(self.custom.delete_namespaced_custom_object, group, version, namespace, plural, name)
            else:
                retrying(self.batch.delete_namespaced_job, name, namespace, propagation_policy="Background")
        except ApiException as exc:
            if exc.status != 404:
                raise

    def delete_all(self, spec: JobSpec, namespace: str) -> int:
        """`cluster cancel`: everything this job created, then the job object itself."""
        from kubernetes.client.exceptions import ApiException

        count = 0
        observed = self.observe(spec, namespace, "", None)
        for seen in observed.builds:
            self._delete(spec, namespace, True, seen.name)
            count += 1
        for seen in observed.validations:
            self._delete(spec, namespace, False, seen.name)
            count += 1
        try:
            retrying(self.custom.delete_namespaced_custom_object, GROUP, VERSION, namespace, PLURAL, spec.name)
        except ApiException as exc:
            if exc.status != 404:
                raise
        return count

    def validation_log(self, spec: JobSpec, namespace: str) -> str:
        """The newest validation pod's log (the full JSON report); "" when there is none or it cannot be read."""
        from kubernetes.client.exceptions import ApiException

        jobs = items(self.batch.list_namespaced_job, namespace, label_selector=objects.selector(spec, "validation"))
        if not jobs:
            return ""
        newest = max(jobs, key=lambda j: _attempt(j["metadata"]))
        pods = items(self.core.list_namespaced_pod, namespace, label_selector=f"job-name={newest['metadata']['name']}")
        if not pods:
            return ""
        try:
            return retrying(self.core.read_namespaced_pod_log, pods[0]["metadata"]["name"], namespace)
        except (ApiException, Forbidden) as exc:  # pod gone, node gone, or no pods/log: the caller falls back
            log.info("cannot read the validation log: %s", exc)
            return ""


class Snapshot:
    """Raw objects (from a list, or an informer's cache); `observed()` sorts out one job's share (pure)."""

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
            if spec.build.strategy in BUILD_RESOURCES:
                convert = _pipeline_run_seen if spec.build.strategy == "tekton" else _openshift_build_seen
                builds = [
                    convert(o) for strategy, o in self.builds if strategy == spec.build.strategy and mine(o, "build")
                ]
            else:
                builds = [
                    _kaniko_seen(job, self.pods_by_job.get(job["metadata"]["name"], []))
                    for job in self.jobs if mine(job, "build")
                ]  # fmt: skip
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
        # Unknown with reason Running means a task pod runs; Started/Pending/PipelineRunPending do not yet.
        unknown = "Running" if succeeded.get("reason") == "Running" else "Pending"
        phase = {"True": "Complete", "False": "Failed"}.get(succeeded.get("status"), unknown)
    image = next((r.get("value") for r in status.get("results") or [] if r.get("name") == "IMAGE_URL"), None)
    return BuildSeen(meta.get("name", ""), phase, (succeeded or {}).get("message", ""), image, _attempt(meta))


def _openshift_build_seen(obj: dict) -> BuildSeen:
    meta, status = obj.get("metadata", {}), obj.get("status") or {}
    phase = {"New": "Pending", "Pending": "Pending", "Running": "Running", "Complete": "Complete"}.get(
        status.get("phase", "New"), "Failed")  # fmt: skip
    image = status.get("outputDockerImageReference")
    return BuildSeen(meta.get("name", ""), phase, status.get("message", ""), image, _attempt(meta))


def _job_phase(status: dict, pods: list[dict]) -> tuple[str, str]:
    conditions = {c.get("type"): c for c in status.get("conditions") or [] if c.get("status") == "True"}
    if "Complete" in conditions:
        return "Succeeded", ""
    if "Failed" in conditions:
        return "Failed", conditions["Failed"].get("reason", "")
    running = any((p.get("status") or {}).get("phase") == "Running" for p in pods)
    return ("Running" if status.get("active") and (running or not pods) else "Pending"), ""


def _kaniko_seen(obj: dict, pods: list[dict]) -> BuildSeen:
    phase, reason = _job_phase(obj.get("status") or {}, pods)
    exit_code = None
    if phase == "Failed":  # the Job says only BackoffLimitExceeded; the builder's exit code and message say why
        for pod in pods:
            for container in (pod.get("status") or {}).get("containerStatuses") or []:
                terminated = (container.get("state") or {}).get("terminated") or {}
                if terminated.get("exitCode"):
                    exit_code = terminated["exitCode"]
                    detail = (terminated.get("message") or terminated.get("reason") or "").strip()[-500:]
                    reason = f"{container.get('name')} exited {terminated['exitCode']}" + (
                        f": {detail}" if detail else "") + (f" ({reason})" if reason else "")  # fmt: skip
    phase = {"Succeeded": "Complete"}.get(phase, phase)
    return BuildSeen(obj["metadata"]["name"], phase, reason, None, _attempt(obj["metadata"]), exit_code)


def _validation_seen(job: dict, pods: list[dict]) -> ValidationSeen:
    """A validation Job as the state machine sees it: phase, an infrastructure reason, the report."""
    meta = job["metadata"]
    phase, reason = _job_phase(job.get("status") or {}, pods)
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
        if _settling(job.get("status") or {}):  # the pod's final status has not reached the cache yet
            return ValidationSeen(meta["name"], "Running", attempt=_attempt(meta))
        report_error = "the validation pod left no termination message"
    return ValidationSeen(meta["name"], phase, reason, report, report_error, _attempt(meta))


def _settling(job_status: dict) -> bool:
    """A Job finished moments ago: its pod's terminated state may still be on its way through the watch."""
    finished = job_status.get("completionTime") or next(
        (c.get("lastTransitionTime") for c in job_status.get("conditions") or [] if c.get("type") == "Failed"), None
    )
    try:
        moment = datetime.strptime(finished or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return False
    return (datetime.now(UTC) - moment).total_seconds() < POD_SETTLE_S


def _in_cluster() -> bool:
    import os

    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def owner_uid(job: dict | None) -> str | None:
    return ((job or {}).get("metadata") or {}).get("uid")


def explain(exc: BaseException) -> str | None:
    """One line for the user about a cluster failure, or None when `exc` is not one."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    if isinstance(exc, ClusterError):
        return str(exc)
    if isinstance(exc, ApiException):
        try:
            detail = json.loads(exc.body or "{}").get("message") or ""
        except (ValueError, AttributeError):
            detail = ""
        return f"the cluster refused a request: HTTP {exc.status} {exc.reason}" + (f": {detail}" if detail else "")
    if isinstance(exc, HTTPError):
        return f"cannot reach the cluster ({type(exc).__name__})"
    return None
