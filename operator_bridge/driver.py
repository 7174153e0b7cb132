"""Driving jobs: observe (from informer caches), step (pure), act, write status; shared by CLI and operator.

`advance()` is one step of one job and is all the controller and `nblint cluster submit` have in common.
`reconcile_many()` is the CLI's loop: it drives the jobs itself, or, when an operator runs in the cluster
and covers them, only creates them and follows their status, so that two drivers never race on one job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nblint.operator_bridge import objects
from nblint.operator_bridge.kube import Cluster, ClusterError, Conflict, Forbidden, Snapshot
from nblint.operator_bridge.plan import BuildPlan
from nblint.operator_bridge.spec import JobSpec
from nblint.operator_bridge.state import TERMINAL, step

log = logging.getLogger("nblint.cluster")


@dataclass
class Tracked:
    """One job being driven: its spec and plan, and the stored object as last read or written."""

    spec: JobSpec
    plan: BuildPlan
    job: dict
    image_exists: bool | None = None
    gone: bool = False  # the NotebookValidationJob was deleted under us

    @property
    def status(self) -> dict:
        return dict(self.job.get("status") or {})

    @property
    def namespace(self) -> str:
        return self.job["metadata"]["namespace"]

    @property
    def done(self) -> bool:
        return self.gone or self.status.get("phase") in TERMINAL


@dataclass(frozen=True)
class Outcome:
    acted: bool  # actions were applied or the status moved: look again soon
    before: dict
    after: dict = field(default_factory=dict)


def advance(cluster: Cluster, tracked: Tracked, snapshot: Snapshot, check_image=None) -> Outcome:
    """One step of one job. A lost status race (409) re-reads the object; the next call steps again from there
    (objects it created meanwhile have fixed names, so a repeat create adopts them)."""
    from kubernetes.client.exceptions import ApiException

    spec, before = tracked.spec, tracked.status
    while True:
        observed = snapshot.observed(spec, tracked.plan.image, tracked.image_exists)
        actions, status = step(spec, before, observed)
        if not any(a.kind == "check-image" for a in actions):
            break
        tracked.image_exists = _check(check_image, tracked.plan.image)  # then step on the answer at once
    uid = tracked.job["metadata"].get("uid")
    for action in actions:
        name = cluster.apply(action, spec, tracked.namespace, tracked.plan, uid)
        if name and action.kind == "create-build":
            status.setdefault("buildStatus", {})["buildName"] = name
        elif name and action.kind == "create-validation":
            status["validationJobName"] = name
    if status == before:
        return Outcome(bool(actions), before, before)
    try:
        tracked.job = cluster.write_status(tracked.job, status)
    except Conflict:
        fresh = cluster.get_job(tracked.namespace, spec.name)
        tracked.gone = fresh is None
        tracked.job = fresh or tracked.job
        return Outcome(True, before, tracked.status)
    except ApiException as exc:
        if exc.status != 404:
            raise
        tracked.gone = True
        return Outcome(False, before, before)
    return Outcome(True, before, tracked.status)


def reconcile(cluster: Cluster, spec: JobSpec, namespace: str, plan: BuildPlan, **options) -> dict:
    """Run one job until it is Succeeded or Failed (or one pass, with wait=False); returns its status."""
    return reconcile_many(cluster, [(spec, plan)], namespace, **options)[spec.name]


def reconcile_many(
    cluster: Cluster,
    jobs: list[tuple[JobSpec, BuildPlan]],
    namespace: str,
    *,
    wait: bool = True,
    on_status: Callable[[str, dict], None] | None = None,
    on_mode: Callable[[str, str | None], None] | None = None,
    check_image: Callable[[str], bool] | None = None,
    tick: float = 1.0,
    stream_timeout: int = 60,
    drive: bool | None = None,
) -> dict[str, dict]:
    """Drive the jobs (drive=True), or only create and follow them (drive=False); None: follow when a live
    operator covers them. State lives in each NotebookValidationJob's status, so calling this again after
    a crash, or from another machine, carries on where it stopped."""
    from nblint.operator_bridge.leader import operator_for
    from nblint.operator_bridge.remote_plan import annotation

    operator = None
    if drive is None:
        labels = {**((jobs[0][0].raw.get("metadata") or {}).get("labels") or {}),
                  "app.kubernetes.io/managed-by": objects.MANAGED_BY}  # fmt: skip
        operator = operator_for(cluster, namespace, labels)
    if on_mode:
        on_mode("follow" if operator else "drive", operator)
    tracked = [Tracked(spec, plan, cluster.ensure_job(spec, namespace, annotation(plan))) for spec, plan in jobs]
    if operator:
        if not wait:
            return {t.spec.name: t.status for t in tracked}
        if _follow(cluster, tracked, namespace, on_status, stream_timeout, tick):
            return {t.spec.name: t.status for t in tracked}
        log.warning("the operator went away; driving the jobs from here")
    return _drive(cluster, tracked, namespace, wait, on_status, check_image, tick, stream_timeout)


def _drive(cluster, tracked: list[Tracked], namespace, wait, on_status, check_image, tick, stream_timeout):
    import threading

    from kubernetes.client.exceptions import ApiException
    from nblint.operator_bridge.informer import ObjectCache
    from urllib3.exceptions import HTTPError

    selector = (
        f"{objects.LABEL_JOB}={tracked[0].spec.name}"
        if len(tracked) == 1
        else f"app.kubernetes.io/managed-by={objects.MANAGED_BY}"
    )
    strategies = {t.spec.build.strategy for t in tracked if t.spec.build.enabled}
    changed = threading.Event()
    cache = None
    if wait:
        cache = ObjectCache(cluster, namespace, selector, strategies, on_event=lambda *_: changed.set(),
                            stream_timeout=stream_timeout).start()  # fmt: skip
        cache.wait_synced(30)
    delay = 0.5
    try:
        while True:
            acted = False
            try:
                if cache is not None and cache.forbidden():
                    raise cache.forbidden()
                snapshot = cluster.snapshot(namespace, selector, strategies) if cache is None else None
                for t in tracked:
                    if not t.done:
                        outcome = advance(cluster, t, snapshot or cache.snapshot(namespace, t.spec.name), check_image)
                        acted |= outcome.acted
                        if outcome.after != outcome.before and on_status:
                            on_status(t.spec.name, t.status)
                delay = 0.5
            except Forbidden:
                raise
            except (ClusterError, HTTPError, ApiException) as exc:  # an API server restart: back off and resume
                status = getattr(exc, "status", None)
                if isinstance(exc, ApiException) and status not in (404, 409, 429) and (status or 500) < 500:
                    raise
                log.warning("the cluster is not answering (%s); retrying in %.0f s", _short(exc), delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)
                acted = True
            if all(t.done for t in tracked) or not wait:
                return {t.spec.name: t.status for t in tracked}
            if not acted:
                changed.wait(tick)
                changed.clear()
    finally:
        if cache is not None:
            cache.stop()


def _follow(cluster, tracked: list[Tracked], namespace, on_status, stream_timeout, tick) -> bool:
    """Follow the jobs' status as an operator drives them; False if the operator went away meanwhile."""
    import threading

    from nblint.operator_bridge.informer import Informer
    from nblint.operator_bridge.kube import GROUP, PLURAL, VERSION
    from nblint.operator_bridge.leader import operator_for

    changed = threading.Event()
    informer = Informer("notebookvalidationjobs", cluster.custom.list_namespaced_custom_object,
                        (GROUP, VERSION, namespace, PLURAL), on_event=lambda *_: changed.set(),
                        stream_timeout=stream_timeout).start()  # fmt: skip
    checked = time.monotonic()
    try:
        while True:
            if isinstance(informer.error, Forbidden):
                raise informer.error
            for t in tracked:
                stored = informer.get(namespace, t.spec.name)
                if stored is not None and stored.get("status") != t.job.get("status"):
                    t.job = stored
                    if on_status:
                        on_status(t.spec.name, t.status)
            if all(t.done for t in tracked):
                return True
            if time.monotonic() - checked > 15:
                checked = time.monotonic()
                if operator_for(cluster, namespace, {"app.kubernetes.io/managed-by": objects.MANAGED_BY}) is None:
                    return False
            changed.wait(tick)
            changed.clear()
    finally:
        informer.stop()


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}" if str(exc) else type(exc).__name__


def _check(check_image: Callable[[str], bool] | None, image: str) -> bool:
    from nblint.operator_bridge.registry import RegistryError, image_exists

    try:
        return (check_image or image_exists)(image)
    except RegistryError:
        return False  # cannot tell: build it
