"""Kubernetes Events on a NotebookValidationJob: phase changes, retries and failures, so that
`kubectl describe notebookvalidationjob NAME` tells the story of the job."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from nblint.operator_bridge.spec import GROUP, KIND, VERSION

log = logging.getLogger("nblint.operator")
COMPONENT = "nblint-operator"


def story(before: dict, after: dict) -> list[tuple[str, str, str]]:
    """(type, reason, message) for what changed between two statuses of one job (pure)."""
    events = []
    if int(after.get("buildRetryCount") or 0) > int(before.get("buildRetryCount") or 0):
        message = (before.get("buildStatus") or {}).get("message") or "the build failed"
        events.append(("Warning", "BuildRetry", f"build attempt {after['buildRetryCount'] + 1} after: {message}"))
    if int(after.get("validationRetryCount") or 0) > int(before.get("validationRetryCount") or 0):
        attempt = after["validationRetryCount"] + 1
        events.append(("Warning", "ValidationRetry", f"validation attempt {attempt} after an infrastructure failure"))
    old_build, new_build = before.get("buildStatus") or {}, after.get("buildStatus") or {}
    if new_build.get("buildName") and new_build.get("buildName") != old_build.get("buildName"):
        events.append(
            ("Normal", "BuildCreated", f"build {new_build['buildName']} for {new_build.get('imageReference')}")
        )
    if new_build.get("phase") == "Complete" and old_build.get("phase") != "Complete":
        events.append(
            ("Normal", "BuildComplete", new_build.get("message") or f"image {new_build.get('imageReference')}")
        )
    if after.get("validationJobName") and after.get("validationJobName") != before.get("validationJobName"):
        events.append(("Normal", "ValidationCreated", f"validation Job {after['validationJobName']}"))
    phase = after.get("phase")
    if phase and phase != before.get("phase") and phase != "BuildComplete":  # told by the build's own event
        if phase == "Failed":
            events.append(("Warning", "Failed", after.get("message") or "the job failed"))
        else:
            detail = f": {after['message']}" if phase == "Succeeded" and after.get("message") else ""
            events.append(("Normal", phase, f"phase {before.get('phase') or 'none'} -> {phase}{detail}"))
    return events


class Recorder:
    def __init__(self, cluster, identity: str) -> None:
        self.cluster, self.identity = cluster, identity

    def emit(self, job: dict, kind: str, reason: str, message: str) -> None:
        """One core/v1 Event about `job`; failures to record are logged, never fatal."""
        meta = job["metadata"]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"generateName": f"{meta['name'][:50]}.", "namespace": meta["namespace"]},
            "involvedObject": {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "name": meta["name"],
                               "namespace": meta["namespace"], "uid": meta.get("uid"),
                               "resourceVersion": meta.get("resourceVersion")},
            "type": kind, "reason": reason, "message": message[:1024], "count": 1,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": {"component": COMPONENT, "host": self.identity},
            "reportingComponent": COMPONENT, "reportingInstance": self.identity[:128],
        }  # fmt: skip
        try:
            self.cluster.core.create_namespaced_event(meta["namespace"], body, _preload_content=False)
        except Exception as exc:
            log.warning("could not record event %s on %s: %s", reason, meta["name"], exc)
