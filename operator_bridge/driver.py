"""The loop that drives jobs: observe, step (pure), act, write status, wait for the next change.

One loop serves one job (`nblint cluster submit`) or many (a controller): every pass lists each kind of
object once, hands each job its share, and one set of watches wakes the loop when anything changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nblint.operator_bridge import objects
from nblint.operator_bridge.kube import Cluster, Snapshot, owner_uid
from nblint.operator_bridge.plan import BuildPlan
from nblint.operator_bridge.spec import JobSpec
from nblint.operator_bridge.state import TERMINAL, step


@dataclass
class _Job:
    spec: JobSpec
    plan: BuildPlan
    uid: str | None
    status: dict = field(default_factory=dict)
    image_exists: bool | None = None

    @property
    def done(self) -> bool:
        return self.status.get("phase") in TERMINAL


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
    check_image: Callable[[str], bool] | None = None,
    tick: float = 1.0,
    stream_timeout: int = 60,
) -> dict[str, dict]:
    """State lives in each NotebookValidationJob's status, so calling this again after a crash, or from
    another machine, carries on where it stopped."""
    states = []
    for spec, plan in jobs:
        job = cluster.ensure_job(spec, namespace)
        states.append(_Job(spec, plan, owner_uid(job), dict(job.get("status") or {})))
    selector = (
        f"{objects.LABEL_JOB}={jobs[0][0].name}"
        if len(jobs) == 1
        else f"app.kubernetes.io/managed-by={objects.MANAGED_BY}"
    )
    strategies = {spec.build.strategy for spec, _ in jobs if spec.build.enabled}
    watcher = cluster.watcher(namespace, selector, strategies, stream_timeout) if wait else None
    try:
        while True:
            snapshot = cluster.snapshot(namespace, selector, strategies)
            acted = False
            for state in states:
                if not state.done:
                    acted |= _advance(cluster, state, namespace, snapshot, check_image, on_status)
            if all(state.done for state in states) or watcher is None:
                return {state.spec.name: state.status for state in states}
            if not acted:
                watcher.wait(tick)
    finally:
        if watcher is not None:
            watcher.close()


def _advance(cluster: Cluster, state: _Job, namespace: str, snapshot: Snapshot, check_image, on_status) -> bool:
    """One step of one job; returns whether it acted (then the loop looks again at once)."""
    spec = state.spec
    observed = snapshot.observed(spec, state.plan.image, state.image_exists)
    actions, new_status = step(spec, state.status, observed)
    for action in actions:
        if action.kind == "check-image":
            state.image_exists = _check(check_image, state.plan.image)
            continue
        name = cluster.apply(action, spec, namespace, state.plan, state.uid)
        if name and action.kind == "create-build":
            new_status.setdefault("buildStatus", {})["buildName"] = name
        elif name and action.kind == "create-validation":
            new_status["validationJobName"] = name
    if new_status != state.status:
        cluster.patch_status(namespace, spec.name, new_status)
        state.status = new_status
        if on_status:
            on_status(spec.name, new_status)
    return bool(actions)


def _check(check_image: Callable[[str], bool] | None, image: str) -> bool:
    from nblint.operator_bridge.registry import RegistryError, image_exists

    try:
        return (check_image or image_exists)(image)
    except RegistryError:
        return False  # cannot tell: build it
