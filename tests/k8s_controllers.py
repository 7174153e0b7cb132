"""Stand-ins for the controllers a real cluster runs (Tekton, OpenShift builds, the Job controller).

They act the way those controllers do: by patching status subresources (and, for Jobs, creating the
pod and giving it a terminated container with a termination message). What happens to each attempt
is scripted per test. They poll the emulator; the bridge under test is the one that must watch.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

from nblint.operator_bridge.objects import LABEL_ATTEMPT, LABEL_ROLE

PASSED = {"status": "passed", "failed": 0, "checks": [], "first": None, "message": None}
FAILED = {"status": "failed", "failed": 1, "checks": ["nan-value"], "first": "cell 4: nan-value: `auc` is NaN",
          "message": None}  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


IMAGE_SIZE = 734003200  # what the emulated Tekton build reports as its IMAGE_SIZE result


class Controllers:
    """`builds[attempt]`: complete | fail | hang | complete@SECONDS (a build that takes that long);
    `validations[attempt]`: passed | failed | evicted | garbage | hang."""

    def __init__(self, api_client, namespace: str, builds=None, validations=None, delay: float = 0.05, logs=None):
        from kubernetes import client

        self.batch = client.BatchV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)
        self.namespace = namespace
        self.builds = builds or {}
        self.validations = validations or {}
        self.delay = delay
        self.logs = logs if logs is not None else {}  # the emulator's pod_logs: what each pod "printed"
        self.events: list[tuple[float, str, str]] = []  # (time, what, name): for ordering assertions
        self._done: set[str] = set()
        self._first_seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._pipeline_runs()
                self._openshift_builds()
                self._jobs()
            except Exception as exc:  # keep playing the controller; a test will notice missing progress
                self.events.append((time.monotonic(), "controller-error", repr(exc)))
            time.sleep(self.delay)

    def _outcome(self, obj_meta, table, default):
        labels = obj_meta.get("labels") or {}
        return table.get(int(labels.get(LABEL_ATTEMPT, "1")), default)

    def _list(self, call, *args) -> list[dict]:
        return json.loads(call(*args, _preload_content=False).data)["items"]

    def _pipeline_runs(self) -> None:
        runs = self._list(self.custom.list_namespaced_custom_object, "tekton.dev", "v1", self.namespace, "pipelineruns")
        for run in runs:
            name = run["metadata"]["name"]
            if name in self._done or (run.get("status") or {}).get("conditions"):
                continue  # ours already, or finished before this controller started
            outcome = self._outcome(run["metadata"], self.builds, "complete")
            if outcome.startswith("complete@"):
                started = self._first_seen.setdefault(name, time.monotonic())
                if time.monotonic() - started < float(outcome.split("@")[1]):
                    continue
                outcome = "complete"
            if outcome == "hang":
                continue
            status = "True" if outcome == "complete" else "False"
            image = (
                run["spec"]["pipelineSpec"]["tasks"][1]["taskSpec"]["steps"][0]["script"].split(" -t ")[1].split()[0]
            )
            body = {"status": {"startTime": _now(), "completionTime": _now(),
                               "conditions": [{"type": "Succeeded", "status": status,
                                               "message": "" if status == "True" else "step build failed"}],
                               "results": [{"name": "IMAGE_URL", "value": image},
                                           {"name": "IMAGE_SIZE", "value": str(IMAGE_SIZE)}]}}  # fmt: skip
            self.custom.patch_namespaced_custom_object_status("tekton.dev", "v1", self.namespace, "pipelineruns",
                                                              name, body)  # fmt: skip
            self.events.append((time.monotonic(), f"build-{outcome}", name))
            self._done.add(name)

    def _openshift_builds(self) -> None:
        builds = self._list(
            self.custom.list_namespaced_custom_object, "build.openshift.io", "v1", self.namespace, "builds"
        )
        for build in builds:
            name = build["metadata"]["name"]
            if name in self._done or (build.get("status") or {}).get("phase"):
                continue
            outcome = self._outcome(build["metadata"], self.builds, "complete")
            if outcome == "hang":
                continue
            phase = "Complete" if outcome == "complete" else "Failed"
            body = {"status": {"phase": phase, "outputDockerImageReference": build["spec"]["output"]["to"]["name"]}}
            self.custom.patch_namespaced_custom_object_status("build.openshift.io", "v1", self.namespace, "builds",
                                                              name, body)  # fmt: skip
            self.events.append((time.monotonic(), f"build-{outcome}", name))
            self._done.add(name)

    def _jobs(self) -> None:
        for job in self._list(self.batch.list_namespaced_job, self.namespace):
            name = job["metadata"]["name"]
            if name in self._done or (job.get("status") or {}).get("conditions"):
                continue
            labels = job["metadata"].get("labels") or {}
            role = labels.get(LABEL_ROLE)
            table, default = (self.builds, "complete") if role == "build" else (self.validations, "passed")
            outcome = table.get(int(labels.get(LABEL_ATTEMPT, "1")), default)
            if outcome == "hang":
                continue
            self._finish_job(job, role, outcome)
            self.events.append((time.monotonic(), f"{role}-{outcome}", name))
            self._done.add(name)

    def _finish_job(self, job: dict, role: str, outcome: str) -> None:
        name = job["metadata"]["name"]
        # Like the Job controller: the pod gets the template's labels plus job-name.
        labels = {**((job["spec"]["template"].get("metadata") or {}).get("labels") or {}), "job-name": name}
        container = "validate" if role == "validation" else "kaniko"
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{name}-pod", "labels": labels},
               "spec": {"containers": [{"name": container, "image": "x"}]}}  # fmt: skip
        self.core.create_namespaced_pod(self.namespace, pod)
        report = {"passed": PASSED, "failed": FAILED}.get(outcome)
        if report is not None:
            self.logs[(self.namespace, f"{name}-pod")] = json.dumps({"version": 1, **report}, indent=2)
        ok = outcome in ("passed", "complete", "garbage")
        message = {"passed": json.dumps(PASSED), "failed": json.dumps(FAILED), "garbage": "Killed"}.get(outcome, "")
        pod_status: dict = {"phase": "Succeeded" if ok else "Failed",
                            "containerStatuses": [{"name": pod["spec"]["containers"][0]["name"], "ready": False,
                                                   "restartCount": 0, "image": "x", "imageID": "",
                                                   "state": {"terminated": {"exitCode": 0 if ok else 1,
                                                                            "message": message}}}]}  # fmt: skip
        if outcome == "evicted":
            pod_status = {"phase": "Failed", "reason": "Evicted", "message": "The node was low on memory."}
        self.core.patch_namespaced_pod_status(f"{name}-pod", self.namespace, {"status": pod_status})
        if ok or outcome == "garbage":  # a garbled termination message still comes from a pod that exited 0
            conditions = [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]
        else:
            conditions = [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]
        body = {"status": {"startTime": _now(), "completionTime": _now(), "succeeded" if ok else "failed": 1,
                           "conditions": conditions}}  # fmt: skip
        self.batch.patch_namespaced_job_status(name, self.namespace, body)
