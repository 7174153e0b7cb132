"""Job specs: NotebookValidationJob-compatible YAML, validated before anything is created.

A file may hold several YAML documents; NotebookValidationJob objects (or a bare `spec`) are read,
other kinds (Secrets, ConfigMaps shipped alongside) are skipped. Every spec is checked against the
extended CRD's OpenAPI schema (crd.yaml, a superset of the reference operator's), so an invalid one
fails with the field path and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

KIND = "NotebookValidationJob"
GROUP, VERSION = "mlops.mlops.dev", "v1alpha1"
STRATEGIES = {"tekton": "tekton", "s2i": "s2i", "openshift": "s2i", "kaniko": "kaniko"}
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")


class SpecError(Exception):
    """An invalid job spec: the message names the file, the field path and what is allowed."""


@dataclass(frozen=True)
class BuildConfig:
    enabled: bool = False
    strategy: str = "tekton"  # tekton | s2i | kaniko
    base_image: str | None = None
    dockerfile: str | None = None
    target: str | None = None
    requirements_file: str | None = None
    requirements_sources: tuple[str, ...] = ()
    auto_generate_requirements: bool = False
    prefer_dockerfile: bool = False
    image_name: str = "nblint-env"
    image_tag: str | None = None
    reuse_if_exists: bool = False
    registry: str | None = None
    registry_namespace: str | None = None
    cache: bool = True
    allow_unpinned: bool = False
    verify_hashes: bool | None = None
    fail_on_conflict: bool = True


@dataclass(frozen=True)
class Validation:
    level: str = "development"
    fail_on: tuple[str, ...] = ()  # runtime checks raised to errors
    ignore: tuple[str, ...] = ()  # runtime checks turned off
    lint: bool = False
    expected_outputs: tuple[dict[str, Any], ...] = ()

    def command(self, notebook_path: str) -> list[str]:
        """The container command of the validation Job."""
        cmd = ["nblint", "validate", notebook_path, "--format", "json", "--level", self.level,
               "--summary-file", "/dev/termination-log"]  # fmt: skip
        for check in self.fail_on:
            cmd += ["--fail-on", check]
        for check in self.ignore:
            cmd += ["--ignore-check", check]
        if self.lint:
            cmd.append("--lint")
        if self.expected_outputs:
            cmd += ["--expect", "/etc/nblint/expect/expect.json"]
        return cmd


@dataclass(frozen=True)
class JobSpec:
    name: str
    namespace: str | None
    git_url: str
    git_ref: str
    notebook_path: str
    credentials_secret: str | None
    container_image: str
    build: BuildConfig
    validation: Validation
    max_build_retries: int = 2
    max_validation_retries: int = 2
    build_timeout_s: float | None = None
    validation_timeout_s: float | None = None
    total_timeout_s: float | None = None
    service_account: str | None = None
    resources: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


def load_jobs(path: str | Path) -> list[JobSpec]:
    """Every NotebookValidationJob in a YAML file, validated; raises SpecError naming the first problem."""
    import yaml

    path = Path(path)
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    jobs = []
    for index, doc in enumerate(documents):
        if not isinstance(doc, dict):
            raise SpecError(f"{path}: document {index + 1} is not a mapping")
        kind = doc.get("kind")
        if kind is None and "notebook" in doc:  # a bare spec
            doc = {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "metadata": {"name": path.stem}, "spec": doc}
        elif kind != KIND:
            continue  # Secrets, ConfigMaps and the like that samples ship alongside
        jobs.append(parse(doc, f"{path}: document {index + 1}" if len(documents) > 1 else str(path)))
    if not jobs:
        raise SpecError(f"{path}: no {KIND} found (kind: {KIND}, or a bare spec with a `notebook` key)")
    return jobs


def parse(doc: dict[str, Any], where: str) -> JobSpec:
    _validate_schema(doc, where)
    meta, spec = doc.get("metadata", {}), doc["spec"]
    name = meta.get("name") or meta.get("generateName")
    if not name:
        raise SpecError(f"{where}: metadata.name: required")
    notebook = spec["notebook"]
    pod = spec["podConfig"]
    build_raw = pod.get("buildConfig") or {}
    retry = spec.get("retryPolicy") or {}
    return JobSpec(
        name=name,
        namespace=meta.get("namespace"),
        git_url=notebook["git"]["url"],
        git_ref=notebook["git"]["ref"],
        notebook_path=notebook["path"],
        credentials_secret=notebook["git"].get("credentialsSecret"),
        container_image=pod["containerImage"],
        build=_build(build_raw, where),
        validation=_validation(spec.get("validationConfig") or {}),
        max_build_retries=retry.get("maxBuildRetries", 2),
        max_validation_retries=retry.get("maxValidationRetries", 2),
        build_timeout_s=_seconds(spec.get("buildTimeout") or build_raw.get("timeout"), f"{where}: spec.buildTimeout"),
        validation_timeout_s=_seconds(spec.get("validationTimeout"), f"{where}: spec.validationTimeout"),
        total_timeout_s=_seconds(spec.get("totalTimeout") or spec.get("timeout"), f"{where}: spec.totalTimeout"),
        service_account=pod.get("serviceAccountName"),
        resources=pod.get("resources") or {},
        raw=doc,
    )


def _build(raw: dict[str, Any], where: str) -> BuildConfig:
    strategy = raw.get("strategy", "tekton")
    if strategy not in STRATEGIES:
        raise SpecError(
            f"{where}: spec.podConfig.buildConfig.strategy: {strategy!r} is not supported by nblint; "
            f"use one of {', '.join(sorted(STRATEGIES))}"
        )
    return BuildConfig(
        enabled=bool(raw.get("enabled", False)),
        strategy=STRATEGIES[strategy],
        base_image=raw.get("baseImage"),
        dockerfile=raw.get("dockerfilePath") or raw.get("dockerfile"),
        target=raw.get("target"),
        requirements_file=raw.get("requirementsFile"),
        requirements_sources=tuple(raw.get("requirementsSources") or ()),
        auto_generate_requirements=bool(raw.get("autoGenerateRequirements", False)),
        prefer_dockerfile=bool(raw.get("preferDockerfile", False)),
        image_name=raw.get("imageName") or "nblint-env",
        image_tag=raw.get("imageTag"),
        reuse_if_exists=bool(raw.get("reuseIfExists", False)),
        registry=raw.get("publishToRegistry"),
        registry_namespace=raw.get("registryNamespace"),
        cache=bool(raw.get("cache", True)),
        allow_unpinned=bool(raw.get("allowUnpinned", False)),
        verify_hashes=raw.get("verifyHashes"),
        fail_on_conflict=bool(raw.get("failOnConflict", True)),
    )


_SILENT_FAILURE_CHECKS = ("none-result", "nan-value", "inf-value", "empty-data")


def _validation(raw: dict[str, Any]) -> Validation:
    """validationConfig -> nblint: a level plus checks raised to errors or turned off."""
    level = raw.get("level") or ("production" if raw.get("strictMode") else "development")
    fail_on = []
    if raw.get("failOnStderr"):
        fail_on.append("stderr")
    if raw.get("failOnWarnings"):
        fail_on.append("warning")
    if raw.get("requireExplicitExitCodes"):
        fail_on.append("exit-code")
    if raw.get("checkOutputTypes") or raw.get("expectedOutputs"):
        fail_on.append("expected-output")
    ignore = _SILENT_FAILURE_CHECKS if raw.get("detectSilentFailures") is False else ()
    return Validation(
        level=level,
        fail_on=tuple(fail_on),
        ignore=tuple(ignore),
        lint=bool(raw.get("verifyAssertions")),
        expected_outputs=tuple(raw.get("expectedOutputs") or ()),
    )


def _seconds(text: str | None, where: str) -> float | None:
    """`1h30m`, `45s`, `500ms` -> seconds."""
    if text is None:
        return None
    parts = _DURATION.findall(str(text))
    if not parts or "".join(a + b for a, b in parts) != str(text):
        raise SpecError(f"{where}: {text!r} is not a duration; use e.g. 30m, 1h30m, 45s")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(amount) * scale[unit] for amount, unit in parts)


@cache
def crd() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((Path(__file__).parent / "crd.yaml").read_text(encoding="utf-8"))


def _validate_schema(doc: dict[str, Any], where: str) -> None:
    import jsonschema

    schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if "spec" not in doc:
        raise SpecError(f"{where}: spec: required (with at least `notebook` and `podConfig`)")
    if errors:
        first = errors[0]
        path = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        allowed = f"; allowed: {', '.join(map(str, first.validator_value))}" if first.validator == "enum" else ""
        raise SpecError(f"{where}: {path}: {first.message}{allowed}")
