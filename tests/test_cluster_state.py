"""The build -> validate state machine, step by step: pure, so every transition is tested without a cluster."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from nblint.operator_bridge.spec import BuildConfig, JobSpec, Validation
from nblint.operator_bridge.state import BuildSeen, Observed, ValidationSeen, step

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
IMAGE = "registry.local/team/nblint-env:nb-0123456789ab"
PASSED = {"status": "passed", "failed": 0, "checks": []}
FAILED_REPORT = {"status": "failed", "failed": 1, "checks": ["nan-value"], "first": "cell 4: nan-value: `auc` is NaN"}


def _spec(**build) -> JobSpec:
    return JobSpec(
        name="etl", namespace="data", git_url="https://git/x.git", git_ref="main", notebook_path="etl.ipynb",
        credentials_secret=None, container_image="python:3.11-slim",
        build=BuildConfig(enabled=True, **build), validation=Validation(),
        max_build_retries=2, max_validation_retries=2,
        build_timeout_s=600, validation_timeout_s=900, total_timeout_s=3600,
    )  # fmt: skip


def _obs(minutes=0, builds=(), validations=(), image_exists=None):
    return Observed(T0 + timedelta(minutes=minutes), IMAGE, image_exists, tuple(builds), tuple(validations))


def _kinds(actions):
    return [a.kind for a in actions]


def _condition(status, kind):
    return next(c for c in status["conditions"] if c["type"] == kind)


def test_happy_path_builds_then_validates_in_the_same_image():
    spec = _spec()
    actions, status = step(spec, {}, _obs())
    assert _kinds(actions) == ["create-build"] and status["phase"] == "Building"
    actions, status = step(spec, status, _obs(1, [BuildSeen("etl-build-x1", "Running")]))
    assert actions == [] and status["buildStatus"]["buildName"] == "etl-build-x1"
    assert _condition(status, "BuildReady")["status"] == "False"
    # Complete: the validation object is requested in the very same step (no polling delay).
    actions, status = step(spec, status, _obs(5, [BuildSeen("etl-build-x1", "Complete", image=IMAGE)]))
    assert _kinds(actions) == ["create-validation"] and actions[0].params["image"] == IMAGE
    assert status["buildStatus"]["phase"] == "Complete" and status["buildStatus"]["duration"] == "5m0s"
    assert _condition(status, "BuildReady") | {} and _condition(status, "BuildReady")["status"] == "True"
    built = [BuildSeen("etl-build-x1", "Complete", image=IMAGE)]
    actions, status = step(spec, status, _obs(6, built, [ValidationSeen("etl-val-y1", "Running")]))
    assert actions == [] and status["phase"] == "ValidationRunning" and status["validationJobName"] == "etl-val-y1"
    actions, status = step(spec, status, _obs(8, built, [ValidationSeen("etl-val-y1", "Succeeded", report=PASSED)]))
    assert status["phase"] == "Succeeded" and _condition(status, "Ready")["status"] == "True"
    assert step(spec, status, _obs(9, built))[0] == []  # terminal: nothing more happens


def test_no_validation_before_the_build_is_complete_whatever_the_event_order():
    """Events arrive late, out of order, duplicated, and the bridge restarts losing its memory."""
    rng = random.Random(7)
    phases = ["Pending", "Running", "Running", "Failed", "Complete"]
    for trial in range(300):
        spec = _spec()
        status: dict = {}
        builds: list[BuildSeen] = []
        for tick in range(12):
            if builds and rng.random() < 0.6:
                last = builds[-1]
                builds[-1] = replace(last, phase=rng.choice(phases), image=IMAGE)
            seen = list(builds)
            if rng.random() < 0.2:
                seen = seen[:-1]  # a late event: the newest object not yet visible
            if rng.random() < 0.1:
                status = {k: v for k, v in status.items() if k != "buildStatus"}  # restart mid-build
            actions, status = step(spec, status, _obs(tick, seen))
            complete = status.get("buildStatus", {}).get("phase") == "Complete"
            if "create-validation" in _kinds(actions):
                assert complete, (trial, tick, status)
            for action in actions:
                if action.kind == "create-build":
                    builds.append(BuildSeen(f"b{trial}-{len(builds)}", "Pending", attempt=action.params["attempt"]))
            if status.get("phase") in ("Succeeded", "Failed", "ValidationRunning"):
                break


def test_restart_adopts_the_running_build_instead_of_starting_a_second():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    status.pop("buildStatus")  # the bridge died before it wrote anything about the build
    actions, status = step(spec, status, _obs(1, [BuildSeen("etl-build-x1", "Running")]))
    assert actions == [] and status["buildStatus"]["buildName"] == "etl-build-x1"


def test_a_requested_object_not_yet_visible_is_waited_for_not_created_twice():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    actions, status = step(spec, status, _obs(0.5))  # the watch has not shown the new build yet
    assert actions == []
    actions, status = step(spec, status, _obs(2))  # still nothing after the grace period: request again
    assert [a.kind for a in actions] == ["create-build"] and status["buildRetryCount"] == 0


def test_a_build_that_disappears_counts_as_a_failure():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    _, status = step(spec, status, _obs(1, [BuildSeen("b1", "Running")]))
    actions, status = step(spec, status, _obs(2, []))
    assert [a.kind for a in actions] == ["create-build"] and status["buildRetryCount"] == 1


def test_build_failure_then_success_within_the_retry_budget():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    actions, status = step(spec, status, _obs(1, [BuildSeen("b1", "Failed", "pip: no matching distribution")]))
    assert _kinds(actions) == ["create-build"] and status["buildRetryCount"] == 1
    builds = [BuildSeen("b1", "Failed"), BuildSeen("b2", "Complete", image=IMAGE, attempt=2)]
    actions, status = step(spec, status, _obs(2, builds))
    assert _kinds(actions) == ["create-validation"] and status["validationRetryCount"] == 0


def test_build_failures_beyond_the_budget_fail_without_validation():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    builds = []
    for attempt in range(1, 4):
        builds.append(BuildSeen(f"b{attempt}", "Failed", "compile error", attempt=attempt))
        actions, status = step(spec, status, _obs(attempt, builds))
    assert status["phase"] == "Failed" and status["buildRetryCount"] == 2
    assert "create-validation" not in _kinds(actions)
    assert _condition(status, "BuildReady")["reason"] == "BuildFailed"
    assert _condition(status, "Ready")["status"] == "False"


def test_evicted_validation_is_rerun_but_a_failing_notebook_is_not():
    spec = _spec()
    built = [BuildSeen("b1", "Complete", image=IMAGE)]
    _, status = step(spec, {}, _obs())
    _, status = step(spec, status, _obs(1, built))
    actions, status = step(spec, status, _obs(2, built, [ValidationSeen("v1", "Failed", "Evicted")]))
    assert _kinds(actions) == ["delete-validation", "create-validation"] and status["validationRetryCount"] == 1
    assert status["buildRetryCount"] == 0  # separate counters
    evicted = ValidationSeen("v1", "Failed", "Evicted")
    second = ValidationSeen("v2", "Failed", report=FAILED_REPORT, attempt=2)
    actions, status = step(spec, status, _obs(3, built, [evicted, second]))
    assert actions == [] and status["phase"] == "Failed"
    assert _condition(status, "Ready")["reason"] == "NotebookFailed"
    assert "cell 4: nan-value" in status["message"] and status["summary"] == FAILED_REPORT


def test_infrastructure_failures_beyond_the_budget():
    spec = _spec()
    built = [BuildSeen("b1", "Complete", image=IMAGE)]
    _, status = step(spec, {}, _obs())
    _, status = step(spec, status, _obs(1, built))
    seen = []
    for attempt in range(1, 4):
        seen.append(ValidationSeen(f"v{attempt}", "Failed", "NodeLost", attempt=attempt))
        _, status = step(spec, status, _obs(1 + attempt, built, seen))
    assert status["phase"] == "Failed" and _condition(status, "Ready")["reason"] == "InfrastructureFailure"


def test_unreadable_report_is_failed_never_succeeded():
    spec = _spec()
    built = [BuildSeen("b1", "Complete", image=IMAGE)]
    _, status = step(spec, {}, _obs())
    _, status = step(spec, status, _obs(1, built))
    seen = [ValidationSeen("v1", "Succeeded", report=None, report_error="termination message is not JSON")]
    _, status = step(spec, status, _obs(2, built, seen))
    assert status["phase"] == "Failed" and _condition(status, "Ready")["reason"] == "ReportUnreadable"
    assert "termination message is not JSON" in status["message"]


@pytest.mark.parametrize(
    ("minutes", "builds", "validations", "reason"),
    [
        (11, [BuildSeen("b1", "Running")], [], None),  # build timeout (10 min): deleted and retried
        (61, [BuildSeen("b1", "Running")], [], "TotalTimeout"),
        (20, [BuildSeen("b1", "Complete", image=IMAGE)], [ValidationSeen("v1", "Running")], "ValidationTimeout"),
        (3, [BuildSeen("b1", "Complete", image=IMAGE)], [ValidationSeen("v1", "Failed", "DeadlineExceeded")],
         "ValidationTimeout"),
    ],
)  # fmt: skip
def test_each_timeout_is_enforced_on_its_own(minutes, builds, validations, reason):
    spec = _spec()
    _, status = step(spec, {}, _obs())
    if validations:
        _, status = step(spec, status, _obs(1, builds))
    actions, status = step(spec, status, _obs(minutes, builds, validations))
    if reason is None:
        assert _kinds(actions) == ["delete-build", "create-build"] and status["buildRetryCount"] == 1
    else:
        assert status["phase"] == "Failed" and _condition(status, "Ready")["reason"] == reason
        if validations and validations[0].phase == "Running":
            assert "delete-validation" in _kinds(actions)


def test_reuse_if_exists_skips_the_build():
    spec = _spec(reuse_if_exists=True)
    actions, status = step(spec, {}, _obs())
    assert _kinds(actions) == ["check-image"]
    actions, status = step(spec, status, _obs(0, image_exists=True))
    assert _kinds(actions) == ["create-validation"] and actions[0].params["image"] == IMAGE
    assert _condition(status, "BuildReady")["reason"] == "ImageReused"
    actions, _ = step(spec, {}, _obs(0, image_exists=False))
    assert _kinds(actions) == ["create-build"]


def test_build_disabled_validates_in_the_container_image():
    spec = replace(_spec(), build=BuildConfig(enabled=False))
    actions, status = step(spec, {}, Observed(T0))
    assert _kinds(actions) == ["create-validation"] and actions[0].params["image"] == "python:3.11-slim"
    assert _condition(status, "BuildReady")["reason"] == "BuildDisabled"


def test_reuse_without_wait_still_builds_when_the_answer_never_comes():
    """`submit` without --wait stops after one pass: the registry's answer is lost, the next run must build."""
    spec = _spec(reuse_if_exists=True)
    actions, status = step(spec, {}, _obs())
    assert _kinds(actions) == ["check-image"] and status["buildStatus"]["reuseCheckedAt"]
    actions, status = step(spec, status, _obs(1))  # a new process: image_exists unknown again
    assert _kinds(actions) == ["create-build"] and status["phase"] == "Building"


def test_reuse_answer_in_the_same_pass_skips_or_builds():
    spec = _spec(reuse_if_exists=True)
    _, status = step(spec, {}, _obs())
    actions, reused = step(spec, status, _obs(image_exists=True))
    assert _kinds(actions) == ["create-validation"] and reused["buildStatus"]["phase"] == "Complete"
    actions, _ = step(spec, status, _obs(image_exists=False))
    assert _kinds(actions) == ["create-build"]


def test_build_phase_only_moves_forward_within_an_attempt():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    phases = []
    for minute, phase in enumerate(["Pending", "Running", "Pending", "Running", "Pending"], start=1):
        _, status = step(spec, status, _obs(minute, [BuildSeen("etl-build-x1", phase)]))
        phases.append(status["buildStatus"]["phase"])
    assert phases == ["Pending", "Running", "Running", "Running", "Running"]
    _, status = step(spec, status, _obs(9, [BuildSeen("etl-build-x1", "Complete", image=IMAGE)]))
    assert status["buildStatus"]["phase"] == "Complete"


def test_a_retry_starts_its_phase_afresh():
    spec = _spec()
    _, status = step(spec, {}, _obs())
    _, status = step(spec, status, _obs(1, [BuildSeen("b1", "Running")]))
    actions, status = step(spec, status, _obs(2, [BuildSeen("b1", "Failed", "OOMKilled", exit_code=137)]))
    assert _kinds(actions) == ["create-build"] and status["buildStatus"]["phase"] == "Pending"
    assert "attempt 1 failed: OOMKilled (exit code 137)" in status["buildStatus"]["message"]
    # the second attempt is waited for (not taken as deleted because the first was seen)
    actions, status = step(spec, status, _obs(2.5, [BuildSeen("b1", "Failed", "OOMKilled")]))
    assert actions == [] and status["phase"] == "Building"


def test_a_failed_builds_exit_code_and_message_reach_the_status():
    spec = replace(_spec(), max_build_retries=0)
    _, status = step(spec, {}, _obs())
    message = 'error building at STEP "RUN pip install -r requirements.txt": exit status 1'
    _, status = step(spec, status, _obs(3, [BuildSeen("b1", "Failed", message, exit_code=1)]))
    assert status["phase"] == "Failed" and status["buildStatus"]["exitCode"] == 1
    assert message in status["buildStatus"]["message"] and "(exit code 1)" in status["message"]
    assert "BackoffLimitExceeded" not in status["message"]


def test_spec_warnings_are_in_the_status():
    spec = replace(_spec(), warnings=("spec.retryPolicy.maxRetries: 3 is used as ...",))
    _, status = step(spec, {}, _obs())
    assert status["warnings"] == ["spec.retryPolicy.maxRetries: 3 is used as ..."]


def test_a_failed_kaniko_jobs_exit_code_and_message_travel_from_the_pod_to_the_status():
    from nblint.operator_bridge.kube import _kaniko_seen

    job = {
        "metadata": {"name": "etl-build-1", "labels": {"nblint.dev/attempt": "1"}},
        "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]},
    }
    message = "error building image: parsing dockerfile: unknown instruction: RUNN"
    terminated = {"exitCode": 2, "message": message}
    pod = {
        "status": {"phase": "Failed", "containerStatuses": [{"name": "kaniko", "state": {"terminated": terminated}}]}
    }
    seen = _kaniko_seen(job, [pod])
    assert seen.phase == "Failed" and seen.exit_code == 2
    spec = replace(_spec(strategy="kaniko"), max_build_retries=0)
    _, status = step(spec, {}, _obs())
    _, status = step(spec, status, _obs(1, [seen]))
    assert status["buildStatus"]["exitCode"] == 2 and "unknown instruction: RUNN" in status["buildStatus"]["message"]
    assert "unknown instruction: RUNN" in status["message"]
