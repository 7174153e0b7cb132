"""Measure the cluster bridge against the emulated Kubernetes API (tests/k8s_emulator.py).

    pip install -e '.[all,dev]'
    python bench/cluster.py [--jobs 100]

1. Latency from "build Complete" (the controller patches the PipelineRun) to the validation Job being
   created, median over 10 jobs run one at a time. The reference operator re-polls every 30 s.
2. N jobs submitted at once to one bridge loop: wall time and API calls per job.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from k8s_controllers import Controllers  # noqa: E402
from k8s_emulator import EmulatedCluster  # noqa: E402
from nblint.operator_bridge.driver import reconcile, reconcile_many  # noqa: E402
from nblint.operator_bridge.kube import Cluster  # noqa: E402
from nblint.operator_bridge.plan import BuildPlan  # noqa: E402
from nblint.operator_bridge.spec import BuildConfig, JobSpec, Validation  # noqa: E402

NS = "bench"
PLAN = BuildPlan(
    "registry.local/bench/nblint-env:nb-0123456789abcdef", "FROM python:3.11-slim\n", "generated", None, ()
)


def _spec(name: str) -> JobSpec:
    return JobSpec(
        name=name, namespace=NS, git_url="https://git.example.com/nbs.git", git_ref="main",
        notebook_path="nb.ipynb", credentials_secret=None, container_image="python:3.11-slim",
        build=BuildConfig(enabled=True), validation=Validation(),
        raw={"spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"},
                                   "path": "nb.ipynb"}, "podConfig": {"containerImage": "python:3.11-slim"}}},
    )  # fmt: skip


def latency(samples: int) -> list[float]:
    """Seconds from the build's Complete patch to the validation Job's creation, as the API server saw them."""
    from kubernetes import client

    results = []
    with EmulatedCluster() as emulated:
        api = emulated.api_client()
        batch = client.BatchV1Api(api)
        for i in range(samples):
            name = f"lat-{i:02}"
            created: dict[str, float] = {}
            stop = threading.Event()

            def watch_jobs(name=name, created=created, stop=stop):
                while not stop.is_set() and "job" not in created:
                    for job in batch.list_namespaced_job(NS, label_selector=f"nblint.dev/job={name}").items:
                        if job.metadata.labels.get("nblint.dev/role") == "validation":
                            created["job"] = time.monotonic()
                    time.sleep(0.005)

            watcher = threading.Thread(target=watch_jobs, daemon=True)
            watcher.start()
            with Controllers(api, NS, delay=0.01) as controllers:
                reconcile(Cluster(api), _spec(name), NS, PLAN, tick=1.0, stream_timeout=30)
            stop.set()
            watcher.join()
            completed = next(t for t, what, _ in controllers.events if what == "build-complete")
            results.append(created["job"] - completed)
    return results


def concurrent(count: int) -> tuple[float, float]:
    with EmulatedCluster() as emulated:
        api = emulated.api_client()
        with Controllers(api, NS, delay=0.1):
            before = emulated.emulator.api_calls
            start = time.monotonic()
            outcomes = reconcile_many(Cluster(api), [(_spec(f"job-{i:03}"), PLAN) for i in range(count)], NS,
                                      tick=0.5, stream_timeout=30)  # fmt: skip
            wall = time.monotonic() - start
            calls = emulated.emulator.api_calls - before
    failed = [n for n, s in outcomes.items() if s.get("phase") != "Succeeded"]
    if failed:
        raise SystemExit(f"{len(failed)} jobs did not succeed: {failed[:5]}")
    return wall, calls / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    lat = latency(args.samples)
    wall, per_job = concurrent(args.jobs)
    print("| measure | nblint bridge | reference operator |")
    print("|---|---|---|")
    print(f"| build Complete -> validation Job created (median of {args.samples}) | {statistics.median(lat):.3f} s "
          f"(max {max(lat):.3f} s) | up to 30 s (re-poll interval) |")  # fmt: skip
    print(f"| {args.jobs} jobs at once: wall time | {wall:.1f} s | - |")
    print(f"| {args.jobs} jobs at once: API calls per job (bridge and emulated controllers) | {per_job:.1f} | - |")


if __name__ == "__main__":
    main()
