"""A Kubernetes API for tests: kmock's emulator, with the gaps to a real API server closed.

Measured against a real server, plain kmock 0.8: 404 on /version/, label selectors ignored, create
answers 200 (the kubernetes client then returns None), namespaced watches miss MODIFIED events unless
the stored body has metadata.namespace, generateName ignored. This subclass fixes each of those, adds
resourceVersion/uid/creationTimestamp, 410 Gone for watches that resume from a compacted version, and
a real server's strictness on Job status (Complete needs startTime, completionTime and the Complete +
SuccessCriteriaMet conditions). It runs in a thread; the official `kubernetes` client reaches it over
real HTTP on 127.0.0.1.

What the operator needs on top: Leases and Events; PUT (replace) with a resourceVersion precondition
(409 Conflict on a stale write); NotebookValidationJob status checked against operator_bridge/crd.yaml the
way a real server does (unknown fields dropped with a Warning header, or 422 with fieldValidation=Strict);
RBAC refusals with a real server's 403 body; injected errors (409/429/500) for chosen calls; and an API
server restart (the port refuses connections for a while, objects survive).
"""

from __future__ import annotations

import asyncio
import copy
import random
import string
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp.web
import kmock
from kmock import action
from nblint.operator_bridge.selectors import matches as _matches

CRD = Path(__file__).resolve().parent.parent / "operator_bridge" / "crd.yaml"
_VERBS = {"LIST": "list", "WATCH": "watch", "FETCH": "get", "CREATE": "create", "UPDATE": "patch", "DELETE": "delete"}


@dataclass
class Fault:
    """Answer `times` matching requests with HTTP `status` (method e.g. PUT, `path` a substring of the URL)."""

    method: str
    path: str
    status: int
    times: int = 1


def _status_schema() -> dict:
    import yaml

    crd = yaml.safe_load(CRD.read_text())
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]


def prune(value, schema: dict, path: str, unknown: list[str]):
    """A value as a structural-schema server stores it: unknown fields dropped (and listed), non-nullable
    nulls dropped, everything under x-kubernetes-preserve-unknown-fields kept."""
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if props is None and not isinstance(extra, dict):
            return value if schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("type") != "object" else {}
        out = {}
        for key, item in value.items():
            sub = (props or {}).get(key, extra if isinstance(extra, dict) else None)
            if sub is None:
                if schema.get("x-kubernetes-preserve-unknown-fields"):
                    out[key] = item
                else:
                    unknown.append(f"{path}.{key}")
                continue
            if item is None and not sub.get("nullable"):
                continue
            out[key] = prune(item, sub, f"{path}.{key}", unknown)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune(item, schema["items"], f"{path}[{i}]", unknown) for i, item in enumerate(value)]
    return value


class FaithfulEmulator(kmock.KubernetesEmulator):
    # What a cluster with Tekton, OpenShift builds and the NotebookValidationJob CRD installed serves.
    SERVED = (
        "v1/pods", "v1/configmaps", "v1/secrets", "batch/v1/jobs", "tekton.dev/v1/pipelineruns",
        "build.openshift.io/v1/builds", "build.openshift.io/v1/buildconfigs",
        "mlops.mlops.dev/v1alpha1/notebookvalidationjobs", "coordination.k8s.io/v1/leases", "v1/events",
    )  # fmt: skip

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.fallback["get /version/"] << self._serve_server_version
        for resource in self.SERVED:
            self.resources[resource] = {}
        self.revision = 1
        # Versions are assigned and stored under one lock, and a list reads the revision first, so a list's
        # resourceVersion never runs ahead of its items (else a watch from it would skip an object).
        self._commit = asyncio.Lock()
        self.compacted = 0  # watches resuming from a version at or below this get 410 Gone
        self.api_calls = 0
        self.pod_logs: dict[tuple[str, str], str] = {}  # (namespace, pod) -> what the container printed
        self.faults: list[Fault] = []
        self.forbidden: set[tuple[str, str]] = set()  # (verb, resource[/subresource]) RBAC refuses
        self.warnings: list[str] = []  # every Warning header sent
        self.calls: list[tuple[str, str, str]] = []  # (verb, resource[/subresource], namespace) of every request
        self.closing = False  # set while the server restarts
        self.agents: dict[str, int] = {}  # requests per User-Agent (the bench tells the doubles from the operator)
        self.status_schema = _status_schema()

    def _next_version(self) -> str:
        self.revision += 1
        return str(self.revision)

    def _invalid(self, message: str) -> aiohttp.web.Response:
        body = {"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
                "message": message}  # fmt: skip
        return aiohttp.web.json_response(body, status=422)

    def _error(self, status: int, reason: str, message: str, headers: dict | None = None) -> aiohttp.web.Response:
        body = {"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": reason, "code": status,
                "message": message}  # fmt: skip
        return aiohttp.web.json_response(body, status=status, headers=headers)

    def _verb(self, request) -> str:
        if request.method == "PUT":
            return "update"
        return _VERBS.get(getattr(request.action, "name", ""), str(request.method).lower())

    async def _handle(self, request):
        self.api_calls += 1
        agent = request.headers.get("User-Agent", "")
        self.agents[agent] = self.agents.get(agent, 0) + 1
        if request.resource is not None:
            resource = request.resource.plural + (f"/{request.subresource}" if request.subresource else "")
            verb = self._verb(request)
            self.calls.append((verb, resource, request.namespace or ""))
            if (verb, resource) in self.forbidden or (verb, "*") in self.forbidden:
                group = request.resource.group or '""'
                where = f' in the namespace "{request.namespace}"' if request.namespace else " at the cluster scope"
                return self._error(403, "Forbidden", f'{request.resource.plural} is forbidden: User '
                                   f'"system:serviceaccount:test:nblint" cannot {verb} resource "{resource}" in API '
                                   f"group {group}{where}")  # fmt: skip
            method = getattr(request.method, "value", request.method)
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path in str(request.url):
                    fault.times -= 1
                    reason = {409: "Conflict", 429: "TooManyRequests"}.get(fault.status, "InternalError")
                    return self._error(fault.status, reason, "injected by the test", {"Retry-After": "0"})
        if request.method == "PUT" and request.resource is not None and request.name:
            async with self._commit:
                return await self._replace(request)
        warnings = self._check_status(request)
        if isinstance(warnings, aiohttp.web.Response):
            return warnings
        if request.action in (action.CREATE, action.UPDATE, action.DELETE):
            async with self._commit:
                response = await self._handle_k8s(request)
        else:
            response = await self._handle_k8s(request)
        for warning in warnings:
            response.headers.add("Warning", warning)
        return response

    def _check_status(self, request) -> list[str] | aiohttp.web.Response:
        """NotebookValidationJob status against the CRD's schema: pruned with a warning, or 422 when strict."""
        if request.resource is None or request.resource.plural != "notebookvalidationjobs":
            return []
        if request.method not in ("PUT", "PATCH", "POST") or not isinstance(request.data, dict):
            return []
        if "status" not in request.data or request.data["status"] is None:
            return []
        unknown: list[str] = []
        pruned = prune(request.data["status"], self.status_schema, ".status", unknown)
        if unknown and request.params.get("fieldValidation") == "Strict":
            return self._error(422, "Invalid", f"strict decoding error: unknown field {', '.join(unknown)}")
        request.data["status"] = pruned
        warnings = [f'299 - "unknown field \\"{path[1:]}\\""' for path in unknown]
        self.warnings += warnings
        return warnings

    async def _replace(self, request) -> aiohttp.web.Response:
        """PUT: replace the object (or its status), if its resourceVersion is still the one given."""
        key = (request.resource, request.namespace, request.name)
        checked = self._check_status(request)
        if isinstance(checked, aiohttp.web.Response):
            return checked
        async with self._lock:
            if key not in self._objects or self._objects[key].deleted:
                return self._error(404, "NotFound", f'{request.resource.plural} "{request.name}" not found')
            current = copy.deepcopy(self._objects[key].raw)
            given = (request.data.get("metadata") or {}).get("resourceVersion")
            if given and given != current["metadata"].get("resourceVersion"):
                return self._error(409, "Conflict", f'Operation cannot be fulfilled on {request.resource.plural} '
                                   f'"{request.name}": the object has been modified; please apply your changes to '
                                   "the latest version and try again")  # fmt: skip
            if request.subresource == "status":
                new = {**current, "status": request.data.get("status")}
            else:
                new = {**request.data, "metadata": {**current["metadata"], **(request.data.get("metadata") or {})}}
                if "status" in current:
                    new["status"] = current["status"]
            new["metadata"]["resourceVersion"] = self._next_version()
            self._objects[key].create(new)
            await self._buses[request.resource].put({"type": "MODIFIED", "object": new})
        response = aiohttp.web.json_response(new)
        for warning in checked:
            response.headers.add("Warning", warning)
        return response

    async def _handle_k8s(self, request):
        if request.resource is not None and request.resource.plural == "pods" and request.subresource == "log":
            return aiohttp.web.Response(text=self.pod_logs.get((request.namespace, request.name), ""))
        if request.resource is not None and isinstance(request.data, dict):
            meta = request.data.setdefault("metadata", {})
            if request.action == action.CREATE:
                if not meta.get("name") and meta.get("generateName"):
                    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
                    meta["name"] = meta["generateName"] + suffix
                if request.namespace and not meta.get("namespace"):
                    meta["namespace"] = request.namespace  # stored bodies need it for namespaced watches
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("creationTimestamp", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
                meta["resourceVersion"] = self._next_version()
            elif request.action == action.UPDATE:
                problem = self._job_status_problem(request)
                if problem:
                    return self._invalid(problem)
                meta["resourceVersion"] = self._next_version()
        response = await super()._handle(request)
        if request.action == action.CREATE and response.status == 200 and not response.prepared:
            response.set_status(201)
        return response

    def _job_status_problem(self, request) -> str | None:
        if request.resource is None or request.resource.plural != "jobs":
            return None
        status = request.data.get("status") or {}
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        if conditions.get("Complete") == "True":
            missing = [k for k in ("startTime", "completionTime") if not status.get(k)]
            if conditions.get("SuccessCriteriaMet") != "True":
                missing.append("condition SuccessCriteriaMet=True")
            if missing:
                return f"status: a Complete Job needs {', '.join(missing)}"
        return None

    async def _serve_list(self, request):
        async with self._commit:
            revision = self.revision
            result = await super()._serve_list(request)
        selector = request.params.get("labelSelector")
        result["items"] = [o for o in result["items"] if _matches(o.get("metadata", {}).get("labels") or {}, selector)]
        result["metadata"] = {"resourceVersion": str(revision)}
        return result

    async def _serve_watch(self, request):
        selector = request.params.get("labelSelector")
        since = request.params.get("resourceVersion")
        if since and since.isdigit() and int(since) <= self.compacted:
            yield b""
            gone = {"kind": "Status", "apiVersion": "v1", "code": 410, "reason": "Expired",
                    "message": f"too old resource version: {since}"}  # fmt: skip
            yield {"type": "ERROR", "object": gone}
            return
        timeout = float(request.params.get("timeoutSeconds") or 0) or None  # kmock itself never ends a watch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout else None
        after = int(since) if since and since.isdigit() else 0
        yield b""
        # kmock dumps the objects, then subscribes: what is committed in between is lost. Here the bus is
        # marked first, the dump taken at a known revision, and the bus replayed past that revision.
        bus = self._buses[request.resource]
        marker = await bus.mark()
        pending = None
        try:
            async with self._commit:
                dumped = self.revision
                async with self._lock:
                    current = [obj.raw for (resource, namespace, _), obj in self._objects.items()
                               if resource == request.resource and not obj.deleted
                               and (request.namespace is None or namespace == request.namespace)]  # fmt: skip
            for obj in current:
                version = (obj.get("metadata") or {}).get("resourceVersion") or "0"
                if int(version) > after and _matches(obj["metadata"].get("labels") or {}, selector):
                    yield {"type": "ADDED", "object": obj}
            events = bus.stream(since=marker).__aiter__()
            while not self.closing:  # a restart ends open watches at once, as a real server going away does
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return
                pending = pending or asyncio.ensure_future(events.__anext__())
                done, _ = await asyncio.wait({pending}, timeout=min(0.5, remaining or 0.5))
                if not done:
                    continue
                try:
                    event = pending.result()
                except StopAsyncIteration:
                    return
                pending = None
                meta = event.get("object", {}).get("metadata", {})
                if request.namespace is not None and meta.get("namespace") != request.namespace:
                    continue
                version = meta.get("resourceVersion") or "0"
                if event["type"] != "DELETED" and version.isdigit() and int(version) <= max(after, dumped):
                    continue  # in the dump already, or before `since`
                if _matches(meta.get("labels") or {}, selector):
                    yield event
        finally:
            if pending is not None:
                pending.cancel()
            await bus.unmark(marker)


class EmulatedCluster:
    """The emulator on a free port in a background thread; `.url` is what a kubeconfig would point at."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._down_s = 0.0
        self.url = ""
        self.emulator: FaithfulEmulator | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        port = None
        async with FaithfulEmulator() as emulator:
            self.emulator = emulator
            while True:
                async with kmock.Server(emulator, port=port) as server:
                    self.url = str(server.url).rstrip("/")
                    port = server.url.port
                    self._ready.set()
                    await self._wake.wait()
                    self._wake.clear()
                if self._stopping:
                    return
                await asyncio.sleep(self._down_s)  # the port refuses connections meanwhile
                emulator.closing = False

    def restart(self, down_s: float) -> None:
        """An API server restart: connections refused for `down_s` seconds, every object kept."""
        self._down_s = down_s
        self.emulator.closing = True
        self._loop.call_soon_threadsafe(self._wake.set)

    def __enter__(self) -> EmulatedCluster:
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("the Kubernetes emulator did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._stopping = True
        if self._loop and self._wake:
            self._loop.call_soon_threadsafe(self._wake.set)
        self._thread.join(timeout=2)  # aiohttp waits on open watches; the thread is a daemon

    def api_client(self):
        from kubernetes import client

        config = client.Configuration()
        config.host = self.url
        return client.ApiClient(config)
