"""The build -> validate state machine: a pure function of (spec, status, observed objects, now).

    actions, status = step(spec, status, observed)

It never blocks and never talks to a cluster: backends turn actions into API calls and what they see
back into `Observed`. Everything it must remember lives in `status` (the CRD's status shape), so a
restarted bridge carries on where it stopped. Rules it enforces:

* no validation object exists before the build is Complete;
* a failed build is retried up to maxBuildRetries; an infrastructure failure of validation (evicted,
  image pull error, node lost) up to maxValidationRetries; a notebook that fails its checks is final;
* build, validation and total timeouts are each enforced on the clock as well as by the cluster;
* a validation that ran but whose report cannot be read is Failed, never Succeeded;
* with reuseIfExists, an image tag already in the registry skips the build; a registry answer that
  never comes (a driver that stopped after asking) does not stall the job: the next step builds;
* buildStatus.phase only moves forward within an attempt (Pending -> Running -> Complete | Failed);
* the spec's warnings (fields mapped or not fully honoured) are in status.warnings.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from nblint.operator_bridge.spec import JobSpec

# phases
INITIALIZING, BUILDING, BUILD_COMPLETE = "Initializing", "Building", "BuildComplete"
VALIDATING, SUCCEEDED, FAILED = "ValidationRunning", "Succeeded", "Failed"
TERMINAL = {SUCCEEDED, FAILED}
INFRA_REASONS = {"Evicted", "ImagePullBackOff", "ErrImagePull", "NodeLost", "Preempted", "PodDeleted"}


CREATE_GRACE_S = 60  # an object requested but not yet visible is waited for this long, not created again
_BUILD_RANK = {"Pending": 0, "Running": 1, "Complete": 2, "Failed": 2}


@dataclass(frozen=True)
class BuildSeen:
    name: str
    phase: str  # Pending | Running | Complete | Failed: Running only once the builder pod runs
    message: str = ""  # on failure: the builder container's termination message, else the object's reason
    image: str | None = None  # the digest-pinned reference the builder reports, when it does
    attempt: int = 1  # from the object's label: which attempt created it
    exit_code: int | None = None  # the failed builder container's exit code, when the pod shows it


@dataclass(frozen=True)
class ValidationSeen:
    name: str
    phase: str  # Pending | Running | Succeeded | Failed
    reason: str = ""  # e.g. Evicted, DeadlineExceeded, BackoffLimitExceeded
    report: dict[str, Any] | None = None  # the parsed summary/report, when the run finished
    report_error: str | None = None  # why the report could not be read
    attempt: int = 1


@dataclass(frozen=True)
class Observed:
    now: datetime
    image: str = ""  # the reference this job builds (content-addressed tag)
    image_exists: bool | None = None  # registry answer for reuseIfExists; None: not asked yet
    builds: tuple[BuildSeen, ...] = ()  # this job's build objects, found by label
    validations: tuple[ValidationSeen, ...] = ()  # this job's validation Jobs, found by label


@dataclass(frozen=True)
class Action:
    kind: str  # check-image | create-build | delete-build | create-validation | delete-validation
    name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def step(spec: JobSpec, status: dict[str, Any], observed: Observed) -> tuple[list[Action], dict[str, Any]]:
    status = copy.deepcopy(status) or {}
    now = observed.now
    if status.get("phase") in TERMINAL:
        return [], status
    status.setdefault("phase", INITIALIZING)
    status.setdefault("startTime", _iso(now))
    status.setdefault("buildRetryCount", 0)
    status.setdefault("validationRetryCount", 0)
    if spec.warnings:
        status["warnings"] = list(spec.warnings)
    actions: list[Action] = []

    if _expired(status.get("startTime"), spec.total_timeout_s, now):
        message = f"build and validation took longer than {spec.total_timeout_s:g} s"
        return _fail(status, observed, "TotalTimeout", message), status

    image = observed.image or spec.container_image
    if spec.build.enabled and not _build_ready(status):
        build_actions, done = _advance_build(spec, status, observed)
        actions += build_actions
        if not done or status["phase"] in TERMINAL:
            return actions, status
        image = status["buildStatus"]["imageReference"]
    elif not spec.build.enabled:
        _condition(status, "BuildReady", "True", "BuildDisabled", f"validating in {spec.container_image}", now)

    actions += _advance_validation(spec, status, observed, image or spec.container_image)
    return actions, status


def _advance_build(spec: JobSpec, status, observed: Observed) -> tuple[list[Action], bool]:
    """Returns the actions and whether the build is Complete (validation may start in the same step)."""
    now = observed.now
    build_status = status.setdefault("buildStatus", {"strategy": spec.build.strategy})
    unanswered = spec.build.reuse_if_exists and observed.image_exists is None and not build_status.get("buildName")
    if unanswered and not build_status.get("reuseCheckedAt"):
        build_status["reuseCheckedAt"] = _iso(now)
        return [Action("check-image", params={"image": observed.image})], False
    # asked before and the answer was lost (a `submit` without --wait stops after one pass): build it
    if spec.build.reuse_if_exists and observed.image_exists and not build_status.get("buildName"):
        build_status.update(phase="Complete", imageReference=observed.image, message="image already in the registry",
                            completionTime=_iso(now))  # fmt: skip
        _condition(status, "BuildReady", "True", "ImageReused", f"reusing {observed.image}", now)
        status["phase"] = BUILD_COMPLETE
        return [], True

    current, wait = _current(observed.builds, build_status, now)
    if wait:
        return [], False
    if current is None:
        return [_create_build(spec, status, observed)], False

    build_status["buildName"] = current.name
    started = build_status.setdefault("startTime", _iso(now))
    if current.phase in ("Pending", "Running") and _expired(started, spec.build_timeout_s, now):
        current = replace(
            current, phase="Failed", message=f"timed out after {spec.build_timeout_s:g} s", exit_code=None
        )
        timed_out = True
    else:
        timed_out = False
    if current.phase == "Complete":
        build_status.update(phase="Complete", imageReference=current.image or observed.image, completionTime=_iso(now),
                            duration=_duration(started, now), message=current.message or "build complete")  # fmt: skip
        _condition(status, "BuildReady", "True", "BuildSucceeded", f"built {build_status['imageReference']}", now)
        status["phase"] = BUILD_COMPLETE
        return [], True
    if current.phase == "Failed":
        reason = "BuildTimeout" if timed_out else "BuildFailed"
        actions = [Action("delete-build", current.name)] if timed_out else []
        message = current.message
        if current.exit_code is not None:
            build_status["exitCode"] = current.exit_code
            if f"exited {current.exit_code}" not in message:
                message = f"{message} (exit code {current.exit_code})" if message else f"exit code {current.exit_code}"
        if status["buildRetryCount"] >= spec.max_build_retries:
            build_status.update(phase="Failed", message=message[:4000], completionTime=_iso(now))
            _condition(status, "BuildReady", "False", reason, message, now)
            actions += _fail(status, observed, reason, f"build failed: {message}"[:4000])
            return actions, False
        status["buildRetryCount"] += 1
        for key in ("buildName", "startTime", "attempt", "requestedAt", "seen", "exitCode"):
            build_status.pop(key, None)
        build_status["message"] = f"attempt {current.attempt} failed: {message}"[:4000]
        return [*actions, _create_build(spec, status, observed)], False
    phase = current.phase  # never backwards within an attempt: a finished pod leaves the Job "not active"
    if _BUILD_RANK.get(build_status.get("phase"), 0) > _BUILD_RANK[phase]:
        phase = build_status["phase"]
    build_status["phase"] = phase
    status["phase"] = BUILDING
    _condition(status, "BuildReady", "False", "Building", f"build {current.name} is {phase.lower()}", now)
    return [], False


def _create_build(spec: JobSpec, status, observed: Observed) -> Action:
    status["phase"] = BUILDING
    build_status = status["buildStatus"]
    attempt = status["buildRetryCount"] + 1
    build_status.update(phase="Pending", startTime=_iso(observed.now), imageReference=observed.image,
                        attempt=attempt, requestedAt=_iso(observed.now))  # fmt: skip
    _condition(status, "BuildReady", "False", "BuildStarted", "build requested", observed.now)
    return Action("create-build", params={"image": observed.image, "attempt": attempt, "timeout": spec.build_timeout_s})


def _advance_validation(spec: JobSpec, status, observed: Observed, image: str) -> list[Action]:
    now = observed.now
    validation = status.setdefault("validation", {})
    current, wait = _current(observed.validations, validation, now, gone_reason="PodDeleted")
    if wait:
        return []
    if current is None:
        return [_create_validation(spec, status, now, image)]
    validation["name"] = status["validationJobName"] = current.name
    started = status.setdefault("validationStartTime", _iso(now))
    if current.phase in ("Pending", "Running"):
        if _expired(started, spec.validation_timeout_s, now):
            actions = [Action("delete-validation", current.name)]
            message = f"validation took longer than {spec.validation_timeout_s:g} s"
            return actions + _fail(status, observed, "ValidationTimeout", message)
        status["phase"] = VALIDATING
        return []
    if current.reason in INFRA_REASONS:
        if status["validationRetryCount"] >= spec.max_validation_retries:
            return _fail(status, observed, "InfrastructureFailure", f"validation pod failed: {current.reason}")
        status["validationRetryCount"] += 1
        status.pop("validationJobName", None)
        return [Action("delete-validation", current.name), _create_validation(spec, status, now, image)]
    if current.reason == "DeadlineExceeded":
        return _fail(status, observed, "ValidationTimeout", "the validation Job hit its activeDeadlineSeconds")
    if current.report is None:
        detail = current.report_error or "no report was produced"
        return _fail(status, observed, "ReportUnreadable", f"validation ran but its report cannot be read: {detail}")
    report_status = current.report.get("status")
    status["summary"] = current.report
    if report_status == "passed" and current.phase == "Succeeded":
        status["phase"] = SUCCEEDED
        status["completionTime"] = _iso(now)
        status["message"] = "the notebook passed validation"
        _condition(status, "ValidationComplete", "True", "ValidationSucceeded", "all checks passed", now)
        _condition(status, "Ready", "True", "Succeeded", "built and validated", now)
        return []
    if report_status in ("passed", "failed", "skipped") or current.phase == "Failed":
        first = current.report.get("first") or f"{current.report.get('failed', '?')} check(s) failed"
        return _fail(status, observed, "NotebookFailed", f"the notebook failed validation: {first}")
    return _fail(status, observed, "ReportUnreadable", f"report has an unknown status {report_status!r}")


def _create_validation(spec: JobSpec, status, now: datetime, image: str) -> Action:
    attempt = status["validationRetryCount"] + 1
    status["validation"] = {"attempt": attempt, "requestedAt": _iso(now)}
    status["phase"] = VALIDATING
    status["validationStartTime"] = _iso(now)
    _condition(status, "ValidationComplete", "False", "ValidationStarted", f"validating in {image}", now)
    params = {"image": image, "attempt": attempt, "timeout": spec.validation_timeout_s}
    return Action("create-validation", params=params)


def _fail(status, observed: Observed, reason: str, message: str) -> list[Action]:
    """Mark the job Failed (in place); the actions stop whatever of it still runs."""
    now = observed.now
    actions = []
    for build in observed.builds:
        if build.phase in ("Pending", "Running"):
            actions.append(Action("delete-build", build.name))
    for validation in observed.validations:
        if validation.phase in ("Pending", "Running") and reason == "TotalTimeout":
            actions.append(Action("delete-validation", validation.name))
    status.update(phase=FAILED, completionTime=_iso(now), message=message)
    if reason in ("BuildFailed", "BuildTimeout"):
        _condition(status, "BuildReady", "False", reason, message, now)
    else:
        _condition(
            status, "ValidationComplete", "True" if reason == "NotebookFailed" else "False", reason, message, now
        )
    _condition(status, "Ready", "False", reason, message, now)
    return actions


def _build_ready(status) -> bool:
    return (status.get("buildStatus") or {}).get("phase") == "Complete"


def _current(seen, record: dict[str, Any], now: datetime, gone_reason: str = ""):
    """(the object of the current attempt, whether to wait for it to appear).

    Objects are matched by the attempt label, not by name: names come from generateName, and a
    restarted bridge may have lost them. With no attempt recorded (a restart that lost the status),
    the newest object is adopted rather than a second one created.
    """
    attempt = record.get("attempt")
    if attempt is None:
        if not seen:
            return None, False
        newest = max(seen, key=lambda s: s.attempt)
        record["attempt"] = newest.attempt
        return newest, False
    match = [s for s in seen if s.attempt == attempt]
    if match:
        record.setdefault("seen", True)
        return match[-1], False
    if record.get("seen"):  # it existed and is gone: someone deleted it, or its node vanished
        name = record.get("name") or record.get("buildName") or "the object"
        if gone_reason:
            return ValidationSeen(name, "Failed", gone_reason, attempt=attempt), False
        return BuildSeen(name, "Failed", "the build object disappeared", attempt=attempt), False
    requested = record.get("requestedAt")
    if requested and not _expired(requested, CREATE_GRACE_S, now):
        return None, True  # requested moments ago; the watch has not shown it yet
    record.pop("attempt", None)
    return None, False


def _condition(status, kind: str, value: str, reason: str, message: str, now: datetime) -> None:
    conditions = status.setdefault("conditions", [])
    existing = next((c for c in conditions if c["type"] == kind), None)
    entry = {"type": kind, "status": value, "reason": reason, "message": message[:1000]}
    if existing is None:
        conditions.append({**entry, "lastTransitionTime": _iso(now)})
    elif existing["status"] != value or existing["reason"] != reason:
        existing.update(entry, lastTransitionTime=_iso(now))
    else:
        existing["message"] = entry["message"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _expired(since: str | None, limit_s: float | None, now: datetime) -> bool:
    return bool(since and limit_s) and (now - _parse(since)).total_seconds() > limit_s


def _duration(since: str, now: datetime) -> str:
    seconds = int((now - _parse(since)).total_seconds())
    return f"{seconds // 60}m{seconds % 60}s"
