"""Every status the state machine can write survives a real API server: it validates against the CRD's status
schema and no field of it would be pruned (a structural schema drops undeclared fields silently)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from nblint.operator_bridge.spec import BuildConfig, JobSpec, Validation, schema, unknown_fields
from nblint.operator_bridge.state import BuildSeen, Observed, ValidationSeen, step

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
IMAGE = "registry.local/team/nblint-env:nb-0123456789ab"
REPORTS = [
    {"status": "passed", "failed": 0, "checks": [], "value": None},
    {"status": "failed", "failed": 1, "checks": ["nan-value"], "first": "cell 4: nan-value"},
    {"status": "weird"},
    None,
]
BUILD_PHASES = ["Pending", "Running", "Complete", "Failed"]
VALIDATION_PHASES = ["Pending", "Running", "Succeeded", "Failed"]
REASONS = ["", "Evicted", "ImagePullBackOff", "DeadlineExceeded", "BackoffLimitExceeded"]


def _spec(rng: random.Random) -> JobSpec:
    build = BuildConfig(enabled=rng.random() < 0.8, reuse_if_exists=rng.random() < 0.3,
                        strategy=rng.choice(["tekton", "s2i", "kaniko"]))  # fmt: skip
    return JobSpec(
        name="etl", namespace="data", git_url="https://git/x.git", git_ref="main", notebook_path="etl.ipynb",
        credentials_secret=None, container_image="python:3.11-slim", build=build, validation=Validation(),
        max_build_retries=rng.randint(0, 2), max_validation_retries=rng.randint(0, 2),
        build_timeout_s=rng.choice([None, 300]), validation_timeout_s=rng.choice([None, 600]),
        total_timeout_s=rng.choice([None, 1800]), warnings=("spec.x: mapped",) if rng.random() < 0.5 else (),
    )  # fmt: skip


def _statuses(trials: int = 400):
    """Random walks through builds and validations appearing, changing, vanishing and restarts."""
    rng = random.Random(10)
    for _ in range(trials):
        spec, status = _spec(rng), {}
        builds: list[BuildSeen] = []
        validations: list[ValidationSeen] = []
        for tick in range(20):
            now = T0 + timedelta(minutes=tick * rng.choice([1, 5, 30]))
            roll = rng.random()
            if roll < 0.3:
                attempt = (builds[-1].attempt + 1) if builds else 1
                builds.append(BuildSeen(f"b{attempt}", rng.choice(BUILD_PHASES), rng.choice(["", "OOMKilled"]),
                                        rng.choice([None, IMAGE]), attempt, rng.choice([None, 1, 137])))  # fmt: skip
            elif roll < 0.5 and builds:
                builds[-1] = replace(builds[-1], phase=rng.choice(BUILD_PHASES))
            elif roll < 0.75:
                attempt = (validations[-1].attempt + 1) if validations else 1
                phase = rng.choice(VALIDATION_PHASES)
                validations.append(ValidationSeen(f"v{attempt}", phase, rng.choice(REASONS), rng.choice(REPORTS),
                                                  rng.choice([None, "no termination message"]), attempt))  # fmt: skip
            elif roll < 0.85 and validations:
                validations.pop()
            elif roll < 0.9:
                status = {k: v for k, v in status.items() if k not in ("buildStatus", "validation")}
            observed = Observed(now, IMAGE, rng.choice([None, True, False]), tuple(builds), tuple(validations))
            _, status = step(spec, status, observed)
            yield status


def _status_schema():
    return schema()["properties"]["status"]


def test_the_walk_reaches_every_phase_and_field():
    seen_phases, seen_keys = set(), set()
    for status in _statuses():
        seen_phases.add(status["phase"])
        seen_keys |= set(status) | {f"buildStatus.{k}" for k in status.get("buildStatus", {})}
        seen_keys |= {f"validation.{k}" for k in status.get("validation", {})}
    assert seen_phases >= {"Building", "ValidationRunning", "Succeeded", "Failed"}
    for key in ("buildStatus.attempt", "buildStatus.requestedAt", "buildStatus.seen", "buildStatus.exitCode",
                "buildStatus.reuseCheckedAt", "validation.attempt", "validation.requestedAt", "validation.seen",
                "validationStartTime", "warnings", "summary", "conditions"):  # fmt: skip
        assert key in seen_keys, key


def test_every_status_validates_and_nothing_would_be_pruned():
    validator = jsonschema.Draft7Validator(_status_schema())
    checked = 0
    for status in _statuses():
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(status)]
        assert errors == [], errors
        assert unknown_fields(_status_schema(), status, "status") == []
        checked += 1
    assert checked > 5000


@pytest.mark.parametrize(
    ("status", "pruned"),
    [
        ({"phase": "Building", "buildStatus": {"attempt": 1, "surprise": True}}, ["status.buildStatus.surprise"]),
        ({"validation": {"attempt": 2, "podIP": "10.0.0.1"}}, ["status.validation.podIP"]),
        ({"summary": {"anything": {"goes": 1}}}, []),  # x-kubernetes-preserve-unknown-fields
        ({"conditions": [{"type": "Ready", "status": "True", "reason": "R", "message": "", "extra": 1,
                          "lastTransitionTime": "2026-01-01T00:00:00Z"}]}, ["status.conditions[0].extra"]),
    ],
)  # fmt: skip
def test_the_pruning_check_finds_undeclared_fields(status, pruned):
    assert unknown_fields(_status_schema(), status, "status") == pruned
