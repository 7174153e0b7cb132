"""Measure `nblint operator` against the emulated Kubernetes API (tests/k8s_emulator.py).

    pip install -e '.[all,dev]'
    python bench/operator.py [--jobs 100] [--latency-jobs 10]

The operator runs as a real `nblint operator` process; test doubles play Tekton and the Job controller
in this process, under their own User-Agent so the emulator can tell their API calls from the operator's.

1. Build Complete (the double patches the PipelineRun) -> validation Job created by the operator:
   median and max over jobs applied one at a time (target < 1 s).
2. N jobs applied at once: wall time until all Succeeded, the operator's API calls per job, its CPU
   time and peak memory (from /proc).
3. Leader fail-over with the default Lease timing: SIGKILL the leader, time until the other holds the Lease.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402
from k8s_controllers import Controllers  # noqa: E402
from k8s_emulator import EmulatedCluster  # noqa: E402
from nblint.operator_bridge.informer import Informer  # noqa: E402
from nblint.operator_bridge.kube import Cluster  # noqa: E402
from nblint.operator_bridge.leader import operator_for  # noqa: E402

NS = "bench"
DOUBLES = "nblint-bench-doubles"


def job(name: str) -> dict:
    return {
        "apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"}, "path": "nb.ipynb"},
                 "podConfig": {"containerImage": "python:3.11-slim",
                               "buildConfig": {"enabled": True, "strategy": "tekton",
                                               "publishToRegistry": "registry.local"}}},
    }  # fmt: skip


def apply(cluster: Cluster, obj: dict) -> None:
    cluster.custom.create_namespaced_custom_object("mlops.mlops.dev", "v1alpha1", NS, "notebookvalidationjobs", obj)


def operator(kubeconfig: str, identity: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nblint", "operator", "--kubeconfig", kubeconfig, "-n", NS,
                             "--metrics-port", "0", "--bind", "127.0.0.1", "--identity", identity,
                             "--log-level", "warning", *extra], cwd=ROOT)  # fmt: skip


def proc_usage(pid: int) -> tuple[float, int]:
    """(CPU seconds, peak resident KiB) of a running process."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    peak = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmHWM"))  # fmt: skip
    return cpu, peak


def wait(condition, timeout: float) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise SystemExit("timed out")
        time.sleep(0.05)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--latency-jobs", type=int, default=10)
    args = parser.parse_args()
    with EmulatedCluster() as emulated, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "emu",
            "clusters": [{"name": "emu", "cluster": {"server": emulated.url}}], "users": [{"name": "u", "user": {}}],
            "contexts": [{"name": "emu", "context": {"cluster": "emu", "user": "u", "namespace": NS}}],
        }))  # fmt: skip
        api = emulated.api_client()
        api.user_agent = DOUBLES
        cluster = Cluster(api)
        phases = lambda: {j["metadata"]["name"]: (j.get("status") or {}).get("phase") for j in cluster.list_jobs(NS)}  # noqa: E731
        created: dict[str, float] = {}
        seen = Informer(
            "jobs",
            cluster.batch.list_namespaced_job,
            (NS,),
            stream_timeout=30,
            on_event=lambda kind, obj: created.setdefault(obj["metadata"]["name"], time.monotonic()),
        )
        seen.start()
        leader = operator(str(kubeconfig), "bench-a")
        wait(lambda: operator_for(cluster, NS, {}) == "bench-a", 30)

        # 1. latency, one job at a time
        latencies = []
        with Controllers(api, NS, delay=0.02) as doubles:
            for n in range(args.latency_jobs):
                name = f"lat-{n:02}"
                apply(cluster, job(name))
                wait(lambda name=name: phases().get(name) == "Succeeded", 60)
                build = next(t for t, what, obj in doubles.events if what == "build-complete" and obj.startswith(name))
                validation = next(t for k, t in created.items() if k.startswith(f"{name}-validation"))
                latencies.append(validation - build)

        # 2. N jobs at once
        calls_before = emulated.emulator.api_calls - emulated.emulator.agents.get(DOUBLES, 0)
        cpu_before, _ = proc_usage(leader.pid)
        with Controllers(api, NS, delay=0.5):
            start = time.monotonic()
            for n in range(args.jobs):
                apply(cluster, job(f"many-{n:03}"))
            wait(lambda: sum(p == "Succeeded" for k, p in phases().items() if k.startswith("many-")) == args.jobs, 900)
            wall = time.monotonic() - start
        calls = emulated.emulator.api_calls - emulated.emulator.agents.get(DOUBLES, 0) - calls_before
        cpu, peak = proc_usage(leader.pid)

        # 3. fail-over with the default timing (lease 15 s, retry 2 s)
        follower = operator(str(kubeconfig), "bench-b")
        time.sleep(3)
        leader.kill()  # right after this, the wait below starts timing
        failover = wait(lambda: operator_for(cluster, NS, {}) == "bench-b", 60)
        follower.terminate()
        follower.wait(15)
        seen.stop()
    print(json.dumps({
        "latency_median_s": round(statistics.median(latencies), 3), "latency_max_s": round(max(latencies), 3),
        "jobs": args.jobs, "wall_s": round(wall, 1), "operator_api_calls_per_job": round(calls / args.jobs, 1),
        "operator_cpu_s": round(cpu - cpu_before, 1), "operator_peak_rss_mib": round(peak / 1024, 1),
        "failover_s": round(failover, 1),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
