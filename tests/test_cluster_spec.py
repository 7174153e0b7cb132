"""Job specs: NotebookValidationJob manifests parse, invalid ones fail before anything is created."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import yaml
from conftest import ROOT
from nblint.operator_bridge.spec import (
    DEFAULT_RETRIES,
    BuildConfig,
    Golden,
    JobSpec,
    SpecError,
    Validation,
    apply_defaults,
    load_jobs,
    parse,
    schema,
)

SAMPLES = sorted((ROOT / "tests" / "fixtures" / "jobs").glob("*.yaml"))  # the reference operator's, vendored

MINIMAL = {
    "apiVersion": "mlops.mlops.dev/v1alpha1",
    "kind": "NotebookValidationJob",
    "metadata": {"name": "etl", "namespace": "data"},
    "spec": {
        "notebook": {"git": {"url": "https://git.example.com/team/nbs.git", "ref": "main"}, "path": "etl.ipynb"},
        "podConfig": {"containerImage": "python:3.11-slim"},
    },
}


def _write(tmp_path, doc, name="job.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(doc) if isinstance(doc, list) else yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem.split("notebookvalidationjob")[-1] or "basic")
def test_every_reference_sample_parses(sample):
    jobs = load_jobs(sample)
    assert jobs and all(j.git_url.startswith(("https://", "git@")) and j.notebook_path.endswith(".ipynb") for j in jobs)


def test_all_sixteen_sample_files_are_covered():
    assert len(SAMPLES) == 16


def test_extended_fields_and_mappings(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["spec"].update({
        "retryPolicy": {"maxBuildRetries": 4, "maxValidationRetries": 1},
        "buildTimeout": "20m", "validationTimeout": "1h30m", "totalTimeout": "2h",
        "validationConfig": {"strictMode": True, "failOnStderr": True, "failOnWarnings": True,
                             "detectSilentFailures": False, "verifyAssertions": True,
                             "expectedOutputs": [{"cell": 2, "type": "float", "minValue": "0.8"}]},
    })  # fmt: skip
    doc["spec"]["podConfig"]["buildConfig"] = {
        "enabled": True, "strategy": "openshift", "dockerfilePath": "docker/Dockerfile", "target": "runtime",
        "reuseIfExists": True, "publishToRegistry": "quay.io", "registryNamespace": "team", "imageName": "etl-env",
    }  # fmt: skip
    [job] = load_jobs(_write(tmp_path, doc))
    assert (job.max_build_retries, job.max_validation_retries) == (4, 1)
    assert (job.build_timeout_s, job.validation_timeout_s, job.total_timeout_s) == (1200, 5400, 7200)
    assert job.build.strategy == "s2i" and job.build.dockerfile == "docker/Dockerfile"
    assert job.build.reuse_if_exists and job.build.registry == "quay.io"
    cmd = job.validation.command("etl.ipynb")
    assert cmd[:3] == ["nblint", "validate", "etl.ipynb"] and cmd[cmd.index("--level") + 1] == "production"
    assert cmd[cmd.index("stderr") - 1 : cmd.index("stderr") + 1] == ["--fail-on", "stderr"]
    assert "--lint" in cmd and "--expect" in cmd and cmd.count("--ignore-check") == 4


def test_other_kinds_in_the_file_are_skipped_and_bare_specs_work(tmp_path):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"a": "b"}}
    assert [j.name for j in load_jobs(_write(tmp_path, [secret, MINIMAL]))] == ["etl"]
    bare = _write(tmp_path, MINIMAL["spec"], "nightly.yaml")
    assert load_jobs(bare)[0].name == "nightly"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["spec"].pop("notebook"), "spec: 'notebook' is a required property"),
        (lambda d: d["spec"]["podConfig"].update(buildConfig={"strategy": "docker"}),
         "spec.podConfig.buildConfig.strategy: 'docker' is not one of"),
        (lambda d: d["spec"]["podConfig"].update(buildConfig={"strategy": "shipwright"}),
         "'shipwright' is not supported by nblint; use one of kaniko, openshift, s2i, tekton"),
        (lambda d: d["spec"].update(buildTimeout="twenty minutes"),
         "spec.buildTimeout: 'twenty minutes' does not match"),
        (lambda d: d["spec"].update(retryPolicy={"maxBuildRetries": -1}),
         "spec.retryPolicy.maxBuildRetries: -1 is less"),
        (lambda d: d["spec"].update(validationConfig={"level": "strict"}),
         "spec.validationConfig.level: 'strict' is not one of"),
        (lambda d: d.pop("spec"), "spec: required"),
    ],
)  # fmt: skip
def test_invalid_specs_name_the_field(tmp_path, change, expected):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    change(doc)
    with pytest.raises(SpecError) as info:
        load_jobs(_write(tmp_path, doc))
    assert expected in str(info.value) and "job.yaml" in str(info.value)


def test_unreadable_or_empty_files(tmp_path):
    (tmp_path / "bad.yaml").write_text("spec: [unclosed")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_jobs(tmp_path / "bad.yaml")
    (tmp_path / "other.yaml").write_text("kind: ConfigMap\napiVersion: v1\n")
    with pytest.raises(SpecError, match="no NotebookValidationJob found"):
        load_jobs(tmp_path / "other.yaml")


# -- one source of defaults: the CRD ------------------------------------------------------------------------------


def _crd_default(path: str):
    node = schema()
    for part in path.split("."):
        node = node["properties"][part]
    return node.get("default", "(none)")


def test_the_crd_defaults_are_the_bridges_defaults():
    assert _crd_default("spec.podConfig.buildConfig.strategy") == BuildConfig.strategy == "tekton"
    assert _crd_default("spec.podConfig.buildConfig.fallbackStrategy") == BuildConfig.fallback_strategy
    assert _crd_default("spec.podConfig.buildConfig.autoGenerateRequirements") is BuildConfig.auto_generate_requirements
    assert _crd_default("spec.podConfig.buildConfig.preferDockerfile") is BuildConfig.prefer_dockerfile
    assert _crd_default("spec.podConfig.buildConfig.enabled") is BuildConfig.enabled
    assert _crd_default("spec.podConfig.buildConfig.privileged") is BuildConfig.privileged
    assert _crd_default("spec.validationConfig.level") == Validation.level
    assert float(_crd_default("spec.comparisonConfig.floatingPointTolerance")) == Golden.rtol == Golden.atol
    # no CRD default where nblint decides: the base image, and the budgets maxRetries may fill
    assert _crd_default("spec.podConfig.buildConfig.baseImage") == "(none)" and BuildConfig.base_image is None
    for budget in ("maxBuildRetries", "maxValidationRetries"):
        assert _crd_default(f"spec.retryPolicy.{budget}") == "(none)"
        assert f"default {DEFAULT_RETRIES}" in schema()["properties"]["spec"]["properties"]["retryPolicy"][
            "properties"][budget]["description"]  # fmt: skip
    assert JobSpec.max_build_retries == JobSpec.max_validation_retries == DEFAULT_RETRIES


def test_the_stored_timeouts_are_the_enforced_timeouts(tmp_path):
    """`timeout: 30m` and `buildConfig.timeout: 15m` are what the API server stores: they are limits here too."""
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["spec"]["podConfig"]["buildConfig"] = {"enabled": True}
    [job] = load_jobs(_write(tmp_path, doc))
    assert job.build_timeout_s == 15 * 60 and job.validation_timeout_s == 30 * 60 and job.total_timeout_s == 30 * 60
    assert job.build.strategy == "tekton"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem.split("notebookvalidationjob")[-1] or "basic")
def test_a_job_read_back_from_the_cluster_means_what_the_file_meant(sample):
    """The API server stores the spec with the CRD's defaults filled in; parsing that gives the same job."""
    spec_schema = schema()["properties"]["spec"]
    for job in load_jobs(sample):
        stored = {**job.raw, "spec": apply_defaults(spec_schema, job.raw["spec"])}
        again = parse(stored, "stored")
        assert again == job and again.pod == job.pod and again.warnings == job.warnings


def test_an_unknown_field_is_refused_not_pruned(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["spec"]["podConfig"]["nodeSelectors"] = {"gpu": "true"}  # a typo the API server would silently drop
    with pytest.raises(SpecError, match=r"spec\.podConfig\.nodeSelectors: unknown field"):
        load_jobs(_write(tmp_path, doc))


def test_zero_and_huge_durations_are_refused(tmp_path):
    cases = (("0s", "shorter than 1 s"), ("0m0s", "shorter than 1 s"), ("9" * 400 + "s", "longer than a week"),
             ("200h", "longer than a week"))  # fmt: skip
    for value, expected in cases:
        doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
        doc["spec"]["validationTimeout"] = value
        with pytest.raises(SpecError, match=expected) as info:
            load_jobs(_write(tmp_path, doc))
        assert len(str(info.value)) <= 400


# -- hostile files (issue 12, S01-S06): exit 2, one short line, no traceback, fast --------------------------------


def _submit(tmp_path, content: bytes):
    job = tmp_path / "job.yaml"
    job.write_bytes(content)
    kubeconfig = tmp_path / "kubeconfig"  # a closed port: the spec must fail before any connection
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "nblint", "cluster", "--kubeconfig", str(kubeconfig), "submit", str(job),
         "--checkout", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result, time.monotonic() - started


def _bomb(levels: int = 9) -> bytes:
    lines = ["l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    body = "\n".join("  " + line for line in lines)
    return (
        "apiVersion: mlops.mlops.dev/v1alpha1\nkind: NotebookValidationJob\nmetadata: {name: bomb}\nspec:\n"
        "  notebook: {git: {url: 'https://github.com/a/b.git', ref: main}, path: nb.ipynb}\n"
        "  podConfig: {containerImage: 'python:3.11'}\n  validationConfig:\n" + body + "\n"
    ).encode()


_JOB = (
    "apiVersion: mlops.mlops.dev/v1alpha1\nkind: NotebookValidationJob\nmetadata:\n  name: {name}\nspec:\n"
    "  notebook: {{git: {{url: 'https://github.com/a/b.git', ref: main}}, path: nb.ipynb}}\n"
    "  podConfig: {{containerImage: 'python:3.11'}}\n"
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (_bomb(), "aliases expand the document"),  # S01: billion laughs
        (b"spec: " + b"[" * 20000 + b"]" * 20000 + b"\n", "nested deeper than"),  # S02
        (b"a:\n" + b"".join(b"  " * i + b"- x:\n" for i in range(1, 3000)), "nested deeper than"),  # S02, block style
        (_JOB.format(name="j").encode("utf-16"), None),  # S03: UTF-16 with a BOM is read (then validated)
        (_JOB.format(name="j").encode("utf-16-le"), "not UTF-8 text"),  # S03: no BOM: refused, not a traceback
        ("metadata: {name: café}\n".encode("latin-1"), "not UTF-8 text"),  # S03: latin-1
        (_JOB.format(name="2020-01-01").encode(), "metadata.name: a date"),  # S04
        (_JOB.format(name="5").encode(), "metadata.name: a int"),  # S04
        (_JOB.format(name="!!binary aGVsbG8=").encode(), "metadata.name: a bytes"),  # S04
        (_JOB.format(name="j").encode() + b"  validationTimeout: '" + b"9" * 400 + b"s'\n", "longer than a week"),
        (_JOB.format(name="j").encode() + b"  validationTimeout: 0s\n", "shorter than 1 s"),  # S05
        (b"spec: !!python/object:os.system ls\n", "could not determine a constructor"),  # S06
        (b"spec: [unclosed\n  - x: {\n", "not valid YAML"),  # S06: PyYAML's multi-line message
        (_JOB.format(name="j").encode() + b"  timeout: '" + b"x" * 100_000 + b"'\n", "'pattern' check"),
    ],
)  # fmt: skip
def test_hostile_job_files_are_one_line_exit_2(tmp_path, content, expected):
    result, took = _submit(tmp_path, content)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr and len(lines[0]) <= 500, result.stderr[:2000]
    if expected:
        assert expected in lines[0] and "job.yaml" in lines[0]
    else:  # decoded and validated: it gets as far as the (closed) cluster
        assert "cannot reach the cluster" in lines[0]
    assert took < 20


def test_ordinary_aliases_still_work(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text(
        "apiVersion: mlops.mlops.dev/v1alpha1\nkind: NotebookValidationJob\n"
        "metadata:\n  name: etl\n  labels: &l {a: b}\n  annotations: *l\n"
        "spec:\n  notebook: {git: {url: 'https://git.example.com/x.git', ref: main}, path: etl.ipynb}\n"
        "  podConfig:\n    containerImage: 'python:3.11'\n    env: &env [{name: A, value: '1'}]\n"
    )
    assert load_jobs(path)[0].pod.env == ({"name": "A", "value": "1"},)


def test_generate_name_and_long_names(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINIMAL))
    doc["metadata"] = {"generateName": "nightly-"}
    assert load_jobs(_write(tmp_path, doc))[0].name == "nightly"
    doc["metadata"] = {"name": "x" * 64}
    with pytest.raises(SpecError, match="up to 63 lowercase letters"):
        load_jobs(_write(tmp_path, doc))
