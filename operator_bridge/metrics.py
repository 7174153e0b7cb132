"""The operator's Prometheus metrics (names are the public interface: see docs/metrics.md).

Counters and histograms move on status transitions (`record()` compares a job's status before and
after a step); the gauges are counted from the informers' caches at scrape time, so they are right
after a restart too. Labels stay bounded: namespace, strategy, result, status, phase, kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

BUILD_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, float("inf"))
EXECUTION_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, float("inf"))
RECONCILE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, float("inf"))
IMAGE_SIZE_BUCKETS = (*(float(2**n) for n in range(24, 36)), float("inf"))  # 16 MiB .. 32 GiB


class Metrics:
    def __init__(self, gauges: Callable[[], dict[str, Iterable[tuple[dict[str, str], float]]]] | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry = CollectorRegistry()
        p = "notebook_validation_"
        self.build_duration = Histogram(f"{p}build_duration_seconds", "Build time, from request to Complete or Failed.",
                                        ["namespace", "strategy", "result"], buckets=BUILD_BUCKETS,
                                        registry=registry)  # fmt: skip
        self.image_size = Histogram(f"{p}build_image_size_bytes", "Size of built images (where the builder says).",
                                    ["namespace", "strategy"], buckets=IMAGE_SIZE_BUCKETS,
                                    registry=registry)  # fmt: skip
        self.cache_hits = Counter(f"{p}build_cache_hits", "Builds skipped: the image was already in the registry.",
                                  ["namespace"], registry=registry)  # fmt: skip
        self.cache_misses = Counter(f"{p}build_cache_misses", "Builds that had to run (no reusable image).",
                                    ["namespace", "strategy"], registry=registry)  # fmt: skip
        self.execution_duration = Histogram(f"{p}execution_duration_seconds", "Validation run time, per attempt.",
                                            ["namespace", "result"], buckets=EXECUTION_BUCKETS,
                                            registry=registry)  # fmt: skip
        self.jobs = Counter(f"{p}jobs", "Jobs that finished, by final status.", ["namespace", "status"],
                            registry=registry)  # fmt: skip
        self.retries = Counter(f"{p}retries", "Retried attempts, by kind (build or validation).", ["namespace", "kind"],
                               registry=registry)  # fmt: skip
        self.reconcile_errors = Counter(f"{p}reconcile_errors", "Reconcile passes that ended in an error.",
                                        registry=registry)  # fmt: skip
        self.reconcile_duration = Histogram(f"{p}reconcile_duration_seconds", "Time of one reconcile of one job.",
                                            buckets=RECONCILE_BUCKETS, registry=registry)  # fmt: skip
        if gauges is not None:
            registry.register(_Gauges(gauges))

    def record(self, namespace: str, strategy: str, before: dict, after: dict, image_size: float | None = None) -> None:
        """Move the counters and histograms for one job's status change (`image_size`: what the builder reported)."""
        old_build, new_build = before.get("buildStatus") or {}, after.get("buildStatus") or {}
        if new_build.get("phase") in ("Complete", "Failed") and old_build.get("phase") != new_build.get("phase"):
            if _reason(after, "BuildReady") == "ImageReused":
                self.cache_hits.labels(namespace).inc()
            elif new_build.get("phase") == "Complete" or after.get("phase") == "Failed":
                seconds = _seconds(new_build.get("startTime"), new_build.get("completionTime"))
                result = "succeeded" if new_build["phase"] == "Complete" else "failed"
                if seconds is not None:
                    self.build_duration.labels(namespace, strategy, result).observe(seconds)
                if image_size and result == "succeeded":
                    self.image_size.labels(namespace, strategy).observe(image_size)
        first_build = int(after.get("buildRetryCount") or 0) == 0  # a first build: the image was not reusable
        if first_build and new_build.get("buildName") and new_build.get("buildName") != old_build.get("buildName"):
            self.cache_misses.labels(namespace, strategy).inc()
        for kind in ("build", "validation"):
            grown = int(after.get(f"{kind}RetryCount") or 0) - int(before.get(f"{kind}RetryCount") or 0)
            if grown > 0:
                self.retries.labels(namespace, kind).inc(grown)
        if after.get("phase") in ("Succeeded", "Failed") and before.get("phase") != after.get("phase"):
            self.jobs.labels(namespace, after["phase"].lower()).inc()
            seconds = _seconds(after.get("validationStartTime"), after.get("completionTime"))
            if seconds is not None and after.get("summary") is not None:
                self.execution_duration.labels(namespace, after["phase"].lower()).observe(seconds)


class _Gauges:
    """Gauges counted from the caches at each scrape: jobs by phase, PipelineRuns and validation pods running."""

    HELP = {
        "notebook_validation_jobs_active": ("Jobs not yet Succeeded or Failed, by phase.", ("namespace", "phase")),
        "notebook_validation_tekton_pipelineruns_active": ("Tekton PipelineRuns of nblint not finished.",
                                                           ("namespace",)),
        "notebook_validation_validation_pods_active": ("Validation pods Pending or Running.", ("namespace",)),
        # files/rules.yaml's NotebookValidationJobStuck alert: the timeout applying to the phase has passed.
        "notebook_validation_jobs_overdue": ("Jobs in their phase longer than its timeout, by phase.",
                                             ("namespace", "phase")),
    }  # fmt: skip

    def __init__(self, source: Callable[[], dict[str, Iterable[tuple[dict[str, str], float]]]]) -> None:
        self.source = source

    def describe(self):
        return []  # values come at collect time; nothing to check at registration

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        values = self.source()
        for name, (help_text, labels) in self.HELP.items():
            family = GaugeMetricFamily(name, help_text, labels=list(labels))
            for label_values, value in values.get(name, ()):
                family.add_metric([label_values[label] for label in labels], value)
            yield family


def overdue(jobs: Iterable[tuple[str, dict, object]], now: datetime | None = None) -> list[tuple[dict[str, str], int]]:
    """notebook_validation_jobs_overdue from (namespace, status, JobSpec) of unfinished jobs: those past the
    timeout of their phase (build, validation) or the total one. The controller fails such a job itself within
    a tick, so one that stays counted means it is not doing so (files/rules.yaml: NotebookValidationJobStuck)."""
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    counts: dict[tuple[str, str], int] = {}
    for namespace, status, spec in jobs:
        phase = status.get("phase") or "Pending"
        if phase in ("Succeeded", "Failed"):
            continue
        clocks = [(status.get("startTime"), getattr(spec, "total_timeout_s", None))]
        if phase == "Building":
            clocks.append(((status.get("buildStatus") or {}).get("startTime"), getattr(spec, "build_timeout_s", None)))
        if phase == "ValidationRunning":
            clocks.append((status.get("validationStartTime"), getattr(spec, "validation_timeout_s", None)))
        if any(limit and (_seconds(start, stamp) or 0) > limit for start, limit in clocks):
            counts[(namespace, phase)] = counts.get((namespace, phase), 0) + 1
    return [({"namespace": ns, "phase": phase}, n) for (ns, phase), n in counts.items()]


def _reason(status: dict, kind: str) -> str | None:
    return next((c.get("reason") for c in status.get("conditions") or [] if c.get("type") == kind), None)


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        parse = lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)  # noqa: E731
        return max(0.0, (parse(end) - parse(start)).total_seconds())
    except ValueError:
        return None
