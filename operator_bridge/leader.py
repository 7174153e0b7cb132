"""Leader election on a coordination.k8s.io/v1 Lease, and how the CLI finds a running operator.

Only the holder of the Lease acts. The holder renews it every `retry_s`; if it cannot renew for
`renew_s` it stops acting (before anyone else may take over). A candidate takes the Lease only once it
has seen the same record unchanged for `lease_s` (its own clock: no trust in other machines' clocks),
so there is never a moment where two replicas act. A clean shutdown releases the Lease, so the next
replica takes over at its next retry instead of waiting the lease out. Every write carries the Lease's
resourceVersion: of two candidates racing for an expired Lease, one gets 409 and stays a follower.

The Lease also says what the operator covers (annotation `nblint.dev/scope`: namespaces and label
selector), so `nblint cluster submit` knows whether a job is the operator's to drive.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from nblint.operator_bridge.selectors import matches

log = logging.getLogger("nblint.operator")
LEASE_NAME = "nblint-operator"
LEASE_LABEL = "app.kubernetes.io/name"
SCOPE_ANNOTATION = "nblint.dev/scope"
_MICRO = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class Timing:
    lease_s: float = 15.0  # a silent holder is replaced after this long
    renew_s: float = 10.0  # a holder that could not renew for this long stops acting
    retry_s: float = 2.0  # how often the holder renews and candidates look


def _micro(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_MICRO)


def _parse(text: str | None) -> datetime | None:
    """An RFC 3339 time as servers (and the client's serializer) write it: `...Z` or `...+00:00`."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LeaderElector:
    """Runs in its own thread; `leading` is set while this replica holds the Lease."""

    def __init__(
        self,
        cluster,
        namespace: str,
        identity: str,
        scope: dict,
        *,
        name: str = LEASE_NAME,
        timing: Timing = Timing(),
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.cluster, self.namespace, self.identity, self.name = cluster, namespace, identity, name
        self.scope, self.timing, self.on_change = scope, timing, on_change
        self.leading = threading.Event()
        self._stop = threading.Event()
        self._observed: tuple[str, str] | None = None  # (holder, renewTime) last seen
        self._observed_at = 0.0  # monotonic time it was first seen
        self._renewed_at = 0.0
        self._thread = threading.Thread(target=self._run, name="leader-election", daemon=True)

    def start(self) -> LeaderElector:
        self._thread.start()
        return self

    def stop(self, release: bool = True) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        if release and self.leading.is_set():
            self._set_leading(False)
            try:
                self._release()
            except Exception as exc:  # shutting down anyway; the Lease then simply expires
                log.warning("could not release the Lease: %s", exc)

    def _set_leading(self, value: bool) -> None:
        if value != self.leading.is_set():
            (self.leading.set if value else self.leading.clear)()
            log.info("%s %s the leader", self.identity, "is now" if value else "is no longer")
            if self.on_change:
                self.on_change(value)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                held = self._try_acquire_or_renew()
            except Exception as exc:  # API server away: keep leading only within the renew deadline
                log.warning("leader election: %s", exc)
                held = False
            now = time.monotonic()
            if held:
                self._renewed_at = now
                self._set_leading(True)
            elif self.leading.is_set() and now - self._renewed_at > self.timing.renew_s:
                self._set_leading(False)
            self._stop.wait(self.timing.retry_s)

    def _body(self, lease: dict | None, transitions: int) -> dict:
        now = _micro(datetime.now(UTC))
        spec = (lease or {}).get("spec") or {}
        acquire = spec.get("acquireTime") if spec.get("holderIdentity") == self.identity else now
        meta = {"name": self.name, "namespace": self.namespace, "labels": {LEASE_LABEL: LEASE_NAME},
                "annotations": {SCOPE_ANNOTATION: json.dumps(self.scope, sort_keys=True)}}  # fmt: skip
        if lease:
            meta["resourceVersion"] = lease["metadata"]["resourceVersion"]
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
                "spec": {"holderIdentity": self.identity, "leaseDurationSeconds": max(1, round(self.timing.lease_s)),
                         "acquireTime": acquire, "renewTime": now, "leaseTransitions": transitions}}  # fmt: skip

    def _try_acquire_or_renew(self) -> bool:
        from kubernetes.client.exceptions import ApiException
        from nblint.operator_bridge.kube import retrying

        api = self.cluster.coordination
        lease = self._read()
        try:
            if lease is None:
                retrying(api.create_namespaced_lease, self.namespace, self._body(None, 0), _preload_content=False)
                return True
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity") or ""
            transitions = int(spec.get("leaseTransitions") or 0)
            if holder != self.identity:
                record = (holder, spec.get("renewTime") or "")
                if record != self._observed:
                    self._observed, self._observed_at = record, time.monotonic()
                expired = time.monotonic() - self._observed_at > float(spec.get("leaseDurationSeconds") or 0)
                if holder and not expired:
                    return False
                transitions += 1
            retrying(api.replace_namespaced_lease, self.name, self.namespace, self._body(lease, transitions),
                     _preload_content=False)  # fmt: skip
            return True
        except ApiException as exc:
            if exc.status == 409:  # another replica wrote first
                return False
            raise

    def _read(self) -> dict | None:
        from kubernetes.client.exceptions import ApiException
        from nblint.operator_bridge.kube import retrying

        try:
            response = retrying(self.cluster.coordination.read_namespaced_lease, self.name, self.namespace,
                                _preload_content=False)  # fmt: skip
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return json.loads(response.data)

    def _release(self) -> None:
        """Hand the Lease back: empty holder, so a follower takes it at its next look."""
        from nblint.operator_bridge.kube import retrying

        lease = self._read()
        if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
            return
        body = self._body(lease, int(lease["spec"].get("leaseTransitions") or 0))
        body["spec"].update(holderIdentity="", leaseDurationSeconds=1)
        retrying(self.cluster.coordination.replace_namespaced_lease, self.name, self.namespace, body,
                 _preload_content=False)  # fmt: skip


def operator_for(cluster, namespace: str, job_labels: dict[str, str], now: datetime | None = None) -> str | None:
    """The identity of a live operator that drives jobs in `namespace` with these labels, else None.

    Live: its Lease is held and was renewed within its duration. Looks in every namespace when allowed
    to list Leases there, else in the job's own namespace (where a namespaced install puts its Lease).
    """
    from kubernetes.client.exceptions import ApiException
    from nblint.operator_bridge.kube import Forbidden, items

    api = cluster.coordination
    selector = f"{LEASE_LABEL}={LEASE_NAME}"
    try:
        try:
            leases = items(api.list_lease_for_all_namespaces, label_selector=selector)
        except Forbidden:
            leases = items(api.list_namespaced_lease, namespace, label_selector=selector)
    except (Forbidden, ApiException) as exc:  # not allowed to look, or no Leases served: no operator to defer to
        log.debug("cannot look for an operator's Lease: %s", exc)
        return None
    now = now or datetime.now(UTC)
    for lease in leases:
        spec = lease.get("spec") or {}
        renewed = _parse(spec.get("renewTime"))
        if not spec.get("holderIdentity") or renewed is None:
            continue
        if (now - renewed).total_seconds() > float(spec.get("leaseDurationSeconds") or 0):
            continue
        try:
            scope = json.loads(((lease["metadata"].get("annotations") or {}).get(SCOPE_ANNOTATION)) or "{}")
        except ValueError:
            scope = {}
        namespaces = scope.get("namespaces") or "*"
        if (namespaces == "*" or namespace in namespaces) and matches(job_labels, scope.get("selector")):
            return spec["holderIdentity"]
    return None
