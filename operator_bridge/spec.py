"""Job specs: NotebookValidationJob-compatible YAML, validated before anything is created.

A file may hold several YAML documents; NotebookValidationJob objects (or a bare `spec`) are read,
other kinds (Secrets, ConfigMaps shipped alongside) are skipped. Every spec is checked against the
extended CRD's OpenAPI schema (crd.yaml, a superset of the reference operator's) and then defaulted
from it the way the API server defaults a stored object, so the CRD is the one source of defaults:
a job read from a file and the same job read back from the cluster mean the same thing.

Every field is either carried into the objects it belongs to, mapped onto nblint's own (with a
warning saying how), or refused with its path and why: none is dropped silently (docs/cluster.md,
"Job spec fields"). Hostile YAML (alias bombs, deep nesting, other encodings) is a one-line SpecError.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from nblint import levels

KIND = "NotebookValidationJob"
GROUP, VERSION = "mlops.mlops.dev", "v1alpha1"
STRATEGIES = {"tekton": "tekton", "s2i": "s2i", "openshift": "s2i", "kaniko": "kaniko"}
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")  # a DNS-1123 label: names go into label values
DEFAULT_RETRIES = 2  # each budget; the CRD documents it (no `default:` there, so maxRetries can fill them)
MAX_DURATION_S = 7 * 86400  # a week: longer is a typo, and Kubernetes deadlines are int64 seconds
MAX_MESSAGE = 400  # characters of any error line
MAX_DEPTH = 64  # YAML nesting; real manifests stay under 20
MAX_ALIAS_EXPANSION = 10_000  # extra nodes aliases may add once expanded (a billion-laughs file adds 10^9)
_RESERVED_VOLUMES = ("workspace", "git-credentials", "golden-credentials", "expect")
_RESERVED_MOUNT = "/workspace"


class SpecError(Exception):
    """An invalid job spec: the message names the file, the field path and what is allowed (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(clip(message))


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """One line of at most `limit` characters: error messages never carry a document."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class BuildConfig:
    enabled: bool = False
    strategy: str = "tekton"  # tekton | s2i | kaniko (the CRD's default; a test keeps them equal)
    base_image: str | None = None
    dockerfile: str | None = None
    target: str | None = None
    requirements_file: str | None = None
    requirements_sources: tuple[str, ...] = ()
    auto_generate_requirements: bool = True
    prefer_dockerfile: bool = False
    fallback_strategy: str = "warn"  # no requirements found: warn | fail | auto (nblint's discovery)
    image_name: str = "nblint-env"
    image_tag: str | None = None
    reuse_if_exists: bool = False
    registry: str | None = None
    registry_namespace: str | None = None
    push_secret: str | None = None  # a kubernetes.io/dockerconfigjson Secret for pushes
    registry_ca: str | None = None  # a ConfigMap holding ca.crt for the registry's TLS
    privileged: bool = False  # opt-in: a privileged (tekton) or root (kaniko) build pod
    cache: bool = True
    allow_unpinned: bool = False
    verify_hashes: bool | None = None
    fail_on_conflict: bool = True


@dataclass(frozen=True)
class Golden:
    """goldenNotebook + comparisonConfig, run as `nblint validate --golden`."""

    git_url: str
    git_ref: str
    path: str
    credentials_secret: str | None = None
    rtol: float = 0.0001
    atol: float = 0.0001


@dataclass(frozen=True)
class Validation:
    level: str = "development"
    fail_on: tuple[str, ...] = ()  # runtime checks raised to errors
    ignore: tuple[str, ...] = ()  # runtime checks turned off
    lint: bool = False
    expected_outputs: tuple[dict[str, Any], ...] = ()
    golden: Golden | None = None

    def command(self, notebook_path: str, golden_root: str = "/workspace/golden") -> list[str]:
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
        if self.golden:
            cmd += ["--golden", f"{golden_root}/{self.golden.path}",
                    "--rtol", f"{self.golden.rtol:g}", "--atol", f"{self.golden.atol:g}"]  # fmt: skip
        return cmd


@dataclass(frozen=True)
class PodOptions:
    """What podConfig asks of the validation pod beyond its image (carried as given)."""

    env: tuple[dict[str, Any], ...] = ()
    env_from: tuple[dict[str, Any], ...] = ()  # envFrom plus `credentials` (each a secretRef)
    volumes: tuple[dict[str, Any], ...] = ()
    volume_mounts: tuple[dict[str, Any], ...] = ()
    node_selector: dict[str, str] = field(default_factory=dict, hash=False)
    tolerations: tuple[dict[str, Any], ...] = ()
    affinity: dict[str, Any] = field(default_factory=dict, hash=False)
    run_as_user: int | None = None


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
    max_build_retries: int = DEFAULT_RETRIES
    max_validation_retries: int = DEFAULT_RETRIES
    build_timeout_s: float | None = None
    validation_timeout_s: float | None = None
    total_timeout_s: float | None = None
    service_account: str | None = None
    resources: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    pod: PodOptions = field(default_factory=PodOptions, compare=False, hash=False)
    warnings: tuple[str, ...] = ()  # fields mapped or partly honoured: into status, printed by the CLI
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


def load_jobs(path: str | Path) -> list[JobSpec]:
    """Every NotebookValidationJob in a YAML file, validated; raises SpecError naming the first problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror or exc})") from None
    documents = [d for d in load_yaml(data, str(path)) if d is not None]
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


def load_yaml(data: bytes, where: str) -> list[Any]:
    """All documents of a YAML file, safely: bounded depth and alias expansion, UTF-8/16/32 only."""
    import yaml

    text = _decode(data, where)
    loader = None
    try:
        loader = _loader()(text)
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{where}: not valid YAML: {exc.problem or exc.context}{at}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: not valid YAML: {exc}") from None
    except RecursionError:  # the bounds below make this unreachable; kept so no traceback can escape
        raise SpecError(f"{where}: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _decode(data: bytes, where: str) -> str:
    import codecs

    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
            (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
    codec = next((name for bom, name in boms if data.startswith(bom)), "utf-8")
    if codec == "utf-8" and b"\0" in data[:4096]:
        raise SpecError(f"{where}: not UTF-8 text (NUL bytes: UTF-16 without a byte-order mark?); save it as UTF-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise SpecError(f"{where}: not {codec.upper()} text (byte {exc.start}); save it as UTF-8") from None


@cache
def _loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that refuses deep nesting and alias bombs while composing, before anything is built."""

        _depth = 0

        def compose_node(self, parent, index):
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def compose_document(self):
            node = super().compose_document()
            _check_aliases(node)
            return node

    return Loader


def _check_aliases(root) -> None:
    """Refuse a document whose aliases expand it by more than MAX_ALIAS_EXPANSION nodes (or loop)."""
    import yaml

    sizes: dict[int, int] = {}
    distinct: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:  # iterative post-order: expanded size per node, each node computed once
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            continue
        if key in sizes:
            continue
        if key in distinct:
            raise yaml.composer.ComposerError(None, None, "an alias refers to itself", node.start_mark)
        distinct.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    if sizes[id(root)] - len(distinct) > MAX_ALIAS_EXPANSION:
        raise yaml.composer.ComposerError(
            None, None, f"aliases expand the document beyond {MAX_ALIAS_EXPANSION} extra nodes", root.start_mark
        )


def _children(node) -> list:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse(doc: dict[str, Any], where: str) -> JobSpec:
    if "spec" not in doc:
        raise SpecError(f"{where}: spec: required (with at least `notebook` and `podConfig`)")
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    _validate_schema(doc, where)
    name = meta.get("name") or meta.get("generateName")
    if not meta.get("name") and isinstance(name, str):
        name = name.rstrip("-")  # generateName's trailing separator
    if name is None:
        raise SpecError(f"{where}: metadata.name: required")
    if not isinstance(name, str) or len(name) > 63 or not _NAME.match(name):
        shown = repr(name)[:80] if isinstance(name, str) else f"a {type(name).__name__} ({str(name)[:40]})"
        raise SpecError(
            f"{where}: metadata.name: {shown} is not a name; use up to 63 lowercase letters, digits and '-' "
            "(quote it if YAML reads it as a number or a date)"
        )
    namespace = meta.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or not _NAME.match(namespace)):
        raise SpecError(f"{where}: metadata.namespace: must be a namespace name (lowercase letters, digits, '-')")
    spec = apply_defaults(schema()["properties"]["spec"], doc["spec"])
    notebook, pod = spec["notebook"], spec["podConfig"]
    build_raw = pod.get("buildConfig") or {}
    warnings: list[str] = []
    build = _build(build_raw, where, warnings)
    max_build, max_validation = _retries(spec.get("retryPolicy") or {}, warnings)
    total = _seconds(spec.get("totalTimeout") or spec.get("timeout"), f"{where}: spec.totalTimeout (or timeout)")
    job = JobSpec(
        name=name,
        namespace=namespace,
        git_url=notebook["git"]["url"],
        git_ref=notebook["git"]["ref"],
        notebook_path=notebook["path"],
        credentials_secret=notebook["git"].get("credentialsSecret"),
        container_image=pod["containerImage"],
        build=build,
        validation=_validation(spec, where, warnings),
        max_build_retries=max_build,
        max_validation_retries=max_validation,
        build_timeout_s=_seconds(spec.get("buildTimeout") or build_raw.get("timeout"), f"{where}: spec.buildTimeout")
        if build.enabled
        else None,
        validation_timeout_s=_seconds(
            spec.get("validationTimeout") or spec.get("timeout"), f"{where}: spec.validationTimeout (or timeout)"
        ),
        total_timeout_s=total,
        service_account=pod.get("serviceAccountName"),
        resources=pod.get("resources") or {},
        pod=_pod(pod, where, warnings),
        raw=doc,
    )
    _check_unsupported(spec, where, warnings)
    for label, limit in (("buildTimeout", job.build_timeout_s), ("validationTimeout", job.validation_timeout_s)):
        if total and limit and limit > total:
            warnings.append(
                f"spec.{label} ({limit:g} s) is longer than the total timeout ({total:g} s): the total wins"
            )
    return _with_warnings(job, warnings)


def _with_warnings(job: JobSpec, warnings: list[str]) -> JobSpec:
    from dataclasses import replace

    return replace(job, warnings=tuple(clip(w) for w in warnings))


def _build(raw: dict[str, Any], where: str, warnings: list[str]) -> BuildConfig:
    strategy = raw.get("strategy", BuildConfig.strategy)
    if strategy not in STRATEGIES:
        raise SpecError(
            f"{where}: spec.podConfig.buildConfig.strategy: {strategy!r} is not supported by nblint; "
            f"use one of {', '.join(sorted(STRATEGIES))}"
        )
    enabled = bool(raw.get("enabled", False))
    privileged = bool(raw.get("privileged", False))
    if enabled and STRATEGIES[strategy] == "kaniko" and not privileged:
        raise SpecError(
            f"{where}: spec.podConfig.buildConfig.strategy: kaniko runs as root, which the Pod Security "
            "'restricted' profile refuses; use tekton (rootless buildah) or set buildConfig.privileged: true"
        )
    if raw.get("strategyConfig"):
        warnings.append("spec.podConfig.buildConfig.strategyConfig: ignored; nblint's builds take no extra options")
    if raw.get("autoGenerateRequirements") is False and not raw.get("requirementsFile"):
        warnings.append(
            "spec.podConfig.buildConfig.autoGenerateRequirements: false has no effect without requirementsFile; "
            "nblint looks for requirements next to the notebook, then up to the repository root"
        )
    return BuildConfig(
        enabled=enabled,
        strategy=STRATEGIES[strategy],
        base_image=raw.get("baseImage"),
        dockerfile=raw.get("dockerfilePath") or raw.get("dockerfile"),
        target=raw.get("target"),
        requirements_file=raw.get("requirementsFile"),
        requirements_sources=tuple(raw.get("requirementsSources") or ()),
        auto_generate_requirements=bool(raw.get("autoGenerateRequirements", True)),
        prefer_dockerfile=bool(raw.get("preferDockerfile", False)),
        fallback_strategy=raw.get("fallbackStrategy", "warn"),
        image_name=raw.get("imageName") or "nblint-env",
        image_tag=raw.get("imageTag"),
        reuse_if_exists=bool(raw.get("reuseIfExists", False)),
        registry=raw.get("publishToRegistry"),
        registry_namespace=raw.get("registryNamespace"),
        push_secret=raw.get("pushSecret"),
        registry_ca=raw.get("registryCA"),
        privileged=privileged,
        cache=bool(raw.get("cache", True)),
        allow_unpinned=bool(raw.get("allowUnpinned", False)),
        verify_hashes=raw.get("verifyHashes"),
        fail_on_conflict=bool(raw.get("failOnConflict", True)),
    )


def _retries(raw: dict[str, Any], warnings: list[str]) -> tuple[int, int]:
    """nblint's two budgets. The reference operator's single names map onto them where a budget is not
    set: maxRetries onto both, backoffLimit (a Job's pod retries) onto the validation budget."""
    single, backoff = raw.get("maxRetries"), raw.get("backoffLimit")
    build = raw.get("maxBuildRetries", single)
    validation = raw.get("maxValidationRetries", backoff if backoff is not None else single)
    for name, budgets in (("maxRetries", "maxBuildRetries and maxValidationRetries"),
                          ("backoffLimit", "maxValidationRetries")):  # fmt: skip
        if raw.get(name) is not None:
            warnings.append(
                f"spec.retryPolicy.{name}: {raw[name]} is used as {budgets} where those are not set; "
                "infrastructure failures only: a notebook that fails its checks is never retried"
            )
    return (DEFAULT_RETRIES if build is None else build), (DEFAULT_RETRIES if validation is None else validation)


# validationConfig's switches, by the names nblint.levels.SWITCHES (the one table of what they do) uses
_SWITCHES = {
    "failOnStderr": "fail-on-stderr",
    "failOnWarnings": "fail-on-warnings",
    "requireExplicitExitCodes": "require-explicit-exit-codes",
    "checkOutputTypes": "check-output-types",
    "detectSilentFailures": "detect-silent-failures",
}


def _validation(spec: dict[str, Any], where: str, warnings: list[str]) -> Validation:
    """validationConfig -> nblint: a level plus checks raised to errors or turned off; golden comparison."""
    raw = spec.get("validationConfig") or {}
    level = raw.get("level") or "development"
    if raw.get("strictMode"):  # the CRD defaults level, so strictMode cannot wait for level to be absent
        if level not in ("development", "production"):
            warnings.append(f"spec.validationConfig.strictMode: true raises level {level!r} to 'production'")
        level = "production"
    switches = {key: bool(raw[name]) for name, key in _SWITCHES.items() if raw.get(name) is not None}
    if raw.get("expectedOutputs"):
        switches["check-output-types"] = True
    # The validation pod's command carries them as --fail-on (raised) and --ignore-check (turned off).
    fail_on, ignore = [], []
    for (key, value), checks in levels.SWITCHES.items():
        if switches.get(key) is value:
            for check, letters in checks.items():
                (ignore if set(letters) == {"o"} else fail_on).append(check)
    return Validation(
        level=level,
        fail_on=tuple(fail_on),
        ignore=tuple(ignore),
        lint=bool(raw.get("verifyAssertions")),
        expected_outputs=tuple(raw.get("expectedOutputs") or ()),
        golden=_golden(spec, where, warnings),
    )


def _golden(spec: dict[str, Any], where: str, warnings: list[str]) -> Golden | None:
    raw, comparison = spec.get("goldenNotebook"), spec.get("comparisonConfig") or {}
    if not raw:
        if spec.get("comparisonConfig"):
            warnings.append("spec.comparisonConfig: has no effect without goldenNotebook")
        return None
    tolerance = float(comparison.get("floatingPointTolerance", "0.0001"))
    if not math.isfinite(tolerance):
        raise SpecError(f"{where}: spec.comparisonConfig.floatingPointTolerance: must be a finite number")
    if comparison.get("strategy") == "exact":
        tolerance = 0.0
    prefix = "spec.comparisonConfig"
    if comparison.get("ignoreTimestamps") is False:
        warnings.append(f"{prefix}.ignoreTimestamps: false is not honoured; nblint always ignores timestamps")
    if comparison.get("ignoreExecutionCount") is False:
        warnings.append(f"{prefix}.ignoreExecutionCount: false is not honoured; execution counts are never compared")
    if comparison.get("customTimestampPatterns"):
        warnings.append(
            f"{prefix}.customTimestampPatterns: not honoured; nblint ignores ISO-8601 dates and hh:mm:ss times only"
        )
    if comparison.get("ignoreOutputTypes"):
        warnings.append(
            f"{prefix}.ignoreOutputTypes: not honoured; text, stream and error outputs are compared, images are not"
        )
    return Golden(
        git_url=raw["git"]["url"],
        git_ref=raw["git"]["ref"],
        path=raw["path"],
        credentials_secret=raw["git"].get("credentialsSecret"),
        rtol=tolerance,
        atol=tolerance,
    )


def _pod(pod: dict[str, Any], where: str, warnings: list[str]) -> PodOptions:
    volumes = tuple(pod.get("volumes") or ())
    mounts = tuple(pod.get("volumeMounts") or ())
    names = [v.get("name") for v in volumes]
    for index, name in enumerate(names):
        if name in _RESERVED_VOLUMES or names.count(name) > 1:
            why = "is used by nblint" if name in _RESERVED_VOLUMES else "is declared twice"
            raise SpecError(f"{where}: spec.podConfig.volumes[{index}].name: {name!r} {why}; rename it")
    for index, volume in enumerate(volumes):
        mode = (volume.get("secret") or volume.get("configMap") or {}).get("defaultMode")
        if mode is not None and not mode & 0o040:
            warnings.append(
                f"spec.podConfig.volumes[{index}].defaultMode: {mode:#o} is readable by its owner (root) only; the "
                "validation pod runs as a non-root UID (OpenShift: a random one) and cannot read it: use 0440"
            )
    for index, mount in enumerate(mounts):
        if mount.get("name") not in names:
            raise SpecError(
                f"{where}: spec.podConfig.volumeMounts[{index}].name: {mount.get('name')!r} is not in podConfig.volumes"
            )
        path = str(mount.get("mountPath", ""))
        if path == _RESERVED_MOUNT or path.startswith(_RESERVED_MOUNT + "/") or path.startswith("/etc/nblint"):
            raise SpecError(
                f"{where}: spec.podConfig.volumeMounts[{index}].mountPath: {path!r} is where nblint checks out "
                "the repository; mount it elsewhere"
            )
    env_from = [*(pod.get("envFrom") or ()), *({"secretRef": {"name": s}} for s in pod.get("credentials") or ())]
    run_as = pod.get("runAsUser")
    return PodOptions(
        env=tuple(pod.get("env") or ()),
        env_from=tuple(env_from),
        volumes=volumes,
        volume_mounts=mounts,
        node_selector=dict(pod.get("nodeSelector") or {}),
        tolerations=tuple(pod.get("tolerations") or ()),
        affinity=dict(pod.get("affinity") or {}),
        run_as_user=int(run_as) if run_as is not None else None,
    )


def _check_unsupported(spec: dict[str, Any], where: str, warnings: list[str]) -> None:
    model = spec.get("modelValidation")
    if model and model.get("enabled", True):
        raise SpecError(
            f"{where}: spec.modelValidation: nblint does not check model-serving endpoints "
            f"({model.get('platform', 'kserve')}); a job asking for it would pass unchecked. Remove it or set "
            "enabled: false"
        )
    if model:
        warnings.append("spec.modelValidation: enabled is false; ignored")


def _seconds(text: Any, where: str) -> float | None:
    """`1h30m`, `45s`, `500ms` -> seconds; zero, absurdly long or malformed durations are refused."""
    if text is None:
        return None
    text = str(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise SpecError(f"{where}: {text[:40]!r} is not a duration; use e.g. 30m, 1h30m, 45s")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    seconds = sum(float(amount) * scale[unit] for amount, unit in parts)
    if not seconds >= 1:
        raise SpecError(f"{where}: {text!r} is shorter than 1 s; leave the field out for the default limit")
    if not math.isfinite(seconds) or seconds > MAX_DURATION_S:
        raise SpecError(f"{where}: {text[:40]!r} is longer than a week ({MAX_DURATION_S} s)")
    return seconds


@cache
def crd() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # our own file: the C loader is 10x faster
    return yaml.load((Path(__file__).parent / "crd.yaml").read_text(encoding="utf-8"), Loader=loader)


def schema() -> dict[str, Any]:
    """The CRD's openAPIV3Schema (the one served version)."""
    return crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def apply_defaults(node_schema: dict[str, Any], value: Any) -> Any:
    """A copy of `value` with the schema's `default:`s filled in, as the API server stores it: a default
    applies where its parent object exists and the field is missing."""
    value = copy.deepcopy(value)
    stack = [(node_schema, value)]
    while stack:
        node, item = stack.pop()
        if isinstance(item, dict):
            for key, sub in (node.get("properties") or {}).items():
                if key not in item and "default" in sub:
                    item[key] = copy.deepcopy(sub["default"])
                if key in item:
                    stack.append((sub, item[key]))
        elif isinstance(item, list) and isinstance(node.get("items"), dict):
            stack.extend((node["items"], element) for element in item)
    return value


def unknown_fields(node_schema: dict[str, Any], value: Any, path: str) -> list[str]:
    """Paths the API server would prune from `value` under a structural schema: properties it does not
    declare, outside `x-kubernetes-preserve-unknown-fields` and `additionalProperties` maps."""
    found = []
    stack = [(node_schema, value, path)]
    while stack:
        node, item, where = stack.pop()
        if node.get("x-kubernetes-preserve-unknown-fields"):
            continue
        if isinstance(item, dict):
            properties, extra = node.get("properties") or {}, node.get("additionalProperties")
            for key, sub in item.items():
                if key in properties:
                    stack.append((properties[key], sub, f"{where}.{key}"))
                elif isinstance(extra, dict):
                    stack.append((extra, sub, f"{where}.{key}"))
                elif extra is not True:
                    found.append(f"{where}.{key}")
        elif isinstance(item, list) and isinstance(node.get("items"), dict):
            stack.extend((node["items"], element, f"{where}[{i}]") for i, element in enumerate(item))
    return sorted(found)


def _validate_schema(doc: dict[str, Any], where: str) -> None:
    import jsonschema

    errors = sorted(jsonschema.Draft7Validator(schema()).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        allowed = f"; allowed: {', '.join(map(str, first.validator_value))}" if first.validator == "enum" else ""
        message = first.message if len(repr(first.instance)) <= 120 else _short_message(first)
        raise SpecError(f"{where}: {path}: {message}{allowed}")
    pruned = unknown_fields(schema()["properties"]["spec"], doc["spec"], "spec")
    if pruned:
        raise SpecError(
            f"{where}: {pruned[0]}: unknown field (not in the NotebookValidationJob CRD, so the API server would "
            "drop it); see docs/cluster.md for the fields"
        )


def _short_message(error) -> str:
    """The failed check without the (possibly huge) value it was about."""
    expected = error.validator_value
    if error.validator == "type":
        return f"must be {expected}, not {type(error.instance).__name__}"
    return f"fails the schema's {error.validator!r} check ({str(expected)[:80]})"
