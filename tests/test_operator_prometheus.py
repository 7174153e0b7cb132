"""A real Prometheus (Debian's `prometheus`, on 127.0.0.1) scrapes the operator during an emulated run, with the
chart's rules loaded: every recording rule and every query of the chart's Grafana dashboard returns data."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

pytest.importorskip("kmock")
pytest.importorskip("kubernetes")
pytest.importorskip("prometheus_client")
if shutil.which("prometheus") is None:
    pytest.skip("Debian's prometheus binary is not installed", allow_module_level=True)

from conftest import ROOT
from k8s_controllers import Controllers
from k8s_emulator import EmulatedCluster
from nblint.operator_bridge.health import HealthServer
from test_operator import NS, _all_done, _apply, _controller, _wait_for, job_object

CHART = ROOT / "charts" / "nblint-operator"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _query_range(port: int, expr: str, start: float, end: float) -> list:
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": "1"})
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query_range?{params}", timeout=10) as response:
        doc = json.load(response)
    assert doc["status"] == "success", doc
    return [s for s in doc["data"]["result"] if any(v != "NaN" for _, v in s["values"])]


def _dashboard_queries() -> list[str]:
    dashboard = json.loads((CHART / "files" / "dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", []) if t.get("expr")]
    return [e.replace("$namespace", ".*").replace("$__rate_interval", "30s") for e in exprs]


def _recording_rules() -> list[str]:
    import yaml

    groups = yaml.safe_load((CHART / "files" / "rules.yaml").read_text())["groups"]
    return [r["record"] for g in groups for r in g["rules"] if "record" in r]


@pytest.mark.skipif(not (CHART / "files" / "rules.yaml").exists(), reason="the chart's rules are not there")
def test_every_recording_rule_and_dashboard_query_returns_data(tmp_path):
    from kubernetes import client

    with EmulatedCluster() as emulated:
        api = emulated.api_client()
        running = _controller(api, check_image=lambda image: "reused" in image).start()
        server = HealthServer("127.0.0.1", 0, running.metrics.registry, running.alive, running.synced).start()
        port = _free_port()
        (tmp_path / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{CHART / 'files' / 'rules.yaml'}]\n"
            "scrape_configs:\n"
            f"  - job_name: nblint-operator\n    static_configs: [{{targets: ['127.0.0.1:{server.port}']}}]\n"
        )
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'db'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            start = time.time()
            running.set_leading(True)
            # The kubelet's part for one validation pod that stays Running (the doubles finish theirs at once).
            client.CoreV1Api(api).create_namespaced_pod(NS, {"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": "running-validation", "labels": {"app.kubernetes.io/managed-by": "nblint",
                                                          "nblint.dev/role": "validation", "nblint.dev/job": "x"}},
                "spec": {"containers": [{"name": "validate", "image": "x"}]}})  # fmt: skip
            for wave in range(2):  # the second wave makes every counter's rate positive
                with Controllers(api, NS, builds={1: "fail", 2: "complete@3"}, validations={1: "evicted", 2: "passed"}):
                    _apply(api, job_object(f"built-{wave}"), job_object(f"cached-{wave}", reuseIfExists=True,
                                                                        imageTag="reused"))  # fmt: skip
                    _wait_for(lambda wave=wave: _all_done(api, 2 * (wave + 1)), 90, f"wave {wave}")
                time.sleep(4)
            end = time.time()
            missing = []
            for expr in [*_recording_rules(), *_dashboard_queries()]:
                if not _query_range(port, expr, start, end):
                    missing.append(expr)
            assert not missing, f"no data for: {missing}"
        finally:
            prometheus.terminate()
            prometheus.wait(10)
            server.stop()
            running.stop()
