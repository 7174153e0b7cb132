"""The operator's alerts and recording rules (charts/nblint-operator/files/rules.yaml), checked and unit-tested
with Debian's promtool: every alert fires on the series it is for and stays quiet on healthy ones."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

RULES = ROOT / "charts" / "nblint-operator" / "files" / "rules.yaml"
DASHBOARD = ROOT / "charts" / "nblint-operator" / "files" / "dashboard.json"

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus) missing")


def _rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def _alert(name: str) -> dict:
    return next(rule for rule in _rules() if rule.get("alert") == name)


def _render(template: str, labels: dict[str, str], value: str) -> str:
    """The two template forms the annotations use, filled the way Prometheus fills them."""
    text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], template)
    return re.sub(r"\{\{ \$value( \| humanizePercentage)? \}\}", value, text)


def _promtool(tmp_path: Path, tests: list[dict]) -> subprocess.CompletedProcess:
    spec = {"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": tests}
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return subprocess.run(["promtool", "test", "rules", str(path)], capture_output=True, text=True, timeout=60)


# alert -> (series that make it fire, when to look, its labels, what $value reads, series that keep it quiet)
CASES = {
    "NblintOperatorDown": (
        [("up{job='nblint-operator', instance='a'}", "0x20"), ("up{job='nblint-operator', instance='b'}", "0x20")],
        "6m",
        {},
        "",
        [("up{job='nblint-operator', instance='a'}", "0x20"), ("up{job='nblint-operator', instance='b'}", "1x20")],
    ),
    "NotebookValidationFailureRateHigh": (
        [
            ("notebook_validation_jobs_total{namespace='data', status='failed'}", "0+3x60"),
            ("notebook_validation_jobs_total{namespace='data', status='succeeded'}", "0+1x60"),
        ],
        "40m",
        {"namespace": "data"},
        "75%",
        [
            ("notebook_validation_jobs_total{namespace='data', status='failed'}", "0+1x60"),
            ("notebook_validation_jobs_total{namespace='data', status='succeeded'}", "0+1x60"),
        ],  # 50 %: not over
    ),
    "NotebookValidationBuildBacklog": (
        [
            ("notebook_validation_jobs_active{namespace='a', phase='Building'}", "6x60"),
            ("notebook_validation_jobs_active{namespace='b', phase='Building'}", "5x60"),
            ("notebook_validation_jobs_active{namespace='a', phase='ValidationRunning'}", "40x60"),
        ],
        "35m",
        {},
        "11",
        [
            ("notebook_validation_jobs_active{namespace='a', phase='Building'}", "5x60"),
            ("notebook_validation_jobs_active{namespace='b', phase='Building'}", "5x60"),
            ("notebook_validation_jobs_active{namespace='a', phase='ValidationRunning'}", "40x60"),
        ],
    ),
    "NotebookValidationJobStuck": (
        [("notebook_validation_jobs_overdue{namespace='data', phase='Building'}", "0 0 2x20")],
        "10m",
        {"namespace": "data", "phase": "Building"},
        "2",
        [
            ("notebook_validation_jobs_overdue{namespace='data', phase='Building'}", "0x20"),
            ("notebook_validation_jobs_active{namespace='data', phase='Building'}", "3x20"),
        ],
    ),
    "NotebookValidationReconcileErrors": (
        [
            ("notebook_validation_reconcile_errors_total", "0+1x60"),
            ("notebook_validation_reconcile_duration_seconds_count", "0+10x60"),
        ],
        "30m",
        {},
        "10%",
        [
            ("notebook_validation_reconcile_errors_total", "0+1x60"),
            ("notebook_validation_reconcile_duration_seconds_count", "0+100x60"),
        ],  # 1 %: a few 409s are normal
    ),
}


def _series(pairs):
    return [{"series": series.replace("'", '"'), "values": values} for series, values in pairs]


def test_rules_pass_promtool_check():
    proc = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 7 rules found" in proc.stdout


def test_every_alert_has_a_case():
    alerts = {rule["alert"] for rule in _rules() if "alert" in rule}
    assert alerts == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_alert_fires_on_its_condition_and_not_otherwise(tmp_path, name):
    firing, at, labels, value, quiet = CASES[name]
    rule = _alert(name)
    expected = {
        "exp_labels": {**labels, **rule["labels"]},
        "exp_annotations": {k: _render(v, labels, value) for k, v in rule["annotations"].items()},
    }
    proc = _promtool(tmp_path, [
        {"interval": "1m", "input_series": _series(firing),
         "alert_rule_test": [{"eval_time": at, "alertname": name, "exp_alerts": [expected]}]},
        {"interval": "1m", "input_series": _series(quiet),
         "alert_rule_test": [{"eval_time": at, "alertname": name, "exp_alerts": []}]},
    ])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_alerts_wait_for_their_duration(tmp_path):
    """Each alert is only pending until its `for:` has passed (5 m down, 15 m failing, 30 m backlog)."""
    tests = []
    for name, (firing, _, _, _, _) in CASES.items():
        minutes = int(_alert(name)["for"].rstrip("m"))
        tests.append(
            {
                "interval": "1m",
                "input_series": _series(firing),
                "alert_rule_test": [{"eval_time": f"{minutes - 1}m", "alertname": name, "exp_alerts": []}],
            }
        )
    assert _promtool(tmp_path, tests).returncode == 0


def test_an_operator_without_any_target_is_down(tmp_path):
    rule = _alert("NblintOperatorDown")
    proc = _promtool(tmp_path, [{
        "interval": "1m", "input_series": _series([("up{job='something-else'}", "1x20")]),
        "alert_rule_test": [{"eval_time": "6m", "alertname": "NblintOperatorDown",
                             "exp_alerts": [{"exp_labels": rule["labels"],
                                             "exp_annotations": rule["annotations"]}]}],
    }])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_namespace_where_every_job_fails_alerts(tmp_path):
    """No `succeeded` series at all: the success rate is 0, not missing."""
    rule = _alert("NotebookValidationFailureRateHigh")
    labels = {"namespace": "ml"}
    proc = _promtool(tmp_path, [{
        "interval": "1m", "input_series": _series([("notebook_validation_jobs_total{namespace='ml', status='failed'}",
                                                    "0+2x60")]),
        "alert_rule_test": [{"eval_time": "40m", "alertname": "NotebookValidationFailureRateHigh",
                             "exp_alerts": [{"exp_labels": {**labels, **rule["labels"]},
                                             "exp_annotations": {k: _render(v, labels, "100%")
                                                                 for k, v in rule["annotations"].items()}}]}],
    }])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_reconcile_errors_with_no_successful_reconcile_alert(tmp_path):
    proc = _promtool(tmp_path, [{
        "interval": "1m", "input_series": _series([("notebook_validation_reconcile_errors_total", "0+1x60")]),
        "alert_rule_test": [{"eval_time": "30m", "alertname": "NotebookValidationReconcileErrors",
                             "exp_alerts": [{"exp_labels": _alert("NotebookValidationReconcileErrors")["labels"],
                                             "exp_annotations": {k: _render(v, {}, "+Inf%") for k, v in
                                                                 _alert("NotebookValidationReconcileErrors")[
                                                                     "annotations"].items()}}]}],
    }])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("series", "record", "expected"),
    [
        ([("notebook_validation_jobs_total{namespace='data', status='succeeded'}", "0+3x60"),
          ("notebook_validation_jobs_total{namespace='data', status='failed'}", "0+1x60")],
         "notebook_validation_success_rate", 0.75),
        ([("notebook_validation_jobs_total{namespace='data', status='failed'}", "0+1x60")],
         "notebook_validation_success_rate", 0),
        ([("notebook_validation_build_cache_hits_total{namespace='data'}", "0+1x90"),
          ("notebook_validation_build_cache_misses_total{namespace='data', strategy='tekton'}", "0+2x90"),
          ("notebook_validation_build_cache_misses_total{namespace='data', strategy='kaniko'}", "0+1x90")],
         "notebook_validation_build_cache_hit_rate", 0.25),
        ([("notebook_validation_build_cache_hits_total{namespace='data'}", "0+1x90")],
         "notebook_validation_build_cache_hit_rate", 1),
        ([("notebook_validation_build_cache_misses_total{namespace='data', strategy='s2i'}", "0+1x90")],
         "notebook_validation_build_cache_hit_rate", 0),
    ],
)  # fmt: skip
def test_recording_rules(tmp_path, series, record, expected):
    proc = _promtool(tmp_path, [{
        "interval": "1m", "input_series": _series(series),
        "promql_expr_test": [{"expr": record, "eval_time": "40m",
                              "exp_samples": [{"labels": f'{record}{{namespace="data"}}', "value": expected}]}],
    }])  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _names_in(expressions: list[str]) -> set[str]:
    names = set()
    for expr in expressions:
        names |= set(re.findall(r"\bnotebook_validation_\w+", expr))
    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    return names - recorded


def test_rules_and_dashboard_use_only_metrics_the_operator_exports():
    """Each series a rule or a panel reads is one the operator's registry serves (by family name)."""
    import json

    from nblint.operator_bridge.metrics import Metrics

    metrics = Metrics(gauges=dict)
    exported = set()
    for family in metrics.registry.collect():
        kinds = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
        exported |= {family.name + suffix for suffix in kinds}
    panels = json.loads(DASHBOARD.read_text())["panels"]
    queries = [target["expr"] for panel in panels for target in panel.get("targets", [])]
    used = _names_in([rule["expr"] for rule in _rules()] + queries)
    assert used and used <= exported, used - exported


def test_the_stuck_alerts_gauge_counts_jobs_past_their_phase_timeout():
    """notebook_validation_jobs_overdue, which NotebookValidationJobStuck reads: a job is counted once the
    timeout of its phase (or the total one) has passed, by namespace and phase."""
    from datetime import UTC, datetime

    from nblint.operator_bridge.metrics import Metrics, overdue
    from nblint.operator_bridge.spec import parse
    from prometheus_client import generate_latest

    job = {"apiVersion": "mlops.mlops.dev/v1alpha1", "kind": "NotebookValidationJob",
           "metadata": {"name": "etl", "namespace": "data"},
           "spec": {"notebook": {"git": {"url": "https://git.example.com/nbs.git", "ref": "main"}, "path": "etl.ipynb"},
                    "podConfig": {"containerImage": "python:3.11-slim",
                                  "buildConfig": {"enabled": True, "strategy": "tekton"}},
                    "buildTimeout": "10m", "validationTimeout": "5m", "totalTimeout": "1h"}}  # fmt: skip
    spec = parse(job, "etl")
    at = "2026-01-01T{}Z".format
    statuses = [
        {"phase": "Building", "startTime": at("11:40:00"), "buildStatus": {"startTime": at("11:45:00")}},  # 15 m
        {"phase": "Building", "startTime": at("11:40:00"), "buildStatus": {"startTime": at("11:55:00")}},  # 5 m
        {"phase": "ValidationRunning", "startTime": at("11:30:00"), "validationStartTime": at("11:50:00")},
        {"phase": "ValidationRunning", "startTime": at("11:30:00"), "validationStartTime": at("11:58:00")},
        {"phase": "Initializing", "startTime": at("10:30:00")},  # past the total hour
        {"phase": "Failed", "startTime": at("01:00:00")},  # finished: never stuck
    ]
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    counted = overdue([("data", status, spec) for status in statuses], now)
    assert sorted((labels["phase"], n) for labels, n in counted) == [
        ("Building", 1), ("Initializing", 1), ("ValidationRunning", 1)]  # fmt: skip
    scraped = generate_latest(Metrics(gauges=lambda: {"notebook_validation_jobs_overdue": counted}).registry).decode()
    assert 'notebook_validation_jobs_overdue{namespace="data",phase="Building"} 1.0' in scraped
