"""`nblint operator`: drives every NotebookValidationJob in scope with the same `advance()` the CLI uses.

Level-triggered: informers list every job and everything the bridge created (so a start or a restart
resumes from `.status` and the objects that exist), and every event only says "look at job X again".
Work is queued per job: a job is never reconciled by two workers at once, a job that changes while it
is being reconciled is queued again, and a failing job is retried with exponential backoff. A periodic
resync relists (missed events), and a tick re-queues unfinished jobs so clock-driven transitions
(timeouts) happen without an event. Only the Lease holder reconciles; followers keep warm caches.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from nblint.operator_bridge import objects
from nblint.operator_bridge.driver import Tracked, advance
from nblint.operator_bridge.events import Recorder, story
from nblint.operator_bridge.informer import Informer, ObjectCache
from nblint.operator_bridge.kube import GROUP, PLURAL, VERSION, Cluster, owner_uid
from nblint.operator_bridge.metrics import Metrics, overdue
from nblint.operator_bridge.spec import SpecError, parse
from nblint.operator_bridge.state import TERMINAL

log = logging.getLogger("nblint.operator")
Key = tuple[str, str]
STRATEGIES = {"tekton", "s2i", "kaniko"}


@dataclass(frozen=True)
class Options:
    namespaces: tuple[str, ...] = ()  # empty: all namespaces
    selector: str | None = None  # label selector on NotebookValidationJobs
    workers: int = 4
    resync_s: float = 300.0  # relist everything this often
    tick_s: float = 5.0  # re-queue unfinished jobs this often (timeouts are on the clock)
    stream_timeout: int = 60
    backoff_base_s: float = 0.1
    backoff_max_s: float = 60.0


class WorkQueue:
    """Keys to reconcile: each at most once in the queue and at most one worker per key; delayed re-adds."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._ready: list[Key] = []
        self._queued: set[Key] = set()
        self._active: set[Key] = set()
        self._again: set[Key] = set()  # changed while a worker had it
        self._delayed: list[tuple[float, Key]] = []
        self._closed = False

    def add(self, key: Key, after: float = 0.0) -> None:
        with self._cond:
            if after > 0:
                heapq.heappush(self._delayed, (time.monotonic() + after, key))
            elif key in self._active:
                self._again.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._ready.append(key)
            self._cond.notify()

    def get(self) -> Key | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                now = time.monotonic()
                while self._delayed and self._delayed[0][0] <= now:
                    _, key = heapq.heappop(self._delayed)
                    if key not in self._queued and key not in self._active:
                        self._queued.add(key)
                        self._ready.append(key)
                    elif key in self._active:
                        self._again.add(key)
                if self._ready:
                    key = self._ready.pop(0)
                    self._queued.discard(key)
                    self._active.add(key)
                    return key
                timeout = self._delayed[0][0] - now if self._delayed else None
                self._cond.wait(timeout)

    def done(self, key: Key) -> None:
        with self._cond:
            self._active.discard(key)
            if key in self._again:
                self._again.discard(key)
                self._queued.add(key)
                self._ready.append(key)
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._ready) + len(self._delayed)


class Controller:
    def __init__(
        self,
        cluster: Cluster,
        options: Options = Options(),
        *,
        identity: str = "nblint-operator",
        metrics: Metrics | None = None,
        check_image: Callable[[str], bool] | None = None,
    ) -> None:
        self.cluster, self.options, self.identity = cluster, options, identity
        self.check_image = check_image
        self.metrics = metrics or Metrics(self.gauges)
        self.recorder = Recorder(cluster, identity)
        self.queue = WorkQueue()
        self.leading = threading.Event()
        self.heartbeat = time.monotonic()
        self._stop = threading.Event()
        self._tracked: dict[Key, Tracked] = {}
        self._failures: dict[Key, int] = {}
        self._invalid: dict[Key, str] = {}  # resourceVersion of a spec already reported invalid
        self._workers: list[threading.Thread] = []
        scopes: list[str | None] = list(options.namespaces) or [None]
        self.jobs = {ns: self._job_informer(ns) for ns in scopes}
        self.caches = {
            ns: ObjectCache(cluster, ns, f"app.kubernetes.io/managed-by={objects.MANAGED_BY}", STRATEGIES,
                            on_event=self._on_owned, stream_timeout=options.stream_timeout,
                            resync_s=options.resync_s)
            for ns in scopes
        }  # fmt: skip

    def _job_informer(self, namespace: str | None) -> Informer:
        custom = self.cluster.custom
        call, args = (
            (custom.list_cluster_custom_object, (GROUP, VERSION, PLURAL))
            if namespace is None
            else (custom.list_namespaced_custom_object, (GROUP, VERSION, namespace, PLURAL))
        )
        return Informer(PLURAL, call, args, selector=self.options.selector, on_event=self._on_job,
                        stream_timeout=self.options.stream_timeout, resync_s=self.options.resync_s)  # fmt: skip

    # -- events -> keys ------------------------------------------------------------------------------
    def _on_job(self, kind: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""))
        if kind == "DELETED":
            self._tracked.pop(key, None)
            self._failures.pop(key, None)
            return
        if self.leading.is_set():
            self.queue.add(key)

    def _on_owned(self, kind: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        job = (meta.get("labels") or {}).get(objects.LABEL_JOB)
        if job and self.leading.is_set():
            self.queue.add((meta.get("namespace", ""), job))

    def set_leading(self, leading: bool) -> None:
        """Called by the leader elector (or at once, without election)."""
        if leading:
            self.leading.set()
            self.enqueue_all()
        else:
            self.leading.clear()
            self._tracked.clear()  # a future term starts from the stored status, not from memory

    def enqueue_all(self, unfinished_only: bool = False) -> None:
        for informer in self.jobs.values():
            for obj in informer.objects():
                if unfinished_only and (obj.get("status") or {}).get("phase") in TERMINAL:
                    continue
                self.queue.add((obj["metadata"]["namespace"], obj["metadata"]["name"]))

    # -- running -------------------------------------------------------------------------------------
    def start(self) -> Controller:
        for informer in self.jobs.values():
            informer.start()
        for cache in self.caches.values():
            cache.start()
        for n in range(self.options.workers):
            thread = threading.Thread(target=self._work, name=f"reconcile-{n}", daemon=True)
            thread.start()
            self._workers.append(thread)
        threading.Thread(target=self._ticker, name="tick", daemon=True).start()
        return self

    def synced(self) -> bool:
        return all(i.synced.is_set() for i in self.jobs.values()) and all(
            c.wait_synced(0) for c in self.caches.values()
        )

    def alive(self) -> bool:
        return not self._stop.is_set() and time.monotonic() - self.heartbeat < max(60.0, 3 * self.options.tick_s)

    def stop(self, timeout: float = 8.0) -> None:
        """Let each worker finish the job in hand (its API calls), then stop; returns within `timeout`."""
        self._stop.set()
        self.leading.clear()
        self.queue.close()
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        for informer in self.jobs.values():
            informer.stop()
        for cache in self.caches.values():
            cache.stop()

    def _ticker(self) -> None:
        while not self._stop.wait(self.options.tick_s):
            self.heartbeat = time.monotonic()
            if self.leading.is_set():
                self.enqueue_all(unfinished_only=True)

    def _work(self) -> None:
        while True:
            key = self.queue.get()
            if key is None:
                return
            try:
                if self.leading.is_set():
                    self._reconcile_safely(key)
            finally:
                self.queue.done(key)

    def _reconcile_safely(self, key: Key) -> None:
        started = time.perf_counter()
        try:
            acted = self.reconcile(key)
            self._failures.pop(key, None)
            if acted:
                self.queue.add(key, after=0.05)  # look again once the watches had a moment to show the change
        except Exception as exc:
            self.metrics.reconcile_errors.inc()
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            delay = min(self.options.backoff_base_s * 2 ** (failures - 1), self.options.backoff_max_s)
            log.warning("%s/%s: reconcile failed (%s: %s); retrying in %.1f s", *key, type(exc).__name__,
                        str(exc).splitlines()[0][:200] if str(exc) else "", delay)  # fmt: skip
            self.queue.add(key, after=delay)
        finally:
            self.metrics.reconcile_duration.observe(time.perf_counter() - started)
            self.heartbeat = time.monotonic()

    def reconcile(self, key: Key) -> bool:
        """One step of one job; True when it acted (then it is looked at again shortly)."""
        from nblint.operator_bridge.remote_plan import plan_for

        namespace, name = key
        informer = self.jobs.get(namespace) or self.jobs.get(None)
        cache = self.caches.get(namespace) or self.caches[None]
        if not (informer.synced.is_set() and cache.wait_synced(0)):
            # A cache not yet listed would show a job's build as gone: never step on half a picture.
            self.queue.add(key, after=0.2)
            return False
        stored = informer.get(namespace, name)
        if stored is None:
            self._tracked.pop(key, None)
            return False
        tracked = self._tracked.get(key)
        if tracked is None or owner_uid(tracked.job) != owner_uid(stored):
            try:
                spec = parse(stored, f"{namespace}/{name}")
            except SpecError as exc:
                self._report_invalid(stored, str(exc))
                return False
            tracked = self._tracked[key] = Tracked(spec, plan_for(stored, spec), stored)
        elif _newer(stored, tracked.job):
            tracked.job = stored
        if tracked.done:
            return False
        outcome = advance(self.cluster, tracked, cache.snapshot(namespace, name), self.check_image)
        if outcome.after != outcome.before:
            strategy = tracked.spec.build.strategy if tracked.spec.build.enabled else "none"
            self.metrics.record(namespace, strategy, outcome.before, outcome.after,
                                self._image_size(cache, namespace, outcome.after))  # fmt: skip
            for kind, reason, message in story(outcome.before, outcome.after):
                self.recorder.emit(tracked.job, kind, reason, message)
        return outcome.acted

    def _report_invalid(self, stored: dict, message: str) -> None:
        """An invalid spec is Failed once, with the reason, and not retried until the object changes."""
        key = (stored["metadata"]["namespace"], stored["metadata"]["name"])
        version = stored["metadata"].get("resourceVersion", "")
        if self._invalid.get(key) == version or (stored.get("status") or {}).get("phase") in TERMINAL:
            return
        self._invalid[key] = version
        status = {**(stored.get("status") or {}), "phase": "Failed", "message": message[:1000]}
        try:
            self.cluster.write_status(stored, status)
        except Exception as exc:  # the event below still tells the story
            log.warning("%s/%s: cannot write status: %s", *key, exc)
        self.recorder.emit(stored, "Warning", "InvalidSpec", message)

    def _image_size(self, cache: ObjectCache, namespace: str, status: dict) -> float | None:
        name = (status.get("buildStatus") or {}).get("buildName")
        informer = cache.informers.get("tekton")
        run = informer.get(namespace, name) if informer and name else None
        for result in ((run or {}).get("status") or {}).get("results") or []:
            if result.get("name") == "IMAGE_SIZE":
                try:
                    return float(result.get("value"))
                except (TypeError, ValueError):
                    return None
        return None

    # -- gauges, counted from the caches at scrape time ---------------------------------------------
    def gauges(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        phases: dict[tuple[str, str], int] = {}
        for informer in self.jobs.values():
            for obj in informer.objects():
                phase = (obj.get("status") or {}).get("phase") or "Pending"
                if phase not in TERMINAL:
                    key = (obj["metadata"]["namespace"], phase)
                    phases[key] = phases.get(key, 0) + 1
        runs: dict[str, int] = {}
        pods: dict[str, int] = {}
        for cache in self.caches.values():
            for run in cache.informers["tekton"].objects():
                conditions = (run.get("status") or {}).get("conditions") or []
                if not any(c.get("type") == "Succeeded" and c.get("status") in ("True", "False") for c in conditions):
                    runs[run["metadata"]["namespace"]] = runs.get(run["metadata"]["namespace"], 0) + 1
            for pod in cache.informers["pods"].objects():
                labels = pod["metadata"].get("labels") or {}
                if labels.get(objects.LABEL_ROLE) == "validation" and (pod.get("status") or {}).get("phase") in (
                    None, "Pending", "Running"
                ):  # fmt: skip
                    pods[pod["metadata"]["namespace"]] = pods.get(pod["metadata"]["namespace"], 0) + 1
        stuck = overdue(
            (obj["metadata"]["namespace"], obj.get("status") or {}, tracked.spec)
            for informer in self.jobs.values()
            for obj in informer.objects()
            if (tracked := self._tracked.get((obj["metadata"]["namespace"], obj["metadata"]["name"])))
        )
        return {
            "notebook_validation_jobs_overdue": stuck,
            "notebook_validation_jobs_active": [({"namespace": ns, "phase": p}, n) for (ns, p), n in phases.items()],
            "notebook_validation_tekton_pipelineruns_active": [({"namespace": ns}, n) for ns, n in runs.items()],
            "notebook_validation_validation_pods_active": [({"namespace": ns}, n) for ns, n in pods.items()],
        }


def _newer(a: dict, b: dict) -> bool:
    """Whether object `a` is a later version than `b` (resourceVersions compare as numbers on every real
    server; when they do not parse, the informer's copy wins and a stale write simply gets a 409)."""
    va, vb = a["metadata"].get("resourceVersion", ""), b["metadata"].get("resourceVersion", "")
    if va.isdigit() and vb.isdigit():
        return int(va) > int(vb)
    return va != vb
