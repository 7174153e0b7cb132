"""The one watch machinery of the bridge: list once, then watch, keeping a cache (an informer).

Both `nblint cluster submit` and `nblint operator` observe through informers, so a pass over the jobs costs
no API call: the cache answers. A watch that the server ends (timeoutSeconds) resumes from the last
resourceVersion; `410 Gone` and every `resync_s` start again from a fresh list (missed events are caught
there); a dropped connection or an API server restart backs off and resumes. A 403 is not swallowed: it is
logged once with the verb and resource, kept in `.error`, and retried slowly (RBAC may be fixed live).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from nblint.operator_bridge import objects

log = logging.getLogger("nblint.cluster")
Key = tuple[str, str]  # (namespace, name)


class Informer:
    """A cache of one kind of object under a label selector, in one namespace or all of them.

    `list_call(*args, label_selector=..., ...)` is a list method of the official client; `on_event(type, obj)`
    is called from the informer's thread for every ADDED/MODIFIED/DELETED object, and with "SYNC" for every
    object after a (re)list.
    """

    def __init__(
        self,
        kind: str,
        list_call: Callable,
        args: tuple = (),
        *,
        selector: str | None = None,
        on_event: Callable[[str, dict], None] | None = None,
        stream_timeout: int = 60,
        resync_s: float = 300.0,
    ) -> None:
        self.kind, self.list_call, self.args, self.selector = kind, list_call, args, selector
        self.on_event = on_event
        self.stream_timeout, self.resync_s = stream_timeout, resync_s
        self.synced = threading.Event()
        self.error: Exception | None = None
        self.lists = self.watches = 0  # API calls made, for the bench and the metrics
        self._store: dict[Key, dict] = {}
        self._by_job: dict[Key, set[Key]] = {}  # (namespace, nblint.dev/job label) -> keys
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"informer-{kind}", daemon=True)

    def start(self) -> Informer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    # -- reading the cache ---------------------------------------------------------------------------
    def objects(self, namespace: str | None = None) -> list[dict]:
        with self._lock:
            return [o for (ns, _), o in self._store.items() if namespace is None or ns == namespace]

    def for_job(self, namespace: str, job: str) -> list[dict]:
        with self._lock:
            return [self._store[k] for k in self._by_job.get((namespace, job), ()) if k in self._store]

    def get(self, namespace: str, name: str) -> dict | None:
        with self._lock:
            return self._store.get((namespace, name))

    # -- keeping it current --------------------------------------------------------------------------
    def _put(self, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""))
        job = (meta.get("labels") or {}).get(objects.LABEL_JOB)
        self._store[key] = obj
        if job:
            self._by_job.setdefault((key[0], job), set()).add(key)

    def _remove(self, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""))
        self._store.pop(key, None)
        job = (meta.get("labels") or {}).get(objects.LABEL_JOB)
        if job:
            self._by_job.get((key[0], job), set()).discard(key)

    def _notify(self, kind: str, obj: dict) -> None:
        if self.on_event is not None:
            try:
                self.on_event(kind, obj)
            except Exception:  # a consumer's bug must not stop the cache
                log.exception("informer %s: event handler failed", self.kind)

    def _relist(self) -> str | None:
        from nblint.operator_bridge.kube import retrying

        response = retrying(self.list_call, *self.args, label_selector=self.selector, _preload_content=False)
        self.lists += 1
        doc = json.loads(response.data)
        with self._lock:
            gone = [o for k, o in self._store.items()]
            self._store.clear()
            self._by_job.clear()
            for obj in doc.get("items") or []:
                self._put(obj)
            current = list(self._store.values())
        seen = {(o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in current}
        for obj in gone:  # deleted while we were not watching
            if (obj["metadata"].get("namespace", ""), obj["metadata"]["name"]) not in seen:
                self._notify("DELETED", obj)
        for obj in current:
            self._notify("SYNC", obj)
        self.synced.set()
        return (doc.get("metadata") or {}).get("resourceVersion")

    def _run(self) -> None:
        from kubernetes.client.exceptions import ApiException
        from nblint.operator_bridge.kube import Forbidden, forbidden

        version: str | None = None
        listed_at = 0.0
        delay = 0.2
        while not self._stop.is_set():
            try:
                if version is None or time.monotonic() - listed_at > self.resync_s:
                    version, listed_at = self._relist(), time.monotonic()
                version = self._watch(version)
                self.error, delay = None, 0.2
            except ApiException as exc:
                if exc.status == 410:
                    version = None  # compacted: start again from a fresh list (after a breath: it may repeat)
                    self._stop.wait(0.2)
                    continue
                if exc.status == 403:
                    self._forbidden(forbidden(exc, self.list_call, self.args, {"watch": True}))
                elif exc.status == 404:  # the kind is not served here (no Tekton, no OpenShift builds): empty
                    if self.error is None:
                        log.info("informer %s: not served by this cluster; looking again later", self.kind)
                    self.error = exc
                    self.synced.set()
                    delay = 30.0
                else:
                    self.error = exc
                    log.warning("informer %s: watch failed (HTTP %s), retrying", self.kind, exc.status)
            except Forbidden as exc:  # the list was refused
                self._forbidden(exc)
                delay = max(delay, 2.0)
            except Exception as exc:  # dropped connection, API server restart
                self.error = exc
                log.info("informer %s: %s; resuming in %.1f s", self.kind, type(exc).__name__, delay)
            self._stop.wait(delay)
            delay = min(delay * 2, 30.0 if isinstance(self.error, ApiException) and self.error.status == 404 else 5.0)

    def _forbidden(self, exc: Exception) -> None:
        if str(self.error) != str(exc):
            log.error("%s", exc)
        self.error = exc

    def _watch(self, version: str | None) -> str | None:
        """One watch request until the server ends it; returns the newest resourceVersion seen."""
        from kubernetes.client.exceptions import ApiException
        from kubernetes.watch.watch import iter_resp_lines

        response = self.list_call(*self.args, label_selector=self.selector, watch=True, resource_version=version,
                                  allow_watch_bookmarks=True, timeout_seconds=self.stream_timeout,
                                  _preload_content=False, _request_timeout=self.stream_timeout + 15)  # fmt: skip
        self.watches += 1
        try:
            for line in iter_resp_lines(response):
                if self._stop.is_set():
                    break
                if not line or line.isspace():
                    continue
                event = json.loads(line)
                obj = event.get("object") or {}
                if event.get("type") == "ERROR":
                    raise ApiException(status=obj.get("code", 500), reason=obj.get("message", ""))
                version = (obj.get("metadata") or {}).get("resourceVersion") or version
                if event.get("type") == "BOOKMARK":
                    continue
                with self._lock:
                    (self._remove if event["type"] == "DELETED" else self._put)(obj)
                self._notify(event["type"], obj)
        finally:
            response.release_conn()
        return version


def wait_synced(informers: list[Informer], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    return all(i.synced.wait(max(0.0, deadline - time.monotonic())) for i in informers)


class ObjectCache:
    """Informers on the bridge's builds, Jobs and pods under `selector`, in `namespace` (None: all)."""

    def __init__(
        self,
        cluster,
        namespace: str | None,
        selector: str,
        strategies: set[str],
        *,
        on_event: Callable[[str, dict], None] | None = None,
        stream_timeout: int = 60,
        resync_s: float = 300.0,
    ) -> None:
        from nblint.operator_bridge.kube import BUILD_RESOURCES

        options = {"selector": selector, "on_event": on_event, "stream_timeout": stream_timeout, "resync_s": resync_s}
        if namespace is None:
            calls = {"jobs": (cluster.batch.list_job_for_all_namespaces, ()),
                     "pods": (cluster.core.list_pod_for_all_namespaces, ())}  # fmt: skip
        else:
            calls = {"jobs": (cluster.batch.list_namespaced_job, (namespace,)),
                     "pods": (cluster.core.list_namespaced_pod, (namespace,))}  # fmt: skip
        for strategy in sorted(strategies & set(BUILD_RESOURCES)):
            group, version, plural = BUILD_RESOURCES[strategy]
            calls[strategy] = (
                (cluster.custom.list_cluster_custom_object, (group, version, plural))
                if namespace is None
                else (cluster.custom.list_namespaced_custom_object, (group, version, namespace, plural))
            )
        self.informers = {kind: Informer(kind, call, args, **options) for kind, (call, args) in calls.items()}
        self.strategies = {k for k in self.informers if k in BUILD_RESOURCES}

    def start(self) -> ObjectCache:
        for informer in self.informers.values():
            informer.start()
        return self

    def stop(self) -> None:
        for informer in self.informers.values():
            informer.stop()

    def wait_synced(self, timeout: float) -> bool:
        return wait_synced(list(self.informers.values()), timeout)

    def snapshot(self, namespace: str, job: str):
        from nblint.operator_bridge.kube import Snapshot

        builds = [(s, o) for s in sorted(self.strategies) for o in self.informers[s].for_job(namespace, job)]
        return Snapshot(builds, self.informers["jobs"].for_job(namespace, job),
                        self.informers["pods"].for_job(namespace, job))  # fmt: skip

    def forbidden(self) -> Exception | None:
        from nblint.operator_bridge.kube import Forbidden

        return next((i.error for i in self.informers.values() if isinstance(i.error, Forbidden)), None)

    @property
    def api_calls(self) -> int:
        return sum(i.lists + i.watches for i in self.informers.values())
