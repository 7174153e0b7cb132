"""`nblint env dockerfile`: what it writes, and a real build of it with Debian's buildah."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, buildah, busybox_base_image, make_project, run_nblint

HASH = "--hash=sha256:" + "ab" * 32


def _dockerfile(nb, *args):
    proc = run_nblint("env", "dockerfile", str(nb), *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def test_generated_dockerfile_copies_only_requirement_files_and_pins_everything(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "-r deps/base.txt\npandas==2.2.2\n", "deps/base.txt": "numpy==1.26.4\n",
                        "data/big.csv": "x\n"})  # fmt: skip
    text, err = _dockerfile(write_nb("nb.ipynb", "import pandas"), "--base-image", "registry.local/py:3.11")
    assert "using generated from the requirements" in err
    lines = text.splitlines()
    assert "FROM registry.local/py:3.11" in lines
    copies = [ln for ln in lines if ln.startswith("COPY")]
    assert copies == [
        "COPY requirements.txt /opt/nblint/requirements/requirements.txt",
        "COPY deps/base.txt /opt/nblint/requirements/deps/base.txt",
        "COPY nb.ipynb /workspace/",
    ]
    install = next(ln for ln in lines if "-r /opt/nblint/requirements/requirements.txt" in ln)
    assert "--require-hashes" not in install
    assert any("ipykernel==" in ln for ln in lines)  # the kernel's package, pinned
    assert any(ln.startswith("RUN python -m venv /opt/nblint/venv") and "nblint[harness]==" in ln for ln in lines)


def test_hashed_requirements_install_with_require_hashes(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": f"pandas==2.2.2 {HASH}\nipykernel==6.29.5 {HASH}\n"})
    text, _ = _dockerfile(write_nb("nb.ipynb", "import pandas"))
    assert "pip install --no-cache-dir --require-hashes -r" in text
    assert "RUN python -m pip install --no-cache-dir ipykernel" not in text  # already declared


def test_unpinned_requirements_are_warned_about(tmp_path, write_nb):
    make_project(tmp_path, {"requirements.txt": "pandas>=2\n"})
    _, err = _dockerfile(write_nb("nb.ipynb", "import pandas"))
    assert "unpinned requirements make this image drift: pandas" in err


def test_user_dockerfile_and_target(tmp_path, write_nb):
    user = "FROM python:3.11 AS build\nRUN echo build\nFROM python:3.11-slim AS runtime\n"
    make_project(tmp_path, {"Dockerfile": user})
    nb = write_nb("nb.ipynb", "import os")
    text, err = _dockerfile(nb, "--target", "runtime")
    assert text == user and "using user Dockerfile" in err
    bad = run_nblint("env", "dockerfile", str(nb), "--target", "nope")
    assert bad.returncode == 2 and "no stage named 'nope' (stages: build, runtime)" in bad.stderr


def test_prefer_dockerfile_switch(tmp_path, write_nb):
    make_project(tmp_path, {"Dockerfile": "FROM python:3.11\n", "requirements.txt": "pandas==2.2.2\n"})
    nb = write_nb("nb.ipynb", "import pandas")
    assert "generated from the requirements" in _dockerfile(nb)[1]
    (tmp_path / "pyproject.toml").write_text("[tool.nblint]\nprefer-dockerfile = true\n")
    assert "using user Dockerfile" in _dockerfile(nb)[1]


needs_buildah = pytest.mark.skipif(
    shutil.which("buildah") is None or shutil.which("busybox") is None,
    reason="buildah/busybox-static not installed (.ci/run installs them)",
)


@needs_buildah
def test_generated_dockerfile_builds_with_buildah(tmp_path, write_nb):
    """No registry is reachable here, so the base image is made locally: busybox plus a `python` stand-in that
    checks each `-r` file the install step names really was copied into the image."""
    storage = tmp_path / "storage"
    base = busybox_base_image(tmp_path, storage)
    project = make_project(tmp_path / "project", {"requirements.txt": "-r deps/base.txt\npandas==2.2.2\n",
                                                   "deps/base.txt": "numpy==1.26.4\n"})  # fmt: skip
    nb = project / "nb.ipynb"
    shutil.copy(ROOT / "examples" / "sales_report.ipynb", nb)
    text, _ = _dockerfile(nb, "--base-image", base)
    (project / "Dockerfile.nblint").write_text(text)
    built = buildah("bud", "--isolation", "chroot", "-f", "Dockerfile.nblint", "-t", "localhost/nb", ".",
                    cwd=project, storage=storage)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    out = built.stdout
    assert "would install from /opt/nblint/requirements/requirements.txt" in out
    assert "COPY deps/base.txt /opt/nblint/requirements/deps/base.txt" in out
    check = buildah("from", "--name", "probe", "localhost/nb", storage=storage)
    assert check.returncode == 0, check.stderr
    listing = buildah("run", "--isolation", "chroot", "probe", "--", "ls", "/opt/nblint/requirements/deps",
                      "/workspace", "/opt/nblint/venv/bin", storage=storage)  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    assert "base.txt" in listing.stdout and "nb.ipynb" in listing.stdout and "pip" in listing.stdout
